public import MoguraCore

/// Dates as Japanese legal documents write them: 和暦 (令和8年11月23日, 元年 for an era's first year) beside
/// 西暦, and times in JST marked 日本時間.
///
/// ```swift
/// JapaneseDate.wareki(try CivilDate("2019-05-01"))          // 令和元年5月1日
/// JapaneseDate.both(try CivilDate("2026-11-23"))            // 令和8年11月23日（2026年11月23日）
/// ```
public enum JapaneseDate {
    /// The modern eras and their first days.
    static let eras: [(name: String, start: CivilDate)] = [
        ("令和", CivilDate(year: 2019, month: 5, day: 1)!),
        ("平成", CivilDate(year: 1989, month: 1, day: 8)!),
        ("昭和", CivilDate(year: 1926, month: 12, day: 25)!),
        ("大正", CivilDate(year: 1912, month: 7, day: 30)!),
        ("明治", CivilDate(year: 1873, month: 1, day: 1)!),
    ]

    /// `令和8年11月23日`; `元年` for the first year of an era; the Western date for days before 1873.
    public static func wareki(_ date: CivilDate) -> String {
        guard let era = eras.first(where: { date >= $0.start }) else { return seireki(date) }
        let year = date.year - era.start.year + 1
        return "\(era.name)\(year == 1 ? "元" : String(year))年\(date.month)月\(date.day)日"
    }

    /// `2026年11月23日`.
    public static func seireki(_ date: CivilDate) -> String { "\(date.year)年\(date.month)月\(date.day)日" }

    /// `令和8年11月23日（2026年11月23日）`.
    public static func both(_ date: CivilDate) -> String { "\(wareki(date))（\(seireki(date))）" }

    /// The day an instant falls on in Japan.
    public static func day(_ time: Timestamp) -> CivilDate { CivilDate(time, offsetSeconds: 9 * 3_600) }

    /// `令和8年10月5日 12時34分56秒（日本時間）`.
    public static func time(_ time: Timestamp) -> String {
        let seconds = Int((time.microseconds / 1_000_000 + 9 * 3_600) % 86_400 + 86_400) % 86_400
        return "\(wareki(day(time))) \(seconds / 3_600)時\(two(seconds / 60 % 60))分\(two(seconds % 60))秒（日本時間）"
    }

    /// `2026-10-05 12:34:56` in JST, for tables.
    public static func tableTime(_ time: Timestamp) -> String {
        let seconds = Int((time.microseconds / 1_000_000 + 9 * 3_600) % 86_400 + 86_400) % 86_400
        return "\(day(time)) \(two(seconds / 3_600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
