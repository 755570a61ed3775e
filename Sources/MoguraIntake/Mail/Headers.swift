/// One header field as it appeared: its name and its unfolded raw value.
public struct HeaderField: Hashable, Sendable {
    /// The field name as written (`Subject`, `X-ARF`).
    public let name: String
    /// The value's bytes with folding removed (CRLF before whitespace dropped), leading whitespace trimmed.
    public let rawValue: [UInt8]

    /// The value decoded for display: RFC 2047 encoded words and raw 8-bit text turned into Unicode.
    public var value: String {
        // Most values are plain ASCII without encoded words: only their line ends need removing.
        if rawValue.allSatisfy({ $0 < 0x80 }) && !ByteSearch.contains(rawValue, [UInt8(ascii: "="), UInt8(ascii: "?")]) {
            var bytes = rawValue.filter { $0 != 0x0D && $0 != 0x0A }[...]
            while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
            while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
        return EncodedWords.decode(rawValue).text.trimmingLineEnds()
    }

    /// The raw value as ASCII-ish text (encoded words left as they are), for structured parsing.
    public var rawText: String { String(decoding: rawValue, as: UTF8.self) }
}

/// The header section of a message or body part (RFC 5322 §2.2, §3.6; obsolete syntax of §4.5 accepted).
public struct HeaderSection: Hashable, Sendable {
    /// The fields in order, duplicates kept.
    public var fields: [HeaderField]

    /// Creates a section.
    public init(fields: [HeaderField] = []) {
        self.fields = fields
    }

    /// The first field named `name` (case-insensitive), decoded.
    public subscript(_ name: String) -> String? {
        first(name)?.value
    }

    /// The first field named `name`.
    public func first(_ name: String) -> HeaderField? {
        let lower = name.lowercased()
        return fields.first { $0.name.lowercased() == lower }
    }

    /// Every field named `name`, in order.
    public func all(_ name: String) -> [HeaderField] {
        let lower = name.lowercased()
        return fields.filter { $0.name.lowercased() == lower }
    }

    /// Parses a header block.
    ///
    /// Accepts CRLF, bare LF and bare CR line ends; a field may be continued on lines starting with whitespace;
    /// whitespace before the colon is allowed (obs-syntax). The section ends at the first empty line, or at the
    /// first line that is neither a field nor a continuation (which then starts the body, as Python's parser
    /// does). An mbox `From ` line at the very start is skipped.
    /// - Returns: the section, the offset where the body begins, and warnings.
    static func parse(
        _ bytes: [UInt8], from start: Int, end: Int, limit: Int
    ) throws(MIMEParseError) -> (HeaderSection, bodyStart: Int, warnings: [String]) {
        var fields: [HeaderField] = []
        var warnings: [String] = []
        var i = start
        if end - i >= 5, bytes[i..<i + 5].elementsEqual("From ".utf8) {
            i = nextLine(bytes, from: i, end: end)
        }
        var name: [UInt8]?
        var value: [UInt8] = []
        func flush() {
            if let current = name {
                var trimmed = value[...]
                while let first = trimmed.first, first == 0x20 || first == 0x09 { trimmed = trimmed.dropFirst() }
                while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed = trimmed.dropLast() }
                fields.append(HeaderField(name: String(decoding: current, as: UTF8.self), rawValue: Array(trimmed)))
            }
            name = nil
            value.removeAll(keepingCapacity: true)
        }
        while i < end {
            if i - start > limit {
                throw MIMEParseError(.limit, "header section larger than \(limit) bytes")
            }
            let lineEnd = endOfLineContent(bytes, from: i, end: end)
            let next = nextLine(bytes, from: i, end: end)
            if lineEnd == i {
                // The empty line that ends the section.
                flush()
                return (HeaderSection(fields: fields), next, warnings)
            }
            let first = bytes[i]
            if first == 0x20 || first == 0x09 {
                if name != nil {
                    value.append(contentsOf: bytes[i..<lineEnd])
                } else {
                    warnings.append("header section starts with a continuation line")
                }
                i = next
                continue
            }
            // A field name: printable ASCII except colon, then optional whitespace, then a colon.
            var j = i
            while j < lineEnd && bytes[j] > 0x20 && bytes[j] < 0x7F && bytes[j] != UInt8(ascii: ":") { j += 1 }
            var k = j
            while k < lineEnd && (bytes[k] == 0x20 || bytes[k] == 0x09) { k += 1 }
            guard j > i, k < lineEnd, bytes[k] == UInt8(ascii: ":") else {
                flush()
                warnings.append("line without a field name in the header section; the body starts there")
                return (HeaderSection(fields: fields), i, warnings)
            }
            flush()
            name = Array(bytes[i..<j])
            value.append(contentsOf: bytes[(k + 1)..<lineEnd])
            i = next
        }
        flush()
        return (HeaderSection(fields: fields), end, warnings)
    }

    /// The offset of the line end (CR or LF) at or after `from`.
    @inline(__always)
    static func endOfLineContent(_ bytes: [UInt8], from: Int, end: Int) -> Int {
        var i = from
        while i < end && bytes[i] != 0x0A && bytes[i] != 0x0D { i += 1 }
        return i
    }

    /// The offset just after the line end at or after `from` (CRLF, LF or CR).
    @inline(__always)
    static func nextLine(_ bytes: [UInt8], from: Int, end: Int) -> Int {
        var i = endOfLineContent(bytes, from: from, end: end)
        if i < end && bytes[i] == 0x0D {
            i += 1
            if i < end && bytes[i] == 0x0A { i += 1 }
        } else if i < end && bytes[i] == 0x0A {
            i += 1
        }
        return i
    }
}

extension String {
    /// Without CR and LF (left by folding), and without surrounding whitespace.
    func trimmingLineEnds() -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in unicodeScalars where scalar != "\r" && scalar != "\n" { scalars.append(scalar) }
        var result = Substring(String(scalars))
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return String(result)
    }
}
