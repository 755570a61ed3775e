import Foundation
public import MoguraCore
import MoguraIntake
import Mustache

/// A mail Mogura sends: a notice to a customer or an acknowledgement to a reporter.
public struct OutgoingMail: Hashable, Sendable {
    /// The From header.
    public var from: String
    /// The envelope sender.
    public var envelopeFrom: String
    /// Recipients (header and envelope).
    public var to: [String]
    /// The Reply-To header, if any.
    public var replyTo: String?
    /// The Message-ID, without angle brackets.
    public var messageID: String
    /// The message this answers, without angle brackets.
    public var inReplyTo: String?
    /// The subject, as text (encoded when written).
    public var subject: String
    /// The body, as text.
    public var body: String
    /// The date.
    public var date: Timestamp
    /// More header fields (`X-Mogura-Case`, …).
    public var extraHeaders: [(String, String)]

    /// Creates a message.
    public init(
        from: String, envelopeFrom: String, to: [String], replyTo: String?, messageID: String, inReplyTo: String?, subject: String, body: String,
        date: Timestamp, extraHeaders: [(String, String)] = []
    ) {
        self.from = from
        self.envelopeFrom = envelopeFrom
        self.to = to
        self.replyTo = replyTo
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.subject = subject
        self.body = body
        self.date = date
        self.extraHeaders = extraHeaders
    }

    public static func == (lhs: OutgoingMail, rhs: OutgoingMail) -> Bool { lhs.bytes() == rhs.bytes() }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes()) }

    /// The message as RFC 5322 bytes with CRLF line ends: UTF-8 text in base64, the subject as RFC 2047 words.
    public func bytes() -> [UInt8] {
        var lines: [String] = []
        lines.append("From: \(Self.clean(from))")
        lines.append("To: \(to.map(Self.clean).joined(separator: ", "))")
        if let replyTo { lines.append("Reply-To: \(Self.clean(replyTo))") }
        lines.append("Subject: \(Self.encodeHeader(Self.clean(subject)))")
        lines.append("Date: \(Self.rfc5322Date(date))")
        lines.append("Message-ID: <\(Self.clean(messageID))>")
        if let inReplyTo {
            lines.append("In-Reply-To: <\(Self.clean(inReplyTo))>")
            lines.append("References: <\(Self.clean(inReplyTo))>")
        }
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=UTF-8")
        lines.append("Content-Transfer-Encoding: base64")
        // RFC 3834: answering machines must not answer this.
        lines.append("Auto-Submitted: auto-generated")
        for (name, value) in extraHeaders { lines.append("\(name): \(Self.clean(value))") }
        var text = lines.joined(separator: "\r\n") + "\r\n\r\n"
        let normalised = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let encoded = Data(normalised.utf8).base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            text += encoded[index..<end] + "\r\n"
            index = end
        }
        return Array(text.utf8)
    }

    /// Removes line breaks from a header value: nothing from a report or a template can add a header.
    static func clean(_ value: String) -> String {
        String(value.unicodeScalars.map { $0 == "\r" || $0 == "\n" || $0 == "\0" ? " " : Character($0) })
    }

    /// RFC 2047 B-encoding in UTF-8 when the text is not plain ASCII, split into words of at most 75 characters
    /// without breaking a character.
    static func encodeHeader(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value > 0x7E || $0.value < 0x20 }) else { return text }
        var words: [String] = []
        var chunk = ""
        for character in text {
            let candidate = chunk + String(character)
            if candidate.utf8.count > 45 {
                words.append(chunk)
                chunk = String(character)
            } else {
                chunk = candidate
            }
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    public static func rfc5322Date(_ time: Timestamp) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: time.date)
    }
}

/// A notice template that is missing or does not parse.
public struct NoticeTemplateError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Writes notices and acknowledgements from templates: the operator's (`notices.templates`) where present, the
/// built-in ones otherwise.
public struct NoticeComposer: Sendable {
    public var settings: NoticeSettings
    private let templates: [String: MustacheTemplate]

