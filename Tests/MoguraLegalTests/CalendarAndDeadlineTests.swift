import Foundation
import MoguraCore
import MoguraLegal
import MoguraTesting
import Testing

/// The legal calendar and the deadline rules, with a hand-moved clock: Japanese holidays, the year-end closure,
/// month periods without a corresponding day, US business days, reminders and a missed deadline that escalates.
@Suite("Legal calendar and deadlines")
struct CalendarAndDeadlineTests {
    let calendar: LegalCalendar

    init() throws { calendar = try LegalCalendar.standard(environment: [:]) }

    func day(_ text: String) throws -> CivilDate { try CivilDate(text) }

    /// 09:00 JST on a date.
    func morning(_ text: String) throws -> Timestamp { try Timestamp(rfc3339: "\(text)T09:00:00+09:00") }

    @Test func theHolidayTableKnowsSubstituteAndCitizensHolidays() throws {
        #expect(calendar.holiday(try day("2026-09-22"), in: .japan) == "国民の休日")
        #expect(calendar.holiday(try day("2025-11-24"), in: .japan) == "振替休日")
        #expect(calendar.holiday(try day("2026-05-06"), in: .japan) == "振替休日")
        #expect(calendar.holiday(try day("2019-05-01"), in: .japan) == "天皇の即位の日")
        #expect(calendar.holiday(try day("2026-11-24"), in: .japan) == nil)
        #expect(calendar.coveredYears.contains(2026) && calendar.coveredYears.contains(2035))
        for text in ["2026-12-29", "2026-12-31", "2027-01-02", "2027-01-03"] {
            #expect(!calendar.isBusinessDay(try day(text), in: .japan), "\(text) is in the year-end closure")
        }
        #expect(calendar.isBusinessDay(try day("2026-12-28"), in: .japan))
        #expect(calendar.isBusinessDay(try day("2027-01-04"), in: .japan))
        #expect(calendar.isBusinessDay(try day("2026-12-31"), in: .unitedStates), "the closure is Japan's")
    }

    @Test func usFederalHolidaysAreObservedAroundWeekends() throws {
        #expect(calendar.holiday(try day("2026-11-26"), in: .unitedStates) == "Thanksgiving Day")
        #expect(calendar.holiday(try day("2026-07-03"), in: .unitedStates) == "Independence Day", "July 4, 2026 is a Saturday")
        #expect(calendar.holiday(try day("2027-12-24"), in: .unitedStates) == "Christmas Day")
        #expect(calendar.holiday(try day("2027-12-31"), in: .unitedStates) == "New Year's Day", "January 1, 2028 is a Saturday")
        #expect(calendar.holiday(try day("2026-06-19"), in: .unitedStates) == "Juneteenth National Independence Day")
        #expect(calendar.holiday(try day("2020-06-19"), in: .unitedStates) == nil, "Juneteenth from 2021")
        #expect(calendar.holiday(try day("2026-01-19"), in: .unitedStates) == "Birthday of Martin Luther King, Jr.")
        #expect(calendar.holiday(try day("2026-05-25"), in: .unitedStates) == "Memorial Day")
    }

