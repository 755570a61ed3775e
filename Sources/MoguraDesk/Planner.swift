import Foundation
public import MoguraCore
public import MoguraStore

/// Stores what ``decide(case:playbook:actions:now:)`` wants, inside the caller's transaction: new actions, and a
/// durable job for each one that may run (approved, or needing no approval), due when the action is.
public struct Planner: Sendable {
    /// The queue action jobs wait in.
    public static let queue = "actions"

    /// Attempts per action before it fails for good.
    public var maxAttempts: Int

    /// Creates a planner.
    public init(maxAttempts: Int) {
        self.maxAttempts = maxAttempts
    }

    /// Applies a decision: skips what is no longer wanted, stores what is planned.
    /// - Returns: the number of new actions.
    @discardableResult
    public func apply(
        _ decision: Decision, caseID: Int64, in transaction: any StoreTransaction, now: Timestamp, actor: String
    ) async throws
        -> Int
    {
        for id in decision.skip {
            try await transaction.updateAction(
                id, state: .skipped, attempts: 0, lastError: nil, result: Decision.stoppedResult, doneAt: now, actor: actor)
        }
        var planned = 0
        for action in decision.plan {
            if try await plan(action, caseID: caseID, in: transaction) { planned += 1 }
        }
        return planned
    }

    /// Applies many cases' decisions and extra planned actions (acknowledgements) at once: one multi-row insert
    /// of actions and one of jobs.
    /// - Returns: the number of new actions.
    @discardableResult
    public func apply(
        decisions: [(caseID: Int64, decision: Decision)], extra: [(caseID: Int64, action: PlannedAction)] = [],
        in transaction: any StoreTransaction, now: Timestamp, actor: String
    ) async throws -> Int {
        for (_, decision) in decisions {
            for id in decision.skip {
                try await transaction.updateAction(
                    id, state: .skipped, attempts: 0, lastError: nil, result: Decision.stoppedResult, doneAt: now, actor: actor)
            }
        }
        let planned =
            extra.map { $0.action.action(caseID: $0.caseID) }
            + decisions.flatMap { item in item.decision.plan.map { $0.action(caseID: item.caseID) } }
        guard !planned.isEmpty else { return 0 }
        let stored = try await transaction.insertActions(planned)
        let jobs = stored.compactMap { action, isNew -> JobDraft? in
            guard isNew, action.isRunnable, let id = action.id else { return nil }
            return job(for: id, dueAt: action.dueAt)
        }
        try await transaction.enqueue(jobs)
        return stored.filter(\.isNew).count
    }

    func job(for id: Int64, dueAt: Timestamp) -> JobDraft {
        JobDraft(queue: Self.queue, payload: "{\"action\":\(id)}", runAt: dueAt, maxAttempts: maxAttempts, dedupeKey: "action:\(id)")
    }

    /// Stores one planned action; true when it is new.
    @discardableResult
    public func plan(_ planned: PlannedAction, caseID: Int64, in transaction: any StoreTransaction) async throws -> Bool {
        let (action, isNew) = try await transaction.insertAction(planned.action(caseID: caseID))
        if isNew && action.isRunnable { try await schedule(action, in: transaction) }
        return isNew
    }

    /// The job that runs an action when it is due (idempotent: one job per action).
    public func schedule(_ action: Action, in transaction: any StoreTransaction) async throws {
        guard let id = action.id else { return }
        _ = try await transaction.enqueue(job(for: id, dueAt: action.dueAt))
    }

    /// The action id in a job's payload.
    public static func actionID(inPayload payload: String) -> Int64? {
        guard let colon = payload.firstIndex(of: ":") else { return nil }
        return Int64(payload[payload.index(after: colon)...].trimmingCharacters(in: .init(charactersIn: " }")))
    }
}
