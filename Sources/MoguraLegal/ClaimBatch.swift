public import MoguraCore
public import MoguraResolve

/// What became of one row: resolved to a subscriber, or why not.
public enum RowOutcome: String, Hashable, Sendable, Codable, CaseIterable {
    /// One subscriber held the address (and port) at that time.
    case resolved
    /// The address was not ours then.
    case notOurs = "not-ours"
    /// Ours, but no single subscriber: a shared (CGNAT) address without a port or with a port no block held, or an
    /// answer that changes within the time tolerance.
    case notIdentifiable = "not-identifiable"
    /// Older than the logs are kept: 不存在.
    case noLogs = "no-logs"
    /// The row could not be read (no address, no time).
    case invalid
    /// The same address, port, second and hash as an earlier row (of this request or an earlier one of the claimant).
    case duplicate
}

/// What is decided for one row (`legal-track.md` §9.3): each row has its own outcome, as courts decide per row.
public struct RowDecision: Hashable, Sendable, Codable {
    public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
        /// 開示: the subscriber's identity is released for this row (through the two-approval rule).
        case disclose
        /// 不開示: refused (e.g. the subscriber objects and no court ordered it).
        case refuse
        /// 不存在: no logs for it.
        case notHeld = "not-held"
        /// 特定不能: no single subscriber.
        case notIdentifiable = "not-identifiable"
        /// Not ours: referred to the responsible provider.
        case referred
        /// The court excluded it.
        case excludedByCourt = "excluded-by-court"
        case withdrawn
    }

    public var outcome: Outcome
    public var reason: String
    public var decidedBy: String
    public var decidedAt: Timestamp

    public init(outcome: Outcome, reason: String, decidedBy: String, decidedAt: Timestamp) {
        self.outcome = outcome
        self.reason = reason
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }

    /// `開示`, `不開示`, … for documents.
    public var japanese: String {
        switch outcome {
        case .disclose: "開示"
        case .refuse: "不開示"
        case .notHeld: "不存在"
        case .notIdentifiable: "特定不能"
        case .referred: "他の事業者への照会を要す"
        case .excludedByCourt: "裁判所により除外"
        case .withdrawn: "取下げ"
        }
    }
}

/// A lookup as recorded for later testimony: what was asked, what the inventory answered, by whom, when.
public struct RowLookup: Hashable, Sendable, Codable {
    public var address: String
    public var port: UInt16?
    public var time: Timestamp
    /// The tolerance looked at on both sides of the time, in seconds.
    public var toleranceSeconds: Int
    /// The assignment that matched (its resource and validity), or nil.
    public var matched: String?
    public var serviceID: String?
    public var customerID: String?
    public var by: String
    public var at: Timestamp

    public init(
        address: String, port: UInt16?, time: Timestamp, toleranceSeconds: Int, matched: String? = nil, serviceID: String? = nil,
        customerID: String? = nil, by: String, at: Timestamp
    ) {
        self.address = address
        self.port = port
        self.time = time
        self.toleranceSeconds = toleranceSeconds
        self.matched = matched
        self.serviceID = serviceID
        self.customerID = customerID
        self.by = by
        self.at = at
    }
}

/// A row after the batch: its outcome, the lookup behind it, and evidence flags for the legal reviewer.
public struct ResolvedRow: Hashable, Sendable, Codable {
    public var row: ClaimRow
    public var outcome: RowOutcome
    public var reason: String
    public var lookup: RowLookup?
    /// The row this one repeats (`LR-2026-000001#12`, or `#12` within the request).
    public var duplicateOf: String?
    /// Flags on the row's worth as evidence (handshake-only, unchoke-only, zone assumed, no seconds, no port,
    /// outside retention, …), for the reviewer.
    public var evidenceFlags: [String]
    /// The decision on the row, once made.
    public var decision: RowDecision?
    public init(
        row: ClaimRow, outcome: RowOutcome, reason: String, lookup: RowLookup? = nil, duplicateOf: String? = nil, evidenceFlags: [String] = []
    ) {
        self.row = row
        self.outcome = outcome
        self.reason = reason
        self.lookup = lookup
        self.duplicateOf = duplicateOf
        self.evidenceFlags = evidenceFlags
        self.decision = nil
    }

