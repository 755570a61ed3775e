/// A character set a message may be written in, and its decoder to Unicode.
///
/// Decoders are lenient: bytes that do not decode become U+FFFD and are counted, so a caller can tell a clean
/// decode from a damaged one and fall back (see ``CharsetDecoder``). The Japanese decoders are written here
/// because Foundation on Linux cannot decode EUC-JP at all, decodes nothing leniently, and maps the CP932
/// extensions (①, ～) depending on the label.
public struct Charset: Hashable, Sendable, CustomStringConvertible {
    /// The canonical (IANA-style) name, lower case: `utf-8`, `iso-2022-jp`, `shift_jis`, `euc-jp`, `iso-8859-1`, …
    public let name: String

    private init(_ name: String) {
        self.name = name
    }

    public static let utf8 = Charset("utf-8")
    public static let ascii = Charset("us-ascii")
    /// ISO-2022-JP with CP50220 semantics: JIS X 0208 through the CP932 mapping, so NEC and IBM extensions
    /// (①, Ⅰ, ㈱) and the Microsoft forms (～ U+FF5E, － U+FF0D) decode as Japanese mail clients mean them; also
    /// JIS X 0212, half-width katakana by `ESC ( I` and by SO/SI.
    public static let iso2022JP = Charset("iso-2022-jp")
    /// Shift_JIS as CP932 (Windows-31J), its superset in practice.
    public static let shiftJIS = Charset("shift_jis")
    /// EUC-JP with JIS X 0212; codes undefined there but defined in CP932's JIS mapping (eucJP-ms) decode too.
    public static let eucJP = Charset("euc-jp")
    public static let latin1 = Charset("iso-8859-1")
    public static let windows1252 = Charset("windows-1252")

    /// The charset for a MIME label, or `nil` when Mogura cannot decode it.
    ///
    /// Labels are matched case-insensitively with the common aliases (`sjis`, `x-sjis`, `windows-31j`, `cp932`,
    /// `x-euc-jp`, `latin1`, `cp1252`, …). `us-ascii` decodes as UTF-8, because mail labelled ASCII very often is not.
    public static func named(_ label: String) -> Charset? {
        let key = label.lowercased().filter { !$0.isWhitespace && $0 != "\"" }
        if let alias = aliases[key] { return Charset(alias) }
        if CharsetTables.singleByte[key] != nil { return Charset(key) }
        return nil
    }

    private static let aliases: [String: String] = {
        var table: [String: String] = [
            "utf-8": "utf-8", "utf8": "utf-8", "us-ascii": "us-ascii", "ascii": "us-ascii", "ansi_x3.4-1968": "us-ascii",
            "iso-2022-jp": "iso-2022-jp", "csiso2022jp": "iso-2022-jp", "iso-2022-jp-1": "iso-2022-jp",
            "iso-2022-jp-2": "iso-2022-jp", "iso-2022-jp-3": "iso-2022-jp", "iso-2022-jp-2004": "iso-2022-jp",
            "iso-2022-jp-ms": "iso-2022-jp", "cp50220": "iso-2022-jp", "cp50221": "iso-2022-jp", "cp50222": "iso-2022-jp",
            "shift_jis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis", "x-sjis": "shift_jis",
            "ms_kanji": "shift_jis", "csshiftjis": "shift_jis", "windows-31j": "shift_jis", "cp932": "shift_jis",
            "ms932": "shift_jis", "shift_jisx0213": "shift_jis", "shift_jis-2004": "shift_jis",
            "euc-jp": "euc-jp", "eucjp": "euc-jp", "x-euc-jp": "euc-jp", "euc_jp": "euc-jp", "eucjp-ms": "euc-jp",
            "cseucpkdfmtjapanese": "euc-jp", "euc-jis-2004": "euc-jp", "cp51932": "euc-jp",
            "latin1": "iso-8859-1", "latin-1": "iso-8859-1", "l1": "iso-8859-1", "iso8859-1": "iso-8859-1",
            "iso_8859-1": "iso-8859-1", "cp819": "iso-8859-1", "latin2": "iso-8859-2", "latin9": "iso-8859-15",
            "koi8r": "koi8-r", "cp874": "windows-874", "tis-620": "windows-874",
        ]
        for n in 1...16 {
            table["iso8859-\(n)"] = "iso-8859-\(n)"
            table["iso_8859-\(n)"] = "iso-8859-\(n)"
            table["iso8859\(n)"] = "iso-8859-\(n)"
        }
        for n in 1250...1258 {
            table["cp\(n)"] = "windows-\(n)"
            table["x-cp\(n)"] = "windows-\(n)"
            table["windows\(n)"] = "windows-\(n)"
        }
        return table
    }()

    public var description: String { name }

    /// Decodes bytes, replacing what does not decode with U+FFFD.
    /// - Returns: the text and how many bytes or sequences failed.
    public func decode(_ bytes: some Collection<UInt8>) -> (text: String, errors: Int) {
        let input = Array(bytes)
        var output = UTF8Output(capacity: input.count + input.count / 2)
        let errors: Int
        switch name {
        case "utf-8", "us-ascii": return Self.decodeUTF8(input)
        case "iso-2022-jp": errors = JapaneseDecoders.iso2022JP(input, into: &output)
        case "shift_jis": errors = JapaneseDecoders.shiftJIS(input, into: &output)
        case "euc-jp": errors = JapaneseDecoders.eucJP(input, into: &output)
        default:
            guard let table = CharsetTables.singleByte[name] else { return Self.decodeUTF8(input) }
            var failures = 0
            for byte in input {
                if byte < 0x80 {
                    output.appendASCII(byte)
                } else {
                    let unit = table[Int(byte) - 0x80]
                    if unit == 0 {
                        failures += 1
                        output.appendReplacement()
                    } else {
                        output.append(UInt32(unit))
                    }
                }
            }
            errors = failures
        }
        return (output.string, errors)
    }

    /// UTF-8, counting ill-formed sequences (each becomes one U+FFFD, as Swift's decoder does).
    static func decodeUTF8(_ input: [UInt8]) -> (text: String, errors: Int) {
        if let valid = String(validating: input, as: UTF8.self) { return (valid, 0) }
        var errors = 0
        var iterator = input.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break loop
            case .error: errors += 1
            }
        }
        return (String(decoding: input, as: UTF8.self), errors)
    }
}

/// A growing UTF-8 buffer for the table-driven decoders.
struct UTF8Output {
    private(set) var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func appendASCII(_ byte: UInt8) {
        bytes.append(byte)
    }

    mutating func appendReplacement() {
        bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
    }

    @inline(__always)
    mutating func append(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | scalar >> 6))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        case 0xD800..<0xE000:
            appendReplacement()
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | scalar >> 12))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | scalar >> 18))
            bytes.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            bytes.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            bytes.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
