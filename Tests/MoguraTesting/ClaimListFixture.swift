public import MoguraCore

/// A BitTorrent claim list and the inventory it is resolved against, generated with the answer for every row, for
/// the bulk-mode tests and the benchmark.
///
/// The inventory has carrier-grade NAT addresses (198.51.100.1–, 31 blocks of 2,048 ports each, one subscriber per
/// block; on the first five addresses each block changes hands at ``handover``) and dedicated addresses
/// (192.0.2.0/24 and 203.0.113.0/24, one subscriber each). The rows mix: rows on a NAT block, on a dedicated
/// address, outside the inventory, on a NAT address without a port, older than the retention, within the
/// tolerance of a handover, repeats of an earlier row of the list, repeats of the claimant's earlier request, and
/// unreadable rows — each counted in ``expected``.
public struct ClaimListFixture: Sendable {
    public var customers: [Customer] = []
    public var services: [Service] = []
    public var assignments: [Assignment] = []
    /// The list as a table: a heading row, then the rows (CSV and XLSX are written from it).
    public var table: [[String]] = []
    /// Expected outcome per row (by position after the heading): `resolved:<customer>`, `not-ours`,
    /// `not-identifiable`, `no-logs`, `duplicate`, `invalid`.
    public var expected: [String] = []
    /// Keys of the claimant's earlier request (address|port|second|hash → where).
    public var earlier: [String: String] = [:]
    /// When the batch runs.
    public let now = Timestamp(microseconds: 1_795_910_400_000_000)  // 2026-11-29T00:00:00Z
    /// When the blocks of the first five NAT addresses change hands.
    public let handover = Timestamp(microseconds: 1_793_491_200_000_000)  // 2026-11-01T00:00:00Z

    public static let heading = ["No.", "IPアドレス", "ポート番号", "日時", "ハッシュ", "ファイル名", "ファイルサイズ", "観測"]

    public init(rows count: Int, natAddresses: Int = 50, seed: UInt64 = 0x434C_4149) {
        var random = SeededRandom(seed: seed)
        let start = Timestamp(microseconds: 1_767_225_600_000_000)  // 2026-01-01T00:00:00Z
        var subscriber = 0
        func addSubscriber(_ resource: AssignedResource, from: Timestamp?, to: Timestamp?) {
            subscriber += 1
            customers.append(Customer(id: "c\(subscriber)", name: "契約者\(subscriber)"))
            services.append(Service(id: "s\(subscriber)", customerID: "c\(subscriber)", kind: resource.kind == "nat" ? "access" : "dedicated"))
            assignments.append(Assignment(serviceID: "s\(subscriber)", resource: resource, validity: ValidityRange(from: from, to: to)))
        }
        var natBlocks: [(address: String, first: UInt16, before: String, after: String?)] = []
        for n in 1...natAddresses {
            let address = try! IPAddress("198.51.100.\(n)")
            for block in 0..<31 {
                let first = UInt16(1_024 + block * 2_048)
                let nat = AssignedResource.nat(NATBlock(address: address, firstPort: first, lastPort: first + 2_047))
                if n <= 5 {
                    addSubscriber(nat, from: start, to: handover)
                    let before = "c\(subscriber)"
                    addSubscriber(nat, from: handover, to: nil)
                    natBlocks.append((address.description, first, before, "c\(subscriber)"))
                } else {
                    addSubscriber(nat, from: start, to: nil)
                    natBlocks.append((address.description, first, "c\(subscriber)", nil))
                }
            }
        }
        var dedicated: [(address: String, customer: String)] = []
        for network in ["192.0.2", "203.0.113"] {
            for host in 0..<256 {
                let address = "\(network).\(host)"
                addSubscriber(.prefix(try! IPPrefix("\(address)/32")), from: start, to: nil)
                dedicated.append((address, "c\(subscriber)"))
            }
        }

        func hash() -> String { (0..<5).map { _ in String(format8(random.next())) }.joined().prefix(40).lowercased() }
        func format8(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        }
        /// A time between 2026-10-01 and 2026-11-20 JST, written without a zone, and the instant it means.
        func recentTime() -> (String, Timestamp) {
            let seconds = 1_790_780_400 + Int64(random.next() % (50 * 86_400))  // from 2026-10-01T00:00:00+09:00
            return (Self.jst(seconds), Timestamp(microseconds: seconds * 1_000_000))
        }
        let observations = ["UNCHOKE", "piece received", "handshake", "bitfield", ""]
        table = [Self.heading]
        var written: [(row: [String], key: String)] = []
        let earlierRows = max(1, count / 33)
        for index in 0..<earlierRows {
            let block = natBlocks[Int(random.next() % UInt64(natBlocks.count))]
            let (text, time) = recentTime()
            let h = hash()
            let port = block.first + 7
            _ = text
            earlier["\(block.address)|\(port)|\(time.microseconds / 1_000_000)|\(h)"] = "LR-2026-000001#\(index + 1)"
        }
        // Sorted: a dictionary's order changes from process to process, and the list must not.
        let earlierKeys = earlier.keys.sorted()
        for index in 0..<count {
            let number = String(index + 1)
            let roll = random.next() % 100
            let h = hash()
            let file = "作品\(random.next() % 500).mp4"
            let size = String(1_000_000 + random.next() % 4_000_000_000)
            let seen = observations[Int(random.next() % UInt64(observations.count))]
            var row: [String]
            var outcome: String
            switch roll {
            case 0..<58:
                let block = natBlocks[Int(random.next() % UInt64(natBlocks.count))]
                var (text, time) = recentTime()
                let port = block.first + UInt16(random.next() % 2_048)
                if let after = block.after {
                    outcome = "resolved:\(time < handover ? block.before : after)"
                    // Keep clear of the handover's tolerance.
                    if abs(time.microseconds - handover.microseconds) < 10_000_000 {
                        text = Self.jst(time.microseconds / 1_000_000 - 60)
                        time = Timestamp(microseconds: time.microseconds - 60_000_000)
                        outcome = "resolved:\(time < handover ? block.before : after)"
                    }
                } else {
                    outcome = "resolved:\(block.before)"
                }
                row = [number, block.address, String(port), text, h, file, size, seen]
            case 58..<78:
                let host = dedicated[Int(random.next() % UInt64(dedicated.count))]
                let (text, _) = recentTime()
                row = [number, host.address, String(1_024 + random.next() % 60_000), text, h, file, size, seen]
                outcome = "resolved:\(host.customer)"
            case 78..<83:
                let (text, _) = recentTime()
                row = [number, "100.100.\(random.next() % 256).\(random.next() % 256)", "51413", text, h, file, size, seen]
                outcome = "not-ours"
            case 83..<86:
                let block = natBlocks[Int(random.next() % UInt64(natBlocks.count))]
                let (text, _) = recentTime()
                row = [number, block.address, "", text, h, file, size, seen]
                outcome = "not-identifiable"
            case 86..<88:
                let block = natBlocks[Int(random.next() % UInt64(natBlocks.count))]
                let old = 1_776_000_000 + Int64(random.next() % 86_400)  // April 2026, outside 180 days
                row = [number, block.address, String(block.first + 1), Self.jst(old), h, file, size, seen]
                outcome = "no-logs"
            case 88..<89:
                // One second after a handover: the holder differs within the ±2 s tolerance.
                let block = natBlocks[Int(random.next() % 155)]
                row = [number, block.address, String(block.first + 3), Self.jst(handover.microseconds / 1_000_000 + 1), h, file, size, seen]
                outcome = "not-identifiable"
            case 89..<95 where !written.isEmpty:
                var copy = written[Int(random.next() % UInt64(written.count))].row
                copy[0] = number
                row = copy
                outcome = "duplicate"
            case 95..<98:
                let key = earlierKeys[Int(random.next() % UInt64(earlierKeys.count))].split(separator: "|").map(String.init)
                row = [number, key[0], key[1], Self.jst(Int64(key[2])!), key[3], file, size, seen]
                outcome = "duplicate"
            default:
                if random.next() % 2 == 0 {
                    row = [number, "999.1.2.3", "80", recentTime().0, h, file, size, seen]
                } else {
                    row = [number, "198.51.100.9", "8080", "", h, file, size, seen]
                }
                outcome = "invalid"
            }
            table.append(row)
            expected.append(outcome)
            if outcome.hasPrefix("resolved") { written.append((row, "")) }
        }
    }

