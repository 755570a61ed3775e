public import MoguraCore
import SQLKit

/// The operations the desk composes inside one transaction: correlate reports into cases, decide, plan actions
/// and their jobs, record the outcome — all committed together or not at all.
public protocol StoreTransaction: Sendable {
    /// Serialises transactions that take the same named lock across processes (PostgreSQL advisory lock; SQLite's
    /// single writer already serialises).
    func lock(_ name: String) async throws

    /// Reports not yet correlated, oldest first.
    func uncorrelatedReports(limit: Int) async throws -> [Report]
    /// Attaches reports to a case, marks them correlated and bumps the case's `updatedAt`.
    func attach(reports: [Int64], toCase caseID: Int64, at time: Timestamp) async throws
    /// Attaches groups of reports to their cases at once (one statement per few hundred reports).
    func attach(_ groups: [(caseID: Int64, reports: [Int64])], at time: Timestamp) async throws
    /// Marks reports correlated without a case: they wait in triage for a person, with the reason.
    func triage(reports: [Int64], reason: String, at time: Timestamp) async throws

    /// Opens a case (a token is made when it has none) and audits it.
    func insertCase(_ newCase: Case, actor: String) async throws -> Case
    /// Opens several cases at once (tokens made where missing), each audited; returned in input order.
    func insertCases(_ newCases: [Case], actor: String) async throws -> [Case]
    /// For each key, the case a new report belongs to (as ``findCase(subject:category:track:updatedSince:resolvedSince:)``),
    /// in two queries for all keys.
    func findCases(_ keys: [CaseKey], updatedSince: Timestamp, resolvedSince: Timestamp) async throws -> [CaseKey: Case]
    /// Cases by id.
    func cases(_ ids: [Int64]) async throws -> [Case]
    /// The case a mail token belongs to.
    func caseByToken(_ token: String) async throws -> Case?
    /// The case a new report with this subject, category and track belongs to: the newest open one updated at or
    /// after `updatedSince`, else the newest resolved one resolved at or after `resolvedSince` (to reopen).
    func findCase(
        subject: CaseSubject, category: MoguraCore.Category, track: Track, updatedSince: Timestamp, resolvedSince: Timestamp
    )
        async throws -> Case?
    /// Moves a case from `from` to `to` if it is still in `from`; audited. Nil if it was not in `from`.
    func transition(case caseID: Int64, from: CaseState, to: CaseState, at time: Timestamp, actor: String) async throws -> Case?

    /// The actions of cases, by case id.
    func actions(ofCases ids: [Int64]) async throws -> [Int64: [Action]]
    /// The playbook steps of cases (actions with a step), by case id: what ``decide`` needs, without the
    /// acknowledgements a busy case collects.
    func ladderActions(ofCases ids: [Int64]) async throws -> [Int64: [Action]]
    /// An action by id.
    func action(_ id: Int64) async throws -> Action?
    /// Stores an action; one with the same idempotency key is returned instead, with `false`.
    func insertAction(_ action: Action) async throws -> (Action, isNew: Bool)
    /// Stores several actions (as ``insertAction(_:)``), in input order.
    func insertActions(_ actions: [Action]) async throws -> [(Action, isNew: Bool)]
    /// Records an action's new state (and attempts, error, result, time done); audited when it is done, failed,
    /// skipped or approved.
    func updateAction(
        _ id: Int64, state: ActionState, attempts: Int, lastError: String?, result: String?, doneAt: Timestamp?, actor: String)
        async throws
    /// Approves an action that needs a person's approval; audited.
    func approveAction(_ id: Int64, by actor: String, at time: Timestamp) async throws -> Action?

    /// Sets or clears a case's next deadline.
    func setDeadline(case caseID: Int64, to deadline: Timestamp?) async throws

    /// Customers by id.
    func customers(_ ids: [String]) async throws -> [Customer]
    /// The reports of a case, oldest first, at most `limit`.
    func reports(inCase caseID: Int64, limit: Int) async throws -> [Report]
    /// Reports by id.
    func reports(_ ids: [Int64]) async throws -> [Report]
    /// How many reports a case has.
    func reportCount(inCase caseID: Int64) async throws -> Int
    /// The raw bytes of a report, when stored and not purged.
    func raw(_ hash: ContentHash) async throws -> [UInt8]?

