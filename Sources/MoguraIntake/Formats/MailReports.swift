import Foundation
import MoguraCore

/// Mail: ARF, X-ARF, XARF, SpamCop, Shadowserver and DMARC attachments are recognised; anything else is a
/// complaint written by a person, usually with the offending message forwarded as an attachment.
struct MailReports {
    let options: IntakeOptions

    func drafts(_ bytes: [UInt8], source: String) -> [ReportDraft] {
        let message: ParsedMessage
        do {
            message = try MIMEParser(limits: options.limits).parse(bytes)
        } catch {
            var draft = ReportDraft(source: source, format: .unparsed, parseError: error.description)
            // Keep what the first lines say, for the person who triages it.
            if let headers = try? HeaderSection.parse(bytes, from: 0, end: min(bytes.count, 64 * 1024), limit: 64 * 1024).0 {
                draft.subject = headers["Subject"] ?? ""
                draft.reporter = headers["From"].flatMap(Self.address)?.description
                draft.messageID = headers["Message-ID"].map(Self.messageID)
            }
            return [draft]
        }
        var base = ReportDraft(source: source, format: .mime)
        base.subject = message.headers["Subject"] ?? ""
        base.reporter = message.headers["From"].flatMap(Self.address)?.description
        base.messageID = message.headers["Message-ID"].map(Self.messageID)
        base.warnings = message.warnings
        base.replyHints = Self.replyHints(message.headers)
        base.isAutomatic = Self.isAutomatic(message.headers)
        for field in message.headers.fields {
            if let warning = EncodedWords.decode(field.rawValue).warning { base.warnings.append("\(field.name): \(warning)") }
        }
        let reportDate = message.headers["Date"].flatMap { TimeExtractor.times(in: $0, parser: options.timestampParser).first }

        if let arf = ARFReport.drafts(message, base: base, options: options) { return arf }
        if let xarf = XARFMail.drafts(message, base: base, options: options) { return xarf }
        if let attached = attachments(message, base: base) { return attached }
        if let spamcop = SpamCopReport.draft(message, base: base, options: options) { return [spamcop] }
        return [complaint(message, base: base, reportDate: reportDate)]
    }

    /// Reports carried as attachments: Shadowserver CSVs, DMARC XML (plain, gzip or zip), XARF JSON.
    func attachments(_ message: ParsedMessage, base: ReportDraft) -> [ReportDraft]? {
        var drafts: [ReportDraft] = []
        for entity in message.root.allEntities {
            guard let content = entity.content, !content.isEmpty else { continue }
            let name = entity.fileName?.lowercased() ?? ""
            let type = entity.contentType.value
            let isArchive = content.starts(with: [0x1F, 0x8B]) || content.starts(with: [0x50, 0x4B, 0x03, 0x04])
            let isReportFile =
                name.hasSuffix(".csv") || name.hasSuffix(".xml") || name.hasSuffix(".json") || type == "text/csv"
                || type == "application/json" || type.hasSuffix("xml") || isArchive
            guard isReportFile else { continue }
            let source = base.source + "!" + (entity.fileName ?? type)
            var found = Intake(options: options).detect(content, source: source, depth: 1)
            found.removeAll { $0.format == .text || ($0.format == .unparsed && !isArchive) }
            for index in found.indices {
                if found[index].reporter == nil { found[index].reporter = base.reporter }
                found[index].messageID = base.messageID
                found[index].warnings = base.warnings + found[index].warnings
            }
            drafts += found
        }
        return drafts.isEmpty ? nil : drafts
    }

