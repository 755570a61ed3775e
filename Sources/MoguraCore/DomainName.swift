import Foundation

/// A DNS domain name in the form Mogura stores and compares: lower case, A-labels (`xn--…`) for
/// internationalised labels, no trailing dot.
///
/// Normalisation applies NFKC and lower-casing to each label before Punycode (close to the UTS #46 mapping for the
/// characters abuse reports carry: full-width letters and digits, the ideographic full stop `。` as a dot).
/// Underscores are allowed (`_dmarc.example.jp` appears in reports); spaces, control characters and URL
/// punctuation are not.
///
/// ```swift
/// let name = try DomainName("Shop.例え.JP.")
/// print(name)   // shop.xn--r8jz45g.jp
/// ```
public struct DomainName: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The normalised name, e.g. `shop.example.jp`.
    public let value: String

    /// Normalises and validates a domain name.
    /// - Throws: `IndicatorError` naming the offending label.
    public init(_ text: some StringProtocol) throws(IndicatorError) {
        // The common case, a plain ASCII host name, needs no Unicode normalisation.
        if let fast = Self.asciiFastPath(text) {
            self.value = fast
            return
        }
        var name = String(text).precomposedStringWithCompatibilityMapping
        // UTS #46 treats these as label separators; NFKC already maps U+FF0E and U+FF61 to '.' or '｡'.
        name = String(name.map { $0 == "。" || $0 == "｡" || $0 == "．" ? "." : $0 })
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw IndicatorError(kind: "domain", input: String(text), reason: "empty name") }
        var labels: [String] = []
        for rawLabel in name.split(separator: ".", omittingEmptySubsequences: false) {
            let label = rawLabel.lowercased()
            guard !label.isEmpty else {
                throw IndicatorError(kind: "domain", input: String(text), reason: "empty label (two dots in a row)")
            }
            let ascii: String
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                ascii = label
                if label.hasPrefix("xn--") {
                    guard Punycode.decode(label.dropFirst(4)) != nil else {
                        throw IndicatorError(kind: "domain", input: String(text), reason: "label \"\(label)\" is not valid Punycode")
                    }
                }
            } else {
                guard let encoded = Punycode.encode(label.unicodeScalars) else {
                    throw IndicatorError(kind: "domain", input: String(text), reason: "label \"\(label)\" cannot be encoded")
                }
                ascii = "xn--" + encoded
            }
            guard ascii.utf8.count <= 63 else {
                throw IndicatorError(kind: "domain", input: String(text), reason: "label \"\(label)\" is longer than 63 bytes")
            }
            guard ascii.utf8.allSatisfy(DomainName.isLabelByte) else {
                throw IndicatorError(kind: "domain", input: String(text), reason: "label \"\(label)\" has characters not allowed in a host name")
            }
            guard ascii.first != "-", ascii.last != "-" else {
                throw IndicatorError(kind: "domain", input: String(text), reason: "label \"\(label)\" starts or ends with a hyphen")
            }
            labels.append(ascii)
        }
        let joined = labels.joined(separator: ".")
        guard joined.utf8.count <= 253 else {
            throw IndicatorError(kind: "domain", input: String(text), reason: "name is longer than 253 bytes")
        }
        self.value = joined
    }

    /// Lower-cases and validates a name made only of ASCII letters, digits, hyphens, underscores and dots with no
    /// `xn--` label; anything else goes the long way.
    private static func asciiFastPath(_ text: some StringProtocol) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var labelLength = 0
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in text.utf8 {
            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            switch lower {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                labelLength += 1
            case UInt8(ascii: "-"):
                if previous == UInt8(ascii: ".") { return nil }
                labelLength += 1
            case UInt8(ascii: "."):
                if labelLength == 0 || previous == UInt8(ascii: "-") { return nil }
                labelLength = 0
            default:
                return nil
            }
            if labelLength > 63 { return nil }
            bytes.append(lower)
            previous = lower
        }
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() } else if previous == UInt8(ascii: "-") { return nil }
        guard !bytes.isEmpty, bytes.count <= 253, bytes.last != UInt8(ascii: ".") else { return nil }
        let name = String(decoding: bytes, as: UTF8.self)
        return name.hasPrefix("xn--") || name.contains(".xn--") ? nil : name
    }

    /// Creates a name from text already in normalised form (as read back from the store). Not validated.
    public init(normalized value: String) {
        self.value = value
    }

    static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// The labels, left to right: `["shop", "example", "jp"]`.
    public var labels: [Substring] { value.split(separator: ".") }

    /// This name and each parent, longest first: `shop.example.jp`, `example.jp`, `jp`. Suffix matching walks
    /// this list, so `badexample.jp` never matches `example.jp`.
    public var selfAndParents: [DomainName] {
        var result = [self]
        var rest = Substring(value)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            result.append(DomainName(normalized: String(rest)))
        }
        return result
    }

    /// Whether this name equals `other` or lies under it.
    public func isSubdomain(of other: DomainName) -> Bool {
        value == other.value || value.hasSuffix("." + other.value)
    }

    /// The name with A-labels decoded for display: `shop.例え.jp`.
    public var unicode: String {
        labels.map { label in
            label.hasPrefix("xn--") ? (Punycode.decode(label.dropFirst(4)) ?? String(label)) : String(label)
        }.joined(separator: ".")
    }

    public var description: String { value }

    public static func < (lhs: DomainName, rhs: DomainName) -> Bool { lhs.value < rhs.value }
}

/// The error thrown when an indicator (domain, e-mail address, URL, hash, …) cannot be normalised.
public struct IndicatorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The indicator kind being parsed, e.g. `domain`.
    public var kind: String
    /// The text that failed.
    public var input: String
    /// What was wrong.
    public var reason: String

    /// Creates an error.
    public init(kind: String, input: String, reason: String) {
        self.kind = kind
        self.input = input
        self.reason = reason
    }

    public var description: String { "\(kind) \"\(input)\": \(reason)" }
}
