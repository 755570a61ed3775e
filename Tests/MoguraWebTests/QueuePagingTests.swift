import Foundation
import MoguraCore
import MoguraStore
import MoguraTesting
import Testing

/// Keyset paging of the queue, checked against a brute-force reference on random cases: every filter and sort,
/// paged with small pages, yields exactly the filtered, sorted list — nothing skipped, nothing twice.
@Suite("Queue paging", .serialized)
struct QueuePagingTests {
    @Test(arguments: TestStores.engines)
    func pagingMatchesABruteForceReference(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store in
            var random = SeededRandom.fromEnvironment(fallback: 0x5EED_0F_CA5E)
            let base = Timestamp(microseconds: 1_750_000_000_000_000)
            var all: [Case] = []
            for index in 0..<240 {
                // Few distinct times, so ties on the sort key are common and the id must break them.
                let updated = base.adding(seconds: Int64(random.next() % 40) * 60)
                var kase = Case(
                    track: random.next() % 5 == 0 ? .legal : .termsOfService,
                    category: [.spam, .phishing, .webshell][Int(random.next() % 3)], subject: .service("s\(index % 17)"), customerID: nil,
                    state: CaseState.allCases[Int(random.next() % UInt64(CaseState.allCases.count))],
                    openedAt: base.adding(seconds: -Int64(random.next() % 100) * 60), updatedAt: updated)
                kase.deadline = random.next() % 2 == 0 ? base.adding(seconds: Int64(random.next() % 50) * 60 - 1_200) : nil
                kase.assignee = random.next() % 3 == 0 ? nil : "agent\(random.next() % 2)"
                all.append(try await store.insertCase(kase, actor: "test"))
            }
            let now = base
            let queries: [CaseQuery] = [
                CaseQuery(tracks: [.termsOfService, .legal]),
                CaseQuery(tracks: [.termsOfService]),
                CaseQuery(tracks: [.termsOfService, .legal], category: .phishing),
                CaseQuery(tracks: [.termsOfService], states: [.new, .review, .suspended]),
                CaseQuery(tracks: [.termsOfService, .legal], assignee: ""),
                CaseQuery(tracks: [.termsOfService], assignee: "agent1", sort: .opened),
                CaseQuery(tracks: [.termsOfService, .legal], sort: .deadline),
                CaseQuery(tracks: [.termsOfService], deadlineBreachedAt: now),
                CaseQuery(tracks: [.legal], category: .spam, states: [.new]),
            ]
            for template in queries {
                let expected = Self.reference(all, template, now: now).map { $0.id ?? 0 }
                var seen: [Int64] = []
                var query = template
                query.limit = 7
                var pages = 0
                while true {
                    let page = try await store.queue(query)
                    seen += page.cases.map { $0.id ?? 0 }
                    pages += 1
                    guard let next = page.next, pages < 100 else { break }
                    query.after = next
                }
                #expect(
                    seen == expected,
                    "\(template.sort) \(template.tracks) \(String(describing: template.states)) \(String(describing: template.category))")
            }
        }
    }

    /// The queue by brute force: filter, then sort by (key, id).
    static func reference(_ cases: [Case], _ query: CaseQuery, now: Timestamp) -> [Case] {
        let sort = query.deadlineBreachedAt != nil ? CaseQuery.Sort.deadline : query.sort
        let filtered = cases.filter { kase in
            guard query.tracks.contains(kase.track) else { return false }
            if let category = query.category, kase.category != category { return false }
            if let states = query.states, !states.contains(kase.state) { return false }
            if let assignee = query.assignee, (kase.assignee ?? "") != assignee { return false }
            if let breached = query.deadlineBreachedAt {
                guard kase.state.isOpen, let deadline = kase.deadline, deadline < breached else { return false }
            }
            if sort == .deadline && kase.deadline == nil { return false }
            return true
        }
        func key(_ kase: Case) -> Int64 {
            switch sort {
            case .updated: kase.updatedAt.microseconds
            case .opened: kase.openedAt.microseconds
            case .deadline: kase.deadline?.microseconds ?? .max
            }
        }
        return filtered.sorted { a, b in
            sort == .deadline ? (key(a), a.id ?? 0) < (key(b), b.id ?? 0) : (key(a), a.id ?? 0) > (key(b), b.id ?? 0)
        }
    }
}
