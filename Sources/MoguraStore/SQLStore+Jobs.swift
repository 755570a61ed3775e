public import MoguraCore
import SQLKit

extension SQLStore {
    public func enqueue(_ job: JobDraft) async throws -> Job {
        try await transaction { try await SQLTransaction(store: self, database: $0).enqueue(job) }
    }

    public func claimJobs(queue: String, limit: Int, worker: String, lease: Duration, now: Timestamp) async throws -> [Job] {
        let leaseMicroseconds = lease.components.seconds * 1_000_000 + lease.components.attoseconds / 1_000_000_000_000
        let until = now.microseconds + leaseMicroseconds
        return try await transaction { database in
            // Due: ready and its time has come, or running under a lease that ran out (its worker died).
            try await self.rows(
                database,
                """
                UPDATE jobs SET state = 'running', locked_by = \(bind: worker), locked_until = \(bind: until), attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE queue = \(bind: queue)
                      AND ((state = 'ready' AND run_at <= \(bind: now.microseconds))
                           OR (state = 'running' AND locked_until < \(bind: now.microseconds)))
                    ORDER BY run_at, id
                    LIMIT \(bind: limit)
                    \(unsafeRaw: self.sql.skipLocked))
                RETURNING \(unsafeRaw: Self.jobFields)
                """
            ).map(Self.job(from:)).sorted { ($0.runAt, $0.id) < ($1.runAt, $1.id) }
        }
    }

    public func completeJob(_ id: Int64, worker: String, at time: Timestamp) async throws -> Bool {
        try await transaction { try await $0.completeJob(id, worker: worker, at: time) }
    }

    public func failJob(_ id: Int64, worker: String, error: String, retryAt: Timestamp?, at time: Timestamp) async throws -> Bool {
        try await transaction { try await $0.failJob(id, worker: worker, error: error, retryAt: retryAt, at: time) }
    }

    public func job(_ id: Int64) async throws -> Job? {
        try await session { database in
            try await self.rows(database, "SELECT \(unsafeRaw: Self.jobFields) FROM jobs WHERE id = \(bind: id)").first.map(Self.job(from:))
        }
    }

    static let jobFields = "id, queue, payload, state, run_at, attempts, max_attempts, locked_by, locked_until, last_error, dedupe_key"

    static func job(from row: any SQLRow) throws -> Job {
        Job(
            id: try row.int64("id"), queue: try row.string("queue"), payload: try row.string("payload"),
            state: try row.value("state", as: Job.State.self), runAt: try row.timestamp("run_at"),
            attempts: try row.int("attempts"), maxAttempts: try row.int("max_attempts"),
            lockedBy: try row.optionalString("locked_by"), lockedUntil: try row.optionalTimestamp("locked_until"),
            lastError: try row.optionalString("last_error"), dedupeKey: try row.optionalString("dedupe_key"))
    }
}
