import Foundation
import MoguraTesting
import Testing

@testable import MoguraIntake

/// Asks Python's codecs for the expected decoding of many byte strings at once: one JSON array of strings (or
/// null where Python refuses the bytes).
func pythonDecodes(_ codec: String, _ inputs: [[UInt8]]) throws -> [String?] {
    let program = """
        import sys, json
        out = []
        for line in sys.stdin.read().split():
            try: out.append(bytes.fromhex(line).decode(sys.argv[1]))
            except UnicodeDecodeError: out.append(None)
        print(json.dumps(out))
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestEnvironment.which("python3") ?? "/usr/bin/python3")
    process.arguments = ["-c", program, codec]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let text = inputs.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
    let writer = Thread {
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
    }
    writer.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return try JSONDecoder().decode([String?].self, from: data)
}

@Suite("Charsets", .serialized)
struct CharsetTests {
    static let python = TestEnvironment.which("python3") != nil || TestEnvironment.isCI

    /// Every CP932 double-byte and single-byte code, against Python's cp932 codec.
    @Test(.enabled(if: python, "python3 is not on PATH")) func cp932MatchesPythonCodeByCode() throws {
        var inputs: [[UInt8]] = []
        for lead in Array(0x81...0x9F) + Array(0xE0...0xFC) {
            for trail in Array(0x40...0x7E) + Array(0x80...0xFC) { inputs.append([UInt8(lead), UInt8(trail)]) }
        }
        for single in 0xA1...0xDF { inputs.append([UInt8(single)]) }
        let expected = try pythonDecodes("cp932", inputs)
        var checked = 0
        for (bytes, answer) in zip(inputs, expected) {
            let (text, errors) = Charset.shiftJIS.decode(bytes)
            if let answer {
                #expect(text == answer && errors == 0, "\(bytes)")
                checked += 1
            } else {
                #expect(errors > 0, "\(bytes) decoded as \(text) but Python refuses it")
            }
        }
        #expect(checked > 7_900)
    }

    /// Every JIS X 0208 and JIS X 0212 code in EUC-JP, against Python's euc_jp. Where Python refuses a JIS X 0208
    /// code, Mogura decodes it through CP932's JIS mapping (eucJP-ms: ①, ㈱) and must agree with Python's cp932.
    @Test(.enabled(if: python, "python3 is not on PATH")) func eucJPMatchesPythonCodeByCode() throws {
        var inputs: [[UInt8]] = []
        var sjis: [[UInt8]] = []
        for row in 0xA1...0xFE {
            for cell in 0xA1...0xFE {
                inputs.append([UInt8(row), UInt8(cell)])
                sjis.append(shiftJISBytes(jis1: UInt8(row - 0x80), jis2: UInt8(cell - 0x80)))
            }
        }
        for row in 0xA1...0xFE { for cell in 0xA1...0xFE { inputs.append([0x8F, UInt8(row), UInt8(cell)]) } }
        for kana in 0xA1...0xDF { inputs.append([0x8E, UInt8(kana)]) }
        let expected = try pythonDecodes("euc_jp", inputs)
        let viaCP932 = try pythonDecodes("cp932", sjis)
        var extensions = 0
        for (index, (bytes, answer)) in zip(inputs, expected).enumerated() {
            let (text, errors) = Charset.eucJP.decode(bytes)
            if let answer {
                #expect(text == answer && errors == 0, "\(bytes)")
            } else if index < sjis.count, let fallback = viaCP932[index] {
                #expect(text == fallback && errors == 0, "\(bytes)")
                extensions += 1
            } else {
                #expect(errors > 0, "\(bytes) decoded as \(text) but Python refuses it")
            }
        }
        #expect(extensions > 0 && extensions < 1_000)
    }

    /// Every JIS X 0208 code in ISO-2022-JP: Mogura decodes through CP932 (CP50220); Python's iso2022_jp uses the
    /// JIS mapping. They must agree except on the codes where CP932 and JIS differ (listed) and the extension rows
    /// Python refuses.
    @Test(.enabled(if: python, "python3 is not on PATH")) func iso2022JPMatchesPythonCodeByCode() throws {
        var inputs: [[UInt8]] = []
        var sjis: [[UInt8]] = []
        for row in 0x21...0x7E {
            for cell in 0x21...0x7E {
                inputs.append([0x1B, 0x24, 0x42, UInt8(row), UInt8(cell), 0x1B, 0x28, 0x42])
                sjis.append(shiftJISBytes(jis1: UInt8(row), jis2: UInt8(cell)))
            }
        }
        let jis = try pythonDecodes("iso2022_jp", inputs)
        let cp932 = try pythonDecodes("cp932", sjis)
        var differences: [String] = []
        for (bytes, (jisAnswer, cp932Answer)) in zip(inputs, zip(jis, cp932)) {
            let (text, errors) = Charset.iso2022JP.decode(bytes)
            if let cp932Answer {
                #expect(text == cp932Answer && errors == 0, "\(bytes)")
                if let jisAnswer, jisAnswer != cp932Answer { differences.append("\(jisAnswer)→\(cp932Answer)") }
            } else {
                #expect(errors > 0)
            }
        }
        // The CP932/JIS differences, each a Microsoft form Japanese mail clients write: 〜→～ ‖→∥ −→－ ¢→￠ £→￡ ¬→￢.
        #expect(differences.sorted() == ["¢→￠", "£→￡", "¬→￢", "‖→∥", "−→－", "〜→～"])
    }

    @Test(.enabled(if: python, "python3 is not on PATH")) func singleByteCharsetsMatchPython() throws {
        let codecs: [String: String] = [
            "iso-8859-1": "iso8859_1", "iso-8859-2": "iso8859_2", "iso-8859-5": "iso8859_5", "iso-8859-7": "iso8859_7",
            "iso-8859-15": "iso8859_15", "windows-1250": "cp1250", "windows-1251": "cp1251", "windows-1252": "cp1252",
            "windows-1253": "cp1253", "windows-1256": "cp1256", "koi8-r": "koi8_r", "windows-874": "cp874",
        ]
        for (name, codec) in codecs {
            let inputs = (0x80...0xFF).map { [UInt8($0)] }
            let expected = try pythonDecodes(codec, inputs)
            let charset = try #require(Charset.named(name))
            for (bytes, answer) in zip(inputs, expected) {
                let (text, errors) = charset.decode(bytes)
                if let answer { #expect(text == answer && errors == 0, "\(name) \(bytes)") } else { #expect(errors == 1) }
            }
        }
    }

    @Test func iso2022JPModes() {
        // Kana by ESC ( I and by SO/SI, JIS X 0201 Roman, JIS X 0212, and line ends inside double-byte mode.
        let bytes: [UInt8] = [
            0x1B, 0x28, 0x49, 0x31, 0x32, 0x1B, 0x28, 0x42, 0x0E, 0x33, 0x0F, 0x41, 0x1B, 0x28, 0x4A, 0x5C,
            0x1B, 0x24, 0x28, 0x44, 0x30, 0x21, 0x1B, 0x24, 0x42, 0x24, 0x22, 0x0D, 0x0A, 0x24, 0x24, 0x1B, 0x28, 0x42,
        ]
        let (text, errors) = Charset.iso2022JP.decode(bytes)
        #expect(text == "ｱｲｳA¥丂あ\r\nい")
        #expect(errors == 0)
        #expect(Charset.iso2022JP.decode([0x1B, 0x24, 0x42, 0x30]).errors == 1)
        #expect(Charset.iso2022JP.decode([0x1B, 0x5A, 0x41]).text == "\u{FFFD}ZA")
    }

    @Test func labelsAndAliases() {
        #expect(Charset.named("Shift_JIS") == .shiftJIS)
        #expect(Charset.named("x-sjis") == .shiftJIS)
        #expect(Charset.named("Windows-31J") == .shiftJIS)
        #expect(Charset.named("ISO-2022-JP") == .iso2022JP)
        #expect(Charset.named("\"euc-jp\"") == .eucJP)
        #expect(Charset.named("latin1") == .latin1)
        #expect(Charset.named("cp1252") == .windows1252)
        #expect(Charset.named("iso-8859-12") == nil)
        #expect(Charset.named("x-unknown") == nil)
    }

    @Test func mislabelledTextFallsBackWithAWarning() {
        let japanese = "迷惑メールの報告です。①"
        let sjis = Array(japanese.data(using: .shiftJIS)!)
        let declaredUTF8 = CharsetDecoder.decode(sjis, declared: "utf-8")
        #expect(declaredUTF8.text == japanese)
        #expect(declaredUTF8.charset == .shiftJIS)
        #expect(declaredUTF8.warning == "declared charset \"utf-8\" did not decode; decoded as shift_jis")
        let utf8 = Array(japanese.utf8)
        let declaredSJIS = CharsetDecoder.decode(utf8, declared: "shift_jis")
        #expect(declaredSJIS.text == japanese && declaredSJIS.charset == .utf8)
        let unknown = CharsetDecoder.decode(utf8, declared: "x-mac-japanese")
        #expect(unknown.text == japanese && unknown.warning == "declared charset \"x-mac-japanese\" is unknown; decoded as utf-8")
        let garbage = CharsetDecoder.decode([0x41, 0xFF, 0xFE, 0x80], declared: "utf-8")
        #expect(garbage.warning?.contains("undecodable") == true || garbage.charset != .utf8)
        #expect(CharsetDecoder.decode(Array("plain".utf8), declared: "iso-2022-jp").warning == nil)
    }

    /// Arbitrary bytes never crash a decoder, and a decode's output is always valid UTF-8.
    @Test func fuzzDecoders() {
        var random = SeededRandom.fromEnvironment(fallback: 0x4348_4152)
        let charsets: [Charset] = [.utf8, .iso2022JP, .shiftJIS, .eucJP, .latin1, Charset.named("koi8-r")!]
        for round in 0..<20_000 {
            var bytes = random.bytes(count: Int(random.next() % 64))
            if round % 3 == 0 { bytes.insert(contentsOf: [0x1B, 0x24, 0x42], at: 0) }
            let charset = charsets[round % charsets.count]
            let (text, _) = charset.decode(bytes)
            #expect(String(validating: Array(text.utf8), as: UTF8.self) != nil)
            _ = CharsetDecoder.decode(bytes, declared: round % 2 == 0 ? charset.name : nil)
        }
    }
}

/// JIS row/cell to Shift_JIS bytes, written independently of the decoder's own conversion.
func shiftJISBytes(jis1: UInt8, jis2: UInt8) -> [UInt8] {
    let row = Int(jis1) - 0x21
    let cell = Int(jis2) - 0x21
    let lead = row / 2 + (row < 62 ? 0x81 : 0xC1)
    let trail: Int
    if row % 2 == 0 {
        trail = cell + (cell < 63 ? 0x40 : 0x41)
    } else {
        trail = cell + 0x9F
    }
    return [UInt8(lead), UInt8(trail)]
}
