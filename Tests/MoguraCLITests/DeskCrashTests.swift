import Foundation
import MoguraCore
import MoguraStore
import MoguraTesting
import Testing

/// `mogura serve` is killed with SIGKILL while it carries out an action: after it claimed the action, and after
/// the connector answered but before the outcome was recorded. After a restart the action completes exactly once,
/// and the receiver sees a single idempotency key.
@Suite("Desk workers survive being killed", .serialized, .tags(.process, .crash))
struct DeskCrashTests {
    static let inventory = """
        {"customers": [{"id": "c1", "name": "Example Shop", "emails": ["owner@customer.example"], "language": "en", "timezone": "UTC"}],
         "services": [{"id": "s1", "customer": "c1", "kind": "shared-hosting"}],
         "assignments": [{"service": "s1", "domain": "shop.example.jp"}]}
        """

    static let complaint = """
        From: Reporter <reporter@example.org>
        To: abuse@example.net
        Subject: Phishing at https://shop.example.jp/login.php
        Message-ID: <phish-1@example.org>
        Date: Mon, 23 Nov 2026 10:00:00 +0000

        A phishing page imitating a bank is at https://shop.example.jp/login.php
        """

    @Test(arguments: ["action.suspend.claimed", "action.suspend.performed"])
    func aKilledWorkerRunsTheActionExactlyOnceAfterRestart(fault: String) async throws {
        let webhook = try RecordingHTTPServer { _ in (200, "suspended") }
        defer { webhook.stop() }
        let directory = try TemporaryDirectory(prefix: "mogura-desk-crash")
        let data = directory.file("data")
        try Self.inventory.write(toFile: directory.file("inventory.json"), atomically: true, encoding: .utf8)
        try Self.complaint.write(toFile: directory.file("complaint.eml"), atomically: true, encoding: .utf8)
        try """
        connectors:
          suspend:
            webhook:
              url: \(webhook.url("/suspend"))
              secret: a secret for the crash test
              timeout: 1s
        mail:
          timeout: 1s
        workers:
          lease: 2s
          poll_interval: 100ms
          retry_delay: 1s
        """.write(toFile: directory.file("mogura.yml"), atomically: true, encoding: .utf8)
        let common = ["--data-dir", data, "--config", directory.file("mogura.yml")]
        #expect(try CommandRunner.run(["inventory", "import", directory.file("inventory.json"), "--data-dir", data]).status == 0)
        #expect(try CommandRunner.run(["ingest", directory.file("complaint.eml"), "--data-dir", data]).status == 0)

        // The first run dies at the fault point.
        let faulty = try ServeProcess(lmtpPort: try FreePort.pick(), arguments: common, environment: ["MOGURA_FAULT": fault], mayExit: true)
        try faulty.waitForExit()
        #expect(faulty.process.terminationReason == .uncaughtSignal)
        #expect(webhook.requests.count == (fault.hasSuffix("performed") ? 1 : 0))

        // The restarted server takes the action over once its lease has run out, and finishes the case's steps.
        let mogura = try ServeProcess(lmtpPort: try FreePort.pick(), arguments: common)
        try waitFor("the suspension and the notice after it", timeout: 30) {
            let outbox = (try? FileManager.default.contentsOfDirectory(atPath: data + "/outbox")) ?? []
            return !webhook.requests.isEmpty && outbox.contains { $0.hasPrefix("mogura.1.") }
        }
        #expect(mogura.stop() == 0)

        let keys = webhook.requests.compactMap { $0.headers["idempotency-key"] }
        #expect(Set(keys) == ["case:1:step:0"])
        #expect(keys.count == (fault.hasSuffix("performed") ? 2 : 1))
        try await StoreFactory.withStore(.sqlite(directory: data), logger: TestStores.logger) { store in
            let actions = try await store.actions(inCase: 1)
            let suspend = try #require(actions.first { $0.kind == .suspend })
            #expect(suspend.state == .done && suspend.attempts == 2)
            #expect(actions.filter { $0.kind == .notify }.map(\.state) == [.done])
            #expect(try await store.case(1)?.state == .suspended)
            let events = try await store.auditEvents(after: 0, limit: 10_000)
            #expect(events.filter { $0.action == "action.done" && $0.objectID == String(suspend.id!) }.count == 1)
            #expect(try await store.verifyAuditChain().isIntact)
        }
    }
}
