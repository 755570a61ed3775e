import MoguraCore
import MoguraResolve
import Testing

@Suite("IP-to-country/ASN file")
struct IPOriginTableTests {
    @Test func theLongestNetworkWinsForBothFamilies() throws {
        let table = try IPOriginTable(
            csv: Array(
                """
                # network,country,asn,as name
                203.0.113.0/24,jp,64500,EXAMPLE-NET
                203.0.113.128/25,BR,AS64501
                2001:db8::/32,DE

                198.51.100.0/24,US,,
                """.utf8))
        #expect(table.count == 4)
        #expect(table.lookup("203.0.113.7") == IPOrigin(country: "JP", network: "AS64500"))
        #expect(table.lookup("203.0.113.200") == IPOrigin(country: "BR", network: "AS64501"))
        #expect(table.lookup("2001:db8::1") == IPOrigin(country: "DE"))
        #expect(table.lookup("[IPv6:2001:db8::1]") == IPOrigin(country: "DE"), "Postfix's form of an IPv6 client")
        #expect(table.lookup("::ffff:203.0.113.7")?.country == "JP", "IPv4-mapped")
        #expect(table.lookup("198.51.100.9") == IPOrigin(country: "US"))
        #expect(table.lookup("192.0.2.1") == nil)
        #expect(table.lookup("not an address") == nil)
    }

    @Test(arguments: [
        ("203.0.113.0/24,JPN\n", "line 1", "two-letter"),
        ("10.0.0.0/8,JP\n203.0.113.5/24,JP\n", "line 2", "host bits"),
        ("203.0.113.0/24\n", "line 1", "expected network,country"),
        ("203.0.113.0/24,JP,ASX\n", "line 1", "AS number"),
    ])
    func aBadLineIsNamed(_ text: String, _ line: String, _ reason: String) {
        #expect {
            _ = try IPOriginTable(csv: Array(text.utf8), name: "origins.csv")
        } throws: { error in
            let message = "\(error)"
            return message.contains("origins.csv:\(line.dropFirst(5)):") && message.contains(reason)
        }
    }
}
