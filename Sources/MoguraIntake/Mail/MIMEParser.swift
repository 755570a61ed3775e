import Foundation

/// Limits that keep a hostile message from exhausting memory or time. A message that breaks one is not dropped:
/// the caller stores it with the error for a person to look at.
public struct MIMELimits: Hashable, Sendable {
    /// Bytes in one header section.
    public var headerBytes = 256 * 1024
    /// Body parts in the whole tree.
    public var parts = 1_000
    /// Nesting of multiparts and attached messages.
    public var depth = 20
    /// Decoded bytes in the whole tree (base64 and quoted-printable output).
    public var decodedBytes = 128 * 1024 * 1024
    /// Wall-clock time for one message.
    public var time: Duration = .seconds(10)

    /// The defaults.
    public init() {}
}

/// Why a message could not be parsed.
public struct MIMEParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A limit in ``MIMELimits`` was exceeded.
        public static let limit = Kind(rawValue: "limit")
        /// The bytes are not a message at all.
        public static let malformed = Kind(rawValue: "malformed")
    }

    public var kind: Kind
    public var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// One node of a MIME tree: a leaf with content, a multipart with children, or an attached message.
public struct MIMEEntity: Hashable, Sendable {
    /// What the entity holds.
    public indirect enum Body: Hashable, Sendable {
        /// Decoded content (transfer encoding removed; charset not yet applied).
        case leaf([UInt8])
        /// The parts of a multipart, in order.
        case multipart([MIMEEntity])
        /// An attached message (`message/rfc822`, `message/global`, or the original in a report).
        case message(MIMEEntity)
    }

    /// The entity's header section.
    public var headers: HeaderSection
    /// The parsed Content-Type (``ContentType/textPlain`` when absent).
    public var contentType: ContentType
    /// The body.
    public var body: Body
    /// Where the entity lies in the original bytes (header and body).
    public var range: Range<Int>

    /// The decoded content of a leaf, or nil.
    public var content: [UInt8]? {
        if case .leaf(let bytes) = body { return bytes }
        return nil
    }

    /// The leaf's content as text in its declared charset, with fallbacks (see ``CharsetDecoder``).
    public var text: CharsetDecoder.Decoded? {
        guard let content else { return nil }
        return CharsetDecoder.decode(content, declared: contentType.parameters["charset"])
    }

    /// The file name from Content-Disposition or Content-Type, decoded.
    public var fileName: String? {
        headers.first("Content-Disposition").flatMap { ContentType.parse($0.rawValue).parameters["filename"] }
            ?? contentType.parameters["name"]
    }

    /// Whether the part is an attachment rather than inline content.
    public var isAttachment: Bool {
        headers.first("Content-Disposition").map { ContentType.parse($0.rawValue).value == "attachment" } ?? false
    }

    /// This entity and every entity below it, depth first.
    public var allEntities: [MIMEEntity] {
        switch body {
        case .leaf: [self]
        case .multipart(let parts): [self] + parts.flatMap(\.allEntities)
        case .message(let inner): [self] + inner.allEntities
        }
    }
}

/// A parsed message and what the parser noticed on the way.
public struct ParsedMessage: Hashable, Sendable {
    /// The top-level entity.
    public var root: MIMEEntity
    /// Defects tolerated (a missing boundary, a bad encoding, a charset fallback).
    public var warnings: [String]

    /// The top-level headers.
    public var headers: HeaderSection { root.headers }

    /// The body text a person would read: the first `text/plain` part not inside an attached message, else the
    /// first `text/html` turned into text. `nil` when there is none.
    public var bodyText: String? { body?.text }

    /// The body text with its charset decoding, so a caller can keep the decoder's warning.
    public var body: CharsetDecoder.Decoded? {
        func find(_ entity: MIMEEntity, _ subtype: String) -> MIMEEntity? {
            switch entity.body {
            case .leaf:
                return entity.contentType.type == "text" && entity.contentType.subtype == subtype && !entity.isAttachment ? entity : nil
            case .multipart(let parts):
                for part in parts { if let found = find(part, subtype) { return found } }
                return nil
            case .message:
                return nil
            }
        }
        if let plain = find(root, "plain"), let decoded = plain.text { return decoded }
        if let html = find(root, "html"), var decoded = html.text {
            decoded.text = HTMLText.text(from: decoded.text)
            return decoded
        }
        return nil
    }

