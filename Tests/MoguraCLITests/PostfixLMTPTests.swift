import Foundation
import MoguraCore
import MoguraStore
import MoguraTesting
import Testing

/// A real Postfix on loopback delivers abuse@ mail to `mogura serve` by LMTP.
@Suite(
    "Postfix delivers to Mogura by LMTP", .serialized, .tags(.process, .crash),
    .enabled(if: PostfixInstance.runs, "Postfix is not installed or not running as root (scripts/test installs it as root)"))
struct PostfixLMTPTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/intake")

    func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    func reports(_ data: String) async throws -> [Report] {
        try await StoreFactory.withStore(.sqlite(directory: data), logger: TestStores.logger) { store in
            var found: [Report] = []
            var id: Int64 = 1
            while let report = try await store.report(id) {
                found.append(report)
                id += 1
            }
            return found
        }
    }

    @Test func messagesArriveAsReports() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let lmtpPort = try FreePort.pick()
        let mogura = try ServeProcess(lmtpPort: lmtpPort, arguments: ["--data-dir", data])
        let postfix = try PostfixInstance(lmtpPort: lmtpPort)
        try postfix.start()
        defer { postfix.stop() }
        for name in ["ja-iso2022jp-forwarded-spam.eml", "arf-abuse-yahoo-like.eml", "en-brute-force-logs.eml"] {
            try postfix.send(try fixture(name))
        }
        try waitFor("three deliveries") { postfix.log.components(separatedBy: "status=sent (250 2.0.0").count - 1 == 3 }
        #expect(try postfix.queueSize() == 0)
        #expect(mogura.stop() == 0)
        let stored = try await reports(data)
        #expect(stored.map(\.format).sorted() == ["arf", "mime", "mime"])
        #expect(stored.allSatisfy { $0.channel == .mail && $0.source == "lmtp" })
        let japanese = try #require(stored.first { $0.messageID == "ja-iso2022jp-forwarded-spam@reporter.example.org" })
        #expect(japanese.subject == "迷惑メールの報告")
        #expect(japanese.category == .spam)
    }

    /// Mogura dies before the commit: Postfix keeps the message, retries once Mogura is back, and it is stored
    /// once. Mogura dies after the commit but before its 250: Postfix retries, and the retry stores nothing new.
    @Test(arguments: ["lmtp-before-commit", "lmtp-after-commit"])
    func aKilledServerLosesNothingAndStoresNothingTwice(fault: String) async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let lmtpPort = try FreePort.pick()
        let postfix = try PostfixInstance(lmtpPort: lmtpPort)
        try postfix.start()
        defer { postfix.stop() }

        let faulty = try ServeProcess(lmtpPort: lmtpPort, arguments: ["--data-dir", data], environment: ["MOGURA_FAULT": fault])
        try postfix.send(try fixture("en-forwarded-spam.eml"))
        try faulty.waitForExit()
        #expect(faulty.process.terminationReason == .uncaughtSignal)
        try waitFor("Postfix to defer the message") { postfix.log.contains("status=deferred") }
        #expect(try postfix.queueSize() == 1)
        #expect(try await reports(data).count == (fault == "lmtp-after-commit" ? 1 : 0))

        let mogura = try ServeProcess(lmtpPort: lmtpPort, arguments: ["--data-dir", data])
        try postfix.flush()
        try waitFor("Postfix to deliver the retry") { (try? postfix.queueSize()) == 0 && postfix.log.contains("status=sent") }
        #expect(mogura.stop() == 0)
        let stored = try await reports(data)
        #expect(stored.count == 1)
        #expect(stored.first?.messageID == "en-forwarded-spam@isp.example.net")
        if fault == "lmtp-after-commit" { #expect(postfix.log.contains("already stored as #1")) }
        let intact = try await StoreFactory.withStore(.sqlite(directory: data), logger: TestStores.logger) { store in
            try await store.verifyAuditChain().isIntact
        }
        #expect(intact)
    }
}
