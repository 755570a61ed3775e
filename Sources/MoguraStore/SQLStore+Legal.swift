public import MoguraCore
import SQLKit

/// A legal request as stored: the columns the store queries by, and the request itself as JSON (`MoguraLegal`
/// encodes and decodes it; the store does not know its shape).
public struct LegalRequestRow: Hashable, Sendable {
    public var id: Int64?
    public var number: String
    public var kind: String
    public var state: String
    public var claimant: String?
    public var receivedAt: Timestamp
    public var updatedAt: Timestamp
    public var payload: String

    public init(
        id: Int64? = nil, number: String, kind: String, state: String, claimant: String?, receivedAt: Timestamp, updatedAt: Timestamp,
        payload: String
    ) {
        self.id = id
        self.number = number
        self.kind = kind
        self.state = state
        self.claimant = claimant
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.payload = payload
    }
}

/// One row (目録 row) of a legal request as stored.
public struct LegalItemRow: Hashable, Sendable {
    public var position: Int
    public var outcome: String
    public var customerID: String?
    public var dedupeKey: String?
    public var payload: String

    public init(position: Int, outcome: String, customerID: String?, dedupeKey: String?, payload: String) {
        self.position = position
        self.outcome = outcome
        self.customerID = customerID
        self.dedupeKey = dedupeKey
        self.payload = payload
    }
}

/// A deadline as stored.
public struct LegalDeadlineRow: Hashable, Sendable {
    public var id: Int64?
    public var requestID: Int64
    public var ruleID: String
    public var dueAt: Timestamp
    public var status: String
    public var payload: String

    public init(id: Int64? = nil, requestID: Int64, ruleID: String, dueAt: Timestamp, status: String, payload: String) {
        self.id = id
        self.requestID = requestID
        self.ruleID = ruleID
        self.dueAt = dueAt
        self.status = status
        self.payload = payload
    }
}

/// The legal track's tables (migration 7). Every write is audited in the same transaction; the disclosure
/// register has an insert and reads, and nothing that changes or removes a record.
extension SQLStore {
    /// Stores a new request with its rows, deadlines and holds (their request ids set here), in one transaction.
    /// - Returns: the request's id.
    /// - Throws: `StoreError` when the number is taken; ``LegalDuplicateConflict`` when another import of the
    ///   claimant stored some of the rows meanwhile.
    public func createLegalRequest(
        _ request: LegalRequestRow, items: [LegalItemRow], deadlines: [LegalDeadlineRow], holds: [LegalHoldRow] = [], actor: String
    ) async throws
        -> Int64
    {
        try await transaction { database in
            // One claimant's imports one at a time (SQLite's BEGIN IMMEDIATE does it there), and none stores a row
            // another import of theirs stored since its de-duplication keys were read.
            if let claimant = request.claimant {
                try await SQLTransaction(store: self, database: database).lock("legal-claimant:" + claimant)
                // The rows the batch checked against the keys it read and found new (not duplicates, not invalid).
                let fresh: [String] = items.compactMap { $0.outcome == "duplicate" || $0.outcome == "invalid" ? nil : $0.dedupeKey }
                for slice in fresh.chunked(into: 1_000) {
                    let batch = Array(slice)
                    let query: SQLQueryString = """
                        SELECT r.dedupe_key FROM legal_rows r JOIN legal_requests q ON q.id = r.request_id
                        WHERE r.claimant = \(bind: claimant) AND r.outcome <> 'duplicate' AND q.state <> 'withdrawn'
                              AND r.dedupe_key IN (\(binds: batch)) LIMIT 1
                        """
                    if !(try await self.rows(database, query)).isEmpty { throw LegalDuplicateConflict(number: request.number) }
                }
            }
            let inserted = try await self.rows(
                database,
                """
                INSERT INTO legal_requests (number, kind, state, claimant, received_at, updated_at, payload)
                VALUES (\(bind: request.number), \(bind: request.kind), \(bind: request.state), \(bind: request.claimant),
                        \(bind: request.receivedAt.microseconds), \(bind: request.updatedAt.microseconds), \(bind: request.payload))
                ON CONFLICT (number) DO NOTHING
                RETURNING id
                """)
            guard let id = try inserted.first?.int64("id") else { throw StoreError("a legal request numbered \(request.number) exists already") }
            for batch in items.chunked(into: Self.insertBatch) {
                var values: SQLQueryString = ""
                for (index, item) in batch.enumerated() {
                    if index > 0 { values.appendLiteral(", ") }
                    values.appendInterpolation(
                        """
                        (\(bind: id), \(bind: item.position), \(bind: item.outcome), \(bind: item.customerID), \(bind: item.dedupeKey), \
                        \(bind: request.claimant), \(bind: item.payload))
                        """ as SQLQueryString)
                }
                try await database.raw(
                    "INSERT INTO legal_rows (request_id, position, outcome, customer_id, dedupe_key, claimant, payload) VALUES \(values)"
                ).run()
            }
            _ = try await self.appendAudit(
                AuditDraft(
                    at: request.updatedAt, actor: actor, action: "legal.request.create", objectType: "legal_request", objectID: request.number,
                    details: JSONText.encode(["kind": request.kind, "rows": String(items.count)])), in: database)
            for var deadline in deadlines {
                deadline.requestID = id
                _ = try await self.insertLegalDeadline(deadline, actor: actor, at: request.updatedAt, in: database)
            }
            try await self.insertLegalHolds(
                holds.map { hold in
                    var hold = hold
                    hold.requestID = id
                    return hold
                }, actor: actor, at: request.updatedAt, in: database)
            return id
        }
    }

