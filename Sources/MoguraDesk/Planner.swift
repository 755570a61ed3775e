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
        _ = try await transaction.enqueue(
            JobDraft(
                queue: Self.queue, payload: "{\"action\":\(id)}", runAt: action.dueAt, maxAttempts: maxAttempts, dedupeKey: "action:\(id)"))
    }

    /// The action id in a job's payload.
    public static func actionID(inPayload payload: String) -> Int64? {
        guard let colon = payload.firstIndex(of: ":") else { return nil }
        return Int64(payload[payload.index(after: colon)...].trimmingCharacters(in: .init(charactersIn: " }")))
    }
}