    /// A complaint written by a person, with the offending message possibly attached or quoted.
    func complaint(_ message: ParsedMessage, base: ReportDraft, reportDate: TimestampParser.Result?) -> ReportDraft {
        var draft = base
        let body = message.body
        if let warning = body?.warning { draft.warnings.append("body: " + warning) }
        var text = body?.text ?? ""
        var classifyText = text
        if let original = message.attachedMessages.first ?? emlAttachment(message) {
            // The forwarded original: where it came from, who sent it, what it advertises.
            let originalMessage = ParsedMessage(root: original, warnings: [])
            draft.add(Self.originIndicators(original.headers, reporter: draft.reporter, options: options))
            let originalText = originalMessage.bodyText ?? ""
            let links = Self.htmlLinks(original)
            draft.add(IndicatorExtractor.extract(TextNormalizer.normalize(originalText + "\n" + links.joined(separator: "\n"))))
            if let time = Self.originTime(original.headers, reporter: draft.reporter, options: options) {
                draft.eventTime = time.timestamp
                draft.eventTimeZoneAssumed = time.zoneAssumed
            }
            draft.evidence["original_subject"] = original.headers["Subject"] ?? ""
            classifyText += "\n" + (original.headers["Subject"] ?? "")
        } else if let start = Self.quotedHeaderStart(text) {
            // The original pasted into the body: its Received lines give the origin and its From the sender; the
            // rest of its header block names the reporter's own hosts and users, which are not indicators.
            let bytes = Array(text.utf8)
            if let (quoted, bodyStart, _) = try? HeaderSection.parse(bytes, from: start, end: bytes.count, limit: 256 * 1024) {
                draft.add(Self.originIndicators(quoted, reporter: draft.reporter, options: options))
                if let time = Self.originTime(quoted, reporter: draft.reporter, options: options) {
                    draft.eventTime = time.timestamp
                    draft.eventTimeZoneAssumed = time.zoneAssumed
                }
                text = String(decoding: bytes[..<start], as: UTF8.self) + "\n" + String(decoding: bytes[bodyStart...], as: UTF8.self)
            }
        }
        // Links in the complaint's own HTML (the text a person reads hides them) are what they point at.
        let ownLinks = message.root.allEntities.filter { $0.contentType.value == "text/html" && !$0.isAttachment }
            .flatMap { $0.text.map { HTMLText.links(in: $0.text) } ?? [] }
        if message.attachedMessages.isEmpty && !ownLinks.isEmpty { text += "\n" + ownLinks.joined(separator: "\n") }
        FreeText.fill(&draft, subject: draft.subject, text: text, options: options, classify: false)
        let result = Classifier.classify(subject: draft.subject, text: classifyText)
        draft.category = result.category
        draft.track = result.track
        draft.confidence = result.confidence
        if !result.matched.isEmpty { draft.evidence["keywords"] = result.matched.joined(separator: ", ") }
        if draft.category == .other && (!message.attachedMessages.isEmpty || emlAttachment(message) != nil) {
            // A forwarded message with no other word about it is, in practice, spam.
            draft.category = .spam
            draft.track = .termsOfService
            draft.confidence = 0.5
        }
        if draft.eventTime == nil, let reportDate {
            draft.eventTime = reportDate.timestamp
            draft.eventTimeZoneAssumed = reportDate.zoneAssumed
        }
        return draft
    }

    /// When the offending message entered the reporter's network: the date its first external hop wrote, else its
    /// own Date header (which the sender controls, so it comes second).
    static func originTime(_ headers: HeaderSection, reporter: String?, options: IntakeOptions) -> TimestampParser.Result? {
        let reporterDomain = reporter.flatMap { try? EmailAddress($0) }?.domain
        let hop = ReceivedChain.originHop(headers, trusted: options.trustedNetworks, reporterDomain: reporterDomain)
        if let date = hop?.date, let time = TimeExtractor.times(in: date, parser: options.timestampParser).first { return time }
        return headers["Date"].flatMap { TimeExtractor.times(in: $0, parser: options.timestampParser).first }
    }

