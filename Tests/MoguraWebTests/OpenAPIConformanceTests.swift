import Foundation
import HTTPTypes
import Hummingbird
import MoguraCore
import MoguraStore
import MoguraTesting
import MoguraWeb
import NIOHTTP1
import Testing
import Yams

/// `docs/openapi.yaml` against the live server: every API route is documented and every documented operation
/// exists; every answer's status is documented for its operation and its body matches the documented schema.
@Suite("OpenAPI document matches the live API", .serialized)
struct OpenAPIConformanceTests {
    typealias Object = [String: Any]

    /// A JSON value that keeps booleans and integers apart.
    enum JSONValue: Decodable {
        case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([JSONValue].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: JSONValue].self))
            }
        }

        /// As Foundation objects, for the checks below.
        var plain: Any? {
            switch self {
            case .null: nil
            case .bool(let value): value
            case .integer(let value): Int(value)
            case .number(let value): value
            case .string(let value): value
            case .array(let values): values.map { $0.plain as Any }
            case .object(let values): values.mapValues { $0.plain as Any }
            }
        }

        var typeName: String {
            switch self {
            case .null: "null"
            case .bool: "boolean"
            case .integer: "integer"
            case .number: "number"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }
    }

    struct Document: @unchecked Sendable {
        let root: Object

        init() throws {
            let path = (TestEnvironment.repositoryRoot as NSString).appendingPathComponent("docs/openapi.yaml")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            root = try #require(try Yams.load(yaml: text) as? Object)
        }

        var paths: Object { root["paths"] as? Object ?? [:] }

        /// Follows a `$ref` inside the document.
        func resolve(_ node: Any?) -> Object? {
            guard var object = node as? Object else { return nil }
            while let ref = object["$ref"] as? String, ref.hasPrefix("#/") {
                var current: Any? = root
                for part in ref.dropFirst(2).split(separator: "/") { current = (current as? Object)?[String(part)] }
                guard let next = current as? Object else { return nil }
                object = next
            }
            return object
        }

        func operation(_ method: String, _ path: String) -> Object? {
            (paths[path] as? Object)?[method.lowercased()] as? Object
        }

        /// The schema of an operation's JSON answer for a status, nil when that status is not documented.
        func responseSchema(_ method: String, _ path: String, status: Int) -> Object?? {
            guard let responses = operation(method, path)?["responses"] as? Object, let response = resolve(responses[String(status)]) else {
                return nil
            }
            let schema = ((response["content"] as? Object)?["application/json"] as? Object)?["schema"]
            return .some(resolve(schema))
        }

        /// Problems with `value` against `schema` (a subset of JSON Schema: type, properties, required, items, enum).
        func problems(_ value: JSONValue, _ schemaNode: Any?, at path: String = "$") -> [String] {
            guard let schema = resolve(schemaNode) else { return [] }
            var types: [String] = []
            if let type = schema["type"] as? String { types = [type] } else if let list = schema["type"] as? [String] { types = list }
            let actual = value.typeName
            if !types.isEmpty && !types.contains(actual) && !(actual == "integer" && types.contains("number")) {
                return ["\(path): expected \(types.joined(separator: "|")), got \(actual)"]
            }
            var found: [String] = []
            if let allowed = schema["enum"] as? [String], case .string(let string) = value, !allowed.contains(string) {
                found.append("\(path): \(string) is not one of \(allowed)")
            }
            if case .object(let object) = value {
                for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                    found.append("\(path): missing required \(name)")
                }
                let properties = schema["properties"] as? Object ?? [:]
                for (name, item) in object {
                    guard let property = properties[name] else {
                        found.append("\(path): \(name) is not documented")
                        continue
                    }
                    found += problems(item, property, at: "\(path).\(name)")
                }
            }
            if case .array(let array) = value {
                for (index, item) in array.enumerated() { found += problems(item, schema["items"], at: "\(path)[\(index)]") }
            }
            return found
        }
    }

    @Test func everyRouteIsDocumentedAndEveryAnswerMatches() async throws {
        let document = try Document()
        try await WebFixture.with { fixture in
            // Routes and documented operations are the same set.
            let routes = Set(
                fixture.server.router().routes.filter { $0.path.description.hasPrefix("/api/") }.map { route in
                    "\(route.method.rawValue) /"
                        + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                        .joined(separator: "/")
                })
            var documented = Set<String>()
            for (path, item) in document.paths {
                for method in (item as? Object ?? [:]).keys {
                    documented.insert("\(method.uppercased()) /" + path.split(separator: "/").joined(separator: "/"))
                }
            }
            #expect(
                routes == documented,
                "routes not documented: \(routes.subtracting(documented)); documented but missing: \(documented.subtracting(routes))")

            let token = APITokens.make()
            _ = try await fixture.store.createAPIToken(
                login: "lead", name: "conformance", tokenHash: APITokens.hash(token), scopes: Set(APIScope.allCases), expires: nil, actor: "test",
                at: .now())
            let narrow = APITokens.make()
            _ = try await fixture.store.createAPIToken(
                login: "agent", name: "narrow", tokenHash: APITokens.hash(narrow), scopes: [.search], expires: nil, actor: "test", at: .now())
            let client = WebClient(base: fixture.base)
            var exercised: [String: Set<Int>] = [:]

            func call(
                _ method: HTTPMethod, _ template: String, _ path: String, token: String? = token, body: [UInt8]? = nil, type: String? = nil,
                expect status: Int
            ) async throws -> Any? {
                let answer = try await client.send(
                    path, method: method, body: body, contentType: type, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
                #expect(answer.status == status, "\(method) \(path): \(answer.status) \(answer.body)")
                #expect(answer.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true, "\(method) \(path)")
                exercised["\(method.rawValue) \(template)", default: []].insert(answer.status)
                guard let documentedSchema = document.responseSchema(method.rawValue, template, status: answer.status) else {
                    Issue.record("\(method) \(template) answered \(answer.status), which the document does not list")
                    return nil
                }
                let json = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8))
                let problems = document.problems(json, documentedSchema)
                #expect(problems.isEmpty, "\(method) \(path) \(answer.status): \(problems)")
                return json.plain
            }

            let spam = try await fixture.caseID(category: .spam)
            let legal = try await fixture.caseID(category: .copyright)
            let pending = try #require(try await fixture.store.actions(inCase: spam).first { $0.requiresApproval }?.id)
            let report = try #require(try await fixture.store.reports(inCase: spam).first?.id)

            let page = try await call(.GET, "/api/v1/cases", "/api/v1/cases?limit=2", expect: 200) as? Object
            let next = try #require(page?["next"] as? String)
            _ = try await call(.GET, "/api/v1/cases", "/api/v1/cases?limit=2&after=\(next)", expect: 200)
            _ = try await call(.GET, "/api/v1/cases", "/api/v1/cases?state=bogus", expect: 400)
            _ = try await call(.GET, "/api/v1/cases", "/api/v1/cases", token: nil, expect: 401)
            _ = try await call(.GET, "/api/v1/cases", "/api/v1/cases", token: narrow, expect: 403)
            let detail = try await call(.GET, "/api/v1/cases/{id}", "/api/v1/cases/\(legal)", expect: 200) as? Object
            #expect((detail?["case"] as? Object)?["track"] as? String == "legal")
            _ = try await call(.GET, "/api/v1/cases/{id}", "/api/v1/cases/\(spam)", expect: 200)
            _ = try await call(.GET, "/api/v1/cases/{id}", "/api/v1/cases/999999", expect: 404)
            _ = try await call(.GET, "/api/v1/cases/{id}", "/api/v1/cases/\(spam)", token: "mogura_nope", expect: 401)
            _ = try await call(.GET, "/api/v1/cases/{id}", "/api/v1/cases/\(spam)", token: narrow, expect: 403)

            let approve = "/api/v1/cases/{id}/actions/{action}/approve"
            // A legal lead reads terms-of-service cases but does not act on them…
            _ = try await call(.POST, approve, "/api/v1/cases/\(spam)/actions/\(pending)/approve", expect: 403)
            // …until given the terms-of-service role too.
            try await fixture.store.setRoles("lead", roles: [.legalLead, .tosAgent], actor: "test", at: .now())
            let approved = try await call(.POST, approve, "/api/v1/cases/\(spam)/actions/\(pending)/approve", expect: 200) as? Object
            #expect(approved?["approved_by"] as? String == "user:lead")
            _ = try await call(.POST, approve, "/api/v1/cases/\(spam)/actions/\(pending)/approve", expect: 409)
            _ = try await call(.POST, approve, "/api/v1/cases/\(spam)/actions/999999/approve", expect: 404)
            _ = try await call(.POST, approve, "/api/v1/cases/\(spam)/actions/\(pending)/approve", token: nil, expect: 401)
            _ = try await call(.POST, approve, "/api/v1/cases/\(spam)/actions/\(pending)/approve", token: narrow, expect: 403)

            let mail = Array(
                "From: someone@example.org\r\nSubject: spam from 203.0.113.9\r\nMessage-ID: <api-1@example.org>\r\n\r\nSpam from 203.0.113.9 again.\r\n"
                    .utf8)
            let submitted = try await call(.POST, "/api/v1/reports", "/api/v1/reports", body: mail, type: "message/rfc822", expect: 201) as? Object
            #expect((submitted?["reports"] as? [Any])?.count == 1)
            let again = try await call(.POST, "/api/v1/reports", "/api/v1/reports", body: mail, type: "message/rfc822", expect: 201) as? Object
            #expect(again?["duplicates"] as? Int == 1, "the same mail twice is stored once")
            let json = Array(#"{"category":"phishing","description":"kit","indicators":["https://shop.example.net/x"]}"#.utf8)
            _ = try await call(.POST, "/api/v1/reports", "/api/v1/reports", body: json, type: "application/json", expect: 201)
            _ = try await call(
                .POST, "/api/v1/reports", "/api/v1/reports", body: Array(#"{"category":"nope","description":"x"}"#.utf8), type: "application/json",
                expect: 400)
            _ = try await call(.POST, "/api/v1/reports", "/api/v1/reports", body: [1, 2, 3], type: "text/csv", expect: 415)
            _ = try await call(.POST, "/api/v1/reports", "/api/v1/reports", token: nil, body: mail, type: "message/rfc822", expect: 401)
            _ = try await call(.POST, "/api/v1/reports", "/api/v1/reports", token: narrow, body: mail, type: "message/rfc822", expect: 403)

            _ = try await call(.GET, "/api/v1/reports/{id}", "/api/v1/reports/\(report)", expect: 200)
            _ = try await call(.GET, "/api/v1/reports/{id}", "/api/v1/reports/999999", expect: 404)
            _ = try await call(.GET, "/api/v1/reports/{id}", "/api/v1/reports/\(report)", token: nil, expect: 401)
            _ = try await call(.GET, "/api/v1/reports/{id}", "/api/v1/reports/\(report)", token: narrow, expect: 403)

            let found = try await call(.GET, "/api/v1/inventory/lookup", "/api/v1/inventory/lookup?q=203.0.113.7", expect: 200) as? Object
            #expect(found?["customer_id"] as? String == "c1")
            _ = try await call(.GET, "/api/v1/inventory/lookup", "/api/v1/inventory/lookup?q=8.8.8.8", expect: 404)
            _ = try await call(.GET, "/api/v1/inventory/lookup", "/api/v1/inventory/lookup", expect: 400)
            _ = try await call(.GET, "/api/v1/inventory/lookup", "/api/v1/inventory/lookup?q=203.0.113.7", token: nil, expect: 401)
            _ = try await call(.GET, "/api/v1/inventory/lookup", "/api/v1/inventory/lookup?q=203.0.113.7", token: narrow, expect: 403)

            let search = try await call(.GET, "/api/v1/search", "/api/v1/search?indicator=ip:203.0.113.7", expect: 200) as? Object
            #expect((search?["cases"] as? [Any])?.isEmpty == false)
            _ = try await call(.GET, "/api/v1/search", "/api/v1/search", expect: 400)
            _ = try await call(.GET, "/api/v1/search", "/api/v1/search?indicator=ip:203.0.113.7", token: nil, expect: 401)
            // The narrow token has `search` but its owner (a terms-of-service agent) sees no legal case through it.
            let narrowSearch = try await call(.GET, "/api/v1/search", "/api/v1/search?indicator=ip:192.0.2.10", token: narrow, expect: 200) as? Object
            #expect((narrowSearch?["cases"] as? [Object])?.contains { $0["track"] as? String == "legal" } == false)

            let stats = try await call(.GET, "/api/v1/statistics", "/api/v1/statistics", expect: 200) as? Object
            #expect((stats?["open_cases"] as? Object)?["legal"] as? Int == 1)
            _ = try await call(.GET, "/api/v1/statistics", "/api/v1/statistics", token: nil, expect: 401)
            _ = try await call(.GET, "/api/v1/statistics", "/api/v1/statistics", token: narrow, expect: 403)
            // An admin without a legal role: the legal track as a count, nothing more.
            let adminToken = APITokens.make()
            _ = try await fixture.store.createAPIToken(
                login: "boss", name: "admin", tokenHash: APITokens.hash(adminToken), scopes: [.casesRead], expires: nil, actor: "test", at: .now())
            let adminStats = try await call(.GET, "/api/v1/statistics", "/api/v1/statistics", token: adminToken, expect: 200) as? Object
            #expect((adminStats?["open_cases"] as? Object)?["legal"] as? Int == 1)
            _ = try await call(.GET, "/api/v1/cases/{id}", "/api/v1/cases/\(legal)", token: adminToken, expect: 404)

            // The legal track: legal staff only; the narrow token's owner (a terms-of-service agent) gets 404 or 403.
            let subscriber = try await fixture.seedLegalRequest()
            let number = "LR-2026-000001"
            let legalList = try await call(.GET, "/api/v1/legal/requests", "/api/v1/legal/requests", expect: 200) as? [Any]
            #expect(legalList?.count == 1)
            _ = try await call(.GET, "/api/v1/legal/requests", "/api/v1/legal/requests", token: nil, expect: 401)
            _ = try await call(.GET, "/api/v1/legal/requests", "/api/v1/legal/requests", token: narrow, expect: 404)
            // The holds in force, for log systems: what to keep, no request details; an admin without a legal role gets 404.
            let holds = try await call(.GET, "/api/v1/legal/holds", "/api/v1/legal/holds", expect: 200) as? [Object]
            #expect(holds?.isEmpty == false && holds?.allSatisfy { $0["window_from"] is String && $0["request_id"] == nil } == true)
            _ = try await call(.GET, "/api/v1/legal/holds", "/api/v1/legal/holds", token: adminToken, expect: 404)
            _ = try await call(.GET, "/api/v1/legal/holds", "/api/v1/legal/holds", token: nil, expect: 401)
            let legalDetail = try await call(.GET, "/api/v1/legal/requests/{number}", "/api/v1/legal/requests/\(number)", expect: 200) as? Object
            #expect((legalDetail?["proposals"] as? [Object])?.first?["missing"] != nil)
            _ = try await call(.GET, "/api/v1/legal/requests/{number}", "/api/v1/legal/requests/LR-0000-000000", expect: 404)
            _ = try await call(.GET, "/api/v1/legal/requests/{number}/rows", "/api/v1/legal/requests/\(number)/rows", expect: 200)
            _ = try await call(.GET, "/api/v1/legal/requests/{number}/rows", "/api/v1/legal/requests/\(number)/rows", token: narrow, expect: 404)
            let revealPath = "/api/v1/legal/requests/\(number)/subjects/\(subscriber)/reveal"
            let revealTemplate = "/api/v1/legal/requests/{number}/subjects/{customer}/reveal"
            _ = try await call(
                .POST, revealTemplate, revealPath, body: Array(#"{"field":"name","reason":"回答書の照合"}"#.utf8), type: "application/json", expect: 200)
            _ = try await call(.POST, revealTemplate, revealPath, body: Array(#"{"field":"name"}"#.utf8), type: "application/json", expect: 400)
            _ = try await call(
                .POST, revealTemplate, revealPath, token: narrow, body: Array(#"{"field":"name","reason":"x y z"}"#.utf8), type: "application/json",
                expect: 403)
            let disclosureTemplate = "/api/v1/legal/requests/{number}/disclosures/{customer}/{verb}"
            let disclosurePath = "/api/v1/legal/requests/\(number)/disclosures/\(subscriber)"
            _ = try await call(.POST, disclosureTemplate, "\(disclosurePath)/approve", expect: 409)  // the proposer's own
            _ = try await call(.POST, disclosureTemplate, "\(disclosurePath)/release", expect: 409)
            _ = try await call(.POST, disclosureTemplate, "\(disclosurePath)/release", token: narrow, expect: 403)
            _ = try await call(.POST, disclosureTemplate, "\(disclosurePath)/publish", expect: 404)
            _ = try await call(.POST, disclosureTemplate, "\(disclosurePath)/approve", token: nil, expect: 401)

            // A police inquiry: the warrant rule through the API.
            let created =
                try await call(
                    .POST, "/api/v1/legal/requests", "/api/v1/legal/requests",
                    body: Array(
                        #"{"kind":"police-inquiry","authority":"警視庁","items":[{"label":"契約者の氏名","class":"subscriber-data"},{"label":"接続記録","class":"communication-secret"}]}"#
                            .utf8),
                    type: "application/json",
                    expect: 200) as? Object
            let police = try #require(created?["number"] as? String)
            _ = try await call(
                .POST, "/api/v1/legal/requests", "/api/v1/legal/requests", body: Array(#"{"kind":"x"}"#.utf8), type: "application/json", expect: 400)
            _ = try await call(
                .POST, "/api/v1/legal/requests", "/api/v1/legal/requests", token: narrow, body: Array(#"{"kind":"police-inquiry"}"#.utf8),
                type: "application/json", expect: 403)
            _ = try await call(
                .POST, "/api/v1/legal/requests", "/api/v1/legal/requests", body: Array("{\"kind\":\"police-inquiry\",\"number\":\"\(police)\"}".utf8),
                type: "application/json", expect: 409)
            let answerTemplate = "/api/v1/legal/requests/{number}/items/{item}/answer"
            _ = try await call(
                .POST, answerTemplate, "/api/v1/legal/requests/\(police)/items/1/answer", body: Array(#"{"answer":"x"}"#.utf8),
                type: "application/json", expect: 409)
            _ = try await call(
                .POST, answerTemplate, "/api/v1/legal/requests/\(police)/items/0/answer", body: Array(#"{"answer":"山田 太郎"}"#.utf8),
                type: "application/json", expect: 200)
            _ = try await call(
                .POST, answerTemplate, "/api/v1/legal/requests/\(police)/items/0/answer", body: Array("{}".utf8), type: "application/json",
                expect: 400)
            _ = try await call(
                .POST, answerTemplate, "/api/v1/legal/requests/\(police)/items/0/answer", token: narrow, body: Array(#"{"answer":"x"}"#.utf8),
                type: "application/json", expect: 403)
            _ = try await call(
                .POST, answerTemplate, "/api/v1/legal/requests/LR-0000-000000/items/0/answer", body: Array(#"{"answer":"x"}"#.utf8),
                type: "application/json", expect: 404)
            let warrantTemplate = "/api/v1/legal/requests/{number}/warrant"
            _ = try await call(
                .POST, warrantTemplate, "/api/v1/legal/requests/\(police)/warrant", body: Array("{}".utf8), type: "application/json", expect: 400)
            _ = try await call(
                .POST, warrantTemplate, "/api/v1/legal/requests/\(police)/warrant", token: narrow,
                body: Array(#"{"kind":"k","court":"c","number":"n","issued_on":"2026-11-20"}"#.utf8), type: "application/json", expect: 403)
            _ = try await call(
                .POST, warrantTemplate, "/api/v1/legal/requests/LR-0000-000000/warrant",
                body: Array(#"{"kind":"k","court":"c","number":"n","issued_on":"2026-11-20"}"#.utf8), type: "application/json", expect: 404)
            _ = try await call(
                .POST, warrantTemplate, "/api/v1/legal/requests/\(police)/warrant",
                body: Array(#"{"kind":"捜索差押許可状","court":"東京地方裁判所","number":"令和8年(む)第123号","issued_on":"2026-11-20"}"#.utf8),
                type: "application/json", expect: 200)
            _ = try await call(
                .POST, answerTemplate, "/api/v1/legal/requests/\(police)/items/1/answer", body: Array(#"{"answer":"接続記録（別紙）"}"#.utf8),
                type: "application/json", expect: 200)

            let moveTemplate = "/api/v1/legal/requests/{number}/state"
            _ = try await call(
                .POST, moveTemplate, "/api/v1/legal/requests/\(police)/state", body: Array("{}".utf8), type: "application/json", expect: 400)
            _ = try await call(
                .POST, moveTemplate, "/api/v1/legal/requests/\(police)/state", body: Array(#"{"state":"closed"}"#.utf8), type: "application/json",
                expect: 409)
            _ = try await call(
                .POST, moveTemplate, "/api/v1/legal/requests/\(police)/state", token: narrow, body: Array(#"{"state":"verifying"}"#.utf8),
                type: "application/json", expect: 403)
            _ = try await call(
                .POST, moveTemplate, "/api/v1/legal/requests/LR-0000-000000/state", body: Array(#"{"state":"verifying"}"#.utf8),
                type: "application/json", expect: 404)
            let moved =
                try await call(
                    .POST, moveTemplate, "/api/v1/legal/requests/\(police)/state", body: Array(#"{"state":"verifying","note":"照会書の真正を確認"}"#.utf8),
                    type: "application/json", expect: 200) as? Object
            #expect(moved?["state"] as? String == "verifying")

            // Every documented operation was called.
            #expect(Set(exercised.keys) == documented, "not exercised: \(documented.subtracting(exercised.keys))")
        }
    }
}
