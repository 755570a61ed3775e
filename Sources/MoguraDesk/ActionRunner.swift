public import Logging
public import MoguraCore
public import MoguraStore

/// Runs due actions: claims their jobs, carries each out through its connector, records the outcome, moves the
/// case along and plans the next step — the last three in one transaction with the job's completion.
///
/// Delivery is at least once with one idempotency key per action: a worker that dies after the connector
/// answered but before the commit leaves the job to be claimed again when its lease runs out, and the connector
/// sees the same key a second time. Two workers never hold one job at once (`FOR UPDATE SKIP LOCKED` on
/// PostgreSQL, the single writer on SQLite), and a worker whose lease ran out cannot record a result.
public struct ActionRunner: Sendable {
    public var store: any Store
    public var configuration: DeskConfiguration
    public var composer: NoticeComposer
    public var mail: any MailSender
    public var connectors: [ActionKind: any ActionConnector]
    public var clock: any DeskClock
    /// This worker's name in job leases and the audit chain.
    public var worker: String
    public var logger: Logger

    /// Creates a runner.
    public init(
        store: any Store, configuration: DeskConfiguration, composer: NoticeComposer, mail: any MailSender,
        connectors: [ActionKind: any ActionConnector], clock: any DeskClock, worker: String, logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.composer = composer
        self.mail = mail
        self.connectors = connectors
        self.clock = clock
        self.worker = worker
        self.logger = logger
    }

    /// Builds the connectors a configuration names.
    public static func connectors(for configuration: DeskConfiguration) -> [ActionKind: any ActionConnector] {
        configuration.connectors.mapValues { settings -> any ActionConnector in
            switch settings {
            case .webhook(let url, let secret, let timeout, let headers):
                WebhookConnector(url: url, secret: secret, timeout: timeout, headers: headers)
            case .command(let argv, let timeout):
                CommandConnector(argv: argv, timeout: timeout)
            }
        }
    }

    /// The mail sender a configuration names.
    public static func mailSender(for settings: MailSettings) -> any MailSender {
        switch settings.transport {
        case .smtp(let host, let port):
            SMTPSender(
                host: host, port: port, startTLS: settings.startTLS, caFile: settings.caFile, verifyCertificate: settings.verifyCertificate,
                heloName: settings.heloName, timeout: settings.timeout)
        case .outbox(let directory):
            OutboxSender(directory: directory)
        }
    }

    var planner: Planner { Planner(maxAttempts: configuration.workers.maxAttempts) }
    var actor: String { "worker:\(worker)" }

