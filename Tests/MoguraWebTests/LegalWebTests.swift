import Foundation
import MoguraCore
import MoguraLegal
import MoguraStore
import MoguraTesting
import MoguraWeb
import NIOHTTP1
import Testing

/// The legal track through the real web server: pages and API answer 404 to everyone but legal staff (the same
/// page as for a request that does not exist), a network operator sees rows to look up and nothing of the
/// requester, the claim or the result, a reveal needs a reason, the two-approval rule holds through the API, and
/// the audit chain records each view, refusal and reveal.
@Suite("Legal track on the web", .serialized)
struct LegalWebTests {
    @Test func pagesAndAPIAreForLegalStaffOnly() async throws {
        try await WebFixture.with { fixture in
            let subscriber = try await fixture.seedLegalRequest()
            let number = "LR-2026-000001"
            let agent = try await fixture.client(as: "agent")
            let boss = try await fixture.client(as: "boss")
            let noc = try await fixture.client(as: "noc")
            let lead = try await fixture.client(as: "lead")

            // Terms-of-service agent and admin: 404 everywhere, and the same page as for a missing request.
            for client in [agent, boss] {
                for path in ["/legal/", "/legal/\(number)", "/legal/\(number)/lookup", "/legal/\(number)/documents/1"] {
                    #expect(try await client.get(path).status == 404, "\(path)")
                }
            }
            let missing = try await agent.get("/legal/LR-2026-999999")
            #expect(try await agent.get("/legal/\(number)").body == missing.body.replacingOccurrences(of: "LR-2026-999999", with: number))
            let agentCSRF = try #require(WebClient.csrf(in: try await agent.get("/queue").body))
            #expect(
                try await agent.post(
                    "/legal/\(number)/subjects/\(subscriber)/reveal", form: [("csrf", agentCSRF), ("field", "name"), ("reason", "curious")]
                )
                .status == 404)

            // The network operator: the lookup page with addresses, ports and times; not the request page.
            #expect(try await noc.get("/legal/\(number)").status == 404)
            let lookup = try await noc.get("/legal/\(number)/lookup")
            #expect(lookup.status == 200 && lookup.body.contains("id=\"lookup-rows\"") && lookup.body.contains("198.51.100."))
            for secret in ["Example Films", "株式会社エグザンプル", "著作権", "resolved", "作品", subscriber] {
                #expect(!lookup.body.contains(secret), "the operator must not see \(secret)")
            }

            // The legal lead: the request, its rows, masked subscriber data; a reveal needs a reason.
            let page = try await lead.get("/legal/\(number)")
            #expect(page.status == 200 && page.body.contains("Example Films") && page.body.contains("山＊ 太＊") && !page.body.contains("山田"))
            let csrf = try #require(WebClient.csrf(in: page.body))
            let refused = try await lead.post(
                "/legal/\(number)/subjects/\(subscriber)/reveal", form: [("csrf", csrf), ("field", "name"), ("reason", "")])
            #expect(refused.status == 400 && refused.body.contains("a reveal needs a reason"))
            let revealed = try await lead.post(
                "/legal/\(number)/subjects/\(subscriber)/reveal", form: [("csrf", csrf), ("field", "name"), ("reason", "回答書の照合")])
            #expect(revealed.status == 200 && revealed.body.contains("id=\"revealed\">山田 太郎<"))
            #expect(try await lead.get("/legal/").body.contains(number))

            // The audit chain: views, the operator's lookup view, the refusals, the reveal with its reason.
            let events = try await fixture.store.auditEvents(after: 0, limit: 10_000)
            #expect(events.contains { $0.action == "legal.view" && $0.actor == "user:lead" })
            #expect(events.contains { $0.action == "legal.lookup.view" && $0.actor == "user:noc" })
            #expect(events.contains { $0.action == "legal.access.denied" && $0.actor == "user:agent" })
            #expect(events.contains { $0.action == "legal.access.denied" && $0.actor == "user:boss" })
            let reveals = events.filter { $0.action == "legal.pii.reveal" }
            #expect(reveals.count == 1 && reveals[0].actor == "user:lead" && reveals[0].details.contains("回答書の照合"))
            #expect(try await fixture.store.verifyAuditChain().isIntact)
            // None of it in the terms-of-service agent's audit page.
            let agentAudit = try await agent.get("/audit").body
            #expect(!agentAudit.contains("legal.") && !agentAudit.contains(number))
        }
    }

    /// Registering a request and moving it from the pages: the legal lead's forms work and show the clock the move
    /// starts; a terms-of-service agent's posts get 404; a move the workflow does not allow is refused.
    @Test func requestsAreRegisteredAndMovedFromThePages() async throws {
        try await WebFixture.with { fixture in
            _ = try await fixture.seedLegalRequest()
            let agent = try await fixture.client(as: "agent")
            let lead = try await fixture.client(as: "lead")
            let agentCSRF = try #require(WebClient.csrf(in: try await agent.get("/queue").body))
            #expect(try await agent.post("/legal/new", form: [("csrf", agentCSRF), ("kind", "takedown-request")]).status == 404)
            #expect(try await agent.post("/legal/new", form: [("csrf", agentCSRF), ("kind", "nonsense")]).status == 404, "no hint about the form")
            #expect(try await agent.post("/legal/LR-2026-000001/state", form: [("csrf", agentCSRF), ("state", "answering")]).status == 404)

            let list = try await lead.get("/legal/")
            #expect(list.body.contains("id=\"legal-new\"") && list.body.contains("value=\"takedown-request\""))
            let csrf = try #require(WebClient.csrf(in: list.body))
            let refused = try await lead.post("/legal/new", form: [("csrf", csrf), ("kind", "police-inquiry"), ("election", "1")])
            #expect(refused.status == 400 && refused.body.contains("election material is a takedown request"))
            let created = try await lead.post(
                "/legal/new",
                form: [
                    ("csrf", csrf), ("kind", "takedown-request"), ("reference", "申出書 2026-12-01"), ("role", "requester"), ("party", "乙山花子"),
                    ("rights", "名誉権"), ("locations", "https://bbs.example.jp/t/9#12\nhttps://bbs.example.jp/t/9#15"), ("statement", "虚偽の書込み"),
                ])
            #expect(created.status == 303)
            let location = try #require(created.location)
            #expect(location.hasPrefix("/legal/LR-"))
            let number = String(location.dropFirst("/legal/".count))
            for state in ["screening", "assessing", "inquiring-sender"] {
                #expect(
                    try await lead.post("/legal/\(number)/state", form: [("csrf", csrf), ("state", state), ("note", "web")]).status == 303, "\(state)"
                )
            }
            let page = try await lead.get("/legal/\(number)")
            #expect(page.body.contains("<dd>inquiring-sender</dd>") && page.body.contains("id=\"legal-deadlines\""))
            #expect(page.body.contains("送信防止措置に関する照会の回答期限") && page.body.contains("<option>deciding</option>"))
            let wrong = try await lead.post("/legal/\(number)/state", form: [("csrf", csrf), ("state", "closed")])
            #expect(wrong.status == 409 && wrong.body.contains("may move to deciding"))
            let stored = try #require(try await fixture.store.legalRequest(number: number))
            let request = try JSONDecoder().decode(LegalRequest.self, from: Data(stored.payload.utf8))
            #expect(request.parties.first?.name == "乙山花子" && request.locations?.count == 2 && request.channel == "web")
        }
    }

    @Test func theAPIKeepsTheTwoApprovalRuleAndTheRolesAndNeedsAReason() async throws {
        try await WebFixture.with { fixture in
            let subscriber = try await fixture.seedLegalRequest()
            let number = "LR-2026-000001"
            var tokens: [String: String] = [:]
            for login in ["agent", "boss", "noc", "lead", "lead2", "clerk"] {
                let token = APITokens.make()
                _ = try await fixture.store.createAPIToken(
                    login: login, name: "test", tokenHash: APITokens.hash(token), scopes: Set(APIScope.allCases), expires: nil, actor: "test",
                    at: .now())
                tokens[login] = token
            }
            let client = WebClient(base: fixture.base)
            func call(_ method: String, _ path: String, as login: String, json: String? = nil) async throws -> WebClient.Answer {
                try await client.send(
                    path, method: .init(rawValue: method), body: json.map { Array($0.utf8) }, contentType: json == nil ? nil : "application/json",
                    headers: [("Authorization", "Bearer \(tokens[login]!)")])
            }
            let base = "/api/v1/legal/requests"
            for login in ["agent", "boss"] {
                #expect(try await call("GET", base, as: login).status == 404)
                #expect(try await call("GET", "\(base)/\(number)", as: login).status == 404)
                #expect(try await call("GET", "\(base)/\(number)/rows", as: login).status == 404)
                #expect(
                    try await call("POST", "\(base)/\(number)/subjects/\(subscriber)/reveal", as: login, json: #"{"field":"name","reason":"x y z"}"#)
                        .status == 404)
                #expect(try await call("POST", "\(base)/\(number)/disclosures/\(subscriber)/approve", as: login).status == 404)
            }
            // The operator's rows carry no outcome, subscriber or flags; legal staff's do.
            let operatorRows = try await call("GET", "\(base)/\(number)/rows", as: "noc")
            #expect(operatorRows.status == 200 && !operatorRows.body.contains("\"outcome\"") && !operatorRows.body.contains("\"customer\""))
            #expect(operatorRows.body.contains("\"address\""))
            #expect(try await call("GET", "\(base)/\(number)", as: "noc").status == 404)
            #expect(try await call("GET", "\(base)/\(number)/rows", as: "lead").body.contains("\"outcome\""))

            // A reveal without a reason: 400.
            #expect(try await call("POST", "\(base)/\(number)/subjects/\(subscriber)/reveal", as: "clerk", json: #"{"field":"name"}"#).status == 400)
            let revealed = try await call(
                "POST", "\(base)/\(number)/subjects/\(subscriber)/reveal", as: "clerk", json: #"{"field":"address","reason":"宛先の確認"}"#)
            #expect(revealed.status == 200 && revealed.body.contains("東京都千代田区"))

            // The proposal (by lead) needs two different legal staff, one a lead other than the proposer.
            let release = "\(base)/\(number)/disclosures/\(subscriber)/release"
            let approve = "\(base)/\(number)/disclosures/\(subscriber)/approve"
            #expect(try await call("POST", approve, as: "lead").status == 409, "the proposer cannot approve")
            #expect(try await call("POST", approve, as: "clerk").status == 200)
            #expect(try await call("POST", approve, as: "clerk").status == 409, "the same person twice")
            let early = try await call("POST", release, as: "clerk")
            #expect(early.status == 409 && early.body.contains("1 of 2 approvals"))
            #expect(try await call("GET", "\(base)/\(number)", as: "lead").body.contains("1 of 2 approvals"))
            #expect(try await call("POST", approve, as: "lead2").status == 200)
            let released = try await call("POST", release, as: "lead2")
            #expect(released.status == 200 && released.body.contains("\"approved_by\":[\"clerk\",\"lead2\"]"), "\(released.body)")
            #expect(try await call("POST", release, as: "lead2").status == 409, "released once")
            let id = try #require(try await fixture.store.legalRequest(number: number)?.id)
            #expect(try await fixture.store.disclosures(requestID: id).count == 1)
        }
    }

    /// 通信の秘密 goes to police only under a verified warrant: no role, approval or parameter lifts the rule.
    @Test func theWarrantRuleHoldsThroughTheAPI() async throws {
        try await WebFixture.with { fixture in
            var tokens: [String: String] = [:]
            for login in ["boss", "lead", "clerk", "agent", "noc"] {
                let token = APITokens.make()
                _ = try await fixture.store.createAPIToken(
                    login: login, name: "test", tokenHash: APITokens.hash(token), scopes: Set(APIScope.allCases), expires: nil, actor: "test",
                    at: .now())
                tokens[login] = token
            }
            let client = WebClient(base: fixture.base)
            func post(_ path: String, as login: String, _ json: String) async throws -> WebClient.Answer {
                try await client.send(
                    path, method: .POST, body: Array(json.utf8), contentType: "application/json",
                    headers: [("Authorization", "Bearer \(tokens[login]!)")])
            }
            let created = try await post(
                "/api/v1/legal/requests", as: "clerk",
                #"{"kind":"police-inquiry","number":"LR-2026-000777","authority":"大阪府警察","external_reference":"大府捜第123号","items":[{"label":"契約者の住所","class":"subscriber-data"},{"label":"通信日時と接続先","class":"communication-secret"}]}"#
            )
            #expect(created.status == 200, "\(created.body)")
            #expect(try await post("/api/v1/legal/requests", as: "agent", #"{"kind":"police-inquiry"}"#).status == 404)
            #expect(try await post("/api/v1/legal/requests", as: "agent", #"{"kind":"x"}"#).status == 404, "no hint about the body")
            // The holds for log systems: legal staff and network operators; a ToS agent and an admin get 404.
            for login in ["agent", "boss"] {
                let answer = try await client.send(
                    "/api/v1/legal/holds", method: .GET, body: nil, contentType: nil, headers: [("Authorization", "Bearer \(tokens[login]!)")])
                #expect(answer.status == 404, "\(login)")
            }
            let nocHolds = try await client.send(
                "/api/v1/legal/holds", method: .GET, body: nil, contentType: nil, headers: [("Authorization", "Bearer \(tokens["noc"]!)")])
            #expect(nocHolds.status == 200 && nocHolds.body.hasPrefix("[") && !nocHolds.body.contains("LR-2026"))
            #expect(
                try await post("/api/v1/legal/requests", as: "clerk", #"{"kind":"dsa-notice","linked_cases":[987654]}"#).status == 409,
                "a linked case must exist")
            let items = "/api/v1/legal/requests/LR-2026-000777/items"
            // Without a warrant: refused for the lead, whoever asks; an admin and a ToS agent get 404.
            let refused = try await post("\(items)/1/answer", as: "lead", #"{"answer":"2026-11-01 10:00 203.0.113.9"}"#)
            #expect(refused.status == 409 && refused.body.contains("令状によらない通信の秘密の提供はできません"), "\(refused.body)")
            #expect(try await post("\(items)/1/answer", as: "boss", #"{"answer":"x"}"#).status == 404)
            #expect(try await post("\(items)/1/answer", as: "agent", #"{"answer":"x"}"#).status == 404)
            #expect(try await post("\(items)/1/answer", as: "clerk", #"{"answer":"x"}"#).status == 409, "answers are a lead's")
            // Subscriber data needs no warrant.
            #expect(try await post("\(items)/0/answer", as: "lead", #"{"answer":"大阪市北区…"}"#).status == 200)
            // A legal agent cannot record the warrant; the lead can, and is recorded as its verifier.
            let warrant = #"{"kind":"捜索差押許可状","court":"大阪地方裁判所","number":"令和8年(む)第45号","issued_on":"2026-11-20"}"#
            #expect(try await post("/api/v1/legal/requests/LR-2026-000777/warrant", as: "clerk", warrant).status == 409)
            #expect(try await post("/api/v1/legal/requests/LR-2026-000777/warrant", as: "lead", warrant).status == 200)
            #expect(try await post("\(items)/1/answer", as: "lead", #"{"answer":"別紙のとおり"}"#).status == 200)
            // Moving it: the legal agent takes it to approval; answering or declining it is a lead's.
            let state = "/api/v1/legal/requests/LR-2026-000777/state"
            for next in ["verifying", "scoping", "awaiting-approval"] {
                #expect(try await post(state, as: "clerk", "{\"state\":\"\(next)\"}").status == 200, "\(next)")
            }
            let leadOnly = try await post(state, as: "clerk", #"{"state":"answered"}"#)
            #expect(leadOnly.status == 409 && leadOnly.body.contains("only a legal lead"), "\(leadOnly.body)")
            #expect(try await post(state, as: "clerk", #"{"state":"declined"}"#).status == 409)
            #expect(try await post(state, as: "agent", #"{"state":"answered"}"#).status == 404)
            #expect(try await post(state, as: "lead", #"{"state":"answered","note":"回答書発送"}"#).status == 200)
            let events = try await fixture.store.auditEvents(after: 0, limit: 10_000)
            #expect(events.contains { $0.action == "legal.police.refused" && $0.actor == "user:lead" })
            #expect(events.filter { $0.action == "legal.police.answer" }.count == 2)
            #expect(events.contains { $0.action == "legal.warrant.attach" && $0.details.contains("令和8年(む)第45号") })
        }
    }
}
