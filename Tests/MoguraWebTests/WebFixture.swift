import AsyncHTTPClient
import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraLegal
import MoguraResolve
import MoguraStore
import MoguraTesting
import MoguraWeb
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

/// A live web server on loopback over a seeded store: an inventory, three staff accounts and cases on both
/// tracks, one of them a complaint full of script and `javascript:` URLs.
struct WebFixture: Sendable {
    let base: String
    let store: SQLStore
    let server: WebServer
    let passwords: [String: String]

    /// Staff: a terms-of-service agent, a legal lead, an admin without a legal role.
    static let users: [(String, Set<StaffRole>)] = [
        ("agent", [.tosAgent]), ("lead", [.legalLead, .legalAgent]), ("boss", [.admin]), ("lead2", [.legalLead]), ("clerk", [.legalAgent]),
        ("noc", [.networkOperator]),
    ]

    /// The key for subscriber data on the legal track, shared by the server and the seeding below.
    static let legalCipher = try! FieldCipher(keyring: FieldCipher.newKeyLine(id: "web-test"))

    static let inventory = #"""
        {
          "customers": [
            {"id": "c1", "name": "Sample Trading K.K.", "emails": ["owner@example.jp"], "language": "ja", "timezone": "Asia/Tokyo"},
            {"id": "c2", "name": "Example Cloud Ltd.", "emails": ["security@example.net"], "language": "en", "timezone": "Europe/London"}
          ],
          "services": [
            {"id": "s1", "customer": "c1", "kind": "shared-hosting"},
            {"id": "s2", "customer": "c2", "kind": "vps"}
          ],
          "assignments": [
            {"service": "s1", "prefix": "203.0.113.0/24", "valid_from": "2020-01-01T00:00:00Z"},
            {"service": "s2", "prefix": "192.0.2.0/26", "valid_from": "2020-01-01T00:00:00Z"},
            {"service": "s2", "domain": "shop.example.net"}
          ]
        }
        """#

    /// The playbook the fixture runs: every first notice waits for a person's approval.
    static let configurationYAML = """
        playbooks:
          - name: default
            acknowledge_reporter: false
            steps:
              - action: notify
                approval: true
              - action: warn
                after: 72h
              - action: suspend
                after: 72h
        web:
          listen: 127.0.0.1:0
          public_url: http://127.0.0.1
          login_attempts: 3
          portal_answers_per_day: 2
          form_reports_per_hour: 5
        """

    static let hostileComplaint = """
        From: Mallory <mallory@mail.example.org>
        To: abuse@example.net
        Subject: Spam from 203.0.113.7 <script>alert('subject')</script>
        Message-ID: <hostile-1@mail.example.org>
        Date: Mon, 23 Nov 2026 10:00:00 +0900
        Content-Type: text/html; charset=utf-8

        <html><body><p>Your server 203.0.113.7 sent spam.</p><script>alert('body')</script>
        <a href="javascript:alert('link')">javascript:alert('link')</a> <img src=x onerror="alert('img')"></body></html>
        """

    static let legalComplaint = """
        From: Rights Holder <legal@rights.example.org>
        To: abuse@example.net
        Subject: 著作権侵害の通知 copyright infringement at 192.0.2.10
        Message-ID: <legal-1@rights.example.org>
        Date: Mon, 23 Nov 2026 10:00:00 +0900
        Content-Type: text/plain; charset=utf-8

        著作権侵害: the host 192.0.2.10 distributes our copyrighted film. 発信者情報開示 may follow.
        """

    static let phishingComplaint = """
        From: Bank Security <security@bank.example.org>
        To: abuse@example.net
        Subject: Phishing site at shop.example.net
        Message-ID: <phish-1@bank.example.org>
        Date: Mon, 23 Nov 2026 10:05:00 +0900

