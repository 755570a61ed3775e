import CompressNIO
import NIOCore

/// The decoding layers obfuscated PHP hides behind, undone so the rules can read what they hide.
///
/// Each finds its own call sites: a decoder call whose argument is a string literal (`base64_decode('…')`, and
/// chains such as `eval(gzinflate(base64_decode('…')))`, undone innermost first), runs of `\xHH` or octal
/// escapes, `chr(N).chr(N)…` concatenations, and long base64-looking literals assigned for later. Output is bounded
/// (`limit` bytes per layer); a layer that does not decode is skipped, never an error.
public enum ScanDecoders {
    /// One revealed layer: what undid it and the bytes.
    public struct Layer: Sendable {
        /// The functions undone, outermost last (e.g. `["base64_decode", "gzinflate"]`).
        public var steps: [String]
        /// Where in the input the encoded text starts.
        public var offset: Int
        public var bytes: [UInt8]
    }

    static let functions: [String: @Sendable ([UInt8], Int) -> [UInt8]?] = [
        "base64_decode": { input, limit in base64(input, limit: limit) },
        "gzinflate": { input, limit in inflate(input, algorithm: .deflate(), limit: limit) },
        "gzuncompress": { input, limit in inflate(input, algorithm: .zlib(), limit: limit) },
        "gzdecode": { input, limit in inflate(input, algorithm: .gzip(), limit: limit) },
        "str_rot13": { input, _ in rot13(input) },
        "strrev": { input, _ in Array(input.reversed()) },
        "hex2bin": { input, limit in hex(input, limit: limit) },
        "rawurldecode": { input, limit in percent(input, limit: limit) },
        "urldecode": { input, limit in percent(input, limit: limit) },
    ]

    /// Every layer directly under `bytes` (not recursively; the scanner rescans each layer).
    /// - Parameters:
    ///   - limit: the most bytes one layer may decode to.
    ///   - maximumLayers: the most layers taken from one input.
    ///   - calls, escapes, chr: which kinds to look for (a caller that knows the text holds no decoder name, no
    ///     `\x` and no `chr(` skips those passes).
    public static func layers(
        of bytes: [UInt8], limit: Int = 4 << 20, maximumLayers: Int = 64, calls: Bool = true, escapes: Bool = true, chr: Bool = true
    ) -> [Layer] {
        var found: [Layer] = []
        if calls { Self.calls(in: bytes, limit: limit, into: &found, maximum: maximumLayers) }
        if escapes { Self.escapes(in: bytes, limit: limit, into: &found, maximum: maximumLayers) }
        if chr { chrChains(in: bytes, into: &found, maximum: maximumLayers) }
        return found
    }

    // MARK: - Decoder calls on literals

