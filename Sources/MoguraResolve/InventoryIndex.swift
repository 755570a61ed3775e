public import MoguraCore

/// An in-memory index of the provider's inventory that answers "whose was this at that time?".
///
/// - IP addresses: longest-prefix match that respects validity ranges (``PrefixTable``), IPv4 and IPv6 apart;
///   IPv4-mapped IPv6 addresses are looked up as IPv4.
/// - Domains: by suffix, label by label (`shop.example.jp` falls under `example.jp`; `badexample.jp` does not).
/// - Mail accounts: exact, case-insensitive; an address with no account falls back to its domain.
/// - Carrier-grade NAT: (public address, port, time) to the block holding the port; an address and port that
///   match no block fall back to the address's prefix.
/// - Paths: the longest assigned directory at or above the path (`/home/alice/www/x.php` falls under
///   `/home/alice`), one on the path's own server before one on every server.
///
/// The index is a value: build it once from a snapshot of the store, share it freely across tasks.
///
/// ```swift
/// let index = try InventoryIndex(snapshot)
/// if let owner = index.attribute(.ip(try IPAddress("203.0.113.7")), at: .now()) {
///     print(owner.customer.name, owner.matched)
/// }
/// ```
public struct InventoryIndex: Sendable {
    /// The assignments, in the order the tables refer to them.
    public let assignments: [Assignment]
    private let customers: [String: Customer]
    private let services: [String: Service]
    private let v4: PrefixTable<UInt32>
    private let v6: PrefixTable<UInt128>
    private let domains: [String: [Int32]]
    private let mailAccounts: [String: [Int32]]
    private let natBlocks: [IPAddress: [Int32]]
    private let paths: [String: [Int32]]

    /// Builds the index.
    /// - Parameter snapshot: customers, services and assignments, e.g. from `Store.loadInventory()`.
    public init(_ snapshot: InventorySnapshot) {
        self.init(customers: snapshot.customers, services: snapshot.services, assignments: snapshot.assignments)
    }

