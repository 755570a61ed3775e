import Foundation
public import MoguraCore

/// Carries out an action in the provider's own systems (suspend, resume, reset a password, block mail).
///
/// Delivery is at least once: after a crash or a timeout the same action is sent again with the same
/// ``ActionEvent/idempotencyKey``, so the receiver must treat a repeated key as already done.
public protocol ActionConnector: Sendable {
    /// Performs the action; returns what to record (an HTTP status, an exit code and the first output line).
    /// - Throws: ``ConnectorError``; a permanent one fails the action at once, others are retried with backoff.
    func perform(_ event: ActionEvent) async throws -> String
}

/// Sends mail (notices, acknowledgements).
public protocol MailSender: Sendable {
    /// Delivers the message to the relay (or the outbox) and returns what to record (the relay's answer).
    /// - Throws: ``ConnectorError``; permanent for 5xx answers, temporary otherwise.
    func send(_ mail: OutgoingMail) async throws -> String
}

/// A connector's failure.
public struct ConnectorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Whether trying again cannot help (a 4xx answer, a 5xx SMTP reply, a missing address).
    public var permanent: Bool

    /// Creates an error.
    public init(_ message: String, permanent: Bool = false) {
        self.message = message
        self.permanent = permanent
    }

    public var description: String { message }
}

/// What a connector is told: the JSON body of a webhook and the standard input of a command
/// (`docs/connectors.md`).
public struct ActionEvent: Codable, Hashable, Sendable {
    public struct ActionInfo: Codable, Hashable, Sendable {
        public var id: Int64
        public var kind: String
        public var step: Int?
        public var dueAt: String
        public var approvedBy: String?
        /// For a resume, the suspensions it undoes (`suspend`, `suspend-web`, comma-separated); otherwise absent.
        public var undoes: String?
        enum CodingKeys: String, CodingKey {
            case id, kind, step, undoes
            case dueAt = "due_at"
            case approvedBy = "approved_by"
        }
    }

    public struct CaseInfo: Codable, Hashable, Sendable {
        public var id: Int64
        public var category: String
        public var track: String
        public var state: String
        public var openedAt: String
        public var reportCount: Int
        enum CodingKeys: String, CodingKey {
            case id, category, track, state
            case openedAt = "opened_at"
            case reportCount = "report_count"
        }
    }

    public struct SubjectInfo: Codable, Hashable, Sendable {
        public var kind: String
        public var key: String
    }

    public struct CustomerInfo: Codable, Hashable, Sendable {
        public var id: String
        public var name: String
        public var language: String
    }

    /// `action.suspend`, `action.resume`, …
    public var event: String
    /// The same for every attempt of this action.
    public var idempotencyKey: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// When this attempt was made (RFC 3339, UTC).
    public var sentAt: String
    public var action: ActionInfo
    public var `case`: CaseInfo
    public var subject: SubjectInfo
    public var customer: CustomerInfo?
    /// One line a person can read in the receiving system's log.
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case event, attempt, action, `case`, subject, customer, reason
        case idempotencyKey = "idempotency_key"
        case sentAt = "sent_at"
    }

    /// Builds the event for an attempt at `action`.
    public init(action: Action, case kase: Case, customer: Customer?, reportCount: Int, attempt: Int, now: Timestamp) {
        event = "action.\(action.kind.rawValue)"
        idempotencyKey = action.idempotencyKey
        self.attempt = attempt
        sentAt = now.description
        self.action = ActionInfo(
            id: action.id ?? 0, kind: action.kind.rawValue, step: action.step, dueAt: action.dueAt.description, approvedBy: action.approvedBy,
            undoes: action.kind == .resume ? action.target : nil)
        self.case = CaseInfo(
            id: kase.id ?? 0, category: kase.category.rawValue, track: kase.track.rawValue, state: kase.state.rawValue,
            openedAt: kase.openedAt.description, reportCount: reportCount)
        subject = SubjectInfo(kind: kase.subject.kind, key: kase.subject.key)
        self.customer = customer.map { CustomerInfo(id: $0.id, name: $0.name, language: $0.language) }
        reason = "\(kase.category.rawValue): case \(kase.id ?? 0), \(reportCount) report(s) since \(kase.openedAt)"
    }

    /// The event as JSON bytes (keys sorted, so the signed bytes are stable).
    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }
}
