import MoguraCore

/// RFC 5965 Abuse Reporting Format: `multipart/report; report-type=feedback-report` with a human part, a
/// `message/feedback-report` part and the original message (or its headers).
enum ARFReport {
    static func drafts(_ message: ParsedMessage, base: ReportDraft, options: IntakeOptions) -> [ReportDraft]? {
        let entities = message.root.allEntities
        guard let report = entities.first(where: { $0.contentType.value == "message/feedback-report" }), let content = report.content,
            let fields = try? HeaderSection.parse(content, from: 0, end: content.count, limit: 256 * 1024).0
        else { return nil }
        var draft = base
        draft.format = .arf
        let feedbackType = (fields["Feedback-Type"] ?? "other").lowercased()
        switch feedbackType {
        case "abuse": draft.category = .spam
        case "fraud": draft.category = .phishing
        case "virus": draft.category = .malware
        case "auth-failure": draft.category = .phishing
        default: draft.category = .other
        }
        draft.track = draft.category.defaultTrack
        draft.confidence = draft.category == .other ? 0.5 : 0.95
        draft.evidence["feedback_type"] = feedbackType
        for (name, key) in [
            ("User-Agent", "user_agent"), ("Version", "version"), ("Original-Mail-From", "original_mail_from"),
            ("Arrival-Date", "arrival_date"), ("Authentication-Results", "authentication_results"),
            ("Incidents", "incidents"), ("Source-IP", "source_ip"), ("Reported-Domain", "reported_domain"),
        ] {
            if let value = fields[name] { draft.evidence[key] = value }
        }
        if let source = fields["Source-IP"].flatMap({ try? IPAddress($0.trimmingSpaces()) }) { draft.add([.ip(source.unmapped)]) }
        if let sender = fields["Original-Mail-From"].flatMap(MailReports.address) { draft.add([.email(sender)]) }
        for field in fields.all("Reported-Domain") {
            if let name = try? DomainName(field.value) { draft.add([.domain(name)]) }
        }
        for field in fields.all("Reported-URI") {
            let value = field.value.trimmingCharacters(" <>")
            if value.lowercased().hasPrefix("mailto:"), let address = try? EmailAddress(value) {
                draft.add([.email(address)])
            } else if let url = try? ReportedURL(value) {
                draft.add([.url(url)])
            }
        }
        // The original: origin hop (when Source-IP is absent), sender, advertised links.
        if let original = entities.first(where: { $0.contentType.value == "message/rfc822" || $0.contentType.value == "message/global" }),
            case .message(let inner) = original.body
        {
            if fields["Source-IP"] == nil {
                draft.add(MailReports.originIndicators(inner.headers, reporter: base.reporter, options: options))
            } else if let from = inner.headers["From"].flatMap(MailReports.address) {
                draft.add([.email(from)])
            }
            let text = ParsedMessage(root: inner, warnings: []).bodyText ?? ""
            draft.add(
                IndicatorExtractor.extract(TextNormalizer.normalize(text + "\n" + MailReports.htmlLinks(inner).joined(separator: "\n")))
                    .filter { if case .url = $0 { true } else { false } })
            draft.evidence["original_subject"] = inner.headers["Subject"] ?? ""
        } else if let headersOnly = entities.first(where: { $0.contentType.value == "text/rfc822-headers" }), let bytes = headersOnly.content,
            let inner = try? HeaderSection.parse(bytes, from: 0, end: bytes.count, limit: 256 * 1024).0
        {
            if fields["Source-IP"] == nil { draft.add(MailReports.originIndicators(inner, reporter: base.reporter, options: options)) }
            draft.evidence["original_subject"] = inner["Subject"] ?? ""
        }
        let date =
            (fields["Arrival-Date"] ?? fields["Received-Date"]).flatMap { TimeExtractor.times(in: $0, parser: options.timestampParser).first }
            ?? message.headers["Date"].flatMap { TimeExtractor.times(in: $0, parser: options.timestampParser).first }
        if let date {
            draft.eventTime = date.timestamp
            draft.eventTimeZoneAssumed = date.zoneAssumed
        }
        draft.language = Classifier.language(message.bodyText ?? "") ?? "en"
        return [draft]
    }
}
