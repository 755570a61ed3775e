import Foundation
import MoguraCore
import MoguraStore
import MoguraTesting
import Testing

/// The `mogura` command tested by its real output, on the embedded SQLite store.
@Suite("mogura command line", .serialized, .tags(.process))
struct CLITests {
    static let inventory = """
        {"customers":   [{"id": "c1", "name": "Example K.K.", "emails": ["abuse-contact@example.jp"], "language": "ja", "timezone": "Asia/Tokyo"}],
         "services":    [{"id": "s1", "customer": "c1", "kind": "shared-hosting"}],
         "assignments": [{"service": "s1", "prefix": "203.0.113.0/25", "valid_from": "2024-01-01T00:00:00Z", "valid_to": null},
                         {"service": "s1", "domain": "example.jp"},
                         {"service": "s1", "mail_account": "info@example.jp"},
                         {"service": "s1", "nat": {"ip": "198.51.100.7", "ports": "1024-2047"}, "valid_from": "2025-01-01T00:00:00Z", "valid_to": "2025-02-01T00:00:00Z"}]}
        """

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func helpTeaches() throws {
        let root = try CommandRunner.run(["--help"])
        #expect(root.status == 0)
        for word in ["inventory", "audit", "demo", "--data-dir", "MOGURA_DATABASE_URL"] { #expect(root.standardOutput.contains(word), "\(word)") }
        let importHelp = try CommandRunner.run(["inventory", "import", "--help"])
        #expect(importHelp.standardOutput.contains("--replace-assignments"))
        #expect(importHelp.standardOutput.contains("file:line: field: reason"))
        let whoisHelp = try CommandRunner.run(["inventory", "whois", "--help"])
        #expect(whoisHelp.standardOutput.contains("--at"))
        #expect(whoisHelp.standardOutput.contains("Examples:"))
        let version = try CommandRunner.run(["version"])
        #expect(version.status == 0 && version.standardOutput.hasPrefix("mogura "))
    }

    @Test func importThenWhois() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("inventory.json", Self.inventory)
        let data = directory.file("data")
        let imported = try CommandRunner.run(["inventory", "import", file, "--data-dir", data])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.hasPrefix("imported 1 customers, 1 services, 4 assignments"))

        let found = try CommandRunner.run(["inventory", "whois", "203.0.113.7", "--at", "2024-06-01 09:00", "--format", "json", "--data-dir", data])
        #expect(found.status == 0, "\(found.standardError)")
        let object = try json(found.standardOutput)
        #expect((object["customer"] as? [String: Any])?["id"] as? String == "c1")
        #expect((object["service"] as? [String: Any])?["id"] as? String == "s1")
        #expect((object["assignment"] as? [String: Any])?["kind"] as? String == "prefix")
        #expect(object["matched"] as? String == "203.0.113.0/25")
        #expect(object["at"] as? String == "2024-06-01T00:00:00Z")

        let before = try CommandRunner.run([
            "inventory", "whois", "203.0.113.7", "--at", "2023-12-31T23:59:59Z", "--format", "json", "--data-dir", data,
        ])
        #expect(try json(before.standardOutput)["customer"] is NSNull)
        let nat = try CommandRunner.run([
            "inventory", "whois", "198.51.100.7:1500", "--at", "2025-01-15 12:00", "--format", "json", "--data-dir", data,
        ])
        #expect(try json(nat.standardOutput)["matched"] as? String == "198.51.100.7:1024-2047")
        let domain = try CommandRunner.run(["inventory", "whois", "https://www.EXAMPLE.jp./login", "--format", "json", "--data-dir", data])
        #expect(try json(domain.standardOutput)["matched"] as? String == "example.jp")

        let text = try CommandRunner.run(["inventory", "whois", "info@example.jp", "--data-dir", data])
        #expect(text.standardOutput.contains("customer  c1  Example K.K."))
        #expect(text.standardOutput.contains("matched   mail_account info@example.jp"))

        let environment = try CommandRunner.run(["inventory", "whois", "203.0.113.7", "--format", "json"], environment: ["MOGURA_DATA_DIR": data])
        #expect((try json(environment.standardOutput)["customer"] as? [String: Any])?["id"] as? String == "c1")

