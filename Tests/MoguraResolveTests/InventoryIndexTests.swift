import MoguraCore
import MoguraResolve
import MoguraTesting
import Testing

/// The obviously-correct answer: scan every assignment, keep those that match and are valid, prefer the longest
/// prefix. The index must agree with it on every query.
func bruteForceAttribution(_ assignments: [Assignment], _ address: IPAddress, at time: Timestamp) -> Int? {
    var best: (index: Int, length: UInt8)?
    for (index, assignment) in assignments.enumerated() {
        guard case .prefix(let prefix) = assignment.resource, prefix.contains(address), assignment.validity.contains(time) else { continue }
        if best == nil || prefix.length > best!.length { best = (index, prefix.length) }
    }
    return best?.index
}

/// Random inventories shaped like real ones: allocations, customer blocks nested inside, hosts, and addresses that
/// move between services at random times. Same-prefix ranges never overlap (the import refuses that).
struct RandomInventory {
    var assignments: [Assignment] = []
    var probes: [IPAddress] = []
    var times: [Timestamp] = []

    init(random: inout SeededRandom, prefixes: Int, v6: Bool) {
        let base: [(UInt128, UInt8)]
        if v6 {
            base = (0..<4).map { _ in (random.next128() & IPv6Prefix.mask(32), 32) }
        } else {
            base = (0..<4).map { _ in (UInt128(UInt32(truncatingIfNeeded: random.next()) & IPv4Prefix.mask(8)), 8) }
        }
        let width: UInt8 = v6 ? 128 : 32
        let epoch = Int64(1_700_000_000_000_000)
        let day = Int64(86_400_000_000)
        times = (0..<20).map { _ in Timestamp(microseconds: epoch + Int64(random.next() % 400) * day + Int64(random.next() % UInt64(day))) }
        var used: [String: [ValidityRange]] = [:]
        for n in 0..<prefixes {
            let (network, length) = base[Int(random.next() % UInt64(base.count))]
            // Pick a longer prefix inside the base block: bias towards short extensions so nesting is common.
            let extra = UInt8(random.next() % UInt64(min(width - length, n % 3 == 0 ? 4 : (v6 ? 96 : 24)) + 1))
            let newLength = length + extra
            let hostBits = UInt128(width - length)
            var value = network | (random.next128() & ((UInt128(1) << hostBits) &- 1))
            if !v6 { value &= 0xFFFF_FFFF }
            let prefix: IPPrefix =
                v6
                ? .v6(IPv6Prefix(containing: IPv6Address(value), length: newLength))
                : .v4(IPv4Prefix(containing: IPv4Address(UInt32(value)), length: newLength))
            let start = random.next() % 3 == 0 ? nil : Optional(Timestamp(microseconds: epoch + Int64(random.next() % 400) * day))
            let end = random.next() % 2 == 0 ? nil : start.map { Timestamp(microseconds: $0.microseconds + Int64(1 + random.next() % 200) * day) }
            let validity = ValidityRange(from: start, to: end)
            let key = prefix.description
            if used[key, default: []].contains(where: { $0.overlaps(validity) }) { continue }
            used[key, default: []].append(validity)
            assignments.append(Assignment(serviceID: "s\(n % 50)", resource: .prefix(prefix), validity: validity))
            // Probe the edges of every prefix and a point inside it.
            switch prefix {
            case .v4(let p):
                probes += [.v4(p.network), .v4(p.lastAddress), .v4(IPv4Address(p.network.value &- 1)), .v4(IPv4Address(p.lastAddress.value &+ 1))]
            case .v6(let p):
                probes += [.v6(p.network), .v6(p.lastAddress), .v6(IPv6Address(p.network.value &- 1)), .v6(IPv6Address(p.lastAddress.value &+ 1))]
            }
        }
        for _ in 0..<200 {
            probes.append(v6 ? .v6(IPv6Address(random.next128())) : .v4(IPv4Address(UInt32(truncatingIfNeeded: random.next()))))
        }
    }
}

@Suite("Inventory index")
struct InventoryIndexTests {
    static let customers = [Customer(id: "c1", name: "One"), Customer(id: "c2", name: "Two")]

    static func services(_ count: Int = 50) -> [Service] {
        (0..<count).map { Service(id: "s\($0)", customerID: $0 % 2 == 0 ? "c1" : "c2", kind: "vps") }
    }

