import Foundation
public import MoguraCore

/// A clock a request's workflow starts: entering `startsOn` stores a deadline of `rule`, counted from the moment
/// of the move or from the request's receipt; entering any of `metOn` marks it met, so the watch stops reminding.
public struct LegalClock: Hashable, Sendable {
    public enum Basis: Hashable, Sendable {
        /// The moment the request enters the state (a notice delivered, a decision served).
        case move
        /// The request's receipt (a police preservation runs from receipt; a counter-notice's restore window too).
        case receipt
    }

    public var rule: DeadlineRule
    public var startsOn: String
    public var basis: Basis
    public var metOn: Set<String>

    /// The clocks of a kind, in the order they start. A takedown marked as an election case (`electionCase`) asks
    /// the sender with the 2-day period of 4条 instead of the 7 days of 3条2項2号.
    public static func of(_ kind: LegalRequestKind, electionCase: Bool = false) -> [LegalClock] {
        switch kind {
        case .disclosureRequest:
            // The subscribers' reply window starts when the inquiries are sent (LegalDesk.sendOpinionInquiries).
            [LegalClock(rule: StandardDeadlineRules.correctionReply, startsOn: "awaiting-requester", basis: .move, metOn: ["screening"])]
        case .disclosureOrder:
            [
                LegalClock(
                    rule: StandardDeadlineRules.objectionSuit, startsOn: "objection-window", basis: .move,
                    metOn: ["complying", "objection-filed", "closed"])
            ]
        case .takedownRequest:
            [
                LegalClock(
                    rule: electionCase ? StandardDeadlineRules.electionTakedownInquiry : StandardDeadlineRules.takedownInquiry,
                    startsOn: "inquiring-sender", basis: .move, metOn: ["deciding"])
            ]
        case .policePreservation:
            [
                LegalClock(
                    rule: StandardDeadlineRules.policePreservation, startsOn: "hold-active", basis: .receipt,
                    metOn: ["extended", "released", "superseded-by-warrant"]),
                LegalClock(
                    rule: StandardDeadlineRules.policePreservation, startsOn: "extended", basis: .move, metOn: ["released", "superseded-by-warrant"]),
            ]
        case .voluntaryPreservation:
            [
                LegalClock(
                    rule: StandardDeadlineRules.voluntaryPreservation, startsOn: "hold-active", basis: .move, metOn: ["extended", "released"]),
                LegalClock(rule: StandardDeadlineRules.voluntaryPreservation, startsOn: "extended", basis: .move, metOn: ["released"]),
            ]
        case .dmcaCounterNotice:
            [
                LegalClock(
                    rule: StandardDeadlineRules.dmcaRestoreLatest, startsOn: "complainant-notified", basis: .receipt,
                    metOn: ["restored", "suit-reported"])
            ]
        case .dsaNotice:
            [LegalClock(rule: StandardDeadlineRules.dsaDecision, startsOn: "received", basis: .receipt, metOn: ["decision-notified"])]
        case .provisionOrder, .erasureProhibitionOrder, .policeInquiry, .dmcaNotice:
            []
        }
    }

    /// States only a legal lead may move a request into: answers to police, a court-ordered disclosure, the end of
    /// a preservation (it releases the holds), a restore after a counter-notice.
    public static let leadStates: Set<String> = [
        "answered", "partially-answered", "declined-warrant-needed", "disclosed", "released", "superseded-by-warrant", "restored",
    ]

    /// Whether only a legal lead makes the move: into a lead's state, any decision on a police inquiry awaiting
    /// approval (declining is an answer too), and withdrawing a preservation (its holds may end with it).
    public static func needsLead(_ kind: LegalRequestKind, from: String, to: String) -> Bool {
        leadStates.contains(to) || (kind == .policeInquiry && from == "awaiting-approval") || (to == "withdrawn" && preservationKinds.contains(kind))
    }

    /// Kinds whose holds end when the request enters `released` (or is withdrawn).
    public static let preservationKinds: Set<LegalRequestKind> = [.policePreservation, .voluntaryPreservation, .erasureProhibitionOrder]

    /// Whether a restore after a counter-notice is allowed at `time`: not before 10 US business days after receipt
    /// (17 U.S.C. 512(g)(2)(C)); the earliest day, or nil when it is allowed.
    public static func restoreTooEarly(_ request: LegalRequest, at time: Timestamp, calendar: LegalCalendar) -> CivilDate? {
        guard request.kind == .dmcaCounterNotice else { return nil }
        let earliest = StandardDeadlineRules.dmcaRestoreEarliest.deadline(from: request.receivedAt, calendar: calendar)
        let offset = (TimeZone(identifier: earliest.rule.zone) ?? TimeZone(identifier: "UTC")!).secondsFromGMT(for: time.date)
        return CivilDate(time, offsetSeconds: offset) < earliest.lastDay ? earliest.lastDay : nil
    }
}
