import Foundation
import HTTPTypes
import Hummingbird
import Logging
public import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraResolve
import MoguraStore
import NIOCore

extension WebServer {
    func addPublicRoutes(to router: Router<WebContext>) {
        router.get("/healthz") { _, _ in Self.text("ok\n") }
        router.get("/readyz") { _, _ in
            do {
                _ = try await self.store.inventoryVersion()
                return Self.text("ready\n")
            } catch {
                self.logger.error("readiness: the store does not answer", metadata: ["error": "\(error)"])
                return Self.text("store unavailable\n", status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { _, context in
            // Only for the monitoring hosts in `web.metrics_from` (loopback by default): the figures describe the
            // desk's workload, legal track included.
            guard self.metricsAllowed(context.remoteAddress) else { return Self.text("not found\n", status: .notFound) }
            return Self.text(try await self.metrics.scrape(now: self.clock.now()), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/portal/:case/:expires/:signature") { request, context in try await self.portal(request: request, context: context) }
        router.post("/portal/:case/:expires/:signature") { request, context in try await self.portal(request: request, context: context) }
        router.get("/report") { request, context in self.reportForm(request: request, context: context, values: FormData(), error: nil) }
        router.post("/report") { request, context in try await self.submitReport(request: request, context: context) }
    }

    func metricsAllowed(_ address: String) -> Bool {
        guard let client = try? IPAddress(address) else { return false }
        return settings.metricsFrom.contains { text in (try? IPPrefix(text))?.contains(client.unmapped) ?? false }
    }

    // MARK: Customer portal

    /// The signed, expiring link to a case's portal page, as put into notices.
    public func portalLink(caseID: Int64, token: String, now: Timestamp) -> String {
        portalLinks.link(caseID: caseID, token: token, now: now)
    }

    func portal(request: Request, context: WebContext) async throws -> Response {
        let t = context.language.t
        var layout = Layout(language: context.language, user: nil, csrf: nil, zone: zone)
        let now = clock.now()
        guard let caseID = context.parameters.get("case", as: Int64.self), let expires = context.parameters.get("expires", as: Int64.self),
            let signature = context.parameters.get("signature"), let kase = try await store.case(caseID), kase.track == .termsOfService,
            portalLinks.verify(caseID: caseID, token: kase.token, expires: expires, signature: signature)
        else {
            return Self.html(layout.page(t("This link is not valid."), "<p class=\"error\">\(t("This link is not valid."))</p>"), status: .notFound)
        }
        guard expires > now.microseconds / 1_000_000 else {
            return Self.html(layout.page(t("This link has expired."), "<p class=\"error\">\(t("This link has expired."))</p>"), status: .gone)
        }
        let actor = "customer:\(kase.customerID ?? "unknown")"
        var flash: String?
        var status = HTTPResponse.Status.ok
        if request.method == .post {
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let form = (try? FormData.parse(Array(buffer: body), contentType: request.headers[.contentType])) ?? FormData()
            guard anonymousTokenIsValid(request, form: form) else { return refusedForm(context) }
            let answered = try await store.noteCount(case: caseID, kind: "customer-answer", since: now.adding(seconds: -86_400))
            if answered >= settings.portalAnswersPerDay {
                flash = t("Too many answers today; please try again tomorrow.")
                status = .tooManyRequests
            } else {
                let comment = String((form.text("comment") ?? "").prefix(10_000))
                try await store.addNote(case: caseID, author: actor, kind: "customer-answer", body: "fixed: " + comment, at: now)
                if kase.state.isOpen { try await desk.customerSaysFixed(token: kase.token, by: actor, at: now) }
                flash = t("Thank you. Our staff will check your answer.")
            }
        } else {
            _ = try await store.appendAudit(
                AuditDraft(
                    at: now, actor: actor, action: "portal.view", objectType: "case", objectID: String(caseID),
                    details: "{\"address\":\"\(context.remoteAddress)\"}"))
        }
        let current = try await store.case(caseID) ?? kase
        // Times in the customer's own zone, as in their notices.
        if let customerID = current.customerID, let customer = try await store.customers([customerID]).first,
            let customerZone = TimeZone(identifier: customer.timezone)
        {
            layout.zone = customerZone
        }
        let reports = try await store.reports(inCase: caseID)
        // The evidence a customer may see: what was reported and when, never who reported it.
        var indicators: [String] = []
        for report in reports.prefix(500) {
            for indicator in report.indicators where !indicators.contains(indicator.description) && indicators.count < 50 {
                if case .email(let address) = indicator, address.description == report.reporter { continue }
                indicators.append(indicator.description)
            }
        }
        let times = reports.compactMap { $0.eventTime ?? $0.receivedAt }.sorted()
        let (token, cookie) = anonymousToken(request)
        let answerForm: HTML =
            current.state.isOpen && current.state != .review
            ? """
            <h2>\(t("Answer"))</h2>
            <form method="post" class="stack" id="portal-answer">\(Layout.csrfField(token))
            <label for="comment">\(t("Comment"))</label><textarea id="comment" name="comment" rows="4" maxlength="10000"></textarea>
            <p><button type="submit" name="fixed" value="1">\(t("I have fixed the problem"))</button></p></form>
            """ : .empty
        let body: HTML = """
            <table id="portal-case"><tbody>
            <tr><th>\(t("Case number"))</th><td>#\(caseID)</td></tr>
            <tr><th>\(t("What happened"))</th><td>\(context.language.title(current.category)) — \(current.subject.description)</td></tr>
            <tr><th>\(t("Reports"))</th><td>\(reports.count) (\(layout.time(times.first)) – \(layout.time(times.last)))</td></tr>
            <tr><th>\(t("State"))</th><td id="portal-state">\(context.language.title(current.state))</td></tr>
            <tr><th>\(t("Deadline"))</th><td>\(layout.time(current.deadline))</td></tr>
            </tbody></table>
            <h2>\(t("Evidence"))</h2>
            <ul id="portal-evidence">\(indicators.map { "<li><code>\($0)</code></li>" as HTML })</ul>
            \(answerForm)
            """
        var response = Self.html(layout.page(t("Your abuse notice"), flash: flash, body), status: status)
        if let cookie { response.setCookie(cookie) }
        return response
    }

    // MARK: Public report form

    func reportForm(request: Request, context: WebContext, values: FormData, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let t = context.language.t
        let language = context.language
        let (token, cookie) = anonymousToken(request)
        let layout = Layout(language: language, user: nil, csrf: nil, zone: zone)
        let selected = values["category"].flatMap(MoguraCore.Category.init(rawValue:))
        var pow: HTML = .empty
        if settings.proofOfWorkBits > 0 {
            let challenge = "\(clock.now().microseconds / 1_000_000).\(Secrets.random(9))"
            pow = """
                <input type="hidden" name="pow_challenge" value="\(challenge)"><input type="hidden" name="pow_signature" value="\(signer.sign("pow|\(challenge)"))"><input type="hidden" name="pow_nonce" value="">
                """
        }
        let categories: [HTML] = MoguraCore.Category.allCases.filter { $0 != .fraudSignup }.map { category in
            "<option value=\"\(category.rawValue)\"\(HTML(trusted: category == selected ? " selected" : ""))>\(language.title(category))</option>"
        }
        let body: HTML = """
            \(error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" as HTML } ?? .empty)
            <form method="post" action="/report" enctype="multipart/form-data" class="stack" id="report-form" data-pow-bits="\(settings.proofOfWorkBits)">
            \(Layout.csrfField(token))\(pow)
            <label for="category">\(t("Category")) <span class="muted">(\(t("required")))</span></label>
            <select id="category" name="category" required>\(categories)</select>
            <label for="indicators">\(t("URLs, IP addresses or domains"))</label>
            <textarea id="indicators" name="indicators" rows="4" maxlength="20000">\(values["indicators"] ?? "")</textarea>
            <label for="description">\(t("What did you see?")) <span class="muted">(\(t("required")))</span></label>
            <textarea id="description" name="description" rows="8" maxlength="100000" required>\(values["description"] ?? "")</textarea>
            <label for="evidence">\(t("Evidence file"))</label><input type="file" id="evidence" name="evidence">
            <label for="name">\(t("Your name"))</label><input type="text" id="name" name="name" maxlength="200" value="\(values["name"] ?? "")">
            <label for="email">\(t("Your e-mail address"))</label><input type="email" id="email" name="email" maxlength="300" value="\(values["email"] ?? "")">
            <div class="hp" aria-hidden="true"><label for="website">Website</label><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
            <p><label><input type="checkbox" name="consent" value="1"> \(t("You may pass my contact details to the customer concerned."))</label></p>
            <p><label><input type="checkbox" name="good_faith" value="1" required> \(t("I report this in good faith and the information is accurate to the best of my knowledge.")) <span class="muted">(\(t("required")))</span></label></p>
            <p><button type="submit">\(t("Submit report"))</button></p>
            </form>
            """
        var response = Self.html(layout.page(t("Report abuse"), body), status: status)
        if let cookie { response.setCookie(cookie) }
        return response
    }

    func submitReport(request: Request, context: WebContext) async throws -> Response {
        let t = context.language.t
        let layout = Layout(language: context.language, user: nil, csrf: nil, zone: zone)
        var request = request
        let now = clock.now()
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            return reportForm(
                request: request, context: context, values: FormData(), error: "The evidence file is too large (16 MB at most).",
                status: .contentTooLarge)
        }
        guard let form = try? FormData.parse(Array(buffer: body), contentType: request.headers[.contentType]) else {
            return reportForm(
                request: request, context: context, values: FormData(), error: t("Please fill in the required fields."), status: .badRequest)
        }
        guard anonymousTokenIsValid(request, form: form) else {
            return reportForm(
                request: request, context: context, values: form, error: t("The form expired; please submit it again."), status: .forbidden)
        }
        if form.text("website") != nil {
            // The honeypot: people never see the field; a bot fills it. It gets the same answer, nothing is filed.
            _ = try await store.appendAudit(
                AuditDraft(at: now, actor: "web:\(context.remoteAddress)", action: "form.honeypot", objectType: "form", objectID: "report"))
            return Self.html(layout.page(t("Thank you for your report."), "<p>\(t("Thank you for your report."))</p>"))
        }
        if settings.proofOfWorkBits > 0 {
            guard let challenge = form["pow_challenge"], let signature = form["pow_signature"], let nonce = form["pow_nonce"],
                signer.verify("pow|\(challenge)", signature: signature),
                let issued = Int64(challenge.split(separator: ".").first ?? ""), now.microseconds / 1_000_000 - issued < 3_600,
                ProofOfWork.isValid(challenge: challenge, nonce: nonce, bits: settings.proofOfWorkBits)
            else {
                return reportForm(
                    request: request, context: context, values: form, error: t("The form expired; please submit it again."), status: .forbidden)
            }
        }
        guard let category = form["category"].flatMap(MoguraCore.Category.init(rawValue:)), form.isChecked("good_faith"),
            let description = form.text("description")
        else {
            return reportForm(request: request, context: context, values: form, error: t("Please fill in the required fields."), status: .badRequest)
        }
        guard formPosts.take("address:\(context.remoteAddress)", now: now) else {
            var response = reportForm(
                request: request, context: context, values: form, error: t("Too many reports from your address; please try again later."),
                status: .tooManyRequests)
            response.headers[.retryAfter] = "3600"
            return response
        }
        let email = form.text("email").flatMap { try? EmailAddress($0) }
        let consent = form.isChecked("consent")
        let raw = Self.formMessage(
            category: category, indicators: form.text("indicators") ?? "", description: description, name: form.text("name"), email: email,
            consent: consent, address: context.remoteAddress, file: form.files["evidence"], now: now)
        let result = try await ingest.ingest(raw, source: "web-form", channel: .webForm) { draft in
            var draft = draft
            draft.category = category
            draft.track = category.defaultTrack
            draft.confidence = 1
            draft.reporter = email?.description
            draft.evidence["reporter_consent"] = consent ? "yes" : "no"
            draft.evidence["submitted_from"] = context.remoteAddress
            return draft
        }
        guard let reportID = result.stored.first?.report.id else {
            return reportForm(request: request, context: context, values: form, error: t("Please fill in the required fields."), status: .badRequest)
        }
        // Correlate now, so the reporter leaves with the case number (the correlation lock keeps this safe next
        // to the workers).
        _ = try await correlator.run(limit: 1_000, now: now)
        // A legal-track complaint gets its reference only: the number of a legal case is not for the public.
        let caseID = category.defaultTrack == .legal ? nil : try await store.report(reportID)?.caseID
        let answer: HTML =
            if let caseID {
                "<p>\(t("Case number")): <strong id=\"case-number\">#\(caseID)</strong></p><p>\(t("Please keep this number for any follow-up."))</p>"
            } else if category.defaultTrack == .legal {
                "<p>\(t("Report reference")): <strong id=\"report-reference\">R-\(reportID)</strong></p><p>\(t("Please keep this number for any follow-up."))</p>"
            } else {
                "<p>\(t("Report reference")): <strong id=\"report-reference\">R-\(reportID)</strong></p><p>\(t("We could not tell whose network this is; a person will look at your report."))</p>"
            }
        return Self.html(layout.page(t("Thank you for your report."), answer))
    }

    /// The submission as a MIME message: stored as the report's raw bytes and read by the same intake as mail, so
    /// indicators are extracted the same way and nothing the reporter sent is lost.
    static func formMessage(
        category: MoguraCore.Category, indicators: String, description: String, name: String?, email: EmailAddress?, consent: Bool,
        address: String, file: FormData.File?, now: Timestamp
    ) -> [UInt8] {
        func clean(_ text: String) -> String {
            String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(200))
        }
        func encodedWord(_ text: String) -> String {
            text.utf8.allSatisfy({ $0 < 0x80 }) ? text : "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
        }
        func base64Lines(_ bytes: [UInt8]) -> String {
            let encoded = Data(bytes).base64EncodedString()
            var lines: [Substring] = []
            var index = encoded.startIndex
            while index < encoded.endIndex {
                let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
                lines.append(encoded[index..<end])
                index = end
            }
            return lines.joined(separator: "\r\n")
        }
        let boundary = "mogura-form-\(Secrets.random(12))"
        var headers: [String] = []
        if let email {
            let display =
                name.map { clean($0) }.flatMap { $0.isEmpty ? nil : "\"\(encodedWord($0.replacingOccurrences(of: "\"", with: "")))\" " } ?? ""
            headers.append("From: \(display)<\(email.description)>")
        } else {
            headers.append("From: anonymous-web-form@invalid")
        }
        headers += [
            "To: abuse", "Subject: \(encodedWord("[web form] \(category.title.english)"))",
            "Date: \(OutgoingMail.rfc5322Date(now))", "Message-ID: <form.\(Secrets.random(12))@mogura.invalid>",
            "X-Mogura-Form-Category: \(category.rawValue)", "X-Mogura-Form-Consent: \(consent ? "yes" : "no")",
            "X-Mogura-Form-Address: \(clean(address))", "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"\(boundary)\"",
        ]
        var text = ""
        if let name { text += "Name: \(clean(name))\n" }
        text += "Category: \(category.rawValue)\n\n"
        if !indicators.isEmpty { text += indicators + "\n\n" }
        text += description + "\n"
        var message = headers.joined(separator: "\r\n") + "\r\n\r\n"
        message += "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        message += base64Lines(Array(text.utf8)) + "\r\n"
        if let file {
            let fileName = clean(file.name).replacingOccurrences(of: "\"", with: "")
            message += "--\(boundary)\r\nContent-Type: application/octet-stream\r\n"
            message += "Content-Disposition: attachment; filename=\"\(encodedWord(fileName.isEmpty ? "evidence" : fileName))\"\r\n"
            message += "Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(file.bytes) + "\r\n"
        }
        message += "--\(boundary)--\r\n"
        return Array(message.utf8)
    }
}
