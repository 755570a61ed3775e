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

/// Logs staff in from the session cookie; checks the CSRF token of every posted form.
struct StaffAuthMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let server: WebServer

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var context = context
        let now = server.clock.now()
        guard let cookie = request.cookies["mogura_session"]?.value, !cookie.isEmpty else {
            return request.method == .get ? WebServer.redirect("/login?next=\(URLText.query(request.uri.path))") : server.refusedForm(context)
        }
        let hash = Secrets.hash(cookie)
        guard let user = try await server.store.sessionUser(idHash: hash, at: now) else {
            return request.method == .get ? WebServer.redirect("/login?next=\(URLText.query(request.uri.path))") : server.refusedForm(context)
        }
        context.staff = user
        context.sessionHash = hash
        if let language = user.language.flatMap(Language.init(rawValue:)), request.uri.queryParameters["lang"] == nil {
            context.language = language
        }
        var request = request
        if request.method == .post {
            let body = try await request.collectBody(upTo: 64 * 1024)
            let form = (try? FormData.parse(Array(buffer: body), contentType: request.headers[.contentType])) ?? FormData()
            guard let token = form["csrf"], server.signer.verify("csrf|\(hash)", signature: token) else {
                server.logger.notice("form refused: bad CSRF token", metadata: ["path": "\(request.uri.path)", "user": "\(user.login)"])
                return server.refusedForm(context)
            }
            context.form = form
        }
        return try await next(request, context)
    }
}

