public import MoguraCore
import SQLKit

extension SQLStore {
    public func appendAudit(_ draft: AuditDraft) async throws -> AuditEvent {
        try await transaction { database in
            try await self.appendAudit(draft, in: database)
        }
    }

    /// Appends inside the caller's transaction, so the audited change and its event commit together.
    func appendAudit(_ draft: AuditDraft, in database: any SQLDatabase) async throws -> AuditEvent {
        // The head row is locked for the rest of the transaction: appends are serialised across processes.
        guard let head = try await rows(database, "SELECT seq, hash FROM audit_head WHERE id = 1 \(unsafeRaw: sql.forUpdate)").first else {
            throw StoreError("the audit chain's head row is missing; the database was altered outside Mogura")
        }
        let previousSequence = try head.int64("seq")
        guard let previousHash = ContentHash(hex: try head.string("hash")) else {
            throw StoreError("the audit chain's head hash is malformed; the database was altered outside Mogura")
        }
        let sequence = previousSequence + 1
        let hash = sha256(
            AuditEvent.hashInput(
                sequence: sequence, at: draft.at, actor: draft.actor, action: draft.action, objectType: draft.objectType,
                objectID: draft.objectID, details: draft.details, previousHash: previousHash))
        try await database.raw(
            """
            INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, details, prev_hash, hash)
            VALUES (\(bind: sequence), \(bind: draft.at.microseconds), \(bind: draft.actor), \(bind: draft.action),
                    \(bind: draft.objectType), \(bind: draft.objectID), \(bind: draft.details), \(bind: previousHash.hex), \(bind: hash.hex))
            """
        ).run()
        try await database.raw("UPDATE audit_head SET seq = \(bind: sequence), hash = \(bind: hash.hex) WHERE id = 1").run()
        return AuditEvent(
            sequence: sequence, at: draft.at, actor: draft.actor, action: draft.action, objectType: draft.objectType,
            objectID: draft.objectID, details: draft.details, previousHash: previousHash, hash: hash)
    }

    /// Appends several events in order inside the caller's transaction: one lock of the head, one multi-row insert.
    func appendAudits(_ drafts: [AuditDraft], in database: any SQLDatabase) async throws {
        guard !drafts.isEmpty else { return }
        guard let head = try await rows(database, "SELECT seq, hash FROM audit_head WHERE id = 1 \(unsafeRaw: sql.forUpdate)").first else {
            throw StoreError("the audit chain's head row is missing; the database was altered outside Mogura")
        }
        var sequence = try head.int64("seq")
        guard var previousHash = ContentHash(hex: try head.string("hash")) else {
            throw StoreError("the audit chain's head hash is malformed; the database was altered outside Mogura")
        }
        for batch in drafts.chunked(into: Self.insertBatch) {
            let insert = database.insert(into: "audit_events").columns(
                "seq", "at", "actor", "action", "object_type", "object_id", "details", "prev_hash", "hash")
            for draft in batch {
                sequence += 1
                let hash = sha256(
                    AuditEvent.hashInput(
                        sequence: sequence, at: draft.at, actor: draft.actor, action: draft.action, objectType: draft.objectType,
                        objectID: draft.objectID, details: draft.details, previousHash: previousHash))
                insert.values(
                    [
                        sequence, draft.at.microseconds, draft.actor, draft.action, draft.objectType, draft.objectID, draft.details,
                        previousHash.hex, hash.hex,
                    ] as [any Encodable & Sendable])
                previousHash = hash
            }
            try await insert.run()
        }
        try await database.raw("UPDATE audit_head SET seq = \(bind: sequence), hash = \(bind: previousHash.hex) WHERE id = 1").run()
    }

