/// Whom a case is about.
public enum CaseSubject: Hashable, Sendable, CustomStringConvertible {
    /// One of the provider's own services.
    case service(String)
    /// A network outside the provider, named by its prefix or registry handle.
    case outside(String)
    /// Not yet known: the case waits in triage.
    case unresolved

    /// `service`, `outside` or `unresolved`.
    public var kind: String {
        switch self {
        case .service: "service"
        case .outside: "outside"
        case .unresolved: "unresolved"
        }
    }

    /// The service id or outside network, empty when unresolved.
    public var key: String {
        switch self {
        case .service(let id), .outside(let id): id
        case .unresolved: ""
        }
    }

    /// Recreates a subject from its stored kind and key.
    public init?(kind: String, key: String) {
        switch kind {
        case "service": self = .service(key)
        case "outside": self = .outside(key)
        case "unresolved": self = .unresolved
        default: return nil
        }
    }

    public var description: String { key.isEmpty ? kind : "\(kind):\(key)" }
}

/// What makes reports one case: the same subject, category and track.
public struct CaseKey: Hashable, Sendable {
    public var subject: CaseSubject
    public var category: Category
    public var track: Track

    /// Creates a key.
    public init(subject: CaseSubject, category: Category, track: Track) {
        self.subject = subject
        self.category = category
        self.track = track
    }
}

/// Where a terms-of-service case stands.
///
/// `new → triaged → notified → awaitingCustomer → suspended → resolved → closed`; a customer's answer ("fixed")
/// moves an open case to `review`, where staff check the fix and resolve it (resuming a suspended service) or send
/// it back; a new report soon after resolution reopens it (`resolved → triaged`). Legal-track cases do not use
/// these states beyond `new` and `closed`; `MoguraLegal` tracks their requests.
public enum CaseState: String, Hashable, Sendable, Codable, CaseIterable {
    case new
    case triaged
    case notified
    case awaitingCustomer = "awaiting-customer"
    case suspended
    case review
    case resolved
    case closed

    /// The states this one may move to.
    public var successors: Set<CaseState> {
        switch self {
        case .new: [.triaged, .notified, .awaitingCustomer, .suspended, .review, .resolved, .closed]
        case .triaged: [.notified, .awaitingCustomer, .suspended, .review, .resolved, .closed]
        case .notified: [.awaitingCustomer, .suspended, .review, .resolved, .closed]
        case .awaitingCustomer: [.notified, .suspended, .review, .resolved, .closed]
        case .suspended: [.awaitingCustomer, .review, .resolved, .closed]
        case .review: [.triaged, .notified, .awaitingCustomer, .suspended, .resolved, .closed]
        case .resolved: [.closed, .triaged]
        case .closed: []
        }
    }

    /// Whether the case still needs work.
    public var isOpen: Bool { self != .resolved && self != .closed }

    /// Whether moving to `next` is allowed.
    public func canMove(to next: CaseState) -> Bool { successors.contains(next) }
}

/// A case: one subject, one category, one track, and the reports and actions that belong to it.
public struct Case: Hashable, Sendable, Codable, Identifiable {
    /// The store's id, or `nil` before it is stored.
    public var id: Int64?
    /// Terms of service or legal.
    public var track: Track
    /// The category.
    public var category: Category
    /// Whom the case is about.
    public var subject: CaseSubject
    /// The customer, when the subject is one of ours.
    public var customerID: String?
    /// Where the case stands.
    public var state: CaseState
    /// When it was opened.
    public var openedAt: Timestamp
    /// When it last changed.
    public var updatedAt: Timestamp
    /// The next deadline, if any.
    public var deadline: Timestamp?
    /// The staff member working it.
    public var assignee: String?
    /// A random token that ties mail about the case (notices, the customer's replies) to it.
    public var token: String
    /// The playbook the case runs, by name (none for the legal track).
    public var playbook: String?
    /// When it was last resolved, for reopening.
    public var resolvedAt: Timestamp?

    /// The subject, category and track.
    public var key: CaseKey { CaseKey(subject: subject, category: category, track: track) }

    /// Creates a case.
    public init(
        id: Int64? = nil, track: Track, category: Category, subject: CaseSubject, customerID: String? = nil,
        state: CaseState = .new, openedAt: Timestamp, updatedAt: Timestamp? = nil, deadline: Timestamp? = nil,
        assignee: String? = nil, token: String = "", playbook: String? = nil, resolvedAt: Timestamp? = nil
    ) {
        self.token = token
        self.playbook = playbook
        self.resolvedAt = resolvedAt
        self.id = id
        self.track = track
        self.category = category
        self.subject = subject
        self.customerID = customerID
        self.state = state
        self.openedAt = openedAt
        self.updatedAt = updatedAt ?? openedAt
        self.deadline = deadline
        self.assignee = assignee
    }
}

