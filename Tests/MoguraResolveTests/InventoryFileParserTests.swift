import Foundation
import MoguraCore
import MoguraResolve
import MoguraTesting
import Testing

@Suite("Inventory files")
struct InventoryFileParserTests {
    let parser = InventoryFileParser()

    func parse(_ text: String, file: String) throws -> InventoryDocument {
        try parser.parse(Array(text.utf8), file: file)
    }

    func issues(_ text: String, file: String) -> [String] {
        do {
            _ = try parse(text, file: file)
            return []
        } catch {
            return (error as? InventoryValidationError)?.issues.map(\.description) ?? ["\(error)"]
        }
    }

    @Test func readsTheDocumentedJSONShape() throws {
        let document = try parse(
            """
            {"customers":   [{"id": "c1", "name": "Example K.K.", "emails": ["abuse-contact@example.jp"], "language": "ja", "timezone": "Asia/Tokyo"}],
             "services":    [{"id": "s1", "customer": "c1", "kind": "shared-hosting"}],
             "assignments": [{"service": "s1", "prefix": "203.0.113.0/25", "valid_from": "2024-01-01T00:00:00Z", "valid_to": null},
                             {"service": "s1", "domain": "example.jp"},
                             {"service": "s1", "mail_account": "info@example.jp"},
                             {"service": "s1", "nat": {"ip": "198.51.100.7", "ports": "1024-2047"}, "valid_from": "2025-01-01T00:00:00Z", "valid_to": "2025-02-01T00:00:00Z"}]}
            """, file: "inv.json")
        #expect(document.customers.map(\.value) == [Customer(id: "c1", name: "Example K.K.", emails: [try EmailAddress("abuse-contact@example.jp")])])
        #expect(document.services.map(\.value) == [Service(id: "s1", customerID: "c1", kind: "shared-hosting")])
        #expect(
            document.assignments.map(\.value.resource.description) == ["203.0.113.0/25", "example.jp", "info@example.jp", "198.51.100.7:1024-2047"])
        #expect(document.assignments.map(\.location.line) == [3, 4, 5, 6])
        #expect(document.assignments[0].value.validity == ValidityRange(from: try Timestamp(rfc3339: "2024-01-01T00:00:00Z")))
        #expect(document.assignments[3].value.validity.to == (try Timestamp(rfc3339: "2025-02-01T00:00:00Z")))
        try InventoryValidator.validate(document, knownCustomers: [], knownServices: [])
    }

    @Test func localTimesUseTheDefaultZone() throws {
        let document = try parse(
            """
            {"assignments": [{"service": "s1", "prefix": "192.0.2.0/24", "valid_from": "2025-04-01 09:00", "valid_to": "2025-05-01 09:00 UTC"}]}
            """, file: "t.json")
        #expect(document.assignments[0].value.validity.from == (try Timestamp(rfc3339: "2025-04-01T00:00:00Z")))
        #expect(document.assignments[0].value.validity.to == (try Timestamp(rfc3339: "2025-05-01T09:00:00Z")))
        let utc = InventoryFileParser(timestampParser: TimestampParser(defaultZone: .gmt))
        let again = try utc.parse(
            Array(#"{"assignments": [{"service": "s1", "prefix": "192.0.2.0/24", "valid_from": "2025-04-01 09:00"}]}"#.utf8), file: "t.json")
        #expect(again.assignments[0].value.validity.from == (try Timestamp(rfc3339: "2025-04-01T09:00:00Z")))
    }

    @Test func errorsNameFileLineAndField() {
        let text = """
            {
              "customers": [
                {"id": "c1", "name": "A", "emails": ["not-an-address"]},
                {"id": "c2", "name": "B", "timezone": "Mars/Olympus"}
              ],
              "services": [
                {"id": "s1", "customer": "c1"}
              ],
              "assignments": [
                {"service": "s1", "prefix": "203.0.113.5/24"},
                {"service": "s1",
                 "valid_from": "2024-13-01"},
                {"service": "s1", "domain": "example.jp", "prefix": "192.0.2.0/24"},
                {"service": "s1", "nat": {"ip": "198.51.100.7", "ports": "2000-1000"}},
                {"service": "s1", "domain": "example.jp", "vaild_to": "2025-01-01"}
              ]
            }
            """
        let found = issues(text, file: "bad.json")
        #expect(found.contains { $0.hasPrefix("bad.json:3: emails: \"not-an-address\" is not an e-mail address") })
        #expect(found.contains { $0.hasPrefix("bad.json:4: timezone: \"Mars/Olympus\" is not an IANA time zone") })
        #expect(found.contains("bad.json:7: kind: missing; every service needs one"))
        #expect(found.contains { $0.hasPrefix("bad.json:10: prefix: \"203.0.113.5/24\": host bits are set; did you mean 203.0.113.0/24?") })
        #expect(found.contains { $0.hasPrefix("bad.json:11: prefix: missing; an assignment needs exactly one of") })
        #expect(found.contains { $0.hasPrefix("bad.json:12: valid_from: \"2024-13-01\"") })
        #expect(found.contains { $0.hasPrefix("bad.json:13: domain: only one of prefix, domain, mail_account, nat, path may be given") })
        #expect(found.contains { $0.hasPrefix("bad.json:14: nat.ports: \"2000-1000\" is not a port range") })
        #expect(found.contains { $0.hasPrefix("bad.json:15: vaild_to: unknown field for a assignment") })
        #expect(found.count == 9, "\(found)")
    }

    @Test func syntaxErrorsHaveLines() {
        #expect(
            issues("{\n\"customers\": [\n{\"id\": \"c1\",,}]}", file: "x.json") == [
                "x.json:3: (syntax): expected a member name in quotes but found ','"
            ])
        #expect(issues("{\"customers\": [\n\n", file: "x.json") == ["x.json:3: (syntax): expected a value but found the end of the file"])
        #expect(issues("[1]", file: "x.json").first?.hasPrefix("x.json:1: (top level): expected an object") == true)
        #expect(
            issues("{\"customers\": [{\"id\": \"a\nb\"}]}", file: "x.json") == [
                "x.json:1: (syntax): control character in string (line breaks must be written \\n)"
            ])
        let deep = String(repeating: "[", count: 200)
        #expect(issues("{\"customers\": \(deep)", file: "x.json").first?.contains("nested deeper than 64 levels") == true)
    }

    @Test func readsCSVByHeader() throws {
        let customers = try parse(
            "\u{FEFF}id,name,emails,language,timezone\r\nc1,\"Example, K.K.\",a@example.jp;b@example.jp,ja,Asia/Tokyo\r\nc2,\"Multi\nLine \"\"Quoted\"\"\",,en,UTC\r\n",
            file: "customers.csv")
        #expect(customers.customers.map(\.value.name) == ["Example, K.K.", "Multi\nLine \"Quoted\""])
        #expect(customers.customers[0].value.emails.map(\.description) == ["a@example.jp", "b@example.jp"])
        #expect(customers.customers.map(\.location.line) == [2, 3])
        let services = try parse("id,customer,kind,status\ns1,c1,vps,suspended\n", file: "services.csv")
        #expect(services.services.map(\.value) == [Service(id: "s1", customerID: "c1", kind: "vps", status: .suspended)])
        let assignments = try parse(
            """
            service,prefix,domain,mail_account,nat_ip,nat_ports,valid_from,valid_to
            s1,203.0.113.0/25,,,,,2024-01-01,
            s1,,例え.jp,,,,,
            s1,,,info@example.jp,,,,
            s1,,,,198.51.100.7,1024-2047,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z

            """, file: "assignments.csv")
        #expect(
            assignments.assignments.map(\.value.resource.description) == [
                "203.0.113.0/25", "xn--r8jz45g.jp", "info@example.jp", "198.51.100.7:1024-2047",
            ])
        #expect(assignments.assignments.map(\.location.line) == [2, 3, 4, 5])
    }

    @Test func csvErrorsNameLineAndField() {
        #expect(issues("foo,bar\n1,2\n", file: "x.csv").first?.hasPrefix("x.csv:1: (header): cannot tell what the file holds") == true)
        #expect(
            issues("service,prefix,color\ns1,192.0.2.0/24,red\n", file: "x.csv") == [
                "x.csv:1: color: unknown column in a assignment file; known columns are service, prefix, domain, mail_account, nat_ip, nat_ports, path, valid_from, valid_to"
            ])
        #expect(
            issues("service,prefix\ns1,192.0.2.0/24\ns2\ns3,10.0.0.0/33\n", file: "x.csv") == [
                "x.csv:3: (row): has 1 fields but the header has 2",
                "x.csv:4: prefix: \"10.0.0.0/33\": prefix length must be a number from 0 to 32",
            ])
        #expect(issues("id,name\nc1,\"unterminated\n", file: "x.csv") == ["x.csv:2: (syntax): a quoted field is never closed"])
        #expect(
            issues("service,nat_ip\ns1,198.51.100.7\n", file: "x.csv") == [
                "x.csv:2: nat_ports: missing; a NAT block needs a port range such as 1024-2047"
            ])
    }

    @Test func validatorFindsConflictsAndDanglingReferences() throws {
        let document = try parse(
            """
            {"customers": [{"id": "c1", "name": "A"}, {"id": "c1", "name": "A again"}],
             "services": [{"id": "s1", "customer": "c1", "kind": "vps"}, {"id": "s2", "customer": "c9", "kind": "vps"}],
             "assignments": [
               {"service": "s1", "prefix": "192.0.2.0/24", "valid_from": "2024-01-01T00:00:00Z"},
               {"service": "s1", "prefix": "192.0.2.0/24", "valid_from": "2023-01-01T00:00:00Z", "valid_to": "2024-01-02T00:00:00Z"},
               {"service": "s3", "domain": "example.jp"},
               {"service": "s1", "nat": {"ip": "198.51.100.7", "ports": "1024-2047"}},
               {"service": "s1", "nat": {"ip": "198.51.100.7", "ports": "2000-3000"}},
               {"service": "s1", "nat": {"ip": "198.51.100.7", "ports": "3001-4000"}},
               {"service": "s1", "mail_account": "a@example.jp", "valid_from": "2025-01-01T00:00:00Z", "valid_to": "2024-01-01T00:00:00Z"}
             ]}
            """, file: "v.json")
        #expect {
            try InventoryValidator.validate(document, knownCustomers: [], knownServices: [])
        } throws: { error in
            let found = (error as? InventoryValidationError)?.issues.map(\.description) ?? []
            return found == [
                "v.json:1: id: customer \"c1\" is also defined at v.json:1",
                "v.json:2: customer: no customer with id \"c9\" in this import or the store",
                "v.json:6: service: no service with id \"s3\" in this import or the store",
                "v.json:10: valid_to: 2024-01-01T00:00:00Z is not after valid_from 2025-01-01T00:00:00Z",
                "v.json:4: valid_from: prefix 192.0.2.0/24 is held by service \"s1\" (at v.json:5) from 2023-01-01T00:00:00Z to 2024-01-02T00:00:00Z; assignments of one resource must not overlap in time",
                "v.json:8: valid_from: ports on nat 198.51.100.7 is held by service \"s1\" (at v.json:7) at all times; assignments of one resource must not overlap in time",
            ]
        }
        // Against the store: an existing assignment conflicts too, and known ids satisfy references.
        let small = try parse(#"{"assignments": [{"service": "s9", "prefix": "10.0.0.0/8"}]}"#, file: "w.json")
        try InventoryValidator.validate(small, knownCustomers: [], knownServices: ["s9"])
        #expect(throws: InventoryValidationError.self) {
            try InventoryValidator.validate(
                small, knownCustomers: [], knownServices: ["s9"],
                existingAssignments: [
                    Assignment(serviceID: "s8", resource: .prefix(try IPPrefix("10.0.0.0/8")))
                ])
        }
    }

    @Test func fuzzInventoryReaders() {
        var random = SeededRandom.fromEnvironment(fallback: 0x494E_5646)
        let seeds = [
            #"{"customers": [{"id": "c1", "name": "A", "emails": ["a@b.jp"]}], "assignments": [{"service": "s1", "nat": {"ip": "1.2.3.4", "ports": "1-2"}}]}"#,
            "service,prefix,valid_from\ns1,192.0.2.0/24,2024-01-01\n\"s2\",\"10.0.0.0/8\",\n",
        ]
        for round in 0..<20_000 {
            var bytes = Array(seeds[round % 2].utf8)
            for _ in 0..<(1 + random.next() % 6) {
                let position = Int(random.next() % UInt64(bytes.count + 1))
                switch random.next() % 3 {
                case 0: if position < bytes.count { bytes.remove(at: position) }
                case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                default: if position < bytes.count { bytes[position] = Array("{}[]\",:\n\\".utf8)[Int(random.next() % 9)] }
                }
            }
            // Must not crash; every problem must carry a location inside the file.
            do {
                _ = try parser.parse(bytes, file: round % 2 == 0 ? "f.json" : "f.csv")
            } catch {
                let lines = bytes.count { $0 == UInt8(ascii: "\n") } + 1
                #expect(error.issues.allSatisfy { $0.location.line >= 1 && $0.location.line <= lines }, "\(error.issues)")
                #expect(!error.issues.isEmpty)
            }
        }
    }
}
