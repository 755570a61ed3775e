import Foundation
import MoguraCore
import MoguraTesting
import Testing

@testable import MoguraIntake

/// The intake corpus: every sample in Tests/Fixtures/intake against the expectations written by hand beside it.
@Suite("Intake fixture corpus")
struct FixtureCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/intake")

    /// Every sample with an expectation: (sample path, expectation path).
    static var fixtures: [(String, String)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { !$0.hasSuffix(".expected.json") && $0 != "generate.py" }.sorted().compactMap { name in
            var base = name
            for suffix in [".xml.gz", ".eml", ".csv", ".json", ".xml", ".txt", ".mbox"] where base.hasSuffix(suffix) {
                base = String(base.dropLast(suffix.count))
                break
            }
            let expected = directory.appendingPathComponent(base + ".expected.json").path
            return FileManager.default.fileExists(atPath: expected) ? (directory.appendingPathComponent(name).path, expected) : nil
        }
    }

    static func drafts(_ path: String) throws -> [ReportDraft] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let name = (path as NSString).lastPathComponent
        let intake = Intake()
        if name.hasSuffix(".mbox") {
            var splitter = MboxSplitter()
            var messages = splitter.feed(bytes)
            if let last = splitter.finish() { messages.append(last) }
            return messages.flatMap { intake.drafts(from: $0.bytes, source: "\(name)#\($0.number)") }
        }
        return intake.drafts(from: bytes, source: name)
    }

    @Test func theCorpusIsLargeEnough() {
        #expect(Self.fixtures.count >= 80, "\(Self.fixtures.count) fixtures")
    }

    @Test func everyFixtureMatchesItsExpectation() throws {
        var mismatches: [String] = []
        for (path, expectedPath) in Self.fixtures {
            let name = (path as NSString).lastPathComponent
            let expectation = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: expectedPath))) as! [String: Any]
            let expected = expectation["drafts"] as! [[String: Any]]
            let actual = try Self.drafts(path)
            if actual.count != expected.count {
                mismatches.append(
                    "\(name): \(actual.count) drafts, expected \(expected.count): \(actual.map { "\($0.format)/\($0.category)/\($0.parseError ?? "")" })"
                )
                continue
            }
            for (index, (want, got)) in zip(expected, actual).enumerated() {
                let label = expected.count == 1 ? name : "\(name)[\(index)]"
                mismatches += Self.compare(want, got, label: label)
            }
        }
        #expect(mismatches.isEmpty, Comment(rawValue: "\(mismatches.count) mismatches:\n" + mismatches.joined(separator: "\n")))
    }

    static func compare(_ want: [String: Any], _ got: ReportDraft, label: String) -> [String] {
        var problems: [String] = []
        func check(_ key: String, _ actual: String?) {
            guard let value = want[key] else { return }
            let expected = value is NSNull ? nil : "\(value)"
            if expected != actual {
                problems.append("\(label): \(key) is \(actual.map { "\"\($0)\"" } ?? "null"), expected \(expected.map { "\"\($0)\"" } ?? "null")")
            }
        }
        check("format", got.format.rawValue)
        check("category", got.category.rawValue)
        check("track", got.track.rawValue)
        check("reporter", got.reporter)
        check("subject", got.subject)
        check("language", got.language)
        check("message_id", got.messageID)
        check("event_time", got.eventTime?.description)
        if let zone = want["zone_assumed"] as? Bool, zone != got.eventTimeZoneAssumed {
            problems.append("\(label): zone_assumed is \(got.eventTimeZoneAssumed)")
        }
        if let parseError = want["parse_error"] as? Bool, parseError != (got.parseError != nil) {
            problems.append("\(label): parse_error is \(got.parseError ?? "nil")")
        }
        if let indicators = want["indicators"] as? [[String]] {
            let expected = Set(indicators.map { "\($0[0]):\($0[1])" })
            let actual = Set(got.indicators.map(\.description))
            if expected != actual {
                problems.append(
                    "\(label): indicators missing \(expected.subtracting(actual).sorted()), unexpected \(actual.subtracting(expected).sorted())")
            }
        }
        for substring in want["warnings_contain"] as? [String] ?? [] where !got.warnings.contains(where: { $0.contains(substring) }) {
            problems.append("\(label): no warning contains \"\(substring)\"; warnings: \(got.warnings)")
        }
        for (key, value) in want["evidence"] as? [String: Any] ?? [:] where got.evidence[key] != "\(value)" {
            problems.append("\(label): evidence \(key) is \(got.evidence[key] ?? "nil"), expected \(value)")
        }
        if let suffix = want["source_suffix"] as? String, !got.source.hasSuffix(suffix) {
            problems.append("\(label): source \(got.source) does not end in \(suffix)")
        }
        return problems
    }
}

