import MoguraCore
import MoguraLegal
import Testing

/// Each kind's lifecycle, walked with a hand-moved clock: the moves its workflow allows, the ones it refuses, and
/// the deadlines that run on the way.
@Suite("Legal request lifecycles")
struct LifecycleTests {
    let calendar: LegalCalendar
    let received: Timestamp

    init() throws {
        calendar = try LegalCalendar.standard(environment: [:])
        received = try Timestamp(rfc3339: "2026-12-14T10:00:00+09:00")
    }

    func walk(_ kind: LegalRequestKind, _ states: [String]) throws -> LegalRequest {
        var request = LegalRequest(number: "LR-2026-000001", kind: kind, receivedAt: received)
        for state in states { try request.move(to: state) }
        return request
    }

    @Test(arguments: [
        (
            LegalRequestKind.disclosureRequest,
            [
                "screening", "awaiting-requester", "screening", "identifying", "awaiting-sender", "deciding", "awaiting-approval", "answering",
                "closed",
            ]
        ),
        (
            .disclosureOrder,
            [
                "preserving", "identifying", "awaiting-sender", "filing-position", "awaiting-decision", "decided-granted", "objection-window",
                "complying", "disclosed", "closed",
            ]
        ),
        (
            .disclosureOrder,
            ["identifying", "filing-position", "awaiting-decision", "decided-granted", "objection-window", "objection-filed", "litigating", "closed"]
        ),
        (.provisionOrder, ["other-provider-named", "awaiting-petitioner-notice", "sender-info-provided", "closed"]),
        (.provisionOrder, ["cannot-identify", "closed"]),
        (.erasureProhibitionOrder, ["hold-active", "released", "closed"]),
        (.takedownRequest, ["screening", "assessing", "inquiring-sender", "deciding", "acting", "notifying", "closed"]),
        (.takedownRequest, ["screening", "assessing", "refusing", "notifying", "closed"]),
        (.policeInquiry, ["verifying", "scoping", "awaiting-approval", "declined-warrant-needed", "closed"]),
        (.policePreservation, ["verifying", "hold-active", "extended", "released", "closed"]),
        (.voluntaryPreservation, ["screening", "hold-active", "released", "closed"]),
        (.dmcaNotice, ["validating", "removed", "subscriber-notified", "closed"]),
        (.dmcaCounterNotice, ["validating", "complainant-notified", "restore-window", "restored", "closed"]),
        (.dsaNotice, ["acknowledged", "assessing", "actioned", "decision-notified", "closed"]),
    ])
    func eachKindWalksToClosed(kind: LegalRequestKind, states: [String]) throws {
        let request = try walk(kind, states)
        #expect(request.isClosed)
        #expect(kind.workflow.states.first == kind.workflow.initial)
        #expect(Set(states).isSubset(of: Set(kind.workflow.states)))
        var closed = request
        #expect(throws: LegalError.self) { try closed.move(to: "withdrawn") }
    }

