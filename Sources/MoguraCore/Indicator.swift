/// An e-mail address normalised for matching: the domain as a ``DomainName``, the local part lower-cased.
///
/// RFC 5321 lets a server treat local parts as case-sensitive, but no provider's mail system does, and reports
/// spell addresses every way; matching case-insensitively is what an abuse desk needs.
public struct EmailAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The local part, lower-cased (`info`).
    public let localPart: String
    /// The domain (`example.jp`).
    public let domain: DomainName

    /// Parses `local@domain`; surrounding angle brackets and a `mailto:` prefix are removed.
    /// - Throws: `IndicatorError`.
    public init(_ text: some StringProtocol) throws(IndicatorError) {
        var string = Substring(text).trimmingWhitespace()
        if string.lowercased().hasPrefix("mailto:") { string = string.dropFirst(7) }
        if string.first == "<" && string.last == ">" { string = string.dropFirst().dropLast() }
        guard let at = string.lastIndex(of: "@") else {
            throw IndicatorError(kind: "email", input: String(text), reason: "no @")
        }
        let local = string[..<at]
        guard !local.isEmpty, local.utf8.count <= 64 else {
            throw IndicatorError(kind: "email", input: String(text), reason: "local part is empty or longer than 64 bytes")
        }
        guard local.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" && $0 != "," }) else {
            throw IndicatorError(kind: "email", input: String(text), reason: "local part has spaces or control characters")
        }
        do {
            self.domain = try DomainName(string[string.index(after: at)...])
        } catch {
            throw IndicatorError(kind: "email", input: String(text), reason: error.reason)
        }
        self.localPart = local.lowercased()
    }

    /// `local@domain`.
    public var description: String { "\(localPart)@\(domain)" }

    public static func < (lhs: EmailAddress, rhs: EmailAddress) -> Bool { lhs.description < rhs.description }
}

/// The host of a URL: a name or an address.
public enum URLHost: Hashable, Sendable, CustomStringConvertible {
    case domain(DomainName)
    case ip(IPAddress)

    public var description: String {
        switch self {
        case .domain(let name): name.description
        case .ip(.v6(let address)): "[\(address)]"
        case .ip(let address): address.description
        }
    }
}

/// A URL as evidence: parsed far enough to normalise scheme and host and find whose host it is, and otherwise
/// kept byte for byte. Mogura never fetches it.
///
/// ```swift
/// let url = try ReportedURL("HTTP://Shop.Example.JP:80/login.php?x=1")
/// print(url)        // http://shop.example.jp/login.php?x=1
/// print(url.host)   // shop.example.jp
/// ```
public struct ReportedURL: Hashable, Sendable, CustomStringConvertible {
    /// The scheme, lower case (`http`).
    public let scheme: String
    /// The user-info part before `@`, if any, kept as written.
    public let userInfo: String?
    /// The host.
    public let host: URLHost
    /// The port when it is not the scheme's default.
    public let port: UInt16?
    /// Path, query and fragment, as written.
    public let rest: String

    /// Parses `scheme://[userinfo@]host[:port][/path][?query][#fragment]`.
    /// - Throws: `IndicatorError`.
    public init(_ text: some StringProtocol) throws(IndicatorError) {
        let string = Substring(text).trimmingWhitespace()
        guard let colon = string.firstIndex(of: ":"), string[colon...].hasPrefix("://") else {
            throw IndicatorError(kind: "url", input: String(text), reason: "no scheme://")
        }
        let scheme = string[..<colon].lowercased()
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else {
            throw IndicatorError(kind: "url", input: String(text), reason: "scheme \"\(scheme)\" is not valid")
        }
        let afterScheme = string[string.index(colon, offsetBy: 3)...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        var authority = afterScheme[..<authorityEnd]
        self.rest = String(afterScheme[authorityEnd...])
        if let at = authority.lastIndex(of: "@") {
            self.userInfo = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        } else {
            self.userInfo = nil
        }
        var hostText = authority
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else {
                throw IndicatorError(kind: "url", input: String(text), reason: "unclosed [ in host")
            }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.first == ":" {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw IndicatorError(kind: "url", input: String(text), reason: "unexpected text after ]")
            }
        } else if let portColon = authority.lastIndex(of: ":") {
            hostText = authority[..<portColon]
            portText = authority[authority.index(after: portColon)...]
        }
        if let portText, !portText.isEmpty {
            guard let port = UInt16(portText) else {
                throw IndicatorError(kind: "url", input: String(text), reason: "port \"\(portText)\" is not a number 0-65535")
            }
            self.port = ReportedURL.defaultPorts[scheme] == port ? nil : port
        } else {
            self.port = nil
        }
        guard !hostText.isEmpty else { throw IndicatorError(kind: "url", input: String(text), reason: "no host") }
        if let address = try? IPAddress(hostText) {
            self.host = .ip(address)
        } else {
            do {
                self.host = .domain(try DomainName(hostText))
            } catch {
                throw IndicatorError(kind: "url", input: String(text), reason: error.reason)
            }
        }
        self.scheme = scheme
    }

