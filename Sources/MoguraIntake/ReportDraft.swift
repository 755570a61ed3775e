public import MoguraCore

/// The formats intake recognises.
public struct ReportFormat: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A mail without a machine-readable report: a complaint written by a person, or forwarded spam.
    public static let mime = ReportFormat(rawValue: "mime")
    /// RFC 5965 Abuse Reporting Format (feedback loops).
    public static let arf = ReportFormat(rawValue: "arf")
    /// X-ARF 0.1/0.2 (YAML in part 2).
    public static let xarf = ReportFormat(rawValue: "x-arf")
    /// XARF v4 (JSON).
    public static let xarf4 = ReportFormat(rawValue: "xarf4")
    /// A SpamCop report.
    public static let spamcop = ReportFormat(rawValue: "spamcop")
    /// A row of a Shadowserver CSV report.
    public static let shadowserver = ReportFormat(rawValue: "shadowserver")
    /// A PhishTank feed entry.
    public static let phishtank = ReportFormat(rawValue: "phishtank")
    /// An OpenPhish feed entry.
    public static let openphish = ReportFormat(rawValue: "openphish")
    /// A URLhaus feed entry.
    public static let urlhaus = ReportFormat(rawValue: "urlhaus")
    /// A DMARC aggregate report record (RFC 7489 appendix C).
    public static let dmarc = ReportFormat(rawValue: "dmarc")
    /// Plain text (a pasted complaint, a web-form message).
    public static let text = ReportFormat(rawValue: "text")
    /// Bytes that could not be parsed; kept for a person.
    public static let unparsed = ReportFormat(rawValue: "unparsed")

    public var description: String { rawValue }
}

/// What intake makes of some bytes: one report, before it is stored, resolved or correlated.
///
/// A mail makes one draft; a feed file or CSV report makes one draft per row (each row is an event).
public struct ReportDraft: Hashable, Sendable {
    /// Where the bytes came from: a file name, `-` for standard input, `lmtp`, ….
    public var source: String
    /// The recognised format.
    public var format: ReportFormat
    /// The category after classification.
    public var category: MoguraCore.Category
    /// The track (terms of service or legal).
    public var track: Track
    /// How sure classification is, 0…1 (format fields ≥ 0.9; keywords less; `other` 0).
    public var confidence: Double
    /// When the reported event happened, if the report says.
    public var eventTime: Timestamp?
    /// Whether ``eventTime`` was written without a zone and read in the default zone.
    public var eventTimeZoneAssumed: Bool
    /// What the report points at, normalised, without duplicates, in order of appearance.
    public var indicators: [Indicator]
    /// Who sent the report (an address, a feed name).
    public var reporter: String?
    /// A one-line summary.
    public var subject: String
    /// `ja` or `en` (the language of the complaint, for the acknowledgement), or `nil` when there is no text.
    public var language: String?
    /// Defects noticed while reading (charset fallbacks, broken structure, unknown fields).
    public var warnings: [String]
    /// The Message-ID, for mail: with the content hash it makes ingest idempotent.
    public var messageID: String?
    /// Set when the bytes could not be parsed; the draft is then for triage and holds what could be read.
    public var parseError: String?
    /// Format fields worth showing a person (feedback type, Shadowserver tag, DMARC counts), by name.
    public var evidence: [String: String]
    /// For multi-row sources, the row's position (1-based line or record number).
    public var row: Int?
    /// For mail: the Message-IDs it answers (In-Reply-To, References) and the addresses it was sent to (To, Cc,
    /// Delivered-To, X-Original-To), so a customer's reply to a notice can be matched to its case.
    public var replyHints: [String] = []
    /// For mail: whether a machine wrote it (Auto-Submitted, an out-of-office answer), not a person.
    public var isAutomatic = false

    /// Creates a draft with defaults for everything but the source and format.
    public init(
        source: String, format: ReportFormat, category: MoguraCore.Category = .other, track: Track? = nil, confidence: Double = 0,
        eventTime: Timestamp? = nil, eventTimeZoneAssumed: Bool = false, indicators: [Indicator] = [], reporter: String? = nil,
        subject: String = "", language: String? = nil, warnings: [String] = [], messageID: String? = nil, parseError: String? = nil,
        evidence: [String: String] = [:], row: Int? = nil
    ) {
        self.source = source
        self.format = format
        self.category = category
        self.track = track ?? category.defaultTrack
        self.confidence = confidence
        self.eventTime = eventTime
        self.eventTimeZoneAssumed = eventTimeZoneAssumed
        self.indicators = indicators
        self.reporter = reporter
        self.subject = subject
        self.language = language
        self.warnings = warnings
        self.messageID = messageID
        self.parseError = parseError
        self.evidence = evidence
        self.row = row
    }

    /// Adds indicators, keeping order and dropping duplicates.
    public mutating func add(_ new: [Indicator]) {
        var seen = Set(indicators)
        for indicator in new where seen.insert(indicator).inserted { indicators.append(indicator) }
    }
}

/// Settings for intake.
public struct IntakeOptions: Sendable {
    /// The zone for times written without one.
    public var timestampParser: TimestampParser
    /// Networks whose Received hops are the reporter's (or ours) and are skipped when finding where forwarded spam
    /// came from. Private, loopback and link-local addresses are always skipped.
    public var trustedNetworks: [IPPrefix]
    /// Limits for each message.
    public var limits: MIMELimits
    /// The provider's own domains, for DMARC aggregate reports: mail sent as these from elsewhere is own-brand
    /// phishing.
    public var ownDomains: [DomainName]

    /// Creates options.
    public init(
        timestampParser: TimestampParser = TimestampParser(), trustedNetworks: [IPPrefix] = [], limits: MIMELimits = MIMELimits(),
        ownDomains: [DomainName] = []
    ) {
        self.timestampParser = timestampParser
        self.trustedNetworks = trustedNetworks
        self.limits = limits
        self.ownDomains = ownDomains
    }
}