    /// Adds durable work (idempotent by dedupe key).
    func enqueue(_ job: JobDraft) async throws -> Job
    /// Adds several jobs (idempotent by dedupe key).
    func enqueue(_ jobs: [JobDraft]) async throws
    /// Marks a claimed job done; false if `worker` no longer holds it.
    func completeJob(_ id: Int64, worker: String, at time: Timestamp) async throws -> Bool
    /// Records a failed attempt of a claimed job: due again at `retryAt`, or failed for good when `retryAt` is nil
    /// or its attempts are used up; false if `worker` no longer holds it.
    func failJob(_ id: Int64, worker: String, error: String, retryAt: Timestamp?, at time: Timestamp) async throws -> Bool
    /// Appends to the audit chain.
    func appendAudit(_ draft: AuditDraft) async throws -> AuditEvent
}

extension Store {
    /// A case by its mail token.
    public func caseByToken(_ token: String) async throws -> Case? {
        try await transaction { try await $0.caseByToken(token) }
    }
}

/// The SQL implementation of ``StoreTransaction`` over one database session.
struct SQLTransaction: StoreTransaction {
    let store: SQLStore
    let database: any SQLDatabase

    func rows(_ query: SQLQueryString) async throws -> [any SQLRow] {
        try await database.raw(query).all()
    }

    func lock(_ name: String) async throws {
        guard store.engine == .postgres else { return }
        var hash: Int64 = 1_469_598_103_934_665_603 &- 1
        for byte in name.utf8 { hash = (hash ^ Int64(byte)) &* 1_099_511_628_211 }
        try await database.raw("SELECT pg_advisory_xact_lock(\(bind: hash))").run()
    }

    // MARK: Reports

    func uncorrelatedReports(limit: Int) async throws -> [Report] {
        let ids = try await rows("SELECT id FROM reports WHERE correlated_at IS NULL ORDER BY id LIMIT \(bind: limit)").map { try $0.int64("id") }
        guard !ids.isEmpty else { return [] }
        return try await store.reports(database, where: "id IN (\(binds: ids))")
    }

    func attach(reports: [Int64], toCase caseID: Int64, at time: Timestamp) async throws {
        for batch in reports.chunked(into: SQLStore.insertBatch) {
            try await database.raw(
                "UPDATE reports SET case_id = \(bind: caseID), correlated_at = \(bind: time.microseconds), triage_reason = NULL WHERE id IN (\(binds: Array(batch)))"
            ).run()
        }
        try await database.raw(
            "UPDATE cases SET updated_at = \(bind: time.microseconds) WHERE id = \(bind: caseID) AND updated_at < \(bind: time.microseconds)"
        ).run()
    }

    func attach(_ groups: [(caseID: Int64, reports: [Int64])], at time: Timestamp) async throws {
        let pairs = groups.flatMap { group in group.reports.map { ($0, group.caseID) } }
        for batch in pairs.chunked(into: SQLStore.insertBatch) {
            var values: SQLQueryString = ""
            for (index, pair) in batch.enumerated() {
                values.appendInterpolation(
                    index == 0 ? "(\(bind: pair.0), \(bind: pair.1))" as SQLQueryString : ", (\(bind: pair.0), \(bind: pair.1))")
            }
            try await database.raw(
                """
                UPDATE reports SET case_id = v.column2, correlated_at = \(bind: time.microseconds), triage_reason = NULL
                FROM (VALUES \(values)) AS v WHERE reports.id = v.column1
                """
            ).run()
        }
        for batch in groups.map(\.caseID).chunked(into: SQLStore.insertBatch) {
            try await database.raw(
                """
                UPDATE cases SET updated_at = \(bind: time.microseconds)
                WHERE id IN (\(binds: Array(batch))) AND updated_at < \(bind: time.microseconds)
                """
            ).run()
        }
    }

