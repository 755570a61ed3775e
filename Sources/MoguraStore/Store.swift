public import MoguraCore

/// Mogura's storage: one interface, two engines (SQLite embedded, PostgreSQL for more than one node).
///
/// Every method is one transaction unless it says otherwise. Times are UTC ``Timestamp``s. Methods that change
/// state take an `actor` and append to the audit chain in the same transaction, so the chain and the data never
/// disagree.
///
/// Open a store with ``StoreFactory/withStore(_:logger:_:)``; it applies pending migrations first.
///
/// ```swift
/// try await StoreFactory.withStore(.sqlite(directory: "./mogura-data"), logger: logger) { store in
///     let summary = try await store.importInventory(document, mode: .merge, actor: "cli:alice")
///     print(summary.assignmentsWritten)
/// }
/// ```
public protocol Store: Sendable {
    /// Which engine this is, for messages and tests.
    var engine: StoreEngineKind { get }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<R: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> R) async throws -> R

    // MARK: Inventory

    /// Imports customers, services and assignments, all or nothing.
    ///
    /// The document is checked with ``InventoryValidator`` against what the store holds, inside the
    /// transaction; on any problem nothing is written and the error lists them all.
    /// - Parameters:
    ///   - document: the records to import.
    ///   - mode: merge into the inventory, or replace all assignments.
    ///   - actor: who is importing, for the audit chain.
    /// - Returns: counts of what was written.
    /// - Throws: `InventoryValidationError` for bad data; store errors otherwise.
    func importInventory(_ document: InventoryDocument, mode: InventoryImportMode, actor: String) async throws -> InventoryImportSummary

    /// The whole inventory, for building an `InventoryIndex`.
    func loadInventory() async throws -> InventorySnapshot

    /// The part of the inventory that could match `indicator`: assignments under the enclosing prefixes, parent
    /// domains, the mail account or the NAT address, with their services and customers. Building an index over
    /// this slice gives the same answer as over the whole inventory, at the cost of one indexed query.
    func inventoryCandidates(for indicator: Indicator) async throws -> InventorySnapshot

    /// Counts of customers, services and assignments.
    func inventoryCounts() async throws -> InventoryCounts

    /// A number that goes up with every inventory import, so long-running workers know when to reload their index.
    func inventoryVersion() async throws -> Int64

    /// Customers by id (unknown ids are left out).
    func customers(_ ids: [String]) async throws -> [Customer]

    // MARK: Blobs

    /// Stores bytes under their SHA-256 and returns it; storing the same bytes again changes nothing.
    func putBlob(_ bytes: [UInt8]) async throws -> ContentHash

    /// The bytes stored under `hash`.
    /// - Returns: `.present(bytes)`, `.tombstoned(reason)` when purged, or `.missing`.
    func blob(_ hash: ContentHash) async throws -> BlobContent

    /// Replaces a blob's bytes with a tombstone (the hash stays), audited.
    func tombstoneBlob(_ hash: ContentHash, reason: String, actor: String) async throws

    // MARK: Reports and cases

    /// Stores reports that share raw bytes (a mail, or a feed file whose rows are reports), the bytes
    /// (content-addressed) and their indicators, in one transaction, and appends one `report.ingest` audit event.
    ///
    /// Ingest is idempotent: a report whose Message-ID and row, or whose raw bytes and row, are already stored is
    /// not stored again; the stored one is returned with `isNew == false`.
    /// - Returns: each report with its id and raw hash, and whether it was new, in input order.
    func insertReports(_ reports: [Report], raw: [UInt8]?, actor: String) async throws -> [StoredReport]

    /// A report by id, with its indicators.
    func report(_ id: Int64) async throws -> Report?

    /// The reports of a case, oldest first.
    func reports(inCase caseID: Int64) async throws -> [Report]

    /// Cases, newest activity first: those in `states` (all when nil) and on `track` (both when nil).
    func listCases(states: [CaseState]?, track: Track?, limit: Int) async throws -> [Case]

    /// Reports waiting in triage (correlated to no case), oldest first, with the reason.
    func triageReports(limit: Int) async throws -> [(report: Report, reason: String)]

    /// Opens a case.
    func insertCase(_ newCase: Case, actor: String) async throws -> Case

    /// A case by id.
    func `case`(_ id: Int64) async throws -> Case?

    /// The newest open case with this subject, category and track updated at or after `since`.
    func openCase(subject: CaseSubject, category: Category, track: Track, updatedSince since: Timestamp) async throws -> Case?

    /// Attaches a report to a case and bumps the case's `updatedAt`.
    func attach(report reportID: Int64, toCase caseID: Int64, at time: Timestamp) async throws

    /// Moves a case from `from` to `to` if it is still in `from`.
    /// - Returns: the updated case, or `nil` if the case was not in `from` (someone else moved it).
    /// - Throws: `StoreError` when the state machine forbids the move.
    func transition(case caseID: Int64, from: CaseState, to: CaseState, at time: Timestamp, actor: String) async throws -> Case?

    // MARK: Actions

    /// Stores an action; an action with the same idempotency key is returned instead of a second one.
    func insertAction(_ action: Action) async throws -> Action

    /// The actions of a case, by due time.
    func actions(inCase caseID: Int64) async throws -> [Action]

    /// Records an attempt's outcome: the new state, the attempt count and the error.
    func updateAction(_ id: Int64, state: ActionState, attempts: Int, lastError: String?, at time: Timestamp) async throws

    // MARK: Jobs

    /// Adds durable work. A job with the same `dedupeKey` is returned instead of a second one.
    func enqueue(_ job: JobDraft) async throws -> Job

    /// Claims up to `limit` due jobs of a queue for `worker` until `now + lease`. Jobs whose lease ran out
    /// (their worker died) are due again. On PostgreSQL claims use `FOR UPDATE SKIP LOCKED`, so workers on
    /// many nodes never claim one job twice; on SQLite the single writer serialises claims.
    func claimJobs(queue: String, limit: Int, worker: String, lease: Duration, now: Timestamp) async throws -> [Job]

    /// Marks a claimed job done. Returns `false` if the worker no longer holds it (the lease ran out and
    /// another worker claimed it).
    func completeJob(_ id: Int64, worker: String, at time: Timestamp) async throws -> Bool

    /// Records a failed attempt: the job is due again at `retryAt`, or failed for good when its attempts are
    /// used up or `retryAt` is `nil`. Returns `false` if the worker no longer holds it.
    func failJob(_ id: Int64, worker: String, error: String, retryAt: Timestamp?, at time: Timestamp) async throws -> Bool

    /// A job by id.
    func job(_ id: Int64) async throws -> Job?

    // MARK: Audit

    /// Appends an event to the audit chain.
    func appendAudit(_ draft: AuditDraft) async throws -> AuditEvent

    /// Events after `sequence`, in order, at most `limit`.
    func auditEvents(after sequence: Int64, limit: Int) async throws -> [AuditEvent]

    /// Walks the whole chain and recomputes every hash.
    func verifyAuditChain() async throws -> AuditVerification

    /// Audit events, newest first, optionally about one object.
    func auditEvents(before sequence: Int64?, objectType: String?, objectID: String?, limit: Int) async throws -> [AuditEvent]

    // MARK: Desk views (the web UI and API)

    /// One page of the case queue (keyset paging).
    func queue(_ query: CaseQuery) async throws -> CasePage
    /// Other cases sharing an indicator with this one.
    func relatedCases(to caseID: Int64, tracks: [Track], limit: Int) async throws -> [(indicator: Indicator, kase: Case)]
    /// Cases whose reports carry an indicator.
    func cases(withIndicator indicator: Indicator, tracks: [Track], limit: Int) async throws -> [Case]
    /// Assigns a case.
    func assign(case caseID: Int64, to login: String?, actor: String, at time: Timestamp) async throws
    /// Adds a note to a case.
    @discardableResult
    func addNote(case caseID: Int64, author: String, kind: String, body: String, at time: Timestamp) async throws -> CaseNote
    /// A case's notes.
    func notes(case caseID: Int64) async throws -> [CaseNote]
    /// Notes of a kind on a case since a time.
    func noteCount(case caseID: Int64, kind: String, since: Timestamp) async throws -> Int
    /// Keeps a sent notice's bytes for the case's timeline.
    func recordSentMail(actionID: Int64, caseID: Int64, bytes: [UInt8], recipients: [String], subject: String, at time: Timestamp) async throws
    /// The mail sent for a case.
    func sentMail(case caseID: Int64) async throws -> [SentMail]
    /// Counts for `/metrics`.
    func metricsSnapshot(now: Timestamp) async throws -> MetricsSnapshot
    /// Dashboard counts.
    func statistics(since: Timestamp, now: Timestamp, tracks: [Track]) async throws -> DeskStatistics

    // MARK: Accounts, sessions, tokens, settings

    /// Adds a staff account.
    func addUser(_ user: StaffUser, passwordHash: String, actor: String, at time: Timestamp) async throws
    /// A staff account and its password hash.
    func user(_ login: String) async throws -> (user: StaffUser, passwordHash: String)?
    /// All staff accounts.
    func users() async throws -> [StaffUser]
    /// Replaces a password hash and ends the user's sessions.
    func setPassword(_ login: String, passwordHash: String, actor: String, at time: Timestamp) async throws
    /// Replaces a user's roles.
    func setRoles(_ login: String, roles: Set<StaffRole>, actor: String, at time: Timestamp) async throws
    /// Sets a user's preferred language.
    func setLanguage(_ login: String, language: String?) async throws
    /// Records a session by the hash of its cookie.
    func createSession(idHash: String, login: String, expires: Timestamp, at time: Timestamp) async throws
    /// The user of a live session.
    func sessionUser(idHash: String, at time: Timestamp) async throws -> StaffUser?
    /// Ends a session.
    func deleteSession(idHash: String) async throws
    /// Records an API token by its hash.
    func createAPIToken(
        login: String, name: String, tokenHash: String, scopes: Set<APIScope>, expires: Timestamp?, actor: String, at time: Timestamp
    ) async throws -> Int64
    /// A user's tokens, without their secrets.
    func apiTokens(login: String) async throws -> [APITokenInfo]
    /// Revokes a token; false when there is no such live token.
    @discardableResult
    func revokeAPIToken(_ id: Int64, actor: String, at time: Timestamp) async throws -> Bool
    /// Disables or enables an account.
    func setDisabled(_ login: String, disabled: Bool, actor: String, at time: Timestamp) async throws
    /// The owner and scopes of a live token.
    func apiToken(hash: String, at time: Timestamp) async throws -> APITokenGrant?
    /// A stored setting, created the first time it is asked for.
    func setting(_ key: String, orCreate make: @escaping @Sendable () -> String) async throws -> String
}

