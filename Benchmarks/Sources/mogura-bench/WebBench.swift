import AsyncHTTPClient
import Foundation
import Logging
import MoguraCore
import MoguraStore
import MoguraWeb
import NIOCore
import NIOHTTP1

/// The queue page at a million cases: a seeder that fills a SQLite data directory, and a load client that keeps
/// N requests in flight against a running `mogura serve` and reports latency percentiles.
///
///   mogura-bench --web-seed DIR --cases 1000000      # prints: cookie=… deep=…
///   mogura-bench --web-load URL --cookie C --path P --concurrency 16 --seconds 10 --runs 3
enum WebBench {
    static let categories = [
        "spam", "phishing", "malware", "webshell", "botnet", "scanning", "brute-force", "ddos", "open-service", "compromised-account",
    ]
    static let states = ["new", "triaged", "notified", "awaiting-customer", "suspended", "review", "resolved", "closed"]

    /// Seeds `cases` cases (5% legal track, the rest terms of service) with one report each, a staff account and
    /// a session; prints the session cookie and a cursor deep into a filtered queue.
    static func seed(directory: String, cases: Int) async throws {
        var logger = Logger(label: "mogura-bench")
        logger.logLevel = .error
        let start = Date()
        try await StoreFactory.withStore(.sqlite(directory: directory), logger: logger) { store in
            let base = Int64(1_704_067_200) * 1_000_000  // 2024-01-01
            let categoryCase = categories.enumerated().map { "WHEN \($0.offset) THEN '\($0.element)'" }.joined(separator: " ")
            let stateCase = states.enumerated().map { "WHEN \($0.offset) THEN '\($0.element)'" }.joined(separator: " ")
            // One statement: SQLite generates the rows itself (a recursive CTE), so seeding takes seconds.
            try await store.executeRaw(
                """
                INSERT INTO cases (track, category, subject_kind, subject_key, customer_id, state, opened_at, updated_at, deadline, assignee,
                                   token, playbook)
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(cases))
                SELECT CASE WHEN i % 20 = 0 THEN 'legal' ELSE 'tos' END,
                       CASE (i * 7) % \(categories.count) \(categoryCase) END,
                       'service', 's' || (i % 50000), NULL,
                       CASE (i * 13) % \(states.count) \(stateCase) END,
                       \(base) + i * 60000000,
                       \(base) + i * 60000000 + ((i * 7919) % 86400) * 1000000,
                       CASE WHEN i % 3 = 0 THEN \(base) + i * 60000000 + 259200000000 END,
                       CASE WHEN i % 4 = 0 THEN NULL ELSE 'agent' || (i % 20) END,
                       'bench-' || i, 'default'
                FROM n
                """)
            try await store.executeRaw(
                """
                INSERT INTO reports (received_at, channel, reporter, category, track, subject, case_id, correlated_at, source)
                SELECT opened_at, 'mail', 'reporter' || (id % 1000) || '@example.org', category, track, 'Complaint about ' || subject_key,
                       id, opened_at, 'bench'
                FROM cases
                """)
            try await store.executeRaw("ANALYZE")
            try await store.addUser(
                StaffUser(login: "bench", displayName: "Bench", roles: [.tosAgent, .legalLead]),
                passwordHash: await PasswordHasher.hash("bench bench bench", cost: 4), actor: "bench", at: .now())
            let cookie = APITokens.make()
            try await store.createSession(
                idHash: APITokens.hash(cookie), login: "bench", expires: Timestamp.now().adding(seconds: 86_400), at: .now())
            // A cursor a hundred thousand cases deep into the "notified" filter of the terms-of-service track.
            var query = CaseQuery(tracks: [.termsOfService], states: [.notified], limit: 500)
            var cursor: CaseCursor?
            for _ in 0..<200 {
                query.after = cursor
                let page = try await store.queue(query)
                guard let next = page.next else { break }
                cursor = next
            }
            print("cookie=\(cookie)")
            print("deep=\(cursor?.description ?? "")")
        }
        FileHandle.standardError.write(
            Data(String(format: "seeded %d cases and %d reports in %.1f s\n", cases, cases, Date().timeIntervalSince(start)).utf8))
    }

    /// Keeps `concurrency` requests in flight for `seconds`, `runs` times; prints percentiles per run and their median.
    static func load(url: String, cookie: String, concurrency: Int, seconds: Double, runs: Int) async throws {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await measure(client: client, url: url, cookie: cookie, concurrency: concurrency, seconds: seconds, runs: runs)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func measure(client: HTTPClient, url: String, cookie: String, concurrency: Int, seconds: Double, runs: Int) async throws {

        func once() async throws -> Double {
            let started = ContinuousClock.now
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Cookie", value: "mogura_session=\(cookie)")
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            guard response.status == .ok, body.readableBytes > 1000 else {
                throw BenchError("\(url) answered \(response.status.code) with \(body.readableBytes) bytes")
            }
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }

        // Warm-up: connections, SQLite page cache.
        for _ in 0..<concurrency * 4 { _ = try await once() }
        var p95s: [Double] = []
        for run in 1...runs {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        var mine: [Double] = []
                        while ContinuousClock.now < deadline { mine.append(try await once()) }
                        return mine
                    }
                }
                var all: [Double] = []
                for try await part in group { all += part }
                return all.sorted()
            }
            func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            p95s.append(percentile(0.95))
            print(
                String(
                    format: "  run %d: %d requests, %.0f/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms", run, latencies.count,
                    Double(latencies.count) / seconds, percentile(0.50), percentile(0.95), percentile(0.99), latencies.last ?? 0))
        }
        let sorted = p95s.sorted()
        print(
            String(
                format: "  p95: median %.1f ms (range %.1f–%.1f, %d runs of %.0f s, %d concurrent clients)", sorted[sorted.count / 2], sorted.first!,
                sorted.last!, runs, seconds, concurrency))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