    func triage(reports: [Int64], reason: String, at time: Timestamp) async throws {
        for batch in reports.chunked(into: SQLStore.insertBatch) {
            try await database.raw(
                "UPDATE reports SET correlated_at = \(bind: time.microseconds), triage_reason = \(bind: reason) WHERE id IN (\(binds: Array(batch)))"
            ).run()
        }
    }

    // MARK: Cases

    static let caseColumns =
        "SELECT id, track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee, token, playbook, resolved_at FROM cases"

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
            deadline: try row.optionalTimestamp("deadline"), assignee: try row.optionalString("assignee"),
            token: try row.optionalString("token") ?? "", playbook: try row.optionalString("playbook"),
            resolvedAt: try row.optionalTimestamp("resolved_at"))
    }

    func insertCase(_ newCase: Case, actor: String) async throws -> Case {
        var stored = newCase
        if stored.token.isEmpty { stored.token = Self.makeToken() }
        guard
            let row = try await rows(
                """
                INSERT INTO cases (track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee,
                                   token, playbook, resolved_at)
                VALUES (\(bind: stored.track.rawValue), \(bind: stored.category.rawValue), \(bind: stored.subject.kind),
                        \(bind: stored.subject.key), \(bind: stored.customerID), \(bind: stored.state.rawValue),
                        \(bind: stored.openedAt.microseconds), \(bind: stored.updatedAt.microseconds),
                        \(bind: stored.deadline?.microseconds), \(bind: stored.assignee), \(bind: stored.token), \(bind: stored.playbook),
                        \(bind: stored.resolvedAt?.microseconds))
                RETURNING id
                """
            ).first
        else { throw StoreError("the database returned no id for a new case") }
        stored.id = try row.int64("id")
        _ = try await appendAudit(
            AuditDraft(
                at: stored.openedAt, actor: actor, action: "case.open", objectType: "case", objectID: String(stored.id ?? 0),
                details: JSONText.encode([
                    "track": stored.track.rawValue, "category": stored.category.rawValue, "subject": stored.subject.description,
                    "playbook": stored.playbook ?? "",
                ])))
        return stored
    }

    func insertCases(_ newCases: [Case], actor: String) async throws -> [Case] {
        var stored = newCases
        for index in stored.indices where stored[index].token.isEmpty { stored[index].token = Self.makeToken() }
        var ids: [String: Int64] = [:]
        for batch in stored.chunked(into: SQLStore.insertBatch) {
            var values: SQLQueryString = ""
            for (index, kase) in batch.enumerated() {
                if index > 0 { values.appendLiteral(", ") }
                values.appendInterpolation(
                    """
                    (\(bind: kase.track.rawValue), \(bind: kase.category.rawValue), \(bind: kase.subject.kind), \(bind: kase.subject.key),
                     \(bind: kase.customerID), \(bind: kase.state.rawValue), \(bind: kase.openedAt.microseconds), \(bind: kase.updatedAt.microseconds),
                     \(bind: kase.deadline?.microseconds), \(bind: kase.assignee), \(bind: kase.token), \(bind: kase.playbook),
                     \(bind: kase.resolvedAt?.microseconds))
                    """ as SQLQueryString)
            }
            for row in try await rows(
                """
                INSERT INTO cases (track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee,
                                   token, playbook, resolved_at)
                VALUES \(values) RETURNING id, token
                """)
            {
                ids[try row.string("token")] = try row.int64("id")
            }
        }
        for index in stored.indices {
            guard let id = ids[stored[index].token] else { throw StoreError("the database returned no id for a new case") }
            stored[index].id = id
        }
        try await store.appendAudits(
            stored.map { kase in
                AuditDraft(
                    at: kase.openedAt, actor: actor, action: "case.open", objectType: "case", objectID: String(kase.id ?? 0),
                    details: JSONText.encode([
                        "track": kase.track.rawValue, "category": kase.category.rawValue, "subject": kase.subject.description,
                        "playbook": kase.playbook ?? "",
                    ]))
            }, in: database)
        return stored
    }

    func findCases(_ keys: [CaseKey], updatedSince: Timestamp, resolvedSince: Timestamp) async throws -> [CaseKey: Case] {
        let wanted = Set(keys)
        var open: [CaseKey: Case] = [:]
        var resolved: [CaseKey: Case] = [:]
        let subjects = Array(Set(keys.map(\.subject.key)))
        let kinds = Array(Set(keys.map(\.subject.kind)))
        let closed = [CaseState.resolved.rawValue, CaseState.closed.rawValue]
        for batch in subjects.chunked(into: SQLStore.insertBatch) {
            for row in try await rows(
                """
                \(unsafeRaw: Self.caseColumns) WHERE subject_kind IN (\(binds: kinds)) AND subject_key IN (\(binds: Array(batch)))
                AND ((state NOT IN (\(binds: closed)) AND updated_at >= \(bind: updatedSince.microseconds))
                     OR (state = 'resolved' AND resolved_at >= \(bind: resolvedSince.microseconds)))
                ORDER BY id
                """)
            {
                let kase = try Self.case(from: row)
                guard wanted.contains(kase.key) else { continue }
                // The newest wins (rows come oldest first).
                if kase.state == .resolved { resolved[kase.key] = kase } else { open[kase.key] = kase }
            }
        }
        return resolved.merging(open) { _, newer in newer }
    }

    /// 20 random lower-case letters and digits: the case's mail token.
    static func makeToken() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    func cases(_ ids: [Int64]) async throws -> [Case] {
        guard !ids.isEmpty else { return [] }
        return try await rows("\(unsafeRaw: Self.caseColumns) WHERE id IN (\(binds: ids)) ORDER BY id").map(Self.case(from:))
    }

    func caseByToken(_ token: String) async throws -> Case? {
        try await rows("\(unsafeRaw: Self.caseColumns) WHERE token = \(bind: token)").first.map(Self.case(from:))
    }

    func findCase(
        subject: CaseSubject, category: MoguraCore.Category, track: Track, updatedSince: Timestamp, resolvedSince: Timestamp
    )
        async throws -> Case?
    {
        let closed = [CaseState.resolved.rawValue, CaseState.closed.rawValue]
        if let open = try await rows(
            """
            \(unsafeRaw: Self.caseColumns) WHERE subject_kind = \(bind: subject.kind) AND subject_key = \(bind: subject.key)
            AND category = \(bind: category.rawValue) AND track = \(bind: track.rawValue)
            AND state NOT IN (\(binds: closed)) AND updated_at >= \(bind: updatedSince.microseconds)
            ORDER BY id DESC LIMIT 1
            """
        ).first {
            return try Self.case(from: open)
        }
        return try await rows(
            """
            \(unsafeRaw: Self.caseColumns) WHERE subject_kind = \(bind: subject.kind) AND subject_key = \(bind: subject.key)
            AND category = \(bind: category.rawValue) AND track = \(bind: track.rawValue)
            AND state = 'resolved' AND resolved_at >= \(bind: resolvedSince.microseconds)
            ORDER BY id DESC LIMIT 1
            """
        ).first.map(Self.case(from:))
    }

    func transition(case caseID: Int64, from: CaseState, to: CaseState, at time: Timestamp, actor: String) async throws -> Case? {
        guard from.canMove(to: to) else {
            throw StoreError("a case cannot move from \(from.rawValue) to \(to.rawValue)")
        }
        let resolvedAt: Int64? = to == .resolved ? time.microseconds : nil
        guard
            let row = try await rows(
                """
                UPDATE cases SET state = \(bind: to.rawValue), updated_at = \(bind: time.microseconds),
                       resolved_at = COALESCE(\(bind: resolvedAt), resolved_at)
                WHERE id = \(bind: caseID) AND state = \(bind: from.rawValue)
                RETURNING id, track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee,
                          token, playbook, resolved_at
                """
            ).first
        else { return nil }
        _ = try await appendAudit(
            AuditDraft(
                at: time, actor: actor, action: "case.state", objectType: "case", objectID: String(caseID),
                details: JSONText.encode(["from": from.rawValue, "to": to.rawValue])))
        return try Self.case(from: row)
    }

    // MARK: Actions

    static let actionFields =
        "id, case_id, kind, state, due_at, idempotency_key, attempts, last_error, step, requires_approval, approved_by, template, done_at, result, target"

    static func action(from row: any SQLRow) throws -> Action {
        Action(
            id: try row.int64("id"), caseID: try row.int64("case_id"), kind: ActionKind(rawValue: try row.string("kind")),
            state: try row.value("state", as: ActionState.self), dueAt: try row.timestamp("due_at"),
            idempotencyKey: try row.string("idempotency_key"), attempts: try row.int("attempts"),
            lastError: try row.optionalString("last_error"), step: try row.decode(column: "step", as: Int?.self),
            requiresApproval: try row.int("requires_approval") != 0, approvedBy: try row.optionalString("approved_by"),
            template: try row.optionalString("template"), doneAt: try row.optionalTimestamp("done_at"),
            result: try row.optionalString("result"), target: try row.optionalString("target"))
    }

    func actions(ofCases ids: [Int64]) async throws -> [Int64: [Action]] {
        try await actions(ofCases: ids, ladderOnly: false)
    }

    func ladderActions(ofCases ids: [Int64]) async throws -> [Int64: [Action]] {
        try await actions(ofCases: ids, ladderOnly: true)
    }

    func actions(ofCases ids: [Int64], ladderOnly: Bool) async throws -> [Int64: [Action]] {
        guard !ids.isEmpty else { return [:] }
        var result: [Int64: [Action]] = [:]
        for batch in ids.chunked(into: SQLStore.insertBatch) {
            for row in try await rows(
                """
                SELECT \(unsafeRaw: Self.actionFields) FROM actions WHERE case_id IN (\(binds: Array(batch)))
                \(unsafeRaw: ladderOnly ? "AND step IS NOT NULL" : "") ORDER BY due_at, id
                """)
            {
                let action = try Self.action(from: row)
                result[action.caseID, default: []].append(action)
            }
        }
        return result
    }

    func action(_ id: Int64) async throws -> Action? {
        try await rows("SELECT \(unsafeRaw: Self.actionFields) FROM actions WHERE id = \(bind: id)").first.map(Self.action(from:))
    }

    func insertAction(_ action: Action) async throws -> (Action, isNew: Bool) {
        let now = Timestamp.now().microseconds
        let inserted = try await rows(
            """
            INSERT INTO actions (case_id, kind, state, due_at, idempotency_key, attempts, last_error, created_at, updated_at,
                                 step, requires_approval, approved_by, template, done_at, result, target)
            VALUES (\(bind: action.caseID), \(bind: action.kind.rawValue), \(bind: action.state.rawValue),
                    \(bind: action.dueAt.microseconds), \(bind: action.idempotencyKey), \(bind: action.attempts),
                    \(bind: action.lastError), \(bind: now), \(bind: now), \(bind: action.step), \(bind: action.requiresApproval ? 1 : 0),
                    \(bind: action.approvedBy), \(bind: action.template), \(bind: action.doneAt?.microseconds), \(bind: action.result),
                    \(bind: action.target))
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING \(unsafeRaw: Self.actionFields)
            """)
        if let row = inserted.first { return (try Self.action(from: row), true) }
        guard
            let row = try await rows(
                "SELECT \(unsafeRaw: Self.actionFields) FROM actions WHERE idempotency_key = \(bind: action.idempotencyKey)"
            ).first
        else { throw StoreError("action \(action.idempotencyKey) is neither new nor stored") }
        return (try Self.action(from: row), false)
    }

    func insertActions(_ actions: [Action]) async throws -> [(Action, isNew: Bool)] {
        guard !actions.isEmpty else { return [] }
        let now = Timestamp.now().microseconds
        var inserted: [String: Action] = [:]
        for batch in actions.chunked(into: SQLStore.insertBatch) {
            var values: SQLQueryString = ""
            for (index, action) in batch.enumerated() {
                if index > 0 { values.appendLiteral(", ") }
                values.appendInterpolation(
                    """
                    (\(bind: action.caseID), \(bind: action.kind.rawValue), \(bind: action.state.rawValue), \(bind: action.dueAt.microseconds),
                     \(bind: action.idempotencyKey), \(bind: action.attempts), \(bind: action.lastError), \(bind: now), \(bind: now), \(bind: action.step),
                     \(bind: action.requiresApproval ? 1 : 0), \(bind: action.approvedBy), \(bind: action.template), \(bind: action.doneAt?.microseconds),
                     \(bind: action.result), \(bind: action.target))
                    """ as SQLQueryString)
            }
            for row in try await rows(
                """
                INSERT INTO actions (case_id, kind, state, due_at, idempotency_key, attempts, last_error, created_at, updated_at,
                                     step, requires_approval, approved_by, template, done_at, result, target)
                VALUES \(values)
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING \(unsafeRaw: Self.actionFields)
                """)
            {
                let action = try Self.action(from: row)
                inserted[action.idempotencyKey] = action
            }
        }
        let missing = actions.map(\.idempotencyKey).filter { inserted[$0] == nil }
        var existing: [String: Action] = [:]
        for batch in missing.chunked(into: SQLStore.insertBatch) {
            for row in try await rows("SELECT \(unsafeRaw: Self.actionFields) FROM actions WHERE idempotency_key IN (\(binds: Array(batch)))") {
                let action = try Self.action(from: row)
                existing[action.idempotencyKey] = action
            }
        }
        return try actions.map { action in
            if let new = inserted[action.idempotencyKey] { return (new, true) }
            guard let old = existing[action.idempotencyKey] else { throw StoreError("action \(action.idempotencyKey) is neither new nor stored") }
            return (old, false)
        }
    }

    func updateAction(
        _ id: Int64, state: ActionState, attempts: Int, lastError: String?, result: String?, doneAt: Timestamp?, actor: String
    )
        async throws
    {
        let updated = try await rows(
            """
            UPDATE actions SET state = \(bind: state.rawValue), attempts = \(bind: attempts), last_error = \(bind: lastError),
                   result = COALESCE(\(bind: result), result), done_at = COALESCE(\(bind: doneAt?.microseconds), done_at),
                   updated_at = \(bind: Timestamp.now().microseconds)
            WHERE id = \(bind: id) RETURNING case_id, kind
            """)
        guard let row = updated.first else { throw StoreError("no action \(id)") }
        if [.done, .failed, .skipped].contains(state) {
            var details = ["state": state.rawValue, "kind": try row.string("kind"), "case": String(try row.int64("case_id"))]
            if let result { details["result"] = result }
            if let lastError { details["error"] = lastError }
            _ = try await appendAudit(
                AuditDraft(
                    at: doneAt ?? .now(), actor: actor, action: "action.\(state.rawValue)", objectType: "action", objectID: String(id),
                    details: JSONText.encode(details)))
        }
    }

    func approveAction(_ id: Int64, by actor: String, at time: Timestamp) async throws -> Action? {
        guard
            let row = try await rows(
                """
                UPDATE actions SET approved_by = \(bind: actor), state = 'approved', updated_at = \(bind: time.microseconds)
                WHERE id = \(bind: id) AND state = 'planned' AND approved_by IS NULL
                RETURNING \(unsafeRaw: Self.actionFields)
                """
            ).first
        else { return nil }
        let action = try Self.action(from: row)
        _ = try await appendAudit(
            AuditDraft(
                at: time, actor: actor, action: "action.approve", objectType: "action", objectID: String(id),
                details: JSONText.encode(["kind": action.kind.rawValue, "case": String(action.caseID)])))
        return action
    }

    // MARK: Jobs and audit

    func enqueue(_ job: JobDraft) async throws -> Job {
        let inserted = try await rows(
            """
            INSERT INTO jobs (queue, payload, state, run_at, attempts, max_attempts, dedupe_key, created_at)
            VALUES (\(bind: job.queue), \(bind: job.payload), 'ready', \(bind: job.runAt.microseconds), 0,
                    \(bind: job.maxAttempts), \(bind: job.dedupeKey), \(bind: Timestamp.now().microseconds))
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING \(unsafeRaw: SQLStore.jobFields)
            """)
        if let row = inserted.first { return try SQLStore.job(from: row) }
        guard let key = job.dedupeKey,
            let row = try await rows("SELECT \(unsafeRaw: SQLStore.jobFields) FROM jobs WHERE dedupe_key = \(bind: key)").first
        else { throw StoreError("a job was neither inserted nor found") }
        return try SQLStore.job(from: row)
    }

    func enqueue(_ jobs: [JobDraft]) async throws {
        let now = Timestamp.now().microseconds
        for batch in jobs.chunked(into: SQLStore.insertBatch) {
            var values: SQLQueryString = ""
            for (index, job) in batch.enumerated() {
                if index > 0 { values.appendLiteral(", ") }
                values.appendInterpolation(
                    "(\(bind: job.queue), \(bind: job.payload), 'ready', \(bind: job.runAt.microseconds), 0, \(bind: job.maxAttempts), \(bind: job.dedupeKey), \(bind: now))"
                        as SQLQueryString)
            }
            try await database.raw(
                """
                INSERT INTO jobs (queue, payload, state, run_at, attempts, max_attempts, dedupe_key, created_at)
                VALUES \(values) ON CONFLICT (dedupe_key) DO NOTHING
                """
            ).run()
        }
    }

    func completeJob(_ id: Int64, worker: String, at time: Timestamp) async throws -> Bool {
        try await !rows(
            """
            UPDATE jobs SET state = 'done', finished_at = \(bind: time.microseconds), locked_by = NULL, locked_until = NULL
            WHERE id = \(bind: id) AND state = 'running' AND locked_by = \(bind: worker) RETURNING id
            """
        ).isEmpty
    }

    func failJob(_ id: Int64, worker: String, error: String, retryAt: Timestamp?, at time: Timestamp) async throws -> Bool {
        // Retry while attempts remain and a retry time is given; otherwise the job has failed for good.
        let retry = retryAt?.microseconds
        return try await !rows(
            """
            UPDATE jobs SET
                state = CASE WHEN \(bind: retry) IS NOT NULL AND attempts < max_attempts THEN 'ready' ELSE 'failed' END,
                run_at = COALESCE(\(bind: retry), run_at),
                finished_at = CASE WHEN \(bind: retry) IS NOT NULL AND attempts < max_attempts THEN NULL ELSE \(bind: time.microseconds) END,
                last_error = \(bind: error), locked_by = NULL, locked_until = NULL
            WHERE id = \(bind: id) AND state = 'running' AND locked_by = \(bind: worker) RETURNING id
            """
        ).isEmpty
    }

    func appendAudit(_ draft: AuditDraft) async throws -> AuditEvent {
        try await store.appendAudit(draft, in: database)
    }

    func setDeadline(case caseID: Int64, to deadline: Timestamp?) async throws {
        try await database.raw("UPDATE cases SET deadline = \(bind: deadline?.microseconds) WHERE id = \(bind: caseID)").run()
    }

    func customers(_ ids: [String]) async throws -> [Customer] {
        guard !ids.isEmpty else { return [] }
        return try await store.customers(database, where: ids)
    }

    func reports(inCase caseID: Int64, limit: Int) async throws -> [Report] {
        let ids = try await rows("SELECT id FROM reports WHERE case_id = \(bind: caseID) ORDER BY id LIMIT \(bind: limit)").map { try $0.int64("id") }
        return try await reports(ids)
    }

    func reportCount(inCase caseID: Int64) async throws -> Int {
        try await rows("SELECT COUNT(*) AS n FROM reports WHERE case_id = \(bind: caseID)").first?.int("n") ?? 0
    }

    func raw(_ hash: ContentHash) async throws -> [UInt8]? {
        if case .present(let bytes) = try await store.blob(hash, in: database) { return bytes }
        return nil
    }

    func reports(_ ids: [Int64]) async throws -> [Report] {
        guard !ids.isEmpty else { return [] }
        var result: [Report] = []
        for batch in ids.chunked(into: SQLStore.insertBatch) {
            result += try await store.reports(database, where: "id IN (\(binds: Array(batch)))")
        }
        return result
    }
}

