/// Decodes text whose declared charset may be wrong, which abuse mail often is.
///
/// The declared charset is tried first; if it is unknown, or leaves bytes that do not decode, the decoder tries
/// the charsets such text is usually really in (UTF-8, ISO-2022-JP when escapes are present, CP932, EUC-JP) and
/// keeps the one that decodes cleanly and reads most like text, with a warning that says what happened. When
/// nothing decodes cleanly, the declared charset (or UTF-8) is kept with its replacement characters.
public enum CharsetDecoder {
    /// A decoded text and how it was decoded.
    public struct Decoded: Sendable, Hashable {
        /// The text.
        public var text: String
        /// The charset actually used.
        public var charset: Charset
        /// Set when the declared charset was not used or did not decode cleanly.
        public var warning: String?
    }

    /// Decodes `bytes` declared as `label` (`nil` when no charset was declared).
    public static func decode(_ bytes: some Collection<UInt8>, declared label: String?) -> Decoded {
        let input = Array(bytes)
        if input.allSatisfy({ $0 < 0x80 && $0 != 0x1B }) {
            return Decoded(text: String(decoding: input, as: UTF8.self), charset: .ascii, warning: nil)
        }
        let declared = label.flatMap(Charset.named)
        if let declared {
            let attempt = declared.decode(input)
            if attempt.errors == 0 {
                // Permissive charsets (CP932, the single-byte ones) "decode" UTF-8 bytes without error into
                // nonsense; valid multi-byte UTF-8 almost never happens by accident, so let it compete.
                if declared != .utf8 && declared != .ascii, input.contains(where: { $0 >= 0x80 }),
                    let utf8 = String(validating: input, as: UTF8.self),
                    textScore(utf8) > textScore(attempt.text)
                {
                    return Decoded(text: utf8, charset: .utf8, warning: "declared charset \"\(label ?? "")\" but the text is UTF-8; decoded as utf-8")
                }
                return Decoded(text: attempt.text, charset: declared, warning: nil)
            }
        }
        var candidates: [Charset] = [.utf8]
        if input.contains(0x1B) { candidates.append(.iso2022JP) }
        candidates += [.shiftJIS, .eucJP]
        var best: (text: String, charset: Charset, score: Int)?
        for candidate in candidates where candidate != declared {
            let attempt = candidate.decode(input)
            guard attempt.errors == 0 else { continue }
            let score = textScore(attempt.text)
            if best == nil || score > best!.score { best = (attempt.text, candidate, score) }
        }
        let what: String
        switch (label, declared) {
        case (let label?, nil): what = "declared charset \"\(label)\" is unknown"
        case (let label?, _?): what = "declared charset \"\(label)\" did not decode"
        case (nil, _): what = "no charset declared for 8-bit text"
        }
        if let best {
            return Decoded(text: best.text, charset: best.charset, warning: "\(what); decoded as \(best.charset.name)")
        }
        let fallback = declared ?? .utf8
        let attempt = fallback.decode(input)
        return Decoded(
            text: attempt.text, charset: fallback,
            warning: "\(what); no charset decodes it cleanly: \(attempt.errors) byte sequence(s) replaced with U+FFFD")
    }

    /// How much decoded text looks like real text: Japanese scripts and letters score, half-width katakana, private
    /// use and rare symbols (what a wrong guess produces) cost.
    static func textScore(_ text: String) -> Int {
        var score = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x20...0x7E, 0x0A, 0x0D, 0x09: score += 1
            case 0x3040...0x30FF, 0x4E00...0x9FFF, 0x3000...0x303F, 0xFF01...0xFF5E: score += 2
            case 0xFF61...0xFF9F: score -= 1
            case 0xE000...0xF8FF: score -= 4
            case 0x80...0x9F: score -= 4
            case 0xC2...0xC3: score -= 1  // Â and Ã: the first half of UTF-8 read as Latin-1
            default: break
            }
        }
        return score
    }
}