    @Test(arguments: [false, true])
    func longestPrefixMatchAgreesWithBruteForce(v6: Bool) {
        var random = SeededRandom.fromEnvironment(fallback: v6 ? 0x4C50_4D36 : 0x4C50_4D34)
        for round in 0..<20 {
            let inventory = RandomInventory(random: &random, prefixes: 20 + round * 10, v6: v6)
            let index = InventoryIndex(customers: Self.customers, services: Self.services(), assignments: inventory.assignments)
            for probe in inventory.probes {
                for time in inventory.times + [.distantPast, Timestamp(microseconds: Int64.max - 1)] {
                    let expected = bruteForceAttribution(inventory.assignments, probe, at: time)
                    let found = index.lookup(probe, at: time)
                    #expect(found == expected, "round \(round) \(probe) at \(time)")
                    if found != expected { return }
                }
            }
        }
    }

    func assignment(_ service: String, _ resource: String, kind: String = "prefix", from: String? = nil, to: String? = nil) throws -> Assignment {
        Assignment(
            serviceID: service, resource: try AssignedResource(kind: kind, text: resource),
            validity: ValidityRange(from: try from.map { try Timestamp(rfc3339: $0) }, to: try to.map { try Timestamp(rfc3339: $0) }))
    }

    @Test func addressesThatMovedResolveToTheHolderAtTheTime() throws {
        let index = InventoryIndex(
            customers: Self.customers, services: Self.services(),
            assignments: [
                try assignment("s0", "203.0.113.0/25", to: "2025-04-01T00:00:00Z"),
                try assignment("s1", "203.0.113.0/25", from: "2025-04-01T00:00:00Z"),
            ])
        let address = Indicator.ip(try IPAddress("203.0.113.7"))
        #expect(index.attribute(address, at: try Timestamp(rfc3339: "2025-03-31T23:59:59Z"))?.customer.id == "c1")
        #expect(index.attribute(address, at: try Timestamp(rfc3339: "2025-04-01T00:00:00Z"))?.customer.id == "c2")
        #expect(index.attribute(.ip(try IPAddress("203.0.113.128")), at: .now()) == nil)
        #expect(index.attribute(.ip(try IPAddress("::ffff:203.0.113.7")), at: .now())?.service.id == "s1")
    }

    @Test func domainsMatchBySuffixNeverAcrossLabels() throws {
        let index = InventoryIndex(
            customers: Self.customers, services: Self.services(),
            assignments: [
                try assignment("s0", "example.jp", kind: "domain"),
                try assignment("s1", "shop.example.jp", kind: "domain"),
                try assignment("s2", "xn--r8jz45g.jp", kind: "domain", to: "2025-01-01T00:00:00Z"),
            ])
        let now = try Timestamp(rfc3339: "2024-06-01T00:00:00Z")
        #expect(index.attribute(.domain(try DomainName("example.jp")), at: now)?.service.id == "s0")
        #expect(index.attribute(.domain(try DomainName("www.example.jp.")), at: now)?.service.id == "s0")
        #expect(index.attribute(.domain(try DomainName("a.shop.example.jp")), at: now)?.service.id == "s1")
        #expect(index.attribute(.domain(try DomainName("badexample.jp")), at: now) == nil)
        #expect(index.attribute(.domain(try DomainName("jp")), at: now) == nil)
        #expect(index.attribute(.url(try ReportedURL("https://WWW.例え.JP/login")), at: now)?.service.id == "s2")
        #expect(index.attribute(.domain(try DomainName("例え.jp")), at: try Timestamp(rfc3339: "2025-01-01T00:00:00Z")) == nil)
        #expect(index.attribute(.email(try EmailAddress("someone@shop.example.jp")), at: now)?.service.id == "s1")
    }

    @Test func mailAccountsBeforeTheirDomain() throws {
        let index = InventoryIndex(
            customers: Self.customers, services: Self.services(),
            assignments: [
                try assignment("s0", "example.jp", kind: "domain"),
                try assignment("s3", "info@example.jp", kind: "mail_account"),
            ])
        #expect(index.attribute(.email(try EmailAddress("INFO@example.jp")), at: .now())?.service.id == "s3")
        #expect(index.attribute(.account("info@example.jp"), at: .now())?.service.id == "s3")
        #expect(index.attribute(.email(try EmailAddress("sales@example.jp")), at: .now())?.service.id == "s0")
        #expect(index.attribute(.account("web123"), at: .now()) == nil)
    }