/// Every format's reader under hostile bytes: the corpus mutated at random never crashes intake, never hangs it,
/// and always yields at least one draft (an unparsed one at worst) — nothing is dropped.
@Suite("Intake fuzzing")
struct IntakeFuzzTests {
    @Test func mutatedCorpusNeverCrashesOrDropsInput() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x494E_5441)
        let samples = try FixtureCorpusTests.fixtures.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0.0))) }.filter { !$0.isEmpty }
        #expect(samples.count >= 80)
        var options = IntakeOptions()
        options.limits.time = .seconds(2)
        let intake = Intake(options: options)
        let tokens: [[UInt8]] = ["\r\n", "\r\n\r\n", "--", "=?", "?=", "<", ">", ",", "\"", "{", "}", "\u{1B}$B", "PK\u{3}\u{4}", "\u{1F}\u{8B}"]
            .map { Array($0.utf8) }
        let start = ContinuousClock.now
        var rounds = 0
        while rounds < 20_000 && ContinuousClock.now - start < .seconds(60) {
            var bytes = samples[rounds % samples.count]
            for _ in 0..<(1 + random.next() % 6) {
                let position = Int(random.next() % UInt64(bytes.count + 1))
                switch random.next() % 4 {
                case 0: if position < bytes.count { bytes.removeSubrange(position..<min(bytes.count, position + Int(random.next() % 64))) }
                case 1: bytes.insert(contentsOf: random.bytes(count: Int(random.next() % 8)), at: position)
                case 2: bytes.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
                default: if position < bytes.count { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
                }
            }
            let drafts = intake.drafts(from: bytes, source: "fuzz")
            #expect(!drafts.isEmpty)
            rounds += 1
        }
        #expect(rounds >= 2_000, "only \(rounds) rounds in 60 s")
    }

    /// An mbox fed in chunks of every size splits into the same messages.
    @Test func mboxSplittingDoesNotDependOnChunkSize() throws {
        let path = FixtureCorpusTests.directory.appendingPathComponent("channel-three-messages.mbox").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var reference = MboxSplitter()
        var whole = reference.feed(bytes).map(\.bytes)
        if let last = reference.finish() { whole.append(last.bytes) }
        #expect(whole.count == 3)
        for chunkSize in [1, 2, 3, 5, 7, 64, 100, 4096] {
            var splitter = MboxSplitter()
            var messages: [[UInt8]] = []
            var offset = 0
            while offset < bytes.count {
                messages += splitter.feed(Array(bytes[offset..<min(bytes.count, offset + chunkSize)])).map(\.bytes)
                offset += chunkSize
            }
            if let last = splitter.finish() { messages.append(last.bytes) }
            #expect(messages == whole, "chunk size \(chunkSize)")
        }
        var small = MboxSplitter(maximumMessageBytes: 100)
        var cut = small.feed(bytes)
        if let last = small.finish() { cut.append(last) }
        #expect(cut.count == 3)
        #expect(cut.allSatisfy { $0.bytes.count <= 100 && $0.truncatedFrom != nil })
    }
}