/// What an action does.
public struct ActionKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let notify = ActionKind(rawValue: "notify")
    public static let warn = ActionKind(rawValue: "warn")
    public static let suspend = ActionKind(rawValue: "suspend")
    /// Suspends web publishing only (the hosting account's sites stop serving; mail and the rest keep running):
    /// for webshells and mailer scripts the scanner finds in a customer's web space.
    public static let suspendWeb = ActionKind(rawValue: "suspend-web")
    public static let resume = ActionKind(rawValue: "resume")
    public static let resetPassword = ActionKind(rawValue: "reset-password")
    public static let blockMail = ActionKind(rawValue: "block-mail")
    public static let forwardOutward = ActionKind(rawValue: "forward-outward")
    public static let acknowledgeReporter = ActionKind(rawValue: "acknowledge-reporter")

    /// Whether the action suspends something a resume turns back on.
    public var isSuspension: Bool { self == .suspend || self == .suspendWeb }

    public var description: String { rawValue }
}

/// Where an action stands.
public enum ActionState: String, Hashable, Sendable, Codable, CaseIterable {
    /// Decided, waiting for its time or for approval.
    case planned
    /// Handed to a worker.
    case running
    /// Approved by a person where the playbook asks for it.
    case approved
    /// Carried out successfully.
    case done
    /// Tried and failed for good (after retries).
    case failed
    /// Skipped by a person or made moot.
    case skipped
}

/// Something done or to be done for a case.
public struct Action: Hashable, Sendable, Codable, Identifiable {
    /// The store's id, or `nil` before it is stored.
    public var id: Int64?
    /// The case.
    public var caseID: Int64
    /// What to do.
    public var kind: ActionKind
    /// Where it stands.
    public var state: ActionState
    /// When it should run.
    public var dueAt: Timestamp
    /// One stable key per action, sent with every attempt, so receivers can make at-least-once delivery
    /// exactly-once.
    public var idempotencyKey: String
    /// How many attempts were made.
    public var attempts: Int
    /// The last error, if the last attempt failed.
    public var lastError: String?
    /// The playbook step this action carries out (0-based), or nil for actions outside the ladder (resume,
    /// acknowledgements).
    public var step: Int?
    /// Whether a person must approve the action before it runs.
    public var requiresApproval: Bool
    /// Who approved it.
    public var approvedBy: String?
    /// The notice template, for mail actions.
    public var template: String?
    /// When it was carried out (or skipped).
    public var doneAt: Timestamp?
    /// What the connector reported (a Message-ID, an HTTP status, an exit code).
    public var result: String?
    /// Whom or what the action is for when that is not the case's subject: `report:17` for the acknowledgement of
    /// report 17.
    public var target: String?

    /// Creates an action.
    public init(
        id: Int64? = nil, caseID: Int64, kind: ActionKind, state: ActionState = .planned, dueAt: Timestamp,
        idempotencyKey: String, attempts: Int = 0, lastError: String? = nil, step: Int? = nil, requiresApproval: Bool = false,
        approvedBy: String? = nil, template: String? = nil, doneAt: Timestamp? = nil, result: String? = nil, target: String? = nil
    ) {
        self.target = target
        self.id = id
        self.caseID = caseID
        self.kind = kind
        self.state = state
        self.dueAt = dueAt
        self.idempotencyKey = idempotencyKey
        self.attempts = attempts
        self.lastError = lastError
        self.step = step
        self.requiresApproval = requiresApproval
        self.approvedBy = approvedBy
        self.template = template
        self.doneAt = doneAt
        self.result = result
    }

    /// Whether the action may run now: planned, and approved if it needs approval.
    public var isRunnable: Bool {
        (state == .planned || state == .approved) && (!requiresApproval || approvedBy != nil)
    }
}

extension CaseSubject: Codable {
    private enum CodingKeys: String, CodingKey { case kind, key }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        guard let subject = CaseSubject(kind: kind, key: try container.decodeIfPresent(String.self, forKey: .key) ?? "") else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown subject kind \(kind)")
        }
        self = subject
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(key, forKey: .key)
    }
}
