public import MoguraCore

/// What a legal request is: each kind has its own states, parties and clocks (`legal-track.md` §9.2).
public enum LegalRequestKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// 発信者情報開示請求 (裁判外): the out-of-court request on the industry form.
    case disclosureRequest = "disclosure-request"
    /// 発信者情報開示命令事件 (発チ) with the ISP as respondent.
    case disclosureOrder = "disclosure-order"
    /// 提供命令 (15条), a branch of a disclosure order.
    case provisionOrder = "provision-order"
    /// 消去禁止命令 (16条), a branch of a disclosure order.
    case erasureProhibitionOrder = "erasure-prohibition-order"
    /// 送信防止措置依頼 (3条2項).
    case takedownRequest = "takedown-request"
    /// 捜査関係事項照会 (刑事訴訟法197条2項).
    case policeInquiry = "police-inquiry"
    /// 保全要請 (刑事訴訟法197条3項).
    case policePreservation = "police-preservation"
    /// 任意の保全要請 from a requester's lawyer.
    case voluntaryPreservation = "voluntary-preservation"
    /// DMCA notice (17 U.S.C. 512(c)(3)).
    case dmcaNotice = "dmca-notice"
    /// DMCA counter-notice (512(g)).
    case dmcaCounterNotice = "dmca-counter-notice"
    /// EU Digital Services Act Art. 16 notice.
    case dsaNotice = "dsa-notice"

    /// The kind's name in Japanese and English.
    public var title: (japanese: String, english: String) {
        switch self {
        case .disclosureRequest: ("発信者情報開示請求（裁判外）", "Disclosure request (out of court)")
        case .disclosureOrder: ("発信者情報開示命令事件", "Disclosure order (court)")
        case .provisionOrder: ("提供命令", "Provision order")
        case .erasureProhibitionOrder: ("消去禁止命令", "Erasure prohibition order")
        case .takedownRequest: ("送信防止措置依頼", "Takedown request")
        case .policeInquiry: ("捜査関係事項照会", "Police inquiry")
        case .policePreservation: ("保全要請（捜査機関）", "Police preservation request")
        case .voluntaryPreservation: ("任意の保全要請", "Voluntary preservation request")
        case .dmcaNotice: ("DMCA通知", "DMCA notice")
        case .dmcaCounterNotice: ("DMCA異議通知", "DMCA counter-notice")
        case .dsaNotice: ("DSA通知", "EU DSA notice")
        }
    }

    /// The legal basis a request of this kind cites by default.
    public var defaultBasis: String {
        switch self {
        case .disclosureRequest: "JP.ISP.5.1"
        case .disclosureOrder: "JP.ISP.8"
        case .provisionOrder: "JP.ISP.15"
        case .erasureProhibitionOrder: "JP.ISP.16"
        case .takedownRequest: "JP.ISP.3.2"
        case .policeInquiry: "JP.CrPC.197.2"
        case .policePreservation: "JP.CrPC.197.3"
        case .voluntaryPreservation: "JP.practice.preservation"
        case .dmcaNotice: "US.17USC.512.c"
        case .dmcaCounterNotice: "US.17USC.512.g"
        case .dsaNotice: "EU.DSA.16"
        }
    }

    /// The kind's states and the moves between them.
    public var workflow: LegalWorkflow { LegalWorkflow.of(self) }
}

/// One kind's state machine: where a request starts, where it may go from each state, and where it ends. Every
/// open state may also go to `withdrawn`.
public struct LegalWorkflow: Sendable {
    public let initial: String
    public let transitions: [String: [String]]
    public let terminal: Set<String>

    /// Every state, the initial first.
    public var states: [String] {
        var seen: [String] = [initial]
        for (from, targets) in transitions.sorted(by: { $0.key < $1.key }) {
            for state in [from] + targets where !seen.contains(state) { seen.append(state) }
        }
        for state in terminal.sorted() where !seen.contains(state) { seen.append(state) }
        return seen
    }

    /// Whether a request in `from` may move to `to`.
    public func allows(from: String, to: String) -> Bool {
        if terminal.contains(from) { return false }
        if to == "withdrawn" { return true }
        return transitions[from]?.contains(to) ?? false
    }

