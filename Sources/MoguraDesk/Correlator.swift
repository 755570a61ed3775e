public import MoguraCore
public import MoguraResolve
public import MoguraStore

/// Groups stored reports into cases and plans what each case needs, in one transaction per batch.
///
/// For each report not yet correlated, oldest first:
/// - a customer's reply to a notice (ingest matched its case token) is attached to that case, which moves to
///   review unless the reply was automatic (an out-of-office answer must not stop the ladder);
/// - a report that could not be parsed, that classification could not place (`other`), or whose indicators
///   resolve to no one goes to triage with the reason;
/// - otherwise it joins the open case with the same subject, category and track updated within the window,
///   reopens one resolved within the reopen period, or opens a new one.
///
/// Then every case touched is decided (``decide(case:playbook:actions:now:)``) and its new actions and their
/// jobs stored, and each reporter who wrote in person gets one acknowledgement per case. A crash rolls the
/// whole batch back; the next run does it again, and nothing is done twice.
public struct Correlator: Sendable {
    public var store: any Store
    public var inventory: InventoryCache
    public var policy: CorrelationPolicy
    public var playbooks: PlaybookSet
    public var planner: Planner
    /// Addresses of the desk itself; mail from them is never acknowledged.
    public var ownAddresses: Set<String>
    public var actor: String

    /// Creates a correlator.
    public init(
        store: any Store, inventory: InventoryCache, policy: CorrelationPolicy, playbooks: PlaybookSet, planner: Planner,
        ownAddresses: Set<String> = [], actor: String = "correlator"
    ) {
        self.store = store
        self.inventory = inventory
        self.policy = policy
        self.playbooks = playbooks
        self.planner = planner
        self.ownAddresses = Set(ownAddresses.map { $0.lowercased() })
        self.actor = actor
    }

    /// What one batch did.
    public struct Outcome: Hashable, Sendable {
        public var reports = 0
        public var attached = 0
        public var triaged = 0
        public var replies = 0
        public var casesOpened = 0
        public var casesReopened = 0
        public var actionsPlanned = 0

        public init() {}

        /// Adds another batch's counts.
        public mutating func add(_ other: Outcome) {
            reports += other.reports
            attached += other.attached
            triaged += other.triaged
            replies += other.replies
            casesOpened += other.casesOpened
            casesReopened += other.casesReopened
            actionsPlanned += other.actionsPlanned
        }
    }

    /// Where a report goes.
    enum Route {
        case reply(caseID: Int64, automatic: Bool)
        case triage(reason: String)
        case subject(CaseKey, customerID: String)
    }

    /// Correlates up to `limit` reports.
    public func run(limit: Int, now: Timestamp) async throws -> Outcome {
        let index = try await inventory.current()
        return try await store.transaction { transaction in
            // One correlator at a time across nodes, so two never open the same case twice.
            try await transaction.lock("correlate")
            let reports = try await transaction.uncorrelatedReports(limit: limit)
            return try await correlate(reports, index: index, in: transaction, now: now)
        }
    }

    /// Correlates everything waiting, batch after batch.
    public func drain(batch: Int, now: @Sendable () -> Timestamp) async throws -> Outcome {
        var total = Outcome()
        while true {
            let outcome = try await run(limit: batch, now: now())
            total.add(outcome)
            if outcome.reports < batch { return total }
        }
    }

