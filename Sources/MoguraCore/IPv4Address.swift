/// An IPv4 address, held as a 32-bit integer in host order.
///
/// Parsing accepts only the dotted-quad form of RFC 791 (four decimal octets). Octets with leading zeros
/// (`010.0.0.1`) are rejected, because some parsers read them as octal and some as decimal; an abuse desk must not
/// guess which host a report meant.
///
/// ```swift
/// let address = try IPv4Address("192.0.2.1")
/// print(address)            // 192.0.2.1
/// print(address.value)      // 3221225985
/// ```
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as an unsigned integer: `192.0.2.1` is `0xC000_0201`.
    public var value: UInt32

    /// Creates an address from its integer value.
    /// - Parameter value: the 32-bit address, most significant octet first.
    @inlinable
    public init(_ value: UInt32) {
        self.value = value
    }

    /// Creates an address from four octets: `IPv4Address(192, 0, 2, 1)`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses the dotted-quad text form.
    /// - Parameter text: for example `"203.0.113.7"`.
    /// - Throws: `AddressParseError` naming what was wrong.
    public init(_ text: some StringProtocol) throws(AddressParseError) {
        var utf8 = Array(text.utf8)
        guard let parsed = utf8.withUnsafeMutableBufferPointer({ IPv4Address.parse(UnsafeBufferPointer($0)) }) else {
            throw AddressParseError(input: String(text), reason: "not an IPv4 address in dotted-quad form (a.b.c.d)")
        }
        self = parsed
    }

    /// Parses dotted-quad bytes without allocating; returns `nil` when the bytes are not exactly one address.
    /// - Parameter bytes: ASCII bytes such as `203.0.113.7`.
    /// - Returns: the address, or `nil`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> IPv4Address? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var leadingZero = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && leadingZero { return nil }
                if digits == 0 { leadingZero = byte == UInt8(ascii: "0") }
                octet = octet * 10 + UInt32(byte &- UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || octet > 255 { return nil }
            case UInt8(ascii: "."):
                if digits == 0 || dots == 3 { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            default:
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return IPv4Address(value << 8 | octet)
    }

    /// The four octets, most significant first.
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)
        )
    }

    /// The dotted-quad form, e.g. `203.0.113.7`.
    public var description: String {
        let (a, b, c, d) = octets
        return "\(a).\(b).\(c).\(d)"
    }

    /// The IPv4-mapped IPv6 form of this address (RFC 4291 §2.5.5.2): `::ffff:203.0.113.7`.
    public var mappedToIPv6: IPv6Address {
        IPv6Address(UInt128(0xffff) << 32 | UInt128(value))
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// The error thrown when text is not an IP address or prefix.
public struct AddressParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that failed to parse.
    public var input: String
    /// What was wrong with it, in words a person can act on.
    public var reason: String

    /// Creates an error for `input`.
    public init(input: String, reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String { "\"\(input)\": \(reason)" }
}