        A phishing page imitating our bank: https://shop.example.net/bank/login.php
        """

    /// Runs `body` against a live server on a seeded store.
    /// - Parameter webSettings: extra lines for the `web:` section (indented two spaces).
    static func with(
        _ engine: StoreEngineKind = .sqlite, webSettings: String = "", _ body: @Sendable (WebFixture) async throws -> Void
    ) async throws {
        try await TestStores.withStore(engine) { store in
            let document = try InventoryFileParser().parse(Array(inventory.utf8), file: "inventory.json")
            _ = try await store.importInventory(document, mode: .merge, actor: "test")
            var passwords: [String: String] = [:]
            for (login, roles) in users {
                let password = "correct horse \(login) staple"
                passwords[login] = password
                try await store.addUser(
                    StaffUser(login: login, displayName: login.capitalized, roles: roles), passwordHash: await PasswordHasher.hash(password, cost: 4),
                    actor: "test", at: .now())
            }
            let configuration = try DeskConfiguration.parse(yaml: configurationYAML + webSettings, source: "test.yml")
            let pipeline = IngestPipeline(intake: Intake(), store: store, actor: "test")
            for mail in [hostileComplaint, legalComplaint, phishingComplaint] {
                _ = try await pipeline.ingest(Array(mail.replacingOccurrences(of: "\n", with: "\r\n").utf8), source: "test", channel: .mail)
            }
            let correlator = Correlator(
                store: store, inventory: InventoryCache(store: store), policy: configuration.correlation, playbooks: configuration.playbooks,
                planner: Planner(maxAttempts: 3), ownAddresses: [configuration.notices.fromAddress])
            _ = try await correlator.drain(batch: 100, now: { .now() })

            let server = try await WebServer(
                store: store, configuration: configuration, intake: Intake(), logger: TestStores.logger, legalCipher: legalCipher)
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let service = try server.service(onListening: { port in continuation.yield(port) })
            let group = ServiceGroup(configuration: .init(services: [service], logger: TestStores.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { throw WebTestError("the server did not start") }
                let fixture = WebFixture(base: "http://127.0.0.1:\(port)", store: store, server: server, passwords: passwords)
                do {
                    try await body(fixture)
                } catch {
                    await group.triggerGracefulShutdown()
                    try? await tasks.waitForAll()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    /// The case opened for a subject and category.
    func caseID(category: MoguraCore.Category) async throws -> Int64 {
        let cases = try await store.listCases(states: nil, track: nil, limit: 100)
        guard let id = cases.first(where: { $0.category == category })?.id else { throw WebTestError("no \(category) case") }
        return id
    }

    /// Imports a generated claim list as legal request `number` (by the legal lead) and stores the first
    /// subscriber's name and address; returns that subscriber's customer id.
    func seedLegalRequest(_ number: String = "LR-2026-000001") async throws -> String {
        let list = ClaimListFixture(rows: 300)
        let desk = LegalDesk(
            store: store, calendar: try LegalCalendar.standard(environment: [:]),
            renderer: LegalDocumentRenderer(organization: "Mogura", contact: "legal@example.net"), cipher: Self.legalCipher)
        let lead = StaffUser(login: "lead", displayName: "Lead", roles: [.legalLead, .legalAgent])
        let summary = try await desk.importClaimList(
            list.csv, name: "list.csv", number: number, claimant: "Example Films", requesterShownAs: "株式会社エグザンプル", rights: "著作権",
            items: ["氏名又は名称", "住所"], index: InventoryIndex(customers: list.customers, services: list.services, assignments: list.assignments),
            user: lead, now: list.now)
        let subscriber = summary.groups[0].customerID
        try await desk.saveSubject(number, customerID: subscriber, fields: ["name": "山田 太郎", "address": "東京都千代田区千代田1-1"], user: lead, at: .now())
        try await desk.proposeDisclosure(
            number, customerID: subscriber, items: ["氏名又は名称"], recipient: "代理人弁護士", basis: "契約者の同意", user: lead, at: .now())
        return subscriber
    }

    /// A logged-in HTTP client.
    func client(as login: String) async throws -> WebClient {
        let client = WebClient(base: base)
        try await client.logIn(login, password: passwords[login] ?? "")
        return client
    }
}

struct WebTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An HTTP client with a cookie jar that does not follow redirects, so tests see every answer.
final class WebClient: @unchecked Sendable {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var location: String? { headers.first(name: "Location") }
    }

    let base: String
    private var cookies: [String: String] = [:]
    private let lock = NSLock()
    static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(60))))

    init(base: String) { self.base = base }

    func get(_ path: String, headers extra: [(String, String)] = []) async throws -> Answer {
        try await send(path, method: .GET, body: nil, contentType: nil, headers: extra)
    }

    func post(_ path: String, form: [(String, String)], headers extra: [(String, String)] = []) async throws -> Answer {
        let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(path, method: .POST, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded", headers: extra)
    }

    func send(_ path: String, method: HTTPMethod, body: [UInt8]?, contentType: String?, headers extra: [(String, String)]) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        let jar = lock.withLock { cookies }
        if !jar.isEmpty { request.headers.add(name: "Cookie", value: jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await Self.http.execute(request, timeout: .seconds(60))
        for header in response.headers[canonicalForm: "Set-Cookie"] {
            let pair = header.split(separator: ";").first ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            lock.withLock {
                if parts[1].isEmpty || header.contains("Max-Age=0") { cookies[parts[0]] = nil } else { cookies[parts[0]] = parts[1] }
            }
        }
        let bytes = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func cookie(_ name: String) -> String? { lock.withLock { cookies[name] } }
    func setCookie(_ name: String, _ value: String?) { lock.withLock { cookies[name] = value } }

    /// The CSRF token of the first form on a page.
    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        let rest = page[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    func logIn(_ login: String, password: String) async throws {
        let page = try await get("/login")
        let answer = try await post("/login", form: [("csrf", Self.csrf(in: page.body) ?? ""), ("login", login), ("password", password)])
        guard answer.status == 303, cookie("mogura_session") != nil else {
            throw WebTestError("login as \(login) failed: \(answer.status)")
        }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