    /// Claims up to `limit` due actions and runs them, at most ``WorkerSettings/concurrency`` at once.
    /// - Returns: how many were claimed.
    @discardableResult
    public func runDue(limit: Int? = nil) async throws -> Int {
        let jobs = try await store.claimJobs(
            queue: Planner.queue, limit: limit ?? configuration.workers.concurrency, worker: worker,
            lease: .seconds(configuration.workers.lease), now: clock.now())
        guard !jobs.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { await self.run(job) } }
        }
        return jobs.count
    }

    /// Everything one attempt needs, read in one transaction.
    struct Prepared: Sendable {
        var action: Action
        var kase: Case
        var customer: Customer?
        var reports: [Report]
        var reportCount: Int
        var raw: [Int64: [UInt8]]
        var actions: [Action]
        var ackReport: Report?
    }

    /// Runs one claimed job; failures are recorded, never thrown.
    func run(_ job: Job) async {
        do {
            try await attempt(job)
        } catch {
            logger.error(
                "recording an action failed; it will be retried when its lease runs out", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }

    func attempt(_ job: Job) async throws {
        let now = clock.now()
        guard let actionID = Planner.actionID(inPayload: job.payload) else {
            _ = try await store.failJob(job.id, worker: worker, error: "the job names no action: \(job.payload)", retryAt: nil, at: now)
            return
        }
        let evidenceLimit = configuration.notices.evidenceLimit
        let prepared: Prepared? = try await store.transaction { transaction in
            guard let action = try await transaction.action(actionID), let kase = try await transaction.cases([action.caseID]).first else {
                _ = try await transaction.failJob(job.id, worker: worker, error: "action \(actionID) is gone", retryAt: nil, at: now)
                return nil
            }
            // Already done, skipped or failed (a retry of a job whose outcome was recorded), or not approved.
            let runnable =
                (action.state == .planned || action.state == .approved || action.state == .running)
                && (!action.requiresApproval || action.approvedBy != nil)
            if !runnable {
                _ = try await transaction.completeJob(job.id, worker: worker, at: now)
                return nil
            }
            // A ladder step of a case that left the ladder (review, resolved, closed) is moot.
            if action.step != nil && (!kase.state.isOpen || kase.state == .review) {
                try await transaction.updateAction(
                    actionID, state: .skipped, attempts: action.attempts, lastError: nil, result: Decision.stoppedResult, doneAt: now,
                    actor: actor)
                _ = try await transaction.completeJob(job.id, worker: worker, at: now)
                return nil
            }
            try await transaction.updateAction(
                actionID, state: .running, attempts: job.attempts, lastError: action.lastError, result: nil, doneAt: nil, actor: actor)
            let customer = try await kase.customerID.asyncFlatMap { try await transaction.customers([$0]).first }
            var reports: [Report] = []
            var raw: [Int64: [UInt8]] = [:]
            var ackReport: Report?
            if action.kind == .notify || action.kind == .warn {
                reports = try await transaction.reports(inCase: kase.id ?? 0, limit: evidenceLimit)
                for report in reports {
                    if let id = report.id, let hash = report.rawHash, let bytes = try await transaction.raw(hash) { raw[id] = bytes }
                }
            }
            if action.kind == .acknowledgeReporter, let target = action.target, target.hasPrefix("report:"), let id = Int64(target.dropFirst(7)) {
                ackReport = try await transaction.reports([id]).first
            }
            return Prepared(
                action: action, kase: kase, customer: customer, reports: reports,
                reportCount: try await transaction.reportCount(inCase: kase.id ?? 0),
                raw: raw, actions: reports.isEmpty ? [] : try await transaction.actions(ofCases: [kase.id ?? 0])[kase.id ?? 0] ?? [],
                ackReport: ackReport)
        }
        guard let prepared else { return }
        FaultPoints.hit("action.\(prepared.action.kind.rawValue).claimed")

        let outcome: Result<String, any Error>
        do {
            outcome = .success(try await perform(prepared, attempt: job.attempts, now: now))
        } catch {
            outcome = .failure(error)
        }
        FaultPoints.hit("action.\(prepared.action.kind.rawValue).performed")

        switch outcome {
        case .success(let result):
            try await recordSuccess(prepared, job: job, result: result, now: clock.now())
            logger.info(
                "action done",
                metadata: ["action": "\(actionID)", "kind": "\(prepared.action.kind)", "case": "\(prepared.kase.id ?? 0)", "result": "\(result)"])
        case .failure(let error):
            try await recordFailure(prepared, job: job, error: error, now: clock.now())
        }
    }

    /// The deadline a customer is given with a notice: when the next ladder step falls due.
    func deadline(for action: Action, case kase: Case, now: Timestamp) -> Timestamp? {
        guard let step = action.step, let playbook = playbook(for: kase), step + 1 < playbook.steps.count,
            playbook.steps[step + 1].after > 0
        else { return nil }
        return now.adding(seconds: playbook.steps[step + 1].after)
    }

    func playbook(for kase: Case) -> Playbook? {
        guard kase.track == .termsOfService else { return nil }
        return kase.playbook.flatMap { configuration.playbooks.named($0) }
            ?? configuration.playbooks.playbook(for: kase.category, track: kase.track)
    }

    /// Keeps what was sent for the case's timeline. A failure here is logged, not thrown: the mail is gone, and
    /// failing the action would send it again.
    func keep(_ mail: OutgoingMail, action: Action) async {
        guard let id = action.id else { return }
        do {
            try await store.recordSentMail(
                actionID: id, caseID: action.caseID, bytes: mail.bytes(), recipients: mail.to, subject: mail.subject, at: clock.now())
        } catch {
            logger.warning("could not keep a sent notice", metadata: ["action": "\(id)", "error": "\(error)"])
        }
    }

    /// Carries the action out.
    func perform(_ prepared: Prepared, attempt: Int, now: Timestamp) async throws -> String {
        let action = prepared.action
        switch action.kind {
        case .notify, .warn:
            guard let customer = prepared.customer else {
                throw ConnectorError("case \(prepared.kase.id ?? 0) has no customer to notify", permanent: true)
            }
            let notice: OutgoingMail
            var portalURL: String?
            if configuration.web.listen != "off", let id = prepared.kase.id {
                portalURL = try await PortalLinks.load(store: store, settings: configuration.web).link(
                    caseID: id, token: prepared.kase.token, now: now)
            }
            do {
                notice = try composer.notice(
                    .init(
                        kase: prepared.kase, action: action, customer: customer, reports: prepared.reports, reportCount: prepared.reportCount,
                        raw: prepared.raw, actions: prepared.actions, deadline: deadline(for: action, case: prepared.kase, now: now), now: now,
                        portalURL: portalURL))
            } catch {
                throw ConnectorError("\(error)", permanent: true)
            }
            let result = try await mail.send(notice)
            await keep(notice, action: action)
            return result
        case .acknowledgeReporter:
            guard let report = prepared.ackReport else { throw ConnectorError("the acknowledged report is gone", permanent: true) }
            let message: OutgoingMail
            do {
                message = try composer.acknowledgement(case: prepared.kase, action: action, report: report, now: now)
            } catch {
                throw ConnectorError("\(error)", permanent: true)
            }
            let result = try await mail.send(message)
            await keep(message, action: action)
            return result
        default:
            guard let connector = connectors[action.kind] else {
                throw ConnectorError(
                    "no connector is configured for \(action.kind.rawValue) (connectors.\(action.kind.rawValue) in the configuration)",
                    permanent: true)
            }
            let event = ActionEvent(
                action: action, case: prepared.kase, customer: prepared.customer, reportCount: prepared.reportCount, attempt: attempt, now: now)
            return try await connector.perform(event)
        }
    }

    /// The state a case moves to when an action of `kind` is done, if any.
    static func caseState(after kind: ActionKind, from state: CaseState) -> CaseState? {
        let target: CaseState
        switch kind {
        case .notify: target = .notified
        case .warn: target = .awaitingCustomer
        case .suspend, .suspendWeb: target = .suspended
        default: return nil
        }
        // A notice after a suspension leaves the case suspended; nothing moves a case backwards.
        let order: [CaseState] = [.new, .triaged, .notified, .awaitingCustomer, .suspended]
        guard let from = order.firstIndex(of: state), let to = order.firstIndex(of: target), to > from, state.canMove(to: target) else {
            return nil
        }
        return target
    }

    func recordSuccess(_ prepared: Prepared, job: Job, result: String, now: Timestamp) async throws {
        let action = prepared.action
        let caseID = prepared.kase.id ?? 0
        try await store.transaction { transaction in
            // Lost the lease (took longer than it): another worker has the job and will record it.
            guard try await transaction.completeJob(job.id, worker: worker, at: now) else { throw LeaseLost(job: job.id) }
            // Reads first, writes after: the audit chain's head is locked from the first audited write to the commit.
            guard let current = try await transaction.cases([caseID]).first else { return }
            var actions = try await transaction.actions(ofCases: [caseID])[caseID] ?? []
            if let index = actions.firstIndex(where: { $0.id == action.id }) {
                actions[index].state = .done
                actions[index].doneAt = now
                actions[index].result = result
            }
            var kase = current
            let next = Self.caseState(after: action.kind, from: current.state)
            if let next { kase.state = next }
            let decision = decide(case: kase, playbook: playbook(for: kase), actions: actions, now: now)

            try await transaction.updateAction(
                action.id ?? 0, state: .done, attempts: job.attempts, lastError: nil, result: result, doneAt: now, actor: actor)
            if let next, try await transaction.transition(case: caseID, from: current.state, to: next, at: now, actor: actor) == nil {
                // Someone moved the case meanwhile (a reply, a person): decide again from what is stored.
                guard let stored = try await transaction.cases([caseID]).first else { return }
                kase = stored
                let again = decide(case: kase, playbook: playbook(for: kase), actions: actions, now: now)
                try await planner.apply(again, caseID: caseID, in: transaction, now: now, actor: actor)
                return
            }
            if action.kind == .notify || action.kind == .warn {
                try await transaction.setDeadline(case: caseID, to: deadline(for: action, case: kase, now: now))
            }
            try await planner.apply(decision, caseID: caseID, in: transaction, now: now, actor: actor)
        }
    }

    func recordFailure(_ prepared: Prepared, job: Job, error: any Error, now: Timestamp) async throws {
        let action = prepared.action
        let permanent = (error as? ConnectorError)?.permanent ?? false
        let message = String("\(error)".prefix(1_000))
        let retry = !permanent && job.attempts < job.maxAttempts
        let retryAt = retry ? now.adding(seconds: configuration.workers.backoff(afterAttempt: job.attempts)) : nil
        try await store.transaction { transaction in
            guard try await transaction.failJob(job.id, worker: worker, error: message, retryAt: retryAt, at: now) else {
                throw LeaseLost(job: job.id)
            }
            let waiting: ActionState = action.approvedBy != nil ? .approved : .planned
            try await transaction.updateAction(
                action.id ?? 0, state: retry ? waiting : .failed, attempts: job.attempts, lastError: message, result: nil, doneAt: retry ? nil : now,
                actor: actor)
        }
        if retry {
            logger.warning(
                "action failed; will retry",
                metadata: ["action": "\(action.id ?? 0)", "attempt": "\(job.attempts)", "retry_at": "\(retryAt!)", "error": "\(message)"])
        } else {
            logger.error(
                "action failed for good; a person must look",
                metadata: ["action": "\(action.id ?? 0)", "kind": "\(action.kind)", "error": "\(message)"])
        }
    }
}

/// The worker no longer holds the job (its lease ran out and another worker claimed it).
struct LeaseLost: Error, CustomStringConvertible {
    var job: Int64
    var description: String { "the lease on job \(job) ran out before its outcome was recorded" }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
