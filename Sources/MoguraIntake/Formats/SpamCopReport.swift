import Foundation
import MoguraCore

/// SpamCop reports: `[SpamCop (…) id:…]` subjects from `spamcop.net`, naming the source as "Email from <ip> /
/// <date>" and the advertised sites as "Spamvertised web site: <url>".
enum SpamCopReport {
    static func draft(_ message: ParsedMessage, base: ReportDraft, options: IntakeOptions) -> ReportDraft? {
        let from = base.reporter ?? ""
        guard from.hasSuffix("spamcop.net") || base.subject.hasPrefix("[SpamCop") else { return nil }
        var draft = base
        draft.format = .spamcop
        draft.category = .spam
        draft.track = .termsOfService
        draft.confidence = 0.95
        let text = message.bodyText ?? ""
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingSpaces()
            if trimmed.hasPrefix("Email from ") {
                let rest = trimmed.dropFirst("Email from ".count)
                let parts = rest.split(separator: "/", maxSplits: 1)
                if let ip = parts.first.flatMap({ try? IPAddress($0.trimmingSpaces()) }) { draft.add([.ip(ip.unmapped)]) }
                if parts.count == 2, let time = TimeExtractor.times(in: String(parts[1]), parser: options.timestampParser).first {
                    draft.eventTime = time.timestamp
                    draft.eventTimeZoneAssumed = time.zoneAssumed
                }
            } else if trimmed.hasPrefix("Spamvertised web site: ") {
                if let url = try? ReportedURL(trimmed.dropFirst("Spamvertised web site: ".count).trimmingSpaces()) { draft.add([.url(url)]) }
            }
        }
        if let original = message.attachedMessages.first {
            if draft.indicators.isEmpty { draft.add(MailReports.originIndicators(original.headers, reporter: base.reporter, options: options)) }
            if let sender = original.headers["From"].flatMap(MailReports.address) { draft.add([.email(sender)]) }
            draft.evidence["original_subject"] = original.headers["Subject"] ?? ""
        }
        if let range = base.subject.range(of: "id:") {
            draft.evidence["spamcop_id"] = String(base.subject[range.upperBound...].prefix { $0.isNumber })
        }
        draft.language = "en"
        return draft
    }
}
