/// A `Content-Type` (or `Content-Disposition`) value: a lower-case token and its parameters.
///
/// Parameters follow RFC 2045 §5.1 with RFC 2231 extensions: `name*=charset'lang'%XX…` and continuations
/// `name*0=…; name*1*=…`. Comments in parentheses are removed; quoted strings keep their content. Values that are
/// RFC 2047 encoded words (common in `filename` from non-conforming mailers) are decoded too.
public struct ContentType: Hashable, Sendable, CustomStringConvertible {
    /// `text/plain`, `multipart/mixed`, … (lower case), or the disposition type (`attachment`).
    public var value: String
    /// Parameters by lower-case name, decoded.
    public var parameters: [String: String]

    /// The default for a part without a Content-Type (RFC 2045 §5.2).
    public static let textPlain = ContentType(value: "text/plain", parameters: ["charset": "us-ascii"])

    /// Creates a value.
    public init(value: String, parameters: [String: String] = [:]) {
        self.value = value
        self.parameters = parameters
    }

    /// The top-level type: `text`, `multipart`, `message`, …
    public var type: String { String(value.split(separator: "/").first ?? "") }
    /// The subtype: `plain`, `mixed`, `rfc822`, …
    public var subtype: String { value.split(separator: "/").dropFirst().first.map(String.init) ?? "" }

    public var description: String { value }

    /// Parses a header value (bytes; text only where it leaves the parser).
    public static func parse(_ raw: [UInt8]) -> ContentType {
        let bytes = stripCommentBytes(raw)
        let count = bytes.count
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        func text(_ slice: ArraySlice<UInt8>) -> String {
            slice.allSatisfy { $0 < 0x80 } ? String(decoding: slice, as: UTF8.self) : CharsetDecoder.decode(slice, declared: "utf-8").text
        }
        var i = 0
        // The token up to ";" (lenient about spaces inside "text / plain").
        var token: [UInt8] = []
        while i < count && bytes[i] != UInt8(ascii: ";") {
            if !isSpace(bytes[i]) { token.append(bytes[i] >= 0x41 && bytes[i] <= 0x5A ? bytes[i] | 0x20 : bytes[i]) }
            i += 1
        }
        var simple: [String: String] = [:]
        var extended: [String: [Int: (value: String, encoded: Bool)]] = [:]
        var extendedCharset: [String: String] = [:]
        while i < count {
            i += 1  // past ';'
            while i < count && isSpace(bytes[i]) { i += 1 }
            let nameStart = i
            while i < count && bytes[i] != UInt8(ascii: "=") && bytes[i] != UInt8(ascii: ";") { i += 1 }
            var nameEnd = i
            while nameEnd > nameStart && isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
            let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self).lowercased()
            guard i < count, bytes[i] == UInt8(ascii: "=") else { continue }
            i += 1
            while i < count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            var valueBytes: [UInt8] = []
            if i < count && bytes[i] == UInt8(ascii: "\"") {
                i += 1
                while i < count && bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") {
                        i += 1
                        if i == count { break }
                    }
                    valueBytes.append(bytes[i])
                    i += 1
                }
                while i < count && bytes[i] != UInt8(ascii: ";") { i += 1 }
            } else {
                let valueStart = i
                while i < count && bytes[i] != UInt8(ascii: ";") { i += 1 }
                var valueEnd = i
                while valueEnd > valueStart && isSpace(bytes[valueEnd - 1]) { valueEnd -= 1 }
                valueBytes = Array(bytes[valueStart..<valueEnd])
            }
            guard !name.isEmpty else { continue }
            let value = text(valueBytes[...])
            // RFC 2231: name*, name*N, name*N*.
            if let star = name.firstIndex(of: "*") {
                let base = String(name[..<star])
                let rest = name[name.index(after: star)...]
                let encoded = rest.isEmpty || rest.hasSuffix("*")
                let section = Int(rest.trimmingCharacters("*")) ?? 0
                var part = value
                if encoded && section == 0, let firstQuote = part.firstIndex(of: "'") {
                    let afterCharset = part.index(after: firstQuote)
                    if let secondQuote = part[afterCharset...].firstIndex(of: "'") {
                        extendedCharset[base] = String(part[..<firstQuote])
                        part = String(part[part.index(after: secondQuote)...])
                    }
                }
                extended[base, default: [:]][section] = (part, encoded)
            } else if simple[name] == nil {
                simple[name] = value
            }
        }
        var parameters = simple
        for (name, sections) in extended {
            var decoded: [UInt8] = []
            for key in sections.keys.sorted() {
                let (value, encoded) = sections[key]!
                decoded += encoded ? percentDecode(value) : Array(value.utf8)
            }
            let charset = extendedCharset[name].flatMap { $0.isEmpty ? nil : $0 } ?? "utf-8"
            parameters[name] = CharsetDecoder.decode(decoded, declared: charset).text
        }
        for (name, value) in parameters where ByteSearch.contains(value, "=?") {
            parameters[name] = EncodedWords.decode(Array(value.utf8)).text
        }
        return ContentType(value: String(decoding: token, as: UTF8.self), parameters: parameters)
    }

    /// Removes RFC 5322 comments `( … )` outside quoted strings, as text.
    static func stripComments(_ raw: [UInt8]) -> String {
        let bytes = stripCommentBytes(raw)
        return bytes.allSatisfy { $0 < 0x80 } ? String(decoding: bytes, as: UTF8.self) : CharsetDecoder.decode(bytes, declared: "utf-8").text
    }

    /// Removes RFC 5322 comments `( … )` outside quoted strings.
    static func stripCommentBytes(_ raw: [UInt8]) -> [UInt8] {
        guard raw.contains(UInt8(ascii: "(")) else { return raw }
        var result: [UInt8] = []
        result.reserveCapacity(raw.count)
        var depth = 0
        var quoted = false
        var escaped = false
        for byte in raw {
            if escaped {
                escaped = false
                if depth == 0 { result.append(byte) }
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                escaped = true
                if depth == 0 { result.append(byte) }
            case UInt8(ascii: "\"") where depth == 0:
                quoted.toggle()
                result.append(byte)
            case UInt8(ascii: "(") where !quoted:
                depth += 1
            case UInt8(ascii: ")") where !quoted && depth > 0:
                depth -= 1
            default:
                if depth == 0 { result.append(byte) }
            }
        }
        return result
    }

    private static func percentDecode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = TransferDecoding.hex(bytes[i + 1]),
                let low = TransferDecoding.hex(bytes[i + 2])
            {
                output.append(high << 4 | low)
                i += 3
            } else {
                output.append(bytes[i])
                i += 1
            }
        }
        return output
    }
}

extension StringProtocol {
    func trimmingCharacters(_ set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
