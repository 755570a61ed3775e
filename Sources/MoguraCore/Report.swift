/// How a report reached Mogura.
public struct ReportChannel: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Mail to abuse@ (LMTP, SMTP, maildir, mbox, stdin).
    public static let mail = ReportChannel(rawValue: "mail")
    /// The public web form.
    public static let webForm = ReportChannel(rawValue: "web-form")
    /// The JSON API.
    public static let api = ReportChannel(rawValue: "api")
    /// A feed file (Shadowserver, PhishTank, URLhaus, …).
    public static let feed = ReportChannel(rawValue: "feed")
    /// One of Mogura's own detectors (milter, mail log, scanner, DNS, blocklists, sign-ups).
    public static let detector = ReportChannel(rawValue: "detector")
    /// Entered by staff (paper, phone).
    public static let manual = ReportChannel(rawValue: "manual")

    public var description: String { rawValue }
}

/// A SHA-256 digest, the address of a stored blob.
public struct ContentHash: Hashable, Sendable, Codable, CustomStringConvertible {
    /// 64 lower-case hex digits.
    public let hex: String

    /// Wraps a hex digest.
    /// - Returns: `nil` unless `hex` is 64 hex digits.
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        self.hex = lower
    }

    /// Wraps 32 digest bytes.
    public init<D: Sequence>(bytes: D) where D.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        self.hex = String(decoding: text, as: UTF8.self)
    }

    public var description: String { hex }
}

/// One complaint or observation: what came in, what it is about, and what it points at.
public struct Report: Hashable, Sendable, Codable, Identifiable {
    /// The store's id, or `nil` before it is stored.
    public var id: Int64?
    /// When Mogura received it.
    public var receivedAt: Timestamp
    /// How it came in.
    public var channel: ReportChannel
    /// Who sent it (an address, a feed name, a detector name), if known.
    public var reporter: String?
    /// The SHA-256 of the raw bytes as received; the bytes themselves are stored once, content-addressed.
    public var rawHash: ContentHash?
    /// The category after classification.
    public var category: Category
    /// The track (usually the category's default).
    public var track: Track
    /// When the reported event happened, if the report says.
    public var eventTime: Timestamp?
    /// A one-line summary (a mail subject, a feed row type).
    public var subject: String
    /// The indicators the report names.
    public var indicators: [Indicator]
    /// The case the report was correlated into, once it is.
    public var caseID: Int64?
    /// How intake read it: `mime`, `arf`, `x-arf`, `shadowserver`, …, or `unparsed`.
    public var format: String
    /// How sure classification is, 0…1.
    public var confidence: Double
    /// Whether ``eventTime`` was written without a zone and read in the default zone.
    public var eventTimeZoneAssumed: Bool
    /// `ja`, `en`, or nil.
    public var language: String?
    /// The Message-ID of a mail report.
    public var messageID: String?
    /// Why the raw bytes could not be parsed, for triage; nil when they were.
    public var parseError: String?
    /// Defects noticed while reading.
    public var warnings: [String]
    /// Format fields worth showing a person.
    public var evidence: [String: String]
    /// Where it came from (a file name, `lmtp`, a feed URL).
    public var source: String
    /// For multi-row sources (feeds, CSV reports), the row; 0 for single reports.
    public var row: Int

    /// Creates a report.
    public init(
        id: Int64? = nil, receivedAt: Timestamp, channel: ReportChannel, reporter: String? = nil,
        rawHash: ContentHash? = nil, category: Category, track: Track? = nil, eventTime: Timestamp? = nil,
        subject: String = "", indicators: [Indicator] = [], caseID: Int64? = nil, format: String = "text", confidence: Double = 0,
        eventTimeZoneAssumed: Bool = false, language: String? = nil, messageID: String? = nil, parseError: String? = nil,
        warnings: [String] = [], evidence: [String: String] = [:], source: String = "", row: Int = 0
    ) {
        self.id = id
        self.receivedAt = receivedAt
        self.channel = channel
        self.reporter = reporter
        self.rawHash = rawHash
        self.category = category
        self.track = track ?? category.defaultTrack
        self.eventTime = eventTime
        self.subject = subject
        self.indicators = indicators
        self.caseID = caseID
        self.format = format
        self.confidence = confidence
        self.eventTimeZoneAssumed = eventTimeZoneAssumed
        self.language = language
        self.messageID = messageID
        self.parseError = parseError
        self.warnings = warnings
        self.evidence = evidence
        self.source = source
        self.row = row
    }

    /// The key that makes ingest idempotent for mail: the same Message-ID (and row) is the same report, even when
    /// a second copy arrives with different Received lines. Nil when there is no Message-ID; the content hash and
    /// row then decide.
    public var dedupeKey: String? {
        messageID.flatMap { $0.isEmpty ? nil : "mid:\($0)#\(row)" }
    }
}

/// What a report sink did with submitted bytes.
public struct ReportReceipt: Hashable, Sendable {
    /// The stored reports' ids (new or already stored), in order.
    public var reportIDs: [Int64]
    /// How many of them were already stored (the same message or bytes came before).
    public var duplicates: Int

    /// Creates a receipt.
    public init(reportIDs: [Int64], duplicates: Int) {
        self.reportIDs = reportIDs
        self.duplicates = duplicates
    }
}

/// Where channels hand raw reports: the narrow interface edge modules (the LMTP listener, the milter, the
/// scanner) use instead of the store. `submit` returns only after the bytes and their reports are committed, so a
/// channel may acknowledge the sender then and not before.
public protocol ReportSink: Sendable {
    /// Parses and stores `raw`.
    /// - Parameters:
    ///   - raw: the bytes as received.
    ///   - source: where they came from, for the report (`lmtp`, a file name).
    ///   - channel: how they came when the format does not say.
    /// - Returns: the stored reports.
    /// - Throws: when they could not be stored; the channel must then not acknowledge them.
    func submit(_ raw: [UInt8], source: String, channel: ReportChannel) async throws -> ReportReceipt
}
