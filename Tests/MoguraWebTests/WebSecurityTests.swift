import Foundation
import MoguraCore
import MoguraStore
import MoguraTesting
import MoguraWeb
import NIOHTTP1
import Testing

@Suite("Web security", .serialized)
struct WebSecurityTests {
    /// Every page that shows the hostile complaint: its script and `javascript:` URLs must arrive as text.
    @Test func hostileReportContentRendersInert() async throws {
        try await WebFixture.with { fixture in
            let client = try await fixture.client(as: "agent")
            let caseID = try await fixture.caseID(category: .spam)
            let casePage = try await client.get("/cases/\(caseID)")
            #expect(casePage.status == 200)
            let reports = try await fixture.store.reports(inCase: caseID)
            let reportID = try #require(reports.first?.id)
            var pages = [casePage]
            for path in ["/queue", "/cases/\(caseID)/reports/\(reportID)/raw", "/search?q=ip:203.0.113.7", "/audit", "/triage", "/dashboard"] {
                let page = try await client.get(path)
                #expect(page.status == 200, "\(path)")
                pages.append(page)
            }
            let raw = pages[2].body
            // The raw view shows the complaint as it came, escaped: the script is visible as text.
            #expect(raw.contains("&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;"))
            #expect(casePage.body.contains("&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;"))
            for page in pages {
                #expect(!page.body.contains("<script>alert"), "an executable script reached the page")
                #expect(!page.body.lowercased().contains("href=\"javascript:"), "a javascript: link reached the page")
                #expect(!page.body.contains("onerror=\"alert"), "an event handler reached the page")
                #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
            }
            // Script tags in the page are only the one served script.
            #expect(casePage.body.components(separatedBy: "<script").count == 2)
        }
    }

    @Test func formsWithoutAValidCSRFTokenAreRefused() async throws {
        try await WebFixture.with { fixture in
            let client = try await fixture.client(as: "agent")
            let caseID = try await fixture.caseID(category: .spam)
            let action = try #require(try await fixture.store.actions(inCase: caseID).first { $0.requiresApproval })
            let path = "/cases/\(caseID)/actions/\(action.id ?? 0)/approve"
            let missing = try await client.post(path, form: [])
            #expect(missing.status == 403)
            let wrong = try await client.post(path, form: [("csrf", "AAAA")])
            #expect(wrong.status == 403)
            // A token from another session is no good either.
            let other = try await fixture.client(as: "boss")
            let otherToken = try #require(WebClient.csrf(in: try await other.get("/queue").body))
            #expect(try await client.post(path, form: [("csrf", otherToken)]).status == 403)
            #expect(try await fixture.store.actions(inCase: caseID).first { $0.id == action.id }?.approvedBy == nil, "a refused form changed nothing")
            // The login form and the public forms need their token too.
            let anonymous = WebClient(base: fixture.base)
            #expect(try await anonymous.post("/login", form: [("login", "agent"), ("password", fixture.passwords["agent"]!)]).status == 403)
            #expect(try await anonymous.post("/report", form: [("category", "spam"), ("description", "x"), ("good_faith", "1")]).status == 403)
            // With the right token it works.
            let token = try #require(WebClient.csrf(in: try await client.get("/cases/\(caseID)").body))
            let approved = try await client.post(path, form: [("csrf", token)])
            #expect(approved.status == 303)
            #expect(try await fixture.store.actions(inCase: caseID).first { $0.id == action.id }?.approvedBy == "user:agent")
        }
    }

