import Foundation
public import MoguraCore
public import MoguraStore

/// The retention purge, run as a job (`mogura legal purge` from cron): raw reports older than the retention period
/// are replaced by tombstones (the hash and the audit event stay, the bytes go), except those a preservation hold
/// covers — a hold in force whose window holds the report's time and whose subscriber (the customer of the report's
/// case) and indicator (one the report names), where it names them, match. What it purges and what it skips because of a hold are both audited.
public struct RetentionPurge: Sendable {
    public var store: any LegalRecordStore
    /// Raw reports older than this many days are purged.
    public var reportRetentionDays: Int
    public var actor = "retention-purge"

    public init(store: any LegalRecordStore, reportRetentionDays: Int) {
        self.store = store
        self.reportRetentionDays = reportRetentionDays
    }

    /// Subscribers' personal data of a closed request is deleted this many days after it closed (`legal-track.md`
    /// §9.8: closure + 1 year), and their names in the request become customer ids; nil leaves it.
    public var subjectRetentionDays: Int? = 365

    public struct Summary: Hashable, Sendable {
        public var examined = 0
        public var purged = 0
        public var held = 0
        /// Closed requests whose subscriber data went, and those kept because a hold of theirs is in force.
        public var requestsReduced = 0
        public var requestsHeld = 0
    }

    /// Purges what is due at `now`; with `dryRun`, only counts.
    public func run(now: Timestamp, dryRun: Bool = false, pageSize: Int = 10_000) async throws -> Summary {
        let cutoff = now.adding(seconds: -Int64(reportRetentionDays) * 86_400)
        let holds = try await store.legalHolds(requestID: nil).filter { $0.isActive(at: now) && $0.sources.contains("reports") }
        var summary = Summary()
        var heldHashes: [String] = []
        var cursor: (Timestamp, String)?
        var page: [PurgeCandidate] = []
        repeat {
            page = try await store.purgeCandidates(receivedBefore: cutoff, after: cursor, limit: pageSize)
            cursor = page.last.map { ($0.newest, $0.hash.hex) }
            try await purge(page, holds: holds, dryRun: dryRun, summary: &summary, held: &heldHashes)
        } while page.count == pageSize
        if let subjectRetentionDays { try await reduceClosedRequests(olderThan: subjectRetentionDays, now: now, dryRun: dryRun, summary: &summary) }
        let details =
            "{\"dry_run\":\(dryRun),\"examined\":\(summary.examined),\"purged\":\(summary.purged),\"held\":\(summary.held),"
            + "\"requests_reduced\":\(summary.requestsReduced),\"requests_held\":\(summary.requestsHeld)}"
        _ = try await store.appendAudit(AuditDraft(at: now, actor: actor, action: "retention.purge", objectType: "blob", details: details))
        if !heldHashes.isEmpty {
            _ = try await store.appendAudit(
                AuditDraft(
                    at: now, actor: actor, action: "retention.skip-held", objectType: "blob",
                    details: try LegalDesk.json(["blobs": heldHashes.prefix(1_000).joined(separator: " ")])))
        }
        return summary
    }

    func purge(
        _ candidates: [PurgeCandidate], holds: [LegalHoldRow], dryRun: Bool, summary: inout Summary, held heldHashes: inout [String]
    )
        async throws
    {
        for candidate in candidates {
            summary.examined += 1
            let isHeld = holds.contains { $0.covers(candidate) }
            if isHeld {
                summary.held += 1
                heldHashes.append(candidate.hash.hex)
                continue
            }
            if !dryRun { try await store.tombstoneBlob(candidate.hash, reason: "retention: older than \(reportRetentionDays) days", actor: actor) }
            summary.purged += 1
        }
    }

    /// Closed requests older than the period: their stored subscriber data deleted and the names they keep
    /// replaced by customer ids, unless a hold of theirs is in force. Documents already sent stay (closure + 5 years).
    func reduceClosedRequests(olderThan days: Int, now: Timestamp, dryRun: Bool, summary: inout Summary) async throws {
        let cutoff = now.adding(seconds: -Int64(days) * 86_400)
        // Held: a hold of the request itself, or any hold in force on one of its subscribers (another request's
        // erasure prohibition or police preservation).
        let active = try await store.legalHolds(requestID: nil).filter { $0.isActive(at: now) }
        let heldRequests = Set(active.map(\.requestID))
        let heldCustomers = Set(active.compactMap(\.customerID))
        for row in try await store.legalRequests(includeClosed: true, limit: 1_000_000) where row.updatedAt < cutoff {
            guard let id = row.id else { continue }
            let request = try JSONDecoder().decode(LegalRequest.self, from: Data(row.payload.utf8))
            guard request.isClosed else { continue }
            let subjects = try await store.legalSubjectCustomers(requestID: id)
            let named = request.subscriberNames.contains { $0.key != $0.value }
            guard named || !subjects.isEmpty else { continue }
            if heldRequests.contains(id) || request.subscriberNames.keys.contains(where: heldCustomers.contains)
                || subjects.contains(where: heldCustomers.contains)
            {
                summary.requestsHeld += 1
                continue
            }
            summary.requestsReduced += 1
            if dryRun { continue }
            var reduced = request
            reduced.subscriberNames = Dictionary(uniqueKeysWithValues: request.subscriberNames.keys.map { ($0, $0) })
            _ = try await store.purgeLegalSubjects(
                requestID: id, number: request.number, expectedPayload: row.payload, payload: try LegalDesk.json(reduced), actor: actor, at: now)
        }
    }
}
