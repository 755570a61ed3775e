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

    /// Parses a header value.
    static func parse(_ raw: [UInt8]) -> ContentType {
        let text = stripComments(raw)
        var index = text.startIndex
        // The token up to ";" (lenient about spaces inside "text / plain").
        var token = ""
        while index < text.endIndex && text[index] != ";" {
            if !text[index].isWhitespace { token.append(text[index]) }
            index = text.index(after: index)
        }
        var simple: [String: String] = [:]
        var extended: [String: [Int: (value: String, encoded: Bool)]] = [:]
        var extendedCharset: [String: String] = [:]
        while index < text.endIndex {
            index = text.index(after: index)  // past ';'
            while index < text.endIndex && text[index].isWhitespace { index = text.index(after: index) }
            var name = ""
            while index < text.endIndex && text[index] != "=" && text[index] != ";" {
                name.append(text[index])
                index = text.index(after: index)
            }
            name = name.trimmingCharacters(" \t").lowercased()
            guard index < text.endIndex, text[index] == "=" else { continue }
            index = text.index(after: index)
            while index < text.endIndex && (text[index] == " " || text[index] == "\t") { index = text.index(after: index) }
            var value = ""
            if index < text.endIndex && text[index] == "\"" {
                index = text.index(after: index)
                while index < text.endIndex && text[index] != "\"" {
                    if text[index] == "\\" {
                        index = text.index(after: index)
                        if index == text.endIndex { break }
                    }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                if index < text.endIndex { index = text.index(after: index) }
                while index < text.endIndex && text[index] != ";" { index = text.index(after: index) }
            } else {
                while index < text.endIndex && text[index] != ";" {
                    value.append(text[index])
                    index = text.index(after: index)
                }
                value = value.trimmingCharacters(" \t")
            }
            guard !name.isEmpty else { continue }
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
            var bytes: [UInt8] = []
            for key in sections.keys.sorted() {
                let (value, encoded) = sections[key]!
                bytes += encoded ? percentDecode(value) : Array(value.utf8)
            }
            let charset = extendedCharset[name].flatMap { $0.isEmpty ? nil : $0 } ?? "utf-8"
            parameters[name] = CharsetDecoder.decode(bytes, declared: charset).text
        }
        for (name, value) in parameters where value.contains("=?") {
            parameters[name] = EncodedWords.decode(Array(value.utf8)).text
        }
        let lowered = token.lowercased()
        return ContentType(value: lowered.isEmpty ? "" : lowered, parameters: parameters)
    }

    /// Removes RFC 5322 comments `( … )` outside quoted strings.
    static func stripComments(_ raw: [UInt8]) -> String {
        let decoded = raw.allSatisfy { $0 < 0x80 } ? String(decoding: raw, as: UTF8.self) : CharsetDecoder.decode(raw, declared: "utf-8").text
        var result = ""
        var depth = 0
        var quoted = false
        var escaped = false
        for character in decoded {
            if escaped {
                escaped = false
                if depth == 0 { result.append(character) }
                continue
            }
            switch character {
            case "\\":
                escaped = true
                if depth == 0 { result.append(character) }
            case "\"" where depth == 0:
                quoted.toggle()
                result.append(character)
            case "(" where !quoted:
                depth += 1
            case ")" where !quoted && depth > 0:
                depth -= 1
            default:
                if depth == 0 { result.append(character) }
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
