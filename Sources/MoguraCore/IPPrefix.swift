/// An IPv4 network prefix (CIDR block) such as `203.0.113.0/25`.
///
/// The stored network address always has its host bits cleared, so two prefixes covering the same addresses are
/// equal and print the same way.
public struct IPv4Prefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits zero).
    public let network: IPv4Address
    /// The prefix length, 0 through 32.
    public let length: UInt8

    /// Creates the prefix of `length` bits containing `address`, clearing the host bits.
    /// - Precondition: `length <= 32`.
    public init(containing address: IPv4Address, length: UInt8) {
        precondition(length <= 32, "IPv4 prefix length must be 0...32")
        self.network = IPv4Address(address.value & Self.mask(length))
        self.length = length
    }

    /// Parses `a.b.c.d/len`, or a bare address as a /32.
    ///
    /// Host bits must be zero: `203.0.113.5/24` is rejected with a suggestion, because an inventory that says it
    /// probably holds a typo.
    /// - Throws: `AddressParseError`.
    public init(_ text: some StringProtocol) throws(AddressParseError) {
        let (addressText, length) = try splitPrefix(text, maximum: 32)
        let address = try IPv4Address(addressText)
        let prefix = IPv4Prefix(containing: address, length: length ?? 32)
        guard prefix.network == address else {
            throw AddressParseError(input: String(text), reason: "host bits are set; did you mean \(prefix)?")
        }
        self = prefix
    }

    /// The netmask for a prefix length: `mask(24)` is `0xFFFF_FF00`.
    @inlinable
    public static func mask(_ length: UInt8) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    /// The last address of the block.
    public var lastAddress: IPv4Address { IPv4Address(network.value | ~Self.mask(length)) }

    /// Whether `address` lies inside the block.
    @inlinable
    public func contains(_ address: IPv4Address) -> Bool {
        address.value & Self.mask(length) == network.value
    }

    /// Whether `other` lies entirely inside this block.
    public func contains(_ other: IPv4Prefix) -> Bool {
        other.length >= length && contains(other.network)
    }

    public var description: String { "\(network)/\(length)" }

    /// Orders by network address, then shorter (wider) prefixes first.
    public static func < (lhs: IPv4Prefix, rhs: IPv4Prefix) -> Bool {
        (lhs.network.value, lhs.length) < (rhs.network.value, rhs.length)
    }
}

/// An IPv6 network prefix such as `2001:db8::/32`.
public struct IPv6Prefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits zero).
    public let network: IPv6Address
    /// The prefix length, 0 through 128.
    public let length: UInt8

    /// Creates the prefix of `length` bits containing `address`, clearing the host bits.
    /// - Precondition: `length <= 128`.
    public init(containing address: IPv6Address, length: UInt8) {
        precondition(length <= 128, "IPv6 prefix length must be 0...128")
        self.network = IPv6Address(address.value & Self.mask(length))
        self.length = length
    }

    /// Parses `addr/len`, or a bare address as a /128. Host bits must be zero.
    /// - Throws: `AddressParseError`.
    public init(_ text: some StringProtocol) throws(AddressParseError) {
        let (addressText, length) = try splitPrefix(text, maximum: 128)
        let address = try IPv6Address(addressText)
        let prefix = IPv6Prefix(containing: address, length: length ?? 128)
        guard prefix.network == address else {
            throw AddressParseError(input: String(text), reason: "host bits are set; did you mean \(prefix)?")
        }
        self = prefix
    }

    /// The netmask for a prefix length.
    @inlinable
    public static func mask(_ length: UInt8) -> UInt128 {
        length == 0 ? 0 : UInt128.max << UInt128(128 - length)
    }

    /// The last address of the block.
    public var lastAddress: IPv6Address { IPv6Address(network.value | ~Self.mask(length)) }

    /// Whether `address` lies inside the block.
    @inlinable
    public func contains(_ address: IPv6Address) -> Bool {
        address.value & Self.mask(length) == network.value
    }

    /// Whether `other` lies entirely inside this block.
    public func contains(_ other: IPv6Prefix) -> Bool {
        other.length >= length && contains(other.network)
    }

    /// For a prefix inside `::ffff:0:0/96`, the IPv4 prefix it maps (RFC 4291 §2.5.5.2).
    public var mappedIPv4: IPv4Prefix? {
        guard length >= 96, let v4 = network.mappedIPv4 else { return nil }
        return IPv4Prefix(containing: v4, length: length - 96)
    }

    /// `network/length`, with the network in RFC 5952 form.
    public var description: String { "\(network)/\(length)" }

    /// Orders by network address, then shorter (wider) prefixes first.
    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        lhs.network.value != rhs.network.value ? lhs.network.value < rhs.network.value : lhs.length < rhs.length
    }
}