    private static let defaultPorts: [String: UInt16] = ["http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443]

    /// The normalised URL.
    public var description: String {
        var text = scheme + "://"
        if let userInfo { text += userInfo + "@" }
        text += host.description
        if let port { text += ":\(port)" }
        return text + rest
    }
}

/// A file digest: MD5, SHA-1 or SHA-256, told apart by length, stored as lower-case hex.
public struct FileHash: Hashable, Sendable, CustomStringConvertible {
    /// The digest algorithm.
    public enum Algorithm: String, Sendable, Codable, CaseIterable {
        case md5, sha1, sha256
    }

    /// The algorithm, from the digest length.
    public let algorithm: Algorithm
    /// Lower-case hex digits.
    public let hex: String

    /// Parses a hex digest of 32, 40 or 64 digits, with an optional `md5:`/`sha1:`/`sha256:` prefix.
    /// - Throws: `IndicatorError`.
    public init(_ text: some StringProtocol) throws(IndicatorError) {
        var string = Substring(text).trimmingWhitespace().lowercased()[...]
        if let colon = string.firstIndex(of: ":") { string = string[string.index(after: colon)...] }
        guard string.allSatisfy(\.isHexDigit) else {
            throw IndicatorError(kind: "hash", input: String(text), reason: "not hexadecimal")
        }
        switch string.count {
        case 32: algorithm = .md5
        case 40: algorithm = .sha1
        case 64: algorithm = .sha256
        default: throw IndicatorError(kind: "hash", input: String(text), reason: "length \(string.count) is not MD5, SHA-1 or SHA-256")
        }
        hex = String(string)
    }

    /// `algorithm:hex`.
    public var description: String { "\(algorithm.rawValue):\(hex)" }
}

/// One thing a report points at: the keys attribution and correlation work on.
///
/// Each case normalises its value on creation, so equal indicators compare equal however a report spelled them.
public enum Indicator: Hashable, Sendable, CustomStringConvertible {
    case ip(IPAddress)
    case ipPort(IPAddress, port: UInt16)
    case url(ReportedURL)
    case domain(DomainName)
    case email(EmailAddress)
    case fileHash(FileHash)
    /// An account name at the provider (a login, a hosting account); kept as given, trimmed.
    case account(String)
    /// A file or directory on one of the provider's servers (what the scanner flags).
    case path(HostedPath)

    /// The kind as a short lower-case word: `ip`, `ip_port`, `url`, `domain`, `email`, `file_hash`, `account`,
    /// `path`.
    public var kind: String {
        switch self {
        case .ip: "ip"
        case .ipPort: "ip_port"
        case .url: "url"
        case .domain: "domain"
        case .email: "email"
        case .fileHash: "file_hash"
        case .account: "account"
        case .path: "path"
        }
    }

    /// The normalised value as text, without the kind.
    public var value: String {
        switch self {
        case .ip(let address): address.unmapped.description
        case .ipPort(.v6(let address), let port) where address.mappedIPv4 == nil: "[\(address)]:\(port)"
        case .ipPort(let address, let port): "\(address.unmapped):\(port)"
        case .url(let url): url.description
        case .domain(let name): name.description
        case .email(let address): address.description
        case .fileHash(let hash): hash.description
        case .account(let name): name
        case .path(let path): path.description
        }
    }

    /// Recreates an indicator from its kind and value, as stored.
    /// - Throws: `IndicatorError` when the value does not parse as that kind.
    public init(kind: String, value: String) throws(IndicatorError) {
        switch kind {
        case "ip":
            do { self = .ip(try IPAddress(value).unmapped) } catch {
                throw IndicatorError(kind: kind, input: value, reason: error.reason)
            }
        case "ip_port":
            guard let colon = value.lastIndex(of: ":"), let port = UInt16(value[value.index(after: colon)...]) else {
                throw IndicatorError(kind: kind, input: value, reason: "expected address:port or [v6]:port")
            }
            var host = value[..<colon]
            if host.first == "[" && host.last == "]" { host = host.dropFirst().dropLast() }
            do { self = .ipPort(try IPAddress(host).unmapped, port: port) } catch {
                throw IndicatorError(kind: kind, input: value, reason: error.reason)
            }
        case "url": self = .url(try ReportedURL(value))
        case "domain": self = .domain(try DomainName(value))
        case "email": self = .email(try EmailAddress(value))
        case "file_hash": self = .fileHash(try FileHash(value))
        case "account":
            let trimmed = Substring(value).trimmingWhitespace()
            guard !trimmed.isEmpty else { throw IndicatorError(kind: kind, input: value, reason: "empty") }
            self = .account(String(trimmed))
        case "path": self = .path(try HostedPath(value))
        default:
            throw IndicatorError(kind: kind, input: value, reason: "unknown indicator kind")
        }
    }

    /// `kind:value`.
    public var description: String { "\(kind):\(value)" }
}

extension Indicator: Codable {
    private enum CodingKeys: String, CodingKey { case kind, value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let value = try container.decode(String.self, forKey: .value)
        do {
            self = try Indicator(kind: kind, value: value)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(value, forKey: .value)
    }
}

extension Substring {
    /// The substring without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
