import Crypto
import Foundation
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraStore
import MoguraTesting
import MoguraWeb
import NIOHTTP1
import Testing

@Suite("Web features", .serialized)
struct WebFeatureTests {
    /// Posts the public report form as a browser would (multipart, with the token from the page).
    static func submitReport(
        _ client: WebClient, fields: [(String, String)], file: (name: String, bytes: [UInt8])? = nil,
        extra: (String) -> [(String, String)] = { _ in [] }
    ) async throws -> WebClient.Answer {
        let page = try await client.get("/report")
        let token = WebClient.csrf(in: page.body) ?? ""
        let boundary = "test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in [("csrf", token)] + fields + extra(page.body) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try await client.send("/report", method: .POST, body: body, contentType: "multipart/form-data; boundary=\(boundary)", headers: [])
    }

    static func hidden(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = page[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    @Test func reportFormFilesEvidenceAndAnswersWithTheCaseNumber() async throws {
        try await WebFixture.with { fixture in
            let client = WebClient(base: fixture.base)
            let evidence: [UInt8] = Array("<html><form action=steal.php>card number</form></html>".utf8) + [0, 1, 2, 255]
            let answer = try await Self.submitReport(
                client,
                fields: [
                    ("category", "spam"), ("indicators", "203.0.113.99"), ("description", "迷惑メールが 203.0.113.99 から届きました。"),
                    ("name", "Reporter\r\nBcc: victim@example.org"), ("email", "reporter@example.org"), ("consent", "1"), ("good_faith", "1"),
                ], file: ("kit.html", evidence))
            #expect(answer.status == 200, "\(answer.body)")
            let spam = try await fixture.caseID(category: .spam)
            #expect(answer.body.contains("id=\"case-number\">#\(spam)<"))
            let report = try #require(try await fixture.store.reports(inCase: spam).first { $0.channel == .webForm })
            #expect(report.reporter == "reporter@example.org")
            #expect(report.evidence["reporter_consent"] == "yes")
            #expect(report.indicators.contains(.ip(try IPAddress("203.0.113.99"))))
            guard case .present(let raw) = try await fixture.store.blob(try #require(report.rawHash)) else {
                Issue.record("the raw submission was not kept")
                return
            }
            let text = String(decoding: raw, as: UTF8.self)
            #expect(text.contains(Data(evidence).base64EncodedString().prefix(40)), "the evidence file is kept in the raw submission")
            #expect(!text.contains("\r\nBcc:"), "a header was injected through the name field")

            // Nothing whose network we cannot tell: a reference number instead of a case.
            let outside = try await Self.submitReport(
                client,
                fields: [("category", "phishing"), ("indicators", "https://phish.invalid.example/"), ("description", "x"), ("good_faith", "1")])
            #expect(outside.status == 200)
            #expect(outside.body.contains("id=\"report-reference\">R-"))

            // A legal-track complaint gets a reference, never the number of a legal case.
            let copyright = try await Self.submitReport(
                client, fields: [("category", "copyright"), ("indicators", "192.0.2.10"), ("description", "著作権侵害 again"), ("good_faith", "1")])
            #expect(copyright.status == 200)
            #expect(copyright.body.contains("id=\"report-reference\">R-"))
            #expect(!copyright.body.contains("case-number"))

            // Required fields.
            let missing = try await Self.submitReport(client, fields: [("category", "spam"), ("description", "no good-faith box")])
            #expect(missing.status == 400)
        }
    }

    @Test func reportFormHoneypotAndRateLimit() async throws {
        try await WebFixture.with { fixture in
            let client = WebClient(base: fixture.base)
            let before = try await fixture.store.metricsSnapshot(now: .now()).reports
            let bot = try await Self.submitReport(
                client, fields: [("category", "spam"), ("description", "buy now"), ("good_faith", "1"), ("website", "http://spam.example")])
            #expect(bot.status == 200)
            #expect(try await fixture.store.metricsSnapshot(now: .now()).reports == before, "the honeypot filed a report")
            // The fixture allows 5 reports per address per hour.
            for index in 1...5 {
                let answer = try await Self.submitReport(
                    client, fields: [("category", "spam"), ("description", "report \(index)"), ("good_faith", "1")])
                #expect(answer.status == 200)
            }
            let limited = try await Self.submitReport(client, fields: [("category", "spam"), ("description", "report 6"), ("good_faith", "1")])
            #expect(limited.status == 429)
            #expect(try await fixture.store.metricsSnapshot(now: .now()).reports == before + 5)
        }
    }

    @Test func proofOfWorkIsRequiredWhenConfigured() async throws {
        try await WebFixture.with(webSettings: "\n  proof_of_work_bits: 10") { fixture in
            let client = WebClient(base: fixture.base)
            let fields = [("category", "spam"), ("description", "with work"), ("good_faith", "1")]
            let unsolved = try await Self.submitReport(client, fields: fields)
            #expect(unsolved.status == 403)
            let solved = try await Self.submitReport(client, fields: fields) { page in
                let challenge = Self.hidden("pow_challenge", in: page) ?? ""
                return [
                    ("pow_challenge", challenge), ("pow_signature", Self.hidden("pow_signature", in: page) ?? ""),
                    ("pow_nonce", Self.solve(challenge: challenge, bits: 10)),
                ]
            }
            #expect(solved.status == 200, "\(solved.body)")
        }
    }

    /// The client side of the proof of work, as the page's script does it.
    static func solve(challenge: String, bits: Int) -> String {
        var nonce = 0
        while true {
            let digest = Array(SHA256.hash(data: Array("\(challenge):\(nonce)".utf8)))
            var zeros = 0
            for byte in digest {
                if byte == 0 {
                    zeros += 8
                    continue
                }
                zeros += byte.leadingZeroBitCount
                break
            }
            if zeros >= bits { return String(nonce) }
            nonce += 1
        }
    }

    @Test func portalAnswersAreRateLimited() async throws {
        try await WebFixture.with { fixture in
            let caseID = try await fixture.caseID(category: .phishing)
            let kase = try #require(try await fixture.store.case(caseID))
            let path = String(fixture.server.portalLink(caseID: caseID, token: kase.token, now: .now()).dropFirst("http://127.0.0.1".count))
            let customer = WebClient(base: fixture.base)
            // The fixture allows 2 answers per day; the first moves the case to review, which hides the form, so the
            // rest are posted directly as a script would.
            var statuses: [Int] = []
            for index in 1...3 {
                let page = try await customer.get(path)
                // In review the page has no form; the report form's token (same anonymous cookie) serves.
                let fallback = try await customer.get("/report").body
                let token = WebClient.csrf(in: page.body) ?? WebClient.csrf(in: fallback) ?? ""
                statuses.append(try await customer.post(path, form: [("csrf", token), ("comment", "answer \(index)"), ("fixed", "1")]).status)
            }
            #expect(statuses == [200, 200, 429])
            #expect(try await fixture.store.notes(case: caseID).filter { $0.kind == "customer-answer" }.count == 2)
            #expect(try await fixture.store.case(caseID)?.state == .review)
            let forged = try await customer.post(path, form: [("comment", "no token")])
            #expect(forged.status == 403)
        }
    }

    @Test func metricsAndHealth() async throws {
        try await WebFixture.with { fixture in
            let client = WebClient(base: fixture.base)
            #expect(try await client.get("/healthz").body == "ok\n")
            #expect(try await client.get("/readyz").status == 200)
            _ = try await client.get("/login")
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.body
            #expect(text.contains(#"mogura_cases_open{track="tos",category="spam"} 1"#), "\(text)")
            #expect(text.contains(#"mogura_cases_open{track="legal",category="copyright"} 1"#))
            #expect(text.contains("mogura_reports 3"))
            #expect(text.contains(#"mogura_actions{kind="notify",outcome="planned"}"#))
            #expect(text.contains(#"mogura_http_requests_total{route="/login",method="GET",status="200"}"#))
            #expect(text.contains("# TYPE mogura_queue_latency_seconds gauge") || !text.contains("mogura_queue_latency_seconds{"))
        }
    }

    @Test func metricsAreForMonitoringHostsOnly() async throws {
        try await WebFixture.with(webSettings: "\n  metrics_from: [10.0.0.0/8]") { fixture in
            let metrics = try await WebClient(base: fixture.base).get("/metrics")
            #expect(metrics.status == 404)
            #expect(!metrics.body.contains("mogura_cases_open"))
        }
    }

    @Test func languageFollowsTheBrowserThenTheUsersSetting() async throws {
        try await WebFixture.with { fixture in
            let anonymous = WebClient(base: fixture.base)
            #expect(try await anonymous.get("/report", headers: [("Accept-Language", "ja,en;q=0.5")]).body.contains("不正利用の通報"))
            #expect(try await anonymous.get("/report", headers: [("Accept-Language", "en-GB,ja;q=0.2")]).body.contains("Report abuse"))
            let agent = try await fixture.client(as: "agent")
            #expect(try await agent.get("/queue", headers: [("Accept-Language", "ja")]).body.contains("キュー"))
            let token = try #require(WebClient.csrf(in: try await agent.get("/queue").body))
            #expect(try await agent.post("/settings/language", form: [("csrf", token), ("language", "en")]).status == 303)
            #expect(try await agent.get("/queue", headers: [("Accept-Language", "ja")]).body.contains("<h1>Queue</h1>"))
        }
    }

    @Test func staffActionsAreAudited() async throws {
        try await WebFixture.with { fixture in
            let agent = try await fixture.client(as: "agent")
            let caseID = try await fixture.caseID(category: .spam)
            var token = try #require(WebClient.csrf(in: try await agent.get("/cases/\(caseID)").body))
            #expect(try await agent.post("/cases/\(caseID)/assign", form: [("csrf", token)]).status == 303)
            token = try #require(WebClient.csrf(in: try await agent.get("/cases/\(caseID)").body))
            #expect(try await agent.post("/cases/\(caseID)/note", form: [("csrf", token), ("body", "called the customer")]).status == 303)
            let pending = try #require(try await fixture.store.actions(inCase: caseID).first { $0.state == .planned })
            #expect(try await agent.post("/cases/\(caseID)/actions/\(pending.id ?? 0)/skip", form: [("csrf", token)]).status == 303)
            #expect(try await agent.post("/cases/\(caseID)/resolve", form: [("csrf", token)]).status == 303)
            let reportID = try #require(try await fixture.store.reports(inCase: caseID).first?.id)
            #expect(try await agent.get("/cases/\(caseID)/reports/\(reportID)/raw").status == 200)

            let events = try await fixture.store.auditEvents(before: nil, objectType: nil, objectID: nil, limit: 100).filter {
                $0.actor == "user:agent"
            }
            let actions = Set(events.map(\.action))
            for expected in ["login", "case.assign", "case.note", "case.state", "report.view-raw"] {
                #expect(actions.contains(expected), "\(expected) not audited: \(actions)")
            }
            #expect(try await fixture.store.case(caseID)?.state == .resolved)
            #expect(try await fixture.store.case(caseID)?.assignee == "agent")
            #expect(try await fixture.store.actions(inCase: caseID).first { $0.id == pending.id }?.state == .skipped)
            #expect(try await fixture.store.auditVerifyIsIntact())
        }
    }
}

extension WebFeatureTests {
    /// A notice sent by the action worker carries a portal link that the web server accepts.
    @Test func noticesCarryAWorkingPortalLink() async throws {
        try await WebFixture.with { fixture in
            let directory = try TemporaryDirectory()
            var configuration = try DeskConfiguration.parse(yaml: WebFixture.configurationYAML, source: "test.yml")
            configuration.web.publicURL = fixture.base
            configuration.mail.transport = .outbox(directory: directory.path)
            let caseID = try await fixture.caseID(category: .spam)
            let pending = try #require(try await fixture.store.actions(inCase: caseID).first { $0.requiresApproval })
            let desk = CaseDesk(store: fixture.store, playbooks: configuration.playbooks)
            try await desk.approve(action: pending.id ?? 0, by: "user:agent", at: .now())
            let runner = ActionRunner(
                store: fixture.store, configuration: configuration, composer: try NoticeComposer(settings: configuration.notices),
                mail: ActionRunner.mailSender(for: configuration.mail), connectors: [:], clock: SystemClock(), worker: "test",
                logger: TestStores.logger)
            #expect(try await runner.runDue() == 1)
            let file = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".eml") })
            let mail = try String(contentsOfFile: directory.file(file), encoding: .utf8)
            // The body is base64 UTF-8; decode it to find the link.
            let body = try #require(mail.components(separatedBy: "\r\n\r\n").dropFirst().first)
            let text = String(decoding: Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")) ?? Data(), as: UTF8.self)
            let link = try #require(text.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("\(fixture.base)/portal/\(caseID)/") })
            let page = try await WebClient(base: fixture.base).get(String(link.dropFirst(fixture.base.count)))
            #expect(page.status == 200)
            #expect(page.body.contains("#\(caseID)"))
            // Staff see the notice as sent, in the case's timeline.
            let agent = try await fixture.client(as: "agent")
            let casePage = try await agent.get("/cases/\(caseID)")
            #expect(casePage.body.contains("/cases/\(caseID)/notices/\(pending.id ?? 0)"))
            let notice = try await agent.get("/cases/\(caseID)/notices/\(pending.id ?? 0)")
            #expect(notice.status == 200)
            #expect(notice.body.contains("/portal/\(caseID)/"), "the notice text, decoded")
            #expect(notice.body.contains("owner@example.jp"))
        }
    }
}