    /// `2026/10/05 12:34:56`, JST, no zone written (as claimant lists are).
    public static func jst(_ seconds: Int64) -> String {
        let local = seconds + 9 * 3_600
        let day = CivilDate(dayNumber: Int(local / 86_400))
        let second = Int(local % 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(day.year)/\(two(day.month))/\(two(day.day)) \(two(second / 3_600)):\(two(second / 60 % 60)):\(two(second % 60))"
    }

    /// The list as CSV (RFC 4180; no field here needs quoting).
    public var csv: [UInt8] { Array(table.map { $0.joined(separator: ",") }.joined(separator: "\r\n").utf8) }

    /// The inventory as `mogura inventory import` reads it (JSON).
    public var inventoryJSON: String {
        func quote(_ text: String) -> String { "\"" + text + "\"" }
        let customerLines = customers.map { "{\"id\": \(quote($0.id)), \"name\": \(quote($0.name))}" }
        let serviceLines = services.map { "{\"id\": \(quote($0.id)), \"customer\": \(quote($0.customerID)), \"kind\": \(quote($0.kind))}" }
        let assignmentLines = assignments.map { assignment -> String in
            var fields = ["\"service\": \(quote(assignment.serviceID))"]
            switch assignment.resource {
            case .nat(let block):
                fields.append("\"nat\": {\"ip\": \(quote(block.address.description)), \"ports\": \"\(block.firstPort)-\(block.lastPort)\"}")
            default:
                fields.append("\(quote(assignment.resource.kind)): \(quote(assignment.resource.description))")
            }
            if let from = assignment.validity.from { fields.append("\"valid_from\": \(quote(from.description))") }
            if let to = assignment.validity.to { fields.append("\"valid_to\": \(quote(to.description))") }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return """
            {"customers": [\(customerLines.joined(separator: ",\n"))],
             "services": [\(serviceLines.joined(separator: ",\n"))],
             "assignments": [\(assignmentLines.joined(separator: ",\n"))]}
            """
    }

    /// The list as an XLSX workbook.
    public var xlsx: [UInt8] { XLSXWriter.workbook(table) }
}