    /// `name(` … `'literal'` with only decoder calls between: the chain undone innermost first.
    static func calls(in bytes: [UInt8], limit: Int, into found: inout [Layer], maximum: Int) {
        var index = 0
        let count = bytes.count
        while index < count, found.count < maximum {
            // A string literal: look back for the chain of decoder calls that opens right before it.
            let quote = bytes[index]
            guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                index += 1
                continue
            }
            guard let (range, end) = literal(in: bytes, from: index) else {
                index += 1
                continue
            }
            let chain = callChain(before: index, in: bytes)
            if !chain.isEmpty, range.count >= 8 {
                let content = Array(bytes[range])
                var value = quote == UInt8(ascii: "\"") ? unescape(content) : content
                var steps: [String] = []
                for name in chain.reversed() {  // innermost first
                    guard let decoder = functions[name], let next = decoder(value, limit), !next.isEmpty else { break }
                    value = next
                    steps.append(name)
                }
                if !steps.isEmpty { found.append(Layer(steps: steps, offset: index, bytes: value)) }
            } else if range.count >= 200, let decoded = base64(Array(bytes[range]), limit: limit), looksLikeText(decoded) {
                // A long base64 literal kept for later (`$x = '…'; eval(base64_decode($x));`).
                found.append(Layer(steps: ["base64 literal"], offset: index, bytes: decoded))
            }
            index = end
        }
    }

    /// The decoder function names called, nested, immediately before `position` (outermost first).
    static func callChain(before position: Int, in bytes: [UInt8]) -> [String] {
        var chain: [String] = []
        var index = position - 1
        while true {
            while index >= 0, isSpace(bytes[index]) { index -= 1 }
            guard index >= 0, bytes[index] == UInt8(ascii: "(") else { break }
            index -= 1
            while index >= 0, isSpace(bytes[index]) { index -= 1 }
            let nameEnd = index + 1
            while index >= 0, isIdentifier(bytes[index]) { index -= 1 }
            let name = String(decoding: bytes[(index + 1)..<nameEnd], as: UTF8.self).lowercased()
            guard functions[name] != nil else { break }
            chain.insert(name, at: 0)
            if chain.count >= 8 { break }
        }
        return chain
    }

    /// A PHP string literal starting at `start` (a quote): where its raw content is and the index after the closing
    /// quote.
    static func literal(in bytes: [UInt8], from start: Int) -> (Range<Int>, Int)? {
        let quote = bytes[start]
        var index = start + 1
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if bytes[index] == quote { return ((start + 1)..<index, index + 1) }
            index += 1
        }
        return nil
    }

    // MARK: - Names assembled from pieces

    /// Function names that code assembles from string pieces to hide them (`'ev'.'al'`, `"sys" . "tem"`).
    static let hiddenNames: Set<String> = [
        "eval", "assert", "system", "exec", "shell_exec", "passthru", "popen", "proc_open", "pcntl_exec", "create_function",
        "base64_decode", "gzinflate", "gzuncompress", "str_rot13", "call_user_func", "preg_replace", "file_put_contents",
        "move_uploaded_file",
    ]

    /// Names from ``hiddenNames`` written as two or more short string literals joined with `.`: each with where it
    /// starts.
    public static func splitNames(in bytes: [UInt8]) -> [(name: String, offset: Int)] {
        var found: [(String, Int)] = []
        var index = 0
        let count = bytes.count
        while index < count, found.count < 16 {
            let quote = bytes[index]
            guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                index += 1
                continue
            }
            let start = index
            var joined: [UInt8] = []
            var pieces = 0
            var cursor = index
            while cursor < count, bytes[cursor] == UInt8(ascii: "'") || bytes[cursor] == UInt8(ascii: "\""), joined.count <= 24 {
                let open = bytes[cursor]
                var end = cursor + 1
                while end < count, end - cursor <= 17, bytes[end] != open, bytes[end] != UInt8(ascii: "\\"), bytes[end] != 0x0A { end += 1 }
                guard end < count, bytes[end] == open, end > cursor + 1 else { break }
                joined += bytes[(cursor + 1)..<end]
                pieces += 1
                var next = end + 1
                while next < count, isSpace(bytes[next]) { next += 1 }
                guard next < count, bytes[next] == UInt8(ascii: ".") else {
                    cursor = end + 1
                    break
                }
                next += 1
                while next < count, isSpace(bytes[next]) { next += 1 }
                cursor = next
            }
            if pieces >= 2, hiddenNames.contains(String(decoding: joined, as: UTF8.self).lowercased()) {
                found.append((String(decoding: joined, as: UTF8.self).lowercased(), start))
            }
            index = max(cursor, start + 1)
        }
        return found
    }

    // MARK: - Escapes and chr()

    /// Runs of at least eight `\xHH` or `\NNN` escapes: the bytes they stand for.
    static func escapes(in bytes: [UInt8], limit: Int, into found: inout [Layer], maximum: Int) {
        var index = 0
        let count = bytes.count
        while index + 3 < count, found.count < maximum {
            guard bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "x") || isOctal(bytes[index + 1]) else {
                index += 1
                continue
            }
            let start = index
            var decoded: [UInt8] = []
            var escapes = 0
            while index + 1 < count, bytes[index] == UInt8(ascii: "\\"), decoded.count < limit {
                if bytes[index + 1] == UInt8(ascii: "x") || bytes[index + 1] == UInt8(ascii: "X"), index + 2 < count,
                    let high = hexValue(bytes[index + 2])
                {
                    if index + 3 < count, let low = hexValue(bytes[index + 3]) {
                        decoded.append(high << 4 | low)
                        index += 4
                    } else {
                        decoded.append(high)
                        index += 3
                    }
                } else if isOctal(bytes[index + 1]) {
                    var value = 0
                    var digits = 0
                    while digits < 3, index + 1 + digits < count, isOctal(bytes[index + 1 + digits]) {
                        value = value * 8 + Int(bytes[index + 1 + digits] - UInt8(ascii: "0"))
                        digits += 1
                    }
                    decoded.append(UInt8(truncatingIfNeeded: value))
                    index += 1 + digits
                } else {
                    break
                }
                escapes += 1
                // Plain characters between escapes belong to the same string.
                while index < count, bytes[index] != UInt8(ascii: "\\"), bytes[index] != UInt8(ascii: "\""),
                    bytes[index] != UInt8(ascii: "'"), bytes[index] >= 0x20, decoded.count < limit
                {
                    decoded.append(bytes[index])
                    index += 1
                }
            }
            if escapes >= 8 { found.append(Layer(steps: ["escapes"], offset: start, bytes: decoded)) }
            index = max(index, start + 1)
        }
    }

    /// Runs of at least four `chr(N)` joined by `.`: the characters.
    static func chrChains(in bytes: [UInt8], into found: inout [Layer], maximum: Int) {
        let name = Array("chr(".utf8)
        var index = 0
        let count = bytes.count
        while index + 4 < count, found.count < maximum {
            guard matchesFolded(name, in: bytes, at: index) else {
                index += 1
                continue
            }
            let start = index
            var decoded: [UInt8] = []
            while index + 4 < count, matchesFolded(name, in: bytes, at: index) {
                var cursor = index + 4
                while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                var value = 0
                var digits = 0
                while cursor < count, bytes[cursor] >= UInt8(ascii: "0"), bytes[cursor] <= UInt8(ascii: "9"), digits < 4 {
                    value = value * 10 + Int(bytes[cursor] - UInt8(ascii: "0"))
                    cursor += 1
                    digits += 1
                }
                while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                guard digits > 0, cursor < count, bytes[cursor] == UInt8(ascii: ")") else { break }
                decoded.append(UInt8(truncatingIfNeeded: value))
                cursor += 1
                while cursor < count, isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: ".") { cursor += 1 }
                index = cursor
            }
            if decoded.count >= 4 { found.append(Layer(steps: ["chr"], offset: start, bytes: decoded)) }
            index = max(index, start + 1)
        }
    }

    // MARK: - The transformations

    static func base64(_ input: [UInt8], limit: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(min(input.count * 3 / 4, limit))
        var buffer: UInt32 = 0
        var bits = 0
        var symbols = 0
        var others = 0
        for byte in input {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="): continue
            default:
                others += 1
                continue
            }
            symbols += 1
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                if output.count >= limit { break }
            }
        }
        // PHP skips characters outside the alphabet; text that is mostly not base64 is not an encoding.
        guard symbols >= 4, others * 10 <= symbols else { return nil }
        return output
    }

    static func inflate(_ input: [UInt8], algorithm: CompressionAlgorithm, limit: Int) -> [UInt8]? {
        var buffer = ByteBuffer(bytes: input)
        guard let output = try? buffer.decompress(with: algorithm, maxSize: limit) else { return nil }
        return Array(output.readableBytesView)
    }

    static func rot13(_ input: [UInt8]) -> [UInt8] {
        input.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): (byte - UInt8(ascii: "a") + 13) % 26 + UInt8(ascii: "a")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): (byte - UInt8(ascii: "A") + 13) % 26 + UInt8(ascii: "A")
            default: byte
            }
        }
    }

    static func hex(_ input: [UInt8], limit: Int) -> [UInt8]? {
        guard input.count % 2 == 0 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index + 1 < input.count, output.count < limit {
            guard let high = hexValue(input[index]), let low = hexValue(input[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }

    static func percent(_ input: [UInt8], limit: Int) -> [UInt8]? {
        var output: [UInt8] = []
        var index = 0
        while index < input.count, output.count < limit {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count, let high = hexValue(input[index + 1]),
                let low = hexValue(input[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(input[index] == UInt8(ascii: "+") ? UInt8(ascii: " ") : input[index])
                index += 1
            }
        }
        return output
    }

    /// Double-quoted PHP string escapes that matter for an encoded payload (`\\`, `\"`, `\$`, `\n`).
    static func unescape(_ input: [UInt8]) -> [UInt8] {
        guard input.contains(UInt8(ascii: "\\")) else { return input }
        var output: [UInt8] = []
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "\\"), index + 1 < input.count {
                switch input[index + 1] {
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "r"): output.append(0x0D)
                default: output.append(input[index + 1])
                }
                index += 2
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return output
    }

    // MARK: - Bytes

    static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return false }
        let printable = bytes.prefix(4_096).filter { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 < 0x7F) }.count
        return printable * 10 >= min(bytes.count, 4_096) * 9
    }

    static func matchesFolded(_ needle: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= bytes.count else { return false }
        for offset in 0..<needle.count {
            var byte = bytes[index + offset]
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if byte != needle[offset] { return false }
        }
        return true
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
    static func isOctal(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") }
    static func isIdentifier(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
