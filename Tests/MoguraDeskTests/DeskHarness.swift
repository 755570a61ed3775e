import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraResolve
import MoguraStore
import MoguraTesting
import NIOConcurrencyHelpers

/// A clock the test moves by hand; waiting returns at once (after a short real pause, so workers poll).
final class ManualClock: DeskClock {
    private let current: NIOLockedValueBox<Timestamp>

    init(_ start: Timestamp = Timestamp(seconds: 1_800_000_000)) {
        current = NIOLockedValueBox(start)
    }

    func now() -> Timestamp { current.withLockedValue { $0 } }

    func advance(hours: Int64) {
        current.withLockedValue { $0 = $0.adding(seconds: hours * 3_600) }
    }

    func advance(seconds: Int64) {
        current.withLockedValue { $0 = $0.adding(seconds: seconds) }
    }

    func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Records every mail instead of sending it (for tests of what the desk decides, not of delivery; the
/// end-to-end test delivers through a real Postfix).
final class CapturingMail: MailSender {
    private let sent = NIOLockedValueBox<[OutgoingMail]>([])
    var messages: [OutgoingMail] { sent.withLockedValue { $0 } }

    func send(_ mail: OutgoingMail) async throws -> String {
        sent.withLockedValue { $0.append(mail) }
        return "250 captured"
    }
}

/// The desk over a store, with a manual clock.
struct DeskHarness {
    static let inventory = """
        {"customers": [
           {"id": "c1", "name": "株式会社サンプル", "emails": ["owner@customer.example"], "language": "ja", "timezone": "Asia/Tokyo"},
           {"id": "c2", "name": "Example Cloud", "emails": ["ops@cloud.example"], "language": "en", "timezone": "UTC"}],
         "services": [
           {"id": "s1", "customer": "c1", "kind": "shared-hosting"},
           {"id": "s2", "customer": "c2", "kind": "vps"},
           {"id": "mail-1", "customer": "c1", "kind": "mail"}],
         "assignments": [
           {"service": "s1", "prefix": "203.0.113.0/25"},
           {"service": "s1", "domain": "shop.example.jp"},
           {"service": "s2", "prefix": "203.0.113.128/25"},
           {"service": "mail-1", "mail_account": "info@example.jp"},
           {"service": "s2", "nat": {"ip": "198.51.100.7", "ports": "1024-2047"}}]}
        """

    let store: any Store
    let clock: ManualClock
    var configuration: DeskConfiguration

    init(store: any Store, clock: ManualClock = ManualClock(), configuration: DeskConfiguration = DeskConfiguration()) async throws {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        let document = try InventoryFileParser().parse(Array(Self.inventory.utf8), file: "inventory.json")
        _ = try await store.importInventory(document, mode: .merge, actor: "test")
    }

    var correlator: Correlator {
        Correlator(
            store: store, inventory: InventoryCache(store: store, checkInterval: 0), policy: configuration.correlation,
            playbooks: configuration.playbooks, planner: Planner(maxAttempts: configuration.workers.maxAttempts),
            ownAddresses: [configuration.notices.fromAddress])
    }

    func runner(mail: any MailSender, connectors: [ActionKind: any ActionConnector] = [:], worker: String = "test") throws -> ActionRunner {
        var logger = Logger(label: "desk-test")
        logger.logLevel = .critical
        return ActionRunner(
            store: store, configuration: configuration, composer: try NoticeComposer(settings: configuration.notices), mail: mail,
            connectors: connectors, clock: clock, worker: worker, logger: logger)
    }

    var desk: CaseDesk { CaseDesk(store: store, playbooks: configuration.playbooks) }

    @discardableResult
    func correlate() async throws -> Correlator.Outcome {
        try await correlator.drain(batch: configuration.workers.correlationBatch, now: { clock.now() })
    }

    /// Runs due actions until none is due.
    @discardableResult
    func runActions(_ runner: ActionRunner) async throws -> Int {
        var total = 0
        while true {
            let claimed = try await runner.runDue(limit: 100)
            total += claimed
            if claimed == 0 { return total }
        }
    }

    /// Stores a report made by hand.
    @discardableResult
    func report(
        _ category: MoguraCore.Category, _ indicators: [Indicator], reporter: String? = "victim@example.org", format: String = "mime",
        channel: ReportChannel = .mail, messageID: String? = nil, parseError: String? = nil, caseID: Int64? = nil,
        evidence: [String: String] = [:]
    ) async throws -> Report {
        let report = Report(
            receivedAt: clock.now(), channel: channel, reporter: reporter, category: category, eventTime: clock.now(), subject: "\(category) report",
            indicators: indicators, caseID: caseID, format: format, messageID: messageID ?? UUID().uuidString, parseError: parseError,
            evidence: evidence)
        return try await store.insertReports([report], raw: nil, actor: "test")[0].report
    }

    /// Ingests raw mail through intake, as LMTP would, matching replies to cases.
    func ingest(_ raw: String) async throws -> [StoredReport] {
        let pipeline = IngestPipeline(intake: Intake(), store: store, actor: "test", replies: ReplyMatcher(replyTo: configuration.notices.replyTo))
        return try await pipeline.ingest(Array(raw.utf8), source: "test", channel: .mail).stored
    }
}

/// A thread-safe counter.
final class NIOLockedValueBoxCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func increment() -> Int {
        box.withLockedValue {
            $0 += 1; return $0
        }
    }
}
