import Foundation
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraTesting
import Testing

/// Bulk mode for BitTorrent claim floods: lists read from CSV and XLSX, rows validated with their raw cells kept,
/// resolved through the inventory in one batch (CGNAT ports, dedicated addresses, handovers), de-duplicated within
/// the list and against the claimant's earlier request, grouped per subscriber, flagged as evidence, and charged.
@Suite("Legal bulk mode")
struct BulkModeTests {
    @Test func aSmallJapaneseListIsReadWithItsCellsAndFlags() throws {
        let csv = """
            No.,IPアドレス,ポート番号,日時,ハッシュ,ファイル名,観測,備考
            1,198.51.100.7,50001,2026/10/05 12:34:56,ABCDEF0123456789ABCDEF0123456789ABCDEF01,作品A.mp4,UNCHOKE,
            2,198.51.100.7,,2026年10月5日 12時34分,urn:btih:VPG6YDQDKQ6ZEKGJ4M54DUDJWNVPFWAB,作品B.mp4,handshake only,x
            3,not-an-ip,80,2026-10-05T03:34:56Z,,作品C.mp4,piece received,
            """
        let rows = try ClaimListReader().read(Array(("\u{FEFF}" + csv).utf8), name: "list.csv")
        #expect(rows.count == 3)
        #expect(rows[0].address?.description == "198.51.100.7" && rows[0].port == 50001)
        #expect(rows[0].time == (try Timestamp(rfc3339: "2026-10-05T12:34:56+09:00")) && rows[0].zoneAssumed && rows[0].hasSeconds)
        #expect(rows[0].infoHash == "abcdef0123456789abcdef0123456789abcdef01")
        #expect(rows[0].observation == .unchoke && rows[0].cells["ファイル名"] == "作品A.mp4" && rows[0].cells["備考"] == "")
        #expect(rows[1].time == (try Timestamp(rfc3339: "2026-10-05T12:34:00+09:00")) && !rows[1].hasSeconds)
        #expect(rows[1].infoHash?.count == 40, "a base32 hash becomes hex")
        #expect(rows[1].warnings.contains("no source port") && rows[1].observation == .handshake && rows[1].cells["備考"] == "x")
        #expect(!rows[2].isValid && rows[2].errors.first?.hasPrefix("address \"not-an-ip\"") == true)
        #expect(rows[2].time != nil && !rows[2].zoneAssumed, "a zone in the cell is not assumed")
    }

    @Test func aColumnHeadingCanDeclareTheZoneAndExcelSerialsAreDates() throws {
        let table = [
            ["IP", "Port", "Timestamp (UTC)", "Info hash"],
            ["192.0.2.5", "6881", "2026-10-05 03:34:56", "abcdef0123456789abcdef0123456789abcdef01"],
            ["192.0.2.6", "6881", "46300.5", ""],
        ]
        let rows = try ClaimListReader().read(XLSXWriter.workbook(table), name: "list.xlsx")
        #expect(rows.count == 2)
        #expect(rows[0].time == (try Timestamp(rfc3339: "2026-10-05T03:34:56Z")) && !rows[0].zoneAssumed)
        // 46300.5 is 2026-10-05 12:00 in the column's zone (UTC).
        #expect(rows[1].time == (try Timestamp(rfc3339: "2026-10-05T12:00:00Z")) && rows[1].cells["Timestamp (UTC)"] == "46300.5")
        #expect(rows[1].warnings.isEmpty == false || rows[1].infoHash == nil)
    }

