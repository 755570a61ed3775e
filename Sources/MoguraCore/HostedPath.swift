/// A file or directory in a customer's space on one of the provider's servers: an absolute path, optionally
/// qualified by the server's name (`web01:/home/alice/public_html`).
///
/// The inventory assigns directories to services (`/home/alice` → the hosting account `s1`); the scanner reports
/// the files it flags as paths, and attribution finds the longest assigned directory above them. Paths are
/// normalised on creation — repeated slashes collapsed, `.` components and a trailing slash dropped — so
/// `/home//alice/./www/` and `/home/alice/www` compare equal. `..` components are refused rather than
/// resolved: they would make a path mean a directory it does not name.
///
/// A server name matters where providers reuse one layout on many servers: `web01:/home/u1` and
/// `web02:/home/u1` are different accounts. An unqualified assignment holds on every server.
///
/// ```swift
/// let file = try HostedPath("web01:/home/alice/public_html/wp-content/x.php")
/// print(file.host, file.path)      // Optional("web01") /home/alice/public_html/wp-content/x.php
/// print(file.selfAndParents.last!) // /
/// ```
public struct HostedPath: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The server's name, lower case, or `nil` for a path that holds on every server.
    public let host: String?
    /// The normalised absolute path: `/` or `/a/b` (no trailing slash).
    public let path: String

    /// The longest path accepted, in bytes (Linux's PATH_MAX).
    public static let maximumLength = 4_096

    /// Parses `/absolute/path` or `host:/absolute/path`.
    /// - Throws: `IndicatorError` for a relative path, a `..` component, control characters, an empty or
    ///   malformed host name, or a path longer than ``maximumLength``.
    public init(_ text: some StringProtocol) throws(IndicatorError) {
        let input = String(text)
        func fail(_ reason: String) -> IndicatorError { IndicatorError(kind: "path", input: input, reason: reason) }
        let trimmed = Substring(text).trimmingWhitespace()
        var host: String?
        var rest = trimmed
        if trimmed.first != "/" {
            guard let colon = trimmed.firstIndex(of: ":") else { throw fail("not an absolute path (/…) or host:/…") }
            let name = trimmed[..<colon].lowercased()
            guard !name.isEmpty, name.utf8.count <= 253,
                name.utf8.allSatisfy({ DomainName.isLabelByte($0) || $0 == UInt8(ascii: ".") })
            else { throw fail("\"\(name)\" is not a server name (letters, digits, -, _ and .)") }
            host = name
            rest = trimmed[trimmed.index(after: colon)...]
            guard rest.first == "/" else { throw fail("the path after the server name is not absolute") }
        }
        guard rest.utf8.count <= Self.maximumLength else { throw fail("longer than \(Self.maximumLength) bytes") }
        guard rest.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw fail("control characters are not allowed in a path")
        }
        var components: [Substring] = []
        for component in rest.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { throw fail("\"..\" components are not allowed") }
            components.append(component)
        }
        self.host = host
        self.path = "/" + components.joined(separator: "/")
    }

    private init(host: String?, path: String) {
        self.host = host
        self.path = path
    }

    /// The same path on no particular server.
    public var unqualified: HostedPath { HostedPath(host: nil, path: path) }

    /// The path and every directory above it, longest first, ending with `/`.
    public var selfAndParents: [HostedPath] {
        var result = [self]
        var current = Substring(path)
        while current != "/" {
            let slash = current.lastIndex(of: "/") ?? current.startIndex
            current = slash == current.startIndex ? "/" : current[..<slash]
            result.append(HostedPath(host: host, path: String(current)))
        }
        return result
    }

    /// The keys attribution looks up, most specific first: each directory from the path up, on this server before
    /// on every server.
    public var lookupKeys: [String] {
        selfAndParents.flatMap { candidate in
            candidate.host == nil ? [candidate.description] : [candidate.description, candidate.unqualified.description]
        }
    }

    /// Whether `self` is `directory` or lies under it (on the same server, or `directory` holds on every server).
    public func isInside(_ directory: HostedPath) -> Bool {
        guard directory.host == nil || directory.host == host else { return false }
        return directory.path == "/" || path == directory.path || path.hasPrefix(directory.path + "/")
    }

    /// `/home/alice` or `web01:/home/alice`.
    public var description: String { host.map { "\($0):\(path)" } ?? path }

    public static func < (lhs: HostedPath, rhs: HostedPath) -> Bool { lhs.description < rhs.description }
}
