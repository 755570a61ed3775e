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

    public struct Summary: Hashable, Sendable {
        public var examined = 0
        public var purged = 0
        public var held = 0
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
        let details = "{\"dry_run\":\(dryRun),\"examined\":\(summary.examined),\"purged\":\(summary.purged),\"held\":\(summary.held)}"
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
}