/// A report as stored, and whether this call stored it.
public struct StoredReport: Hashable, Sendable {
    /// The report with its id.
    public var report: Report
    /// False when an identical report was already stored (ingest is idempotent).
    public var isNew: Bool

    /// Creates a value.
    public init(report: Report, isNew: Bool) {
        self.report = report
        self.isNew = isNew
    }
}

/// The storage engines.
public enum StoreEngineKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}

/// How an import treats assignments already in the store.
public enum InventoryImportMode: String, Sendable, CaseIterable {
    /// Add and update: an assignment with the same service, resource and `valid_from` is updated (e.g. given a
    /// `valid_to`); others stay.
    case merge
    /// The import is the whole list of assignments: all others are removed. Customers and services are never
    /// removed (cases refer to them), only added or updated.
    case replaceAssignments
}

/// What an import wrote.
public struct InventoryImportSummary: Hashable, Sendable {
    public var customersWritten: Int
    public var servicesWritten: Int
    public var assignmentsWritten: Int
    public var assignmentsRemoved: Int

    /// Creates a summary.
    public init(customersWritten: Int, servicesWritten: Int, assignmentsWritten: Int, assignmentsRemoved: Int) {
        self.customersWritten = customersWritten
        self.servicesWritten = servicesWritten
        self.assignmentsWritten = assignmentsWritten
        self.assignmentsRemoved = assignmentsRemoved
    }
}