    /// A forwarded message attached as a file (`spam.eml`, `application/octet-stream`) rather than as
    /// `message/rfc822`, as several mail clients do.
    func emlAttachment(_ message: ParsedMessage) -> MIMEEntity? {
        for entity in message.root.allEntities where entity.isAttachment || entity.contentType.value == "application/octet-stream" {
            guard let content = entity.content, !content.isEmpty else { continue }
            let name = entity.fileName?.lowercased() ?? ""
            guard
                name.hasSuffix(".eml")
                    || (entity.contentType.value == "application/octet-stream" && Intake(options: options).looksLikeMail(content, from: 0))
            else { continue }
            if let parsed = try? MIMEParser(limits: options.limits).parse(content) { return parsed.root }
        }
        return nil
    }

    /// The origin of a message (first external Received hop) and its sender addresses.
    static func originIndicators(_ headers: HeaderSection, reporter: String?, options: IntakeOptions) -> [Indicator] {
        var indicators: [Indicator] = []
        let reporterDomain = reporter.flatMap { try? EmailAddress($0) }?.domain
        if let origin = ReceivedChain.origin(headers, trusted: options.trustedNetworks, reporterDomain: reporterDomain) {
            indicators.append(.ip(origin))
        }
        for name in ["Return-Path", "From", "Sender", "Reply-To"] {
            if let value = headers[name], let address = address(value) { indicators.append(.email(address)) }
        }
        return indicators
    }

    /// Links in every HTML part of an entity.
    static func htmlLinks(_ entity: MIMEEntity) -> [String] {
        entity.allEntities.flatMap { part -> [String] in
            guard part.contentType.value == "text/html", let html = part.text?.text else { return [] }
            return HTMLText.links(in: html)
        }
    }

    /// The address in a `From`-style header: inside angle brackets, else the first word with an `@`.
    static func address(_ value: String) -> EmailAddress? {
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            return try? EmailAddress(value[value.index(after: open)..<close])
        }
        return try? EmailAddress(value.split(separator: " ").first { $0.contains("@") } ?? Substring(value))
    }

    /// The Message-IDs a mail answers and the addresses it went to.
    static func replyHints(_ headers: HeaderSection) -> [String] {
        var hints: [String] = []
        for name in ["In-Reply-To", "References"] {
            for field in headers.all(name) {
                var rest = field.value[...]
                while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
                    hints.append(String(rest[rest.index(after: open)..<close]))
                    rest = rest[rest.index(after: close)...]
                }
            }
        }
        for name in ["To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"] {
            for field in headers.all(name) {
                for part in field.value.split(separator: ",") {
                    if let address = address(String(part)) { hints.append(address.description) }
                }
            }
        }
        return Array(hints.prefix(200))
    }

    /// Whether a machine wrote the mail: RFC 3834 `Auto-Submitted`, the common auto-reply headers, or an
    /// out-of-office subject in English or Japanese.
    static func isAutomatic(_ headers: HeaderSection) -> Bool {
        if let value = headers["Auto-Submitted"]?.lowercased(), !value.hasPrefix("no") { return true }
        if headers["X-Autoreply"] != nil || headers["X-Autorespond"] != nil || headers["X-Auto-Response-Suppress"]?.lowercased() == "all" {
            return true
        }
        if let precedence = headers["Precedence"]?.lowercased(), ["auto_reply", "bulk", "junk"].contains(precedence) { return true }
        let subject = (headers["Subject"] ?? "").lowercased()
        let markers = ["out of office", "automatic reply", "auto reply", "autoreply", "auto:", "自動応答", "自動返信", "不在"]
        return markers.contains { subject.contains($0) }
    }

    /// A Message-ID without angle brackets and surrounding space.
    static func messageID(_ value: String) -> String {
        value.trimmingCharacters(" \t<>")
    }

    /// Where a pasted original's header block starts in a body, if one is there.
    static func quotedHeaderStart(_ text: String) -> Int? {
        ByteSearch.firstIndex(of: "Received: from ", in: text)
    }
}
