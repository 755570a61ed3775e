import Foundation
import Logging
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraStore
import MoguraTesting

/// Bulk mode: a claimant's list of N rows (the generated list of the bulk-mode tests: CGNAT and dedicated
/// addresses, unresolvable rows, duplicates) read from CSV and from XLSX, resolved against the inventory and
/// grouped per subscriber, timed as a whole: read the list, build the index, resolve, group.
enum LegalBench {
    static func run(rows count: Int, runs: Int, filler: Int = 500_000) {
        var fixture = ClaimListFixture(rows: count)
        // A provider-sized inventory: half a million more subscribers on 10.0.0.0/8 that no row names.
        for n in 0..<filler {
            let address = "10.\(n >> 16 & 0xFF).\(n >> 8 & 0xFF).\(n & 0xFF)"
            fixture.customers.append(Customer(id: "f\(n)", name: "filler \(n)"))
            fixture.services.append(Service(id: "fs\(n)", customerID: "f\(n)", kind: "dedicated"))
            fixture.assignments.append(Assignment(serviceID: "fs\(n)", resource: .prefix(try! IPPrefix("\(address)/32"))))
        }
        print("inventory: \(fixture.customers.count) subscribers, \(fixture.assignments.count) assignments (CGNAT blocks, dedicated addresses)")
        for (format, bytes) in [("CSV", fixture.csv), ("XLSX", fixture.xlsx)] {
            print("\(format): \(count) rows, \(bytes.count / 1024) KiB")
            var times: [Double] = []
            for _ in 0..<runs {
                let started = DispatchTime.now().uptimeNanoseconds
                let rows: [ClaimRow]
                do { rows = try ClaimListReader().read(bytes, name: "list") } catch {
                    print("  failed: \(error)")
                    return
                }
                let read = DispatchTime.now().uptimeNanoseconds
                let index = InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments)
                let result = ClaimBatch(index: index, actor: "bench").run(rows, earlier: fixture.earlier, now: fixture.now)
                let done = DispatchTime.now().uptimeNanoseconds
                let seconds = Double(done - started) / 1e9
                times.append(seconds)
                let counts = RowOutcome.allCases.map { "\($0.rawValue) \(result.counts[$0] ?? 0)" }.joined(separator: ", ")
                print(
                    String(
                        format: "  %.3f s (read %.3f s, index + resolve + group %.3f s): %d groups; %@", seconds, Double(read - started) / 1e9,
                        Double(done - read) / 1e9, result.groups.count, counts))
            }
            times.sort()
            print(String(format: "  median %.3f s of %d runs", times[times.count / 2], runs))
        }
    }

    /// The same list through the legal desk into a fresh SQLite store: read, resolve, group, store the request and
    /// its rows (one transaction, audited), then render and store one 意見照会書 per subscriber with its deadline.
    static func runStored(rows count: Int, runs: Int, filler: Int = 500_000) async {
        var fixture = ClaimListFixture(rows: count)
        for n in 0..<filler {
            let address = "10.\(n >> 16 & 0xFF).\(n >> 8 & 0xFF).\(n & 0xFF)"
            fixture.customers.append(Customer(id: "f\(n)", name: "filler \(n)"))
            fixture.services.append(Service(id: "fs\(n)", customerID: "f\(n)", kind: "dedicated"))
            fixture.assignments.append(Assignment(serviceID: "fs\(n)", resource: .prefix(try! IPPrefix("\(address)/32"))))
        }
        let index = InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments)
        let list = fixture.xlsx
        let now = fixture.now
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let lead = StaffUser(login: "bench", displayName: "Bench", roles: [.legalLead])
        print("stored in SQLite: import (read, resolve, group, store \(count) rows) and render + store the inquiries")
        var imports: [Double] = []
        var inquiries: [Double] = []
        for run in 0..<runs {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mogura-legal-bench-\(getpid())-\(run)").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            do {
                let (imported, rendered, groups) = try await StoreFactory.withStore(.sqlite(directory: directory), logger: logger) { store in
                    let desk = LegalDesk(
                        store: store, calendar: try LegalCalendar.standard(), renderer: LegalDocumentRenderer(organization: "Mogura", contact: "x"))
                    let started = DispatchTime.now().uptimeNanoseconds
                    let summary = try await desk.importClaimList(
                        list, name: "list.xlsx", number: "LR-2026-000001", claimant: "Example Films", requesterShownAs: "R",
                        rights: "著作権", items: ["氏名又は名称"], index: index, user: lead, now: now)
                    let middle = DispatchTime.now().uptimeNanoseconds
                    let documents = try await desk.sendOpinionInquiries("LR-2026-000001", user: lead, issued: now, delivered: now)
                    let done = DispatchTime.now().uptimeNanoseconds
                    return (Double(middle - started) / 1e9, Double(done - middle) / 1e9, (summary.groups.count, documents.count))
                }
                imports.append(imported)
                inquiries.append(rendered)
                print(
                    String(
                        format: "  import %.3f s, %d groups; %d inquiries rendered and stored in %.3f s", imported, groups.0, groups.1, rendered))
            } catch {
                print("  failed: \(error)")
                return
            }
        }
        imports.sort()
        inquiries.sort()
        print(String(format: "  median import %.3f s, inquiries %.3f s, of %d runs", imports[runs / 2], inquiries[runs / 2], runs))
    }
}