/// An IPv4 or IPv6 prefix.
///
/// Parsing folds IPv4-mapped IPv6 prefixes (`::ffff:192.0.2.0/120`) into IPv4 (`192.0.2.0/24`), so the same
/// network never has two spellings in an inventory.
///
/// ```swift
/// let prefix = try IPPrefix("203.0.113.0/25")
/// prefix.contains(try IPAddress("203.0.113.7"))   // true
/// ```
public enum IPPrefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(IPv4Prefix)
    case v6(IPv6Prefix)

    /// Parses a prefix of either family; a bare address is a host prefix (/32 or /128).
    /// - Throws: `AddressParseError`.
    public init(_ text: some StringProtocol) throws(AddressParseError) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            let v6 = try IPv6Prefix(text)
            self = v6.mappedIPv4.map(IPPrefix.v4) ?? .v6(v6)
        } else {
            self = .v4(try IPv4Prefix(text))
        }
    }

    /// The host prefix for one address (IPv4-mapped addresses become IPv4 /32).
    public init(host address: IPAddress) {
        switch address.unmapped {
        case .v4(let v4): self = .v4(IPv4Prefix(containing: v4, length: 32))
        case .v6(let v6): self = .v6(IPv6Prefix(containing: v6, length: 128))
        }
    }

    /// The prefix length.
    public var length: UInt8 {
        switch self {
        case .v4(let prefix): prefix.length
        case .v6(let prefix): prefix.length
        }
    }

    /// The network address.
    public var network: IPAddress {
        switch self {
        case .v4(let prefix): .v4(prefix.network)
        case .v6(let prefix): .v6(prefix.network)
        }
    }

    /// Whether `address` lies inside the prefix. IPv4-mapped addresses match IPv4 prefixes.
    public func contains(_ address: IPAddress) -> Bool {
        switch (self, address.unmapped) {
        case (.v4(let prefix), .v4(let v4)): prefix.contains(v4)
        case (.v6(let prefix), .v6(let v6)): prefix.contains(v6)
        default: false
        }
    }

    /// All prefixes of `address`, longest first: 33 for IPv4, 129 for IPv6. Used to look a prefix table up by
    /// exact key.
    public static func enclosing(_ address: IPAddress) -> [IPPrefix] {
        switch address.unmapped {
        case .v4(let v4): (0...32).reversed().map { .v4(IPv4Prefix(containing: v4, length: UInt8($0))) }
        case .v6(let v6): (0...128).reversed().map { .v6(IPv6Prefix(containing: v6, length: UInt8($0))) }
        }
    }

    /// The canonical text form, e.g. `203.0.113.0/25` or `2001:db8::/32`.
    public var description: String {
        switch self {
        case .v4(let prefix): prefix.description
        case .v6(let prefix): prefix.description
        }
    }

    /// IPv4 before IPv6; within a family by network, then wider first.
    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

extension IPPrefix: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try IPPrefix(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Splits `addr/len` and checks the length; `nil` length means no slash.
private func splitPrefix(_ text: some StringProtocol, maximum: UInt8) throws(AddressParseError) -> (Substring, UInt8?) {
    let string = Substring(text)
    guard let slash = string.firstIndex(of: "/") else { return (string, nil) }
    let lengthText = string[string.index(after: slash)...]
    guard !lengthText.isEmpty, lengthText.utf8.count <= 3, lengthText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
        let length = UInt8(lengthText), length <= maximum,
        lengthText.first != "0" || lengthText.count == 1
    else {
        throw AddressParseError(input: String(text), reason: "prefix length must be a number from 0 to \(maximum)")
    }
    return (string[..<slash], length)
}