    /// Messages attached to this one (forwarded spam, the original in an ARF report), outermost first.
    public var attachedMessages: [MIMEEntity] {
        root.allEntities.compactMap { entity in
            if case .message(let inner) = entity.body { return inner }
            return nil
        }
    }
}

/// An RFC 5322 / MIME (RFC 2045–2049) parser over bytes.
///
/// Lenient where mail is broken in practice (bare LF line ends, missing closing boundaries, bad base64, wrong
/// charsets — each recorded as a warning) and strict about resources (``MIMELimits``). Bodies are decoded from
/// their transfer encoding; charsets are applied when text is asked for.
///
/// ```swift
/// let message = try MIMEParser().parse(bytes)
/// print(message.headers["Subject"] ?? "", message.bodyText ?? "")
/// ```
public struct MIMEParser: Sendable {
    /// The limits applied to every message.
    public var limits: MIMELimits

    /// Creates a parser.
    public init(limits: MIMELimits = MIMELimits()) {
        self.limits = limits
    }

    /// Parses a whole message.
    /// - Throws: `MIMEParseError` when a limit is exceeded or the input is empty.
    public func parse(_ bytes: [UInt8]) throws(MIMEParseError) -> ParsedMessage {
        guard !bytes.isEmpty else { throw MIMEParseError(.malformed, "the message is empty") }
        var state = State(limits: limits, deadline: ContinuousClock.now.advanced(by: limits.time))
        let root = try state.entity(bytes, 0, bytes.count, depth: 0, defaultType: .textPlain)
        return ParsedMessage(root: root, warnings: state.warnings)
    }

    struct State {
        let limits: MIMELimits
        let deadline: ContinuousClock.Instant
        var parts = 0
        var decoded = 0
        var warnings: [String] = []

        mutating func entity(_ bytes: [UInt8], _ start: Int, _ end: Int, depth: Int, defaultType: ContentType) throws(MIMEParseError) -> MIMEEntity {
            guard depth <= limits.depth else { throw MIMEParseError(.limit, "nested deeper than \(limits.depth) levels") }
            parts += 1
            guard parts <= limits.parts else { throw MIMEParseError(.limit, "more than \(limits.parts) body parts") }
            if parts % 64 == 0 && ContinuousClock.now > deadline {
                throw MIMEParseError(.limit, "parsing took longer than \(limits.time)")
            }
            let (headers, bodyStart, headerWarnings) = try HeaderSection.parse(bytes, from: start, end: end, limit: limits.headerBytes)
            warnings += headerWarnings
            var contentType = headers.first("Content-Type").map { ContentType.parse($0.rawValue) } ?? defaultType
            if contentType.value.isEmpty || !contentType.value.contains("/") {
                warnings.append("unreadable Content-Type \"\(headers.first("Content-Type")?.rawText ?? "")\"; read as text/plain")
                contentType = .textPlain
            }
            let encoding =
                headers.first("Content-Transfer-Encoding").map {
                    ContentType.stripComments($0.rawValue).trimmingCharacters(" \t\r\n").lowercased()
                } ?? "7bit"

            switch contentType.type {
            case "multipart":
                guard let boundary = contentType.parameters["boundary"], !boundary.isEmpty else {
                    warnings.append("\(contentType.value) without a boundary; read as text")
                    return MIMEEntity(
                        headers: headers, contentType: ContentType(value: "text/plain"), body: .leaf(Array(bytes[bodyStart..<end])),
                        range: start..<end)
                }
                let childDefault = contentType.subtype == "digest" ? ContentType(value: "message/rfc822") : .textPlain
                var children: [MIMEEntity] = []
                for range in splitMultipart(bytes, bodyStart, end, boundary: Array(boundary.utf8)) {
                    children.append(try entity(bytes, range.lowerBound, range.upperBound, depth: depth + 1, defaultType: childDefault))
                }
                return MIMEEntity(headers: headers, contentType: contentType, body: .multipart(children), range: start..<end)
            case "message" where ["rfc822", "global", "rfc822-headers"].contains(contentType.subtype):
                // An attached message may itself be transfer-encoded (not allowed by RFC 2046, common anyway).
                let inner = try decode(bytes, bodyStart, end, encoding: encoding)
                let innerBytes = inner ?? Array(bytes[bodyStart..<end])
                guard !innerBytes.isEmpty else {
                    return MIMEEntity(headers: headers, contentType: contentType, body: .leaf([]), range: start..<end)
                }
                let attached = try entity(innerBytes, 0, innerBytes.count, depth: depth + 1, defaultType: .textPlain)
                return MIMEEntity(headers: headers, contentType: contentType, body: .message(attached), range: start..<end)
            default:
                let content = try decode(bytes, bodyStart, end, encoding: encoding) ?? Array(bytes[bodyStart..<end])
                return MIMEEntity(headers: headers, contentType: contentType, body: .leaf(content), range: start..<end)
            }
        }

