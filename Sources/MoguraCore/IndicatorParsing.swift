extension Indicator {
    /// Reads an indicator typed by a person, guessing its kind from its shape.
    ///
    /// `kind:value` with a known kind (`ip:`, `domain:`, `account:`, …) is taken as given. Otherwise:
    /// `scheme://…` is a URL; `/…` is a path on a server; `a.b.c.d:port` and `[v6]:port` are an address and port; an IP address is an
    /// address; a 32/40/64-digit hex string is a file hash; text with `@` is an e-mail address; anything else is
    /// a domain name.
    ///
    /// ```swift
    /// try Indicator(guessing: "203.0.113.7:443")   // .ipPort(203.0.113.7, 443)
    /// try Indicator(guessing: "Shop.Example.JP.")  // .domain(shop.example.jp)
    /// ```
    /// - Throws: `IndicatorError` when the text fits no kind.
    public init(guessing text: String) throws(IndicatorError) {
        let trimmed = String(Substring(text).trimmingWhitespace())
        guard !trimmed.isEmpty else { throw IndicatorError(kind: "indicator", input: text, reason: "empty") }
        if let colon = trimmed.firstIndex(of: ":"), !trimmed[colon...].hasPrefix("://") {
            let kind = String(trimmed[..<colon])
            if ["ip", "ip_port", "url", "domain", "email", "file_hash", "account", "path"].contains(kind) {
                self = try Indicator(kind: kind, value: String(trimmed[trimmed.index(after: colon)...]))
                return
            }
        }
        if trimmed.contains("://") {
            self = .url(try ReportedURL(trimmed))
            return
        }
        if trimmed.first == "/" {
            self = .path(try HostedPath(trimmed))
            return
        }
        if let address = try? IPAddress(trimmed) {
            self = .ip(address.unmapped)
            return
        }
        if trimmed.first == "[" || trimmed.filter({ $0 == ":" }).count == 1 && trimmed.contains(".") && !trimmed.contains("@") {
            if let portIndicator = try? Indicator(kind: "ip_port", value: trimmed) {
                self = portIndicator
                return
            }
        }
        if [32, 40, 64].contains(trimmed.count), trimmed.allSatisfy(\.isHexDigit), let hash = try? FileHash(trimmed) {
            self = .fileHash(hash)
            return
        }
        if trimmed.contains("@") {
            self = .email(try EmailAddress(trimmed))
            return
        }
        self = .domain(try DomainName(trimmed))
    }
}