    /// Whether the row counts as an ID for fees (read and not a duplicate).
    public var billable: Bool { outcome != .invalid && outcome != .duplicate }
}

/// The rows of one subscriber: one 意見照会 lists them all.
public struct SubscriberGroup: Hashable, Sendable, Codable {
    public var customerID: String
    public var customerName: String
    public var serviceIDs: [String]
    /// Positions in ``ClaimBatchResult/rows``.
    public var rows: [Int]
    /// The window a preservation hold covers: the rows' earliest and latest times.
    public var holdFrom: Timestamp
    public var holdTo: Timestamp

    /// The resolved rows grouped per subscriber, in the order their first rows appear, each with the time window
    /// its rows span (what a preservation hold covers).
    public static func groups(_ rows: [ResolvedRow], names: [String: String]) -> [SubscriberGroup] {
        var groups: [String: SubscriberGroup] = [:]
        var order: [String] = []
        for (position, row) in rows.enumerated() where row.outcome == .resolved {
            guard let lookup = row.lookup, let customer = lookup.customerID else { continue }
            var group =
                groups[customer]
                ?? SubscriberGroup(
                    customerID: customer, customerName: names[customer] ?? customer, serviceIDs: [], rows: [], holdFrom: lookup.time,
                    holdTo: lookup.time)
            if groups[customer] == nil { order.append(customer) }
            group.rows.append(position)
            if let service = lookup.serviceID, !group.serviceIDs.contains(service) { group.serviceIDs.append(service) }
            group.holdFrom = min(group.holdFrom, lookup.time)
            group.holdTo = max(group.holdTo, lookup.time)
            groups[customer] = group
        }
        return order.map { groups[$0]! }
    }

    public init(customerID: String, customerName: String, serviceIDs: [String], rows: [Int], holdFrom: Timestamp, holdTo: Timestamp) {
        self.customerID = customerID
        self.customerName = customerName
        self.serviceIDs = serviceIDs
        self.rows = rows
        self.holdFrom = holdFrom
        self.holdTo = holdTo
    }
}

/// The outcome of a batch.
public struct ClaimBatchResult: Sendable {
    public var rows: [ResolvedRow]
    public var groups: [SubscriberGroup]
    public var counts: [RowOutcome: Int]
    /// IDs charged for (rows read and not duplicates) and the fee.
    public var billableIDs: Int
    public var fee: Int
}

/// Resolves a claimant's rows in one pass against the inventory index, de-duplicates them within the list and
/// against the claimant's earlier rows, groups them per subscriber, and flags each row's weaknesses as evidence.
///
/// A row resolves when the inventory gives one answer at the row's time and at ± ``toleranceSeconds``: on a
/// carrier-grade NAT address the port must fall in a block (an address without a port is not identifiable), and
/// an answer that changes within the tolerance (a block handed over at that second) is not identifiable either
/// — disclosing no one beats disclosing the wrong one.
public struct ClaimBatch: Sendable {
    public var index: InventoryIndex
    /// Seconds either side of a row's time the answer must hold.
    public var toleranceSeconds = 2
    /// Days the logs behind resolution are kept: older rows are 不存在 (no-logs).
    public var retentionDays = 180
    /// Yen per ID.
    public var feePerID = 0
    /// Who runs the batch, for the lookup records.
    public var actor: String

    public init(index: InventoryIndex, actor: String) {
        self.index = index
        self.actor = actor
    }

