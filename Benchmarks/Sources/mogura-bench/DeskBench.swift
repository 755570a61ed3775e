import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraStore

/// Correlate + decide throughput for a burst of reports: the wave a desk must absorb when a blocklist or a big
/// mailbox provider reports thousands of complaints at once.
///
/// The inventory has 20,000 services (a /28, a web domain and a mail account each). The burst mixes what
/// arrives in such a wave: 60% spam by source address (half of it about 100 "hot" services), 15% spam by mail
/// account, 10% phishing URLs, 10% addresses outside the inventory, 5% unclassified; 30% come by mail from 5,000
/// people (who get acknowledgements), 70% from feeds. The reports are stored first (not timed); the timed part is
/// `Correlator.drain`: attribution, grouping, case lookups and opening, attaching, deciding, planning actions and
/// their jobs, and the audit chain, in batches of 1,000 reports per transaction.
enum DeskBench {
    static func run(reports count: Int, runs: Int, databaseURL: String?) async {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let services = 20_000
        let customers = (0..<services).map {
            Customer(id: "c\($0)", name: "Customer \($0)", emails: [try! EmailAddress("owner\($0)@customer.example")])
        }
        let serviceList = (0..<services).map { Service(id: "s\($0)", customerID: "c\($0)", kind: "shared-hosting") }
        var assignments: [Assignment] = []
        for index in 0..<services {
            let prefix = try! IPPrefix("10.\(index / 256).\(index % 256).0/28")
            assignments.append(Assignment(serviceID: "s\(index)", resource: .prefix(prefix), validity: ValidityRange()))
            assignments.append(
                Assignment(serviceID: "s\(index)", resource: .domain(try! DomainName("site\(index).example.jp")), validity: ValidityRange()))
            assignments.append(
                Assignment(
                    serviceID: "s\(index)", resource: .mailAccount(try! EmailAddress("user\(index)@mail.example.jp")), validity: ValidityRange()))
        }
        let location = SourceLocation(file: "bench", line: 1)
        let document = InventoryDocument(
            customers: customers.map { Located($0, at: location) }, services: serviceList.map { Located($0, at: location) },
            assignments: assignments.map { Located($0, at: location) })

        var random = Random(state: 42)
        let now = Timestamp.now()
        var burst: [Report] = []
        burst.reserveCapacity(count)
        for number in 0..<count {
            let roll = random.next() % 100
            let hot = random.next() % 2 == 0
            let service = Int(hot ? random.next() % 100 : random.next() % UInt64(services))
            let host = 1 + Int(random.next() % 14)
            let category: MoguraCore.Category
            let indicator: Indicator
            switch roll {
            case 0..<60:
                category = .spam
                indicator = .ip(try! IPAddress("10.\(service / 256).\(service % 256).\(host)"))
            case 60..<75:
                category = .spam
                indicator = .email(try! EmailAddress("user\(service)@mail.example.jp"))
            case 75..<85:
                category = .phishing
                indicator = .url(try! ReportedURL("https://site\(service).example.jp/login/\(number).php"))
            case 85..<95:
                category = .spam
                indicator = .ip(try! IPAddress("198.18.\(random.next() % 256).\(random.next() % 256)"))
            default:
                category = .other
                indicator = .ip(try! IPAddress("10.\(service / 256).\(service % 256).\(host)"))
            }
            let byMail = random.next() % 10 < 3
            burst.append(
                Report(
                    receivedAt: now, channel: byMail ? .mail : .feed,
                    reporter: byMail ? "person\(random.next() % 5_000)@example.org" : "feed@feeds.example",
                    category: category, eventTime: now, subject: "report \(number)", indicators: [indicator],
                    format: byMail ? "mime" : "shadowserver",
                    messageID: "bench-\(number)@example.org"))
        }

        let reports = burst
        var engines: [(String, StoreConfiguration)] = []
        var directories: [String] = []
        for run in 0..<runs {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mogura-desk-bench-\(getpid())-\(run)").path
            directories.append(directory)
            engines.append(("SQLite", .sqlite(directory: directory)))
        }
        if let databaseURL { for _ in 0..<runs { engines.append(("PostgreSQL", .postgres(url: databaseURL))) } }
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }

        print("mogura-bench desk — correlate + decide a burst of \(count) reports over \(services) services")
        var results: [String: [Double]] = [:]
        for (name, configuration) in engines {
            do {
                let rate = try await StoreFactory.withStore(configuration, logger: logger) { store -> Double in
                    if name == "PostgreSQL" {
                        // A fresh schema for each run.
                        try await store.executeRaw("DROP SCHEMA public CASCADE")
                        try await store.executeRaw("CREATE SCHEMA public")
                        _ = try await store.migrate()
                    }
                    _ = try await store.importInventory(document, mode: .replaceAssignments, actor: "bench")
                    let loadStart = ContinuousClock.now
                    for batch in stride(from: 0, to: reports.count, by: 1_000) {
                        _ = try await store.insertReports(Array(reports[batch..<min(batch + 1_000, reports.count)]), raw: nil, actor: "bench")
                    }
                    let loading = seconds(ContinuousClock.now - loadStart)
                    let correlator = Correlator(
                        store: store, inventory: InventoryCache(store: store), policy: CorrelationPolicy(), playbooks: .builtIn,
                        planner: Planner(maxAttempts: 8), ownAddresses: ["abuse@example.net"])
                    _ = try await InventoryCache(store: store).current()  // warm the index the same way the worker does
                    let start = ContinuousClock.now
                    let outcome = try await correlator.drain(batch: 1_000, now: { .now() })
                    let elapsed = seconds(ContinuousClock.now - start)
                    print(
                        String(
                            format:
                                "  %@: %.0f reports/s (%.2f s) — %d cases opened, %d reports attached, %d to triage, %d actions planned; storing the burst took %.1f s",
                            name, Double(count) / elapsed, elapsed, outcome.casesOpened, outcome.attached, outcome.triaged, outcome.actionsPlanned,
                            loading))
                    return Double(count) / elapsed
                }
                results[name, default: []].append(rate)
            } catch {
                print("  \(name): failed: \(error)")
            }
        }
        for (name, rates) in results.sorted(by: { $0.key > $1.key }) {
            let sorted = rates.sorted()
            print(
                String(
                    format: "  %@ median %.0f reports/s (range %.0f–%.0f, %d runs)", name, sorted[sorted.count / 2], sorted.first!, sorted.last!,
                    sorted.count))
        }
    }
}