    @Test func zonesInHeadingsSerialsToTheSecondAndSheetRowNumbers() throws {
        // 日時(UTC+9) is Japanese time; 日時(UTC-5) is not guessed (JST assumed and flagged).
        let japan = try ClaimListReader().read(Array("IP,日時(UTC+9)\n192.0.2.1,2026-10-05 12:00:00\n".utf8))
        #expect(japan[0].time == (try Timestamp(rfc3339: "2026-10-05T12:00:00+09:00")) && !japan[0].zoneAssumed)
        let other = try ClaimListReader().read(Array("IP,日時(UTC-5)\n192.0.2.1,2026-10-05 12:00:00\n".utf8))
        #expect(other[0].time == (try Timestamp(rfc3339: "2026-10-05T12:00:00+09:00")) && other[0].zoneAssumed)
        // A serial printed with 15 significant digits is the second it means, not a microsecond before.
        let seconds = 3 * 3_600 + 25 * 60 + 7
        let serial = String(format: "%.15g", 46_300 + Double(seconds) / 86_400)
        let rows = try ClaimListReader().read(XLSXWriter.workbook([["IP", "Timestamp (UTC)"], ["192.0.2.1", serial]]))
        #expect(rows[0].time == (try Timestamp(rfc3339: "2026-10-05T03:25:07Z")), "\(serial)")
        // Excel leaves empty rows out; the row numbers follow the sheet.
        let sheet = XLSXWriter.workbook([["IP", "日時"], ["192.0.2.1", "2026-10-05 12:00:00"], [], [], ["192.0.2.2", "2026-10-05 12:00:01"]])
        let sparse = try ClaimListReader().read(sheet)
        #expect(sparse.map(\.line) == [2, 5] && sparse.map(\.rowNumber) == ["1", "4"])
    }

    /// A time without seconds could be any second of its minute: a NAT block handed over within that minute makes
    /// the row not identifiable, while the same row with seconds resolves.
    @Test func aTimeWithoutSecondsMustHoldForItsWholeMinute() throws {
        let address = try IPAddress("198.51.100.77")
        let block = AssignedResource.nat(NATBlock(address: address, firstPort: 1_024, lastPort: 2_047))
        let handover = try Timestamp(rfc3339: "2026-10-05T12:34:30+09:00")
        let index = InventoryIndex(
            customers: [Customer(id: "a", name: "A"), Customer(id: "b", name: "B")],
            services: [Service(id: "sa", customerID: "a", kind: "access"), Service(id: "sb", customerID: "b", kind: "access")],
            assignments: [
                Assignment(serviceID: "sa", resource: block, validity: ValidityRange(to: handover)),
                Assignment(serviceID: "sb", resource: block, validity: ValidityRange(from: handover)),
            ])
        let rows = try ClaimListReader().read(
            Array("IP,ポート番号,日時\n198.51.100.77,1500,2026-10-05 12:34\n198.51.100.77,1500,2026-10-05 12:34:05\n".utf8))
        let result = ClaimBatch(index: index, actor: "test").run(rows, now: try Timestamp(rfc3339: "2026-11-01T00:00:00Z"))
        #expect(result.rows.map(\.outcome) == [.notIdentifiable, .resolved])
        #expect(result.rows[1].lookup?.customerID == "a")
    }

