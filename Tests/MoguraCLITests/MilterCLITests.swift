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
        #expect(!answers[0].contains(tempfail) && !answers[1].contains(tempfail), "the limit is 2: two pass")
        #expect(answers[2].contains(tempfail) && answers[3].contains(tempfail), "the third session's MAIL and on are refused")
        // The report reaches the store (a few moments: it is filed beside the milter's work). SQLite has one writer
        // at a time; `work` and the milter's filing take turns.
        var listed = ""
        try waitFor("the breach report", timeout: 20) {
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

    /// Starts `mogura milter` and waits until it listens; the caller interrupts it.
    static func startMilter(_ arguments: [String], port: Int) throws -> (Process, WebCLITests.LiveOutput, WebCLITests.LiveOutput) {
        let (process, output, error) = try CommandRunner.start(["milter", "--listen", "127.0.0.1:\(port)"] + arguments)
        let live = WebCLITests.LiveOutput(output)
        let log = WebCLITests.LiveOutput(error)
        _ = try live.waitFor("mogura milter: listening on 127.0.0.1:\(port)", process: process)
        return (process, live, log)
    }

    static let tempfail = MilterBytes.packet("y", MilterBytes.z("451 4.7.1 Sending limit exceeded for this account"))
    static let paused = MilterBytes.packet(
        "y", MilterBytes.z("451 4.7.1 Sending is paused while mail accounting is unavailable; try again later"))

    @Test func countersSurviveARestart() throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let port = try FreePort.pick()
        let options = ["--messages-per-hour", "3", "--data-dir", data, "--sync-interval", "0.2"]
        // Two messages, then a clean stop (which writes the counters)…
        var (process, _, log) = try Self.startMilter(options, port: port)
        _ = try log.waitFor("mail counters restored", process: process)
        for _ in 0..<2 { _ = try MilterBytes.exchange(port: port, MilterBytes.optionNegotiation() + MilterBytes.postfixSession()) }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // …and after the restart the third counts on top of them: the fourth would go over 3.
        (process, _, log) = try Self.startMilter(options, port: port)
        defer {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
        let restored = try log.waitFor("mail counters restored", process: process)
        #expect(restored.contains("rows=2"), "the hour and the day of alice: \(restored)")
        var answers: [[UInt8]] = []
        for _ in 0..<2 { answers.append(try MilterBytes.exchange(port: port, MilterBytes.optionNegotiation() + MilterBytes.postfixSession())) }
        #expect(!answers[0].contains(Self.tempfail))
        #expect(answers[1].contains(Self.tempfail), "two before the restart and one after reach the limit of 3")
    }

    /// The database is down (nothing listens) or hangs (a listener that accepts and never answers): mail keeps
    /// flowing with --on-store-failure open, and is tempfailed with closed; the log says which.
    @Test(arguments: ["down", "hangs"])
    func theMilterKeepsWorkingWhenTheStoreIsUnreachable(_ fault: String) throws {
        let blackhole = fault == "hangs" ? try SilentListener() : nil
        let databasePort = try blackhole?.port ?? FreePort.pick()
        let url = "postgres://mogura@127.0.0.1:\(databasePort)/mogura?sslmode=disable"
        for mode in ["open", "closed"] {
            let port = try FreePort.pick()
            let (process, _, log) = try Self.startMilter(
                ["--database", url, "--on-store-failure", mode, "--sync-interval", "0.2", "--store-timeout", "0.5"], port: port)
            defer {
                if process.isRunning { process.interrupt() }
                process.waitUntilExit()
            }
            let logged = try log.waitFor("mail counter store unreachable: failing \(mode)", process: process)
            let answer = try MilterBytes.exchange(port: port, MilterBytes.optionNegotiation() + MilterBytes.postfixSession())
            if mode == "open" {
                #expect(answer.contains(MilterBytes.packet("c")), "open: the message is accepted (\(fault))")
                #expect(!answer.contains(Self.paused))
                #expect(logged.contains("deciding from this process's own counts"))
            } else {
                #expect(answer.contains(Self.paused), "closed: MAIL is tempfailed (\(fault))")
            }
        }
    }
}

/// A TCP listener on loopback that accepts connections and never says a word: a database that hangs.
final class SilentListener: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32
    private let thread: Thread

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound, listen(descriptor, 16) == 0 else { throw WebCLITests.WebCLIError("cannot listen on loopback") }
        port = Int(UInt16(bigEndian: address.sin_port))
        thread = Thread {
            while true {
                let client = accept(descriptor, nil, nil)
                if client < 0 { return }  // closed by deinit
            }
        }
        thread.start()
    }

    deinit {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
