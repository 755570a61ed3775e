public import MoguraCore

/// Finds indicators in normalised free text (see ``TextNormalizer``): URLs, e-mail addresses, IPv4 and IPv6
/// addresses (with ports), and domain names. Works on the UTF-8 bytes in one pass per kind, so a long complaint
/// costs little.
public enum IndicatorExtractor {
    /// Every indicator in `text`, in order of first appearance, without duplicates. Domains that are the host of
    /// a URL or an e-mail address found in the text are not repeated as domains.
    public static func extract(_ text: String) -> [Indicator] {
        let bytes = Array(text.utf8)
        var found: [(position: Int, indicator: Indicator)] = []
        var covered = [Bool](repeating: false, count: bytes.count + 1)
        func cover(_ range: Range<Int>) { for i in range { covered[i] = true } }

        // URLs first: their hosts, paths and query strings would otherwise yield stray domains and addresses.
        for range in urlRanges(bytes) {
            let token = String(decoding: bytes[range], as: UTF8.self)
            if let url = try? ReportedURL(token) {
                found.append((range.lowerBound, .url(url)))
                cover(range)
            }
        }
        for range in emailRanges(bytes) where !covered[range.lowerBound] {
            if let address = try? EmailAddress(String(decoding: bytes[range], as: UTF8.self)), hasKnownTLD(address.domain) {
                found.append((range.lowerBound, .email(address)))
                cover(range)
            }
        }
        for (range, indicator) in addresses(bytes) where !covered[range.lowerBound] {
            found.append((range.lowerBound, indicator))
            cover(range)
        }
        for range in domainRanges(bytes) where !covered[range.lowerBound] {
            if let name = try? DomainName(String(decoding: bytes[range], as: UTF8.self)), hasKnownTLD(name), name.labels.count >= 2 {
                found.append((range.lowerBound, .domain(name)))
            }
        }
        found.sort { $0.position < $1.position }
        var seen = Set<Indicator>()
        return found.compactMap { seen.insert($0.indicator).inserted ? $0.indicator : nil }
    }

    // MARK: - URLs

    private static let schemes: [[UInt8]] = ["http://", "https://", "ftp://", "ftps://"].map { Array($0.utf8) }

