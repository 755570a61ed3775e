/// Decoding tables for the charsets Foundation on Linux cannot decode, or not leniently.
///
/// The hex strings in `Generated/` come from Python's codecs (`scripts/generate-charset-tables.py`) and are
/// turned into arrays of UTF-16 code units on first use; 0 means "no character here".
enum CharsetTables {
    static let cp932: [UInt16] = parse(cp932Hex)
    static let cp932SingleBytes: [UInt16] = parse(cp932SingleHex)
    static let eucJP0208: [UInt16] = parse(eucJP0208Hex)
    static let eucJP0212: [UInt16] = parse(eucJP0212Hex)

    /// The single-byte charsets by canonical name, each 128 entries for bytes 0x80-0xFF.
    static let singleByte: [String: [UInt16]] = [
        "iso-8859-1": parse(iso88591Hex), "iso-8859-2": parse(iso88592Hex), "iso-8859-3": parse(iso88593Hex),
        "iso-8859-4": parse(iso88594Hex), "iso-8859-5": parse(iso88595Hex), "iso-8859-6": parse(iso88596Hex),
        "iso-8859-7": parse(iso88597Hex), "iso-8859-8": parse(iso88598Hex), "iso-8859-9": parse(iso88599Hex),
        "iso-8859-10": parse(iso885910Hex), "iso-8859-11": parse(iso885911Hex), "iso-8859-13": parse(iso885913Hex),
        "iso-8859-14": parse(iso885914Hex), "iso-8859-15": parse(iso885915Hex), "iso-8859-16": parse(iso885916Hex),
        "windows-1250": parse(cp1250Hex), "windows-1251": parse(cp1251Hex), "windows-1252": parse(cp1252Hex),
        "windows-1253": parse(cp1253Hex), "windows-1254": parse(cp1254Hex), "windows-1255": parse(cp1255Hex),
        "windows-1256": parse(cp1256Hex), "windows-1257": parse(cp1257Hex), "windows-1258": parse(cp1258Hex),
        "koi8-r": parse(koi8rHex), "koi8-u": parse(koi8uHex), "windows-874": parse(cp874Hex),
    ]

    /// Index into ``cp932`` for a lead and trail byte, or `nil` when they cannot form a double-byte character.
    @inline(__always)
    static func cp932Index(lead: UInt8, trail: UInt8) -> Int? {
        let row: Int
        switch lead {
        case 0x81...0x9F: row = Int(lead) - 0x81
        case 0xE0...0xFC: row = Int(lead) - 0xE0 + 31
        default: return nil
        }
        let column: Int
        switch trail {
        case 0x40...0x7E: column = Int(trail) - 0x40
        case 0x80...0xFC: column = Int(trail) - 0x80 + 63
        default: return nil
        }
        return row * 188 + column
    }

    private static func parse(_ hex: String) -> [UInt16] {
        var values: [UInt16] = []
        values.reserveCapacity(hex.utf8.count / 4)
        var current: UInt16 = 0
        var digits = 0
        for byte in hex.utf8 {
            let nibble: UInt16
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt16(byte - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt16(byte - 87)
            default: continue
            }
            current = current << 4 | nibble
            digits += 1
            if digits == 4 {
                values.append(current)
                current = 0
                digits = 0
            }
        }
        return values
    }
}
