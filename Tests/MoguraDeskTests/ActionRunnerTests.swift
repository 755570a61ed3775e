import Crypto
import Foundation
import MoguraCore
import MoguraDesk
import MoguraStore
import MoguraTesting
import Testing

/// Workers and connectors against real receivers: an HTTP server for webhooks, real programs for commands.
@Suite("Actions and connectors", .serialized, .tags(.postgres))
struct ActionRunnerTests {
    static let secret = "a shared secret for the tests"
    static let site = Indicator.url(try! ReportedURL("https://shop.example.jp/login.php"))

    static func verify(_ request: RecordingHTTPServer.Request) -> Bool {
        guard let timestamp = request.headers["x-mogura-timestamp"], let signature = request.headers["x-mogura-signature"] else { return false }
        let key = SymmetricKey(data: Array(secret.utf8))
        let expected = HMAC<SHA256>.authenticationCode(for: Array(timestamp.utf8) + [UInt8(ascii: ".")] + request.body, using: key)
        return signature == "sha256=" + expected.map { String(format: "%02x", $0) }.joined()
    }

    @Test(arguments: TestStores.engines)
    func webhooksAreSignedAndRetriedWithBackoffUnderOneKey(engine: StoreEngineKind) async throws {
        let attempts = Counter()
        let server = try RecordingHTTPServer { _ in attempts.next() == 1 ? (503, "busy") : (200, "suspended s1") }
        defer { server.stop() }
        try await TestStores.withStore(engine) { store async throws in
            var harness = try await DeskHarness(store: store)
            harness.configuration.connectors[.suspend] = .webhook(
                url: server.url("/hook"), secret: Self.secret, timeout: 5, headers: ["X-Tenant": "t1"])
            let mail = CapturingMail()
            let runner = try harness.runner(mail: mail, connectors: ActionRunner.connectors(for: harness.configuration))
            try await harness.report(.phishing, [Self.site])
            try await harness.correlate()
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            try await harness.runActions(runner)
            var suspend = try #require(try await store.actions(inCase: kase.id!).first { $0.kind == .suspend })
            #expect(suspend.state == .planned && suspend.attempts == 1 && suspend.lastError?.contains("HTTP 503") == true)
            // Not due again until the backoff (30 s) has passed.
            #expect(try await harness.runActions(runner) == 0)
            harness.clock.advance(seconds: 31)
            try await harness.runActions(runner)
            suspend = try #require(try await store.actions(inCase: kase.id!).first { $0.kind == .suspend })
            #expect(suspend.state == .done && suspend.attempts == 2 && suspend.result == "HTTP 200: suspended s1")
            let requests = server.requests
            #expect(requests.count == 2)
            #expect(Set(requests.compactMap { $0.headers["idempotency-key"] }) == [suspend.idempotencyKey])
            #expect(requests.allSatisfy(Self.verify))
            #expect(requests.allSatisfy { $0.method == "POST" && $0.path == "/hook" && $0.headers["x-tenant"] == "t1" })
            #expect(requests.allSatisfy { $0.headers["content-type"] == "application/json" && $0.headers["x-mogura-event"] == "action.suspend" })
            let event = try JSONDecoder().decode(ActionEvent.self, from: Data(requests[1].body))
            #expect(event.subject.key == "s1" && event.customer?.id == "c1" && event.attempt == 2 && event.case.id == kase.id)
            // A tampered body does not verify.
            var tampered = requests[1]
            tampered.body[0] = UInt8(ascii: " ")
            #expect(!Self.verify(tampered))
            // The case is suspended and the customer notified (in Japanese), saying so.
            #expect(try await store.case(kase.id!)?.state == .suspended)
            let notice = try #require(mail.messages.first { $0.to == ["owner@customer.example"] })
            #expect(notice.body.contains("一時停止いたしました"))
            #expect(notice.subject.contains("案件番号 \(kase.id!)"))
        }
    }