    /// Bytes that end a URL: whitespace, quotes, angle brackets, and (as the start of a UTF-8 sequence) the
    /// Japanese punctuation that follows URLs in prose.
    private static func endsURL(_ bytes: [UInt8], _ i: Int) -> Bool {
        let byte = bytes[i]
        switch byte {
        case 0x00...0x20, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "`"),
            UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "^"), 0x7F:
            return true
        case 0xE3:
            // U+3000-U+303F (ideographic space, 、。「」『』【】〈〉《》) and U+FF08/U+FF09 are E3 80 xx / EF BC 88-89.
            return i + 1 < bytes.count && bytes[i + 1] == 0x80
        case 0xEF:
            return i + 2 < bytes.count && bytes[i + 1] == 0xBC && (bytes[i + 2] == 0x88 || bytes[i + 2] == 0x89)
        default:
            return false
        }
    }

    static func urlRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i] | 0x20
            if byte == UInt8(ascii: "h") || byte == UInt8(ascii: "f") {
                for scheme in schemes where i + scheme.count <= bytes.count {
                    var matches = true
                    for (offset, expected) in scheme.enumerated()
                    where bytes[i + offset] | 0x20 != expected | 0x20 && !(expected == UInt8(ascii: ":") || expected == UInt8(ascii: "/")) {
                        matches = false
                        break
                    }
                    guard matches, bytes[i + scheme.count - 3] == UInt8(ascii: ":") else { continue }
                    if i > 0, isWordByte(bytes[i - 1]) { continue }
                    var end = i + scheme.count
                    while end < bytes.count && !endsURL(bytes, end) { end += 1 }
                    // Trailing punctuation belongs to the sentence; an unbalanced closing bracket too.
                    while end > i + scheme.count {
                        let last = bytes[end - 1]
                        if [UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"), UInt8(ascii: "?")]
                            .contains(last)
                        {
                            end -= 1
                        } else if last == UInt8(ascii: ")")
                            && bytes[i..<end].count(where: { $0 == UInt8(ascii: "(") }) < bytes[i..<end].count(where: { $0 == UInt8(ascii: ")") })
                        {
                            end -= 1
                        } else if last == UInt8(ascii: "]") && !bytes[i..<end].contains(UInt8(ascii: "[")) {
                            end -= 1
                        } else {
                            break
                        }
                    }
                    if end > i + scheme.count {
                        ranges.append(i..<end)
                        i = end
                    }
                    break
                }
            }
            i += 1
        }
        return ranges
    }

    // MARK: - E-mail addresses

    static func emailRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var lastEnd = 0
        for at in bytes.indices where bytes[at] == UInt8(ascii: "@") && at >= lastEnd {
            var start = at
            while start > lastEnd && isLocalByte(bytes[start - 1]) { start -= 1 }
            while start < at && bytes[start] == UInt8(ascii: ".") { start += 1 }
            var end = at + 1
            while end < bytes.count && isHostByte(bytes[end]) { end += 1 }
            while end > at + 1 && (bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-")) { end -= 1 }
            guard start < at, end > at + 1, bytes[(at + 1)..<end].contains(UInt8(ascii: ".")) else { continue }
            ranges.append(start..<end)
            lastEnd = end
        }
        return ranges
    }

    // MARK: - Addresses

    static func addresses(_ bytes: [UInt8]) -> [(Range<Int>, Indicator)] {
        var result: [(Range<Int>, Indicator)] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            // IPv6 in brackets with a port: [2001:db8::1]:25
            if byte == UInt8(ascii: "["), let close = bytes[i...].prefix(48).firstIndex(of: UInt8(ascii: "]")) {
                let inner = String(decoding: bytes[(i + 1)..<close], as: UTF8.self)
                if inner.contains(":"), let v6 = try? IPv6Address(inner) {
                    var end = close + 1
                    if end < bytes.count && bytes[end] == UInt8(ascii: ":"), let (port, portEnd) = readPort(bytes, end + 1) {
                        end = portEnd
                        result.append((i..<end, .ipPort(IPAddress.v6(v6).unmapped, port: port)))
                    } else {
                        result.append((i..<end, .ip(IPAddress.v6(v6).unmapped)))
                    }
                    i = end
                    continue
                }
            }
            // A token starts at a hex digit, or at "::" (an IPv6 address such as ::1); a lone colon is punctuation.
            let startsIPv6 = byte == UInt8(ascii: ":") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: ":")
            guard isHexByte(byte) || startsIPv6, i == 0 || !isAddressContext(bytes, before: i) else {
                i += 1
                continue
            }
            var end = i
            var colons = 0
            var dots = 0
            while end < bytes.count && (isHexByte(bytes[end]) || bytes[end] == UInt8(ascii: ":") || bytes[end] == UInt8(ascii: ".")) {
                if bytes[end] == UInt8(ascii: ":") { colons += 1 }
                if bytes[end] == UInt8(ascii: ".") { dots += 1 }
                end += 1
            }
            // Trailing sentence punctuation.
            while end > i && (bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: ":")) {
                if bytes[end - 1] == UInt8(ascii: ":") { colons -= 1 } else { dots -= 1 }
                end -= 1
            }
            if end < bytes.count && isWordByte(bytes[end]) && !isHexByte(bytes[end]) {
                // Part of a longer word ("1.2.3.4abc", "deadbeef:x").
                i = end + 1
                continue
            }
            let token = bytes[i..<end]
            if dots == 3 && colons <= 1, let indicator = ipv4(token) {
                result.append((i..<end, indicator))
            } else if colons >= 2, let v6 = try? IPv6Address(String(decoding: token, as: UTF8.self)), isPlausibleIPv6(token) {
                result.append((i..<end, .ip(IPAddress.v6(v6).unmapped)))
            }
            i = max(end, i + 1)
        }
        return result
    }

    /// `a.b.c.d` or `a.b.c.d:port`.
    private static func ipv4(_ token: ArraySlice<UInt8>) -> Indicator? {
        if let colon = token.firstIndex(of: UInt8(ascii: ":")) {
            guard let address = token[..<colon].withContiguousStorageIfAvailable({ IPv4Address.parse($0) }) ?? nil,
                let (port, portEnd) = readPort(Array(token), colon - token.startIndex + 1), portEnd == token.count
            else { return nil }
            return .ipPort(.v4(address), port: port)
        }
        guard let address = token.withContiguousStorageIfAvailable({ IPv4Address.parse($0) }) ?? nil else { return nil }
        return .ip(.v4(address))
    }

    /// Times (`04:32:10`) and MAC-like hex runs parse as IPv6 sometimes; real addresses have `::` or eight groups.
    private static func isPlausibleIPv6(_ token: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: token, as: UTF8.self)
        if text.contains("::") { return text.count > 2 }
        return text.split(separator: ":").count >= 8 || (text.contains(".") && text.split(separator: ":").count >= 7)
    }

    private static func readPort(_ bytes: [UInt8], _ start: Int) -> (UInt16, Int)? {
        var end = start
        var value = 0
        while end < bytes.count && end - start < 5 && bytes[end] >= 0x30 && bytes[end] <= 0x39 {
            value = value * 10 + Int(bytes[end] - 0x30)
            end += 1
        }
        guard end > start, value <= 65_535, end == bytes.count || !(bytes[end] >= 0x30 && bytes[end] <= 0x39) else { return nil }
        return (UInt16(value), end)
    }

    // MARK: - Domains

    static func domainRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            guard isHostStart(bytes[i]), i == 0 || !(isHostByte(bytes[i - 1]) || bytes[i - 1] == UInt8(ascii: "@")) else {
                i += 1
                continue
            }
            var end = i
            while end < bytes.count && isHostByte(bytes[end]) { end += 1 }
            while end > i && (bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-")) { end -= 1 }
            if bytes[i..<end].contains(UInt8(ascii: ".")) && !(end < bytes.count && bytes[end] == UInt8(ascii: "@")) {
                ranges.append(i..<end)
            }
            i = max(end, i + 1)
        }
        return ranges
    }

    /// Whether a name ends in a top-level domain people register under, rather than a file extension.
    static func hasKnownTLD(_ name: DomainName) -> Bool {
        guard let tld = name.labels.last else { return false }
        if tld.hasPrefix("xn--") { return tld.count > 4 }
        if tld.count == 2 { return tld.allSatisfy(\.isLetter) && !notCountryCodes.contains(String(tld)) }
        return genericTLDs.contains(String(tld))
    }

    /// Two-letter file extensions that are also country codes but almost always mean a file in a complaint.
    private static let notCountryCodes: Set<String> = ["md", "sh", "pl", "py", "rs", "js", "cs", "gz", "xz", "so", "ps", "mk", "am", "pm", "cc"]

    private static let genericTLDs: Set<String> = [
        "com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "name", "pro", "xyz", "top", "site", "online", "club",
        "shop", "store", "app", "dev", "page", "blog", "cloud", "tech", "live", "life", "link", "click", "work", "jobs", "mobi",
        "asia", "tokyo", "osaka", "nagoya", "yokohama", "kyoto", "moe", "ninja", "win", "bid", "loan", "vip", "icu", "cyou",
        "buzz", "rest", "fun", "space", "website", "host", "press", "today", "world", "news", "email", "support", "services",
        "solutions", "digital", "network", "zone", "agency", "company", "center", "group", "ltd", "inc", "llc", "gmbh",
        "media", "studio", "design", "art", "best", "bar", "men", "date", "download", "stream", "review", "trade", "party",
        "racing", "science", "cricket", "accountant", "faith", "webcam", "gdn", "lol", "monster", "quest", "sbs", "beauty",
        "hair", "skin", "makeup", "autos", "boats", "homes", "motorcycles", "yachts", "bond", "cfd", "finance", "money",
        "bank", "pay", "cash", "credit", "loans", "capital", "exchange", "market", "markets", "trading", "global", "one",
        "plus", "run", "sale", "team", "tips", "tools", "top", "travel", "wiki", "co", "io", "me", "tv", "cc", "ws", "la",
        "arpa", "local",
    ]

    // MARK: - Byte classes

    @inline(__always) private static func isHexByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66)
    }

    @inline(__always) private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == UInt8(ascii: "_")
    }

    /// Whether the byte before `index` makes what starts there part of something else: a version, a word, a path,
    /// an IPv6 address. A colon after a label ("IP:192.0.2.1", "アドレス:192.0.2.1") does not.
    @inline(__always) private static func isAddressContext(_ bytes: [UInt8], before index: Int) -> Bool {
        let b = bytes[index - 1]
        if b == UInt8(ascii: ":") {
            return index >= 2 && (isHexByte(bytes[index - 2]) || bytes[index - 2] == UInt8(ascii: ":"))
        }
        return isWordByte(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "/") || b == UInt8(ascii: "-")
    }

    @inline(__always) private static func isLocalByte(_ b: UInt8) -> Bool {
        isWordByte(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: "%")
            || b == UInt8(ascii: "=")
    }

    /// Host-name bytes: ASCII letters, digits, hyphen, underscore and dot. In prose a non-ASCII byte ends a name
    /// (Japanese text runs straight into names); internationalised names are found inside URLs.
    @inline(__always) private static func isHostByte(_ b: UInt8) -> Bool {
        isWordByte(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    @inline(__always) private static func isHostStart(_ b: UInt8) -> Bool {
        (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || (b >= 0x30 && b <= 0x39)
    }
}
