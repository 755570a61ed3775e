import Foundation
public import MoguraCore
import SQLKit

extension SQLStore {
    // MARK: Blobs

    public func putBlob(_ bytes: [UInt8]) async throws -> ContentHash {
        try await transaction { database in try await self.putBlob(bytes, in: database) }
    }

    func putBlob(_ bytes: [UInt8], in database: any SQLDatabase) async throws -> ContentHash {
        let hash = sha256(bytes)
        try await database.raw(
            """
            INSERT INTO blobs (sha256, size, data, stored_at) VALUES (\(bind: hash.hex), \(bind: Int64(bytes.count)),
                \(bind: Data(bytes)), \(bind: Timestamp.now().microseconds))
            ON CONFLICT (sha256) DO NOTHING
            """
        ).run()
        return hash
    }

    public func blob(_ hash: ContentHash) async throws -> BlobContent {
        try await session { database in
            guard
                let row = try await self.rows(
                    database,
                    """
                    SELECT data, tombstoned_at, tombstone_reason FROM blobs WHERE sha256 = \(bind: hash.hex)
                    """
                ).first
            else { return .missing }
            if let at = try row.optionalTimestamp("tombstoned_at") {
                return .tombstoned(reason: try row.optionalString("tombstone_reason") ?? "", at: at)
            }
            let data = try row.decode(column: "data", as: Data?.self) ?? Data()
            return .present([UInt8](data))
        }
    }

    public func tombstoneBlob(_ hash: ContentHash, reason: String, actor: String) async throws {
        try await transaction { database in
            let updated = try await self.rows(
                database,
                """
                UPDATE blobs SET data = NULL, tombstoned_at = \(bind: Timestamp.now().microseconds), tombstone_reason = \(bind: reason)
                WHERE sha256 = \(bind: hash.hex) AND tombstoned_at IS NULL RETURNING sha256
                """)
            guard !updated.isEmpty else { throw StoreError("no stored blob \(hash.hex) to purge (missing or already purged)") }
            _ = try await self.appendAudit(
                AuditDraft(
                    actor: actor, action: "blob.tombstone", objectType: "blob", objectID: hash.hex,
                    details: JSONText.encode(["reason": reason])), in: database)
        }
    }

    // MARK: Reports

    public func insertReport(_ report: Report, raw: [UInt8]?) async throws -> Report {
        try await transaction { database in
            var stored = report
            if let raw { stored.rawHash = try await self.putBlob(raw, in: database) }
            guard
                let row = try await self.rows(
                    database,
                    """
                    INSERT INTO reports (received_at, channel, reporter, raw_sha256, category, track, event_time, subject, case_id)
                    VALUES (\(bind: stored.receivedAt.microseconds), \(bind: stored.channel.rawValue), \(bind: stored.reporter),
                            \(bind: stored.rawHash?.hex), \(bind: stored.category.rawValue), \(bind: stored.track.rawValue),
                            \(bind: stored.eventTime?.microseconds), \(bind: stored.subject), \(bind: stored.caseID))
                    RETURNING id
                    """
                ).first
            else { throw StoreError("the database returned no id for a new report") }
            let id = try row.int64("id")
            stored.id = id
            let unique = Array(Set(stored.indicators.map { [$0.kind, $0.value] }))
            for batch in unique.chunked(into: Self.insertBatch) {
                let insert = database.insert(into: "report_indicators").columns("report_id", "kind", "value")
                for pair in batch { insert.values([id, pair[0], pair[1]] as [any Encodable & Sendable]) }
                try await insert.run()
            }
            return stored
        }
    }

    public func report(_ id: Int64) async throws -> Report? {
        try await session { database in
            try await self.reports(database, where: "id = \(bind: id)").first
        }
    }

    public func reports(inCase caseID: Int64) async throws -> [Report] {
        try await session { database in
            try await self.reports(database, where: "case_id = \(bind: caseID)")
        }
    }

