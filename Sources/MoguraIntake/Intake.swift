import Foundation
import MoguraCore

/// Turns bytes into report drafts: mail (with ARF, X-ARF, XARF, SpamCop, Shadowserver and DMARC attachments
/// recognised), feed files, CSV reports, JSON and XML reports, and plain text. No I/O: the caller reads the bytes
/// and stores the drafts.
///
/// Nothing is lost: input that cannot be parsed, or that breaks a limit, still yields one draft with
/// ``ReportDraft/parseError`` set and format `unparsed`, for a person to triage.
///
/// ```swift
/// let drafts = Intake().drafts(from: bytes, source: "complaint.eml")
/// for draft in drafts { print(draft.category, draft.indicators) }
/// ```
public struct Intake: Sendable {
    /// Settings: default zone, trusted networks, limits, own domains.
    public var options: IntakeOptions

    /// Creates an intake.
    public init(options: IntakeOptions = IntakeOptions()) {
        self.options = options
    }

    /// How many archives deep (gzip inside zip inside mail) intake looks.
    public static let maximumArchiveDepth = 3
    /// The most bytes an archive may expand to.
    public static let maximumExpandedBytes = 256 * 1024 * 1024

    /// Reads `bytes` from `source` and returns its drafts (at least one).
    public func drafts(from bytes: [UInt8], source: String) -> [ReportDraft] {
        let drafts = detect(bytes, source: source, depth: 0)
        if drafts.isEmpty {
            return [unparsed(source: source, error: "no report found in \(bytes.count) bytes")]
        }
        return drafts
    }

    func detect(_ bytes: [UInt8], source: String, depth: Int) -> [ReportDraft] {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        guard bytes.count > start else { return [unparsed(source: source, error: "empty input")] }
        if bytes.starts(with: [0x1F, 0x8B]) || bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            guard depth < Self.maximumArchiveDepth else {
                return [unparsed(source: source, error: "archives nested deeper than \(Self.maximumArchiveDepth) levels")]
            }
            do {
                return try Archives.entries(bytes, limit: Self.maximumExpandedBytes).flatMap { name, content in
                    detect(content, source: source + "!" + name, depth: depth + 1)
                }
            } catch {
                return [unparsed(source: source, error: "\(error)")]
            }
        }
        var first = start
        while first < bytes.count && (bytes[first] == 0x20 || bytes[first] == 0x0A || bytes[first] == 0x0D || bytes[first] == 0x09) { first += 1 }
        guard first < bytes.count else { return [unparsed(source: source, error: "input is only whitespace")] }
        switch bytes[first] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return JSONReports.drafts(Array(bytes[first...]), source: source, options: options)
        case UInt8(ascii: "<"):
            return DMARCReport.drafts(Array(bytes[first...]), source: source, options: options)
        default:
            break
        }
        if looksLikeMail(bytes, from: start) {
            return MailReports(options: options).drafts(bytes, source: source)
        }
        if let drafts = FeedFiles.drafts(bytes, source: source, options: options) { return drafts }
        return [TextReports.draft(CharsetDecoder.decode(bytes[start...], declared: nil), source: source, options: options)]
    }

    /// A mail starts with an mbox `From ` line or a header field (`Name: value`) among the first lines.
    func looksLikeMail(_ bytes: [UInt8], from start: Int) -> Bool {
        if bytes[start...].starts(with: Array("From ".utf8)) { return true }
        var i = start
        var fields = 0
        var lines = 0
        while i < bytes.count && lines < 5 {
            let end = HeaderSection.endOfLineContent(bytes, from: i, end: bytes.count)
            if end == i { return fields >= 1 }
            var j = i
            while j < end && bytes[j] > 0x20 && bytes[j] < 0x7F && bytes[j] != UInt8(ascii: ":") { j += 1 }
            if j > i && j < end && bytes[j] == UInt8(ascii: ":")
                && !(j + 2 < end && bytes[j + 1] == UInt8(ascii: "/") && bytes[j + 2] == UInt8(ascii: "/"))
            {
                fields += 1
            } else if bytes[i] != 0x20 && bytes[i] != 0x09 {
                return false
            }
            lines += 1
            i = HeaderSection.nextLine(bytes, from: i, end: bytes.count)
        }
        return fields >= 2
    }

    func unparsed(source: String, error: String) -> ReportDraft {
        ReportDraft(source: source, format: .unparsed, parseError: error)
    }
}
