import Foundation
import Hummingbird
import MoguraCore
import MoguraDesk
import MoguraLegal
import MoguraStore
import NIOCore

/// The legal track's pages and API (`docs/legal.md`). Legal staff see requests; a network operator sees only the
/// rows to look up; everyone else gets the same 404 as for a request that does not exist, and the refusal is
/// audited. Every view, reveal and approval goes through `LegalDesk`, which checks the person and writes the audit
/// chain — the routes add no permission of their own, so the API cannot do what the desk refuses.
extension WebServer {
    func addLegalRoutes(to router: Router<WebContext>) {
        let pages = router.group("/legal").add(middleware: StaffAuthMiddleware(server: self))
        pages.get("/") { _, context in try await self.legalList(context: context) }
        pages.get("/:number") { _, context in try await self.legalRequestPage(context: context) }
        pages.get("/:number/lookup") { _, context in try await self.legalLookupPage(context: context) }
        pages.get("/:number/documents/:document") { _, context in try await self.legalDocument(context: context) }
        pages.post("/new") { _, context in try await self.legalCreate(context: context) }
        pages.post("/:number/state") { _, context in try await self.legalMove(context: context) }
        pages.post("/:number/subjects/:customer/reveal") { _, context in try await self.legalReveal(context: context) }

        let api = router.group("/api/v1/legal").add(middleware: APITokenMiddleware(server: self))
        api.get("/requests") { _, context in try await self.apiLegalRequests(context: context) }
        api.get("/holds") { _, context in try await self.apiLegalHolds(context: context) }
        api.post("/requests") { request, context in try await self.apiLegalCreate(request: request, context: context) }
        api.post("/requests/:number/state") { request, context in try await self.apiLegalMove(request: request, context: context) }
        api.post("/requests/:number/warrant") { request, context in try await self.apiLegalWarrant(request: request, context: context) }
        api.post("/requests/:number/items/:item/answer") { request, context in
            try await self.apiLegalAnswer(request: request, context: context)
        }
        api.get("/requests/:number") { _, context in try await self.apiLegalRequest(context: context) }
        api.get("/requests/:number/rows") { _, context in try await self.apiLegalRows(context: context) }
        api.post("/requests/:number/subjects/:customer/reveal") { request, context in
            try await self.apiLegalReveal(request: request, context: context)
        }
        api.post("/requests/:number/disclosures/:customer/:verb") { request, context in
            try await self.apiLegalDisclosure(request: request, context: context)
        }
    }

    // MARK: Pages

    func legalList(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, LegalCapability.view.allowed(for: user) else {
            if let user = context.staff { try await auditDenied(user, "list") }
            return notFound(context)
        }
        let t = context.language.t
        let layout = layout(context)
        let requests = try await legal.store.legalRequests(includeClosed: true, limit: 200)
        _ = try await store.appendAudit(AuditDraft(at: clock.now(), actor: user.actor, action: "legal.list", objectType: "legal_request"))
        let rows: [HTML] = requests.map { request in
            let kind = LegalRequestKind(rawValue: request.kind)
            return """
                <tr><td><a href="/legal/\(URLText.query(request.number))">\(request.number)</a></td>\
                <td>\(context.language == .japanese ? kind?.title.japanese ?? request.kind : kind?.title.english ?? request.kind)</td>\
                <td>\(request.state)</td><td>\(request.claimant)</td><td>\(layout.time(request.receivedAt))</td></tr>
                """
        }
        let csrf = context.sessionHash.map(csrfToken(session:)) ?? ""
        let kinds: [HTML] = LegalRequestKind.allCases.filter { $0 != .disclosureRequest }.map {
            "<option value=\"\($0.rawValue)\">\(context.language == .japanese ? $0.title.japanese : $0.title.english)</option>"
        }
        let roles: [HTML] = ["requester", "agent", "police", "prosecutor", "court", "other-provider"].map { "<option>\($0)</option>" }
        return Self.html(
            layout.page(
                t("Legal requests"),
                """
                <table id="legal-requests"><thead><tr><th>\(t("Request"))</th><th>\(t("Kind"))</th><th>\(t("State"))</th><th>\(t("Claimant"))</th>\
                <th>\(t("Received"))</th></tr></thead><tbody>\(rows)</tbody></table>
                <h2>\(t("New request"))</h2>
                <form id="legal-new" method="post" action="/legal/new">\(Layout.csrfField(csrf))\
                <p><label>\(t("Kind")) <select name="kind">\(kinds)</select></label> \
                <label>\(t("Reference")) <input name="reference"></label></p>\
                <p><label>\(t("Party")) <select name="role">\(roles)</select></label> <input name="party" placeholder="\(t("Name"))"></p>\
                <p><label>\(t("Rights")) <input name="rights"></label> <label><input type="checkbox" name="election" value="1"> \(t("Election material"))</label></p>\
                <p><label>\(t("Locations")) <textarea name="locations" rows="2" placeholder="https://…"></textarea></label></p>\
                <p><label>\(t("Statement")) <textarea name="statement" rows="2"></textarea></label></p>\
                <button type="submit">\(t("Register"))</button></form>
                <p><small>\(t("Claim lists (disclosure requests) are imported with mogura legal import."))</small></p>
                """))
    }

