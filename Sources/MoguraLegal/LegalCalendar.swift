public import Foundation
public import MoguraCore

/// Which days count as working days for a period: Japan's (weekends, national holidays, the year-end closure) or
/// the United States' (weekends, federal holidays) for DMCA counter-notices.
public enum BusinessCalendar: String, Hashable, Sendable, Codable, CaseIterable {
    case japan
    case unitedStates = "united-states"
}

/// The days legal periods skip: Japan's national holidays from a table Mogura ships and operators may update,
/// the year-end closure (12-29 to 01-03 by default, as 民事訴訟法95条3項 and the courts close), and US federal
/// holidays by their rules (5 U.S.C. 6103, observed on the Friday before or the Monday after a weekend).
///
/// ```swift
/// let calendar = try LegalCalendar.standard()
/// calendar.isBusinessDay(try CivilDate("2026-09-22"), in: .japan)   // false: 国民の休日
/// ```
public struct LegalCalendar: Sendable {
    /// Japan's holidays by date, with their names.
    public let japaneseHolidays: [CivilDate: String]
    /// The years the holiday table covers; dates outside get no holidays but weekends and the closure, and
    /// ``covers(_:)`` says so.
    public let coveredYears: ClosedRange<Int>
    /// The first and last day (month, day) of the year-end closure, inclusive; `nil` for none.
    public var yearEndClosure: (first: (month: Int, day: Int), last: (month: Int, day: Int))?

    /// The default closure: 12-29 to 01-03.
    public static let defaultClosure = (first: (month: 12, day: 29), last: (month: 1, day: 3))

    /// Reads a holiday table: `date,name` lines (`YYYY-MM-DD`), `#` comments and a `date,name` header allowed.
    /// - Throws: `LegalError` naming the line of a bad date or an empty table.
    public init(japaneseHolidaysCSV text: String, source: String = "holidays") throws(LegalError) {
        var holidays: [CivilDate: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.lowercased() == "date,name" { continue }
            let fields = line.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            do {
                let date = try CivilDate(fields[0].trimmingCharacters(in: .whitespaces))
                holidays[date] = fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespaces) : "休日"
            } catch {
                throw LegalError("\(source):\(number + 1): \(error.description)")
            }
        }
        guard let first = holidays.keys.map(\.year).min(), let last = holidays.keys.map(\.year).max() else {
            throw LegalError("\(source): no holidays in the table")
        }
        self.japaneseHolidays = holidays
        self.coveredYears = first...last
        self.yearEndClosure = Self.defaultClosure
    }

    /// The table shipped with Mogura, or the file `MOGURA_LEGAL_HOLIDAYS` names.
    /// - Throws: `LegalError` when the file cannot be read or parsed.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) throws(LegalError) -> LegalCalendar {
        if let path = environment["MOGURA_LEGAL_HOLIDAYS"] {
            guard let data = FileManager.default.contents(atPath: path) else { throw LegalError("\(path): cannot be read") }
            return try LegalCalendar(japaneseHolidaysCSV: String(decoding: data, as: UTF8.self), source: path)
        }
        return try LegalCalendar(japaneseHolidaysCSV: JapaneseHolidayTable.csv, source: "the shipped holiday table")
    }

    /// Whether the holiday table covers the date's year.
    public func covers(_ date: CivilDate) -> Bool { coveredYears.contains(date.year) }

    /// Whether the date is in the year-end closure.
    public func isYearEndClosure(_ date: CivilDate) -> Bool {
        guard let closure = yearEndClosure else { return false }
        let value = date.month * 100 + date.day
        let first = closure.first.month * 100 + closure.first.day
        let last = closure.last.month * 100 + closure.last.day
        return first <= last ? (first...last).contains(value) : value >= first || value <= last
    }

    /// The holiday's name, if the date is one in that calendar.
    public func holiday(_ date: CivilDate, in calendar: BusinessCalendar) -> String? {
        switch calendar {
        case .japan: japaneseHolidays[date]
        case .unitedStates: Self.usFederalHolidays(date.year)[date]
        }
    }

    /// Whether offices work that day: not a weekend, not a holiday, and in Japan not in the year-end closure.
    public func isBusinessDay(_ date: CivilDate, in calendar: BusinessCalendar) -> Bool {
        if date.isWeekend || holiday(date, in: calendar) != nil { return false }
        return calendar == .unitedStates || !isYearEndClosure(date)
    }

    /// The first business day on or after `date`.
    public func nextBusinessDay(onOrAfter date: CivilDate, in calendar: BusinessCalendar) -> CivilDate {
        var day = date
        while !isBusinessDay(day, in: calendar) { day = day.adding(days: 1) }
        return day
    }

    /// US federal holidays of a year with the days they are observed (a Saturday holiday on the Friday before, a
    /// Sunday one on the Monday after; New Year's Day on a Saturday is observed on December 31 of the year
    /// before, which this lists under the year it falls in).
    public static func usFederalHolidays(_ year: Int) -> [CivilDate: String] {
        func nth(_ n: Int, _ weekday: Int, of month: Int) -> CivilDate {
            let first = CivilDate(year: year, month: month, day: 1)!
            return first.adding(days: (weekday - first.weekday + 7) % 7 + 7 * (n - 1))
        }
        func last(_ weekday: Int, of month: Int) -> CivilDate {
            let end = CivilDate(year: year, month: month, day: CivilDate.daysInMonth(year: year, month: month))!
            return end.adding(days: -((end.weekday - weekday + 7) % 7))
        }
        func observed(_ date: CivilDate) -> CivilDate {
            switch date.weekday {
            case 6: date.adding(days: -1)
            case 0: date.adding(days: 1)
            default: date
            }
        }
        var days: [CivilDate: String] = [
            observed(CivilDate(year: year, month: 1, day: 1)!): "New Year's Day",
            nth(3, 1, of: 1): "Birthday of Martin Luther King, Jr.",
            nth(3, 1, of: 2): "Washington's Birthday",
            last(1, of: 5): "Memorial Day",
            observed(CivilDate(year: year, month: 7, day: 4)!): "Independence Day",
            nth(1, 1, of: 9): "Labor Day",
            nth(2, 1, of: 10): "Columbus Day",
            observed(CivilDate(year: year, month: 11, day: 11)!): "Veterans Day",
            nth(4, 4, of: 11): "Thanksgiving Day",
            observed(CivilDate(year: year, month: 12, day: 25)!): "Christmas Day",
        ]
        if year >= 2021 { days[observed(CivilDate(year: year, month: 6, day: 19)!)] = "Juneteenth National Independence Day" }
        // New Year's Day of the next year observed on this year's December 31.
        if CivilDate(year: year + 1, month: 1, day: 1)!.weekday == 6 { days[CivilDate(year: year, month: 12, day: 31)!] = "New Year's Day" }
        return days
    }
}
