import Foundation
public import MoguraCore

/// A proposal to release a subscriber's identity to a third party, and the approvals it gathers.
///
/// Disclosure cannot be undone, so it needs a recorded legal basis and **two approvals by different legal staff
/// other than the proposer**, at least one a legal lead (`legal-track.md` §9.1, §9.7). ``DisclosureGate`` is the only
/// way to a ``DisclosureRecord``; there is no override, for any role.
public struct DisclosureProposal: Hashable, Sendable, Codable {
    public struct Approval: Hashable, Sendable, Codable {
        public var login: String
        public var roles: Set<StaffRole>
        public var at: Timestamp
        public var note: String
    }

    public var requestNumber: String
    /// The subscriber whose identity would be released.
    public var customerID: String
    /// The rows (claim row numbers) the release answers.
    public var rows: [String]
    /// What would be released (氏名, 住所, 電話番号, 電子メールアドレス).
    public var items: [String]
    /// To whom.
    public var recipient: String
    /// Why it may be released: the subscriber's consent (with the 回答書's document id), a court order (its case
    /// number), … Required.
    public var basis: String
    public var proposedBy: String
    public var proposedAt: Timestamp
    public var approvals: [Approval] = []
    /// When it went into the register; a released proposal takes no more approvals and is not released again.
    public var releasedAt: Timestamp?

    public init(
        requestNumber: String, customerID: String, rows: [String], items: [String], recipient: String, basis: String, proposedBy: String,
        proposedAt: Timestamp
    ) {
        self.requestNumber = requestNumber
        self.customerID = customerID
        self.rows = rows
        self.items = items
        self.recipient = recipient
        self.basis = basis
        self.proposedBy = proposedBy
        self.proposedAt = proposedAt
    }
}

/// One release of subscriber information, as the disclosure register (提供記録) keeps it. Never edited: a correction
/// is a new record naming the one it corrects.
public struct DisclosureRecord: Hashable, Sendable, Codable {
    public var sequence: Int
    public var requestNumber: String
    public var customerID: String
    public var rows: [String]
    public var items: [String]
    public var recipient: String
    public var basis: String
    public var proposedBy: String
    public var approvedBy: [String]
    public var releasedAt: Timestamp
    /// The record this one corrects, if any.
    public var corrects: Int?
}

/// The rules a disclosure must pass.
public enum DisclosureGate {
    /// Adds an approval.
    /// - Throws: `LegalError` when the approver is not legal staff, has already approved, or the basis is empty.
    public static func approve(_ proposal: inout DisclosureProposal, by user: StaffUser, note: String = "", at time: Timestamp) throws(LegalError) {
        guard user.seesLegalTrack else { throw LegalError("\(user.login) is not legal staff and cannot approve a disclosure") }
        guard user.disabledAt == nil else { throw LegalError("\(user.login) is disabled") }
        guard !proposal.basis.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw LegalError("a disclosure needs a recorded legal basis")
        }
        guard proposal.releasedAt == nil else { throw LegalError("this disclosure was released already") }
        guard user.login != proposal.proposedBy else { throw LegalError("the proposer cannot approve their own disclosure") }
        guard !proposal.approvals.contains(where: { $0.login == user.login }) else {
            throw LegalError("\(user.login) has already approved this disclosure; the second approval must come from someone else")
        }
        proposal.approvals.append(.init(login: user.login, roles: user.roles, at: time, note: note))
    }

    /// Why the proposal cannot be released yet, or nil when it can.
    public static func missing(_ proposal: DisclosureProposal) -> String? {
        if proposal.releasedAt != nil { return "it was released already" }
        if proposal.basis.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "no legal basis is recorded" }
        let approvers = Set(proposal.approvals.map(\.login).filter { $0 != proposal.proposedBy })
        if approvers.count < 2 { return "\(approvers.count) of 2 approvals by different legal staff" }
        if !proposal.approvals.contains(where: { $0.roles.contains(.legalLead) && $0.login != proposal.proposedBy }) {
            return "no approval by a legal lead other than the proposer"
        }
        return nil
    }

    /// Releases the disclosure into the register.
    /// - Throws: `LegalError` naming what is missing.
    public static func release(
        _ proposal: DisclosureProposal, into register: inout DisclosureRegister, at time: Timestamp
    ) throws(LegalError)
        -> DisclosureRecord
    {
        if let missing = missing(proposal) { throw LegalError("the disclosure cannot be released: \(missing)") }
        return register.append(
            DisclosureRecord(
                sequence: 0, requestNumber: proposal.requestNumber, customerID: proposal.customerID, rows: proposal.rows, items: proposal.items,
                recipient: proposal.recipient, basis: proposal.basis, proposedBy: proposal.proposedBy, approvedBy: proposal.approvals.map(\.login),
                releasedAt: time, corrects: nil))
    }
}