    func correlate(_ reports: [Report], index: InventoryIndex, in transaction: any StoreTransaction, now: Timestamp) async throws -> Outcome {
        var outcome = Outcome()
        outcome.reports = reports.count
        guard !reports.isEmpty else { return outcome }

        var triage: [String: [Int64]] = [:]
        var replies: [Int64: [(Report, Bool)]] = [:]
        var groups: [CaseKey: [Report]] = [:]
        var groupOrder: [CaseKey] = []
        var customers: [CaseKey: String] = [:]
        for report in reports {
            guard let id = report.id else { continue }
            switch route(report, index: index) {
            case .reply(let caseID, let automatic):
                replies[caseID, default: []].append((report, automatic))
            case .triage(let reason):
                triage[reason, default: []].append(id)
            case .subject(let key, let customerID):
                if groups[key] == nil { groupOrder.append(key) }
                groups[key, default: []].append(report)
                customers[key] = customerID
            }
        }
        for (reason, ids) in triage.sorted(by: { $0.key < $1.key }) {
            try await transaction.triage(reports: ids, reason: reason, at: now)
            outcome.triaged += ids.count
        }

        var touched: [Int64: Case] = [:]
        var touchedOrder: [Int64] = []
        func touch(_ kase: Case) {
            guard let id = kase.id else { return }
            if touched[id] == nil { touchedOrder.append(id) }
            touched[id] = kase
        }

        // Customers' replies: attached to their case; a person's reply moves it to review.
        for (caseID, received) in replies.sorted(by: { $0.key < $1.key }) {
            try await transaction.attach(reports: received.compactMap(\.0.id), toCase: caseID, at: now)
            outcome.replies += received.count
            guard var kase = try await transaction.cases([caseID]).first else { continue }
            if received.contains(where: { !$0.1 }) && kase.state.isOpen && kase.state != .review && kase.track == .termsOfService {
                let from = received.first { !$0.1 }?.0.reporter ?? "customer"
                if let moved = try await transaction.transition(case: caseID, from: kase.state, to: .review, at: now, actor: "customer:\(from)") {
                    kase = moved
                }
            }
            touch(kase)
        }

        // Find the case of every group at once; reopen resolved ones; open the rest in one insert.
        let found = try await transaction.findCases(
            groupOrder, updatedSince: now.adding(seconds: -policy.window), resolvedSince: now.adding(seconds: -policy.reopenWithin))
        var caseOf: [CaseKey: Case] = [:]
        var toOpen: [Case] = []
        for key in groupOrder {
            if var kase = found[key] {
                if kase.state == .resolved, let id = kase.id {
                    kase = try await transaction.transition(case: id, from: .resolved, to: .triaged, at: now, actor: actor) ?? kase
                    outcome.casesReopened += 1
                }
                caseOf[key] = kase
            } else {
                toOpen.append(
                    Case(
                        track: key.track, category: key.category, subject: key.subject, customerID: customers[key], openedAt: now,
                        playbook: playbooks.playbook(for: key.category, track: key.track)?.name))
            }
        }
        for kase in try await transaction.insertCases(toOpen, actor: actor) { caseOf[kase.key] = kase }
        outcome.casesOpened += toOpen.count

        var attachments: [(caseID: Int64, reports: [Int64])] = []
        var acknowledgements: [(caseID: Int64, action: PlannedAction)] = []
        for key in groupOrder {
            guard let kase = caseOf[key], let caseID = kase.id else { continue }
            let members = groups[key] ?? []
            attachments.append((caseID, members.compactMap(\.id)))
            outcome.attached += members.count
            touch(kase)
            guard let playbook = playbook(for: kase), playbook.acknowledgeReporter else { continue }
            var acknowledged = Set<String>()
            for report in members where shouldAcknowledge(report) {
                guard let reporter = report.reporter?.lowercased(), acknowledged.insert(reporter).inserted, let reportID = report.id else { continue }
                acknowledgements.append(
                    (
                        caseID,
                        PlannedAction(
                            kind: .acknowledgeReporter, dueAt: now, idempotencyKey: "case:\(caseID):ack:\(reporter)", template: "acknowledge",
                            target: "report:\(reportID)")
                    ))
            }
        }
        try await transaction.attach(attachments, at: now)

        // Decide every case touched, with its actions so far, and store what they plan in one go.
        // Cases opened in this batch have no actions yet.
        let opened = Set(toOpen.compactMap { caseOf[$0.key]?.id })
        let actions = try await transaction.ladderActions(ofCases: touchedOrder.filter { !opened.contains($0) })
        let decisions = touchedOrder.compactMap { id -> (caseID: Int64, decision: Decision)? in
            guard let kase = touched[id] else { return nil }
            return (id, decide(case: kase, playbook: playbook(for: kase), actions: actions[id] ?? [], now: now))
        }
        outcome.actionsPlanned += try await planner.apply(
            decisions: decisions, extra: acknowledgements, in: transaction, now: now, actor: actor)
        return outcome
    }

