public import Foundation

/// Reads the times found in inventories and reports and turns them into UTC ``Timestamp``s.
///
/// Accepted forms:
/// - RFC 3339: `2024-01-01T00:00:00Z`, `2024-01-01T09:00:00.5+09:00` (a space may replace `T`);
/// - `YYYY-MM-DD HH:MM[:SS[.fraction]]`, `YYYY/MM/DD HH:MM[:SS]`, or a bare date `YYYY-MM-DD` (midnight),
///   each optionally followed by a zone: `Z`, `UTC`, `GMT`, `JST`, `+09:00`, `+0900`, or an IANA name such as
///   `Asia/Tokyo`.
///
/// A time with no zone is read in the parser's default zone (Asia/Tokyo unless configured), and the result says
/// so: a lawyer needs to know when JST was assumed.
///
/// ```swift
/// let parser = TimestampParser(defaultZone: TimeZone(identifier: "Asia/Tokyo")!)
/// let parsed = try parser.parse("2025-01-01 09:00")
/// print(parsed.timestamp, parsed.zoneAssumed)   // 2025-01-01T00:00:00Z true
/// ```
public struct TimestampParser: Sendable {
    /// The zone for times written without one.
    public var defaultZone: TimeZone

    /// Creates a parser.
    /// - Parameter defaultZone: the zone for times without one; Mogura's default is Asia/Tokyo.
    public init(defaultZone: TimeZone = TimestampParser.tokyo) {
        self.defaultZone = defaultZone
    }

    /// Asia/Tokyo, the default zone for reports and inventories without one.
    public static let tokyo = TimeZone(identifier: "Asia/Tokyo") ?? TimeZone(secondsFromGMT: 9 * 3600)!

    /// A parsed time and whether its zone came from the default.
    public struct Result: Hashable, Sendable {
        /// The instant, in UTC.
        public var timestamp: Timestamp
        /// `true` when the text carried no zone and ``TimestampParser/defaultZone`` was used.
        public var zoneAssumed: Bool
    }