    @Test func aTermsOfServiceAgentGetsNotFoundForALegalCase() async throws {
        try await WebFixture.with { fixture in
            let legalID = try await fixture.caseID(category: .copyright)
            let legal = try #require(try await fixture.store.case(legalID))
            #expect(legal.track == .legal)
            let missingID = legalID + 1_000
            let agent = try await fixture.client(as: "agent")
            let legalPage = try await agent.get("/cases/\(legalID)")
            let missingPage = try await agent.get("/cases/\(missingID)")
            #expect(legalPage.status == 404)
            #expect(missingPage.status == 404)
            #expect(legalPage.body == missingPage.body.replacingOccurrences(of: "\(missingID)", with: "\(legalID)"))
            #expect(!(try await agent.get("/queue").body.contains("/cases/\(legalID)\"")))
            let token = try #require(WebClient.csrf(in: try await agent.get("/queue").body))
            #expect(try await agent.post("/cases/\(legalID)/note", form: [("csrf", token), ("body", "x")]).status == 404)

            // The admin without a legal role: counts only.
            let boss = try await fixture.client(as: "boss")
            #expect(try await boss.get("/cases/\(legalID)").status == 404)
            let dashboard = try await boss.get("/dashboard")
            #expect(dashboard.body.contains("id=\"legal-count\">1<"))

            // The legal lead sees it, and the view is audited.
            let lead = try await fixture.client(as: "lead")
            #expect(try await lead.get("/cases/\(legalID)").status == 200)
            let legalReport = try #require(try await fixture.store.reports(inCase: legalID).first?.id)
            #expect(try await lead.get("/cases/\(legalID)/reports/\(legalReport)/raw").status == 200)
            let views = try await fixture.store.auditEvents(before: nil, objectType: "case", objectID: String(legalID), limit: 50)
            #expect(views.contains { $0.action == "case.view" && $0.actor == "user:lead" })

            // Nothing of it in the agent's audit log: not the case's events, not its report's, not the views.
            let audit = try await agent.get("/audit").body
            #expect(!audit.contains("case #\(legalID)<"))
            #expect(!audit.contains("&quot;case&quot;:&quot;\(legalID)&quot;"))
            #expect(!audit.contains(">report \(legalReport)<"))
            #expect(!audit.contains("report.view-raw"))
            let leadAudit = try await lead.get("/audit").body
            #expect(leadAudit.contains("case #\(legalID)<") && leadAudit.contains("report.view-raw"), "the legal lead sees them")
            // Nor in the triage count or the API's report view.

            // The API answers the same way.
            let agentToken = APITokens.make()
            _ = try await fixture.store.createAPIToken(
                login: "agent", name: "test", tokenHash: APITokens.hash(agentToken), scopes: Set(APIScope.allCases), expires: nil, actor: "test",
                at: .now())
            let api = WebClient(base: fixture.base)
            let auth = [("Authorization", "Bearer \(agentToken)")]
            #expect(try await api.get("/api/v1/cases/\(legalID)", headers: auth).status == 404)
            #expect(try await api.get("/api/v1/cases/\(missingID)", headers: auth).status == 404)
            let list = try await api.get("/api/v1/cases?limit=100", headers: auth)
            #expect(list.status == 200)
            #expect(!list.body.contains("\"track\":\"legal\""))
            #expect(try await api.get("/api/v1/cases/\(legalID)", headers: [("Authorization", "Bearer mogura_wrong")]).status == 401)
        }
    }

    @Test func alteredOrExpiredPortalLinksAreRefused() async throws {
        try await WebFixture.with { fixture in
            let caseID = try await fixture.caseID(category: .spam)
            let kase = try #require(try await fixture.store.case(caseID))
            let now = Timestamp.now()
            let link = fixture.server.portalLink(caseID: caseID, token: kase.token, now: now)
            let path = String(link.dropFirst("http://127.0.0.1".count))
            let visitor = WebClient(base: fixture.base)
            let good = try await visitor.get(path)
            #expect(good.status == 200)
            #expect(good.body.contains("203.0.113.7"))
            #expect(!good.body.contains("mallory@mail.example.org"), "the reporter's identity is not shown to the customer")

            var parts = path.split(separator: "/").map(String.init)  // portal, case, expires, signature
            var altered = parts
            altered[3] = String(altered[3].reversed())
            #expect(try await visitor.get("/" + altered.joined(separator: "/")).status == 404)
            altered = parts
            altered[2] = String((Int64(altered[2]) ?? 0) + 86_400)  // a longer life, same signature
            #expect(try await visitor.get("/" + altered.joined(separator: "/")).status == 404)
            let otherCase = try await fixture.caseID(category: .phishing)
            altered = parts
            altered[1] = String(otherCase)
            #expect(try await visitor.get("/" + altered.joined(separator: "/")).status == 404)

            let expired = fixture.server.portalLink(caseID: caseID, token: kase.token, now: now.adding(seconds: -31 * 86_400))
            let expiredAnswer = try await visitor.get(String(expired.dropFirst("http://127.0.0.1".count)))
            #expect(expiredAnswer.status == 410)
            parts = []
        }
    }

