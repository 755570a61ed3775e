import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraResolve
import MoguraStore
import NIOCore

/// Authenticates API calls by bearer token (stored hashed; scopes limit what a token may do, and a token never
/// grants more than its owner's roles).
struct APITokenMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let server: WebServer

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            var response = WebServer.jsonError("missing bearer token", status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer realm=\"mogura\""
            return response
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let grant = try await server.store.apiToken(hash: Secrets.hash(token), at: server.clock.now()) else {
            var response = WebServer.jsonError("unknown, revoked or expired token", status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer realm=\"mogura\", error=\"invalid_token\""
            return response
        }
        var context = context
        context.staff = grant.user
        context.scopes = grant.scopes
        return try await next(request, context)
    }
}

/// The JSON shapes of the API (documented in `docs/openapi.yaml`).
enum API {
    struct CaseSummary: Codable {
        var id: Int64
        var track: String
        var category: String
        var state: String
        var subject: String
        var customerId: String?
        var openedAt: Timestamp
        var updatedAt: Timestamp
        var deadline: Timestamp?
        var assignee: String?
        var reportCount: Int?

        init(_ kase: Case, reports: Int? = nil) {
            id = kase.id ?? 0
            track = kase.track.rawValue
            category = kase.category.rawValue
            state = kase.state.rawValue
            subject = kase.subject.description
            customerId = kase.customerID
            openedAt = kase.openedAt
            updatedAt = kase.updatedAt
            deadline = kase.deadline
            assignee = kase.assignee
            reportCount = reports
        }
    }

    struct CaseList: Codable {
        var cases: [CaseSummary]
        var next: String?
    }

    struct ActionItem: Codable {
        var id: Int64
        var kind: String
        var state: String
        var dueAt: Timestamp
        var requiresApproval: Bool
        var approvedBy: String?
        var attempts: Int
        var result: String?
        var lastError: String?

        init(_ action: Action) {
            id = action.id ?? 0
            kind = action.kind.rawValue
            state = action.state.rawValue
            dueAt = action.dueAt
            requiresApproval = action.requiresApproval
            approvedBy = action.approvedBy
            attempts = action.attempts
            result = action.result
            lastError = action.lastError
        }
    }

    struct ReportItem: Codable {
        var id: Int64
        var caseId: Int64?
        var receivedAt: Timestamp
        var channel: String
        var format: String
        var category: String
        var track: String
        var subject: String
        var eventTime: Timestamp?
        var indicators: [String]
        var rawSha256: String?
        var parseError: String?

        init(_ report: Report) {
            id = report.id ?? 0
            caseId = report.caseID
            receivedAt = report.receivedAt
            channel = report.channel.rawValue
            format = report.format
            category = report.category.rawValue
            track = report.track.rawValue
            subject = report.subject
            eventTime = report.eventTime
            indicators = report.indicators.map(\.description)
            rawSha256 = report.rawHash?.hex
            parseError = report.parseError
        }
    }

    struct CaseDetail: Codable {
        var `case`: CaseSummary
        var actions: [ActionItem]
        var reports: [ReportItem]
    }

    struct Submitted: Codable {
        var reports: [Int64]
        var duplicates: Int
    }

    struct ReportSubmission: Codable {
        var category: String
        var indicators: [String]?
        var description: String
        var reporter: String?
    }

    struct Attribution: Codable {
        var indicator: String
        var at: Timestamp
        var customerId: String
        var customerName: String
        var serviceId: String
        var serviceKind: String
        var matched: String
        var validity: String
    }

    struct Statistics: Codable {
        var openCases: [String: Int]
        var reportsInTriage: Int
        var deadlinesBreached: Int
        var deadlinesWithin24h: Int
    }