/// The append-only disclosure register: records get a sequence number and are never changed or removed.
public struct DisclosureRegister: Sendable, Codable {
    public private(set) var records: [DisclosureRecord] = []

    public init() {}

    /// Appends a record and returns it with its sequence number.
    @discardableResult
    mutating func append(_ record: DisclosureRecord) -> DisclosureRecord {
        var numbered = record
        numbered.sequence = records.count + 1
        records.append(numbered)
        return numbered
    }

    /// Records a correction of an earlier record: a new record naming it; the earlier one stays as it was.
    /// - Throws: `LegalError` when there is no such record.
    public mutating func correct(_ sequence: Int, with corrected: DisclosureRecord) throws(LegalError) -> DisclosureRecord {
        guard records.contains(where: { $0.sequence == sequence }) else { throw LegalError("there is no disclosure record \(sequence)") }
        var record = corrected
        record.corrects = sequence
        return append(record)
    }
}

/// How an item a police inquiry asks for is classed (`legal-track.md` §6.4).
public enum InquiryItemClass: String, Hashable, Sendable, Codable, CaseIterable {
    /// Contract data not tied to a communication (name, address of a contract).
    case subscriberData = "subscriber-data"
    /// Anything tied to a communication — who communicated with whom, when, from which address: 通信の秘密.
    case communicationSecret = "communication-secret"
    /// 要配慮個人情報.
    case sensitive
    /// Not held.
    case notHeld = "not-held"
}

/// A warrant shown to the provider (捜索差押許可状, 記録命令付差押許可状).
public struct Warrant: Hashable, Sendable, Codable {
    public var kind: String
    public var court: String
    public var number: String
    public var issuedOn: CivilDate
    public var verifiedBy: String

    public init(kind: String, court: String, number: String, issuedOn: CivilDate, verifiedBy: String) {
        self.kind = kind
        self.court = court
        self.number = number
        self.issuedOn = issuedOn
        self.verifiedBy = verifiedBy
    }
}

/// One item a police inquiry asks for: what, its class, and what was answered.
public struct PoliceInquiryItem: Hashable, Sendable, Codable {
    public var label: String
    public var itemClass: InquiryItemClass
    public var answer: String?
    public var answeredBy: String?
    public var answeredAt: Timestamp?

    public init(label: String, itemClass: InquiryItemClass) {
        self.label = label
        self.itemClass = itemClass
    }
}

/// The rule for answering police: an item under 通信の秘密 is never answered to a 捜査関係事項照会 without a
/// warrant. It is a rule of the data, not a permission: no role, approval or setting lifts it.
public enum PoliceAnswerRule {
    /// Whether `item` may be answered, and why not.
    /// - Throws: `LegalError` for an item under 通信の秘密 without a verified warrant, or one not held.
    public static func check(_ item: InquiryItemClass, warrant: Warrant?) throws(LegalError) {
        switch item {
        case .communicationSecret:
            guard let warrant, !warrant.verifiedBy.isEmpty, !warrant.number.isEmpty else {
                throw LegalError("令状によらない通信の秘密の提供はできません: an item under 通信の秘密 is answered only under a verified warrant")
            }
        case .notHeld:
            throw LegalError("the item is not held; answer 不存在")
        case .subscriberData, .sensitive:
            break
        }
    }
}