    /// Loads the templates.
    /// - Throws: ``NoticeTemplateError`` naming the file when one does not parse or the directory cannot be read.
    public init(settings: NoticeSettings) throws {
        self.settings = settings
        var sources = BuiltInTemplates.all
        if let directory = settings.templatesDirectory {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw NoticeTemplateError(message: "notices.templates: cannot read \(directory): \(error.localizedDescription)")
            }
            for name in names where name.hasSuffix(".mustache") {
                let path = (directory as NSString).appendingPathComponent(name)
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw NoticeTemplateError(message: "cannot read \(path) as UTF-8")
                }
                sources[name] = text
            }
        }
        var parsed: [String: MustacheTemplate] = [:]
        for (name, text) in sources {
            do {
                parsed[name] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            } catch {
                throw NoticeTemplateError(message: "template \(name) does not parse: \(error)")
            }
        }
        templates = parsed
    }

    /// The template file names available.
    public var templateNames: [String] { templates.keys.sorted() }

    /// What a notice needs to know.
    public struct NoticeInput: Sendable {
        public var kase: Case
        public var action: Action
        public var customer: Customer
        public var reports: [Report]
        public var reportCount: Int
        /// Raw bytes of the excerpted reports, by report id.
        public var raw: [Int64: [UInt8]]
        /// The case's actions, to tell the customer what was already done.
        public var actions: [Action]
        /// The date by which the customer must act (the next step's due time), if any.
        public var deadline: Timestamp?
        public var now: Timestamp
        /// The customer portal's link for this case, when the web server runs.
        public var portalURL: String?

        public init(
            kase: Case, action: Action, customer: Customer, reports: [Report], reportCount: Int, raw: [Int64: [UInt8]], actions: [Action],
            deadline: Timestamp?, now: Timestamp, portalURL: String? = nil
        ) {
            self.portalURL = portalURL
            self.kase = kase
            self.action = action
            self.customer = customer
            self.reports = reports
            self.reportCount = reportCount
            self.raw = raw
            self.actions = actions
            self.deadline = deadline
            self.now = now
        }
    }

    /// A notice to the customer for a `notify` or `warn` action.
    public func notice(_ input: NoticeInput) throws -> OutgoingMail {
        let language = self.language(input.customer.language, template: input.action.template ?? input.action.kind.rawValue)
        let zone = TimeZone(identifier: input.customer.timezone) ?? TimeZone(identifier: "UTC")!
        let caseID = input.kase.id ?? 0
        let suspension = input.actions.first { $0.kind == .suspend && $0.state == .done }
        let webSuspension = input.actions.first { $0.kind == .suspendWeb && $0.state == .done }
        let mailBlocked = input.actions.contains { ($0.kind == .blockMail || $0.kind == .resetPassword) && $0.state == .done }
        var context: [String: Any] = base(caseID: caseID, language: language)
        context["customerName"] = input.customer.name
        context["customerID"] = input.customer.id
        context["serviceID"] = input.kase.subject.key
        context["category"] = input.kase.category.rawValue
        context["categoryJapanese"] = input.kase.category.title.japanese
        context["categoryEnglish"] = input.kase.category.title.english.lowercased()
        context["adviceJapanese"] = Self.advice(input.kase.category).japanese
        context["adviceEnglish"] = Self.advice(input.kase.category).english
        context["reportCount"] = input.reportCount
        context["openedAt"] = Self.format(input.kase.openedAt, zone: zone, language: language)
        context["replyTo"] = settings.replyTo(token: input.kase.token)
        if let portal = input.portalURL { context["portalURL"] = portal }
        if let suspension {
            context["suspended"] = true
            context["suspendedAt"] = Self.format(suspension.doneAt ?? input.now, zone: zone, language: language)
        }
        if let webSuspension, suspension == nil {
            context["webSuspended"] = true
            context["webSuspendedAt"] = Self.format(webSuspension.doneAt ?? input.now, zone: zone, language: language)
        }
        if mailBlocked { context["mailBlocked"] = true }
        if let deadline = input.deadline { context["deadline"] = Self.format(deadline, zone: zone, language: language) }
        let shown = input.reports.prefix(settings.evidenceLimit)
        context["evidence"] = shown.map { report -> [String: Any] in
            var item: [String: Any] = [
                "receivedAt": Self.format(report.receivedAt, zone: zone, language: language),
                "subject": Self.scrub(report.subject, reporter: report.reporter),
                "indicators": report.indicators.filter { !Self.isReporter($0, report.reporter) }.prefix(10).map(\.value).joined(separator: ", "),
            ]
            if let time = report.eventTime { item["eventTime"] = Self.format(time, zone: zone, language: language) }
            if let id = report.id, let raw = input.raw[id] {
                let excerpt = Self.excerpt(raw, reporter: report.reporter, limit: settings.excerptCharacters)
                if !excerpt.isEmpty { item["excerpt"] = excerpt }
            }
            return item
        }
        if input.reportCount > shown.count { context["moreReports"] = input.reportCount - shown.count }
        let (subject, body) = try render(input.action.template ?? input.action.kind.rawValue, language: language, context: context)
        guard !input.customer.emails.isEmpty else {
            throw NoticeTemplateError(message: "customer \(input.customer.id) has no e-mail address for notices")
        }
        return OutgoingMail(
            from: settings.from, envelopeFrom: settings.fromAddress, to: input.customer.emails.map(\.description),
            replyTo: settings.replyTo(token: input.kase.token),
            messageID: "mogura.\(caseID).\(input.action.id ?? 0).\(input.kase.token)@\(settings.messageIDDomain)", inReplyTo: nil,
            subject: subject, body: body, date: input.now,
            extraHeaders: [("X-Mogura-Case", String(caseID)), ("X-Mogura-Action", input.action.kind.rawValue)])
    }

    /// An acknowledgement to the reporter of `report`, with the case number.
    public func acknowledgement(case kase: Case, action: Action, report: Report, now: Timestamp) throws -> OutgoingMail {
        guard let reporter = report.reporter else { throw NoticeTemplateError(message: "report \(report.id ?? 0) has no reporter address") }
        let language = self.language(report.language ?? "en", template: action.template ?? "acknowledge")
        let zone = TimeZone(identifier: language == "ja" ? "Asia/Tokyo" : "UTC") ?? TimeZone(identifier: "UTC")!
        var context = base(caseID: kase.id ?? 0, language: language)
        context["reportSubject"] = report.subject.isEmpty ? (language == "ja" ? "ご報告" : "your report") : report.subject
        context["receivedAt"] = Self.format(report.receivedAt, zone: zone, language: language)
        let (subject, body) = try render(action.template ?? "acknowledge", language: language, context: context)
        // No case token here: the reporter's answer is a new report, not the customer's reply.
        return OutgoingMail(
            from: settings.from, envelopeFrom: settings.fromAddress, to: [reporter], replyTo: nil,
            messageID: "mogura.ack.\(kase.id ?? 0).\(action.id ?? 0)@\(settings.messageIDDomain)", inReplyTo: report.messageID, subject: subject,
            body: body, date: now, extraHeaders: [("X-Mogura-Case", String(kase.id ?? 0))])
    }

    private func base(caseID: Int64, language: String) -> [String: Any] {
        ["organization": settings.organization, "caseNumber": String(caseID), "language": language]
    }

    /// The customer's language when a template exists in it, else the default language, else English.
    func language(_ preferred: String, template: String) -> String {
        let primary = preferred.lowercased().split(separator: "-").first.map(String.init) ?? preferred
        for candidate in [primary, settings.defaultLanguage, "en"] where templates["\(template).\(candidate).mustache"] != nil {
            return candidate
        }
        return primary
    }

    /// Renders a template into its subject and body.
    func render(_ name: String, language: String, context: [String: Any]) throws -> (subject: String, body: String) {
        let file = "\(name).\(language).mustache"
        guard let template = templates[file] else {
            throw NoticeTemplateError(
                message:
                    "no notice template \(file) (in \(settings.templatesDirectory ?? "the built-in templates")); available: \(templateNames.joined(separator: ", "))"
            )
        }
        let text = template.render(context)
        var subject = ""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.first, !line.trimmingCharacters(in: .whitespaces).isEmpty, line.contains(":") {
            let name = line[..<line.firstIndex(of: ":")!]
            guard name.allSatisfy({ $0.isLetter || $0 == "-" }) else { break }
            if name.lowercased() == "subject" { subject = line[line.index(after: line.firstIndex(of: ":")!)...].trimmingCharacters(in: .whitespaces) }
            lines = lines.dropFirst()
        }
        if lines.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines = lines.dropFirst() }
        var body = lines.joined(separator: "\n")
        while body.contains("\n\n\n") { body = body.replacingOccurrences(of: "\n\n\n", with: "\n\n") }
        return (subject, body.trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
    }

    /// A time as shown to a person in `zone`.
    static func format(_ time: Timestamp, zone: TimeZone, language: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: time.date)
        let offset = zone.secondsFromGMT(for: time.date)
        let sign = offset < 0 ? "-" : "+"
        let zoneText = "UTC\(sign)\(String(format: "%02d:%02d", abs(offset) / 3600, abs(offset) % 3600 / 60))"
        let minute = String(format: "%02d", parts.minute ?? 0)
        if language == "ja" {
            return "\(parts.year ?? 0)年\(parts.month ?? 0)月\(parts.day ?? 0)日 \(parts.hour ?? 0)時\(minute)分（\(zoneText)）"
        }
        return String(format: "%04d-%02d-%02d %02d:", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0) + minute + " \(zoneText)"
    }

    /// What a customer should do, by category.
    static func advice(_ category: MoguraCore.Category) -> (japanese: String, english: String) {
        switch category {
        case .spam:
            (
                "送信元のメールアカウントやプログラムを確認し、不正な送信を止めてください。アカウントのパスワードを変更し、問い合わせフォームやスクリプトの悪用がないか確認してください。",
                "Find and stop what sends the mail: check the mail accounts and scripts on the service, change passwords, and check contact forms and scripts for abuse."
            )
        case .phishing, .malware, .webshell, .mailer:
            (
                "該当するファイルを削除し、侵入経路（古いCMS・プラグイン、漏えいしたパスワード等）を特定して塞いでください。CMSとプラグインを最新版に更新し、すべてのパスワードを変更してください。",
                "Remove the files, find and close the way in (an outdated CMS or plugin, a leaked password), update the CMS and its plugins, and change every password."
            )
        case .compromisedAccount, .formAbuse:
            (
                "パスワードを推測されにくいものに変更し、端末のウイルス検査を行ってください。問い合わせフォームには送信制限や認証を設定してください。",
                "Set a strong new password, scan the devices that use the account for malware, and protect contact forms with rate limits or a challenge."
            )
        case .scanning, .bruteForce, .ddos, .botnet:
            (
                "サーバーが不正なプログラムに乗っ取られていないか確認し、該当するプロセスを停止してください。OSとソフトウェアを更新し、パスワードを変更してください。",
                "Check the server for programs that should not be there and stop them, update the system and its software, and change passwords."
            )
        case .openService:
            (
                "外部から利用できる状態になっているサービス（DNS・NTP・memcached 等）の設定を見直し、必要な相手以外からの利用を制限してください。",
                "Restrict the open service (DNS, NTP, memcached, …) to the clients that need it."
            )
        default:
            ("報告の内容をご確認のうえ、必要な対応をお願いいたします。", "Please check what was reported and deal with it.")
        }
    }

    /// Whether an indicator is the reporter's own address.
    static func isReporter(_ indicator: Indicator, _ reporter: String?) -> Bool {
        guard let reporter, case .email(let address) = indicator else { return false }
        return address.description.lowercased() == reporter.lowercased()
    }

    /// Removes the reporter's address (and its local part) from text.
    static func scrub(_ text: String, reporter: String?) -> String {
        guard let reporter, !reporter.isEmpty else { return text }
        var result = text.replacingOccurrences(of: reporter, with: "[reporter]", options: .caseInsensitive)
        if let at = reporter.firstIndex(of: "@") {
            let local = String(reporter[..<at])
            if local.count >= 3 { result = result.replacingOccurrences(of: local, with: "[reporter]", options: .caseInsensitive) }
        }
        return result
    }

    /// A short excerpt of a reported mail for the customer: the forwarded (or ARF-attached) message's Date, From,
    /// Subject, Message-ID and the start of its text, with the reporter's address removed and header fields that
    /// name recipients left out. The reporter's own words are never quoted.
    static func excerpt(_ raw: [UInt8], reporter: String?, limit: Int) -> String {
        guard limit > 0 else { return "" }
        var lines: [String] = []
        if let message = try? MIMEParser().parse(raw) {
            if let inner = message.attachedMessages.first {
                for name in ["Date", "From", "Subject", "Message-ID"] {
                    if let value = inner.headers[name] { lines.append("\(name): \(value)") }
                }
                let text = inner.allEntities.first { $0.contentType.value == "text/plain" && !$0.isAttachment }?.text?.text
                if let text { lines.append(String(text.prefix(limit / 2))) }
            }
            // A complaint a person wrote is not quoted: its text is theirs and may name them.
        }
        let joined = scrub(lines.joined(separator: "\n"), reporter: reporter)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in
                let lower = line.lowercased()
                return !(lower.hasPrefix("to:") || lower.hasPrefix("cc:") || lower.hasPrefix("delivered-to:") || lower.hasPrefix("x-original-to:"))
            }
            .joined(separator: "\n")
        let trimmed = joined.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > limit ? String(trimmed.prefix(limit)) + " …" : trimmed
    }
}