    public func auditEvents(after sequence: Int64, limit: Int) async throws -> [AuditEvent] {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT seq, at, actor, action, object_type, object_id, details, prev_hash, hash FROM audit_events
                WHERE seq > \(bind: sequence) ORDER BY seq LIMIT \(bind: limit)
                """
            ).map { row in
                AuditEvent(
                    sequence: try row.int64("seq"), at: try row.timestamp("at"), actor: try row.string("actor"),
                    action: try row.string("action"), objectType: try row.string("object_type"),
                    objectID: try row.string("object_id"), details: try row.string("details"),
                    previousHash: ContentHash(hex: try row.string("prev_hash")) ?? AuditEvent.genesisHash,
                    hash: ContentHash(hex: try row.string("hash")) ?? AuditEvent.genesisHash)
            }
        }
    }

    public func verifyAuditChain() async throws -> AuditVerification {
        var problems: [AuditVerification.Problem] = []
        var expected: Int64 = 1
        var previousHash = AuditEvent.genesisHash
        var checked: Int64 = 0
        var cursor: Int64 = 0
        // Keyset paging keeps memory flat however long the chain is.
        while true {
            let after = cursor
            let page = try await session { database in
                try await self.rows(
                    database,
                    """
                    SELECT seq, at, actor, action, object_type, object_id, details, prev_hash, hash FROM audit_events
                    WHERE seq > \(bind: after) ORDER BY seq LIMIT 5000
                    """
                ).map { row in
                    (
                        try row.int64("seq"), try row.int64("at"), try row.string("actor"), try row.string("action"),
                        try row.string("object_type"), try row.string("object_id"), try row.string("details"),
                        try row.string("prev_hash"), try row.string("hash")
                    )
                }
            }
            if page.isEmpty { break }
            for (sequence, at, actor, action, objectType, objectID, details, storedPrevious, storedHash) in page {
                checked += 1
                cursor = sequence
                if sequence != expected {
                    let missing = sequence - expected == 1 ? "event \(expected) is" : "events \(expected)–\(sequence - 1) are"
                    problems.append(.init(sequence: expected, reason: "missing: \(missing) not in the chain (deleted)"))
                }
                if storedPrevious != previousHash.hex {
                    problems.append(
                        .init(
                            sequence: sequence, reason: "does not follow the event before it: its previous-hash field differs from that event's hash")
                    )
                }
                let recomputed = sha256(
                    AuditEvent.hashInput(
                        sequence: sequence, at: Timestamp(microseconds: at), actor: actor, action: action, objectType: objectType,
                        objectID: objectID, details: details, previousHash: ContentHash(hex: storedPrevious) ?? AuditEvent.genesisHash))
                if recomputed.hex != storedHash {
                    problems.append(
                        .init(
                            sequence: sequence,
                            reason: "altered: its content no longer matches its hash (\(action) on \(objectType) \(objectID) by \(actor))"))
                }
                previousHash = ContentHash(hex: storedHash) ?? AuditEvent.genesisHash
                expected = sequence + 1
            }
        }
        let head = try await session { database in
            try await self.rows(database, "SELECT seq, hash FROM audit_head WHERE id = 1").first.map {
                (try $0.int64("seq"), try $0.string("hash"))
            }
        }
        if let (headSequence, headHash) = head {
            if headSequence > expected - 1 {
                problems.append(
                    .init(
                        sequence: expected,
                        reason: "missing: the chain ends at \(expected - 1) but \(headSequence) events were written (events deleted from the end)"))
            } else if headSequence == expected - 1 && headHash != previousHash.hex {
                problems.append(
                    .init(sequence: headSequence, reason: "altered: the last event's hash differs from the hash recorded when it was written"))
            } else if headSequence < expected - 1 {
                problems.append(.init(sequence: headSequence + 1, reason: "inserted: events after \(headSequence) were added outside Mogura"))
            }
        } else {
            problems.append(.init(sequence: 0, reason: "the chain's head row is missing"))
        }
        return AuditVerification(eventsChecked: checked, headHash: previousHash, problems: problems)
    }
}