extension SQLStore {
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) async throws -> R) async throws -> R {
        try await transaction { database in try await body(SQLTransaction(store: self, database: database)) }
    }

    // The single-step conveniences of the Store protocol, each one transaction.

    public func insertCase(_ newCase: Case, actor: String) async throws -> Case {
        try await transaction { try await $0.insertCase(newCase, actor: actor) }
    }

    public func `case`(_ id: Int64) async throws -> Case? {
        try await transaction { try await $0.cases([id]).first }
    }

    public func openCase(subject: CaseSubject, category: MoguraCore.Category, track: Track, updatedSince since: Timestamp) async throws -> Case? {
        try await transaction { transaction in
            let found = try await transaction.findCase(
                subject: subject, category: category, track: track, updatedSince: since, resolvedSince: .distantFuture)
            return found.flatMap { $0.state.isOpen ? $0 : nil }
        }
    }

    public func attach(report reportID: Int64, toCase caseID: Int64, at time: Timestamp) async throws {
        try await transaction { database in
            let updated = try await self.rows(database, "SELECT id FROM reports WHERE id = \(bind: reportID)")
            guard !updated.isEmpty else { throw StoreError("no report \(reportID)") }
            try await SQLTransaction(store: self, database: database).attach(reports: [reportID], toCase: caseID, at: time)
        }
    }

    public func transition(case caseID: Int64, from: CaseState, to: CaseState, at time: Timestamp, actor: String) async throws -> Case? {
        guard from.canMove(to: to) else { throw StoreError("a case cannot move from \(from.rawValue) to \(to.rawValue)") }
        return try await transaction { try await $0.transition(case: caseID, from: from, to: to, at: time, actor: actor) }
    }

    public func insertAction(_ action: Action) async throws -> Action {
        try await transaction { try await $0.insertAction(action).0 }
    }

    public func actions(inCase caseID: Int64) async throws -> [Action] {
        try await transaction { try await $0.actions(ofCases: [caseID])[caseID] ?? [] }
    }

    public func updateAction(_ id: Int64, state: ActionState, attempts: Int, lastError: String?, at time: Timestamp) async throws {
        try await transaction {
            try await $0.updateAction(
                id, state: state, attempts: attempts, lastError: lastError, result: nil, doneAt: state == .done ? time : nil, actor: "system")
        }
    }
}

