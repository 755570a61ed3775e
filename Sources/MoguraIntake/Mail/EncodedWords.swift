/// RFC 2047 encoded words (`=?charset?B?…?=`, `=?charset?Q?…?=`) in header values.
///
/// Adjacent encoded words in the same charset are joined *before* decoding, because mailers often split one
/// multi-byte character (or an ISO-2022-JP escape sequence) across two words. Whitespace between adjacent encoded
/// words is dropped (§6.2). Raw 8-bit bytes in a header (mailers that ignore RFC 2047) are decoded as UTF-8, or
/// detected like a body without a charset.
enum EncodedWords {
    /// Decodes a header value's bytes to text.
    /// - Returns: the text and any warning (an undecodable or unknown charset).
    static func decode(_ value: [UInt8]) -> (text: String, warning: String?) {
        var segments: [(bytes: [UInt8], charset: String?, encoded: Bool)] = []
        var warning: String?
        var i = 0
        var literalStart = 0
        let count = value.count
        while i < count {
            if value[i] == UInt8(ascii: "="), i + 1 < count, value[i + 1] == UInt8(ascii: "?"), let word = parseWord(value, at: i) {
                // Text between two encoded words that is only whitespace disappears.
                let literal = Array(value[literalStart..<i])
                let onlySpace = literal.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
                if !(onlySpace && segments.last?.encoded == true) && !literal.isEmpty {
                    segments.append((literal, nil, false))
                }
                if let last = segments.last, last.encoded, last.charset?.lowercased() == word.charset.lowercased() {
                    segments[segments.count - 1].bytes += word.bytes
                } else {
                    segments.append((word.bytes, word.charset, true))
                }
                i = word.end
                literalStart = i
                continue
            }
            i += 1
        }
        if literalStart < count { segments.append((Array(value[literalStart..<count]), nil, false)) }
        var text = ""
        for segment in segments {
            if segment.encoded {
                let decoded = CharsetDecoder.decode(segment.bytes, declared: segment.charset)
                if let note = decoded.warning { warning = "encoded word: " + note }
                text += decoded.text
            } else if segment.bytes.allSatisfy({ $0 < 0x80 }) {
                text += String(decoding: segment.bytes, as: UTF8.self)
            } else {
                let decoded = CharsetDecoder.decode(segment.bytes, declared: "utf-8")
                if let note = decoded.warning { warning = "raw 8-bit header: " + note }
                text += decoded.text
            }
        }
        return (text, warning)
    }

    /// Parses one encoded word starting at `start` (the `=` of `=?`).
    private static func parseWord(_ value: [UInt8], at start: Int) -> (charset: String, bytes: [UInt8], end: Int)? {
        let count = value.count
        var i = start + 2
        let charsetStart = i
        while i < count && value[i] != UInt8(ascii: "?") {
            if value[i] <= 0x20 || value[i] >= 0x7F { return nil }
            i += 1
        }
        guard i + 2 < count, i > charsetStart, value[i + 2] == UInt8(ascii: "?") else { return nil }
        var charset = String(decoding: value[charsetStart..<i], as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }  // RFC 2231 §5 language
        let encoding = value[i + 1] | 0x20
        guard encoding == UInt8(ascii: "b") || encoding == UInt8(ascii: "q") else { return nil }
        let textStart = i + 3
        var j = textStart
        // The word ends at "?="; it may not contain whitespace (lenient: we allow none, as Python does).
        while j + 1 < count && !(value[j] == UInt8(ascii: "?") && value[j + 1] == UInt8(ascii: "=")) {
            if value[j] == 0x20 || value[j] == 0x09 || value[j] == 0x0A || value[j] == 0x0D { return nil }
            j += 1
        }
        guard j + 1 < count else { return nil }
        let encoded = value[textStart..<j]
        let bytes =
            encoding == UInt8(ascii: "b")
            ? TransferDecoding.base64(encoded).bytes
            : TransferDecoding.quotedPrintable(Array(encoded), underscoreIsSpace: true).bytes
        return (charset, bytes, j + 2)
    }
}
