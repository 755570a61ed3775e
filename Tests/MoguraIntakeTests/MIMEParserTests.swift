import Foundation
import MoguraTesting
import Testing

@testable import MoguraIntake

@Suite("MIME parser")
struct MIMEParserTests {
    func parse(_ text: String, limits: MIMELimits = MIMELimits()) throws -> ParsedMessage {
        try MIMEParser(limits: limits).parse(Array(text.utf8))
    }

    @Test func foldedHeadersDuplicatesAndObsoleteSyntax() throws {
        let message = try parse("Received: from a\r\n\tby b\r\nReceived: from c\r\nSubject : folded\r\n  subject\r\nX-Empty:\r\n\r\nbody\r\n")
        #expect(message.headers.all("Received").map(\.value) == ["from a\tby b", "from c"])
        #expect(message.headers["subject"] == "folded  subject")
        #expect(message.headers["X-Empty"] == "")
        #expect(message.bodyText == "body\r\n")
    }

    @Test func bareLineFeedsAndMboxFromLine() throws {
        let message = try parse("From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: lf\n\nline 1\nline 2\n")
        #expect(message.headers["Subject"] == "lf")
        #expect(message.bodyText == "line 1\nline 2\n")
    }

    @Test func aNonHeaderLineStartsTheBody() throws {
        let message = try parse("Subject: x\r\nthis is not a header\r\nmore\r\n")
        #expect(message.headers.fields.count == 1)
        #expect(message.bodyText == "this is not a header\r\nmore\r\n")
        #expect(message.warnings.contains { $0.contains("line without a field name") })
    }

    @Test func encodedWords() throws {
        // Adjacent words joined before decoding (one ISO-2022-JP sequence split in two), whitespace between them
        // dropped, Q encoding with underscores, a language tag (RFC 2231 §5), and a malformed word left alone.
        let message = try parse(
            """
            Subject: =?ISO-2022-JP?B?GyRCTEJPRyVhGyhC?= =?ISO-2022-JP?B?GyRCITwlaxsoQg==?=\r
            To: =?utf-8?q?Caf=C3=A9_Owner?= <owner@example.jp>\r
            X-Lang: =?UTF-8*ja?B?5pel5pys?=\r
            X-Broken: =?utf-8?x?abc?= and =?nope\r
            \r
            body
            """)
        #expect(message.headers["Subject"] == "迷惑メール")
        #expect(message.headers["To"] == "Café Owner <owner@example.jp>")
        #expect(message.headers["X-Lang"] == "日本")
        #expect(message.headers["X-Broken"] == "=?utf-8?x?abc?= and =?nope")
    }

    @Test func rawEightBitHeadersAreDecoded() throws {
        var bytes = Array("Subject: ".utf8) + Array("迷惑メール".data(using: .shiftJIS)!) + Array("\r\n\r\nx".utf8)
        #expect(try MIMEParser().parse(bytes).headers["Subject"] == "迷惑メール")
        bytes = Array("Subject: 迷惑メール\r\n\r\nx".utf8)
        #expect(try MIMEParser().parse(bytes).headers["Subject"] == "迷惑メール")
    }