    private func reports(_ database: any SQLDatabase, where condition: SQLQueryString) async throws -> [Report] {
        var query: SQLQueryString = """
            SELECT id, received_at, channel, reporter, raw_sha256, category, track, event_time, subject, case_id FROM reports WHERE
            """
        query.appendLiteral(" ")
        query.appendInterpolation(condition)
        query.appendLiteral(" ORDER BY id")
        var reports = try await rows(database, query).map { row in
            Report(
                id: try row.int64("id"), receivedAt: try row.timestamp("received_at"),
                channel: ReportChannel(rawValue: try row.string("channel")), reporter: try row.optionalString("reporter"),
                rawHash: try row.optionalString("raw_sha256").flatMap { ContentHash(hex: $0) },
                category: try row.value("category", as: MoguraCore.Category.self), track: try row.value("track", as: Track.self),
                eventTime: try row.optionalTimestamp("event_time"), subject: try row.string("subject"),
                caseID: try row.optionalInt64("case_id"))
        }
        guard !reports.isEmpty else { return [] }
        let ids = reports.compactMap(\.id)
        var indicators: [Int64: [Indicator]] = [:]
        for row in try await rows(
            database,
            """
            SELECT report_id, kind, value FROM report_indicators WHERE report_id IN (\(binds: ids)) ORDER BY kind, value
            """)
        {
            indicators[try row.int64("report_id"), default: []].append(try Indicator(kind: try row.string("kind"), value: try row.string("value")))
        }
        for index in reports.indices { reports[index].indicators = indicators[reports[index].id ?? 0] ?? [] }
        return reports
    }

    // MARK: Cases

    public func insertCase(_ newCase: Case, actor: String) async throws -> Case {
        try await transaction { database in
            guard
                let row = try await self.rows(
                    database,
                    """
                    INSERT INTO cases (track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee)
                    VALUES (\(bind: newCase.track.rawValue), \(bind: newCase.category.rawValue), \(bind: newCase.subject.kind),
                            \(bind: newCase.subject.key), \(bind: newCase.customerID), \(bind: newCase.state.rawValue),
                            \(bind: newCase.openedAt.microseconds), \(bind: newCase.updatedAt.microseconds),
                            \(bind: newCase.deadline?.microseconds), \(bind: newCase.assignee))
                    RETURNING id
                    """
                ).first
            else { throw StoreError("the database returned no id for a new case") }
            var stored = newCase
            stored.id = try row.int64("id")
            _ = try await self.appendAudit(
                AuditDraft(
                    at: newCase.openedAt, actor: actor, action: "case.open", objectType: "case", objectID: String(stored.id ?? 0),
                    details: JSONText.encode([
                        "track": newCase.track.rawValue, "category": newCase.category.rawValue, "subject": newCase.subject.description,
                    ])), in: database)
            return stored
        }
    }

    public func `case`(_ id: Int64) async throws -> Case? {
        try await session { database in
            try await self.rows(database, "\(unsafeRaw: Self.caseColumns) WHERE id = \(bind: id)").first.map(Self.case(from:))
        }
    }

    public func openCase(subject: CaseSubject, category: MoguraCore.Category, track: Track, updatedSince since: Timestamp) async throws -> Case? {
        let closed = [CaseState.resolved.rawValue, CaseState.closed.rawValue]
        return try await session { database in
            try await self.rows(
                database,
                """
                \(unsafeRaw: Self.caseColumns) WHERE subject_kind = \(bind: subject.kind) AND subject_key = \(bind: subject.key)
                AND category = \(bind: category.rawValue) AND track = \(bind: track.rawValue)
                AND state NOT IN (\(binds: closed)) AND updated_at >= \(bind: since.microseconds)
                ORDER BY id DESC LIMIT 1
                """
            ).first.map(Self.case(from:))
        }
    }

    public func attach(report reportID: Int64, toCase caseID: Int64, at time: Timestamp) async throws {
        try await transaction { database in
            let updated = try await self.rows(database, "UPDATE reports SET case_id = \(bind: caseID) WHERE id = \(bind: reportID) RETURNING id")
            guard !updated.isEmpty else { throw StoreError("no report \(reportID)") }
            try await database.raw(
                "UPDATE cases SET updated_at = \(bind: time.microseconds) WHERE id = \(bind: caseID) AND updated_at < \(bind: time.microseconds)"
            ).run()
        }
    }

