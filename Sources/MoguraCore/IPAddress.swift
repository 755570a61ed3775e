/// An IPv4 or IPv6 address.
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) parse as IPv6 and keep their form; use ``unmapped`` before
/// comparing with IPv4 data, as attribution does.
///
/// ```swift
/// let address = try IPAddress("::ffff:192.0.2.1")
/// print(address.unmapped)   // 192.0.2.1
/// ```
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family: text with a colon is IPv6, otherwise IPv4.
    /// - Throws: `AddressParseError`.
    public init(_ text: some StringProtocol) throws(AddressParseError) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            self = .v6(try IPv6Address(text))
        } else {
            self = .v4(try IPv4Address(text))
        }
    }

    /// The same address with an IPv4-mapped IPv6 address turned into plain IPv4.
    public var unmapped: IPAddress {
        if case .v6(let v6) = self, let v4 = v6.mappedIPv4 { return .v4(v4) }
        return self
    }

    /// The number of bits in the address: 32 or 128.
    public var bitWidth: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    /// The canonical text form (dotted quad, or RFC 5952).
    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }

    /// IPv4 sorts before IPv6; within a family, numerically.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

extension IPAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try IPAddress(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
