public import MoguraCore
public import MoguraStore

/// What staff do to cases: approve a step, resolve a case (planning the resume of a suspended service), send a
/// case in review back to the ladder, close it. Each is one audited transaction; the CLI (`mogura case`) and the
/// web UI call these.
public struct CaseDesk: Sendable {
    public var store: any Store
    public var playbooks: PlaybookSet
    public var planner: Planner

    /// Creates a desk.
    public init(store: any Store, playbooks: PlaybookSet, maxAttempts: Int = WorkerSettings().maxAttempts) {
        self.store = store
        self.playbooks = playbooks
        self.planner = Planner(maxAttempts: maxAttempts)
    }

    /// A mistake in a staff request: no such case, or not in a state that allows it.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    func playbook(for kase: Case) -> Playbook? {
        guard kase.track == .termsOfService else { return nil }
        return kase.playbook.flatMap { playbooks.named($0) } ?? playbooks.playbook(for: kase.category, track: kase.track)
    }

    /// Approves an action that waits for a person; it runs when due.
    @discardableResult
    public func approve(action id: Int64, by actor: String, at now: Timestamp) async throws -> Action {
        try await store.transaction { transaction in
            guard let current = try await transaction.action(id) else { throw Refusal("there is no action \(id)") }
            guard current.requiresApproval else { throw Refusal("action \(id) (\(current.kind)) does not need approval") }
            guard current.state == .planned, current.approvedBy == nil else {
                throw Refusal(
                    "action \(id) is \(current.state.rawValue)\(current.approvedBy.map { ", approved by \($0)" } ?? ""); nothing to approve")
            }
            guard let approved = try await transaction.approveAction(id, by: actor, at: now) else {
                throw Refusal("action \(id) changed while approving; look again")
            }
            try await planner.schedule(approved, in: transaction)
            return approved
        }
    }

    /// Skips a planned action (a person decides it should not run); the ladder goes on from the next step.
    @discardableResult
    public func skip(action id: Int64, by actor: String, at now: Timestamp) async throws -> Action {
        try await store.transaction { transaction in
            guard let current = try await transaction.action(id) else { throw Refusal("there is no action \(id)") }
            guard current.state == .planned || current.state == .approved else {
                throw Refusal("action \(id) is \(current.state.rawValue); only a planned action can be skipped")
            }
            try await transaction.updateAction(
                id, state: .skipped, attempts: current.attempts, lastError: nil, result: "skipped by \(actor)", doneAt: now, actor: actor)
            guard let kase = try await transaction.cases([current.caseID]).first, let caseID = kase.id else { return current }
            let actions = try await transaction.actions(ofCases: [caseID])[caseID] ?? []
            try await planner.apply(
                decide(case: kase, playbook: playbook(for: kase), actions: actions, now: now), caseID: caseID, in: transaction, now: now,
                actor: actor)
            var skipped = current
            skipped.state = .skipped
            return skipped
        }
    }

    /// Resolves a case: planned ladder steps are skipped, and a suspended service gets a resume action (approved
    /// at once when `approveResume`, automatically when the playbook allows, else waiting for approval).
    /// - Returns: the case and the resume action, if one was planned.
    @discardableResult
    public func resolve(case id: Int64, by actor: String, approveResume: Bool, at now: Timestamp) async throws -> (Case, Action?) {
        try await store.transaction { transaction in
            guard let kase = try await transaction.cases([id]).first else { throw Refusal("there is no case \(id)") }
            guard kase.state.isOpen else { throw Refusal("case \(id) is already \(kase.state.rawValue)") }
            guard let resolved = try await transaction.transition(case: id, from: kase.state, to: .resolved, at: now, actor: actor) else {
                throw Refusal("case \(id) changed while resolving; look again")
            }
            try await transaction.setDeadline(case: id, to: nil)
            let playbook = playbook(for: resolved)
            let actions = try await transaction.actions(ofCases: [id])[id] ?? []
            try await planner.apply(
                decide(case: resolved, playbook: playbook, actions: actions, now: now), caseID: id, in: transaction, now: now, actor: actor)
            guard let resume = resumeIfSuspended(case: resolved, playbook: playbook, actions: actions, now: now) else { return (resolved, nil) }
            let (stored, isNew) = try await transaction.insertAction(resume.action(caseID: id))
            guard isNew else { return (resolved, stored) }
            if stored.requiresApproval && approveResume, let storedID = stored.id,
                let approved = try await transaction.approveAction(storedID, by: actor, at: now)
            {
                try await planner.schedule(approved, in: transaction)
                return (resolved, approved)
            }
            if stored.isRunnable { try await planner.schedule(stored, in: transaction) }
            return (resolved, stored)
        }
    }

    /// Sends a case in review back to the ladder (the fix did not hold): it returns to the state its last done
    /// step left it in, and the stopped step is planned again.
    @discardableResult
    public func sendBack(case id: Int64, by actor: String, at now: Timestamp) async throws -> Case {
        try await store.transaction { transaction in
            guard let kase = try await transaction.cases([id]).first else { throw Refusal("there is no case \(id)") }
            guard kase.state == .review else { throw Refusal("case \(id) is \(kase.state.rawValue), not in review") }
            let actions = try await transaction.actions(ofCases: [id])[id] ?? []
            let done = Set(actions.filter { $0.state == .done }.map(\.kind))
            let target: CaseState =
                done.contains(where: \.isSuspension)
                ? .suspended : done.contains(.warn) ? .awaitingCustomer : done.contains(.notify) ? .notified : .triaged
            guard let moved = try await transaction.transition(case: id, from: .review, to: target, at: now, actor: actor) else {
                throw Refusal("case \(id) changed; look again")
            }
            try await planner.apply(
                decide(case: moved, playbook: playbook(for: moved), actions: actions, now: now), caseID: id, in: transaction, now: now, actor: actor)
            return moved
        }
    }

    /// Closes a resolved (or any open) case for good; planned steps are skipped.
    @discardableResult
    public func close(case id: Int64, by actor: String, at now: Timestamp) async throws -> Case {
        try await store.transaction { transaction in
            guard let kase = try await transaction.cases([id]).first else { throw Refusal("there is no case \(id)") }
            guard kase.state != .closed else { throw Refusal("case \(id) is already closed") }
            guard let moved = try await transaction.transition(case: id, from: kase.state, to: .closed, at: now, actor: actor) else {
                throw Refusal("case \(id) changed; look again")
            }
            let actions = try await transaction.actions(ofCases: [id])[id] ?? []
            try await planner.apply(
                decide(case: moved, playbook: playbook(for: moved), actions: actions, now: now), caseID: id, in: transaction, now: now, actor: actor)
            return moved
        }
    }

    /// Marks a case as answered by its customer ("fixed", from the portal): open cases move to review.
    @discardableResult
    public func customerSaysFixed(token: String, by actor: String, at now: Timestamp) async throws -> Case {
        try await store.transaction { transaction in
            guard let kase = try await transaction.caseByToken(token), let id = kase.id else { throw Refusal("no case has that token") }
            guard kase.state.isOpen, kase.state != .review else { return kase }
            guard let moved = try await transaction.transition(case: id, from: kase.state, to: .review, at: now, actor: actor) else {
                throw Refusal("case \(id) changed; look again")
            }
            let actions = try await transaction.actions(ofCases: [id])[id] ?? []
            try await planner.apply(
                decide(case: moved, playbook: playbook(for: moved), actions: actions, now: now), caseID: id, in: transaction, now: now, actor: actor)
            return moved
        }
    }
}
