/// An RFC 4180 CSV reader over bytes that reports the line each record starts on.
///
/// Quoted fields may hold commas, doubled quotes and line breaks; CRLF and LF line ends are both accepted; a
/// UTF-8 byte-order mark is skipped. Written by hand for the line numbers and because it is a few dozen lines;
/// used by the inventory import and by feed intake.
///
/// ```swift
/// var reader = CSVReader(bytes: Array("a,b\n1,\"x,y\"\n".utf8))
/// while let record = try reader.next() { print(record.line, record.fields) }
/// ```
public struct CSVReader: Sendable {
    /// A syntax error and the line it is on.
    public struct SyntaxError: Error, Sendable {
        public var line: Int
        public var reason: String
    }

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    /// Creates a reader over the whole file.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// The next record and the line it starts on, or `nil` at the end. Blank lines are skipped.
    public mutating func next() throws(SyntaxError) -> (line: Int, fields: [String])? {
        while position < bytes.count && (bytes[position] == UInt8(ascii: "\n") || bytes[position] == UInt8(ascii: "\r")) {
            if bytes[position] == UInt8(ascii: "\n") { line += 1 }
            position += 1
        }
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var fieldWasQuoted = false
        func finish() throws(SyntaxError) {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw SyntaxError(line: startLine, reason: "field \(fields.count + 1) is not valid UTF-8 (save the file as UTF-8)")
            }
            fields.append(fieldWasQuoted ? text : text.trimmingSpaces())
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if position < bytes.count && bytes[position] == UInt8(ascii: "\"") {
                        field.append(byte)
                        position += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                try finish()
            case UInt8(ascii: "\""):
                guard field.allSatisfy({ $0 == UInt8(ascii: " ") }) else {
                    throw SyntaxError(line: line, reason: "a quote inside an unquoted field (quote the whole field and double the quote)")
                }
                field.removeAll()
                quoted = true
                fieldWasQuoted = true
            case UInt8(ascii: "\r"):
                break
            case UInt8(ascii: "\n"):
                line += 1
                try finish()
                return (startLine, fields)
            default:
                if fieldWasQuoted && byte != UInt8(ascii: " ") {
                    throw SyntaxError(line: line, reason: "text after a closing quote")
                }
                if !fieldWasQuoted { field.append(byte) }
            }
        }
        if quoted { throw SyntaxError(line: startLine, reason: "a quoted field is never closed") }
        try finish()
        return (startLine, fields)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    public func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
