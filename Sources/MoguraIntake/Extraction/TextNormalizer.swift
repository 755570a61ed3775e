import Foundation

/// Prepares free text for extraction: NFKC (full-width `１９２．０．２．１`, `ｈｔｔｐ`, `＠` become ASCII) and
/// re-fanging of the usual defanged forms (`hxxp`, `[.]`, `(dot)`, `[@]`, `[:]`).
public enum TextNormalizer {
    /// The longest text normalised at once; beyond it, text is cut (complaints that long are attachments).
    public static let maximumLength = 1 << 20

    /// Normalises `text`.
    public static func normalize(_ text: String) -> String {
        var input = text
        if input.utf8.count > maximumLength { input = String(decoding: Array(input.utf8.prefix(maximumLength)), as: UTF8.self) }
        if !input.utf8.allSatisfy({ $0 < 0x80 }) {
            input = input.precomposedStringWithCompatibilityMapping
        }
        return refang(input)
    }

    private static let replacements: [(String, String)] = [
        ("hxxps", "https"), ("hxxp", "http"), ("hXXps", "https"), ("hXXp", "http"), ("HXXPS", "HTTPS"), ("HXXP", "HTTP"),
        ("h**ps", "https"), ("h**p", "http"), ("fxp", "ftp"),
        ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."), ("[DOT]", "."), ("(DOT)", "."),
        ("[:]", ":"), ("[://]", "://"), ("[@]", "@"), ("(@)", "@"), ("[at]", "@"), ("(at)", "@"), ("[AT]", "@"), ("(AT)", "@"),
    ]

    /// Undoes defanging. Only bracketed forms and `hxxp` are touched: a bare " dot " is too common in prose.
    static func refang(_ text: String) -> String {
        let bytes = text.utf8
        guard
            bytes.contains(UInt8(ascii: "[")) || bytes.contains(UInt8(ascii: "(")) || bytes.contains(UInt8(ascii: "{"))
                || text.contains("xx") || text.contains("XX") || text.contains("**") || text.contains("fxp")
        else { return text }
        var result = text
        for (from, to) in replacements where result.contains(from) {
            result = result.replacingOccurrences(of: from, with: to)
        }
        return result
    }
}
