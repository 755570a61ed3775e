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
        try await session { database in try await self.blob(hash, in: database) }
    }

    func blob(_ hash: ContentHash, in database: any SQLDatabase) async throws -> BlobContent {
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
                    // Distinct indicators in the order intake found them.
                    var seen = Set<[String]>()
                    let unique = report.indicators.map { [$0.kind, $0.value] }.filter { seen.insert($0).inserted }
                    for (batchNumber, batch) in unique.chunked(into: Self.insertBatch).enumerated() {
                        let insert = database.insert(into: "report_indicators").columns("report_id", "kind", "value", "position")
                        for (offset, pair) in batch.enumerated() {
                            insert.values([id, pair[0], pair[1], batchNumber * Self.insertBatch + offset] as [any Encodable & Sendable])
                        }
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

    func reports(_ database: any SQLDatabase, where condition: SQLQueryString) async throws -> [Report] {
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
                warnings: try JSONText.decodeList(try row.string("warnings")),
                evidence: try JSONText.decodeMap(try row.string("evidence")),
                source: try row.string("source"), row: try row.int("row_number"))
        }
        guard !reports.isEmpty else { return [] }
        let ids = reports.compactMap(\.id)
        var indicators: [Int64: [Indicator]] = [:]
        for row in try await rows(
            database,
            """
            SELECT report_id, kind, value FROM report_indicators WHERE report_id IN (\(binds: ids)) ORDER BY report_id, position, kind, value
            """)
        {
            indicators[try row.int64("report_id"), default: []].append(try Indicator(kind: try row.string("kind"), value: try row.string("value")))
        }
        for index in reports.indices { reports[index].indicators = indicators[reports[index].id ?? 0] ?? [] }
        return reports
    }
}
