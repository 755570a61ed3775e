import ArgumentParser
import Foundation
import MoguraCore
import MoguraResolve
import MoguraStore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A first look: import the bundled sample inventory into an embedded database and attribute a few reports.",
        discussion: """
            Creates the data directory (default ./mogura-demo) if needed, imports the sample inventory that ships \
            with Mogura (merging, so running it twice changes nothing), then answers "whose was this at that \
            time?" for addresses that moved between customers, nested prefixes, IPv6, domains, mail accounts and \
            carrier-grade NAT ports, and checks the audit chain.
            """)

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Directory for the demo's SQLite database.", valueName: "dir"))
    var dataDirectory = "./mogura-demo"

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let document = try InventoryFileParser().parse(Array(SampleInventory.json.utf8), file: "sample-inventory.json")
        let configuration = StoreConfiguration.sqlite(directory: dataDirectory)
        print("Mogura \(MoguraVersion.current) demo — \(configuration)\n")
        let (summary, snapshot, verification) = try await StoreFactory.withStore(configuration, logger: logging.makeLogger()) { store in
            let summary = try await store.importInventory(document, mode: .merge, actor: "demo")
            return (summary, try await store.loadInventory(), try await store.verifyAuditChain())
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
        print(
            "\nAudit chain: "
                + (verification.isIntact
                    ? "intact, \(verification.eventsChecked) event\(verification.eventsChecked == 1 ? "" : "s"), head \(verification.headHash.hex.prefix(16))…"
                    : "BROKEN"))
        print(
            """

            Try it yourself:
              swift run mogura inventory whois 192.0.2.10 --at '2025-03-31 12:00' --data-dir \(dataDirectory)
              swift run mogura inventory whois 198.51.100.7:1500 --at 2025-01-15T01:00:00Z --format json --data-dir \(dataDirectory)
              swift run mogura audit verify --data-dir \(dataDirectory)
            """)
    }
}
