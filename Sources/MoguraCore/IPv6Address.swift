/// An IPv6 address, held as a 128-bit integer.
///
/// Parsing follows RFC 4291 §2.2 (hexadecimal groups, one `::`, an embedded dotted quad in the last 32 bits).
/// Zone identifiers (`fe80::1%eth0`) are rejected: they are meaningful only on the host that wrote them.
/// Printing follows RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups shortened
/// to `::` (the first one on a tie), and IPv4-mapped addresses in mixed notation (`::ffff:192.0.2.1`, §5).
///
/// ```swift
/// let address = try IPv6Address("2001:DB8:0:0:0:0:0:1")
/// print(address)   // 2001:db8::1
/// ```
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as an unsigned 128-bit integer, first group most significant.
    public var value: UInt128

    /// Creates an address from its integer value.
    @inlinable
    public init(_ value: UInt128) {
        self.value = value
    }

    /// Parses the text form.
    /// - Parameter text: for example `"2001:db8::1"` or `"::ffff:192.0.2.1"`.
    /// - Throws: `AddressParseError` naming what was wrong.
    public init(_ text: some StringProtocol) throws(AddressParseError) {
        let bytes = Array(text.utf8)
        if bytes.contains(UInt8(ascii: "%")) {
            throw AddressParseError(input: String(text), reason: "zone identifiers (%…) are not accepted")
        }
        guard let parsed = bytes.withUnsafeBufferPointer({ IPv6Address.parse($0) }) else {
            throw AddressParseError(input: String(text), reason: "not an IPv6 address (RFC 4291 text form)")
        }
        self = parsed
    }

    /// Parses text-form bytes without allocating; returns `nil` when the bytes are not exactly one address.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> IPv6Address? {
        let count = bytes.count
        guard count >= 2, count <= 45 else { return nil }
        var head: UInt128 = 0
        var headGroups = 0
        var tail: UInt128 = 0
        var tailGroups = 0
        var sawDoubleColon = false
        var index = 0
        if bytes[0] == UInt8(ascii: ":") {
            guard bytes[1] == UInt8(ascii: ":") else { return nil }
            sawDoubleColon = true
            index = 2
            if index == count { return IPv6Address(0) }
        }
        while index < count {
            // Read one group: hex digits up to ':' or the end; or a dotted quad as the last 32 bits.
            let start = index
            var group: UInt32 = 0
            var digits = 0
            while index < count, let nibble = hexValue(bytes[index]) {
                group = group << 4 | UInt32(nibble)
                digits += 1
                index += 1
            }
            if index < count && bytes[index] == UInt8(ascii: ".") {
                // Embedded IPv4: the rest of the input must be a dotted quad.
                guard let v4 = IPv4Address.parse(UnsafeBufferPointer(rebasing: bytes[start..<count])) else { return nil }
                let groupsUsed = headGroups + tailGroups + 2
                guard groupsUsed <= 8, sawDoubleColon || groupsUsed == 8 else { return nil }
                if sawDoubleColon {
                    tail = tail << 32 | UInt128(v4.value)
                    tailGroups += 2
                } else {
                    head = head << 32 | UInt128(v4.value)
                    headGroups += 2
                }
                index = count
                break
            }
            guard digits >= 1, digits <= 4 else { return nil }
            if sawDoubleColon {
                tail = tail << 16 | UInt128(group)
                tailGroups += 1
            } else {
                head = head << 16 | UInt128(group)
                headGroups += 1
            }
            if headGroups + tailGroups > 8 { return nil }
            if index == count { break }
            guard bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < count && bytes[index] == UInt8(ascii: ":") {
                guard !sawDoubleColon else { return nil }
                sawDoubleColon = true
                index += 1
                if index == count { break }
            } else if index == count {
                return nil  // a trailing single colon
            }
        }
        let groups = headGroups + tailGroups
        if sawDoubleColon {
            guard groups <= 7 else { return nil }
            let shift = UInt128(16 * (8 - headGroups))
            return IPv6Address((headGroups == 0 ? 0 : head << shift) | tail)
        }
        guard groups == 8 else { return nil }
        return IPv6Address(head)
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// The eight 16-bit groups, first group first.
    public var groups: [UInt16] {
        (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(16 * (7 - $0))) }
    }

    /// The embedded IPv4 address when this is an IPv4-mapped address (`::ffff:0:0/96`, RFC 4291 §2.5.5.2).
    public var mappedIPv4: IPv4Address? {
        value >> 32 == 0xffff ? IPv4Address(UInt32(truncatingIfNeeded: value)) : nil
    }

    /// The RFC 5952 text form.
    public var description: String {
        if let v4 = mappedIPv4 { return "::ffff:\(v4)" }
        let groups = self.groups
        // Find the longest run of zero groups of length two or more; the first one wins a tie (RFC 5952 §4.2.3).
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength {
                    bestStart = runStart
                    bestLength = i - runStart
                }
                runStart = -1
            }
        }
        var text = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                text += i == 0 ? "::" : ":"
                i += bestLength
                continue
            }
            text += String(groups[i], radix: 16)
            if i < 7 { text += ":" }
            i += 1
        }
        return text
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool { lhs.value < rhs.value }
}
