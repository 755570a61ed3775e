import Foundation

/// Turns HTML into the text a person would read, and collects its links. Scripts, styles and comments are
/// dropped; block elements become line breaks; entities are decoded. It never executes or fetches anything.
public enum HTMLText {
    /// The readable text of `html`.
    public static func text(from html: String) -> String {
        convert(html).text
    }

    /// The `href` and `src` targets in `html`, in order, without duplicates.
    public static func links(in html: String) -> [String] {
        convert(html).links
    }

    static func convert(_ html: String) -> (text: String, links: [String]) {
        let scalars = Array(html.unicodeScalars)
        var output = String.UnicodeScalarView()
        var links: [String] = []
        var seen: Set<String> = []
        var i = 0
        var skipUntil: String?
        func lower(_ range: Range<Int>) -> String {
            String(String.UnicodeScalarView(scalars[range])).lowercased()
        }
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar == "<" {
                // Comments.
                if i + 3 < scalars.count, scalars[i + 1] == "!", scalars[i + 2] == "-", scalars[i + 3] == "-" {
                    var j = i + 4
                    while j + 2 < scalars.count && !(scalars[j] == "-" && scalars[j + 1] == "-" && scalars[j + 2] == ">") { j += 1 }
                    i = min(j + 3, scalars.count)
                    continue
                }
                var j = i + 1
                var quote: Unicode.Scalar?
                while j < scalars.count {
                    let c = scalars[j]
                    if let q = quote {
                        if c == q { quote = nil }
                    } else if c == "\"" || c == "'" {
                        quote = c
                    } else if c == ">" {
                        break
                    }
                    j += 1
                }
                let tag = lower((i + 1)..<min(j, scalars.count))
                i = min(j + 1, scalars.count)
                let closing = tag.hasPrefix("/")
                let name = String((closing ? tag.dropFirst() : tag[...]).prefix { !$0.isWhitespace && $0 != "/" && $0 != ">" })
                if let until = skipUntil {
                    if closing && name == until { skipUntil = nil }
                    continue
                }
                if !closing && (name == "script" || name == "style" || name == "head" || name == "title") && !tag.hasSuffix("/") {
                    skipUntil = name
                    continue
                }
                if ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "hr"].contains(name) {
                    output.append("\n")
                } else if name == "td" || name == "th" {
                    output.append(" ")
                }
                for attribute in ["href", "src"] {
                    if let link = attributeValue(tag, attribute), !link.isEmpty, !link.hasPrefix("#"), !link.hasPrefix("cid:") {
                        let decoded = decodeEntities(link)
                        if seen.insert(decoded).inserted { links.append(decoded) }
                    }
                }
                continue
            }
            // Line breaks in HTML source are only whitespace; tags make the lines.
            if skipUntil == nil { output.append(scalar == "\n" || scalar == "\r" || scalar == "\t" ? " " : scalar) }
            i += 1
        }
        let text = decodeEntities(String(output))
        return (collapse(text), links)
    }

    private static func attributeValue(_ tag: String, _ name: String) -> String? {
        guard let range = tag.range(of: name + "=") else { return nil }
        let rest = tag[range.upperBound...]
        if let first = rest.first, first == "\"" || first == "'" {
            let body = rest.dropFirst()
            return String(body.prefix { $0 != first })
        }
        return String(rest.prefix { !$0.isWhitespace && $0 != ">" })
    }

    /// Collapses runs of spaces and blank lines the way a browser would show them.
    private static func collapse(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{A0}" })
            lines.append(words.joined(separator: " "))
        }
        var result: [String] = []
        for line in lines where !(line.isEmpty && (result.last?.isEmpty ?? true)) { result.append(line) }
        while result.first?.isEmpty == true { result.removeFirst() }
        while result.last?.isEmpty == true { result.removeLast() }
        return result.joined(separator: "\n")
    }

    static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®",
        "yen": "¥", "euro": "€", "hellip": "…", "mdash": "—", "ndash": "–", "laquo": "«", "raquo": "»", "middot": "·",
        "times": "×", "rarr": "→", "larr": "←", "trade": "™", "zwnj": "", "zwj": "",
    ]

    /// Decodes `&name;`, `&#NN;` and `&#xHH;`.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") {
                let name = text[text.index(after: index)..<semicolon]
                var replacement: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if name.hasPrefix("#") {
                    replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    replacement = entities[String(name)]
                }
                if let replacement {
                    output += replacement
                    index = text.index(after: semicolon)
                    continue
                }
            }
            output.append(character)
            index = text.index(after: index)
        }
        return output
    }
}
