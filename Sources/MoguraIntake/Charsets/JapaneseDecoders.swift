/// Table-driven decoders for the three Japanese mail charsets. Each returns the number of bytes or sequences
/// that did not decode (written as U+FFFD).
enum JapaneseDecoders {
    /// The CP932 code unit for a JIS X 0208 row/cell pair (both 0x21-0x7E), via the Shift_JIS transformation.
    @inline(__always)
    static func cp932Unit(jis1: UInt8, jis2: UInt8) -> UInt16 {
        let lead = UInt8((Int(jis1) + 1) / 2 + (jis1 <= 0x5E ? 0x70 : 0xB0))
        let trail: UInt8 = jis1 & 1 == 1 ? jis2 + (jis2 >= 0x60 ? 0x20 : 0x1F) : jis2 + 0x7E
        guard let index = CharsetTables.cp932Index(lead: lead, trail: trail) else { return 0 }
        return CharsetTables.cp932[index]
    }

    /// ISO-2022-JP (RFC 1468) with the CP50220/CP50221 extensions.
    static func iso2022JP(_ input: [UInt8], into output: inout UTF8Output) -> Int {
        enum Mode { case ascii, roman, jisX0208, jisX0212, katakana }
        var mode = Mode.ascii
        var shiftedOut = false
        var errors = 0
        var i = 0
        let count = input.count
        while i < count {
            let byte = input[i]
            if byte == 0x1B {
                // Escape sequences switch the graphic set.
                if i + 2 < count {
                    let a = input[i + 1]
                    let b = input[i + 2]
                    switch (a, b) {
                    case (0x28, 0x42): mode = .ascii; i += 3; continue  // ESC ( B
                    case (0x28, 0x4A), (0x28, 0x48): mode = .roman; i += 3; continue  // ESC ( J, ESC ( H
                    case (0x28, 0x49): mode = .katakana; i += 3; continue  // ESC ( I
                    case (0x24, 0x40), (0x24, 0x42): mode = .jisX0208; i += 3; continue  // ESC $ @, ESC $ B
                    case (0x24, 0x28) where i + 3 < count:
                        switch input[i + 3] {
                        case 0x44: mode = .jisX0212; i += 4; continue  // ESC $ ( D
                        case 0x42, 0x4F, 0x51: mode = .jisX0208; i += 4; continue  // ESC $ ( B, JIS X 0213 plane 1
                        default: break
                        }
                    case (0x26, 0x40) where i + 5 < count && input[i + 3] == 0x1B:  // ESC & @ ESC $ B (JIS X 0208-1990)
                        i += 3
                        continue
                    default: break
                    }
                }
                errors += 1
                output.appendReplacement()
                i += 1
                continue
            }
            if byte == 0x0E {
                shiftedOut = true
                i += 1
                continue
            }
            if byte == 0x0F {
                shiftedOut = false
                i += 1
                continue
            }
            if byte < 0x21 || byte == 0x7F {
                // Controls, space and line ends pass through in every mode.
                output.appendASCII(byte)
                i += 1
                continue
            }
            if byte >= 0x80 {
                errors += 1
                output.appendReplacement()
                i += 1
                continue
            }
            if shiftedOut || mode == .katakana {
                if byte <= 0x5F {
                    output.append(UInt32(byte) - 0x21 + 0xFF61)
                } else {
                    errors += 1
                    output.appendReplacement()
                }
                i += 1
                continue
            }
            switch mode {
            case .ascii:
                output.appendASCII(byte)
                i += 1
            case .roman:
                // JIS X 0201 Roman differs from ASCII in two places.
                output.append(byte == 0x5C ? 0xA5 : byte == 0x7E ? 0x203E : UInt32(byte))
                i += 1
            case .jisX0208, .jisX0212:
                guard i + 1 < count, input[i + 1] >= 0x21, input[i + 1] <= 0x7E else {
                    errors += 1
                    output.appendReplacement()
                    i += 1
                    continue
                }
                let second = input[i + 1]
                let unit: UInt16
                if mode == .jisX0208 {
                    unit = cp932Unit(jis1: byte, jis2: second)
                } else {
                    unit = CharsetTables.eucJP0212[Int(byte - 0x21) * 94 + Int(second - 0x21)]
                }
                if unit == 0 {
                    errors += 1
                    output.appendReplacement()
                } else {
                    output.append(UInt32(unit))
                }
                i += 2
            case .katakana:
                i += 1
            }
        }
        return errors
    }

    /// Shift_JIS as CP932.
    static func shiftJIS(_ input: [UInt8], into output: inout UTF8Output) -> Int {
        var errors = 0
        var i = 0
        let count = input.count
        while i < count {
            let byte = input[i]
            if byte < 0x80 {
                output.appendASCII(byte)
                i += 1
                continue
            }
            if i + 1 < count, let index = CharsetTables.cp932Index(lead: byte, trail: input[i + 1]) {
                let unit = CharsetTables.cp932[index]
                if unit != 0 {
                    output.append(UInt32(unit))
                    i += 2
                    continue
                }
            }
            let single = CharsetTables.cp932SingleBytes[Int(byte) - 0x80]
            if single != 0 && !(0x81...0x9F).contains(byte) && !(0xE0...0xFC).contains(byte) {
                output.append(UInt32(single))
            } else {
                errors += 1
                output.appendReplacement()
                // A lead byte followed by an invalid trail: the trail is read again on its own, as Python does,
                // unless it could only be a trail byte.
                if i + 1 < count && input[i + 1] >= 0x80 && CharsetTables.cp932Index(lead: byte, trail: input[i + 1]) != nil {
                    i += 1
                }
            }
            i += 1
        }
        return errors
    }

    /// EUC-JP (JIS X 0208, JIS X 0212 after 0x8F, half-width katakana after 0x8E).
    static func eucJP(_ input: [UInt8], into output: inout UTF8Output) -> Int {
        var errors = 0
        var i = 0
        let count = input.count
        while i < count {
            let byte = input[i]
            if byte < 0x80 {
                output.appendASCII(byte)
                i += 1
                continue
            }
            if byte == 0x8E, i + 1 < count, (0xA1...0xDF).contains(input[i + 1]) {
                output.append(UInt32(input[i + 1]) - 0xA1 + 0xFF61)
                i += 2
                continue
            }
            if byte == 0x8F, i + 2 < count, (0xA1...0xFE).contains(input[i + 1]), (0xA1...0xFE).contains(input[i + 2]) {
                let unit = CharsetTables.eucJP0212[Int(input[i + 1] - 0xA1) * 94 + Int(input[i + 2] - 0xA1)]
                if unit == 0 {
                    errors += 1
                    output.appendReplacement()
                } else {
                    output.append(UInt32(unit))
                }
                i += 3
                continue
            }
            if (0xA1...0xFE).contains(byte), i + 1 < count, (0xA1...0xFE).contains(input[i + 1]) {
                var unit = CharsetTables.eucJP0208[Int(byte - 0xA1) * 94 + Int(input[i + 1] - 0xA1)]
                if unit == 0 {
                    // eucJP-ms and CP51932 put the NEC extensions (row 13: ①, ㈱) where JIS X 0208 has none.
                    unit = cp932Unit(jis1: byte - 0x80, jis2: input[i + 1] - 0x80)
                }
                if unit == 0 {
                    errors += 1
                    output.appendReplacement()
                } else {
                    output.append(UInt32(unit))
                }
                i += 2
                continue
            }
            errors += 1
            output.appendReplacement()
            i += 1
        }
        return errors
    }
}