    /// Builds the index from its parts. Assignments whose service is unknown are still indexed, but attribute to
    /// nothing; the import never produces those.
    public init(customers: [Customer], services: [Service], assignments: [Assignment]) {
        self.assignments = assignments
        self.customers = Dictionary(customers.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.services = Dictionary(services.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        var v4Entries: [PrefixTable<UInt32>.Entry] = []
        var v6Entries: [PrefixTable<UInt128>.Entry] = []
        var domains: [String: [Int32]] = [:]
        var mailAccounts: [String: [Int32]] = [:]
        var natBlocks: [IPAddress: [Int32]] = [:]
        var paths: [String: [Int32]] = [:]
        v4Entries.reserveCapacity(assignments.count)
        for (position, assignment) in assignments.enumerated() {
            let index = Int32(position)
            let from = assignment.validity.lowerBound.microseconds
            let to = assignment.validity.upperBound.microseconds
            switch assignment.resource {
            case .prefix(.v4(let prefix)):
                v4Entries.append(.init(network: prefix.network.value, length: prefix.length, validFrom: from, validTo: to, assignment: index))
            case .prefix(.v6(let prefix)):
                v6Entries.append(.init(network: prefix.network.value, length: prefix.length, validFrom: from, validTo: to, assignment: index))
            case .domain(let name):
                domains[name.value, default: []].append(index)
            case .mailAccount(let address):
                mailAccounts[address.description, default: []].append(index)
            case .nat(let block):
                natBlocks[block.address, default: []].append(index)
            case .path(let path):
                paths[path.description, default: []].append(index)
            }
        }
        self.v4 = PrefixTable(entries: v4Entries)
        self.v6 = PrefixTable(entries: v6Entries)
        self.domains = domains
        self.mailAccounts = mailAccounts
        self.natBlocks = natBlocks
        self.paths = paths
    }

    /// The number of distinct IPv4 and IPv6 prefixes indexed.
    public var prefixCounts: (v4: Int, v6: Int) { (v4.prefixCount, v6.prefixCount) }

    /// Bytes held by the two prefix tables (for the benchmark's bytes-per-prefix figure).
    public var prefixTableBytes: (v4: Int, v6: Int) { (v4.memoryFootprint, v6.memoryFootprint) }

    /// Resolves an indicator as of `time`.
    /// - Parameters:
    ///   - indicator: what to resolve.
    ///   - time: when the event happened.
    /// - Returns: the customer, service and assignment, or `nil` when nothing matches.
    public func attribute(_ indicator: Indicator, at time: Timestamp) -> Attribution? {
        assignmentIndex(for: indicator, at: time).flatMap { attribution(of: $0) }
    }

    /// The NAT blocks on `address` valid at `time`: the subscribers an address without a port could mean.
    public func natBlockCount(on address: IPAddress, at time: Timestamp) -> Int {
        natBlocks[address.unmapped]?.count { assignments[Int($0)].validity.contains(time) } ?? 0
    }

    /// The position in ``assignments`` of the match for `indicator` at `time`, or `nil`.
    public func assignmentIndex(for indicator: Indicator, at time: Timestamp) -> Int? {
        switch indicator {
        case .ip(let address):
            return lookup(address, at: time)
        case .ipPort(let address, let port):
            return natLookup(address, port: port, at: time) ?? lookup(address, at: time)
        case .url(let url):
            switch url.host {
            case .ip(let address): return lookup(address, at: time)
            case .domain(let name): return lookup(name, at: time)
            }
        case .domain(let name):
            return lookup(name, at: time)
        case .email(let address):
            return first(in: mailAccounts[address.description], at: time) ?? lookup(address.domain, at: time)
        case .account(let name):
            guard let address = try? EmailAddress(name) else { return nil }
            return first(in: mailAccounts[address.description], at: time)
        case .path(let path):
            return lookup(path, at: time)
        case .fileHash:
            return nil
        }
    }

    /// The longest assigned directory at or above `path` at `time`.
    public func lookup(_ path: HostedPath, at time: Timestamp) -> Int? {
        guard !paths.isEmpty else { return nil }
        for key in path.lookupKeys {
            if let found = first(in: paths[key], at: time) { return found }
        }
        return nil
    }

    /// Longest-prefix match for one address.
    public func lookup(_ address: IPAddress, at time: Timestamp) -> Int? {
        let found: Int32
        switch address.unmapped {
        case .v4(let v4Address): found = v4.lookup(v4Address.value, at: time.microseconds)
        case .v6(let v6Address): found = v6.lookup(v6Address.value, at: time.microseconds)
        }
        return found >= 0 ? Int(found) : nil
    }

    /// Longest-prefix match on a raw IPv4 address: the position in ``assignments``, or -1. The hot path for
    /// bulk attribution and the benchmark.
    public func lookupIPv4(_ address: UInt32, at microseconds: Int64) -> Int32 {
        v4.lookup(address, at: microseconds)
    }

    /// Longest-prefix match on a raw IPv6 address: the position in ``assignments``, or -1.
    public func lookupIPv6(_ address: UInt128, at microseconds: Int64) -> Int32 {
        v6.lookup(address, at: microseconds)
    }

    /// Suffix match for a domain: the name itself, then each parent.
    public func lookup(_ name: DomainName, at time: Timestamp) -> Int? {
        for candidate in name.selfAndParents {
            if let found = first(in: domains[candidate.value], at: time) { return found }
        }
        return nil
    }

    /// The NAT block holding `port` on `address` at `time`.
    public func natLookup(_ address: IPAddress, port: UInt16, at time: Timestamp) -> Int? {
        guard let candidates = natBlocks[address.unmapped] else { return nil }
        for candidate in candidates {
            let assignment = assignments[Int(candidate)]
            if case .nat(let block) = assignment.resource, block.contains(port: port), assignment.validity.contains(time) {
                return Int(candidate)
            }
        }
        return nil
    }

    /// The full attribution for an assignment position.
    public func attribution(of position: Int) -> Attribution? {
        let assignment = assignments[position]
        guard let service = services[assignment.serviceID], let customer = customers[service.customerID] else {
            return nil
        }
        return Attribution(customer: customer, service: service, assignment: assignment)
    }

    private func first(in candidates: [Int32]?, at time: Timestamp) -> Int? {
        guard let candidates else { return nil }
        for candidate in candidates where assignments[Int(candidate)].validity.contains(time) {
            return Int(candidate)
        }
        return nil
    }
}

extension InventoryIndex: AttributionLookup {
    public func resolve(_ indicator: Indicator, at time: Timestamp) async throws -> Attribution? {
        attribute(indicator, at: time)
    }
}