    @Test func pathsByLongestDirectoryOnTheServerFirst() throws {
        let index = InventoryIndex(
            customers: Self.customers, services: Self.services(),
            assignments: [
                try assignment("s0", "/home", kind: "path"),
                try assignment("s1", "/home/alice", kind: "path", to: "2026-01-01T00:00:00Z"),
                try assignment("s2", "/home/alice", kind: "path", from: "2026-01-01T00:00:00Z"),
                try assignment("s3", "web02:/home/alice", kind: "path"),
                try assignment("s4", "web02:/home/alice/www/shop", kind: "path"),
            ])
        let now = try Timestamp(rfc3339: "2026-06-01T00:00:00Z")
        let before = try Timestamp(rfc3339: "2025-06-01T00:00:00Z")
        func owner(_ path: String, at time: Timestamp) throws -> String? {
            index.attribute(.path(try HostedPath(path)), at: time)?.service.id
        }
        #expect(try owner("/home/alice/www/x.php", at: now) == "s2")
        #expect(try owner("/home/alice/www/x.php", at: before) == "s1")
        #expect(try owner("/home/alice", at: now) == "s2")
        #expect(try owner("/home/alicex/www/x.php", at: now) == "s0", "a sibling whose name starts alike is not inside")
        #expect(try owner("web01:/home/alice/x.php", at: now) == "s2", "an unqualified directory holds on every server")
        #expect(try owner("web02:/home/alice/x.php", at: now) == "s3", "the server's own directory before the shared one")
        #expect(try owner("web02:/home/alice/www/shop/a.php", at: now) == "s4")
        #expect(try owner("/srv/www/x.php", at: now) == nil)
    }

    @Test func natBlocksByAddressPortAndTime() throws {
        let index = InventoryIndex(
            customers: Self.customers, services: Self.services(),
            assignments: [
                try assignment("s0", "198.51.100.0/24"),
                try assignment("s4", "198.51.100.7:1024-2047", kind: "nat", from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z"),
                try assignment("s5", "198.51.100.7:2048-3071", kind: "nat", from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z"),
                try assignment("s6", "198.51.100.7:1024-2047", kind: "nat", from: "2025-02-01T00:00:00Z"),
                try assignment("s7", "[2001:db8::7]:1024-65535", kind: "nat"),
            ])
        let january = try Timestamp(rfc3339: "2025-01-15T00:00:00Z")
        let address = try IPAddress("198.51.100.7")
        #expect(index.attribute(.ipPort(address, port: 1024), at: january)?.service.id == "s4")
        #expect(index.attribute(.ipPort(address, port: 2047), at: january)?.service.id == "s4")
        #expect(index.attribute(.ipPort(address, port: 2048), at: january)?.service.id == "s5")
        #expect(index.attribute(.ipPort(address, port: 1500), at: try Timestamp(rfc3339: "2025-03-01T00:00:00Z"))?.service.id == "s6")
        // No block holds the port: fall back to the address's prefix.
        #expect(index.attribute(.ipPort(address, port: 80), at: january)?.service.id == "s0")
        #expect(index.natBlockCount(on: address, at: january) == 2)
        #expect(index.attribute(.ipPort(try IPAddress("2001:db8::7"), port: 5000), at: january)?.service.id == "s7")
    }

    /// Random NAT layouts against a brute-force scan.
    @Test func natLookupAgreesWithBruteForce() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4E41_5421)
        var assignments: [Assignment] = []
        let addresses = (0..<5).map { IPAddress.v4(IPv4Address(0xC633_6400 | UInt32($0))) }
        for (n, address) in addresses.enumerated() {
            for block in 0..<32 {
                let first = UInt16(1024 + block * 2016)
                for period in 0..<3 {
                    let from = Timestamp(seconds: 1_735_689_600 + Int64(period) * 86_400 * 10)
                    assignments.append(
                        Assignment(
                            serviceID: "s\((n * 7 + block + period) % 50)",
                            resource: .nat(NATBlock(address: address, firstPort: first, lastPort: first + 2015)),
                            validity: ValidityRange(from: from, to: from.adding(seconds: 86_400 * 10 - Int64(random.next() % 2) * 3600))))
                }
            }
        }
        let index = InventoryIndex(customers: Self.customers, services: Self.services(), assignments: assignments)
        for _ in 0..<5_000 {
            let address = addresses[Int(random.next() % 5)]
            let port = UInt16(truncatingIfNeeded: random.next())
            let time = Timestamp(seconds: 1_735_689_600 - 86_400 + Int64(random.next() % (86_400 * 32)))
            let expected = assignments.firstIndex {
                guard case .nat(let block) = $0.resource else { return false }
                return block.address == address && block.contains(port: port) && $0.validity.contains(time)
            }
            #expect(index.natLookup(address, port: port, at: time) == expected)
        }
    }
}