    @Test func civilDatesAgreeWithFoundationsCalendar() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4C45_4741)
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = TimeZone(identifier: "UTC")!
        for _ in 0..<2_000 {
            let number = Int(random.next() % 80_000) - 20_000
            let date = CivilDate(dayNumber: number)
            let reference = gregorian.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: Double(number) * 86_400))
            #expect(date.year == reference.year && date.month == reference.month && date.day == reference.day)
            #expect(date.weekday == (reference.weekday ?? 0) - 1)
            #expect(date.dayNumber == number)
            #expect(try CivilDate(date.description) == date)
        }
        #expect(try day("2026-01-31").adding(months: 1) == (try day("2026-02-28")))
        #expect(try day("2028-01-31").adding(months: 1) == (try day("2028-02-29")))
        #expect(try day("2026-11-30").adding(months: -12) == (try day("2025-11-30")))
        #expect(throws: TimestampParseError.self) { try CivilDate("2026-02-30") }
    }

    @Test func aHolidayFileWithABadLineIsRefusedWithItsPlace() {
        #expect(throws: LegalError("h.csv:3: \"2026-13-01\": not a date (YYYY-MM-DD)")) {
            try LegalCalendar(japaneseHolidaysCSV: "date,name\n2026-01-01,元日\n2026-13-01,x\n", source: "h.csv")
        }
        #expect(throws: LegalError("h.csv: no holidays in the table")) { try LegalCalendar(japaneseHolidaysCSV: "# nothing\n", source: "h.csv") }
    }

    @Test func anInquiryDueInTheYearEndClosureMovesToTheFirstWorkingDay() throws {
        // Delivered on Sunday 2026-12-20: 14 days, first day not counted → 2027-01-03, closed → Monday 01-04.
        let deadline = StandardDeadlineRules.opinionInquiryReply.deadline(from: try morning("2026-12-20"), calendar: calendar)
        #expect(deadline.basisDate == (try day("2026-12-20")))
        #expect(deadline.lastDay == (try day("2027-01-04")))
        #expect(deadline.dueAt == (try Timestamp(rfc3339: "2027-01-05T00:00:00+09:00")))
        #expect(StandardDeadlineRules.opinionInquiryReply.explanation.contains("first day not counted"))
    }

    @Test func aTakedownInquiryAcrossGoldenWeek() throws {
        // 7 days from 2026-04-28 → 05-05 (こどもの日), 05-06 (振替休日) → Thursday 05-07.
        let rule = StandardDeadlineRules.takedownInquiry
        #expect(rule.lastDay(from: try day("2026-04-28"), calendar: calendar) == (try day("2026-05-07")))
        // The election rule: 2 days from a Thursday → Saturday → Monday.
        #expect(StandardDeadlineRules.electionTakedownInquiry.lastDay(from: try day("2026-11-19"), calendar: calendar) == (try day("2026-11-24")))
        // Counting the statute strictly (no move past closed days) is one setting away.
        var strict = rule
        strict.extendsPastClosedDays = false
        #expect(strict.lastDay(from: try day("2026-04-28"), calendar: calendar) == (try day("2026-05-05")))
    }

    @Test func aDeadlinePastTheHolidayTableCarriesAWarning() throws {
        let calendar = try LegalCalendar.standard(environment: [:])
        let inside = StandardDeadlineRules.opinionInquiryReply.deadline(from: try Timestamp(rfc3339: "2035-06-01T10:00:00+09:00"), calendar: calendar)
        #expect(inside.warning == nil)
        let past = StandardDeadlineRules.opinionInquiryReply.deadline(from: try Timestamp(rfc3339: "2035-12-25T10:00:00+09:00"), calendar: calendar)
        #expect(past.warning?.contains("holiday table covers 2016–2035") == true)
        // A preservation's plain days count no holidays: no warning needed.
        let plain = StandardDeadlineRules.policePreservation.deadline(from: try Timestamp(rfc3339: "2035-12-25T10:00:00+09:00"), calendar: calendar)
        #expect(plain.warning == nil)
    }

    @Test func monthPeriodsEndTheDayBeforeTheSameDateOrAtTheMonthsEnd() throws {
        let objection = StandardDeadlineRules.objectionSuit
        // Notice on 2026-11-02 → the period starts 11-03 and ends 12-02 (a Wednesday).
        #expect(objection.lastDay(from: try day("2026-11-02"), calendar: calendar) == (try day("2026-12-02")))
        // Notice on 2026-01-30 → starts 01-31; February has no 31st → ends 02-28, a Saturday → Monday 03-02.
        #expect(objection.lastDay(from: try day("2026-01-30"), calendar: calendar) == (try day("2026-03-02")))
        // Notice on 2026-11-27 → ends 12-27 (Sunday) → 12-28 is a working day.
        #expect(objection.lastDay(from: try day("2026-11-27"), calendar: calendar) == (try day("2026-12-28")))
        // Notice on 2026-11-29 → ends 12-29, in the year-end closure → Monday 2027-01-04.
        #expect(objection.lastDay(from: try day("2026-11-29"), calendar: calendar) == (try day("2027-01-04")))
    }

    @Test func preservationPeriodsDoNotStretchAndDMCACountsUSBusinessDays() throws {
        #expect(StandardDeadlineRules.policePreservation.lastDay(from: try day("2026-12-01"), calendar: calendar) == (try day("2026-12-31")))
        // A counter-notice on Friday 2026-11-20: Thanksgiving (11-26) does not count.
        #expect(StandardDeadlineRules.dmcaRestoreEarliest.lastDay(from: try day("2026-11-20"), calendar: calendar) == (try day("2026-12-07")))
        #expect(StandardDeadlineRules.dmcaRestoreLatest.lastDay(from: try day("2026-11-20"), calendar: calendar) == (try day("2026-12-11")))
        // The restore deadline ends at midnight in New York, not Tokyo.
        let latest = StandardDeadlineRules.dmcaRestoreLatest.deadline(
            from: try Timestamp(rfc3339: "2026-11-20T12:00:00-05:00"), calendar: calendar)
        #expect(latest.dueAt == (try Timestamp(rfc3339: "2026-12-12T00:00:00-05:00")))
    }

    @Test func remindersOnceEachAndAMissedDeadlineEscalatesOnce() throws {
        let rule = StandardDeadlineRules.opinionInquiryReply
        var deadlines = [rule.deadline(from: try morning("2026-11-02"), calendar: calendar)]
        let due = deadlines[0].dueAt
        #expect(deadlines[0].lastDay == (try day("2026-11-16")))
        func at(hoursBefore hours: Int64) -> Timestamp { due.adding(seconds: -hours * 3_600) }

        #expect(DeadlineWatch.evaluate(&deadlines, now: at(hoursBefore: 100)).isEmpty)
        #expect(DeadlineWatch.evaluate(&deadlines, now: at(hoursBefore: 72)) == [.reminder(index: 0, before: 72 * 3_600)])
        #expect(DeadlineWatch.evaluate(&deadlines, now: at(hoursBefore: 71)).isEmpty, "each reminder once")
        #expect(DeadlineWatch.evaluate(&deadlines, now: at(hoursBefore: 5)) == [.reminder(index: 0, before: 24 * 3_600)])
        #expect(DeadlineWatch.evaluate(&deadlines, now: due) == [.missed(index: 0)])
        #expect(deadlines[0].status == .missed && deadlines[0].escalatedAt == due)
        #expect(DeadlineWatch.evaluate(&deadlines, now: due.adding(seconds: 86_400)).isEmpty, "escalated once")

        // A watch that was down over the weekend raises the nearest reminder only, then nothing until the deadline.
        var late = [rule.deadline(from: try morning("2026-11-02"), calendar: calendar)]
        #expect(DeadlineWatch.evaluate(&late, now: at(hoursBefore: 10)) == [.reminder(index: 0, before: 24 * 3_600)])
        #expect(DeadlineWatch.evaluate(&late, now: at(hoursBefore: 9)).isEmpty)
        // A met deadline raises nothing.
        var met = [rule.deadline(from: try morning("2026-11-02"), calendar: calendar)]
        met[0].status = .met
        #expect(DeadlineWatch.evaluate(&met, now: due.adding(seconds: 10)).isEmpty)
    }
}