    /// A request by its number.
    public func legalRequest(number: String) async throws -> LegalRequestRow? {
        try await session { database in
            try await self.rows(
                database,
                "SELECT id, number, kind, state, claimant, received_at, updated_at, payload FROM legal_requests WHERE number = \(bind: number)"
            ).first.map(Self.legalRequestRow)
        }
    }

    /// Requests, most recently changed first; open ones only unless `includeClosed`.
    public func legalRequests(includeClosed: Bool = false, limit: Int = 200) async throws -> [LegalRequestRow] {
        try await session { database in
            let filter: SQLQueryString = includeClosed ? "" : "WHERE state NOT IN ('closed', 'withdrawn', 'superseded-by-court')"
            return try await self.rows(
                database,
                """
                SELECT id, number, kind, state, claimant, received_at, updated_at, payload FROM legal_requests \(filter)
                ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit)
                """
            ).map(Self.legalRequestRow)
        }
    }

    /// A request's rows in order.
    public func legalItems(requestID: Int64, offset: Int = 0, limit: Int = 100_000) async throws -> [LegalItemRow] {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT position, outcome, customer_id, dedupe_key, payload FROM legal_rows WHERE request_id = \(bind: requestID)
                ORDER BY position LIMIT \(bind: limit) OFFSET \(bind: offset)
                """
            ).map {
                LegalItemRow(
                    position: try $0.int("position"), outcome: try $0.string("outcome"), customerID: try $0.optionalString("customer_id"),
                    dedupeKey: try $0.optionalString("dedupe_key"), payload: try $0.string("payload"))
            }
        }
    }

    /// Replaces some rows' payloads (decisions), audited as one `legal.decision` event.
    public func updateLegalItems(requestID: Int64, items: [(position: Int, payload: String)], actor: String, at time: Timestamp) async throws {
        try await transaction { database in
            for item in items {
                try await database.raw(
                    """
                    UPDATE legal_rows SET payload = \(bind: item.payload)
                    WHERE request_id = \(bind: requestID) AND position = \(bind: item.position)
                    """
                ).run()
            }
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "legal.decision", objectType: "legal_request", objectID: String(requestID),
                    details: JSONText.encode(["rows": String(items.count)])), in: database)
        }
    }

    /// The de-duplication keys of a claimant's stored rows, with where each first appeared (`LR-…#row`).
    public func legalDedupeKeys(claimant: String) async throws -> [String: String] {
        try await session { database in
            var keys: [String: String] = [:]
            for row in try await self.rows(
                database,
                """
                SELECT r.dedupe_key, q.number, r.position FROM legal_rows r JOIN legal_requests q ON q.id = r.request_id
                WHERE r.claimant = \(bind: claimant) AND r.dedupe_key IS NOT NULL AND r.outcome <> 'duplicate' AND q.state <> 'withdrawn'
                ORDER BY q.id, r.position
                """)
            {
                let key = try row.string("dedupe_key")
                if keys[key] == nil { keys[key] = "\(try row.string("number"))#\(try row.int("position") + 1)" }
            }
            return keys
        }
    }

    /// Starts a deadline for a stored request.
    public func addLegalDeadline(_ deadline: LegalDeadlineRow, actor: String, at time: Timestamp) async throws -> Int64 {
        try await transaction { database in try await self.insertLegalDeadline(deadline, actor: actor, at: time, in: database) }
    }

    func insertLegalDeadline(_ deadline: LegalDeadlineRow, actor: String, at time: Timestamp, in database: any SQLDatabase) async throws -> Int64 {
        let inserted = try await rows(
            database,
            """
            INSERT INTO legal_deadlines (request_id, rule_id, due_at, status, payload)
            VALUES (\(bind: deadline.requestID), \(bind: deadline.ruleID), \(bind: deadline.dueAt.microseconds), \(bind: deadline.status),
                    \(bind: deadline.payload))
            RETURNING id
            """)
        let id = try inserted.first?.int64("id") ?? 0
        _ = try await appendAudit(
            AuditDraft(
                at: time, actor: actor, action: "legal.deadline.start", objectType: "legal_deadline", objectID: String(id),
                details: JSONText.encode(["rule": deadline.ruleID, "due": deadline.dueAt.description])), in: database)
        return id
    }

    /// Pending deadlines due before `time` (for the watch), soonest first.
    public func legalDeadlines(pendingBefore time: Timestamp, limit: Int = 500) async throws -> [LegalDeadlineRow] {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT id, request_id, rule_id, due_at, status, payload FROM legal_deadlines
                WHERE status = 'pending' AND due_at < \(bind: time.microseconds) ORDER BY due_at LIMIT \(bind: limit)
                """
            ).map(Self.legalDeadlineRow)
        }
    }

    /// A request's deadlines.
    public func legalDeadlines(requestID: Int64) async throws -> [LegalDeadlineRow] {
        try await session { database in
            try await self.rows(
                database,
                "SELECT id, request_id, rule_id, due_at, status, payload FROM legal_deadlines WHERE request_id = \(bind: requestID) ORDER BY due_at"
            ).map(Self.legalDeadlineRow)
        }
    }

    /// Records what the watch did to a deadline (reminded, missed), audited as `legal.deadline.<event>`.
    /// Only a pending deadline changes, so two watches at once raise each event once.
    /// - Returns: whether it changed.
    @discardableResult
    public func updateLegalDeadline(
        _ id: Int64, status: String, payload: String, event: String, actor: String, at time: Timestamp
    ) async throws
        -> Bool
    {
        try await transaction { database in
            try await self.changeLegalDeadline(id, status: status, payload: payload, event: event, actor: actor, at: time, in: database)
        }
    }

    func changeLegalDeadline(
        _ id: Int64, status: String, payload: String, event: String, actor: String, at time: Timestamp, in database: any SQLDatabase
    ) async throws -> Bool {
        let updated = try await rows(
            database,
            """
            UPDATE legal_deadlines SET status = \(bind: status), payload = \(bind: payload)
            WHERE id = \(bind: id) AND status = 'pending' RETURNING id
            """)
        guard !updated.isEmpty else { return false }
        _ = try await appendAudit(
            AuditDraft(at: time, actor: actor, action: "legal.deadline.\(event)", objectType: "legal_deadline", objectID: String(id)), in: database)
        return true
    }

    /// Keeps a rendered document.
    public func saveLegalDocument(
        requestID: Int64, templateID: String, version: String, recipient: String, sha256: String, payload: String, actor: String, at time: Timestamp
    ) async throws -> Int64 {
        let document = LegalDocumentRow(templateID: templateID, version: version, recipient: recipient, sha256: sha256, payload: payload)
        return try await transaction { database in
            try await self.insertLegalDocument(document, requestID: requestID, actor: actor, at: time, in: database)
        }
    }

    func insertLegalDocument(
        _ document: LegalDocumentRow, requestID: Int64, actor: String, at time: Timestamp, in database: any SQLDatabase
    ) async throws -> Int64 {
        let inserted = try await rows(
            database,
            """
            INSERT INTO legal_documents (request_id, template_id, template_version, recipient, sha256, created_at, created_by, payload)
            VALUES (\(bind: requestID), \(bind: document.templateID), \(bind: document.version), \(bind: document.recipient),
                    \(bind: document.sha256), \(bind: time.microseconds), \(bind: actor), \(bind: document.payload))
            RETURNING id
            """)
        let id = try inserted.first?.int64("id") ?? 0
        _ = try await appendAudit(
            AuditDraft(
                at: time, actor: actor, action: "legal.document.render", objectType: "legal_document", objectID: String(id),
                details: JSONText.encode([
                    "template": "\(document.templateID)@\(document.version)", "sha256": document.sha256, "recipient": document.recipient,
                ])), in: database)
        return id
    }

    /// A request's documents: (id, template, version, recipient, sha256, payload).
    public func legalDocuments(
        requestID: Int64
    ) async throws -> [(id: Int64, template: String, version: String, recipient: String, sha256: String, payload: String)] {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT id, template_id, template_version, recipient, sha256, payload FROM legal_documents WHERE request_id = \(bind: requestID)
                ORDER BY id
                """
            ).map {
                (
                    try $0.int64("id"), try $0.string("template_id"), try $0.string("template_version"), try $0.string("recipient"),
                    try $0.string("sha256"), try $0.string("payload")
                )
            }
        }
    }

    /// Appends to the disclosure register and marks the request's proposal released, in one transaction, if the
    /// request is still `expectedPayload`; the store gives the sequence number. There is no update or delete.
    /// - Returns: the sequence, or nil when the request changed meanwhile.
    public func appendDisclosure(
        requestID: Int64, payload: String, number: String, expectedPayload: String, releasedPayload: String, actor: String, at time: Timestamp
    ) async throws -> Int64? {
        try await transaction { database in
            let marked = try await self.rows(
                database,
                """
                UPDATE legal_requests SET payload = \(bind: releasedPayload), updated_at = \(bind: time.microseconds)
                WHERE id = \(bind: requestID) AND number = \(bind: number) AND payload = \(bind: expectedPayload) RETURNING id
                """)
            guard !marked.isEmpty else { return nil }
            let inserted = try await self.rows(
                database,
                """
                INSERT INTO legal_disclosures (request_id, released_at, payload)
                VALUES (\(bind: requestID), \(bind: time.microseconds), \(bind: payload)) RETURNING sequence
                """)
            let sequence = try inserted.first?.int64("sequence") ?? 0
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "legal.disclosure", objectType: "legal_disclosure", objectID: String(sequence),
                    details: JSONText.encode(["request": String(requestID)])), in: database)
            return sequence
        }
    }

    /// The disclosure register, oldest first.
    public func disclosures(requestID: Int64? = nil) async throws -> [(sequence: Int64, payload: String)] {
        try await session { database in
            let filter: SQLQueryString = requestID.map { "WHERE request_id = \(bind: $0)" } ?? ""
            return try await self.rows(database, "SELECT sequence, payload FROM legal_disclosures \(filter) ORDER BY sequence").map {
                (try $0.int64("sequence"), try $0.string("payload"))
            }
        }
    }

    /// Stores a subscriber's encrypted fields (JSON of field name → sealed value) for a request.
    public func saveLegalSubject(requestID: Int64, customerID: String, sealedFields: String, actor: String, at time: Timestamp) async throws {
        try await transaction { database in
            try await database.raw(
                """
                INSERT INTO legal_subjects (request_id, customer_id, fields) VALUES (\(bind: requestID), \(bind: customerID), \(bind: sealedFields))
                ON CONFLICT (request_id, customer_id) DO UPDATE SET fields = excluded.fields
                """
            ).run()
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "legal.subject.save", objectType: "legal_subject", objectID: "\(requestID)/\(customerID)"),
                in: database)
        }
    }

    /// Deletes the subscribers' personal data of a request, and reduces the request's payload to `payload` (names
    /// replaced by customer ids) if it is still `expectedPayload`; audited as `legal.subject.purge`.
    /// - Returns: how many subscribers' data went, or nil when the request changed meanwhile.
    public func purgeLegalSubjects(
        requestID: Int64, number: String, expectedPayload: String, payload: String, actor: String, at time: Timestamp
    ) async throws -> Int? {
        try await transaction { database in
            let updated = try await self.rows(
                database,
                """
                UPDATE legal_requests SET payload = \(bind: payload)
                WHERE id = \(bind: requestID) AND payload = \(bind: expectedPayload) RETURNING id
                """)
            guard !updated.isEmpty else { return nil }
            let deleted = try await self.rows(
                database, "DELETE FROM legal_subjects WHERE request_id = \(bind: requestID) RETURNING customer_id")
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "legal.subject.purge", objectType: "legal_request", objectID: number,
                    details: JSONText.encode(["subjects": String(deleted.count)])), in: database)
            return deleted.count
        }
    }

    /// The subscribers of a request whose personal data is stored.
    public func legalSubjectCustomers(requestID: Int64) async throws -> [String] {
        try await session { database in
            try await self.rows(database, "SELECT customer_id FROM legal_subjects WHERE request_id = \(bind: requestID) ORDER BY customer_id").map {
                try $0.string("customer_id")
            }
        }
    }

    /// A subscriber's encrypted fields (JSON), or nil.
    public func legalSubject(requestID: Int64, customerID: String) async throws -> String? {
        try await session { database in
            try await self.rows(
                database,
                "SELECT fields FROM legal_subjects WHERE request_id = \(bind: requestID) AND customer_id = \(bind: customerID)"
            ).first.map { try $0.string("fields") }
        }
    }

    static func legalRequestRow(_ row: any SQLRow) throws -> LegalRequestRow {
        LegalRequestRow(
            id: try row.int64("id"), number: try row.string("number"), kind: try row.string("kind"), state: try row.string("state"),
            claimant: try row.optionalString("claimant"), receivedAt: Timestamp(microseconds: try row.int64("received_at")),
            updatedAt: Timestamp(microseconds: try row.int64("updated_at")), payload: try row.string("payload"))
    }

    static func legalDeadlineRow(_ row: any SQLRow) throws -> LegalDeadlineRow {
        LegalDeadlineRow(
            id: try row.int64("id"), requestID: try row.int64("request_id"), ruleID: try row.string("rule_id"),
            dueAt: Timestamp(microseconds: try row.int64("due_at")), status: try row.string("status"), payload: try row.string("payload"))
    }
}

/// The legal track's storage, as `MoguraLegal` and the web use it (implemented by ``SQLStore``).
public protocol LegalRecordStore: Sendable {
    func createLegalRequest(
        _ request: LegalRequestRow, items: [LegalItemRow], deadlines: [LegalDeadlineRow], holds: [LegalHoldRow], actor: String
    ) async throws -> Int64
    func legalRequest(number: String) async throws -> LegalRequestRow?
    func legalRequests(includeClosed: Bool, limit: Int) async throws -> [LegalRequestRow]
    func legalItems(requestID: Int64, offset: Int, limit: Int) async throws -> [LegalItemRow]
    func legalDedupeKeys(claimant: String) async throws -> [String: String]
    func updateLegalItems(requestID: Int64, items: [(position: Int, payload: String)], actor: String, at time: Timestamp) async throws
    func legalDeadlines(pendingBefore time: Timestamp, limit: Int) async throws -> [LegalDeadlineRow]
    func legalDeadlines(requestID: Int64) async throws -> [LegalDeadlineRow]
    func addLegalDeadline(_ deadline: LegalDeadlineRow, actor: String, at time: Timestamp) async throws -> Int64
    @discardableResult
    func updateLegalDeadline(_ id: Int64, status: String, payload: String, event: String, actor: String, at time: Timestamp) async throws -> Bool
    func saveLegalDocument(
        requestID: Int64, templateID: String, version: String, recipient: String, sha256: String, payload: String, actor: String, at time: Timestamp
    ) async throws -> Int64
    func legalDocuments(
        requestID: Int64
    ) async throws -> [(id: Int64, template: String, version: String, recipient: String, sha256: String, payload: String)]
    func appendDisclosure(
        requestID: Int64, payload: String, number: String, expectedPayload: String, releasedPayload: String, actor: String, at time: Timestamp
    ) async throws -> Int64?
    func disclosures(requestID: Int64?) async throws -> [(sequence: Int64, payload: String)]
    func saveLegalSubject(requestID: Int64, customerID: String, sealedFields: String, actor: String, at time: Timestamp) async throws
    func legalSubject(requestID: Int64, customerID: String) async throws -> String?
    func legalSubjectCustomers(requestID: Int64) async throws -> [String]
    func purgeLegalSubjects(
        requestID: Int64, number: String, expectedPayload: String, payload: String, actor: String, at time: Timestamp
    )
        async throws -> Int?
    func addLegalHolds(_ holds: [LegalHoldRow], actor: String, at time: Timestamp) async throws
    func legalHolds(requestID: Int64?) async throws -> [LegalHoldRow]
    func releaseLegalHolds(requestID: Int64, actor: String, at time: Timestamp) async throws -> Int
    func applyLegalStep(_ step: LegalStep, actor: String, at time: Timestamp) async throws -> Bool
    func purgeCandidates(receivedBefore cutoff: Timestamp, after cursor: (Timestamp, String)?, limit: Int) async throws -> [PurgeCandidate]
    func tombstoneBlob(_ hash: ContentHash, reason: String, actor: String) async throws
    func appendAudit(_ draft: AuditDraft) async throws -> AuditEvent
    func `case`(_ id: Int64) async throws -> Case?
}

extension SQLStore: LegalRecordStore {}

/// Another import of the same claimant stored some of these rows since their de-duplication keys were read: read
/// them again and retry (the desk does it once).
public struct LegalDuplicateConflict: Error, CustomStringConvertible, Sendable {
    public var number: String
    public var description: String { "another import of the same claimant stored rows of \(number) meanwhile; import again" }
}

/// A document to keep, as rendered.
public struct LegalDocumentRow: Hashable, Sendable {
    public var templateID: String
    public var version: String
    public var recipient: String
    public var sha256: String
    public var payload: String

    public init(templateID: String, version: String, recipient: String, sha256: String, payload: String) {
        self.templateID = templateID
        self.version = version
        self.recipient = recipient
        self.sha256 = sha256
        self.payload = payload
    }
}

/// One step of a request, written in one transaction (``SQLStore/applyLegalStep(_:actor:at:)``).
public struct LegalStep: Sendable {
    /// What happens to the request's holds.
    public enum Holds: Sendable, Equatable {
        case keep
        /// Released now (a preservation ends).
        case release
        /// Open-ended holds of basis `internal` end at this time (the request has closed).
        case expireOpen(at: Timestamp)
        /// Holds with an expiry run at least until this time (a preservation is extended).
        case extend(until: Timestamp)
    }

    public var requestID: Int64
    public var number: String
    public var from: String
    public var to: String
    public var expectedPayload: String
    public var payload: String
    /// Pending deadlines the step ends: id, new status (met, waived), new payload.
    public var endDeadlines: [(id: Int64, status: String, payload: String)] = []
    public var startDeadlines: [LegalDeadlineRow] = []
    public var holds: Holds = .keep
    public var documents: [LegalDocumentRow] = []
    public var note: String?
    /// More audit events about the request (action, details JSON), written with the step.
    public var events: [(action: String, details: String)] = []
    /// Whether the step sets the request's updated_at (not for a closed request that keeps its state).
    public var touch = true

    public init(requestID: Int64, number: String, from: String, to: String, expectedPayload: String, payload: String) {
        self.requestID = requestID
        self.number = number
        self.from = from
        self.to = to
        self.expectedPayload = expectedPayload
        self.payload = payload
    }
}

/// A preservation hold as stored: what it covers (a subscriber, an indicator, log sources, a time window) and for
/// how long.
public struct LegalHoldRow: Hashable, Sendable {
    public var id: Int64?
    public var requestID: Int64
    /// `erasure-prohibition-order`, `voluntary`, `crpc-197-3`, `us-2703f`, `litigation`, `internal`.
    public var basis: String
    public var customerID: String?
    public var serviceID: String?
    /// An indicator as `kind:value` in its canonical form (`ip:203.0.113.7`, `domain:example.jp`): the hold keeps
    /// what names it. With a customer too, what is both.
    public var indicator: String?
    /// Log sources held (JSON list): `access-logs`, `nat-logs`, `mail-logs`, `reports`, …
    public var sources: [String]
    public var windowFrom: Timestamp
    public var windowTo: Timestamp
    public var startsAt: Timestamp
    /// nil: until released (the request's end).
    public var expiresAt: Timestamp?
    public var releasedAt: Timestamp?
    public var releasedBy: String?

    public init(
        id: Int64? = nil, requestID: Int64, basis: String, customerID: String?, serviceID: String?, sources: [String], windowFrom: Timestamp,
        windowTo: Timestamp, startsAt: Timestamp, expiresAt: Timestamp? = nil, releasedAt: Timestamp? = nil, releasedBy: String? = nil,
        indicator: String? = nil
    ) {
        self.id = id
        self.indicator = indicator
        self.requestID = requestID
        self.basis = basis
        self.customerID = customerID
        self.serviceID = serviceID
        self.sources = sources
        self.windowFrom = windowFrom
        self.windowTo = windowTo
        self.startsAt = startsAt
        self.expiresAt = expiresAt
        self.releasedAt = releasedAt
        self.releasedBy = releasedBy
    }

    /// Whether the hold is in force at `time`.
    public func isActive(at time: Timestamp) -> Bool {
        releasedAt == nil && startsAt <= time && (expiresAt.map { time < $0 } ?? true)
    }

    /// Whether the hold covers data of `customerID` from `time`.
    public func covers(customerID: String?, at time: Timestamp) -> Bool {
        (self.customerID == nil || self.customerID == customerID) && windowFrom <= time && time <= windowTo
    }

    /// Whether the hold covers a stored report: its time in the window, and — where the hold names them — the
    /// hold's customer among the report's cases' customers (or, without a customer, its service among their
    /// subjects), and its indicator among the report's indicators (an address also matches that address with a
    /// port).
    public func covers(_ candidate: PurgeCandidate) -> Bool {
        guard windowFrom <= candidate.newest && candidate.newest <= windowTo else { return false }
        if let customerID, !candidate.customerIDs.contains(customerID) { return false }
        // A service narrows a hold without a subscriber; with one, the subscriber's data is held whatever the service.
        if let serviceID, customerID == nil, !candidate.serviceIDs.contains(serviceID) { return false }
        if let indicator, !candidate.indicators.contains(where: { Self.matches(indicator, $0) }) { return false }
        return true
    }

    /// Whether a held indicator matches one a report names: the same, or `ip:X` against `ip_port:X:port` /
    /// `ip_port:[X]:port`.
    static func matches(_ held: String, _ named: String) -> Bool {
        if held == named { return true }
        guard held.hasPrefix("ip:"), named.hasPrefix("ip_port:") else { return false }
        let address = held.dropFirst(3)
        let value = named.dropFirst(8)
        return value.hasPrefix(address + ":") || value.hasPrefix("[" + address + "]:")
    }
}

/// A stored raw report (a blob) old enough for the retention purge, with whose it is.
public struct PurgeCandidate: Hashable, Sendable {
    public var hash: ContentHash
    /// The newest report that uses the blob.
    public var newest: Timestamp
    /// The customers of the cases its reports are in (empty: in no case).
    public var customerIDs: [String]
    /// The indicators its reports name, as `kind:value`.
    public var indicators: [String] = []
    /// The services its reports' cases are about.
    public var serviceIDs: [String] = []

    public init(hash: ContentHash, newest: Timestamp, customerIDs: [String], indicators: [String] = [], serviceIDs: [String] = []) {
        self.hash = hash
        self.newest = newest
        self.customerIDs = customerIDs
        self.indicators = indicators
        self.serviceIDs = serviceIDs
    }
}

extension SQLStore {
    /// Applies holds in one transaction, each audited as `legal.hold.apply`.
    public func addLegalHolds(_ holds: [LegalHoldRow], actor: String, at time: Timestamp) async throws {
        guard !holds.isEmpty else { return }
        try await transaction { database in try await self.insertLegalHolds(holds, actor: actor, at: time, in: database) }
    }

    func insertLegalHolds(_ holds: [LegalHoldRow], actor: String, at time: Timestamp, in database: any SQLDatabase) async throws {
        var drafts: [AuditDraft] = []
        for hold in holds {
            let inserted = try await rows(
                database,
                """
                INSERT INTO legal_holds (request_id, basis, customer_id, service_id, sources, window_from, window_to, starts_at, expires_at,
                                         indicator)
                VALUES (\(bind: hold.requestID), \(bind: hold.basis), \(bind: hold.customerID), \(bind: hold.serviceID),
                        \(bind: JSONText.encode(hold.sources)), \(bind: hold.windowFrom.microseconds), \(bind: hold.windowTo.microseconds),
                        \(bind: hold.startsAt.microseconds), \(bind: hold.expiresAt?.microseconds), \(bind: hold.indicator))
                RETURNING id
                """)
            let id = try inserted.first?.int64("id") ?? 0
            drafts.append(
                AuditDraft(
                    at: time, actor: actor, action: "legal.hold.apply", objectType: "legal_hold", objectID: String(id),
                    details: JSONText.encode(["basis": hold.basis, "request": String(hold.requestID)])))
        }
        try await appendAudits(drafts, in: database)
    }

    /// Holds of one request, or every hold not released (`requestID` nil).
    public func legalHolds(requestID: Int64?) async throws -> [LegalHoldRow] {
        try await session { database in
            let filter: SQLQueryString = requestID.map { "WHERE request_id = \(bind: $0)" } ?? "WHERE released_at IS NULL"
            return try await self.rows(
                database,
                """
                SELECT id, request_id, basis, customer_id, service_id, sources, window_from, window_to, starts_at, expires_at, released_at,
                       released_by, indicator FROM legal_holds \(filter) ORDER BY id
                """
            ).map { row in
                LegalHoldRow(
                    id: try row.int64("id"), requestID: try row.int64("request_id"), basis: try row.string("basis"),
                    customerID: try row.optionalString("customer_id"), serviceID: try row.optionalString("service_id"),
                    sources: (try? JSONText.decode([String].self, from: try row.string("sources"))) ?? [],
                    windowFrom: Timestamp(microseconds: try row.int64("window_from")), windowTo: Timestamp(microseconds: try row.int64("window_to")),
                    startsAt: Timestamp(microseconds: try row.int64("starts_at")), expiresAt: try row.optionalTimestamp("expires_at"),
                    releasedAt: try row.optionalTimestamp("released_at"), releasedBy: try row.optionalString("released_by"),
                    indicator: try row.optionalString("indicator"))
            }
        }
    }

    /// Releases a request's holds, audited as `legal.hold.release`.
    /// - Returns: how many were released.
    public func releaseLegalHolds(requestID: Int64, actor: String, at time: Timestamp) async throws -> Int {
        try await transaction { database in try await self.endLegalHolds(requestID: requestID, actor: actor, at: time, in: database) }
    }

    func endLegalHolds(requestID: Int64, number: String? = nil, actor: String, at time: Timestamp, in database: any SQLDatabase) async throws -> Int {
        let released = try await rows(
            database,
            """
            UPDATE legal_holds SET released_at = \(bind: time.microseconds), released_by = \(bind: actor)
            WHERE request_id = \(bind: requestID) AND released_at IS NULL RETURNING id
            """)
        if !released.isEmpty {
            _ = try await appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "legal.hold.release", objectType: "legal_request", objectID: number ?? String(requestID),
                    details: JSONText.encode(["holds": String(released.count)])), in: database)
        }
        return released.count
    }

    /// One step of a request, all or nothing: the move (if nobody changed the request meanwhile), the deadlines it
    /// ends and starts, what happens to its holds, the documents it sends, and a note — each audited.
    /// - Returns: false when the request changed meanwhile (nothing is written).
    public func applyLegalStep(_ step: LegalStep, actor: String, at time: Timestamp) async throws -> Bool {
        try await transaction { database in
            // A step that changes a closed request's content but not its state (a letter after closing, a link) leaves
            // updated_at alone: the retention of its subscriber data counts from the closing.
            let touched: SQLQueryString = step.touch ? ", updated_at = \(bind: time.microseconds)" : ""
            let updated = try await self.rows(
                database,
                """
                UPDATE legal_requests SET state = \(bind: step.to), payload = \(bind: step.payload)\(touched)
                WHERE id = \(bind: step.requestID) AND state = \(bind: step.from) AND payload = \(bind: step.expectedPayload) RETURNING id
                """)
            guard !updated.isEmpty else { return false }
            if step.from != step.to {
                _ = try await self.appendAudit(
                    AuditDraft(
                        at: time, actor: actor, action: "legal.request.move", objectType: "legal_request", objectID: step.number,
                        details: JSONText.encode(["from": step.from, "to": step.to])), in: database)
            }
            for ended in step.endDeadlines {
                _ = try await self.changeLegalDeadline(
                    ended.id, status: ended.status, payload: ended.payload, event: ended.status, actor: actor, at: time, in: database)
            }
            for deadline in step.startDeadlines {
                var started = deadline
                started.requestID = step.requestID
                _ = try await self.insertLegalDeadline(started, actor: actor, at: time, in: database)
            }
            switch step.holds {
            case .keep: break
            case .release: _ = try await self.endLegalHolds(requestID: step.requestID, number: step.number, actor: actor, at: time, in: database)
            case .expireOpen(let at):
                let expiring = try await self.rows(
                    database,
                    """
                    UPDATE legal_holds SET expires_at = \(bind: at.microseconds)
                    WHERE request_id = \(bind: step.requestID) AND released_at IS NULL AND expires_at IS NULL AND basis = 'internal' RETURNING id
                    """)
                if !expiring.isEmpty {
                    _ = try await self.appendAudit(
                        AuditDraft(
                            at: time, actor: actor, action: "legal.hold.expire", objectType: "legal_request", objectID: step.number,
                            details: JSONText.encode(["holds": String(expiring.count), "expires": at.description])), in: database)
                }
            case .extend(let until):
                let extended = try await self.rows(
                    database,
                    """
                    UPDATE legal_holds SET expires_at = \(bind: until.microseconds)
                    WHERE request_id = \(bind: step.requestID) AND released_at IS NULL AND expires_at IS NOT NULL
                          AND expires_at < \(bind: until.microseconds) RETURNING id
                    """)
                if !extended.isEmpty {
                    _ = try await self.appendAudit(
                        AuditDraft(
                            at: time, actor: actor, action: "legal.hold.extend", objectType: "legal_request", objectID: step.number,
                            details: JSONText.encode(["holds": String(extended.count), "expires": until.description])), in: database)
                }
            }
            for document in step.documents {
                _ = try await self.insertLegalDocument(document, requestID: step.requestID, actor: actor, at: time, in: database)
            }
            if let note = step.note, !note.isEmpty {
                _ = try await self.appendAudit(
                    AuditDraft(
                        at: time, actor: actor, action: "legal.request.note", objectType: "legal_request", objectID: step.number,
                        details: JSONText.encode(["state": step.to, "note": note])), in: database)
            }
            for event in step.events {
                _ = try await self.appendAudit(
                    AuditDraft(
                        at: time, actor: actor, action: event.action, objectType: "legal_request", objectID: step.number, details: event.details),
                    in: database)
            }
            return true
        }
    }

    /// Raw reports (blobs not yet purged) whose newest report arrived before `cutoff`, with their cases' customers.
    /// Pages by (newest, hash) after `cursor`, so held blobs at the front do not stop the purge reaching the rest.
    public func purgeCandidates(
        receivedBefore cutoff: Timestamp, after cursor: (Timestamp, String)?, limit: Int = 10_000
    ) async throws
        -> [PurgeCandidate]
    {
        try await session { database in
            let after: SQLQueryString =
                cursor.map {
                    """
                     AND (MAX(r.received_at) > \(bind: $0.0.microseconds) OR (MAX(r.received_at) = \(bind: $0.0.microseconds) AND r.raw_sha256 > \(bind: $0.1)))
                    """
                } ?? ""
            let rows = try await self.rows(
                database,
                """
                SELECT r.raw_sha256 AS hash, MAX(r.received_at) AS newest FROM reports r JOIN blobs b ON b.sha256 = r.raw_sha256
                WHERE b.tombstoned_at IS NULL GROUP BY r.raw_sha256 HAVING MAX(r.received_at) < \(bind: cutoff.microseconds)\(after)
                ORDER BY newest, hash LIMIT \(bind: limit)
                """)
            var candidates: [PurgeCandidate] = []
            for row in rows {
                guard let hash = ContentHash(hex: try row.string("hash")) else { continue }
                let cases = try await self.rows(
                    database,
                    """
                    SELECT DISTINCT c.customer_id, c.subject_kind, c.subject_key FROM reports r JOIN cases c ON c.id = r.case_id
                    WHERE r.raw_sha256 = \(bind: hash.hex)
                    """)
                let customers = Set(try cases.compactMap { try $0.optionalString("customer_id") })
                let services = Set(try cases.filter { try $0.string("subject_kind") == "service" }.map { try $0.string("subject_key") })
                let indicators = try await self.rows(
                    database,
                    """
                    SELECT DISTINCT i.kind, i.value FROM reports r JOIN report_indicators i ON i.report_id = r.id
                    WHERE r.raw_sha256 = \(bind: hash.hex)
                    """
                ).map { "\(try $0.string("kind")):\(try $0.string("value"))" }
                candidates.append(
                    PurgeCandidate(
                        hash: hash, newest: Timestamp(microseconds: try row.int64("newest")), customerIDs: customers.sorted(),
                        indicators: indicators.sorted(), serviceIDs: services.sorted()))
            }
            return candidates
        }
    }
}