    public func transition(case caseID: Int64, from: CaseState, to: CaseState, at time: Timestamp, actor: String) async throws -> Case? {
        guard from.canMove(to: to) else {
            throw StoreError("a case cannot move from \(from.rawValue) to \(to.rawValue)")
        }
        return try await transaction { database in
            guard
                let row = try await self.rows(
                    database,
                    """
                    UPDATE cases SET state = \(bind: to.rawValue), updated_at = \(bind: time.microseconds)
                    WHERE id = \(bind: caseID) AND state = \(bind: from.rawValue)
                    RETURNING id, track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee
                    """
                ).first
            else { return nil }
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "case.state", objectType: "case", objectID: String(caseID),
                    details: JSONText.encode(["from": from.rawValue, "to": to.rawValue])), in: database)
            return try Self.case(from: row)
        }
    }

    static let caseColumns =
        "SELECT id, track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee FROM cases"

    static func `case`(from row: any SQLRow) throws -> Case {
        let kind = try row.string("subject_kind")
        let key = try row.string("subject_key")
        guard let subject = CaseSubject(kind: kind, key: key) else {
            throw StoreError("case subject kind \"\(kind)\" is unknown to this version of mogura")
        }
        return Case(
            id: try row.int64("id"), track: try row.value("track", as: Track.self),
            category: try row.value("category", as: MoguraCore.Category.self), subject: subject,
            customerID: try row.optionalString("customer_id"), state: try row.value("state", as: CaseState.self),
            openedAt: try row.timestamp("opened_at"), updatedAt: try row.timestamp("updated_at"),
            deadline: try row.optionalTimestamp("deadline"), assignee: try row.optionalString("assignee"))
    }

    // MARK: Actions

    public func insertAction(_ action: Action) async throws -> Action {
        try await transaction { database in
            let now = Timestamp.now().microseconds
            let inserted = try await self.rows(
                database,
                """
                INSERT INTO actions (case_id, kind, state, due_at, idempotency_key, attempts, last_error, created_at, updated_at)
                VALUES (\(bind: action.caseID), \(bind: action.kind.rawValue), \(bind: action.state.rawValue),
                        \(bind: action.dueAt.microseconds), \(bind: action.idempotencyKey), \(bind: action.attempts),
                        \(bind: action.lastError), \(bind: now), \(bind: now))
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING \(unsafeRaw: Self.actionFields)
                """)
            if let row = inserted.first { return try Self.action(from: row) }
            guard
                let row = try await self.rows(
                    database,
                    """
                    SELECT \(unsafeRaw: Self.actionFields) FROM actions WHERE idempotency_key = \(bind: action.idempotencyKey)
                    """
                ).first
            else { throw StoreError("action \(action.idempotencyKey) is neither new nor stored") }
            return try Self.action(from: row)
        }
    }

    public func actions(inCase caseID: Int64) async throws -> [Action] {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT \(unsafeRaw: Self.actionFields) FROM actions WHERE case_id = \(bind: caseID) ORDER BY due_at, id
                """
            ).map(Self.action(from:))
        }
    }

    public func updateAction(_ id: Int64, state: ActionState, attempts: Int, lastError: String?, at time: Timestamp) async throws {
        try await transaction { database in
            let updated = try await self.rows(
                database,
                """
                UPDATE actions SET state = \(bind: state.rawValue), attempts = \(bind: attempts), last_error = \(bind: lastError),
                       updated_at = \(bind: time.microseconds)
                WHERE id = \(bind: id) RETURNING id
                """)
            guard !updated.isEmpty else { throw StoreError("no action \(id)") }
        }
    }

    static let actionFields = "id, case_id, kind, state, due_at, idempotency_key, attempts, last_error"

    static func action(from row: any SQLRow) throws -> Action {
        Action(
            id: try row.int64("id"), caseID: try row.int64("case_id"), kind: ActionKind(rawValue: try row.string("kind")),
            state: try row.value("state", as: ActionState.self), dueAt: try row.timestamp("due_at"),
            idempotencyKey: try row.string("idempotency_key"), attempts: try row.int("attempts"),
            lastError: try row.optionalString("last_error"))
    }
}
