public import Foundation

/// An instant in time, as microseconds since 1970-01-01T00:00:00Z.
///
/// Mogura stores every time in UTC (DESIGN: "Times are stored in UTC"); this integer form is exact, orders
/// cheaply in indexes, and maps to a `BIGINT` column in both storage engines.
///
/// ```swift
/// let t = try Timestamp(rfc3339: "2024-01-01T09:00:00+09:00")
/// print(t)   // 2024-01-01T00:00:00Z
/// ```
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since the Unix epoch, UTC.
    public var microseconds: Int64

    /// The earliest representable instant; stands for "since always" in validity ranges.
    public static let distantPast = Timestamp(microseconds: .min)
    /// The latest representable instant; stands for "until further notice".
    public static let distantFuture = Timestamp(microseconds: .max)

    /// Creates a timestamp from microseconds since the epoch.
    @inlinable
    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// Creates a timestamp from whole seconds since the epoch.
    public init(seconds: Int64) {
        self.microseconds = seconds * 1_000_000
    }

    /// Creates a timestamp from a `Date`, rounded to the microsecond.
    public init(_ date: Date) {
        self.microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The current time.
    public static func now() -> Timestamp { Timestamp(Date()) }

    /// The same instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    /// The instant `seconds` later (or earlier, when negative).
    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(microseconds: microseconds &+ seconds * 1_000_000)
    }

    /// RFC 3339 in UTC, e.g. `2024-01-01T00:00:00Z`, with microseconds only when they are not zero.
    public var description: String { formatted(offsetSeconds: 0) }

    /// RFC 3339 in the given zone, e.g. `2024-01-01T09:00:00+09:00`.
    public func formatted(in zone: TimeZone) -> String {
        formatted(offsetSeconds: zone.secondsFromGMT(for: date))
    }

    private func formatted(offsetSeconds: Int) -> String {
        if self == .distantPast { return "-infinity" }
        if self == .distantFuture { return "infinity" }
        let local = microseconds + Int64(offsetSeconds) * 1_000_000
        let (seconds, fraction) = local.quotientAndRemainder(dividingBy: 1_000_000)
        let (days, secondOfDay) = (fraction < 0 ? seconds - 1 : seconds).floorDivided(by: 86_400)
        let micros = fraction < 0 ? fraction + 1_000_000 : fraction
        let (year, month, day) = CivilDate.fromDays(days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(Int(secondOfDay / 3600), 2) + ":" + pad(Int(secondOfDay / 60 % 60), 2) + ":" + pad(Int(secondOfDay % 60), 2)
        if micros != 0 {
            var digits = pad(Int(micros), 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        if offsetSeconds == 0 { return text + "Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let absolute = abs(offsetSeconds)
        return text + sign + pad(absolute / 3600, 2) + ":" + pad(absolute / 60 % 60, 2)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }
}

extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Timestamp(rfc3339: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(abs(value))
    let padded = digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    return value < 0 ? "-" + padded : padded
}

extension Int64 {
    /// Floor division and the non-negative remainder.
    func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}

extension CivilDate {
    /// Days since 1970-01-01 for a Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The Gregorian date for days since 1970-01-01.
    static func fromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// Days in a month of the Gregorian calendar.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
