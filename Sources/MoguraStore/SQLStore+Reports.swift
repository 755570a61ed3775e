import Foundation
public import MoguraCore
import SQLKit

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

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

    public func insertReports(_ reports: [Report], raw: [UInt8]?, actor: String) async throws -> [StoredReport] {
        try await transaction { database in
            let rawHash = try await raw.asyncMap { try await self.putBlob($0, in: database) }
            var results: [StoredReport] = []
            results.reserveCapacity(reports.count)
            var newCount = 0
            for var report in reports {
                if let rawHash { report.rawHash = rawHash }
                let inserted = try await self.rows(
                    database,
                    """
                    INSERT INTO reports (received_at, channel, reporter, raw_sha256, category, track, event_time, subject, case_id,
                        format, confidence, event_zone_assumed, language, message_id, parse_error, warnings, evidence, source, row_number,
                        dedupe_key)
                    VALUES (\(bind: report.receivedAt.microseconds), \(bind: report.channel.rawValue), \(bind: report.reporter),
                            \(bind: report.rawHash?.hex), \(bind: report.category.rawValue), \(bind: report.track.rawValue),
                            \(bind: report.eventTime?.microseconds), \(bind: report.subject), \(bind: report.caseID),
                            \(bind: report.format), \(bind: report.confidence), \(bind: report.eventTimeZoneAssumed ? 1 : 0),
                            \(bind: report.language), \(bind: report.messageID), \(bind: report.parseError),
                            \(bind: JSONText.encode(report.warnings)), \(bind: JSONText.encode(report.evidence)), \(bind: report.source),
                            \(bind: report.row), \(bind: report.dedupeKey))
                    ON CONFLICT DO NOTHING
                    RETURNING id
                    """)
                if let row = inserted.first {
                    let id = try row.int64("id")
                    report.id = id
                    let unique = Array(Set(report.indicators.map { [$0.kind, $0.value] }))
                    for batch in unique.chunked(into: Self.insertBatch) {
                        let insert = database.insert(into: "report_indicators").columns("report_id", "kind", "value")
                        for pair in batch { insert.values([id, pair[0], pair[1]] as [any Encodable & Sendable]) }
                        try await insert.run()
                    }
                    results.append(StoredReport(report: report, isNew: true))
                    newCount += 1
                } else {
                    // Already stored: by Message-ID and row, or by raw bytes and row.
                    var condition: SQLQueryString = "raw_sha256 = \(bind: report.rawHash?.hex ?? "") AND row_number = \(bind: report.row)"
                    if let key = report.dedupeKey { condition = "(dedupe_key = \(bind: key)) OR (" + condition + ")" }
                    guard let existing = try await self.reports(database, where: condition).first else {
                        throw StoreError("a report conflicted with a stored one that cannot be found")
                    }
                    results.append(StoredReport(report: existing, isNew: false))
                }
            }
            if newCount > 0 {
                _ = try await self.appendAudit(
                    AuditDraft(
                        actor: actor, action: "report.ingest", objectType: "report", objectID: results.first?.report.id.map(String.init) ?? "",
                        details: JSONText.encode([
                            "reports": String(newCount), "duplicates": String(reports.count - newCount),
                            "raw_sha256": rawHash?.hex ?? "", "source": reports.first?.source ?? "",
                        ])), in: database)
            }
            return results
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
            SELECT id, received_at, channel, reporter, raw_sha256, category, track, event_time, subject, case_id, format, confidence,
                   event_zone_assumed, language, message_id, parse_error, warnings, evidence, source, row_number FROM reports WHERE
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
                caseID: try row.optionalInt64("case_id"), format: try row.string("format"),
                confidence: try row.decode(column: "confidence", as: Double.self),
                eventTimeZoneAssumed: try row.int("event_zone_assumed") != 0, language: try row.optionalString("language"),
                messageID: try row.optionalString("message_id"), parseError: try row.optionalString("parse_error"),
                warnings: try JSONText.decode([String].self, from: try row.string("warnings")),
                evidence: try JSONText.decode([String: String].self, from: try row.string("evidence")),
                source: try row.string("source"), row: try row.int("row_number"))
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