        let bad = try CommandRunner.run(["inventory", "whois", "not a thing!", "--data-dir", data])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("cannot read \"not a thing!\""))
        let badTime = try CommandRunner.run(["inventory", "whois", "203.0.113.7", "--at", "2024-02-30", "--data-dir", data])
        #expect(badTime.status != 0)
        #expect(badTime.standardError.contains("no such date"))
    }

    @Test func aBadImportNamesEveryProblemAndWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let good = try directory.write("inventory.json", Self.inventory)
        #expect(try CommandRunner.run(["inventory", "import", good, "--data-dir", data]).status == 0)
        let badJSON = try directory.write(
            "bad.json",
            """
            {"services": [{"id": "s2", "customer": "c1", "kind": "vps"}],
             "assignments": [
               {"service": "s2", "prefix": "192.0.2.0/24"},
               {"service": "s2", "prefix": "203.0.113.0/26", "valid_from": "2023-01-01"},
               {"service": "s2", "prefix": "203.0.113.0/25", "valid_from": "2024-06-01"}
             ]}
            """)
        let badCSV = try directory.write("more.csv", "service,domain,valid_to\ns2,example.net,tomorrow\n")
        let result = try CommandRunner.run(["inventory", "import", badJSON, badCSV, "--data-dir", data])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(badCSV):2: valid_to: \"tomorrow\"") }, "\(lines)")
        #expect(!lines.contains { $0.contains("bad.json") })  // syntax and field errors are reported before conflicts
        #expect(result.standardError.contains("nothing was imported"))

        // Fix the CSV: the JSON's conflict with the stored /25 is found inside the store's transaction.
        try directory.write("more.csv", "service,domain\ns2,example.net\n")
        let conflict = try CommandRunner.run(["inventory", "import", badJSON, badCSV, "--data-dir", data])
        #expect(conflict.status == 1)
        #expect(
            conflict.standardError.contains("\(badJSON):5: valid_from: prefix 203.0.113.0/25 is held by service \"s1\" (already in the store)"),
            "\(conflict.standardError)")
        let after = try CommandRunner.run(["inventory", "whois", "example.net", "--format", "json", "--data-dir", data])
        #expect(try json(after.standardOutput)["customer"] is NSNull)
        let audit = try CommandRunner.run(["audit", "verify", "--data-dir", data])
        #expect(audit.standardOutput.hasPrefix("audit chain intact: 1 event,"))
    }

    @Test func auditVerifyNamesATamperedEvent() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let file = try directory.write("inventory.json", Self.inventory)
        for _ in 0..<3 { #expect(try CommandRunner.run(["inventory", "import", file, "--data-dir", data]).status == 0) }
        let intact = try CommandRunner.run(["audit", "verify", "--data-dir", data])
        #expect(intact.status == 0)
        #expect(intact.standardOutput.hasPrefix("audit chain intact: 3 events, head "))

        try await StoreFactory.withStore(.sqlite(directory: data), logger: TestStores.logger) { store in
            try await store.executeRaw("DROP TRIGGER audit_events_no_update")
            try await store.executeRaw("UPDATE audit_events SET details = '{\"customers\":\"0\"}' WHERE seq = 2")
        }
        let broken = try CommandRunner.run(["audit", "verify", "--data-dir", data])
        #expect(broken.status == 1)
        #expect(broken.standardOutput.contains("audit event 2: altered"))
        #expect(broken.standardOutput.contains("audit chain BROKEN: 1 problem(s) in 3 events"))
    }

    @Test func unreachableStoresFailFastWithAReason() throws {
        let postgres = try CommandRunner.run(
            ["inventory", "whois", "192.0.2.1", "--database", "postgres://nobody:secret@127.0.0.1:1/none"], timeout: 30)
        #expect(postgres.status == 1)
        #expect(postgres.standardError.contains("cannot connect to PostgreSQL at postgres://nobody:***@127.0.0.1:1/none"))
        #expect(!postgres.standardError.contains("secret"))
        let sqlite = try CommandRunner.run(["audit", "verify", "--data-dir", "/proc/mogura-cannot-be-here"])
        #expect(sqlite.status == 1)
        #expect(sqlite.standardError.contains("cannot create the data directory /proc/mogura-cannot-be-here"))
        let mysql = try CommandRunner.run(["audit", "verify", "--database", "mysql://h/db"])
        #expect(mysql.status == 1)
        #expect(mysql.standardError.contains("database URL must start with postgres://"))
    }

    @Test func demoRunsAndIsRepeatable() throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("demo")
        for run in 0..<2 {
            let demo = try CommandRunner.run(["demo", "--no-serve", "--data-dir", data])
            #expect(demo.status == 0, "\(demo.standardError)")
            #expect(demo.standardOutput.contains("customer  c3  山田 太郎"))
            #expect(demo.standardOutput.contains("matched   prefix 203.0.113.200/32"))
            #expect(demo.standardOutput.contains("Audit chain: intact"))
            // The desk: three cases, one report in triage; the second run stores and does nothing twice.
            #expect(demo.standardOutput.contains("case 2: phishing about service:s2, suspended, playbook takedown"))
            #expect(demo.standardOutput.contains("triage: report 4 (Spam from 8.8.8.8): unattributed"))
            #expect(
                demo.standardOutput.contains(
                    run == 0 ? "correlated: 3 case(s) opened, 3 report(s) attached, 1 to triage" : "correlated: 0 case(s) opened"))
        }
        let outbox = try FileManager.default.contentsOfDirectory(atPath: data + "/outbox")
        #expect(outbox.filter { $0.hasPrefix("mogura.ack.") }.count == 3)
        #expect(outbox.filter { !$0.hasPrefix("mogura.ack.") }.count == 3)
        let calls = try String(contentsOfFile: data + "/connector-calls.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(calls.count == 1 && calls[0].contains(#""event":"action.suspend""#))
    }
}