    @Test func movesOutsideTheWorkflowAreRefusedWithWhatIsAllowed() throws {
        var request = LegalRequest(number: "LR-2026-000002", kind: .policeInquiry, receivedAt: received)
        #expect(throws: LegalError("a police-inquiry in received cannot move to answered; it may move to verifying, withdrawn")) {
            try request.move(to: "answered")
        }
        try request.move(to: "verifying")
        try request.move(to: "withdrawn")
        #expect(request.isClosed && request.state == "withdrawn")
        #expect(LegalRequest(number: "x", kind: .dmcaNotice, receivedAt: received).legalBasis == "US.17USC.512.c")
        #expect(LegalRequestKind.allCases.count == 11)
        #expect(LegalRequestKind.disclosureOrder.title.japanese == "発信者情報開示命令事件")
    }

    /// An out-of-court disclosure request over the year-end: the sender inquiry's reply window closes in the
    /// closure and moves to the first working day; no answer comes, the watch escalates once, the request moves on.
    @Test func aDisclosureRequestWhoseSenderDoesNotAnswerOverTheYearEnd() throws {
        var request = LegalRequest(number: "LR-2026-000003", kind: .disclosureRequest, receivedAt: received, claimant: "Example Films")
        try request.move(to: "screening")
        try request.move(to: "identifying")
        try request.move(to: "awaiting-sender")
        let delivered = try Timestamp(rfc3339: "2026-12-18T14:00:00+09:00")  // Friday
        var deadlines = [StandardDeadlineRules.opinionInquiryReply.deadline(from: delivered, calendar: calendar)]
        // 14 days → 2027-01-01 (holiday, closure) → Monday 2027-01-04.
        #expect(deadlines[0].lastDay == (try CivilDate("2027-01-04")))
        var clock = delivered
        var events: [DeadlineEvent] = []
        while clock < (try Timestamp(rfc3339: "2027-01-06T00:00:00+09:00")) {
            clock = clock.adding(seconds: 3_600)
            events += DeadlineWatch.evaluate(&deadlines, now: clock)
        }
        let expected: [DeadlineEvent] = [.reminder(index: 0, before: 259_200), .reminder(index: 0, before: 86_400), .missed(index: 0)]
        #expect(events == expected)
        #expect(deadlines[0].escalatedAt == (try Timestamp(rfc3339: "2027-01-05T00:00:00+09:00")))
        try request.move(to: "deciding")
        #expect(request.state == "deciding")
    }

    /// A court order: notice of the decision on 2026-12-03 starts the one-month objection period, which ends on
    /// 2027-01-03 inside the closure and so on Monday 2027-01-04.
    @Test func aDisclosureOrdersObjectionWindowSkipsTheClosure() throws {
        var order = try walk(.disclosureOrder, ["preserving", "identifying", "filing-position", "awaiting-decision", "decided-granted"])
        let notified = try Timestamp(rfc3339: "2026-12-03T11:00:00+09:00")
        let objection = StandardDeadlineRules.objectionSuit.deadline(from: notified, calendar: calendar)
        #expect(objection.lastDay == (try CivilDate("2027-01-04")))
        try order.move(to: "objection-window")
        #expect(throws: LegalError.self) { try order.move(to: "disclosed") }
        try order.move(to: "complying")
        try order.move(to: "disclosed")
        // The branches hang off the order.
        let provision = LegalRequest(number: "LR-2026-000005", kind: .provisionOrder, receivedAt: received, parentNumber: order.number)
        #expect(provision.parentNumber == "LR-2026-000001" && provision.state == "ordered")
    }

    /// A police preservation request ends after 30 days without moving past holidays; a DMCA counter-notice opens a
    /// restore window of 10–14 US business days.
    @Test func preservationAndCounterNoticeClocks() throws {
        let hold = StandardDeadlineRules.policePreservation.deadline(from: try Timestamp(rfc3339: "2026-12-04T09:00:00+09:00"), calendar: calendar)
        #expect(hold.lastDay == (try CivilDate("2027-01-03")), "a maximum period is not stretched into the new year")
        var counter = try walk(.dmcaCounterNotice, ["validating", "complainant-notified", "restore-window"])
        let receivedCounter = try Timestamp(rfc3339: "2026-12-21T10:00:00-05:00")
        let earliest = StandardDeadlineRules.dmcaRestoreEarliest.deadline(from: receivedCounter, calendar: calendar)
        let latest = StandardDeadlineRules.dmcaRestoreLatest.deadline(from: receivedCounter, calendar: calendar)
        // Christmas (12-25) and New Year's Day (01-01) do not count.
        #expect(earliest.lastDay == (try CivilDate("2027-01-06")))
        #expect(latest.lastDay == (try CivilDate("2027-01-12")))
        try counter.move(to: "restored")
        try counter.move(to: "closed")
    }
}
