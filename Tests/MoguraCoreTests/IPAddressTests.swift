import MoguraCore
import MoguraTesting
import Testing

@Suite("IP addresses and prefixes")
struct IPAddressTests {
    @Test(arguments: [
        ("0.0.0.0", UInt32(0)), ("255.255.255.255", UInt32.max), ("192.0.2.1", 0xC000_0201), ("10.0.0.255", 0x0A00_00FF),
    ])
    func parsesIPv4(text: String, value: UInt32) throws {
        let address = try IPv4Address(text)
        #expect(address.value == value)
        #expect(address.description == text)
    }

    @Test(arguments: [
        "", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "01.2.3.4", "1.2.3.04", "1..3.4", ".1.2.3", "1.2.3.4.",
        " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/24", "0x1.2.3.4", "1.2.3.1000", "１.2.3.4",
    ])
    func rejectsMalformedIPv4(text: String) {
        #expect(throws: AddressParseError.self) { try IPv4Address(text) }
    }

    @Test(arguments: [
        ("::", "::"), ("::1", "::1"), ("1::", "1::"), ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // RFC 5952 §4.2.3: the first of two equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // §4.2.2: a single zero group is not shortened
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // the longest run wins
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"), ("::FFFF:C000:0201", "::ffff:192.0.2.1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"), ("fe80::", "fe80::"), ("0:0:0:0:0:0:0:0", "::"),
    ])
    func printsIPv6Canonically(text: String, canonical: String) throws {
        let address = try IPv6Address(text)
        #expect(address.description == canonical)
        #expect(try IPv6Address(canonical) == address)
    }

    @Test(arguments: [
        "", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::", "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8", "1:", ":1", "1::2:", "::1.2.3", "::1.2.3.4.5", "1.2.3.4::", "fe80::1%eth0", "[::1]", "::ffff:256.0.0.1",
        "1:2:3:4:5:6:7:1.2.3.4",
    ])
    func rejectsMalformedIPv6(text: String) {
        #expect(throws: AddressParseError.self) { try IPv6Address(text) }
    }

    @Test func mappedAddressesUnmapToIPv4() throws {
        let mapped = try IPAddress("::ffff:203.0.113.7")
        #expect(mapped.unmapped == .v4(try IPv4Address("203.0.113.7")))
        #expect(try IPv4Address("203.0.113.7").mappedToIPv6 == (try IPv6Address("::ffff:203.0.113.7")))
        #expect(try IPPrefix("203.0.113.0/24").contains(mapped))
        #expect(try IPPrefix("::ffff:203.0.113.0/120") == IPPrefix("203.0.113.0/24"))
        #expect(try IPPrefix("::ffff:0:0/96") == IPPrefix("0.0.0.0/0"))
        #expect(try IPPrefix("::fffe:0:0/95").description == "::fffe:0:0/95")
        #expect(throws: AddressParseError.self) { try IPPrefix("::ffff:0:0/95") }
    }