/// Crash tests: the process is killed in the middle of an import, and nothing is half-written.
@Suite("mogura survives being killed", .serialized, .tags(.process, .crash))
struct CrashTests {
    /// A large inventory: enough rows that the import takes a while.
    static func largeInventory(assignments: Int) -> String {
        var text = #"{"customers": [{"id": "c1", "name": "Big"}], "services": [{"id": "s1", "customer": "c1", "kind": "access"}], "assignments": ["#
        text += (0..<assignments).map { n in
            #"{"service": "s1", "prefix": "10.\#(n >> 16 & 255).\#(n >> 8 & 255).\#(n & 255)/32", "valid_from": "2025-01-01 00:00"}"#
        }.joined(separator: ",\n")
        return text + "]}"
    }

    func counts(_ data: String) async throws -> (InventoryCounts, AuditVerification) {
        try await StoreFactory.withStore(.sqlite(directory: data), logger: TestStores.logger) { store in
            (try await store.inventoryCounts(), try await store.verifyAuditChain())
        }
    }

    @Test func aFaultBeforeCommitLeavesNothingBehind() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let file = try directory.write("inventory.json", Self.largeInventory(assignments: 5_000))
        let killed = try CommandRunner.run(
            ["inventory", "import", file, "--data-dir", data], environment: ["MOGURA_FAULT": "inventory-import-before-commit"])
        #expect(killed.signaled && killed.status == SIGKILL)
        #expect(killed.standardError.contains("fault point inventory-import-before-commit reached"))
        let (afterCrash, audit) = try await counts(data)
        #expect(afterCrash == InventoryCounts(customers: 0, services: 0, assignments: 0))
        #expect(audit.isIntact && audit.eventsChecked == 0)

        let retried = try CommandRunner.run(["inventory", "import", file, "--data-dir", data])
        #expect(retried.status == 0)
        let (afterRetry, auditAfterRetry) = try await counts(data)
        #expect(afterRetry == InventoryCounts(customers: 1, services: 1, assignments: 5_000))
        #expect(auditAfterRetry.isIntact && auditAfterRetry.eventsChecked == 1)
    }

    /// An uncontrolled SIGKILL at an arbitrary moment of a large import: afterwards the store holds all of it or
    /// none of it, and the audit chain agrees.
    @Test func aKillDuringAnImportIsAllOrNothing() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let file = try directory.write("inventory.json", Self.largeInventory(assignments: 40_000))
        var outcomes: Set<Int> = []
        for attempt in 0..<4 {
            let (process, output, error) = try CommandRunner.start(["inventory", "import", file, "--data-dir", data])
            // Kill at staggered points: while parsing, while writing, around the commit.
            try await Task.sleep(for: .milliseconds(150 + attempt * 350))
            kill(process.processIdentifier, SIGKILL)
            let result = CommandRunner.finish(process, output, error)
            let (after, audit) = try await counts(data)
            #expect(audit.isIntact)
            #expect(after.assignments == 0 || after.assignments == 40_000, "attempt \(attempt): \(after)")
            #expect(Int64(after.assignments == 0 ? 0 : 1) <= audit.eventsChecked)
            outcomes.insert(after.assignments)
            if !result.signaled { #expect(result.status == 0) }
        }
        // Whatever happened above, a clean run completes the job exactly once.
        #expect(try CommandRunner.run(["inventory", "import", file, "--data-dir", data]).status == 0)
        let (final, _) = try await counts(data)
        #expect(final.assignments == 40_000)
    }
}