    struct Failure: Codable {
        var error: String
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension WebServer {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? API.encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func jsonError(_ message: String, status: HTTPResponse.Status) -> Response {
        json(API.Failure(error: message), status: status)
    }

    func addAPIRoutes(to router: Router<WebContext>) {
        let api = router.group("/api/v1").add(middleware: APITokenMiddleware(server: self))
        api.get("/cases") { request, context in try await self.apiCases(request: request, context: context) }
        api.get("/cases/:id") { _, context in try await self.apiCase(context: context) }
        api.post("/cases/:id/actions/:action/approve") { _, context in try await self.apiApprove(context: context) }
        api.get("/reports/:id") { _, context in try await self.apiReport(context: context) }
        api.post("/reports") { request, context in try await self.apiSubmit(request: request, context: context) }
        api.get("/inventory/lookup") { request, context in try await self.apiLookup(request: request, context: context) }
        api.get("/search") { request, context in try await self.apiSearch(request: request, context: context) }
        api.get("/statistics") { _, context in try await self.apiStatistics(context: context) }
    }

    private func requireScope(_ scope: APIScope, _ context: WebContext) -> Response? {
        context.scopes.contains(scope) ? nil : Self.jsonError("this token lacks the scope \(scope.rawValue)", status: .forbidden)
    }

    private static let notFoundJSON = jsonError("not found", status: .notFound)

    func apiCases(request: Request, context: WebContext) async throws -> Response {
        if let refusal = requireScope(.casesRead, context) { return refusal }
        guard let user = context.staff else { return Self.notFoundJSON }
        let q = request.uri.queryParameters
        func param(_ name: String) -> String? { q[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        var tracks = user.visibleTracks
        if let text = param("track") {
            guard let track = Track(rawValue: text) else { return Self.jsonError("unknown track \(text)", status: .badRequest) }
            tracks = tracks.filter { $0 == track }
        }
        var query = CaseQuery(tracks: tracks, limit: min(Int(param("limit") ?? "") ?? 50, 500))
        if let text = param("category") {
            guard let category = MoguraCore.Category(rawValue: text) else { return Self.jsonError("unknown category \(text)", status: .badRequest) }
            query.category = category
        }
        if let text = param("state") {
            guard let state = CaseState(rawValue: text) else { return Self.jsonError("unknown state \(text)", status: .badRequest) }
            query.states = [state]
        }
        if let text = param("sort") {
            guard let sort = CaseQuery.Sort(rawValue: text) else { return Self.jsonError("unknown sort \(text)", status: .badRequest) }
            query.sort = sort
        }
        if let text = param("after") {
            guard let cursor = CaseCursor(text) else { return Self.jsonError("after must be a cursor from a previous page", status: .badRequest) }
            query.after = cursor
        }
        let page = tracks.isEmpty ? CasePage(cases: [], reportCounts: [:], next: nil) : try await store.queue(query)
        return Self.json(
            API.CaseList(cases: page.cases.map { API.CaseSummary($0, reports: page.reportCounts[$0.id ?? 0] ?? 0) }, next: page.next?.description))
    }

    func apiCase(context: WebContext) async throws -> Response {
        if let refusal = requireScope(.casesRead, context) { return refusal }
        guard let user = context.staff, let kase = try await visibleCase(context.parameters.get("id", as: Int64.self), for: user),
            let id = kase.id
        else { return Self.notFoundJSON }
        if kase.track == .legal {
            _ = try await store.appendAudit(
                AuditDraft(
                    at: clock.now(), actor: user.actor, action: "case.view", objectType: "case", objectID: String(id), details: "{\"via\":\"api\"}"))
        }
        let reports = try await store.reports(inCase: id)
        return Self.json(
            API.CaseDetail(
                case: API.CaseSummary(kase, reports: reports.count), actions: try await store.actions(inCase: id).map(API.ActionItem.init),
                reports: reports.prefix(500).map(API.ReportItem.init)))
    }

    func apiApprove(context: WebContext) async throws -> Response {
        if let refusal = requireScope(.casesWrite, context) { return refusal }
        guard let user = context.staff, let kase = try await visibleCase(context.parameters.get("id", as: Int64.self), for: user),
            let id = kase.id, let actionID = context.parameters.get("action", as: Int64.self),
            try await store.actions(inCase: id).contains(where: { $0.id == actionID })
        else { return Self.notFoundJSON }
        guard user.mayAct(on: kase.track) else { return Self.jsonError("your roles do not allow acting on this case", status: .forbidden) }
        do {
            let action = try await desk.approve(action: actionID, by: user.actor, at: clock.now())
            return Self.json(API.ActionItem(action))
        } catch let refusal as CaseDesk.Refusal {
            return Self.jsonError(refusal.description, status: .conflict)
        }
    }

    func apiReport(context: WebContext) async throws -> Response {
        if let refusal = requireScope(.reportsRead, context) { return refusal }
        guard let user = context.staff, let id = context.parameters.get("id", as: Int64.self), let report = try await store.report(id),
            user.mayRead(report.track)
        else { return Self.notFoundJSON }
        // A report in a case is as visible as its case.
        if let caseID = report.caseID, try await visibleCase(caseID, for: user) == nil { return Self.notFoundJSON }
        return Self.json(API.ReportItem(report))
    }

    func apiSubmit(request: Request, context: WebContext) async throws -> Response {
        if let refusal = requireScope(.reportsWrite, context) { return refusal }
        guard let user = context.staff else { return Self.notFoundJSON }
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024 * 1024)
        let bytes = Array(buffer: body)
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let pipeline = IngestPipeline(intake: ingest.intake, store: store, actor: user.actor)
        let result: IngestPipeline.Result
        if type.hasPrefix("application/json") {
            guard let submission = try? JSONDecoder().decode(API.ReportSubmission.self, from: Data(bytes)) else {
                return Self.jsonError("expected {\"category\", \"description\", \"indicators\"?, \"reporter\"?}", status: .badRequest)
            }
            guard let category = MoguraCore.Category(rawValue: submission.category) else {
                return Self.jsonError("unknown category \(submission.category)", status: .badRequest)
            }
            let reporter = submission.reporter.flatMap { try? EmailAddress($0) }
            let raw = Self.formMessage(
                category: category, indicators: (submission.indicators ?? []).joined(separator: "\n"), description: submission.description,
                name: nil, email: reporter, consent: false, address: context.remoteAddress, file: nil, now: clock.now())
            result = try await pipeline.ingest(raw, source: "api", channel: .api) { draft in
                var draft = draft
                draft.category = category
                draft.track = category.defaultTrack
                draft.confidence = 1
                draft.reporter = reporter?.description
                return draft
            }
        } else if type.hasPrefix("message/rfc822") || type.hasPrefix("text/plain") || type.hasPrefix("application/octet-stream") || type.isEmpty {
            guard !bytes.isEmpty else { return Self.jsonError("empty body", status: .badRequest) }
            result = try await pipeline.ingest(bytes, source: "api", channel: .api)
        } else {
            return Self.jsonError("send message/rfc822 (a complaint as mail) or application/json", status: .unsupportedMediaType)
        }
        return Self.json(
            API.Submitted(reports: result.stored.compactMap(\.report.id), duplicates: result.stored.filter { !$0.isNew }.count), status: .created)
    }

    func apiLookup(request: Request, context: WebContext) async throws -> Response {
        if let refusal = requireScope(.inventoryRead, context) { return refusal }
        guard let user = context.staff else { return Self.notFoundJSON }
        guard let text = request.uri.queryParameters["q"].map(String.init), !text.isEmpty else {
            return Self.jsonError("q (an address, domain, e-mail address or account) is required", status: .badRequest)
        }
        let at: Timestamp
        if let atText = request.uri.queryParameters["at"].map(String.init), !atText.isEmpty {
            guard let parsed = try? TimestampParser(defaultZone: zone).parse(atText) else {
                return Self.jsonError("at: expected RFC 3339 or YYYY-MM-DD HH:MM [zone]", status: .badRequest)
            }
            at = parsed.timestamp
        } else {
            at = clock.now()
        }
        let indicator: Indicator
        do {
            indicator = try Indicator(guessing: text)
        } catch {
            return Self.jsonError("\(error)", status: .badRequest)
        }
        _ = try await store.appendAudit(
            AuditDraft(at: clock.now(), actor: user.actor, action: "inventory.lookup", objectType: "indicator", objectID: indicator.description))
        guard let found = try await inventory.current().attribute(indicator, at: at) else {
            return Self.jsonError("no assignment matches \(indicator.description) at \(at)", status: .notFound)
        }
        return Self.json(
            API.Attribution(
                indicator: indicator.description, at: at, customerId: found.customer.id, customerName: found.customer.name,
                serviceId: found.service.id, serviceKind: found.service.kind, matched: found.matched.description,
                validity: found.assignment.validity.description))
    }

    /// Counts per track: the one view of the legal track an admin without a legal role has.
    func apiStatistics(context: WebContext) async throws -> Response {
        if let refusal = requireScope(.casesRead, context) { return refusal }
        guard let user = context.staff else { return Self.notFoundJSON }
        let now = clock.now()
        let stats = try await store.statistics(since: now, now: now, tracks: user.visibleTracks)
        var open: [String: Int] = [:]
        for track in Track.allCases where user.mayRead(track) || (track == .legal && user.isAdmin) {
            open[track.rawValue] = stats.openPerTrack[track] ?? 0
        }
        return Self.json(
            API.Statistics(
                openCases: open, reportsInTriage: stats.triage, deadlinesBreached: stats.deadlinesBreached, deadlinesWithin24h: stats.deadlinesAtRisk)
        )
    }

    func apiSearch(request: Request, context: WebContext) async throws -> Response {
        if let refusal = requireScope(.search, context) { return refusal }
        guard let user = context.staff else { return Self.notFoundJSON }
        guard let text = request.uri.queryParameters["indicator"].map(String.init), !text.isEmpty else {
            return Self.jsonError("indicator (kind:value, or a bare address, domain or URL) is required", status: .badRequest)
        }
        let indicator: Indicator
        do {
            indicator = try Indicator(guessing: text)  // `kind:value`, or a bare value
        } catch {
            return Self.jsonError("\(error)", status: .badRequest)
        }
        let cases = try await store.cases(withIndicator: indicator, tracks: user.visibleTracks, limit: 200)
        return Self.json(API.CaseList(cases: cases.map { API.CaseSummary($0) }, next: nil))
    }
}
