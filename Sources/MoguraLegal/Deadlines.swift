import Foundation
public import MoguraCore

/// How long a period runs.
public enum LegalPeriod: Hashable, Sendable, Codable {
    /// Calendar days.
    case days(Int)
    /// Months, to the day before the same date (民法143条); a month without that date ends on its last day.
    case months(Int)
    /// Business days in a calendar (DMCA's "10 business days").
    case businessDays(Int, BusinessCalendar)

    /// `14 days`, `1 month`, `10 US business days`.
    public var description: String {
        switch self {
        case .days(let n): n == 1 ? "1 day" : "\(n) days"
        case .months(let n): n == 1 ? "1 month" : "\(n) months"
        case .businessDays(let n, let calendar): "\(n) \(calendar == .japan ? "Japanese" : "US") business days"
        }
    }
}

/// A rule a deadline is computed by: the period, how it counts, and where it comes from — so a lawyer can see
/// why a deadline falls when it does.
///
/// Japanese periods follow 民法140条–143条 by default: the first day is not counted (初日不算入), a period of days
/// ends at the end of its last day, a period of months ends the day before the same date. With
/// ``extendsPastClosedDays`` a last day on a weekend, a national holiday or in the year-end closure moves to the
/// next working day (民法142条; 民事訴訟法95条3項 for court periods). Every default is configurable: the research
/// (`legal-track.md` §9.5) marks the day-counting rules for counsel to confirm.
public struct DeadlineRule: Hashable, Sendable, Codable, Identifiable {
    /// A stable id, e.g. `jp.opinion-inquiry.reply`.
    public var id: String
    /// What the deadline is, in Japanese and English.
    public var title: String
    public var titleEnglish: String
    /// The legal basis or practice it follows, as a person cites it.
    public var basis: String
    /// What the period counts from (the basis event).
    public var startsAt: String
    public var period: LegalPeriod
    /// Whether the basis day itself is not counted (初日不算入).
    public var firstDayExcluded: Bool
    /// Whether a last day on a closed day moves to the next business day.
    public var extendsPastClosedDays: Bool
    /// The zone whose end of day ends the period (IANA name).
    public var zone: String
    /// Reminders this many seconds before the deadline.
    public var reminders: [Int64]

    public init(
        id: String, title: String, titleEnglish: String, basis: String, startsAt: String, period: LegalPeriod, firstDayExcluded: Bool = true,
        extendsPastClosedDays: Bool = true, zone: String = "Asia/Tokyo", reminders: [Int64] = [72 * 3_600, 24 * 3_600]
    ) {
        self.id = id
        self.title = title
        self.titleEnglish = titleEnglish
        self.basis = basis
        self.startsAt = startsAt
        self.period = period
        self.firstDayExcluded = firstDayExcluded
        self.extendsPastClosedDays = extendsPastClosedDays
        self.zone = zone
        self.reminders = reminders
    }

    /// `JP 3条2項2号: 7 days from delivery of the inquiry (first day not counted; moves past closed days)`.
    public var explanation: String {
        var parts = ["\(basis): \(period.description) from \(startsAt)"]
        if firstDayExcluded { parts.append("first day not counted") }
        if extendsPastClosedDays { parts.append("a last day on a weekend, holiday or 12-29–01-03 moves to the next working day") }
        return parts.joined(separator: "; ")
    }

    /// The last day of the period that starts with `basis`.
    public func lastDay(from basis: CivilDate, calendar: LegalCalendar) -> CivilDate {
        var end: CivilDate
        switch period {
        case .days(let n):
            end = basis.adding(days: firstDayExcluded ? n : n - 1)
        case .months(let n):
            let start = firstDayExcluded ? basis.adding(days: 1) : basis
            let target = start.adding(months: n)
            // 民法143条2項: the day before the corresponding day; no corresponding day → the month's last day.
            end = target.day == start.day ? target.adding(days: -1) : target
        case .businessDays(let n, let businessCalendar):
            end = basis
            var counted = firstDayExcluded ? 0 : (calendar.isBusinessDay(basis, in: businessCalendar) ? 1 : 0)
            while counted < n {
                end = end.adding(days: 1)
                if calendar.isBusinessDay(end, in: businessCalendar) { counted += 1 }
            }
            return end
        }
        if extendsPastClosedDays { end = calendar.nextBusinessDay(onOrAfter: end, in: .japan) }
        return end
    }