    @Test func rfc2231Parameters() {
        let type = ContentType.parse(
            Array(#"application/octet-stream; name*0*=UTF-8''%E8%A8%BC%E6%8B; name*1*=%A0.pdf; x="a;b" (comment); Boundary="AB""#.utf8))
        #expect(type.value == "application/octet-stream")
        #expect(type.parameters["name"] == "証拠.pdf")
        #expect(type.parameters["x"] == "a;b")
        #expect(type.parameters["boundary"] == "AB")
        let encodedWord = ContentType.parse(Array(#"attachment; filename="=?UTF-8?B?6KaL56mN?=.txt""#.utf8))
        #expect(encodedWord.parameters["filename"] == "見積.txt")
        let sjis = ContentType.parse(Array("text/plain; charset*=shift_jis''%82%A0".utf8))
        #expect(sjis.parameters["charset"] == "あ")
    }

    @Test func transferEncodings() {
        #expect(TransferDecoding.quotedPrintable(Array("a=3Db=\r\nc=\nd=zz=".utf8)).bytes == Array("a=bcd=zz".utf8))
        #expect(TransferDecoding.base64(Array("44GC\r\n44GE".utf8)).bytes == Array("あい".utf8))
        #expect(TransferDecoding.base64(Array("44G".utf8)).bytes == [0xE3, 0x81])  // missing padding
        #expect(TransferDecoding.base64(Array("4*4GC".utf8)).damaged)
    }

    @Test func nestedMultipartsAndAttachedMessages() throws {
        let message = try parse(
            """
            From: reporter@example.org\r
            Subject: Fwd: spam\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            preamble\r
            --outer\r
            Content-Type: multipart/alternative; boundary=inner\r
            \r
            --inner\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            See the attached spam =E2=80=94 please act.\r
            --inner\r
            Content-Type: text/html\r
            \r
            <p>See the attached spam</p>\r
            --inner--\r
            --outer\r
            Content-Type: message/rfc822\r
            \r
            Received: from spammer.example (203.0.113.9)\r
            Subject: =?UTF-8?B?5YSy44GL44KL?=\r
            Content-Type: text/plain; charset=iso-2022-jp\r
            \r
            \u{1B}$B$3$s$K$A$O\u{1B}(B\r
            --outer--\r
            epilogue
            """)
        #expect(message.bodyText == "See the attached spam — please act.")
        let attached = try #require(message.attachedMessages.first)
        #expect(attached.headers["Subject"] == "儲かる")
        #expect(attached.text?.text == "こんにちは")
        #expect(message.root.allEntities.count == 6)
        #expect(message.warnings.isEmpty)
    }

    @Test func brokenMultipartsAreToleratedWithWarnings() throws {
        let unclosed = try parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n")
        guard case .multipart(let parts) = unclosed.root.body else {
            Issue.record("not a multipart")
            return
        }
        #expect(parts.map { String(decoding: $0.content ?? [], as: UTF8.self) } == ["one", "two\r\n"])
        #expect(unclosed.warnings.contains("multipart without its closing boundary"))
        let noBoundary = try parse("Content-Type: multipart/mixed\r\n\r\ntext")
        #expect(noBoundary.bodyText == "text")
        #expect(noBoundary.warnings.contains { $0.contains("without a boundary") })
        let badType = try parse("Content-Type: garbage\r\n\r\ntext")
        #expect(badType.bodyText == "text")
    }

    @Test func htmlBecomesText() {
        let html = """
            <html><head><title>t</title><style>p{}</style></head><body><script>alert(1)</script>
            <p>Your account&nbsp;is <b>locked</b>.</p><a href="http://phish.example/login?a=1&amp;b=2">Log in</a>
            <!-- <a href="http://hidden.example/"> --><img src="cid:logo"><br>&#x3042;&#12356;</body></html>
            """
        let (text, links) = HTMLText.convert(html)
        #expect(text == "Your account is locked.\nLog in\nあい")
        #expect(links == ["http://phish.example/login?a=1&b=2"])
    }

    @Test func limitsAreEnforced() {
        var small = MIMELimits()
        small.depth = 3
        var nested = "Content-Type: message/rfc822\r\n\r\n"
        nested = String(repeating: nested, count: 6) + "Subject: deep\r\n\r\nx"
        #expect(throws: MIMEParseError.self) { try parse(nested, limits: small) }
        small = MIMELimits()
        small.parts = 10
        let many = "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + String(repeating: "--b\r\n\r\nx\r\n", count: 20) + "--b--\r\n"
        #expect(throws: MIMEParseError.self) { try parse(many, limits: small) }
        small = MIMELimits()
        small.headerBytes = 1_000
        #expect(throws: MIMEParseError.self) { try parse("X-Big: " + String(repeating: "a", count: 5_000) + "\r\n\r\nx", limits: small) }
        small = MIMELimits()
        small.decodedBytes = 100
        #expect(throws: MIMEParseError.self) {
            try parse("Content-Transfer-Encoding: base64\r\n\r\n" + String(repeating: "QUFB", count: 100), limits: small)
        }
        #expect(throws: MIMEParseError.self) { try MIMEParser().parse([]) }
    }

    /// Arbitrary and mutated bytes never crash the parser, and it either parses or throws a limit/malformed error.
    @Test func fuzzParser() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4D49_4D45)
        let seed = Array(
            """
            Subject: =?ISO-2022-JP?B?GyRCTEJPRxsoQg==?=\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain; charset*=utf-8''%E3%81%82\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            =E3=81=82\r
            --b\r
            Content-Type: message/rfc822\r
            Content-Transfer-Encoding: base64\r
            \r
            U3ViamVjdDogeA0KDQp5\r
            --b--\r
            """.utf8)
        let tokens: [[UInt8]] = ["\r\n", "--b", "=?", "?=", ":", "\r\n\r\n", "Content-Type: multipart/mixed; boundary=b\r\n", "="].map {
            Array($0.utf8)
        }
        var limits = MIMELimits()
        limits.time = .seconds(2)
        let parser = MIMEParser(limits: limits)
        for round in 0..<20_000 {
            var bytes = seed
            if round % 4 == 0 {
                bytes = random.bytes(count: Int(random.next() % 300))
            } else {
                for _ in 0..<(1 + random.next() % 8) {
                    let position = Int(random.next() % UInt64(bytes.count + 1))
                    switch random.next() % 4 {
                    case 0: if position < bytes.count { bytes.remove(at: position) }
                    case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                    case 2: bytes.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
                    default: if position < bytes.count { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
                    }
                }
            }
            if let message = try? parser.parse(bytes) {
                _ = message.bodyText
                _ = message.headers.fields.map(\.value)
                for entity in message.root.allEntities { _ = entity.fileName }
            }
        }
    }
}
