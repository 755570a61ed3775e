/// A small XML reader for report files (DMARC aggregate reports) and spreadsheet parts (XLSX claim lists in
/// `MoguraLegal`): elements, their attributes, text with the predefined and numeric character references. It never fetches or expands external entities, skips DTDs,
/// comments and processing instructions, and limits depth and element count.
///
/// Written by hand because FoundationXML's `XMLParser` on Linux crashed (a trap inside libFoundationXML) on
/// mutated DMARC reports in this project's fuzz test: a parser of hostile input must not take the process down.
package enum SimpleXML {
    /// An element: its local name (namespace prefix removed), its attributes (local names), its text and its
    /// children.
    package final class Element {
        package let name: String
        package var attributes: [String: String] = [:]
        package var text = ""
        package var children: [Element] = []

        init(name: String) { self.name = name }

        /// The first descendant along a `/`-separated path of child names.
        package func child(_ path: String) -> Element? {
            var current: Element? = self
            for part in path.split(separator: "/") { current = current?.children.first { $0.name == part } }
            return current
        }

        /// The trimmed text of the element at `path`, or nil when absent or empty.
        package func value(_ path: String) -> String? {
            child(path).map { $0.text.trimmingCharacters(" \t\r\n") }.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    package struct ParseError: Error, CustomStringConvertible {
        package var description: String
    }

    static let maximumDepth = 32
    static let maximumElements = 1_000_000

    /// Parses a document and returns its root element.
    package static func parse(_ bytes: [UInt8]) throws(ParseError) -> Element {
        var stack: [Element] = []
        var root: Element?
        var elements = 0
        var i = 0
        let count = bytes.count
        var textStart = 0
        func flushText(_ end: Int) {
            guard let top = stack.last, end > textStart else { return }
            top.text += decodeReferences(String(decoding: bytes[textStart..<end], as: UTF8.self))
        }
        while i < count {
            guard bytes[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            flushText(i)
            if starts(bytes, i, "<!--") {
                i = find(bytes, from: i + 4, "-->").map { $0 + 3 } ?? count
            } else if starts(bytes, i, "<![CDATA[") {
                let end = find(bytes, from: i + 9, "]]>") ?? count
                stack.last?.text += String(decoding: bytes[(i + 9)..<end], as: UTF8.self)
                i = min(end + 3, count)
            } else if starts(bytes, i, "<?") {
                i = find(bytes, from: i + 2, "?>").map { $0 + 2 } ?? count
            } else if starts(bytes, i, "<!") {
                // A DOCTYPE, possibly with an internal subset in brackets: skipped, never expanded.
                var depth = 0
                var j = i + 2
                while j < count {
                    if bytes[j] == UInt8(ascii: "[") { depth += 1 }
                    if bytes[j] == UInt8(ascii: "]") { depth -= 1 }
                    if bytes[j] == UInt8(ascii: ">") && depth <= 0 { break }
                    j += 1
                }
                i = j + 1
            } else {
                guard let close = tagEnd(bytes, from: i + 1) else { throw ParseError(description: "unterminated tag at byte \(i)") }
                let isEnd = bytes[i + 1] == UInt8(ascii: "/")
                let selfClosing = bytes[close - 1] == UInt8(ascii: "/")
                var nameEnd = i + (isEnd ? 2 : 1)
                let nameStart = nameEnd
                while nameEnd < close && !isSpace(bytes[nameEnd]) && bytes[nameEnd] != UInt8(ascii: "/") { nameEnd += 1 }
                var name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
                if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
                guard !name.isEmpty else { throw ParseError(description: "a tag without a name at byte \(i)") }
                if isEnd {
                    // Close up to the matching element; a stray end tag is ignored.
                    if let match = stack.lastIndex(where: { $0.name == name }) { stack.removeSubrange(match...) }
                } else {
                    elements += 1
                    guard elements <= maximumElements else { throw ParseError(description: "more than \(maximumElements) elements") }
                    let element = Element(name: name)
                    element.attributes = attributes(bytes[nameEnd..<(selfClosing ? close - 1 : close)])
                    if let parent = stack.last {
                        parent.children.append(element)
                    } else if root == nil {
                        root = element
                    } else {
                        throw ParseError(description: "more than one root element")
                    }
                    if !selfClosing {
                        stack.append(element)
                        guard stack.count <= maximumDepth else { throw ParseError(description: "nested deeper than \(maximumDepth)") }
                    }
                }
                i = close + 1
            }
            textStart = i
        }
        guard let root else { throw ParseError(description: "no element") }
        return root
    }

    /// `name="value"` pairs of a start tag (namespace prefixes removed from names, references decoded in values);
    /// anything malformed ends the list rather than failing the document.
    static func attributes(_ bytes: ArraySlice<UInt8>) -> [String: String] {
        var result: [String: String] = [:]
        var i = bytes.startIndex
        while i < bytes.endIndex {
            while i < bytes.endIndex && isSpace(bytes[i]) { i += 1 }
            let nameStart = i
            while i < bytes.endIndex && bytes[i] != UInt8(ascii: "=") && !isSpace(bytes[i]) { i += 1 }
            guard i > nameStart else { break }
            var name = String(decoding: bytes[nameStart..<i], as: UTF8.self)
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            while i < bytes.endIndex && isSpace(bytes[i]) { i += 1 }
            guard i < bytes.endIndex, bytes[i] == UInt8(ascii: "=") else { break }
            i += 1
            while i < bytes.endIndex && isSpace(bytes[i]) { i += 1 }
            guard i < bytes.endIndex, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { break }
            let quote = bytes[i]
            let valueStart = i + 1
            guard let valueEnd = bytes[valueStart...].firstIndex(of: quote) else { break }
            result[name] = decodeReferences(String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self))
            i = valueEnd + 1
        }
        return result
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private static func starts(_ bytes: [UInt8], _ at: Int, _ prefix: StaticString) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard at + length <= bytes.count else { return false }
        return prefix.withUTF8Buffer { bytes[at..<(at + length)].elementsEqual($0) }
    }

    private static func find(_ bytes: [UInt8], from: Int, _ needle: StaticString) -> Int? {
        var i = from
        while i < bytes.count {
            if starts(bytes, i, needle) { return i }
            i += 1
        }
        return nil
    }

    /// The `>` ending a tag, skipping quoted attribute values.
    private static func tagEnd(_ bytes: [UInt8], from: Int) -> Int? {
        var quote: UInt8?
        var i = from
        while i < bytes.count {
            let byte = bytes[i]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return i
            }
            i += 1
        }
        return nil
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric references; anything else is kept as written.
    static func decodeReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return HTMLText.decodeEntities(text)
    }
}