extension WebServer {
    func addStaffRoutes(to router: Router<WebContext>) {
        router.get("/static/mogura.css") { _, _ in
            var response = Self.text(Layout.stylesheet, type: "text/css; charset=utf-8")
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
        router.get("/static/mogura.js") { _, _ in
            var response = Self.text(Layout.script, type: "text/javascript; charset=utf-8")
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
        router.get("/login") { request, context in self.loginPage(request: request, context: context, error: nil) }
        router.post("/login") { request, context in try await self.login(request: request, context: context) }

        let staff = router.group().add(middleware: StaffAuthMiddleware(server: self))
        staff.get("/") { _, _ in Self.redirect("/queue") }
        staff.post("/logout") { _, context in
            if let hash = context.sessionHash { try await self.store.deleteSession(idHash: hash) }
            var response = Self.redirect("/login")
            response.setCookie(self.sessionCookie("", maxAge: 0))
            return response
        }
        staff.post("/settings/language") { _, context in
            guard let user = context.staff else { return self.notFound(context) }
            let language = context.form?["language"].flatMap(Language.init(rawValue:))
            try await self.store.setLanguage(user.login, language: language?.rawValue)
            return Self.redirect("/queue")
        }
        staff.get("/queue") { request, context in try await self.queuePage(request: request, context: context) }
        staff.get("/cases/:id") { request, context in try await self.casePage(request: request, context: context) }
        staff.get("/cases/:id/reports/:report/raw") { request, context in try await self.rawReport(request: request, context: context) }
        staff.get("/cases/:id/notices/:action") { _, context in try await self.sentNotice(context: context) }
        staff.post("/cases/:id/:verb") { request, context in try await self.caseCommand(request: request, context: context) }
        staff.post("/cases/:id/actions/:action/:verb") { request, context in try await self.actionCommand(request: request, context: context) }
        staff.get("/triage") { request, context in try await self.triagePage(request: request, context: context) }
        staff.post("/triage/:report/file") { _, context in try await self.fileTriaged(context: context) }
        staff.get("/lookup") { request, context in try await self.lookupPage(request: request, context: context) }
        staff.get("/search") { request, context in try await self.searchPage(request: request, context: context) }
        staff.get("/audit") { request, context in try await self.auditPage(request: request, context: context) }
        staff.get("/dashboard") { _, context in try await self.dashboardPage(context: context) }
    }

    // MARK: Login

    func anonymousToken(_ request: Request) -> (token: String, cookie: Cookie?) {
        if let nonce = request.cookies["mogura_form"]?.value, nonce.count >= 16 {
            return (signer.sign("anon|\(nonce)"), nil)
        }
        let nonce = Secrets.random(18)
        return (
            signer.sign("anon|\(nonce)"),
            Cookie(name: "mogura_form", value: nonce, path: "/", secure: settings.cookiesAreSecure, httpOnly: true, sameSite: .strict)
        )
    }

    func anonymousTokenIsValid(_ request: Request, form: FormData) -> Bool {
        guard let nonce = request.cookies["mogura_form"]?.value, let token = form["csrf"] else { return false }
        return signer.verify("anon|\(nonce)", signature: token)
    }

    func loginPage(request: Request, context: WebContext, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let t = context.language.t
        let (token, cookie) = anonymousToken(request)
        let next = request.uri.queryParameters["next"].map(String.init) ?? "/queue"
        let body: HTML = """
            \(error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" as HTML } ?? .empty)
            <form method="post" action="/login" class="stack" id="login">
            \(Layout.csrfField(token))<input type="hidden" name="next" value="\(next)">
            <label for="login-name">\(t("Login name"))</label><input type="text" id="login-name" name="login" autocomplete="username" required autofocus>
            <label for="login-password">\(t("Password"))</label><input type="password" id="login-password" name="password" autocomplete="current-password" required>
            <p><button type="submit">\(t("Log in"))</button></p>
            </form>
            """
        var response = Self.html(layout(context).page(t("Mogura abuse desk"), body), status: status)
        if let cookie { response.setCookie(cookie) }
        return response
    }

    func login(request: Request, context: WebContext) async throws -> Response {
        let t = context.language.t
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let form = (try? FormData.parse(Array(buffer: body), contentType: request.headers[.contentType])) ?? FormData()
        guard anonymousTokenIsValid(request, form: form) else { return refusedForm(context) }
        let now = clock.now()
        let login = String((form.text("login") ?? "").prefix(64))
        let accountKey = "login:\(login.lowercased())"
        let addressKey = "address:\(context.remoteAddress)"
        // The attempt is counted before the (slow) password check, so parallel guesses cannot slip past the limit;
        // a successful login gives it back.
        guard loginFailuresByAccount.take(accountKey, now: now) else {
            return try await throttled(login, request: request, context: context, now: now)
        }
        guard loginFailuresByAddress.take(addressKey, now: now) else {
            loginFailuresByAccount.release(accountKey)
            return try await throttled(login, request: request, context: context, now: now)
        }
        let found = try await store.user(login)
        // A missing or disabled account costs the same bcrypt check, so timing does not tell which logins exist.
        let hash = found.flatMap { $0.user.disabledAt == nil ? $0.passwordHash : nil } ?? PasswordHasher.dummyHash
        let matches = await PasswordHasher.verify(form["password"] ?? "", hash: hash)
        if let user = found?.user, user.disabledAt == nil, matches {
            loginFailuresByAccount.reset(accountKey)
            loginFailuresByAddress.release(addressKey)
            let session = Secrets.random(32)
            try await store.createSession(
                idHash: Secrets.hash(session), login: user.login, expires: now.adding(seconds: settings.sessionLifetime), at: now)
            _ = try await store.appendAudit(
                AuditDraft(
                    at: now, actor: user.actor, action: "login", objectType: "user", objectID: user.login,
                    details: "{\"address\":\"\(context.remoteAddress)\"}"))
            var response = Self.redirect(Self.safeNext(form["next"]))
            response.setCookie(sessionCookie(session, maxAge: Int(settings.sessionLifetime)))
            return response
        }
        _ = try await store.appendAudit(
            AuditDraft(at: now, actor: "web:\(context.remoteAddress)", action: "login.failed", objectType: "user", objectID: login))
        return loginPage(request: request, context: context, error: t("Login failed."), status: .unauthorized)
    }

    func throttled(_ login: String, request: Request, context: WebContext, now: Timestamp) async throws -> Response {
        _ = try await store.appendAudit(
            AuditDraft(at: now, actor: "web:\(context.remoteAddress)", action: "login.throttled", objectType: "user", objectID: login))
        var response = loginPage(
            request: request, context: context, error: context.language.t("Too many failed logins; try again later."), status: .tooManyRequests)
        response.headers[.retryAfter] = String(settings.loginWindow)
        return response
    }

    /// Where to go after login: a local path of plain characters only (no scheme, no `//`, no backslash, no
    /// whitespace or control characters a browser might strip into `//`), else the queue.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), next.count <= 500,
            next.unicodeScalars.allSatisfy({ scalar in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/-_.?=&%~+".unicodeScalars.contains(scalar))
            })
        else { return "/queue" }
        // No escaped control characters, slashes or backslashes either.
        let lowered = next.lowercased()
        for bad in ["%0", "%1", "%7f", "%5c", "%2f"] where lowered.contains(bad) { return "/queue" }
        return next
    }

    // MARK: Queue

    func queuePage(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff else { return notFound(context) }
        let t = context.language.t
        let language = context.language
        let q = request.uri.queryParameters
        func param(_ name: String) -> String? { q[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        var tracks = user.visibleTracks
        if let track = param("track").flatMap(Track.init(rawValue:)) { tracks = tracks.filter { $0 == track } }
        let category = param("category").flatMap(MoguraCore.Category.init(rawValue:))
        let state = param("state").flatMap(CaseState.init(rawValue:))
        let assignee: String? =
            switch param("assignee") {
            case nil: nil
            case "me": user.login
            case "none": ""
            case let other?: other
            }
        let breached = param("breached") == "1"
        let sort = param("sort").flatMap(CaseQuery.Sort.init(rawValue:)) ?? .updated
        let query = CaseQuery(
            tracks: tracks, category: category, states: state.map { [$0] }, assignee: assignee,
            deadlineBreachedAt: breached ? clock.now() : nil, sort: sort, after: param("after").flatMap(CaseCursor.init), limit: 50)
        let page = tracks.isEmpty ? CasePage(cases: [], reportCounts: [:], next: nil) : try await store.queue(query)
        let layout = layout(context)
        let staffLogins = try await store.users().filter { $0.disabledAt == nil && $0.login != user.login }.map(\.login)

        func options<T>(_ values: [T], selected: T?, value: (T) -> String, label: (T) -> String) -> [HTML] where T: Equatable {
            ["<option value=\"\">\(t("Any"))</option>"]
                + values.map { item in
                    "<option value=\"\(value(item))\"\(HTML(trusted: item == selected ? " selected" : ""))>\(label(item))</option>"
                }
        }
        let filters: HTML = """
            <form method="get" action="/queue" class="filters" id="queue-filters">
            <label>\(t("Track"))<select name="track">\(options(user.visibleTracks, selected: tracks.count == 1 && user.visibleTracks.count > 1 ? tracks.first : nil, value: \.rawValue, label: language.title))</select></label>
            <label>\(t("Category"))<select name="category">\(options(MoguraCore.Category.allCases, selected: category, value: \.rawValue, label: language.title))</select></label>
            <label>\(t("State"))<select name="state">\(options(CaseState.allCases, selected: state, value: \.rawValue, label: language.title))</select></label>
            <label>\(t("Assignee"))<select name="assignee">\(options(["me", "none"] + staffLogins, selected: param("assignee"), value: { $0 }, label: { $0 == "me" ? user.displayName : $0 == "none" ? t("Unassigned") : $0 }))</select></label>
            <label>\(t("Sort"))<select name="sort">\(CaseQuery.Sort.allCases.map { option in
                "<option value=\"\(option.rawValue)\"\(HTML(trusted: option == sort ? " selected" : ""))>\(t(option == .updated ? "Recently updated" : option == .opened ? "Recently opened" : "Nearest deadline"))</option>" as HTML
            })</select></label>
            <label><span><input type="checkbox" name="breached" value="1"\(HTML(trusted: breached ? " checked" : ""))> \(t("Deadline breached"))</span></label>
            <button type="submit">\(t("Filter"))</button>
            </form>
            """
        let now = clock.now()
        let rows: [HTML] = page.cases.map { kase in
            let id = kase.id ?? 0
            let late = kase.deadline.map { $0 < now && kase.state.isOpen } ?? false
            return """
                <tr>
                <td data-label="\(t("Case"))"><a href="/cases/\(id)">#\(id)</a></td>
                <td data-label="\(t("Track"))">\(language.title(kase.track))</td>
                <td data-label="\(t("Category"))">\(language.title(kase.category))</td>
                <td data-label="\(t("State"))"><span class="badge">\(language.title(kase.state))</span></td>
                <td data-label="\(t("Subject"))">\(kase.subject.description)</td>
                <td data-label="\(t("Reports"))">\(page.reportCounts[id] ?? 0)</td>
                <td data-label="\(t("Assignee"))">\(kase.assignee ?? "—")</td>
                <td data-label="\(t("Deadline"))">\(late ? "<span class=\"badge breached\">\(layout.time(kase.deadline))</span>" as HTML : layout.time(kase.deadline))</td>
                <td data-label="\(t("Updated"))">\(layout.time(kase.updatedAt))</td>
                </tr>
                """
        }
        var keep = q.filter { $0.key != "after" }.map { (String($0.key), Optional(String($0.value))) }
        keep.sort { $0.0 < $1.0 }
        let nextLink: HTML =
            page.next.map { cursor in
                let query = URLText.query(keep + [("after", cursor.description)])
                return "<a rel=\"next\" href=\"/queue?\(query)\">\(t("Next page")) →</a>"
            } ?? .empty
        let firstLink: HTML = query.after != nil ? "<a href=\"/queue?\(URLText.query(keep))\">\(t("First page"))</a> " : .empty
        let table: HTML =
            page.cases.isEmpty
            ? "<p>\(t("No cases match."))</p>"
            : """
            <div class="table-wrap"><table class="responsive" id="queue"><thead><tr><th>\(t("Case"))</th><th>\(t("Track"))</th><th>\(t("Category"))</th>
            <th>\(t("State"))</th><th>\(t("Subject"))</th><th>\(t("Reports"))</th><th>\(t("Assignee"))</th><th>\(t("Deadline"))</th><th>\(t("Updated"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        return Self.html(layout.page(t("Queue"), active: "/queue", "\(filters)\(table)<p>\(firstLink)\(nextLink)</p>"))
    }

    // MARK: A case

    /// The case if this person may read it; nil otherwise (the caller answers 404 either way).
    func visibleCase(_ id: Int64?, for user: StaffUser?) async throws -> Case? {
        guard let id, let user, let kase = try await store.case(id), user.mayRead(kase.track) else { return nil }
        return kase
    }

    func casePage(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff, let kase = try await visibleCase(context.parameters.get("id", as: Int64.self), for: user),
            let id = kase.id
        else { return notFound(context) }
        let t = context.language.t
        let language = context.language
        let layout = layout(context)
        let csrf = layout.csrf ?? ""
        if kase.track == .legal {
            _ = try await store.appendAudit(
                AuditDraft(at: clock.now(), actor: user.actor, action: "case.view", objectType: "case", objectID: String(id)))
        }
        async let reportsTask = store.reports(inCase: id)
        async let actionsTask = store.actions(inCase: id)
        async let notesTask = store.notes(case: id)
        async let eventsTask = store.auditEvents(before: nil, objectType: "case", objectID: String(id), limit: 200)
        async let relatedTask = store.relatedCases(to: id, tracks: user.visibleTracks, limit: 20)
        async let mailTask = store.sentMail(case: id)
        let (reports, actions, notes, events, related, sent) = try await (reportsTask, actionsTask, notesTask, eventsTask, relatedTask, mailTask)
        let mayAct = user.mayAct(on: kase.track)

        let summary: HTML = """
            <div class="grid">
            <div class="card"><div class="muted">\(t("State"))</div><div class="figure" id="case-state">\(language.title(kase.state))</div></div>
            <div class="card"><div class="muted">\(t("Category")) · \(t("Track"))</div><div>\(language.title(kase.category)) · \(language.title(kase.track))</div>
              <div class="muted">\(t("Subject"))</div><div>\(kase.subject.description)</div>
              <div class="muted">\(t("Customer"))</div><div>\(kase.customerID ?? "—")</div></div>
            <div class="card"><div class="muted">\(t("Opened"))</div><div>\(layout.time(kase.openedAt))</div>
              <div class="muted">\(t("Deadline"))</div><div>\(layout.time(kase.deadline))</div>
              <div class="muted">\(t("Assignee"))</div><div>\(kase.assignee ?? "—")</div></div>
            </div>
            """
        func button(_ verb: String, _ label: String, confirm: String? = nil, secondary: Bool = false) -> HTML {
            """
            <form method="post" action="/cases/\(id)/\(verb)" class="inline"\(confirm.map { " data-confirm=\"\($0)\"" as HTML } ?? .empty)>\(Layout.csrfField(csrf))<button type="submit"\(HTML(trusted: secondary ? " class=\"secondary\"" : ""))>\(label)</button></form>
            """
        }
        var controls: [HTML] = []
        if mayAct && kase.state.isOpen {
            if kase.assignee != user.login { controls.append(button("assign", t("Assign to me"), secondary: true)) }
            if kase.state == .review { controls.append(button("send-back", t("Send back"), secondary: true)) }
            controls.append(button("resolve", t("Resolve")))
            if actions.contains(where: { $0.kind.isSuspension && $0.state == .done }) {
                controls.append(button("resolve-resume", t("Resolve and resume")))
            }
        }
        if mayAct && kase.state == .resolved { controls.append(button("close", t("Close"), secondary: true)) }

        let actionRows: [HTML] = actions.map { action in
            let aid = action.id ?? 0
            var buttons: [HTML] = []
            if mayAct && (action.state == .planned || action.state == .approved) {
                if action.requiresApproval && action.state == .planned && action.approvedBy == nil {
                    buttons.append(
                        "<form method=\"post\" action=\"/cases/\(id)/actions/\(aid)/approve\" class=\"inline\">\(Layout.csrfField(csrf))<button type=\"submit\" name=\"approve\" value=\"\(aid)\">\(t("Approve"))</button></form>"
                    )
                }
                buttons.append(
                    "<form method=\"post\" action=\"/cases/\(id)/actions/\(aid)/skip\" class=\"inline\">\(Layout.csrfField(csrf))<button type=\"submit\" class=\"secondary\">\(t("Skip"))</button></form>"
                )
            }
            return """
                <tr id="action-\(aid)"><td data-label="\(t("Action"))">\(language.title(action.kind))</td>
                <td data-label="\(t("State"))"><span class="badge">\(language.title(action.state))</span>\(action.requiresApproval && action.approvedBy == nil && action.state == .planned ? " <span class=\"badge breached\">\(t("Needs approval"))</span>" as HTML : .empty)</td>
                <td data-label="\(t("Due"))">\(layout.time(action.dueAt))</td>
                <td data-label="\(t("Approved by"))">\(action.approvedBy ?? "—")</td>
                <td data-label="\(t("Result"))">\(action.result ?? action.lastError ?? "")</td>
                <td>\(buttons)</td></tr>
                """
        }
        let reportRows: [HTML] = reports.prefix(200).map { report in
            let rid = report.id ?? 0
            return """
                <tr><td data-label="\(t("Received"))">\(layout.time(report.receivedAt))</td>
                <td data-label="\(t("Channel"))">\(report.channel.rawValue) · \(report.format)</td>
                <td data-label="\(t("Subject"))">\(report.subject)</td>
                <td data-label="\(t("Reporter"))">\(Self.masked(report.reporter))</td>
                <td data-label="\(t("Indicators"))">\(HTML.join(report.indicators.prefix(6).map { indicator in
                    "<a href=\"/search?q=\(URLText.query(indicator.description))\">\(indicator.description)</a>" }, separator: "<br>"))</td>
                <td>\(report.rawHash != nil ? "<a href=\"/cases/\(id)/reports/\(rid)/raw\">\(t("View raw"))</a>" as HTML : .empty)</td></tr>
                """
        }
        let relatedRows: [HTML] = related.map { item in
            "<li><a href=\"/cases/\(item.kase.id ?? 0)\">#\(item.kase.id ?? 0)</a> \(language.title(item.kase.category)) · \(language.title(item.kase.state)) — <span class=\"muted\">\(item.indicator.description)</span></li>"
        }
        // The timeline: reports, actions, notes and audit events, oldest first.
        var timeline: [(Timestamp, HTML)] = []
        for report in reports.prefix(200) { timeline.append((report.receivedAt, "\(t("Reports")): \(report.subject)")) }
        for note in notes { timeline.append((note.createdAt, "<strong>\(t(note.kind))</strong> \(note.author): \(note.body)")) }
        for event in events { timeline.append((event.at, "<span class=\"muted\">\(event.actor)</span> \(event.action)")) }
        for action in actions where action.doneAt != nil {
            timeline.append((action.doneAt!, "\(language.title(action.kind)): \(language.title(action.state))"))
        }
        for mail in sent {
            timeline.append(
                (mail.sentAt, "✉ <a href=\"/cases/\(id)/notices/\(mail.actionID)\">\(mail.subject)</a> → \(mail.recipients.joined(separator: ", "))"))
        }
        timeline.sort { $0.0 < $1.0 }
        let timelineRows: [HTML] = timeline.map { "<tr><td>\(layout.time($0.0))</td><td>\($0.1)</td></tr>" }

        let noteForm: HTML =
            mayAct
            ? """
            <form method="post" action="/cases/\(id)/note" class="stack">\(Layout.csrfField(csrf))
            <label for="note-body">\(t("Add note"))</label><textarea id="note-body" name="body" rows="3" required maxlength="20000"></textarea>
            <p><button type="submit">\(t("Save"))</button></p></form>
            """ : .empty
        let flash = request.uri.queryParameters["done"] != nil ? t("Done.") : request.uri.queryParameters["refused"].map { "\(t("Refused")): \($0)" }
        let body: HTML = """
            \(summary)
            <p>\(controls)</p>
            <h2>\(t("Actions"))</h2>
            <div class="table-wrap"><table class="responsive" id="actions"><thead><tr><th>\(t("Action"))</th><th>\(t("State"))</th><th>\(t("Due"))</th><th>\(t("Approved by"))</th><th>\(t("Result"))</th><th></th></tr></thead><tbody>\(actionRows)</tbody></table></div>
            <h2>\(t("Notices"))</h2>
            \(sent.isEmpty ? "<p class=\"muted\">—</p>" as HTML : "<ul id=\"notices\">\(sent.map { mail in "<li>\(layout.time(mail.sentAt)) <a href=\"/cases/\(id)/notices/\(mail.actionID)\">\(mail.subject)</a> → \(mail.recipients.joined(separator: ", "))</li>" as HTML })</ul>")
            <h2>\(t("Reports")) (\(reports.count))</h2>
            <div class="table-wrap"><table class="responsive" id="reports"><thead><tr><th>\(t("Received"))</th><th>\(t("Channel"))</th><th>\(t("Subject"))</th><th>\(t("Reporter"))</th><th>\(t("Indicators"))</th><th></th></tr></thead><tbody>\(reportRows)</tbody></table></div>
            <h2>\(t("Other cases with this indicator"))</h2>
            \(relatedRows.isEmpty ? "<p class=\"muted\">—</p>" as HTML : "<ul>\(relatedRows)</ul>")
            <h2>\(t("Notes"))</h2>
            \(noteForm)
            <h2>\(t("Timeline"))</h2>
            <div class="table-wrap"><table id="timeline"><tbody>\(timelineRows)</tbody></table></div>
            """
        return Self.html(layout.page("\(t("Case")) #\(id)", flash: flash, body))
    }

    /// Reporter identity is personal data: the case page shows it masked; the raw view (audited) shows it whole.
    static func masked(_ reporter: String?) -> String {
        guard let reporter, !reporter.isEmpty else { return "—" }
        guard let at = reporter.lastIndex(of: "@") else { return String(reporter.prefix(2)) + "…" }
        return String(reporter[..<at].prefix(1)) + "…" + String(reporter[at...])
    }

    func rawReport(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff, let kase = try await visibleCase(context.parameters.get("id", as: Int64.self), for: user),
            let caseID = kase.id, let reportID = context.parameters.get("report", as: Int64.self),
            let report = try await store.report(reportID), report.caseID == caseID, let hash = report.rawHash
        else { return notFound(context) }
        let t = context.language.t
        _ = try await store.appendAudit(
            AuditDraft(
                at: clock.now(), actor: user.actor, action: "report.view-raw", objectType: "report", objectID: String(reportID),
                details: "{\"case\":\"\(caseID)\"}"))
        let text: String
        switch try await store.blob(hash) {
        case .present(let bytes): text = String(decoding: bytes.prefix(4 * 1024 * 1024), as: UTF8.self)
        case .tombstoned(let reason, _): text = "(purged: \(reason))"
        case .missing: text = "(missing)"
        }
        let body: HTML = """
            <p><a href="/cases/\(caseID)">← \(t("Case")) #\(caseID)</a> · \(t("Reporter")): \(report.reporter ?? "—") · SHA-256 \(hash.hex)</p>
            <pre class="raw" id="raw">\(text)</pre>
            """
        return Self.html(layout(context).page("\(t("Raw report")) R-\(reportID)", body))
    }

    /// A notice as sent: headers and text, decoded from the stored bytes.
    func sentNotice(context: WebContext) async throws -> Response {
        guard let user = context.staff, let kase = try await visibleCase(context.parameters.get("id", as: Int64.self), for: user),
            let caseID = kase.id, let actionID = context.parameters.get("action", as: Int64.self),
            let mail = try await store.sentMail(case: caseID).first(where: { $0.actionID == actionID })
        else { return notFound(context) }
        let t = context.language.t
        guard case .present(let bytes) = try await store.blob(mail.hash) else { return notFound(context) }
        if kase.track == .legal {
            _ = try await store.appendAudit(
                AuditDraft(
                    at: clock.now(), actor: user.actor, action: "notice.view", objectType: "case", objectID: String(caseID),
                    details: "{\"action\":\"\(actionID)\"}"))
        }
        let text: String
        if let parsed = try? MIMEParser().parse(bytes) {
            text = parsed.bodyText ?? ""
        } else {
            text = String(decoding: bytes, as: UTF8.self)
        }
        let body: HTML = """
            <p><a href="/cases/\(caseID)">← \(t("Case")) #\(caseID)</a></p>
            <table id="notice-headers"><tbody>
            <tr><th>To</th><td>\(mail.recipients.joined(separator: ", "))</td></tr>
            <tr><th>Subject</th><td>\(mail.subject)</td></tr>
            <tr><th>\(t("Time"))</th><td>\(layout(context).time(mail.sentAt))</td></tr>
            </tbody></table>
            <pre class="raw" id="notice">\(text)</pre>
            """
        return Self.html(layout(context).page(t("Notices"), body))
    }

    func caseCommand(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff, let kase = try await visibleCase(context.parameters.get("id", as: Int64.self), for: user),
            let id = kase.id, let verb = context.parameters.get("verb")
        else { return notFound(context) }
        guard user.mayAct(on: kase.track) else { return notFound(context) }
        let now = clock.now()
        do {
            switch verb {
            case "resolve": try await desk.resolve(case: id, by: user.actor, approveResume: false, at: now)
            case "resolve-resume": try await desk.resolve(case: id, by: user.actor, approveResume: true, at: now)
            case "send-back": try await desk.sendBack(case: id, by: user.actor, at: now)
            case "close": try await desk.close(case: id, by: user.actor, at: now)
            case "assign": try await store.assign(case: id, to: user.login, actor: user.actor, at: now)
            case "note":
                guard let body = context.form?.text("body") else { return Self.redirect("/cases/\(id)") }
                try await store.addNote(case: id, author: user.actor, kind: "note", body: String(body.prefix(20_000)), at: now)
            default: return notFound(context)
            }
        } catch let refusal as CaseDesk.Refusal {
            return Self.redirect("/cases/\(id)?refused=\(URLText.query(refusal.description))")
        }
        return Self.redirect("/cases/\(id)?done=\(verb)")
    }

    func actionCommand(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff, let kase = try await visibleCase(context.parameters.get("id", as: Int64.self), for: user),
            let id = kase.id, let actionID = context.parameters.get("action", as: Int64.self), let verb = context.parameters.get("verb")
        else { return notFound(context) }
        guard user.mayAct(on: kase.track), try await store.actions(inCase: id).contains(where: { $0.id == actionID }) else {
            return notFound(context)
        }
        do {
            switch verb {
            case "approve": try await desk.approve(action: actionID, by: user.actor, at: clock.now())
            case "skip": try await desk.skip(action: actionID, by: user.actor, at: clock.now())
            default: return notFound(context)
            }
        } catch let refusal as CaseDesk.Refusal {
            return Self.redirect("/cases/\(id)?refused=\(URLText.query(refusal.description))")
        }
        return Self.redirect("/cases/\(id)?done=\(verb)")
    }

    // MARK: Triage, lookup, search

    func triagePage(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff else { return notFound(context) }
        let t = context.language.t
        let layout = layout(context)
        let csrf = layout.csrf ?? ""
        let items = try await store.triageReports(limit: 200).filter { user.mayRead($0.report.track) }
        let rows: [HTML] = items.map { item in
            let id = item.report.id ?? 0
            let file: HTML =
                user.mayAct(on: item.report.track)
                ? """
                <form method="post" action="/triage/\(id)/file" class="inline">\(Layout.csrfField(csrf))<input type="number" name="case" min="1" required aria-label="\(t("Case number"))" placeholder="#"><button type="submit">\(t("File into case"))</button></form>
                """ : .empty
            return """
                <tr><td data-label="\(t("Received"))">R-\(id) · \(layout.time(item.report.receivedAt))</td>
                <td data-label="\(t("Reason"))"><span class="badge">\(item.reason)</span>\(item.report.parseError.map { " <span class=\"muted\">\($0)</span>" as HTML } ?? .empty)</td>
                <td data-label="\(t("Category"))">\(context.language.title(item.report.category))</td>
                <td data-label="\(t("Subject"))">\(item.report.subject)</td>
                <td data-label="\(t("Indicators"))">\(HTML.join(item.report.indicators.prefix(4).map { "\($0.description)" as HTML }, separator: "<br>"))</td>
                <td>\(file)</td></tr>
                """
        }
        let body: HTML =
            rows.isEmpty
            ? "<p>\(t("Nothing waits in triage."))</p>"
            : """
            <div class="table-wrap"><table class="responsive" id="triage"><thead><tr><th>\(t("Received"))</th><th>\(t("Reason"))</th><th>\(t("Category"))</th><th>\(t("Subject"))</th><th>\(t("Indicators"))</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        let flash = request.uri.queryParameters["refused"].map { "\(t("Refused")): \($0)" }
        return Self.html(layout.page(t("Reports in triage"), active: "/triage", flash: flash, body))
    }

    /// Files a report from triage into a case the person chooses (both must be visible and of a track they act on).
    func fileTriaged(context: WebContext) async throws -> Response {
        guard let user = context.staff, let reportID = context.parameters.get("report", as: Int64.self),
            let report = try await store.report(reportID), user.mayRead(report.track)
        else { return notFound(context) }
        guard let caseID = context.form?.text("case").flatMap({ Int64($0.trimmingCharacters(in: CharacterSet(charactersIn: "# "))) }),
            let kase = try await visibleCase(caseID, for: user), user.mayAct(on: kase.track), user.mayAct(on: report.track)
        else {
            return Self.redirect("/triage?refused=\(URLText.query(context.language.t("The page or case does not exist, or you may not see it.")))")
        }
        guard report.caseID == nil else { return Self.redirect("/triage") }
        guard report.track == kase.track else {
            return Self.redirect("/triage?refused=\(URLText.query(context.language.t("A report can only be filed into a case of its own track.")))")
        }
        let now = clock.now()
        try await store.attach(report: reportID, toCase: caseID, at: now)
        _ = try await store.appendAudit(
            AuditDraft(
                at: now, actor: user.actor, action: "report.file", objectType: "case", objectID: String(caseID),
                details: "{\"report\":\"\(reportID)\"}"))
        return Self.redirect("/cases/\(caseID)?done=file")
    }

    func lookupPage(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff, user.mayLookUpInventory else { return notFound(context) }
        let t = context.language.t
        let layout = layout(context)
        let text = request.uri.queryParameters["q"].map(String.init) ?? ""
        let atText = request.uri.queryParameters["at"].map(String.init) ?? ""
        var result: HTML = .empty
        if !text.isEmpty {
            let at = atText.isEmpty ? clock.now() : ((try? TimestampParser(defaultZone: zone).parse(atText))?.timestamp ?? clock.now())
            do {
                let indicator = try Indicator(guessing: text)
                let index = try await inventory.current()
                if let attribution = index.attribute(indicator, at: at) {
                    result = """
                        <table id="lookup-result"><tbody>
                        <tr><th>\(t("Customer"))</th><td>\(attribution.customer.id) · \(attribution.customer.name)</td></tr>
                        <tr><th>\(t("Service"))</th><td>\(attribution.service.id) (\(attribution.service.kind))</td></tr>
                        <tr><th>\(t("Indicators"))</th><td>\(attribution.matched.description)</td></tr>
                        <tr><th>\(t("Valid"))</th><td>\(attribution.assignment.validity.description)</td></tr>
                        <tr><th>\(t("At"))</th><td>\(layout.time(at))</td></tr>
                        </tbody></table>
                        """
                } else {
                    result = "<p id=\"lookup-result\">\(t("No assignment matches.")) (\(indicator.description), \(layout.time(at)))</p>"
                }
                _ = try await store.appendAudit(
                    AuditDraft(
                        at: clock.now(), actor: user.actor, action: "inventory.lookup", objectType: "indicator", objectID: indicator.description))
            } catch {
                result = "<p class=\"error\">\(String(describing: error))</p>"
            }
        }
        let body: HTML = """
            <form method="get" action="/lookup" class="filters">
            <label>\(t("Address, domain or account"))<input type="text" name="q" value="\(text)" required></label>
            <label>\(t("At"))<input type="text" name="at" value="\(atText)" placeholder="2026-11-23 09:30 JST"></label>
            <button type="submit">\(t("Look up"))</button></form>
            \(result)
            """
        return Self.html(layout.page(t("Whose is this address?"), active: "/lookup", body))
    }

    func searchPage(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff else { return notFound(context) }
        let t = context.language.t
        let layout = layout(context)
        var text = request.uri.queryParameters["q"].map(String.init) ?? ""
        var result: HTML = .empty
        if !text.isEmpty {
            do {
                // `kind:value` as given, else the kind guessed from the shape.
                let indicator = try Indicator(guessing: text)
                text = indicator.description
                let cases = try await store.cases(withIndicator: indicator, tracks: user.visibleTracks, limit: 100)
                let rows: [HTML] = cases.map { kase in
                    "<tr><td><a href=\"/cases/\(kase.id ?? 0)\">#\(kase.id ?? 0)</a></td><td>\(context.language.title(kase.category))</td><td>\(context.language.title(kase.state))</td><td>\(kase.subject.description)</td><td>\(layout.time(kase.updatedAt))</td></tr>"
                }
                result =
                    rows.isEmpty
                    ? "<p>\(t("No cases match."))</p>"
                    : "<div class=\"table-wrap\"><table id=\"search-result\"><tbody>\(rows)</tbody></table></div>"
            } catch {
                result = "<p class=\"error\">\(String(describing: error))</p>"
            }
        }
        let body: HTML = """
            <form method="get" action="/search" class="filters"><label>\(t("Indicators"))<input type="text" name="q" value="\(text)" required></label>
            <button type="submit">\(t("Search"))</button></form>\(result)
            """
        return Self.html(layout.page(t("Search"), active: "/search", body))
    }

    // MARK: Audit log

    func auditPage(request: Request, context: WebContext) async throws -> Response {
        guard let user = context.staff else { return notFound(context) }
        let t = context.language.t
        let layout = layout(context)
        let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
        let type = request.uri.queryParameters["type"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let object = request.uri.queryParameters["id"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let events = try await store.auditEvents(before: before, objectType: type, objectID: object, limit: 100)
        // Events about legal-track cases and reports (the case itself, its actions, its reports, views of them)
        // are shown to legal staff only.
        var hidden = Set<Int64>()
        if !user.seesLegalTrack {
            var caseTracks: [Int64: Track] = [:]
            func track(ofCase id: Int64) async throws -> Track? {
                if let known = caseTracks[id] { return known }
                let found = try await store.case(id)?.track
                caseTracks[id] = found
                return found
            }
            for event in events {
                let details = (try? JSONDecoder().decode([String: String].self, from: Data(event.details.utf8))) ?? [:]
                var legal = false
                if event.objectType == "case", let id = Int64(event.objectID) {
                    legal = try await track(ofCase: id) == .legal
                } else if let id = details["case"].flatMap(Int64.init) {
                    legal = try await track(ofCase: id) == .legal
                } else if event.objectType == "report", let id = Int64(event.objectID), let report = try await store.report(id) {
                    legal = report.track == .legal
                    if !legal, let caseID = report.caseID { legal = try await track(ofCase: caseID) == .legal }
                }
                // The retention purge's counts of held reports would tell that holds exist.
                if event.action.hasPrefix("legal.") || event.objectType.hasPrefix("legal_") || event.action.hasPrefix("retention.") { legal = true }
                if legal { hidden.insert(event.sequence) }
            }
        }
        let rows: [HTML] = events.filter { !hidden.contains($0.sequence) }.map { event in
            """
            <tr><td data-label="#">\(event.sequence)</td><td data-label="\(t("Time"))">\(layout.time(event.at))</td>
            <td data-label="\(t("Actor"))">\(event.actor)</td><td data-label="\(t("Action"))">\(event.action)</td>
            <td data-label="\(t("Object"))">\(event.objectType == "case" ? "<a href=\"/cases/\(event.objectID)\">case #\(event.objectID)</a>" as HTML : "\(event.objectType) \(event.objectID)")</td>
            <td data-label="\(t("Details"))"><code>\(String(event.details.prefix(300)))</code></td></tr>
            """
        }
        let older: HTML =
            events.count == 100
            ? "<a href=\"/audit?\(URLText.query([("before", String(events.last?.sequence ?? 0)), ("type", type), ("id", object)]))\">\(t("Older")) →</a>"
            : .empty
        let body: HTML = """
            <div class="table-wrap"><table class="responsive" id="audit"><thead><tr><th>#</th><th>\(t("Time"))</th><th>\(t("Actor"))</th><th>\(t("Action"))</th><th>\(t("Object"))</th><th>\(t("Details"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div><p>\(older)</p>
            """
        return Self.html(layout.page(t("Audit log"), active: "/audit", body))
    }

    // MARK: Dashboard

    func dashboardPage(context: WebContext) async throws -> Response {
        guard let user = context.staff else { return notFound(context) }
        let t = context.language.t
        let language = context.language
        let now = clock.now()
        let days = 14
        let stats = try await store.statistics(since: now.adding(seconds: -Int64(days) * 86_400), now: now, tracks: user.visibleTracks)
        let dayKeys = (0..<days).reversed().map { String(now.adding(seconds: -Int64($0) * 86_400).description.prefix(10)) }
        let backlog: [HTML] = CaseState.allCases.filter(\.isOpen).map { state in
            "<tr><td>\(language.title(state))</td><td>\(stats.backlog[state] ?? 0)</td></tr>"
        }
        let legalCounts: HTML =
            user.isAdmin && !user.seesLegalTrack
            ? "<div class=\"card\"><div class=\"muted\">\(t("Legal track (counts only)"))</div><div class=\"figure\" id=\"legal-count\">\(stats.openPerTrack[.legal] ?? 0)</div></div>"
            : .empty
        let median = stats.medianSecondsToFirstAction.map { String(format: "%.1f", $0 / 3_600) + " " + t("hours") } ?? "—"
        let body: HTML = """
            <div class="grid">
            <div class="card"><div class="muted">\(t("Open cases"))</div><div class="figure">\(user.visibleTracks.map { stats.openPerTrack[$0] ?? 0 }.reduce(0, +))</div></div>
            <div class="card"><div class="muted">\(t("Median time to first action"))</div><div class="figure">\(median)</div></div>
            <div class="card"><div class="muted">\(t("Deadlines within 24 h"))</div><div class="figure">\(stats.deadlinesAtRisk)</div></div>
            <div class="card"><div class="muted">\(t("Deadlines breached"))</div><div class="figure"><a href="/queue?breached=1">\(stats.deadlinesBreached)</a></div></div>
            <div class="card"><div class="muted">\(t("Reports in triage"))</div><div class="figure"><a href="/triage">\(stats.triage)</a></div></div>
            \(legalCounts)
            </div>
            <h2>\(t("Reports per day"))</h2>
            \(Charts.stackedBars(days: dayKeys, series: stats.reportsPerDay, language: language, id: "chart-reports"))
            <h2>\(t("Cases opened per day"))</h2>
            \(Charts.stackedBars(days: dayKeys, series: stats.casesPerDay, language: language, id: "chart-cases"))
            <h2>\(t("Backlog"))</h2>
            <table id="backlog"><tbody>\(backlog)</tbody></table>
            """
        return Self.html(layout(context).page(t("Dashboard"), active: "/dashboard", body))
    }
}
