/// The sample inventory `mogura demo` imports, compiled into the binary so the demo works wherever the binary is
/// copied (no resource bundle to lose). Customers, services and assignments chosen to show every attribution rule:
/// an address that moved between customers, nested prefixes, IPv6, domains (one internationalised), a mail account
/// and carrier-grade NAT port blocks. All addresses and names are from documentation ranges (RFC 5737, RFC 3849,
/// RFC 2606).
enum SampleInventory {
    static let json = #"""
        {
          "customers": [
            {"id": "c1", "name": "株式会社サンプル商事", "emails": ["abuse-contact@example.jp"], "language": "ja", "timezone": "Asia/Tokyo"},
            {"id": "c2", "name": "Example Cloud Ltd.", "emails": ["security@example.net", "noc@example.net"], "language": "en", "timezone": "Europe/London"},
            {"id": "c3", "name": "山田 太郎", "emails": ["taro.yamada@example.org"], "language": "ja", "timezone": "Asia/Tokyo"},
            {"id": "c4", "name": "佐藤 花子", "emails": ["hanako@example.org"], "language": "ja", "timezone": "Asia/Tokyo"}
          ],
          "services": [
            {"id": "s1", "customer": "c1", "kind": "shared-hosting"},
            {"id": "s2", "customer": "c2", "kind": "vps"},
            {"id": "s3", "customer": "c3", "kind": "access"},
            {"id": "s4", "customer": "c1", "kind": "mail"},
            {"id": "s5", "customer": "c2", "kind": "dedicated"},
            {"id": "s6", "customer": "c4", "kind": "access"}
          ],
          "assignments": [
            {"service": "s1", "prefix": "203.0.113.0/24", "valid_from": "2024-01-01T00:00:00Z", "valid_to": null},
            {"service": "s5", "prefix": "203.0.113.200/32", "valid_from": "2024-06-01 00:00"},
            {"service": "s2", "prefix": "192.0.2.0/26", "valid_from": "2023-01-01 00:00", "valid_to": "2025-04-01 09:00"},
            {"service": "s1", "prefix": "192.0.2.0/26", "valid_from": "2025-04-01 09:00"},
            {"service": "s2", "prefix": "2001:db8:100::/48"},
            {"service": "s5", "prefix": "2001:db8:100:5::/64"},
            {"service": "s1", "domain": "example.jp"},
            {"service": "s1", "domain": "例え.jp"},
            {"service": "s2", "domain": "shop.example.net"},
            {"service": "s4", "mail_account": "info@example.jp"},
            {"service": "s3", "nat": {"ip": "198.51.100.7", "ports": "1024-2047"}, "valid_from": "2025-01-01T00:00:00Z", "valid_to": "2025-02-01T00:00:00Z"},
            {"service": "s6", "nat": {"ip": "198.51.100.7", "ports": "2048-3071"}, "valid_from": "2025-01-01T00:00:00Z", "valid_to": "2025-02-01T00:00:00Z"}
          ]
        }
        """#
}
