import Foundation

/// Prepares free text for extraction: NFKC (full-width `１９２．０．２．１`, `ｈｔｔｐ`, `＠` become ASCII,
/// half-width katakana full-width) and re-fanging of the usual defanged forms (`hxxp`, `[.]`, `(dot)`, `[@]`,
/// `[:]`).
public enum TextNormalizer {
    /// The longest text normalised at once; beyond it, text is cut (complaints that long are attachments).
    public static let maximumLength = 1 << 20

    /// Normalises `text`.
    public static func normalize(_ text: String) -> String {
        var input = text
        if input.utf8.count > maximumLength { input = String(decoding: Array(input.utf8.prefix(maximumLength)), as: UTF8.self) }
        if needsCompatibilityMapping(input) {
            input = input.precomposedStringWithCompatibilityMapping
        }
        return refang(input)
    }

    /// Whether NFKC would change anything extraction cares about: the scalars it maps live in a few blocks
    /// (Latin-1 supplement symbols, general punctuation, letterlike and number forms, enclosed alphanumerics, CJK
    /// compatibility, the half- and full-width forms). Ordinary kana and kanji are NFKC-stable, so most Japanese
    /// text skips Foundation's normaliser, which measured as a large share of intake's time.
    static func needsCompatibilityMapping(_ text: String) -> Bool {
        for scalar in text.unicodeScalars where scalar.value >= 0xA0 {
            switch scalar.value {
            case 0xA0...0xBF, 0x2000...0x24FF, 0x3000, 0x3200...0x33FF, 0xF900...0xFAFF, 0xFB00...0xFB4F, 0xFE30...0xFE6F, 0xFF00...0xFFEF:
                return true
            default:
                continue
            }
        }
        return false
    }

    private static let replacements: [(from: [UInt8], to: [UInt8])] = [
        ("hxxps", "https"), ("hxxp", "http"), ("hXXps", "https"), ("hXXp", "http"), ("HXXPS", "HTTPS"), ("HXXP", "HTTP"),
        ("h**ps", "https"), ("h**p", "http"), ("fxp", "ftp"),
        ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."), ("[DOT]", "."), ("(DOT)", "."),
        ("[://]", "://"), ("[:]", ":"), ("[@]", "@"), ("(@)", "@"), ("[at]", "@"), ("(at)", "@"), ("[AT]", "@"), ("(AT)", "@"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Undoes defanging in one pass over the bytes. Only bracketed forms and `hxxp` are touched: a bare " dot " is
    /// too common in prose.
    static func refang(_ text: String) -> String {
        var bytes = Array(text.utf8)
        guard
            bytes.contains(where: {
                $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "{") || $0 | 0x20 == UInt8(ascii: "x")
                    || $0 == UInt8(ascii: "*")
            })
        else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var i = 0
        bytes.append(0)  // a sentinel so lookahead never runs off the end
        let count = bytes.count - 1
        outer: while i < count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "{") || byte | 0x20 == UInt8(ascii: "h")
                || byte == UInt8(ascii: "f")
            {
                for (from, to) in replacements where i + from.count <= count && from[0] == byte {
                    var matches = true
                    for offset in 1..<from.count where bytes[i + offset] != from[offset] {
                        matches = false
                        break
                    }
                    if matches {
                        output += to
                        i += from.count
                        continue outer
                    }
                }
            }
            output.append(byte)
            i += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}
