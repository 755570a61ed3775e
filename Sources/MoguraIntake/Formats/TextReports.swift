import MoguraCore

/// Plain text: a pasted complaint, a web-form message, a text file.
enum TextReports {
    static func draft(_ decoded: CharsetDecoder.Decoded, source: String, options: IntakeOptions) -> ReportDraft {
        var draft = ReportDraft(source: source, format: .text)
        if let warning = decoded.warning { draft.warnings.append(warning) }
        let firstLine = decoded.text.split(whereSeparator: \.isNewline).first.map { String($0.prefix(200)) } ?? ""
        draft.subject = firstLine.trimmingSpaces()
        FreeText.fill(&draft, subject: draft.subject, text: decoded.text, options: options)
        return draft
    }
}

/// What every human-written report goes through: normalisation, indicator and time extraction, classification,
/// language.
enum FreeText {
    /// Adds indicators and an event time found in `text`, and classifies the draft unless a format already did.
    static func fill(_ draft: inout ReportDraft, subject: String, text: String, options: IntakeOptions, classify: Bool = true) {
        let normalized = TextNormalizer.normalize(subject + "\n" + text)
        draft.add(IndicatorExtractor.extract(normalized))
        if draft.eventTime == nil, let time = TimeExtractor.times(in: normalized, parser: options.timestampParser).first {
            draft.eventTime = time.timestamp
            draft.eventTimeZoneAssumed = time.zoneAssumed
        }
        if classify {
            let result = Classifier.classify(subject: subject, text: normalized)
            draft.category = result.category
            draft.track = result.track
            draft.confidence = result.confidence
            if !result.matched.isEmpty { draft.evidence["keywords"] = result.matched.joined(separator: ", ") }
        }
        if draft.language == nil { draft.language = Classifier.language(subject + "\n" + text) }
    }
}
