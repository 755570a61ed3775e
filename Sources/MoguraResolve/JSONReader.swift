/// A small JSON (RFC 8259) reader that remembers the line of every value.
///
/// Written by hand because error messages must name the line (`inventory.json:42: valid_to: …`) and neither
/// Foundation's `JSONDecoder` nor `JSONSerialization` reports positions. It reads bytes, keeps numbers as their
/// text, and limits nesting depth so hostile input cannot exhaust the stack.
struct JSONReader {
    /// A parsed value and the line it starts on.
    struct Value {
        enum Kind {
            case object([(key: String, value: Value)])
            case array([Value])
            case string(String)
            case number(String)
            case bool(Bool)
            case null
        }

        var kind: Kind
        var line: Int

        var typeName: String {
            switch kind {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number: "a number"
            case .bool: "true or false"
            case .null: "null"
            }
        }
    }

    /// A syntax error with its line.
    struct SyntaxError: Error {
        var line: Int
        var reason: String
    }

    static let maximumDepth = 64

    private let bytes: [UInt8]
    private(set) var position = 0
    private(set) var line = 1

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte-order mark is tolerated; spreadsheet exports write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    var atEnd: Bool { position >= bytes.count }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            position += 1
        }
    }

    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    mutating func expect(_ byte: UInt8) throws(SyntaxError) {
        guard peek() == byte else {
            throw SyntaxError(line: line, reason: "expected '\(Character(Unicode.Scalar(byte)))' but found \(describeNext())")
        }
        position += 1
    }

    /// Consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        if peek() == byte {
            position += 1
            return true
        }
        return false
    }

    func describeNext() -> String {
        guard position < bytes.count else { return "the end of the file" }
        let byte = bytes[position]
        return byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    /// Reads a string token (the opening quote must be next).
    mutating func readString() throws(SyntaxError) -> String {
        try expect(UInt8(ascii: "\""))
        var output: [UInt8] = []
        while true {
            guard position < bytes.count else { throw SyntaxError(line: line, reason: "unterminated string") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: output, as: UTF8.self) else {
                    throw SyntaxError(line: line, reason: "string is not valid UTF-8")
                }
                return string
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw SyntaxError(line: line, reason: "unterminated string") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): output.append(0x22)
                case UInt8(ascii: "\\"): output.append(0x5C)
                case UInt8(ascii: "/"): output.append(0x2F)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw SyntaxError(line: line, reason: "unpaired surrogate in \\u escape") }
                        position += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw SyntaxError(line: line, reason: "unpaired surrogate in \\u escape")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw SyntaxError(line: line, reason: "invalid \\u escape")
                    }
                    output.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw SyntaxError(line: line, reason: "invalid escape \\\(Character(Unicode.Scalar(escape)))")
                }
            case 0x00..<0x20:
                throw SyntaxError(line: line, reason: "control character in string (line breaks must be written \\n)")
            default:
                output.append(byte)
            }
        }
    }

    private mutating func readHex4() throws(SyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw SyntaxError(line: line, reason: "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
            default: throw SyntaxError(line: line, reason: "invalid \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Reads any value.
    mutating func readValue(depth: Int = 0) throws(SyntaxError) -> Value {
        guard depth < Self.maximumDepth else {
            throw SyntaxError(line: line, reason: "nested deeper than \(Self.maximumDepth) levels")
        }
        guard let byte = peek() else { throw SyntaxError(line: line, reason: "expected a value but found the end of the file") }
        let start = line
        switch byte {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(key: String, value: Value)] = []
            if consume(UInt8(ascii: "}")) { return Value(kind: .object(members), line: start) }
            repeat {
                guard peek() == UInt8(ascii: "\"") else {
                    throw SyntaxError(line: line, reason: "expected a member name in quotes but found \(describeNext())")
                }
                let key = try readString()
                try expect(UInt8(ascii: ":"))
                members.append((key, try readValue(depth: depth + 1)))
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
            return Value(kind: .object(members), line: start)
        case UInt8(ascii: "["):
            position += 1
            var elements: [Value] = []
            if consume(UInt8(ascii: "]")) { return Value(kind: .array(elements), line: start) }
            repeat {
                elements.append(try readValue(depth: depth + 1))
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
            return Value(kind: .array(elements), line: start)
        case UInt8(ascii: "\""):
            return Value(kind: .string(try readString()), line: start)
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return Value(kind: .bool(true), line: start)
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return Value(kind: .bool(false), line: start)
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return Value(kind: .null, line: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let begin = position
            while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
            let text = String(decoding: bytes[begin..<position], as: UTF8.self)
            guard Self.isValidNumber(text) else { throw SyntaxError(line: line, reason: "invalid number \(text)") }
            return Value(kind: .number(text), line: start)
        default:
            throw SyntaxError(line: line, reason: "expected a value but found \(describeNext())")
        }
    }

    private mutating func readLiteral(_ literal: StaticString) throws(SyntaxError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard position + expected.count <= bytes.count, bytes[position..<position + expected.count].elementsEqual(expected) else {
            throw SyntaxError(line: line, reason: "expected a value but found \(describeNext())")
        }
        position += expected.count
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            true
        default: false
        }
    }

    /// RFC 8259 §6 number grammar.
    private static func isValidNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits(_ slice: inout ArraySlice<UInt8>) -> Int {
            var count = 0
            while let b = slice.first, b >= 48, b <= 57 {
                slice = slice.dropFirst()
                count += 1
            }
            return count
        }
        if bytes.first == UInt8(ascii: "0") {
            bytes = bytes.dropFirst()
        } else if digits(&bytes) == 0 {
            return false
        }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            if digits(&bytes) == 0 { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            if digits(&bytes) == 0 { return false }
        }
        return bytes.isEmpty
    }
}