    @Test(arguments: TestStores.engines)
    func aRefusalFailsTheActionForAPerson(engine: StoreEngineKind) async throws {
        let server = try RecordingHTTPServer { _ in (400, "unknown service") }
        defer { server.stop() }
        try await TestStores.withStore(engine) { store async throws in
            var harness = try await DeskHarness(store: store)
            harness.configuration.connectors[.suspend] = .webhook(url: server.url(), secret: Self.secret, timeout: 5, headers: [:])
            let runner = try harness.runner(mail: CapturingMail(), connectors: ActionRunner.connectors(for: harness.configuration))
            try await harness.report(.phishing, [Self.site])
            try await harness.correlate()
            try await harness.runActions(runner)
            harness.clock.advance(hours: 2)
            try await harness.runActions(runner)
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            let actions = try await store.actions(inCase: kase.id!)
            let suspend = try #require(actions.first { $0.kind == .suspend })
            #expect(suspend.state == .failed && suspend.attempts == 1 && suspend.lastError?.contains("HTTP 400 unknown service") == true)
            #expect(server.requests.count == 1)
            // The ladder waits for a person: nothing after the failed step.
            #expect(actions.filter { $0.step != nil }.count == 1)
            #expect(kase.state == .new)
            let events = try await store.auditEvents(after: 0, limit: 10_000)
            #expect(events.contains { $0.action == "action.failed" && $0.objectID == String(suspend.id!) })
        }
    }