    /// Parses one time.
    /// - Parameter text: the time as written.
    /// - Returns: the instant and whether the zone was assumed.
    /// - Throws: `TimestampParseError` naming the expected forms.
    public func parse(_ text: some StringProtocol) throws(TimestampParseError) -> Result {
        let bytes = Array(text.utf8)
        var reader = ByteReader(bytes: bytes)
        func fail(_ reason: String = "expected RFC 3339 or YYYY-MM-DD [HH:MM[:SS]] [zone]") -> TimestampParseError {
            TimestampParseError(input: String(text), reason: reason)
        }
        reader.skipSpaces()
        guard let year = reader.number(digits: 4) else { throw fail() }
        guard let separator = reader.next(), separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") else {
            throw fail()
        }
        guard let month = reader.number(minDigits: 1, maxDigits: 2), reader.next() == separator,
            let day = reader.number(minDigits: 1, maxDigits: 2)
        else { throw fail() }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month) else {
            throw fail("no such date \(year)-\(month)-\(day)")
        }
        var hour = 0
        var minute = 0
        var second = 0
        var micros: Int64 = 0
        let afterDate = reader.position
        if let t = reader.peek(), t == UInt8(ascii: "T") || t == UInt8(ascii: "t") || t == UInt8(ascii: " ") {
            reader.position += 1
            reader.skipSpaces()
            if let h = reader.number(minDigits: 1, maxDigits: 2), reader.next() == UInt8(ascii: ":"),
                let m = reader.number(digits: 2)
            {
                hour = h
                minute = m
                if reader.peek() == UInt8(ascii: ":") {
                    reader.position += 1
                    guard let s = reader.number(digits: 2) else { throw fail() }
                    second = s
                    if reader.peek() == UInt8(ascii: ".") || reader.peek() == UInt8(ascii: ",") {
                        reader.position += 1
                        var scale: Int64 = 100_000
                        var digits = 0
                        while let d = reader.peek(), d >= 48, d <= 57 {
                            micros += Int64(d - 48) * scale
                            scale /= 10
                            digits += 1
                            reader.position += 1
                        }
                        guard digits > 0 else { throw fail() }
                    }
                }
            } else {
                // A bare date followed by a zone, e.g. "2024-01-01 JST".
                reader.position = afterDate
            }
        }
        // 24:00 is not accepted; leap seconds (:60) are clamped to :59 as most systems log them.
        guard hour < 24, minute < 60, second <= 60 else { throw fail("no such time \(hour):\(minute):\(second)") }
        second = min(second, 59)
        reader.skipSpaces()
        let zoneText = String(decoding: bytes[reader.position...], as: UTF8.self)
        let localSeconds =
            CivilDate.days(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
        let offset: Int64
        let assumed: Bool
        if zoneText.isEmpty {
            offset = Int64(Self.offset(of: defaultZone, forLocalSeconds: localSeconds))
            assumed = true
        } else if let fixed = Self.fixedOffset(zoneText) {
            offset = Int64(fixed)
            assumed = false
        } else if let zone = TimeZone(identifier: zoneText) {
            offset = Int64(Self.offset(of: zone, forLocalSeconds: localSeconds))
            assumed = false
        } else {
            throw fail("unknown time zone \"\(zoneText)\"; use Z, +09:00, JST, UTC or an IANA name such as Asia/Tokyo")
        }
        return Result(timestamp: Timestamp(microseconds: (localSeconds - offset) * 1_000_000 + micros), zoneAssumed: assumed)
    }

    /// Offsets for zone designators that are not IANA identifiers, or a numeric offset.
    static func fixedOffset(_ text: String) -> Int? {
        switch text.uppercased() {
        case "Z", "UTC", "GMT", "UT": return 0
        case "JST": return 9 * 3600
        case "KST": return 9 * 3600
        default: break
        }
        let bytes = Array(text.utf8)
        guard bytes.count == 6 || bytes.count == 5 || bytes.count == 3,
            bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-")
        else { return nil }
        let digits = bytes.dropFirst().filter { $0 != UInt8(ascii: ":") }
        guard digits.count == 4 || digits.count == 2, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if bytes.count == 6 && bytes[3] != UInt8(ascii: ":") { return nil }
        let values = digits.map { Int($0 - 48) }
        let hours = values[0] * 10 + values[1]
        let minutes = values.count == 4 ? values[2] * 10 + values[3] : 0
        guard hours <= 23, minutes <= 59 else { return nil }
        let offset = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -offset : offset
    }

    /// The zone's UTC offset at a local wall-clock time (seconds since the epoch as if the wall clock were UTC).
    static func offset(of zone: TimeZone, forLocalSeconds local: Int64) -> Int {
        // Guess with the offset at `local` read as UTC, then correct once with the offset at the guessed instant;
        // this settles for every zone except inside a daylight-saving gap, where the earlier offset wins.
        let first = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local)))
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - Int64(first))))
    }
}

extension Timestamp {
    /// Parses an RFC 3339 time with its zone (`Z` or an offset). Times without a zone are refused.
    /// - Throws: `TimestampParseError`.
    public init(rfc3339 text: some StringProtocol) throws(TimestampParseError) {
        let result = try TimestampParser(defaultZone: TimeZone(secondsFromGMT: 0)!).parse(text)
        guard !result.zoneAssumed else {
            throw TimestampParseError(input: String(text), reason: "RFC 3339 needs a zone (Z or ±HH:MM)")
        }
        self = result.timestamp
    }
}

/// The error thrown when a time cannot be read.
public struct TimestampParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that failed.
    public var input: String
    /// What was expected.
    public var reason: String

    public var description: String { "\"\(input)\": \(reason)" }
}

/// A cursor over bytes for the small hand-written parsers in this module.
struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func next() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func skipSpaces() {
        while position < bytes.count, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") {
            position += 1
        }
    }

    mutating func number(digits: Int) -> Int? { number(minDigits: digits, maxDigits: digits) }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while count < maxDigits, let byte = peek(), byte >= 48, byte <= 57 {
            value = value * 10 + Int(byte - 48)
            count += 1
            position += 1
        }
        return count >= minDigits ? value : nil
    }
}
