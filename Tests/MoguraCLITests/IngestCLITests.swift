import Foundation
import MoguraCore
import MoguraStore
import MoguraTesting
import Testing

/// `mogura ingest` by its real output: the dry-run contract, storing, idempotency, maildir, mbox and stdin.
@Suite("mogura ingest", .serialized, .tags(.process))
struct IngestCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/intake")

    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test func dryRunPrintsTheContract() throws {
        let result = try CommandRunner.run([
            "ingest", "--dry-run", "--format", "json", fixture("ja-iso2022jp-forwarded-spam.eml"), fixture("2023-06-22-scan_dns-asn-jp.csv"),
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = try jsonLines(result.standardOutput)
        #expect(lines.count == 4)
        let mail = lines[0]
        for key in ["source", "format", "category", "track", "event_time", "indicators", "reporter", "subject", "language", "warnings"] {
            #expect(mail[key] != nil, "missing \(key)")
        }
        #expect(mail["format"] as? String == "mime")
        #expect(mail["category"] as? String == "spam")
        #expect(mail["track"] as? String == "tos")
        #expect(mail["event_time"] as? String == "2023-06-21T19:32:10Z")
        #expect(mail["language"] as? String == "ja")
        #expect(mail["subject"] as? String == "迷惑メールの報告")
        let indicators = (mail["indicators"] as? [[String: String]])?.map { "\($0["kind"]!):\($0["value"]!)" }
        #expect(indicators == ["ip:203.0.113.45", "email:info@bank-security.example.jp", "url:http://phish.example.jp/login"])
        #expect(lines[1...].allSatisfy { $0["format"] as? String == "shadowserver" && $0["category"] as? String == "open-service" })
        #expect(lines[1]["source"] as? String == fixture("2023-06-22-scan_dns-asn-jp.csv"))
    }

    @Test func ingestStoresOnceAndKeepsWhatCannotBeParsed() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let inputs = [fixture("en-forwarded-spam.eml"), fixture("broken-header-bomb.eml"), fixture("phishtank.csv")]
        let first = try CommandRunner.run(["ingest"] + inputs + ["--data-dir", data])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("3 inputs, 4 reports: 4 stored, 0 already stored, 1 unparsed (kept for triage)"))
        #expect(
            first.standardOutput.contains("broken-header-bomb.eml: 1 report (1 other), stored; kept for triage: limit: header section larger than"))
        let second = try CommandRunner.run(["ingest"] + inputs + ["--data-dir", data])
        #expect(second.standardOutput.contains("3 inputs, 4 reports: 0 stored, 4 already stored"))

        try await StoreFactory.withStore(.sqlite(directory: data), logger: TestStores.logger) { store in
            let reports = try await (1...6).asyncCompactMap { try await store.report(Int64($0)) }
            #expect(reports.count == 4)
            let bomb = try #require(reports.first { $0.parseError != nil })
            #expect(bomb.format == "unparsed")
            // The raw bytes of what could not be parsed are kept for a person.
            guard case .present(let raw) = try await store.blob(try #require(bomb.rawHash)) else {
                Issue.record("raw bytes missing")
                return
            }
            #expect(raw == [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("broken-header-bomb.eml")))))
            #expect(try await store.verifyAuditChain().isIntact)
            #expect(try await store.auditEvents(after: 0, limit: 10).map(\.action) == ["report.ingest", "report.ingest", "report.ingest"])
        }
    }

    @Test func maildirMboxAndStandardInput() throws {
        let directory = try TemporaryDirectory()
        for folder in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(atPath: directory.file("Maildir/\(folder)"), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: fixture("en-brute-force-logs.eml"), toPath: directory.file("Maildir/new/1687400000.M1.host"))
        try FileManager.default.copyItem(atPath: fixture("ja-eucjp-scan.eml"), toPath: directory.file("Maildir/cur/1687400001.M2.host:2,S"))
        let maildir = try CommandRunner.run(["ingest", "--dry-run", "--format", "json", directory.file("Maildir")])
        #expect(try jsonLines(maildir.standardOutput).map { $0["category"] as? String } == ["brute-force", "scanning"])

        let mbox = try CommandRunner.run(["ingest", "--dry-run", "--format", "json", fixture("channel-three-messages.mbox")])
        let lines = try jsonLines(mbox.standardOutput)
        #expect(lines.map { $0["message_id"] as? String } == ["mbox-0@example.org", "mbox-1@example.org", "mbox-2@example.org"])
        #expect((lines[2]["source"] as? String)?.hasSuffix("channel-three-messages.mbox#3") == true)

        let (process, output, error) = try CommandRunner.start(["ingest", "--dry-run", "--format", "json", "-"], standardInput: true)
        let input = try #require(process.standardInput as? Pipe)
        input.fileHandleForWriting.write(try Data(contentsOf: URL(fileURLWithPath: fixture("text-defanged-english.txt"))))
        try input.fileHandleForWriting.close()
        let piped = CommandRunner.finish(process, output, error)
        #expect(try jsonLines(piped.standardOutput).first?["category"] as? String == "malware")

        let missing = try CommandRunner.run(["ingest", "--dry-run", directory.file("nope.eml")])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("nope.eml: no such file or folder"))
    }
}

extension ClosedRange where Bound == Int {
    func asyncCompactMap<T>(_ transform: (Int) async throws -> T?) async rethrows -> [T] {
        var result: [T] = []
        for value in self { if let mapped = try await transform(value) { result.append(mapped) } }
        return result
    }
}
