public import MoguraCore

extension ReportDraft {
    /// The channel a draft's format arrives by: mail formats by mail, feed formats as feeds, the rest as given.
    public func channel(default fallback: ReportChannel) -> ReportChannel {
        // The web form and the API wrap what they receive as a message; the channel is still theirs.
        if fallback == .webForm || fallback == .api { return fallback }
        return switch format {
        case .mime, .arf, .xarf, .spamcop: .mail
        case .shadowserver, .phishtank, .openphish, .urlhaus, .dmarc, .xarf4: messageID == nil ? .feed : .mail
        default: fallback
        }
    }

    /// The report to store for this draft.
    /// - Parameters:
    ///   - receivedAt: when Mogura received the bytes.
    ///   - channel: how they came when the format does not say (`manual` for a file, `web-form`, …).
    public func report(receivedAt: Timestamp, channel fallback: ReportChannel) -> Report {
        Report(
            receivedAt: receivedAt, channel: channel(default: fallback), reporter: reporter, category: category, track: track,
            eventTime: eventTime, subject: String(subject.prefix(1_000)), indicators: indicators, format: format.rawValue,
            confidence: confidence, eventTimeZoneAssumed: eventTimeZoneAssumed, language: language, messageID: messageID,
            parseError: parseError, warnings: warnings, evidence: evidence, source: source, row: row ?? 0)
    }
}