/// Sizes of the inventory.
public struct InventoryCounts: Hashable, Sendable {
    public var customers: Int
    public var services: Int
    public var assignments: Int

    /// Creates counts.
    public init(customers: Int, services: Int, assignments: Int) {
        self.customers = customers
        self.services = services
        self.assignments = assignments
    }
}

/// What the store holds under a hash.
public enum BlobContent: Hashable, Sendable {
    case present([UInt8])
    case tombstoned(reason: String, at: Timestamp)
    case missing
}

/// Durable work to do.
public struct JobDraft: Hashable, Sendable {
    /// The queue, e.g. `notify`, `webhook`.
    public var queue: String
    /// The work, as JSON text.
    public var payload: String
    /// When it is due.
    public var runAt: Timestamp
    /// Attempts before the job fails for good.
    public var maxAttempts: Int
    /// A key that makes enqueueing idempotent.
    public var dedupeKey: String?

    /// Creates a draft.
    public init(queue: String, payload: String, runAt: Timestamp, maxAttempts: Int = 10, dedupeKey: String? = nil) {
        self.queue = queue
        self.payload = payload
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.dedupeKey = dedupeKey
    }
}

/// A stored job.
public struct Job: Hashable, Sendable, Identifiable {
    /// Where a job stands.
    public enum State: String, Hashable, Sendable, CaseIterable {
        case ready, running, done, failed
    }

    public var id: Int64
    public var queue: String
    public var payload: String
    public var state: State
    public var runAt: Timestamp
    public var attempts: Int
    public var maxAttempts: Int
    public var lockedBy: String?
    public var lockedUntil: Timestamp?
    public var lastError: String?
    public var dedupeKey: String?
}

/// The result of walking the audit chain.
public struct AuditVerification: Hashable, Sendable {
    /// One break in the chain.
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        /// The sequence number at fault.
        public var sequence: Int64
        /// What is wrong.
        public var reason: String

        public var description: String { "audit event \(sequence): \(reason)" }
    }

    /// How many events were read.
    public var eventsChecked: Int64
    /// The hash of the last event: record it outside Mogura to make truncation detectable later.
    public var headHash: ContentHash
    /// Every break found, in order.
    public var problems: [Problem]

    /// Whether the chain is intact.
    public var isIntact: Bool { problems.isEmpty }
}

/// An error from the store that is not about the data being imported.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, in words an operator can act on.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
