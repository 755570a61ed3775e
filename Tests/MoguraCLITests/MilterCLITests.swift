import Foundation
import MoguraTesting
import Testing

/// `mogura milter` as an operator runs it: an account over its limit is tempfailed at MAIL and a report is filed
/// into the desk once.
@Suite("mogura milter", .serialized, .tags(.process))
struct MilterCLITests {
    @Test func aFloodIsTempfailedAndReportedIntoTheDesk() throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let port = try FreePort.pick()
        let (process, output, _) = try CommandRunner.start(
            ["milter", "--listen", "127.0.0.1:\(port)", "--messages-per-hour", "2", "--data-dir", data])
        let live = WebCLITests.LiveOutput(output)
        defer {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
        _ = try live.waitFor("mogura milter: listening on 127.0.0.1:\(port)", process: process)
        var answers: [[UInt8]] = []
        for _ in 0..<4 {
            answers.append(try MilterBytes.exchange(port: port, MilterBytes.optionNegotiation() + MilterBytes.postfixSession()))
        }
        let tempfail = MilterBytes.packet("y", MilterBytes.z("451 4.7.1 Sending limit exceeded for this account"))
        #expect(!answers[0].contains(tempfail) && !answers[2].contains(tempfail))
        #expect(answers[3].contains(tempfail), "the fourth session's MAIL is refused")
        // The report reaches the store (a few moments: it is filed beside the milter's work). SQLite has one writer
        // at a time; `work` and the milter's filing take turns.
        var listed = ""
        try waitFor("the breach report", timeout: 20 * TestEnvironment.timeoutScale) {
            // The desk's correlation (what `mogura serve` does continuously); no inventory here, so it lands in triage.
            _ = try CommandRunner.run(["work", "--data-dir", data])
            let triage = try CommandRunner.run(["case", "triage", "--data-dir", data])
            listed = triage.standardOutput
            return listed.contains("Sending limit crossed by alice@example.jp")
        }
        #expect(listed.components(separatedBy: "Sending limit crossed by alice@example.jp").count == 2, "reported once: \(listed)")
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