    func legalCreate(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, LegalCapability.prepare.allowed(for: user) else {
            if let user = context.staff { try await auditDenied(user, "new") }
            return notFound(context)
        }
        guard let form = context.form else { return refusedForm(context) }
        let t = context.language.t
        do {
            guard let kind = LegalRequestKind(rawValue: form["kind"] ?? "") else { throw LegalError("choose a kind") }
            guard let role = LegalPartyRole(rawValue: form["role"] ?? "requester") else { throw LegalError("choose a party role") }
            let name = (form["party"] ?? "").trimmingCharacters(in: .whitespaces)
            let locations = (form["locations"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespaces)
            let rights = (form["rights"] ?? "").trimmingCharacters(in: .whitespaces)
            let statement = (form["statement"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if form["election"] != nil && kind != .takedownRequest { throw LegalError("election material is a takedown request") }
            let details = LegalRequestDetails(
                channel: "web", rights: rights.isEmpty ? nil : rights, locations: locations, statement: statement.isEmpty ? nil : statement,
                electionCase: form["election"] != nil)
            let now = clock.now()
            let number = try await legal.nextNumber(at: now)
            _ = try await legal.createRequest(
                number: number, kind: kind, externalReference: reference.isEmpty ? nil : reference,
                parties: name.isEmpty ? [] : [LegalParty(role: role, name: name)], items: [], details: details, user: user, at: now)
            return Self.redirect("/legal/\(URLText.query(number))")
        } catch is LegalAccessDenied {
            return notFound(context)
        } catch let error as LegalError {
            return Self.html(layout(context).page(t("Refused"), "<p class=\"error\" id=\"refused\">\(error.description)</p>"), status: .badRequest)
        }
    }

    func legalRequestPage(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, let number = context.parameters.get("number") else { return notFound(context) }
        let request: LegalRequest
        let id: Int64
        let rows: [ResolvedRow]
        do {
            (id, request) = try await legal.request(number, user: user)
            rows = try await legal.rows(number, user: user)
        } catch is LegalAccessDenied {
            return notFound(context)
        }
        let t = context.language.t
        let layout = layout(context)
        let csrf = context.sessionHash.map(csrfToken(session:)) ?? ""
        var counts: [String: Int] = [:]
        for row in rows { counts[row.outcome.rawValue, default: 0] += 1 }
        let countRows: [HTML] = counts.sorted { $0.key < $1.key }.map { "<tr><td>\($0.key)</td><td>\($0.value)</td></tr>" }
        var subjects: [HTML] = []
        // Subscribers whose personal data is stored (masked, with a reveal form); the others are counted.
        for customer in try await legal.store.legalSubjectCustomers(requestID: id) {
            let masked = (try? await legal.maskedSubject(number, customerID: customer, user: user)) ?? [:]
            let fields: [HTML] = masked.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" as HTML }
            subjects.append(
                """
                <tr><td>\(customer)</td><td>\(HTML.join(fields, separator: "<br>"))</td><td>\
                <form method="post" action="/legal/\(URLText.query(number))/subjects/\(URLText.query(customer))/reveal">\(Layout.csrfField(csrf))\
                <select name="field"><option>name</option><option>address</option><option>phone</option><option>email</option></select> \
                <input name="reason" placeholder="\(t("Reason"))" required> <button type="submit">\(t("Reveal"))</button></form></td></tr>
                """)
        }
        let documents = try await legal.store.legalDocuments(requestID: id)
        let documentRows: [HTML] = documents.map {
            "<li><a href=\"/legal/\(URLText.query(number))/documents/\($0.id)\">\($0.template)@\($0.version)</a> → \($0.recipient) <code>\($0.sha256.prefix(16))</code></li>"
        }
        let linked = HTML.join(request.linkedCaseIDs.map { "<a href=\"/cases/\($0)\">#\($0)</a>" as HTML }, separator: ", ")
        let parent: HTML = request.parentNumber.map { "<a href=\"/legal/\(URLText.query($0))\">\($0)</a>" as HTML } ?? ""
        let workflow = request.kind.workflow
        let nextStates = workflow.terminal.contains(request.state) ? [] : (workflow.transitions[request.state] ?? []) + ["withdrawn"]
        let options: [HTML] = nextStates.map { "<option>\($0)</option>" }
        let moveForm: HTML =
            nextStates.isEmpty
            ? ""
            : """
            <form id="legal-move" method="post" action="/legal/\(URLText.query(number))/state">\(Layout.csrfField(csrf))\
            <select name="state">\(options)</select> <input name="note" placeholder="\(t("Note"))"> <button type="submit">\(t("Move"))</button></form>
            """
        let deadlineRows: [HTML] = try await legal.deadlines(number, user: user).map { deadline in
            """
            <tr><td>\(deadline.rule.title)</td><td>\(JapaneseDate.both(deadline.lastDay))</td><td>\(deadline.status.rawValue)</td>\
            <td>\(deadline.rule.basis)\(deadline.warning.map { "<br><strong class=\"warning\">\($0)</strong>" as HTML } ?? "")</td></tr>
            """
        }
        let table: [HTML] = rows.prefix(500).map { row in
            """
            <tr><td>\(row.row.rowNumber)</td><td>\(row.row.address?.description)</td><td>\(row.row.port.map(String.init))</td>\
            <td>\(row.row.time.map(JapaneseDate.tableTime))</td><td>\(row.outcome.rawValue)</td><td>\(row.lookup?.customerID)</td>\
            <td>\(row.evidenceFlags.joined(separator: " "))</td></tr>
            """
        }
        return Self.html(
            layout.page(
                "\(number)",
                """
                <dl id="legal-request"><dt>\(t("Kind"))</dt><dd>\(request.kind.rawValue)</dd><dt>\(t("State"))</dt><dd>\(request.state)</dd>\
                <dt>\(t("Claimant"))</dt><dd id="claimant">\(request.claimant)</dd><dt>\(t("Requester"))</dt><dd>\(request.requesterShownAs)</dd>\
                <dt>\(t("Rights"))</dt><dd>\(request.rights)</dd><dt>\(t("Basis"))</dt><dd>\(request.legalBasis)</dd>\
                <dt>IDs</dt><dd>\(request.billableIDs) × \(request.feePerID) JPY</dd>\
                <dt>\(t("Cases"))</dt><dd id="linked-cases">\(linked)</dd><dt>\(t("Branch of"))</dt><dd>\(parent)</dd></dl>
                \(moveForm)
                <h2>\(t("Deadlines"))</h2><table id="legal-deadlines"><tbody>\(deadlineRows)</tbody></table>
                <table id="legal-counts"><tbody>\(countRows)</tbody></table>
                <h2>\(t("Subscribers"))</h2><p id="subscriber-count">\(request.subscriberNames.count)</p>\
                <table id="legal-subjects"><tbody>\(subjects)</tbody></table>
                <h2>\(t("Documents"))</h2><ul id="legal-documents">\(documentRows)</ul>
                <h2>\(t("Rows"))</h2><table id="legal-rows"><tbody>\(table)</tbody></table>
                """))
    }

    func legalLookupPage(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, let number = context.parameters.get("number") else { return notFound(context) }
        let rows: [OperatorRowView]
        do { rows = try await legal.operatorRows(number, user: user) } catch is LegalAccessDenied { return notFound(context) }
        let t = context.language.t
        let table: [HTML] = rows.prefix(2_000).map { row in
            "<tr><td>\(row.rowNumber)</td><td>\(row.address)</td><td>\(row.port.map(String.init))</td><td>\(row.time.map(JapaneseDate.tableTime))</td></tr>"
        }
        return Self.html(
            layout(context).page(
                "\(number) — \(t("Lookup"))",
                "<table id=\"lookup-rows\"><thead><tr><th>No.</th><th>IP</th><th>Port</th><th>JST</th></tr></thead><tbody>\(table)</tbody></table>"))
    }

    func legalDocument(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, let number = context.parameters.get("number"),
            let documentID = context.parameters.get("document", as: Int64.self)
        else { return notFound(context) }
        let id: Int64
        do { (id, _) = try await legal.request(number, user: user) } catch is LegalAccessDenied { return notFound(context) }
        guard let stored = try await legal.store.legalDocuments(requestID: id).first(where: { $0.id == documentID }),
            let document = try? JSONDecoder().decode(RenderedDocument.self, from: Data(stored.payload.utf8))
        else { return notFound(context) }
        _ = try await store.appendAudit(
            AuditDraft(at: clock.now(), actor: user.actor, action: "legal.document.view", objectType: "legal_document", objectID: String(documentID)))
        var response = Self.text(document.html, type: "text/html; charset=utf-8")
        // The document carries its own print style: allow it, nothing else.
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        return response
    }

    func legalReveal(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, let number = context.parameters.get("number"), let customer = context.parameters.get("customer")
        else { return notFound(context) }
        guard let form = context.form else { return refusedForm(context) }
        let t = context.language.t
        do {
            let value = try await legal.reveal(
                number, customerID: customer, field: form["field"] ?? "", reason: form["reason"] ?? "", user: user, at: clock.now())
            return Self.html(
                layout(context).page(
                    t("Revealed"),
                    "<p>\(customer) · \(form["field"] ?? ""): <strong id=\"revealed\">\(value ?? "—")</strong></p><p><a href=\"/legal/\(URLText.query(number))\">\(number)</a></p>"
                ))
        } catch is LegalAccessDenied {
            return notFound(context)
        } catch let error as LegalError {
            return Self.html(layout(context).page(t("Refused"), "<p class=\"error\" id=\"refused\">\(error.description)</p>"), status: .badRequest)
        }
    }

    func legalMove(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, let number = context.parameters.get("number") else { return notFound(context) }
        guard let form = context.form else { return refusedForm(context) }
        let t = context.language.t
        do {
            try await legal.move(number, to: form["state"] ?? "", note: form["note"] ?? "", user: user, at: clock.now())
            return Self.redirect("/legal/\(URLText.query(number))")
        } catch is LegalAccessDenied {
            return notFound(context)
        } catch let error as LegalError {
            return Self.html(layout(context).page(t("Refused"), "<p class=\"error\" id=\"refused\">\(error.description)</p>"), status: .conflict)
        }
    }

    func auditDenied(_ user: StaffUser, _ what: String) async throws {
        _ = try await store.appendAudit(
            AuditDraft(at: clock.now(), actor: user.actor, action: "legal.access.denied", objectType: "legal_request", objectID: what))
    }

    // MARK: API

    /// The API's legal shapes (snake_case on the wire; `docs/openapi.yaml`).
    struct LegalRequestSummaryJSON: Codable {
        var number: String
        var kind: String
        var state: String
    }

    struct LegalProposalJSON: Codable {
        var customer: String
        var proposedBy: String
        var approvals: [String]
        var missing: String?
    }

    struct LegalRequestJSON: Codable {
        var number: String
        var kind: String
        var state: String
        var claimant: String?
        var requester: String?
        var rights: String?
        var basis: String
        var billableIds: Int
        var subscribers: [String]
        var proposals: [LegalProposalJSON]
    }

    /// A row: the lookup fields for everyone who may see rows; outcome, subscriber and flags for legal staff only.
    struct LegalRowJSON: Codable {
        var position: Int
        var rowNumber: String
        var address: String?
        var port: Int?
        var time: String?
        var zoneAssumed: Bool
        var outcome: String?
        var customer: String?
        var flags: [String]?
    }

    struct LegalDisclosureJSON: Codable {
        var sequence: Int
        var requestNumber: String
        var customer: String
        var rows: [String]
        var items: [String]
        var recipient: String
        var basis: String
        var proposedBy: String
        var approvedBy: [String]
        var releasedAt: String
    }

    struct HoldJSON: Codable {
        var id: Int64
        var sources: [String]
        var customer: String?
        var service: String?
        var indicator: String?
        var windowFrom: String
        var windowTo: String
        var expiresAt: String?
    }

    /// The holds in force, for the provider's log systems: legal staff and network operators (others 404).
    func apiLegalHolds(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, context.scopes.contains(.casesRead) else { return Self.jsonError("not found", status: .notFound) }
        do {
            let holds = try await legal.holdsInForce(user: user, at: clock.now())
            return Self.json(
                holds.map {
                    HoldJSON(
                        id: $0.id, sources: $0.sources, customer: $0.customer, service: $0.service, indicator: $0.indicator,
                        windowFrom: $0.windowFrom.description, windowTo: $0.windowTo.description, expiresAt: $0.expiresAt?.description)
                })
        } catch is LegalAccessDenied {
            return Self.jsonError("not found", status: .notFound)
        }
    }

    func apiLegalRequests(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, context.scopes.contains(.casesRead), LegalCapability.view.allowed(for: user) else {
            if let user = context.staff { try await auditDenied(user, "list") }
            return Self.jsonError("not found", status: .notFound)
        }
        _ = try await store.appendAudit(
            AuditDraft(at: clock.now(), actor: user.actor, action: "legal.list", objectType: "legal_request", details: "{\"via\":\"api\"}"))
        let requests = try await legal.store.legalRequests(includeClosed: true, limit: 500)
        return Self.json(requests.map { LegalRequestSummaryJSON(number: $0.number, kind: $0.kind, state: $0.state) })
    }

    func apiLegalRequest(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, context.scopes.contains(.casesRead), let number = context.parameters.get("number") else {
            return Self.jsonError("not found", status: .notFound)
        }
        do {
            let (_, request) = try await legal.request(number, user: user)
            return Self.json(
                LegalRequestJSON(
                    number: request.number, kind: request.kind.rawValue, state: request.state, claimant: request.claimant,
                    requester: request.requesterShownAs, rights: request.rights, basis: request.legalBasis, billableIds: request.billableIDs,
                    subscribers: request.subscriberNames.keys.sorted(),
                    proposals: request.proposals.map {
                        LegalProposalJSON(
                            customer: $0.customerID, proposedBy: $0.proposedBy, approvals: $0.approvals.map(\.login),
                            missing: DisclosureGate.missing($0))
                    }))
        } catch is LegalAccessDenied {
            return Self.jsonError("not found", status: .notFound)
        }
    }

    /// Legal staff get the rows with their results; a network operator gets the lookup view (address, port, time).
    func apiLegalRows(context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, context.scopes.contains(.casesRead), let number = context.parameters.get("number") else {
            return Self.jsonError("not found", status: .notFound)
        }
        do {
            if LegalCapability.view.allowed(for: user) {
                return Self.json(
                    try await legal.rows(number, user: user).enumerated().map { position, row in
                        LegalRowJSON(
                            position: position, rowNumber: row.row.rowNumber, address: row.row.address?.description, port: row.row.port.map(Int.init),
                            time: row.row.time?.description, zoneAssumed: row.row.zoneAssumed, outcome: row.outcome.rawValue,
                            customer: row.lookup?.customerID, flags: row.evidenceFlags)
                    })
            }
            return Self.json(
                try await legal.operatorRows(number, user: user).map { row in
                    LegalRowJSON(
                        position: row.position, rowNumber: row.rowNumber, address: row.address, port: row.port.map(Int.init),
                        time: row.time?.description,
                        zoneAssumed: row.zoneAssumed, outcome: nil, customer: nil, flags: nil)
                })
        } catch is LegalAccessDenied {
            return Self.jsonError("not found", status: .notFound)
        }
    }

    struct RevealBody: Codable {
        var field: String
        var reason: String?
    }

    func apiLegalReveal(request: Request, context: WebContext) async throws -> Response {
        guard let legal, let user = context.staff, let number = context.parameters.get("number"), let customer = context.parameters.get("customer")
        else { return Self.jsonError("not found", status: .notFound) }
        guard context.scopes.contains(.casesWrite) else { return Self.jsonError("this token lacks the scope cases:write", status: .forbidden) }
        guard let reveal = try await body(RevealBody.self, request) else {
            return Self.jsonError("expected {\"field\": …, \"reason\": …}", status: .badRequest)
        }
        do {
            let value = try await legal.reveal(
                number, customerID: customer, field: reveal.field, reason: reveal.reason ?? "", user: user, at: clock.now())
            guard let value: String = value else { return Self.jsonError("no such field", status: .notFound) }
            return Self.json(["field": reveal.field, "value": value] as [String: String])
        } catch is LegalAccessDenied {
            return Self.jsonError("not found", status: .notFound)
        } catch let error as LegalError {
            return Self.jsonError(error.description, status: .badRequest)
        }
    }

    struct CreateBody: Codable {
        struct Item: Codable {
            var label: String
            var `class`: String
        }
        var kind: String
        var number: String?
        var externalReference: String?
        var authority: String?
        var items: [Item]?
        var parent: String?
        var claimant: String?
        var rights: String?
        var locations: [String]?
        var statement: String?
        var electionCase: Bool?
        var linkedCases: [Int64]?
    }

    struct MoveBody: Codable {
        var state: String
        var note: String?
    }

    struct WarrantBody: Codable {
        var kind: String
        var court: String
        var number: String
        var issuedOn: String
    }

    struct AnswerBody: Codable {
        var answer: String
    }

    static let snakeDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// The JSON body, or nil when it does not decode.
    func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024)
        return try? Self.snakeDecoder.decode(type, from: Data(buffer.readableBytesView))
    }

    /// Runs a legal write for the token's owner: 404 for a refusal, 409 for a rule that does not hold.
    func legalWrite(_ context: WebContext, _ body: (LegalDesk, StaffUser) async throws -> Response) async throws -> Response {
        guard let legal, let user = context.staff else { return Self.jsonError("not found", status: .notFound) }
        guard context.scopes.contains(.casesWrite) else { return Self.jsonError("this token lacks the scope cases:write", status: .forbidden) }
        do {
            return try await body(legal, user)
        } catch is LegalAccessDenied {
            return Self.jsonError("not found", status: .notFound)
        } catch let error as LegalError {
            return Self.jsonError(error.description, status: .conflict)
        }
    }

    func apiLegalCreate(request: Request, context: WebContext) async throws -> Response {
        // Who may not register hears nothing about the body (404, or 403 for a token without the scope).
        if let user = context.staff, !LegalCapability.prepare.allowed(for: user) {
            guard context.scopes.contains(.casesWrite) else { return Self.jsonError("this token lacks the scope cases:write", status: .forbidden) }
            try await auditDenied(user, "create")
            return Self.jsonError("not found", status: .notFound)
        }
        guard let create = try await body(CreateBody.self, request) else {
            return Self.jsonError("expected {\"kind\": …, \"items\": [{\"label\": …, \"class\": …}]}", status: .badRequest)
        }
        guard let kind = LegalRequestKind(rawValue: create.kind) else { return Self.jsonError("unknown kind \(create.kind)", status: .badRequest) }
        var items: [PoliceInquiryItem] = []
        for item in create.items ?? [] {
            guard let itemClass = InquiryItemClass(rawValue: item.class) else {
                return Self.jsonError("unknown item class \(item.class)", status: .badRequest)
            }
            items.append(PoliceInquiryItem(label: item.label, itemClass: itemClass))
        }
        return try await legalWrite(context) { legal, user in
            let number: String
            if let given = create.number { number = given } else { number = try await legal.nextNumber(at: clock.now()) }
            let parties = create.authority.map { [LegalParty(role: kind == .policeInquiry ? .police : .requester, name: $0)] } ?? []
            let details = LegalRequestDetails(
                channel: "api", parentNumber: create.parent, claimant: create.claimant, rights: create.rights, locations: create.locations ?? [],
                statement: create.statement, electionCase: create.electionCase ?? false, linkedCaseIDs: create.linkedCases ?? [])
            let created = try await legal.createRequest(
                number: number, kind: kind, externalReference: create.externalReference, parties: parties, items: items, details: details, user: user,
                at: clock.now())
            return Self.json(LegalRequestSummaryJSON(number: created.number, kind: created.kind.rawValue, state: created.state))
        }
    }

    func apiLegalMove(request: Request, context: WebContext) async throws -> Response {
        guard let number = context.parameters.get("number") else { return Self.jsonError("not found", status: .notFound) }
        guard let move = try await body(MoveBody.self, request) else {
            return Self.jsonError("expected {\"state\": …, \"note\": …}", status: .badRequest)
        }
        return try await legalWrite(context) { legal, user in
            let moved = try await legal.move(number, to: move.state, note: move.note ?? "", user: user, at: clock.now())
            return Self.json(LegalRequestSummaryJSON(number: moved.number, kind: moved.kind.rawValue, state: moved.state))
        }
    }

    func apiLegalWarrant(request: Request, context: WebContext) async throws -> Response {
        guard let number = context.parameters.get("number") else { return Self.jsonError("not found", status: .notFound) }
        guard let body = try await body(WarrantBody.self, request), let issued = try? CivilDate(body.issuedOn) else {
            return Self.jsonError("expected {\"kind\", \"court\", \"number\", \"issued_on\": \"YYYY-MM-DD\"}", status: .badRequest)
        }
        return try await legalWrite(context) { legal, user in
            try await legal.attachWarrant(
                number, warrant: Warrant(kind: body.kind, court: body.court, number: body.number, issuedOn: issued, verifiedBy: ""), user: user,
                at: clock.now())
            return Self.json(["verified_by": user.login] as [String: String])
        }
    }

    func apiLegalAnswer(request: Request, context: WebContext) async throws -> Response {
        guard let number = context.parameters.get("number"), let item = context.parameters.get("item", as: Int.self) else {
            return Self.jsonError("not found", status: .notFound)
        }
        guard let body = try await body(AnswerBody.self, request) else { return Self.jsonError("expected {\"answer\": …}", status: .badRequest) }
        return try await legalWrite(context) { legal, user in
            try await legal.answerPoliceItem(number, item: item, answer: body.answer, user: user, at: clock.now())
            return Self.json(["answered": String(item)] as [String: String])
        }
    }

    func apiLegalDisclosure(request: Request, context: WebContext) async throws -> Response {
        guard let number = context.parameters.get("number"), let customer = context.parameters.get("customer"),
            let verb = context.parameters.get("verb"), verb == "approve" || verb == "release"
        else { return Self.jsonError("not found", status: .notFound) }
        return try await legalWrite(context) { legal, user in
            if verb == "approve" {
                try await legal.approveDisclosure(number, customerID: customer, user: user, at: clock.now())
                return Self.json(["approved": customer] as [String: String])
            }
            let record = try await legal.releaseDisclosure(number, customerID: customer, user: user, at: clock.now())
            return Self.json(
                LegalDisclosureJSON(
                    sequence: record.sequence, requestNumber: record.requestNumber, customer: record.customerID, rows: record.rows,
                    items: record.items,
                    recipient: record.recipient, basis: record.basis, proposedBy: record.proposedBy, approvedBy: record.approvedBy,
                    releasedAt: record.releasedAt.description))
        }
    }
}
