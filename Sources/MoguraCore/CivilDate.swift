/// A day on the calendar, with no time and no zone: what legal periods count in (民法140条–143条), and the
/// proleptic Gregorian arithmetic (H. Hinnant's days-from-civil algorithms) timestamps are formatted and parsed with.
///
/// Arithmetic works on day numbers (days since 1970-01-01, proleptic Gregorian), so adding days, finding the
/// weekday and comparing are exact and need no `Calendar`.
///
/// ```swift
/// let day = try CivilDate("2026-12-28")
/// print(day.adding(days: 7), day.weekday)   // 2027-01-04 1 (Monday)
/// ```
public struct CivilDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date; `nil` when the month or day does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    /// - Throws: `LegalError` for anything else.
    public init(_ text: some StringProtocol) throws(TimestampParseError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            let date = CivilDate(year: year, month: month, day: day)
        else { throw TimestampParseError(input: String(text), reason: "not a date (YYYY-MM-DD)") }
        self = date
    }

    /// The day with this number (days since 1970-01-01).
    public init(dayNumber: Int) {
        (year, month, day) = Self.fromDays(Int64(dayNumber))
    }

    /// Days since 1970-01-01.
    public var dayNumber: Int { Int(Self.days(year: year, month: month, day: day)) }

    /// 0 Sunday, 1 Monday, … 6 Saturday.
    public var weekday: Int {
        let value = (dayNumber + 4) % 7  // 1970-01-01 was a Thursday
        return value < 0 ? value + 7 : value
    }

    /// Whether the day is a Saturday or a Sunday.
    public var isWeekend: Bool { weekday == 0 || weekday == 6 }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// The same day `months` later; a day the month lacks becomes its last day (1-31 + 1 month → 2-28 or 2-29).
    public func adding(months: Int) -> CivilDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index >= 0 ? index / 12 : (index - 11) / 12
        let newMonth = index - newYear * 12 + 1
        return CivilDate(year: newYear, month: newMonth, day: min(day, Self.daysInMonth(year: newYear, month: newMonth)))!
    }

    /// The day `time` falls on in a zone `offsetSeconds` east of UTC (JST: 32,400).
    public init(_ time: Timestamp, offsetSeconds: Int) {
        let seconds = Int(time.microseconds.dividedRoundingDown(by: 1_000_000)) + offsetSeconds
        self.init(dayNumber: seconds.dividedRoundingDown(by: 86_400))
    }

    /// The first instant of this day in a zone `offsetSeconds` east of UTC.
    public func start(offsetSeconds: Int) -> Timestamp {
        Timestamp(microseconds: Int64(dayNumber * 86_400 - offsetSeconds) * 1_000_000)
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `2026-11-23`.
    public var description: String {
        let y = String(year)
        let m = month < 10 ? "0\(month)" : String(month)
        let d = day < 10 ? "0\(day)" : String(day)
        return "\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)-\(m)-\(d)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try CivilDate(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension BinaryInteger {
    /// Division rounding towards negative infinity (times before 1970 stay on the right day).
    func dividedRoundingDown(by divisor: Self) -> Self {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