    static func of(_ kind: LegalRequestKind) -> LegalWorkflow {
        switch kind {
        case .disclosureRequest:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["screening"],
                    "screening": ["awaiting-requester", "identifying"],
                    "awaiting-requester": ["screening"],
                    "identifying": ["awaiting-sender", "answering"],
                    "awaiting-sender": ["deciding"],
                    "deciding": ["awaiting-approval", "answering"],
                    "awaiting-approval": ["answering", "deciding"],
                    "answering": ["closed"],
                ], terminal: ["closed", "withdrawn", "superseded-by-court"])
        case .disclosureOrder:
            LegalWorkflow(
                initial: "served",
                transitions: [
                    "served": ["preserving", "identifying"],
                    "preserving": ["identifying"],
                    "identifying": ["awaiting-sender", "filing-position"],
                    "awaiting-sender": ["filing-position"],
                    "filing-position": ["awaiting-decision"],
                    "awaiting-decision": ["decided-granted", "decided-denied"],
                    "decided-granted": ["objection-window"],
                    "decided-denied": ["closed"],
                    "objection-window": ["complying", "objection-filed"],
                    "objection-filed": ["litigating"],
                    "litigating": ["complying", "closed"],
                    "complying": ["disclosed"],
                    "disclosed": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .provisionOrder:
            LegalWorkflow(
                initial: "ordered",
                transitions: [
                    "ordered": ["other-provider-named", "cannot-identify"],
                    "other-provider-named": ["awaiting-petitioner-notice"],
                    "awaiting-petitioner-notice": ["sender-info-provided"],
                    "sender-info-provided": ["closed"],
                    "cannot-identify": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .erasureProhibitionOrder:
            LegalWorkflow(
                initial: "ordered",
                transitions: ["ordered": ["hold-active"], "hold-active": ["released"], "released": ["closed"]],
                terminal: ["closed", "withdrawn"])
        case .takedownRequest:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["screening"],
                    "screening": ["assessing"],
                    "assessing": ["acting", "inquiring-sender", "refusing"],
                    "inquiring-sender": ["deciding"],
                    "deciding": ["acting", "refusing"],
                    "acting": ["notifying"],
                    "refusing": ["notifying"],
                    "notifying": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .policeInquiry:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["verifying"],
                    "verifying": ["scoping", "declined"],
                    "scoping": ["awaiting-approval"],
                    "awaiting-approval": ["answered", "partially-answered", "declined-warrant-needed", "declined"],
                    "answered": ["closed"], "partially-answered": ["closed"], "declined-warrant-needed": ["closed"], "declined": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .policePreservation:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["verifying"],
                    "verifying": ["hold-active", "declined"],
                    "hold-active": ["extended", "released", "superseded-by-warrant"],
                    "extended": ["released", "superseded-by-warrant"],
                    "released": ["closed"], "superseded-by-warrant": ["closed"], "declined": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .voluntaryPreservation:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["screening"],
                    "screening": ["hold-active", "declined"],
                    "hold-active": ["extended", "released"],
                    "extended": ["released"],
                    "released": ["closed"], "declined": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .dmcaNotice:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["validating"],
                    "validating": ["removed", "rejected"],
                    "removed": ["subscriber-notified"],
                    "subscriber-notified": ["closed"],
                    "rejected": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .dmcaCounterNotice:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["validating"],
                    "validating": ["complainant-notified", "rejected"],
                    "complainant-notified": ["restore-window"],
                    "restore-window": ["restored", "suit-reported"],
                    "restored": ["closed"], "suit-reported": ["closed"], "rejected": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        case .dsaNotice:
            LegalWorkflow(
                initial: "received",
                transitions: [
                    "received": ["acknowledged"],
                    "acknowledged": ["assessing"],
                    "assessing": ["actioned", "declined"],
                    "actioned": ["decision-notified"], "declined": ["decision-notified"],
                    "decision-notified": ["closed"],
                ], terminal: ["closed", "withdrawn"])
        }
    }
}

/// A subscriber's answer to a sender inquiry (意見照会), as recorded from the 回答書.
public struct SenderAnswer: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// 開示に同意する.
        case consent
        /// 開示に同意しない.
        case refuse
        /// 一部の情報の開示に同意する.
        case partial
        /// No answer by the deadline.
        case noAnswer = "no-answer"
    }

    public var kind: Kind
    /// The subscriber's reasons, as written.
    public var reasons: String
    /// For a partial consent: the items consented to.
    public var consentedItems: [String]
    public var receivedAt: Timestamp
    public var recordedBy: String

    public init(kind: Kind, reasons: String = "", consentedItems: [String] = [], receivedAt: Timestamp, recordedBy: String) {
        self.kind = kind
        self.reasons = reasons
        self.consentedItems = consentedItems
        self.receivedAt = receivedAt
        self.recordedBy = recordedBy
    }
}

