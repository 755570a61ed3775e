import MoguraCore
import MoguraTesting
import Testing

@Suite("Indicators and their normalisation")
struct IndicatorTests {
    /// RFC 3492 §7.1 sample strings.
    @Test(arguments: [
        ("ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"),
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        ("Pročprostěnemluvíčesky", "Proprostnemluvesky-uyb24dma41a"),
        ("なぜみんな日本語を話してくれないのか", "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"),
        ("3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"),
        ("安室奈美恵-with-SUPER-MONKEYS", "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
        ("Hello-Another-Way-それぞれの場所", "Hello-Another-Way--fc4qua05auwb3674vfr0b"),
        ("ひとつ屋根の下2", "2-u9tlzr9756bt3uc0v"),
        ("MajiでKoiする5秒前", "MajiKoi5-783gue6qz075azm5e"),
        ("パフィーdeルンバ", "de-jg4avhby1noc0d"),
        ("そのスピードで", "d9juau41awczczp"),
        ("-> $1.00 <-", "-> $1.00 <--"),
    ])
    func punycodeRFCSamples(unicode: String, encoded: String) {
        #expect(Punycode.encode(unicode.unicodeScalars) == encoded)
        #expect(Punycode.decode(Substring(encoded)) == unicode)
    }

    @Test func punycodeRejectsGarbage() {
        #expect(Punycode.decode("99999999999999999999") == nil)
        #expect(Punycode.decode("abc-!") == nil)
        #expect(Punycode.decode("é-abc") == nil)
    }

    @Test(arguments: [
        ("Example.JP", "example.jp"), ("example.jp.", "example.jp"), ("例え.jp", "xn--r8jz45g.jp"),
        ("ＥＸＡＭＰＬＥ。ｊｐ", "example.jp"), ("shop．example．jp", "shop.example.jp"), ("XN--R8JZ45G.JP", "xn--r8jz45g.jp"),
        ("_dmarc.example.jp", "_dmarc.example.jp"), ("Bücher.example", "xn--bcher-kva.example"),
        ("日本語。ＪＰ", "xn--wgv71a119e.jp"),
    ])
    func domainsNormalise(input: String, normalised: String) throws {
        let name = try DomainName(input)
        #expect(name.value == normalised)
        #expect(try DomainName(name.value) == name)
    }

    @Test(arguments: ["", ".", "a..b", "-a.jp", "a-.jp", "a b.jp", "a/b.jp", "a@b.jp", String(repeating: "a", count: 64) + ".jp", "xn--!!.jp"])
    func domainsRejectBadNames(input: String) {
        #expect(throws: IndicatorError.self) { try DomainName(input) }
    }

    @Test func domainParentsNeverCrossLabels() throws {
        let name = try DomainName("a.shop.example.jp")
        #expect(name.selfAndParents.map(\.value) == ["a.shop.example.jp", "shop.example.jp", "example.jp", "jp"])
        #expect(name.isSubdomain(of: try DomainName("example.jp")))
        #expect(!(try DomainName("badexample.jp")).isSubdomain(of: try DomainName("example.jp")))
        #expect(try DomainName("xn--r8jz45g.jp").unicode == "例え.jp")
    }

    @Test func emailAddressesNormalise() throws {
        #expect(try EmailAddress("<Info@Example.JP>").description == "info@example.jp")
        #expect(try EmailAddress("mailto:user@例え.jp").description == "user@xn--r8jz45g.jp")
        for bad in ["", "user", "@example.jp", "user@", "us er@example.jp", "user@exa mple.jp"] {
            #expect(throws: IndicatorError.self, "\(bad)") { try EmailAddress(bad) }
        }
    }

    @Test func urlsNormaliseSchemeHostAndDefaultPort() throws {
        let url = try ReportedURL("HTTP://Shop.Example.JP:80/Login.php?x=1#top")
        #expect(url.description == "http://shop.example.jp/Login.php?x=1#top")
        #expect(url.host == .domain(try DomainName("shop.example.jp")))
        #expect(try ReportedURL("https://[2001:DB8::1]:8443/").description == "https://[2001:db8::1]:8443/")
        #expect(try ReportedURL("http://user:pw@192.0.2.1/x").host == .ip(try IPAddress("192.0.2.1")))
        #expect(try ReportedURL("https://例え.jp/path").description == "https://xn--r8jz45g.jp/path")
        for bad in ["example.jp/path", "http://", "http://exa mple.jp/", "1http://x.jp", "http://x.jp:99999/", "http://[::1/"] {
            #expect(throws: IndicatorError.self, "\(bad)") { try ReportedURL(bad) }
        }
    }

    @Test func fileHashesByLength() throws {
        #expect(try FileHash("D41D8CD98F00B204E9800998ECF8427E").algorithm == .md5)
        #expect(try FileHash("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709").algorithm == .sha1)
        #expect(try FileHash(String(repeating: "ab", count: 32)).algorithm == .sha256)
        #expect(throws: IndicatorError.self) { try FileHash("abc") }
        #expect(throws: IndicatorError.self) { try FileHash(String(repeating: "z", count: 32)) }
    }

    @Test(arguments: [
        ("203.0.113.7", "ip", "203.0.113.7"), ("::ffff:203.0.113.7", "ip", "203.0.113.7"), ("2001:db8::1", "ip", "2001:db8::1"),
        ("203.0.113.7:443", "ip_port", "203.0.113.7:443"), ("[2001:DB8::1]:25", "ip_port", "[2001:db8::1]:25"),
        ("https://Example.JP/x", "url", "https://example.jp/x"), ("Info@Example.JP", "email", "info@example.jp"),
        ("shop.example.jp.", "domain", "shop.example.jp"), ("account:web123", "account", "web123"),
        ("d41d8cd98f00b204e9800998ecf8427e", "file_hash", "md5:d41d8cd98f00b204e9800998ecf8427e"),
        ("domain:例え.jp", "domain", "xn--r8jz45g.jp"),
    ])
    func guessesIndicatorKinds(text: String, kind: String, value: String) throws {
        let indicator = try Indicator(guessing: text)
        #expect(indicator.kind == kind)
        #expect(indicator.value == value)
        #expect(try Indicator(kind: indicator.kind, value: indicator.value) == indicator)
    }

    @Test func fuzzIndicatorParsers() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x494E_4449)
        let alphabet = Array("abcXYZ09.-_@:/[]%。．例ｅ ".unicodeScalars)
        for round in 0..<20_000 {
            let count = Int(random.next() % 40)
            let text: String
            if round % 3 == 0 {
                text = String(decoding: random.bytes(count: count), as: UTF8.self)
            } else {
                var scalars = String.UnicodeScalarView()
                for _ in 0..<count { scalars.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
                text = String(scalars)
            }
            if let indicator = try? Indicator(guessing: text) {
                // Normalisation is idempotent: the stored form parses back to the same indicator.
                #expect(try Indicator(kind: indicator.kind, value: indicator.value) == indicator, "\(text)")
            }
        }
    }