    @Test func commandsRunWithArgvAndTheEventOnStandardInput() async throws {
        let directory = try TemporaryDirectory(prefix: "mogura-command")
        let script = directory.file("block.sh")
        // The event goes to a file named after its key; the subject is echoed as the result.
        try """
        #!/bin/sh
        cat > "$1/$MOGURA_IDEMPOTENCY_KEY.json"
        echo "done for $MOGURA_SUBJECT ($MOGURA_EVENT, attempt $MOGURA_ATTEMPT)"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try await TestStores.withStore(.sqlite) { store async throws in
            var harness = try await DeskHarness(store: store)
            harness.configuration.connectors[.blockMail] = .command(argv: [script, directory.path], timeout: 10)
            harness.configuration.connectors[.resetPassword] = .command(argv: [script, directory.path], timeout: 10)
            let mail = CapturingMail()
            let runner = try harness.runner(mail: mail, connectors: ActionRunner.connectors(for: harness.configuration))
            try await harness.report(.compromisedAccount, [.email(try EmailAddress("info@example.jp"))])
            try await harness.correlate()
            try await harness.runActions(runner)
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            let actions = try await store.actions(inCase: kase.id!).filter { $0.step != nil }
            #expect(actions.map(\.kind) == [.blockMail, .resetPassword, .notify])
            #expect(actions.allSatisfy { $0.state == .done })
            #expect(actions[0].result == "exit 0: done for mail-1 (action.block-mail, attempt 1)")
            let written = try String(contentsOfFile: directory.file("\(actions[0].idempotencyKey).json"), encoding: .utf8)
            let event = try JSONDecoder().decode(ActionEvent.self, from: Data(written.utf8))
            #expect(event.action.kind == "block-mail" && event.subject.key == "mail-1")
            let notice = try #require(mail.messages.first { $0.to == ["owner@customer.example"] })
            #expect(notice.body.contains("メール送信を停止し、パスワードを初期化"))
        }
    }

    @Test func commandTimeoutsAreRetriedAndUsageErrorsAreNot() async throws {
        let slow = CommandConnector(argv: ["/bin/sleep", "30"], timeout: 1)
        let event = ActionEvent(
            action: Action(id: 1, caseID: 1, kind: .suspend, dueAt: .now(), idempotencyKey: "k"),
            case: Case(id: 1, track: .termsOfService, category: .spam, subject: .service("s1"), openedAt: .now()), customer: nil, reportCount: 1,
            attempt: 1, now: .now())
        let started = Date()
        await #expect {
            _ = try await slow.perform(event)
        } throws: { error in
            (error as? ConnectorError)?.permanent == false && "\(error)".contains("killed by signal")
        }
        #expect(Date().timeIntervalSince(started) < 10)
        let usage = CommandConnector(argv: ["/bin/sh", "-c", "echo bad usage >&2; exit 64"], timeout: 5)
        await #expect {
            _ = try await usage.perform(event)
        } throws: { error in
            (error as? ConnectorError)?.permanent == true && "\(error)".contains("status 64: bad usage")
        }
        let temporary = CommandConnector(argv: ["/bin/sh", "-c", "exit 75"], timeout: 5)
        await #expect { _ = try await temporary.perform(event) } throws: { ($0 as? ConnectorError)?.permanent == false }
        let missing = CommandConnector(argv: ["/nonexistent/program"], timeout: 5)
        await #expect { _ = try await missing.perform(event) } throws: { ($0 as? ConnectorError)?.permanent == true }
        // A program that writes a lot does not block on a full pipe.
        let chatty = CommandConnector(argv: ["/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; echo"], timeout: 10)
        #expect(try await chatty.perform(event).hasPrefix("exit 0: xxxx"))
    }

    @Test(arguments: TestStores.engines)
    func stepsThatNeedApprovalWaitForAPerson(engine: StoreEngineKind) async throws {
        let server = try RecordingHTTPServer()
        defer { server.stop() }
        try await TestStores.withStore(engine) { store async throws in
            var harness = try await DeskHarness(store: store)
            harness.configuration.playbooks = PlaybookSet([
                Playbook(
                    name: "careful", steps: [.init(action: .suspend, requiresApproval: true), .init(action: .notify)], acknowledgeReporter: false)
            ])
            harness.configuration.connectors[.suspend] = .webhook(url: server.url(), secret: Self.secret, timeout: 5, headers: [:])
            let runner = try harness.runner(mail: CapturingMail(), connectors: ActionRunner.connectors(for: harness.configuration))
            try await harness.report(.spam, [.ip(try IPAddress("203.0.113.9"))])
            try await harness.correlate()
            #expect(try await harness.runActions(runner) == 0)
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            let suspend = try #require(try await store.actions(inCase: kase.id!).first)
            #expect(suspend.kind == .suspend && suspend.state == .planned && suspend.requiresApproval)
            await #expect(throws: CaseDesk.Refusal.self) { try await harness.desk.approve(action: 999, by: "cli:alice", at: harness.clock.now()) }
            try await harness.desk.approve(action: suspend.id!, by: "cli:alice", at: harness.clock.now())
            await #expect(throws: CaseDesk.Refusal.self) {
                try await harness.desk.approve(action: suspend.id!, by: "cli:bob", at: harness.clock.now())
            }
            #expect(try await harness.runActions(runner) == 2)  // the suspension, then the notice it planned
            let actions = try await store.actions(inCase: kase.id!)
            #expect(actions.map(\.state) == [.done, .done] && actions[0].approvedBy == "cli:alice")
            let event = try JSONDecoder().decode(ActionEvent.self, from: Data(try #require(server.requests.first).body))
            #expect(event.action.approvedBy == "cli:alice")
        }
    }

    @Test func withoutAConnectorTheActionFailsWithAClearError() async throws {
        try await TestStores.withStore(.sqlite) { store async throws in
            let harness = try await DeskHarness(store: store)
            let runner = try harness.runner(mail: CapturingMail())
            try await harness.report(.phishing, [Self.site])
            try await harness.correlate()
            try await harness.runActions(runner)
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            let suspend = try #require(try await store.actions(inCase: kase.id!).first { $0.kind == .suspend })
            #expect(suspend.state == .failed)
            #expect(suspend.lastError == "no connector is configured for suspend (connectors.suspend in the configuration)")
        }
    }
}

/// Counts calls from any thread.
final class Counter: Sendable {
    private let value = NIOLockedValueBoxCounter()
    func next() -> Int { value.increment() }
}
