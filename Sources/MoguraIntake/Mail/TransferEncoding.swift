/// Content-Transfer-Encoding decoders (RFC 2045 §6). Both are lenient, as mail in the wild requires: characters
/// outside the alphabet are skipped, missing padding is tolerated, and a malformed `=` in quoted-printable is kept
/// as it is.
enum TransferDecoding {
    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8).enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        // The URL-safe alphabet appears in the wild too.
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Decodes base64, ignoring line breaks and any byte outside the alphabet; stops at the first `=`.
    /// - Returns: the bytes and whether anything other than whitespace had to be skipped.
    static func base64<C: Collection<UInt8>>(_ input: C, limit: Int = .max) -> (bytes: [UInt8], damaged: Bool) {
        var output: [UInt8] = []
        output.reserveCapacity(Swift.min(input.count * 3 / 4 + 3, limit))
        var accumulator: UInt32 = 0
        var bits = 0
        var damaged = false
        var padded = false
        base64Values.withUnsafeBufferPointer { table in
            for byte in input {
                let value = table[Int(byte)]
                if padded {
                    // After the padding only more padding or whitespace may follow.
                    if byte != UInt8(ascii: "=") && byte != 0x0A && byte != 0x0D && byte != 0x20 && byte != 0x09 {
                        damaged = true
                        break
                    }
                    continue
                }
                if value == 0xFF {
                    if byte == UInt8(ascii: "=") {
                        padded = true
                        continue
                    }
                    if byte != 0x0A && byte != 0x0D && byte != 0x20 && byte != 0x09 { damaged = true }
                    continue
                }
                accumulator = accumulator << 6 | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                    if output.count >= limit { break }
                }
            }
        }
        return (output, damaged)
    }

    /// Decodes quoted-printable: `=XX` escapes and `=` soft line breaks; with `underscoreIsSpace`, the RFC 2047 "Q"
    /// variant.
    static func quotedPrintable<C: Collection<UInt8>>(_ input: C, underscoreIsSpace: Bool = false) -> (bytes: [UInt8], damaged: Bool)
    where C.Index == Int {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var damaged = false
        var i = input.startIndex
        let end = input.endIndex
        while i < end {
            let byte = input[i]
            if byte == UInt8(ascii: "=") {
                if i + 2 < end + 0, let high = hex(input[i + 1]), let low = hex(input[i + 2]) {
                    output.append(high << 4 | low)
                    i += 3
                    continue
                }
                // Soft line break: "=" then optional trailing whitespace, then CRLF or LF.
                var j = i + 1
                while j < end && (input[j] == 0x20 || input[j] == 0x09) { j += 1 }
                if j < end && input[j] == 0x0D { j += 1 }
                if j < end && input[j] == 0x0A {
                    i = j + 1
                    continue
                }
                if j == end {
                    i = j
                    continue
                }
                damaged = true
                output.append(byte)
                i += 1
                continue
            }
            if underscoreIsSpace && byte == UInt8(ascii: "_") {
                output.append(0x20)
            } else {
                output.append(byte)
            }
            i += 1
        }
        return (output, damaged)
    }

    @inline(__always)
    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 48
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 55
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 87
        default: nil
        }
    }
}