    @Test(arguments: [
        ("/home//alice/./www/", "/home/alice/www"), ("/", "/"), ("//", "/"), ("WEB01:/home/alice", "web01:/home/alice"),
        ("  /srv/www/例え.jp/index.php ", "/srv/www/例え.jp/index.php"), ("web-01.tokyo:/", "web-01.tokyo:/"),
    ])
    func pathsNormalise(input: String, normalised: String) throws {
        let path = try HostedPath(input)
        #expect(path.description == normalised)
        #expect(try Indicator(kind: "path", value: input) == .path(path))
        #expect(try AssignedResource(kind: "path", text: input).lookupKey == normalised)
    }

    @Test(arguments: [
        "home/alice", "/home/../etc/passwd", "web01:home/alice", ":/home", "we b:/x", "/a\u{0}b", "/a\nb",
        "/" + String(repeating: "a", count: 4_096),
    ])
    func pathsRefused(input: String) {
        #expect(throws: IndicatorError.self) { try HostedPath(input) }
    }

    @Test func pathsKnowTheirParentsAndLookupOrder() throws {
        let file = try HostedPath("web01:/home/alice/www/x.php")
        #expect(
            file.selfAndParents.map(\.description) == [
                "web01:/home/alice/www/x.php", "web01:/home/alice/www", "web01:/home/alice", "web01:/home", "web01:/",
            ])
        #expect(
            Array(file.lookupKeys.prefix(4)) == ["web01:/home/alice/www/x.php", "/home/alice/www/x.php", "web01:/home/alice/www", "/home/alice/www"])
        #expect(try HostedPath("/").selfAndParents == [try HostedPath("/")])
        #expect(file.isInside(try HostedPath("/home/alice")))
        #expect(file.isInside(try HostedPath("web01:/home")))
        #expect(!file.isInside(try HostedPath("web02:/home")))
        #expect(!file.isInside(try HostedPath("/home/ali")))
        #expect(try Indicator(guessing: "/home/alice/www/x.php") == .path(try HostedPath("/home/alice/www/x.php")))
        #expect(try Indicator(guessing: "path:web01:/home/alice") == .path(try HostedPath("web01:/home/alice")))
    }
}