    @Test func prefixesRejectHostBitsWithASuggestion() {
        #expect {
            try IPPrefix("203.0.113.5/24")
        } throws: { error in
            (error as? AddressParseError)?.reason == "host bits are set; did you mean 203.0.113.0/24?"
        }
        #expect(throws: AddressParseError.self) { try IPPrefix("2001:db8::1/32") }
        for bad in ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/08", "::/129", "10.0.0.0/24/1"] {
            #expect(throws: AddressParseError.self, "\(bad)") { try IPPrefix(bad) }
        }
    }

    @Test func edgeLengths() throws {
        let everything = try IPPrefix("0.0.0.0/0")
        #expect(everything.contains(try IPAddress("255.255.255.255")))
        #expect(everything.contains(try IPAddress("0.0.0.0")))
        #expect(!everything.contains(try IPAddress("::1")))
        let host = try IPPrefix("192.0.2.1")
        #expect(host.description == "192.0.2.1/32")
        #expect(host.contains(try IPAddress("192.0.2.1")))
        #expect(!host.contains(try IPAddress("192.0.2.2")))
        let allV6 = try IPPrefix("::/0")
        #expect(allV6.contains(try IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")))
        let host6 = try IPPrefix("2001:db8::1/128")
        #expect(host6.contains(try IPAddress("2001:db8::1")))
        #expect(!host6.contains(try IPAddress("2001:db8::2")))
        #expect(IPPrefix.enclosing(try IPAddress("192.0.2.1")).count == 33)
        #expect(IPPrefix.enclosing(try IPAddress("2001:db8::1")).count == 129)
        #expect(IPPrefix.enclosing(try IPAddress("192.0.2.1")).last == everything)
    }

    /// Property: for random addresses and lengths, the prefix holds the address, its network has no host bits, it
    /// prints and parses back to itself, and containment agrees with the integer range [network, last].
    @Test func prefixMathPropertiesIPv4() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4D4F_4755_5241_0004)
        for _ in 0..<20_000 {
            let address = IPv4Address(UInt32(truncatingIfNeeded: random.next()))
            let length = UInt8(random.next() % 33)
            let prefix = IPv4Prefix(containing: address, length: length)
            #expect(prefix.contains(address))
            #expect(prefix.network.value & ~IPv4Prefix.mask(length) == 0)
            #expect(try IPv4Prefix(prefix.description) == prefix)
            #expect(try IPPrefix(prefix.description) == .v4(prefix))
            #expect(try IPv4Address(address.description) == address)
            let probe = IPv4Address(UInt32(truncatingIfNeeded: random.next()))
            #expect(prefix.contains(probe) == (prefix.network.value...prefix.lastAddress.value).contains(probe.value))
            let mappedPrefix = try IPPrefix("::ffff:\(prefix.network)/\(Int(length) + 96)")
            #expect(mappedPrefix == .v4(prefix))
        }
    }

    @Test func prefixMathPropertiesIPv6() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4D4F_4755_5241_0006)
        for _ in 0..<20_000 {
            // Mix dense and sparse addresses so zero runs of every length appear.
            var value = random.next128()
            for group in 0..<8 where random.next() % 3 == 0 { value &= ~(UInt128(0xffff) << UInt128(16 * group)) }
            let address = IPv6Address(value)
            let length = UInt8(random.next() % 129)
            let prefix = IPv6Prefix(containing: address, length: length)
            #expect(prefix.contains(address))
            #expect(prefix.network.value & ~IPv6Prefix.mask(length) == 0)
            #expect(try IPv6Prefix(prefix.description) == prefix)
            #expect(try IPv6Address(address.description) == address)
            let text = address.description
            #expect(text == text.lowercased())
            #expect(!text.contains(":::"))
            let probe = IPv6Address(random.next128())
            #expect(prefix.contains(probe) == (prefix.network.value...prefix.lastAddress.value).contains(probe.value))
        }
    }

    /// Hostile bytes never crash the parsers, and whatever parses prints in a form that parses to the same value.
    @Test func fuzzAddressParsers() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4D4F_4755_5241_00FF)
        let alphabet = Array("0123456789abcdefABCDEF:./%[] -x".utf8)
        for round in 0..<20_000 {
            let count = Int(random.next() % 48)
            let bytes: [UInt8] =
                round % 2 == 0
                ? (0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
                : random.bytes(count: count)
            let text = String(decoding: bytes, as: UTF8.self)
            if let address = try? IPAddress(text) { #expect(try IPAddress(address.description) == address) }
            if let prefix = try? IPPrefix(text) { #expect(try IPPrefix(prefix.description) == prefix) }
            bytes.withUnsafeBufferPointer {
                if let v4 = IPv4Address.parse($0) { #expect(v4.description.utf8.count <= 15) }
                if let v6 = IPv6Address.parse($0) { #expect(v6.description.utf8.count <= 45) }
            }
        }
    }
}