    /// The deadline for a period that starts at `time` (its day taken in ``zone``).
    public func deadline(from time: Timestamp, calendar: LegalCalendar) -> Deadline {
        let timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "Asia/Tokyo")!
        let basis = CivilDate(time, offsetSeconds: timeZone.secondsFromGMT(for: time.date))
        let last = lastDay(from: basis, calendar: calendar)
        // The end of the last day: the first instant of the next day in the zone.
        let next = last.adding(days: 1)
        let probe = next.start(offsetSeconds: timeZone.secondsFromGMT(for: time.date))
        let dueAt = next.start(offsetSeconds: timeZone.secondsFromGMT(for: probe.date))
        var deadline = Deadline(rule: self, basisTime: time, basisDate: basis, lastDay: last, dueAt: dueAt)
        let countsJapaneseHolidays: Bool =
            switch period {
            case .businessDays(_, let business): business == .japan
            case .days, .months: extendsPastClosedDays
            }
        if countsJapaneseHolidays && !(calendar.covers(basis) && calendar.covers(last)) {
            deadline.warning =
                "the holiday table covers \(calendar.coveredYears.lowerBound)–\(calendar.coveredYears.upperBound); holidays outside it are not "
                + "counted — update it (MOGURA_LEGAL_HOLIDAYS, mogura legal holidays)"
        }
        return deadline
    }
}

/// A deadline as stored: its rule, the basis it counted from, when it falls, and what has been done about it.
public struct Deadline: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable {
        case pending, met, missed, waived
    }

    public var rule: DeadlineRule
    public var basisTime: Timestamp
    public var basisDate: CivilDate
    /// The last day of the period, in the rule's zone.
    public var lastDay: CivilDate
    /// The first instant after the period (the end of ``lastDay``).
    public var dueAt: Timestamp
    public var status: Status = .pending
    /// Reminders already raised (seconds before the deadline).
    public var remindersSent: [Int64] = []
    /// When a missed deadline was escalated.
    public var escalatedAt: Timestamp?
    /// Why the day may be wrong: the period runs past the holiday table (its holidays are not counted).
    public var warning: String?

    public init(rule: DeadlineRule, basisTime: Timestamp, basisDate: CivilDate, lastDay: CivilDate, dueAt: Timestamp) {
        self.rule = rule
        self.basisTime = basisTime
        self.basisDate = basisDate
        self.lastDay = lastDay
        self.dueAt = dueAt
    }
}

/// What the deadline watch raises.
public enum DeadlineEvent: Hashable, Sendable {
    /// A deadline comes within `before` seconds.
    case reminder(index: Int, before: Int64)
    /// A pending deadline has passed: escalate to the legal lead.
    case missed(index: Int)
}

/// The deadline watch: a pure function of the deadlines and the time, so tests drive it with a fake clock and the
/// worker that runs it is idempotent (each reminder and each escalation is raised once, then recorded).
public enum DeadlineWatch {
    /// The events due at `now`, with the deadlines updated to record them.
    public static func evaluate(_ deadlines: inout [Deadline], now: Timestamp) -> [DeadlineEvent] {
        var events: [DeadlineEvent] = []
        for index in deadlines.indices where deadlines[index].status == .pending {
            let deadline = deadlines[index]
            if now >= deadline.dueAt {
                deadlines[index].status = .missed
                deadlines[index].escalatedAt = now
                events.append(.missed(index: index))
                continue
            }
            // The nearest reminder window only: after a weekend off, one reminder, not three.
            let remaining = deadline.dueAt.microseconds - now.microseconds
            let due = deadline.rule.reminders.filter { remaining <= $0 * 1_000_000 && !deadline.remindersSent.contains($0) }
            if let nearest = due.min() {
                deadlines[index].remindersSent += due
                events.append(.reminder(index: index, before: nearest))
            }
        }
        return events
    }
}

/// A problem with legal-track input: a calendar file, a request's move, a row.
public struct LegalError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
