import Foundation
import MoguraCore
import MoguraTesting
import Testing

@Suite("Times")
struct TimestampTests {
    let tokyo = TimestampParser(defaultZone: TimeZone(identifier: "Asia/Tokyo")!)

    @Test(arguments: [
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", false), ("2024-01-01T09:00:00+09:00", "2024-01-01T00:00:00Z", false),
        ("2024-01-01t09:00:00.25+09:00", "2024-01-01T00:00:00.25Z", false), ("2024-01-01 09:00", "2024-01-01T00:00:00Z", true),
        ("2024-01-01 09:00:30", "2024-01-01T00:00:30Z", true), ("2024/6/22 04:32 JST", "2024-06-21T19:32:00Z", false),
        ("2024-01-01", "2023-12-31T15:00:00Z", true), ("2024-01-01 UTC", "2024-01-01T00:00:00Z", false),
        ("2024-07-01 12:00 America/New_York", "2024-07-01T16:00:00Z", false),
        ("2024-01-01 12:00 America/New_York", "2024-01-01T17:00:00Z", false), ("2024-01-01 09:00 +0900", "2024-01-01T00:00:00Z", false),
        ("2024-02-29 00:00Z", "2024-02-29T00:00:00Z", false), ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z", false),
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z", false),
    ])
    func parses(text: String, utc: String, assumed: Bool) throws {
        let result = try tokyo.parse(text)
        #expect(result.timestamp.description == utc)
        #expect(result.zoneAssumed == assumed)
    }

    @Test(arguments: [
        "", "2024", "2024-13-01", "2023-02-29", "2024-04-31", "2024-01-01T25:00:00Z", "2024-01-01T10:61Z", "2024-01-01 10:00 Mars/Olympus",
        "2024-01-01T10:00:00.Z", "24-01-01", "2024-01-01 10:00 +25:00", "yesterday",
    ])
    func rejects(text: String) {
        #expect(throws: TimestampParseError.self) { try tokyo.parse(text) }
    }

    @Test func rfc3339RequiresAZone() {
        #expect(throws: TimestampParseError.self) { try Timestamp(rfc3339: "2024-01-01 00:00") }
    }

    @Test func formatsInZones() throws {
        let t = try Timestamp(rfc3339: "2024-01-01T00:00:00Z")
        #expect(t.formatted(in: TimeZone(identifier: "Asia/Tokyo")!) == "2024-01-01T09:00:00+09:00")
        #expect(t.formatted(in: TimeZone(identifier: "America/New_York")!) == "2023-12-31T19:00:00-05:00")
        #expect(Timestamp(microseconds: -1).description == "1969-12-31T23:59:59.999999Z")
    }

    /// Property: formatting then parsing gives the same instant, and the civil-date arithmetic agrees with
    /// Foundation's Gregorian calendar.
    @Test func roundTripsAndAgreesWithFoundation() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x5449_4D45)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let zones = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe"].map { TimeZone(identifier: $0)! }
        for _ in 0..<5_000 {
            // 1900 to 2100, microsecond resolution.
            let micros = Int64(bitPattern: random.next() % 6_311_390_400_000_000) - 2_208_988_800_000_000
            let t = Timestamp(microseconds: micros)
            #expect(try Timestamp(rfc3339: t.description) == t)
            let zone = zones[Int(random.next() % UInt64(zones.count))]
            #expect(try Timestamp(rfc3339: t.formatted(in: zone)) == t)
            let components = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: t.date)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d", components.year!, components.month!, components.day!,
                components.hour!, components.minute!, components.second!)
            #expect(t.description.hasPrefix(expected), "\(micros)")
        }
    }

    /// Hostile text never crashes the parser, and whatever it accepts formats to an RFC 3339 time that parses back
    /// to the same instant.
    @Test func fuzzTimestampParser() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x5449_4D46)
        let alphabet = Array("0123456789-/:T tZz+.,JSTUC".unicodeScalars) + ["A", "s", "i", "a", "/", "o", "k", "y"]
        let seeds = ["2024-01-01T00:00:00Z", "2024/6/22 04:32 JST", "2024-01-01 09:00 +0900", "1999-12-31 23:59:59.999999 UTC"]
        for round in 0..<20_000 {
            var scalars = Array(seeds[round % seeds.count].unicodeScalars)
            for _ in 0..<(1 + random.next() % 4) {
                let position = Int(random.next() % UInt64(scalars.count + 1))
                if random.next() % 2 == 0, position < scalars.count {
                    scalars.remove(at: position)
                } else {
                    scalars.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            if let parsed = try? tokyo.parse(String(text)) {
                #expect(try Timestamp(rfc3339: parsed.timestamp.description) == parsed.timestamp, "\(String(text))")
            }
        }
        for _ in 0..<2_000 {
            _ = try? tokyo.parse(String(decoding: random.bytes(count: Int(random.next() % 40)), as: UTF8.self))
        }
    }

    @Test func validityRangesAreHalfOpen() throws {
        let from = try Timestamp(rfc3339: "2025-01-01T00:00:00Z")
        let to = try Timestamp(rfc3339: "2025-02-01T00:00:00Z")
        let range = ValidityRange(from: from, to: to)
        #expect(range.contains(from))
        #expect(!range.contains(to))
        #expect(range.contains(Timestamp(microseconds: to.microseconds - 1)))
        #expect(ValidityRange.always.contains(.distantPast))
        #expect(range.overlaps(ValidityRange(from: Timestamp(microseconds: to.microseconds - 1))))
        #expect(!range.overlaps(ValidityRange(from: to)))
    }
}