/// Who takes part in a request.
public enum LegalPartyRole: String, Hashable, Sendable, Codable, CaseIterable {
    case requester, agent, police, prosecutor, court, otherProvider = "other-provider", subscriber, barAssociation = "bar-association",
        foreignAuthority = "foreign-authority"
}

/// A party: the requester, their lawyer, the police, the court, the subscriber.
public struct LegalParty: Hashable, Sendable, Codable {
    public var role: LegalPartyRole
    public var name: String
    public var organisation: String?
    public var address: String?
    public var email: String?
    public var phone: String?

    public init(role: LegalPartyRole, name: String, organisation: String? = nil, address: String? = nil, email: String? = nil, phone: String? = nil) {
        self.role = role
        self.name = name
        self.organisation = organisation
        self.address = address
        self.email = email
        self.phone = phone
    }
}

/// A legal request: never a terms-of-service case, never run by a playbook; its rows, inquiries and decisions
/// hang off it.
public struct LegalRequest: Hashable, Sendable, Codable {
    /// `LR-2026-000123`, on every document.
    public var number: String
    public var kind: LegalRequestKind
    public var state: String
    public var legalBasis: String
    public var receivedAt: Timestamp
    /// How it arrived: post, court service, fax, e-mail, web form, in person.
    public var channel: String
    /// The sender's document number, or the court's case number (`令和7年(発チ)第10137号`).
    public var externalReference: String?
    public var parties: [LegalParty]
    /// The request it branches from (a 提供命令 or 消去禁止命令 under a disclosure order) and others linked.
    public var parentNumber: String?
    /// Terms-of-service cases linked to it (by id): the link never runs a playbook.
    public var linkedCaseIDs: [Int64]
    /// The claimant (for de-duplication across a claimant's requests and per-claimant fees).
    public var claimant: String?
    /// What the subscriber is shown of the requester (the masking profile of the request form).
    public var requesterShownAs: String?
    /// The rights said to be infringed and the sender information asked for.
    public var rights: String?
    public var requestedItems: [String] = []
    /// Where the information is (URLs, paths) for a takedown, DMCA or DSA notice.
    public var locations: [String]?
    /// The requester's statement: the reasons (侵害情報等), the DSA explanation, the work a DMCA notice names.
    public var statement: String?
    /// A takedown of election material (4条): the sender has 2 days to object, not 7.
    public var electionCase: Bool?
    /// Subscribers' names by customer id, as the inventory had them when the rows were resolved.
    public var subscriberNames: [String: String] = [:]
    /// Disclosures proposed and their approvals.
    public var proposals: [DisclosureProposal] = []
    /// The subscribers' answers to the 意見照会, by customer id.
    public var senderAnswers: [String: SenderAnswer] = [:]
    /// For a police inquiry: each item asked for, classed, and its answer.
    public var inquiryItems: [PoliceInquiryItem] = []
    /// A warrant shown for the request, once verified.
    public var warrant: Warrant?
    /// Fee per ID, and the IDs charged.
    public var feePerID = 0
    public var billableIDs = 0

    public init(
        number: String, kind: LegalRequestKind, receivedAt: Timestamp, channel: String = "post", externalReference: String? = nil,
        parties: [LegalParty] = [], parentNumber: String? = nil, linkedCaseIDs: [Int64] = [], claimant: String? = nil, legalBasis: String? = nil
    ) {
        self.number = number
        self.kind = kind
        self.state = kind.workflow.initial
        self.legalBasis = legalBasis ?? kind.defaultBasis
        self.receivedAt = receivedAt
        self.channel = channel
        self.externalReference = externalReference
        self.parties = parties
        self.parentNumber = parentNumber
        self.linkedCaseIDs = linkedCaseIDs
        self.claimant = claimant
    }

    /// Moves the request to `state`.
    /// - Throws: `LegalError` when the kind's workflow does not allow the move.
    public mutating func move(to next: String) throws(LegalError) {
        guard kind.workflow.allows(from: state, to: next) else {
            let allowed = (kind.workflow.transitions[state] ?? []) + (kind.workflow.terminal.contains(state) ? [] : ["withdrawn"])
            throw LegalError(
                "a \(kind.rawValue) in \(state) cannot move to \(next)"
                    + (allowed.isEmpty ? " (it is closed)" : "; it may move to \(allowed.joined(separator: ", "))"))
        }
        state = next
    }

    /// Whether the request has ended.
    public var isClosed: Bool { kind.workflow.terminal.contains(state) }

    /// Who letters to the requester are addressed to: the requester or their agent as a party, else the claimant.
    public var requesterName: String? { parties.first { $0.role == .requester || $0.role == .agent }?.name ?? claimant }
}