extension SQLStore {
    public func listCases(states: [CaseState]?, track: Track?, limit: Int) async throws -> [Case] {
        try await session { database in
            var query: SQLQueryString = "\(unsafeRaw: SQLTransaction.caseColumns) WHERE 1 = 1"
            if let states { query.appendInterpolation(" AND state IN (\(binds: states.map(\.rawValue)))" as SQLQueryString) }
            if let track { query.appendInterpolation(" AND track = \(bind: track.rawValue)" as SQLQueryString) }
            query.appendInterpolation(" ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit)" as SQLQueryString)
            return try await self.rows(database, query).map(SQLTransaction.case(from:))
        }
    }

    public func triageReports(limit: Int) async throws -> [(report: Report, reason: String)] {
        try await session { database in
            let rows = try await self.rows(
                database,
                "SELECT id, triage_reason FROM reports WHERE case_id IS NULL AND triage_reason IS NOT NULL ORDER BY id LIMIT \(bind: limit)")
            var reasons: [Int64: String] = [:]
            for row in rows { reasons[try row.int64("id")] = try row.string("triage_reason") }
            guard !reasons.isEmpty else { return [] }
            return try await self.reports(database, where: "id IN (\(binds: Array(reasons.keys)))").map { ($0, reasons[$0.id ?? 0] ?? "") }
        }
    }
}