    /// The playbook a case runs: the one it was opened with, else the one for its category.
    public func playbook(for kase: Case) -> Playbook? {
        guard kase.track == .termsOfService else { return nil }
        return kase.playbook.flatMap { playbooks.named($0) } ?? playbooks.playbook(for: kase.category, track: kase.track)
    }

    /// Whether a report's sender gets an acknowledgement: a person who wrote in (not a feed, not a machine
    /// report), with an address that is not the desk's own.
    func shouldAcknowledge(_ report: Report) -> Bool {
        guard [ReportChannel.mail, .webForm, .api].contains(report.channel), ["mime", "text"].contains(report.format),
            report.evidence["auto-submitted"] == nil, let reporter = report.reporter?.lowercased(), !ownAddresses.contains(reporter),
            (try? EmailAddress(reporter)) != nil
        else { return false }
        return true
    }

    /// Where one report goes.
    func route(_ report: Report, index: InventoryIndex) -> Route {
        if let caseID = report.caseID {
            return .reply(caseID: caseID, automatic: report.evidence["auto-submitted"] != nil)
        }
        if let error = report.parseError { return .triage(reason: "unparsed: \(error.prefix(200))") }
        if report.category == .other { return .triage(reason: "unclassified") }
        let time = report.eventTime ?? report.receivedAt
        var ambiguous = false
        for kind in Self.preferredKinds(report.category) {
            for indicator in report.indicators where indicator.kind == kind {
                if case .ip(let address) = indicator, index.natBlockCount(on: address, at: time) > 0 {
                    ambiguous = true
                    continue
                }
                if let attribution = index.attribute(indicator, at: time) {
                    let key = CaseKey(subject: .service(attribution.service.id), category: report.category, track: report.track)
                    return .subject(key, customerID: attribution.customer.id)
                }
            }
        }
        if ambiguous { return .triage(reason: "nat-ambiguous: a shared (CGNAT) address without a source port") }
        return .triage(reason: report.indicators.isEmpty ? "no-indicators" : "unattributed")
    }

    /// Which indicators name a report's subject best, by category: the hosted URL for phishing and malware, the
    /// sending address or account for spam and hijacked accounts.
    static func preferredKinds(_ category: MoguraCore.Category) -> [String] {
        switch category {
        case .phishing, .malware, .webshell, .mailer, .copyright, .illegalContent, .formAbuse:
            ["path", "url", "domain", "ip_port", "ip", "account", "email"]
        case .compromisedAccount:
            ["account", "email", "ip_port", "ip", "url", "domain", "path"]
        default:
            ["ip_port", "ip", "account", "email", "url", "domain", "path"]
        }
    }
}

/// The inventory index workers attribute with, reloaded when an import changes the inventory (checked at most
/// every few seconds).
public actor InventoryCache {
    private let store: any Store
    private let checkInterval: Double
    private var index: InventoryIndex?
    private var version: Int64 = -1
    private var checked: ContinuousClock.Instant?

    /// Creates a cache.
    /// - Parameter checkInterval: seconds between checks of the inventory version.
    public init(store: any Store, checkInterval: Double = 5) {
        self.store = store
        self.checkInterval = checkInterval
    }

    /// The current index.
    public func current() async throws -> InventoryIndex {
        let clock = ContinuousClock()
        if let index, let checked, clock.now < checked.advanced(by: .milliseconds(Int64(checkInterval * 1_000))) {
            return index
        }
        let latest = try await store.inventoryVersion()
        checked = clock.now
        if let index, latest == version { return index }
        let fresh = InventoryIndex(try await store.loadInventory())
        index = fresh
        version = latest
        return fresh
    }
}