    /// Resolves `rows`.
    /// - Parameters:
    ///   - earlier: de-duplication keys of the claimant's earlier rows, with where they were (`LR-…#row`).
    ///   - now: the batch's time (retention is counted back from it; a row after it is flagged).
    public func run(_ rows: [ClaimRow], earlier: [String: String] = [:], now: Timestamp) -> ClaimBatchResult {
        var seen: [String: String] = [:]
        var names: [String: String] = [:]
        var resolved: [ResolvedRow] = []
        resolved.reserveCapacity(rows.count)
        let retentionStart = now.adding(seconds: -Int64(retentionDays) * 86_400)
        let tolerance = Int64(toleranceSeconds) * 1_000_000
        for row in rows {
            var flags = Self.evidenceFlags(row)
            guard row.isValid, let address = row.address, let time = row.time else {
                resolved.append(ResolvedRow(row: row, outcome: .invalid, reason: row.errors.joined(separator: "; "), evidenceFlags: flags))
                continue
            }
            if time > now { flags.append("time-in-future") }
            if let key = row.dedupeKey {
                if let first = earlier[key] ?? seen[key] {
                    resolved.append(
                        ResolvedRow(row: row, outcome: .duplicate, reason: "repeats \(first)", duplicateOf: first, evidenceFlags: flags))
                    continue
                }
                seen[key] = "#\(row.rowNumber)"
            }
            var lookup = RowLookup(
                address: address.description, port: row.port, time: time, toleranceSeconds: toleranceSeconds, by: actor, at: now)
            if time < retentionStart {
                flags.append("outside-retention")
                resolved.append(
                    ResolvedRow(
                        row: row, outcome: .noLogs, reason: "older than the \(retentionDays)-day log retention", lookup: lookup, evidenceFlags: flags)
                )
                continue
            }
            // A time without seconds could be any second of its minute: the answer must hold across all of it.
            let (outcome, reason, position) = resolve(
                address, port: row.port, at: time, tolerance: tolerance, extra: row.hasSeconds ? 0 : 59_000_000)
            if let position, let attribution = index.attribution(of: position) {
                lookup.matched = "\(attribution.matched.kind) \(attribution.matched) \(attribution.assignment.validity)"
                lookup.serviceID = attribution.service.id
                lookup.customerID = attribution.customer.id
                names[attribution.customer.id] = attribution.customer.name
            }
            if outcome == .notIdentifiable && row.port == nil { flags.append("shared-address-without-port") }
            resolved.append(ResolvedRow(row: row, outcome: outcome, reason: reason, lookup: lookup, evidenceFlags: flags))
        }
        var counts: [RowOutcome: Int] = [:]
        for row in resolved { counts[row.outcome, default: 0] += 1 }
        let billable = resolved.count { $0.billable }
        return ClaimBatchResult(
            rows: resolved, groups: SubscriberGroup.groups(resolved, names: names), counts: counts, billableIDs: billable, fee: billable * feePerID)
    }

    /// The answer for one address (and port) at a time, checked at both ends of the tolerance.
    func resolve(_ address: IPAddress, port: UInt16?, at time: Timestamp, tolerance: Int64, extra: Int64 = 0) -> (RowOutcome, String, Int?) {
        var moments = [time]
        if tolerance > 0 || extra > 0 {
            moments += [Timestamp(microseconds: time.microseconds - tolerance), Timestamp(microseconds: time.microseconds + extra + tolerance)]
        }
        var answers: [Int?] = []
        for moment in moments {
            if index.natBlockCount(on: address, at: moment) > 0 {
                guard let port else { return (.notIdentifiable, "a shared (CGNAT) address and no source port", nil) }
                guard let block = index.natLookup(address, port: port, at: moment) else {
                    return (.notIdentifiable, "a shared (CGNAT) address and no subscriber held port \(port)", nil)
                }
                answers.append(block)
            } else {
                answers.append(index.lookup(address, at: moment))
            }
        }
        guard let first = answers.first, answers.allSatisfy({ $0 == first }) else {
            return (.notIdentifiable, "the holder changes within the time's tolerance (±\(tolerance / 1_000_000) s, or its minute)", nil)
        }
        guard let position = first else { return (.notOurs, "not our address at that time", nil) }
        guard index.attribution(of: position) != nil else { return (.notOurs, "assigned to a service the inventory does not know", nil) }
        return (.resolved, "held by the subscriber at that time", position)
    }

    /// The row's weaknesses as evidence.
    static func evidenceFlags(_ row: ClaimRow) -> [String] {
        var flags: [String] = []
        switch row.observation {
        case .handshake?: flags.append("handshake-only")
        case .bitfield?: flags.append("bitfield-only")
        case .unchoke?: flags.append("unchoke-only")
        case .piece?, nil: break
        }
        if row.zoneAssumed { flags.append("zone-assumed-jst") }
        if row.time != nil && !row.hasSeconds { flags.append("no-seconds") }
        if row.port == nil { flags.append("no-port") }
        if row.infoHash == nil { flags.append("no-info-hash") }
        return flags
    }
}