        /// Removes the transfer encoding; `nil` for identity encodings.
        mutating func decode(_ bytes: [UInt8], _ start: Int, _ end: Int, encoding: String) throws(MIMEParseError) -> [UInt8]? {
            let remaining = limits.decodedBytes - decoded
            let output: [UInt8]
            switch encoding {
            case "base64":
                let (result, damaged) = TransferDecoding.base64(bytes[start..<end], limit: remaining + 1)
                if damaged { warnings.append("base64 body with characters outside the alphabet (skipped)") }
                output = result
            case "quoted-printable":
                let (result, damaged) = TransferDecoding.quotedPrintable(bytes[start..<end])
                if damaged { warnings.append("quoted-printable body with malformed escapes (kept as written)") }
                output = result
            case "7bit", "8bit", "binary", "":
                decoded += end - start
                if decoded > limits.decodedBytes { throw MIMEParseError(.limit, "more than \(limits.decodedBytes) decoded bytes") }
                return nil
            default:
                warnings.append("unknown Content-Transfer-Encoding \"\(encoding)\"; body kept as it is")
                return nil
            }
            decoded += output.count
            if decoded > limits.decodedBytes { throw MIMEParseError(.limit, "more than \(limits.decodedBytes) decoded bytes") }
            return output
        }

        /// The byte ranges of the parts between boundary lines (RFC 2046 §5.1.1). The line break before a boundary
        /// belongs to the boundary. A missing closing boundary ends the last part at the end of the body.
        mutating func splitMultipart(_ bytes: [UInt8], _ start: Int, _ end: Int, boundary: [UInt8]) -> [Range<Int>] {
            var ranges: [Range<Int>] = []
            var partStart: Int?
            var closed = false
            var lineStart = start
            while lineStart < end {
                if bytes[lineStart] == UInt8(ascii: "-"), isDelimiter(bytes, lineStart, end, boundary) {
                    let afterBoundary = lineStart + 2 + boundary.count
                    let isClose =
                        afterBoundary + 1 < end && bytes[afterBoundary] == UInt8(ascii: "-") && bytes[afterBoundary + 1] == UInt8(ascii: "-")
                    if let open = partStart {
                        var partEnd = lineStart
                        // Drop the line break that belongs to the delimiter.
                        if partEnd > open && bytes[partEnd - 1] == 0x0A { partEnd -= 1 }
                        if partEnd > open && bytes[partEnd - 1] == 0x0D { partEnd -= 1 }
                        ranges.append(open..<max(open, partEnd))
                    }
                    let next = HeaderSection.nextLine(bytes, from: lineStart, end: end)
                    if isClose {
                        closed = true
                        partStart = nil
                        break
                    }
                    partStart = next
                    lineStart = next
                    continue
                }
                lineStart = HeaderSection.nextLine(bytes, from: lineStart, end: end)
            }
            if let open = partStart, open < end {
                ranges.append(open..<end)
            }
            if !closed { warnings.append("multipart without its closing boundary") }
            if ranges.isEmpty { warnings.append("multipart with no parts") }
            return ranges
        }

        @inline(__always)
        func isDelimiter(_ bytes: [UInt8], _ at: Int, _ end: Int, _ boundary: [UInt8]) -> Bool {
            guard at + 2 + boundary.count <= end, bytes[at + 1] == UInt8(ascii: "-") else { return false }
            for (offset, byte) in boundary.enumerated() where bytes[at + 2 + offset] != byte { return false }
            // Only whitespace (or "--") may follow on the line.
            var i = at + 2 + boundary.count
            if i + 1 < end && bytes[i] == UInt8(ascii: "-") && bytes[i + 1] == UInt8(ascii: "-") { i += 2 }
            while i < end && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            return i == end || bytes[i] == 0x0D || bytes[i] == 0x0A
        }
    }
}