    @Test func listsWithoutTheNeededColumnsOrOverTheLimitsAreRefused() {
        #expect(throws: LegalError.self) { try ClaimListReader().read(Array("name,colour\nx,red\n".utf8), name: "wrong.csv") }
        var small = ClaimListReader()
        small.maximumRows = 2
        #expect(throws: LegalError("big.csv: more than 2 rows")) {
            try small.read(Array("IP,日時\n1.2.3.4,2026-01-01\n1.2.3.5,2026-01-01\n1.2.3.6,2026-01-01\n".utf8), name: "big.csv")
        }
        #expect(throws: LegalError.self) { try ClaimListReader().read([0x50, 0x4B, 0x03, 0x04, 0, 0, 1, 2], name: "broken.xlsx") }
    }

    /// Hostile bytes never crash the reader: every mutated list either reads or fails with a `LegalError`.
    @Test func mutatedListsReadOrFailCleanly() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4D55_5441)
        let fixture = ClaimListFixture(rows: 40)
        let seeds = [fixture.csv, fixture.xlsx]
        for round in 0..<600 {
            var bytes = seeds[round % 2]
            for _ in 0..<(1 + Int(random.next() % 8)) where !bytes.isEmpty {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int(random.next() % 64)))
                default: bytes.insert(contentsOf: random.bytes(count: Int(random.next() % 16)), at: position)
                }
            }
            // The reader's only error type is LegalError (typed throws): reaching here without a trap is the test.
            do {
                _ = try ClaimListReader().read(bytes, name: "mutated")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    /// The acceptance scenario: 10,000 rows, as CSV and as XLSX, with every kind of row; each outcome is the one the
    /// generator knows, one group per subscriber, duplicates within the list and against the earlier request.
    @Test(arguments: ["csv", "xlsx"])
    func tenThousandRowsResolveAndGroupPerSubscriber(format: String) throws {
        let fixture = ClaimListFixture(rows: 10_000)
        let bytes = format == "csv" ? fixture.csv : fixture.xlsx
        let rows = try ClaimListReader().read(bytes, name: "list.\(format)")
        #expect(rows.count == 10_000)
        var batch = ClaimBatch(
            index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments), actor: "legal:alice")
        batch.feePerID = 5_000
        let result = batch.run(rows, earlier: fixture.earlier, now: fixture.now)

        var mismatches: [String] = []
        for (position, row) in result.rows.enumerated() {
            let expected = fixture.expected[position]
            let actual = row.outcome == .resolved ? "resolved:\(row.lookup?.customerID ?? "?")" : row.outcome.rawValue
            if actual != expected { mismatches.append("row \(row.row.rowNumber): \(actual), expected \(expected) (\(row.reason))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) rows differ: \(mismatches.prefix(5))")
        let expectedCounts = Dictionary(grouping: fixture.expected, by: { $0.hasPrefix("resolved") ? "resolved" : $0 }).mapValues(\.count)
        for outcome in RowOutcome.allCases {
            #expect(result.counts[outcome, default: 0] == expectedCounts[outcome.rawValue, default: 0], "\(outcome)")
        }
        // Every kind of row is present in the list.
        #expect(RowOutcome.allCases.allSatisfy { (result.counts[$0] ?? 0) > 0 }, "\(result.counts)")

        let subscribers = Set(fixture.expected.filter { $0.hasPrefix("resolved:") }.map { String($0.dropFirst(9)) })
        #expect(result.groups.count == subscribers.count)
        #expect(Set(result.groups.map(\.customerID)) == subscribers)
        for group in result.groups {
            #expect(group.rows.allSatisfy { result.rows[$0].lookup?.customerID == group.customerID })
            #expect(group.holdFrom <= group.holdTo && group.customerName.hasPrefix("契約者"))
        }
        #expect(result.groups.reduce(0) { $0 + $1.rows.count } == result.counts[.resolved])
        #expect(result.billableIDs == 10_000 - result.counts[.invalid, default: 0] - result.counts[.duplicate, default: 0])
        #expect(result.fee == result.billableIDs * 5_000)

        // Each looked-up row keeps what was asked and answered, by whom and when.
        let resolved = try #require(result.rows.first { $0.outcome == .resolved })
        #expect(resolved.lookup?.by == "legal:alice" && resolved.lookup?.at == fixture.now && resolved.lookup?.toleranceSeconds == 2)
        #expect(resolved.lookup?.matched?.isEmpty == false)
        #expect(resolved.row.cells["IPアドレス"] == resolved.row.address?.description)
        let duplicate = try #require(result.rows.first { $0.outcome == .duplicate && $0.duplicateOf?.hasPrefix("LR-") == true })
        #expect(duplicate.duplicateOf?.hasPrefix("LR-2026-000001#") == true, "a repeat of the claimant's earlier request")
        #expect(result.rows.contains { $0.evidenceFlags.contains("handshake-only") })
        #expect(result.rows.contains { $0.evidenceFlags.contains("unchoke-only") })
        #expect(result.rows.filter { $0.outcome != .invalid }.allSatisfy { $0.evidenceFlags.contains("zone-assumed-jst") })
        #expect(result.rows.contains { $0.outcome == .noLogs && $0.evidenceFlags.contains("outside-retention") })
        #expect(result.rows.contains { $0.outcome == .notIdentifiable && $0.evidenceFlags.contains("shared-address-without-port") })
    }
}
