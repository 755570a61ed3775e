import ArgumentParser
import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraResolve
import MoguraStore
import MoguraWeb
import ServiceLifecycle
import UnixSignals

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A first look: the whole pipeline on an embedded database with sample data.",
        discussion: """
            Creates the data directory (default ./mogura-demo) if needed, imports the sample inventory that ships \
            with Mogura, and answers "whose was this at that time?" for addresses that moved between customers, \
            nested prefixes, IPv6, domains, mail accounts and carrier-grade NAT ports. Then it runs the desk: four \
            sample complaints (English and Japanese) are ingested, correlated into cases, and their playbooks run — \
            notices and acknowledgements are written to the outbox folder in the data directory (nothing is mailed), \
            and suspensions go to a demo connector that appends each call to connector-calls.jsonl. Finally it \
            checks the audit chain. Running it again stores nothing twice.

            Then it serves the web UI on the embedded database and prints its address and a demo login (user \
            `demo`, a new random password each run, with every role so that both tracks show). Stop it with Ctrl-C. \
            --no-serve stops after the desk instead.
            """)

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Directory for the demo's SQLite database.", valueName: "dir"))
    var dataDirectory = "./mogura-demo"

    @Option(
        name: .customLong("listen"), help: ArgumentHelp("Where the demo web server listens (host:port; port 0 for a free one).", valueName: "address")
    )
    var listen = "127.0.0.1:8080"

    @Flag(name: .customLong("no-serve"), help: "Stop after the desk has run; do not start the web server.")
    var noServe = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        do { _ = try WebServer.address(listen) } catch { throw ValidationError("--listen \(listen): expected host:port") }
    }

    func run() async throws {
        let document = try InventoryFileParser().parse(Array(SampleInventory.json.utf8), file: "sample-inventory.json")
        let configuration = StoreConfiguration.sqlite(directory: dataDirectory)
        print("Mogura \(MoguraVersion.current) demo — \(configuration)\n")
        let (summary, snapshot) = try await StoreFactory.withStore(configuration, logger: logging.makeLogger()) { store in
            let summary = try await store.importInventory(document, mode: .merge, actor: "demo")
            return (summary, try await store.loadInventory())
        }
        print(
            "Imported the sample inventory: \(summary.customersWritten) customers, \(summary.servicesWritten) services, \(summary.assignmentsWritten) assignments."
        )
        let index = InventoryIndex(snapshot)
        let zone = TimestampParser.tokyo
        let parser = TimestampParser(defaultZone: zone)
        let questions: [(String, String, String)] = [
            ("192.0.2.10", "2025-03-31 12:00", "an address that moved from one customer…"),
            ("192.0.2.10", "2025-04-02 12:00", "…to another on 2025-04-01 09:00 JST"),
            ("203.0.113.7", "2025-06-01 09:00", "a shared-hosting /24"),
            ("203.0.113.200", "2025-06-01 09:00", "a dedicated server's /32 inside that /24 (longest prefix wins)"),
            ("2001:db8:100:5::25", "2025-06-01 09:00", "IPv6, a /64 inside a /48"),
            ("https://shop.example.jp/login.php", "2025-06-01 09:00", "a phishing URL, by its host's parent domain"),
            ("www.例え.jp", "2025-06-01 09:00", "an internationalised domain (stored as xn--r8jz45g.jp)"),
            ("info@example.jp", "2025-06-01 09:00", "a mail account sending spam"),
            ("198.51.100.7:1500", "2025-01-15 10:00", "carrier-grade NAT: address, port and time…"),
            ("198.51.100.7:2500", "2025-01-15 10:00", "…another port, another subscriber"),
            ("198.51.100.7:2500", "2025-03-01 10:00", "…after the NAT blocks ended"),
            ("8.8.8.8", "2025-06-01 09:00", "not ours"),
        ]
        for (text, time, note) in questions {
            let indicator = try Indicator(guessing: text)
            let at = try parser.parse(time).timestamp
            print("\n# \(note)")
            print(WhoisReport.text(indicator: indicator, at: at, attribution: index.attribute(indicator, at: at), natBlocks: 0, zone: zone))
        }
        try await runDesk(configuration: configuration)
        let verification = try await StoreFactory.withStore(configuration, logger: logging.makeLogger()) { store in
            try await store.verifyAuditChain()
        }
        print(
            "\nAudit chain: "
                + (verification.isIntact
                    ? "intact, \(verification.eventsChecked) event\(verification.eventsChecked == 1 ? "" : "s"), head \(verification.headHash.hex.prefix(16))…"
                    : "BROKEN"))
        print(
            """

            Try it yourself:
              swift run mogura case list --data-dir \(dataDirectory)
              swift run mogura case show 1 --data-dir \(dataDirectory)
              swift run mogura case triage --data-dir \(dataDirectory)
              swift run mogura inventory whois 192.0.2.10 --at '2025-03-31 12:00' --data-dir \(dataDirectory)
              swift run mogura inventory whois 198.51.100.7:1500 --at 2025-01-15T01:00:00Z --format json --data-dir \(dataDirectory)
              swift run mogura audit verify --data-dir \(dataDirectory)
            """)
        if !noServe { try await serve(configuration: configuration) }
    }

    /// Serves the web UI with a demo account until interrupted.
    func serve(configuration: StoreConfiguration) async throws {
        var logger = logging.makeLogger()
        if logging.level == .warning { logger.logLevel = .error }
        let password = "demo-" + APITokens.make().dropFirst(7).prefix(16)
        let hash = await PasswordHasher.hash(String(password), cost: 10)
        let store = try await StoreFactory.open(configuration, logger: logger)
        let storeService = StoreService(store: store)
        var desk = DeskConfiguration()
        desk.web.listen = listen
        desk.mail.transport = .outbox(directory: (dataDirectory as NSString).appendingPathComponent("outbox"))
        let deskSettings = desk
        let web = WebService(store: storeService, configuration: desk, intake: Intake(), logger: logger) { port in
            let host = (try? WebServer.address(deskSettings.web.listen).0) ?? "127.0.0.1"
            FileHandle.standardOutput.write(
                Data(
                    """

                    Web UI: http://\(host):\(port)/
                    Demo login: demo / \(password)
                    Public report form: http://\(host):\(port)/report
                    Stop with Ctrl-C.

                    """.utf8))
        }
        let setup = DemoUserSetup(store: storeService, passwordHash: hash)
        let group = ServiceGroup(
            configuration: .init(services: [storeService, setup, web], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await store.shutdown()
    }

    /// Creates (or resets) the demo account once the store is ready.
    struct DemoUserSetup: ServiceLifecycle.Service {
        let store: StoreService
        let passwordHash: String

        func run() async throws {
            await store.waitUntilReady()
            let roles: Set<StaffRole> = [.admin, .tosAgent, .legalLead, .networkOperator]
            if try await store.store.user("demo") == nil {
                try await store.store.addUser(
                    StaffUser(login: "demo", displayName: "Demo", roles: roles), passwordHash: passwordHash, actor: "demo", at: .now())
            } else {
                try await store.store.setPassword("demo", passwordHash: passwordHash, actor: "demo", at: .now())
                try await store.store.setRoles("demo", roles: roles, actor: "demo", at: .now())
            }
            try await gracefulShutdown()
        }
    }

    /// Ingests the sample complaints, correlates them and runs what is due, then prints the cases.
    func runDesk(configuration: StoreConfiguration) async throws {
        var settings = DeskConfiguration()
        settings.mail.transport = .outbox(directory: (dataDirectory as NSString).appendingPathComponent("outbox"))
        let calls = (dataDirectory as NSString).appendingPathComponent("connector-calls.jsonl")
        for kind in [ActionKind.suspend, .suspendWeb, .resume, .blockMail, .resetPassword] {
            // A stand-in for the provider's control panel: the event, one JSON line per call, appended to a file.
            settings.connectors[kind] = .command(argv: ["/usr/bin/env", "tee", "-a", calls], timeout: 10)
        }
        let desk = settings
        var logger = logging.makeLogger()
        logger.logLevel = .critical
        let actionLogger = logger
        print("\n# The desk: four complaints in, cases and actions out")
        try await StoreFactory.withStore(configuration, logger: logger) { store in
            let pipeline = IngestPipeline(intake: Intake(), store: store, actor: "demo", replies: ReplyMatcher(replyTo: desk.notices.replyTo))
            for sample in SampleReports.all(date: Date()) {
                let result = try await pipeline.ingest(sample.bytes, source: sample.name, channel: .mail)
                let draft = result.drafts[0]
                print(
                    "ingested \(sample.name): \(draft.category.rawValue), \(draft.indicators.map(\.description).joined(separator: ", "))\(result.stored[0].isNew ? "" : " (already stored)")"
                )
            }
            let parts = DeskParts(configuration: desk, store: store)
            let outcome = try await parts.correlator().drain(batch: 1_000, now: { .now() })
            print(
                "correlated: \(outcome.casesOpened) case(s) opened, \(outcome.attached) report(s) attached, \(outcome.triaged) to triage, \(outcome.actionsPlanned) action(s) planned"
            )
            let runner = try parts.runner(worker: "demo", logger: actionLogger)
            var ran = 0
            while true {
                let claimed = try await runner.runDue(limit: 20)
                ran += claimed
                if claimed == 0 { break }
            }
            print("ran \(ran) due action(s)\n")
            for kase in try await store.listCases(states: nil, track: nil, limit: 20).sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
                print(
                    "case \(kase.id ?? 0): \(kase.category.rawValue) about \(kase.subject), \(kase.state.rawValue), playbook \(kase.playbook ?? "-")")
                for action in try await store.actions(inCase: kase.id ?? 0) {
                    let when = action.state == .planned ? " due \(action.dueAt)" : ""
                    let result = action.result.map { " → \($0.prefix(90))" } ?? action.lastError.map { " ! \($0)" } ?? ""
                    print("  \(action.kind.rawValue): \(action.state.rawValue)\(when)\(result)")
                }
            }
            for item in try await store.triageReports(limit: 10) {
                print("triage: report \(item.report.id ?? 0) (\(item.report.subject)): \(item.reason)")
            }
        }
        print("\nNotices and acknowledgements: \((dataDirectory as NSString).appendingPathComponent("outbox"))/*.eml")
        print("Connector calls: \(calls)")
    }
}