    @Test func parallelGuessesCannotOutrunTheThrottle() async throws {
        try await WebFixture.with { fixture in
            let clients = (0..<10).map { _ in WebClient(base: fixture.base) }
            var tokens: [String] = []
            for client in clients { tokens.append(WebClient.csrf(in: try await client.get("/login").body) ?? "") }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (client, token) in zip(clients, tokens) {
                    group.addTask {
                        try await client.post("/login", form: [("csrf", token), ("login", "agent"), ("password", "guess \(UUID())")]).status
                    }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == 401 }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 7, "\(statuses)")
        }
    }

    @Test func loginThrottlingEngages() async throws {
        try await WebFixture.with { fixture in
            let client = WebClient(base: fixture.base)
            for attempt in 1...3 {
                let page = try await client.get("/login")
                let answer = try await client.post(
                    "/login", form: [("csrf", WebClient.csrf(in: page.body) ?? ""), ("login", "agent"), ("password", "wrong \(attempt)")])
                #expect(answer.status == 401)
            }
            // Now even the right password is refused for the window.
            let page = try await client.get("/login")
            let blocked = try await client.post(
                "/login", form: [("csrf", WebClient.csrf(in: page.body) ?? ""), ("login", "agent"), ("password", fixture.passwords["agent"]!)])
            #expect(blocked.status == 429)
            #expect(blocked.headers.first(name: "Retry-After") != nil)
            #expect(client.cookie("mogura_session") == nil)
            // Another account from the same address is not locked by these three failures.
            try await WebClient(base: fixture.base).logIn("lead", password: fixture.passwords["lead"]!)
            let events = try await fixture.store.auditEvents(before: nil, objectType: "user", objectID: "agent", limit: 20)
            #expect(events.filter { $0.action == "login.failed" }.count == 3)
            #expect(events.contains { $0.action == "login.throttled" })
        }
    }

    @Test func sessionsCookiesAndHeaders() async throws {
        try await WebFixture.with { fixture in
            let anonymous = WebClient(base: fixture.base)
            let queue = try await anonymous.get("/queue")
            #expect(queue.status == 303)
            #expect(queue.location?.hasPrefix("/login") == true)
            let client = WebClient(base: fixture.base)
            let page = try await client.get("/login")
            let login = try await client.post(
                "/login",
                form: [
                    ("csrf", WebClient.csrf(in: page.body) ?? ""), ("login", "agent"), ("password", fixture.passwords["agent"]!),
                    ("next", "//evil.example"),
                ])
            #expect(login.location == "/queue", "an open redirect after login")
            for next in ["/\t/evil.example", "/%09/evil.example", "https://evil.example", "/\\evil.example", "/ok?x=1\r\nSet-Cookie: a=b"] {
                let again = WebClient(base: fixture.base)
                let form = try await again.get("/login")
                let answer = try await again.post(
                    "/login",
                    form: [
                        ("csrf", WebClient.csrf(in: form.body) ?? ""), ("login", "lead"), ("password", fixture.passwords["lead"]!), ("next", next),
                    ])
                #expect(answer.location == "/queue", "next=\(next) → \(answer.location ?? "nil")")
            }
            let cookie = try #require(login.headers.first(name: "Set-Cookie"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(try await client.get("/queue").headers.first(name: "X-Frame-Options") == "DENY")
            // Logging out ends the session on the server, not just in the browser.
            let session = try #require(client.cookie("mogura_session"))
            let token = try #require(WebClient.csrf(in: try await client.get("/queue").body))
            #expect(try await client.post("/logout", form: [("csrf", token)]).status == 303)
            let replay = WebClient(base: fixture.base)
            replay.setCookie("mogura_session", session)
            #expect(try await replay.get("/queue").status == 303)
        }
    }
}