extension WebFeatureTests {
    /// A report nobody's inventory matched is filed into a case from the triage page.
    @Test func triagedReportsCanBeFiledIntoACase() async throws {
        try await WebFixture.with { fixture in
            let pipeline = IngestPipeline(intake: Intake(), store: fixture.store, actor: "test")
            let stored = try await pipeline.ingest(
                Array("From: a@example.org\r\nSubject: spam from 8.8.8.8\r\nMessage-ID: <t-1@example.org>\r\n\r\nSpam from 8.8.8.8.\r\n".utf8),
                source: "test", channel: .mail)
            let reportID = try #require(stored.stored.first?.report.id)
            let configuration = try DeskConfiguration.parse(yaml: WebFixture.configurationYAML, source: "test.yml")
            _ = try await Correlator(
                store: fixture.store, inventory: InventoryCache(store: fixture.store), policy: configuration.correlation,
                playbooks: configuration.playbooks, planner: Planner(maxAttempts: 3), ownAddresses: []
            ).drain(batch: 100, now: { .now() })
            let agent = try await fixture.client(as: "agent")
            let triage = try await agent.get("/triage")
            #expect(triage.body.contains("R-\(reportID)"))
            let token = try #require(WebClient.csrf(in: triage.body))
            let legal = try await fixture.caseID(category: .copyright)
            let refused = try await agent.post("/triage/\(reportID)/file", form: [("csrf", token), ("case", String(legal))])
            #expect(refused.location?.hasPrefix("/triage?refused=") == true, "a terms-of-service agent filed into a legal case")
            let spam = try await fixture.caseID(category: .spam)
            let filed = try await agent.post("/triage/\(reportID)/file", form: [("csrf", token), ("case", "#\(spam)")])
            #expect(filed.location == "/cases/\(spam)?done=file")
            #expect(try await fixture.store.report(reportID)?.caseID == spam)
            #expect(!(try await agent.get("/triage").body.contains("R-\(reportID)")))
            let events = try await fixture.store.auditEvents(before: nil, objectType: "case", objectID: String(spam), limit: 20)
            #expect(events.contains { $0.action == "report.file" && $0.actor == "user:agent" })
        }
    }
}

extension SQLStore {
    func auditVerifyIsIntact() async throws -> Bool { try await verifyAuditChain().isIntact }
}
