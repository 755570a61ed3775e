import Foundation
import Logging
import MoguraMail
import MoguraTesting
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

/// The milter wire protocol against byte sequences written from the protocol notes and the session Postfix 3.7
/// was observed to send (docs/milter.md): negotiation, no-reply events, macros, verdicts, framing, and hostile
/// packets.
@Suite("Milter protocol")
struct MilterProtocolTests {
    /// Records every message and answers with a fixed verdict.
    final class RecordingPolicy: MilterPolicy, Sendable {
        let mailVerdict: MilterVerdict
        let endVerdict: MilterVerdict
        private let recorded = NIOLockedValueBox<[MilterMessageRecord]>([])

        init(mail: MilterVerdict = .continue, end: MilterVerdict = .continue) {
            mailVerdict = mail
            endVerdict = end
        }

        var records: [MilterMessageRecord] { recorded.withLockedValue { $0 } }
        func atMail(_ message: MilterMessageRecord) -> MilterVerdict { mailVerdict }
        func atEndOfMessage(_ message: MilterMessageRecord) -> MilterVerdict {
            recorded.withLockedValue { $0.append(message) }
            return endVerdict
        }
    }

    // MARK: Packets as the MTA writes them

    static func packet(_ code: Character, _ data: [UInt8] = []) -> [UInt8] {
        let length = UInt32(data.count + 1)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), code.asciiValue!] + data
    }

    static func z(_ strings: String...) -> [UInt8] { strings.flatMap { Array($0.utf8) + [0] } }
    static func u32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static func optionNegotiation(version: UInt32 = 6, actions: UInt32 = 0x1FF, flags: UInt32 = 0x1F_FFFF) -> [UInt8] {
        packet("O", u32(version) + u32(actions) + u32(flags))
    }

    /// One SMTP session with one message, as Postfix sends it after negotiation.
    static func postfixSession(authenticated: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += packet("D", [UInt8(ascii: "C")] + z("{client_addr}", "198.51.100.23", "{client_name}", "unknown", "j", "mx.example.net"))
        bytes += packet("C", z("unknown") + [UInt8(ascii: "4")] + [0x30, 0x39] + z("198.51.100.23"))
        bytes += packet("D", [UInt8(ascii: "H")])
        bytes += packet("H", z("client.example"))
        bytes += packet(
            "D", [UInt8(ascii: "M")] + (authenticated ? z("{auth_authen}", "alice@example.jp", "{auth_type}", "PLAIN") : z("{mail_addr}", "x")))
        bytes += packet("M", z("<alice@example.jp>", "SIZE=321"))
        bytes += packet("D", [UInt8(ascii: "R")] + z("{rcpt_addr}", "bob@example.org", "{rcpt_mailer}", "smtp"))
        bytes += packet("R", z("<bob@example.org>"))
        bytes += packet("D", [UInt8(ascii: "R")] + z("{rcpt_addr}", "nobody@example.net", "{rcpt_mailer}", "error"))
        bytes += packet("R", z("<nobody@example.net>"))
        bytes += packet("D", [UInt8(ascii: "R")] + z("i", "4XyZ1Q", "{rcpt_addr}", "carol@example.net", "{rcpt_mailer}", "smtp"))
        bytes += packet("R", z("<carol@example.net>"))
        bytes += packet("D", [UInt8(ascii: "T")] + z("i", "4XyZ1Q"))
        bytes += packet("T")
        bytes += packet("L", z("Subject", "Cheap watches 2024"))
        bytes += packet("L", z("Message-ID", "<m1@client.example>"))
        bytes += packet("N")
        bytes += packet("B", Array("Buy  NOW\r\nonly 99 dollars\r\n".utf8))
        bytes += packet("D", [UInt8(ascii: "E")] + z("i", "4XyZ1Q"))
        bytes += packet("E")
        bytes += packet("A")
        bytes += packet("A")
        bytes += packet("Q")
        return bytes
    }

    /// Runs bytes through a session the way the server does; returns the response bytes and whether it closed.
    static func run(_ bytes: [UInt8], policy: any MilterPolicy, chunk: Int = .max) throws -> (responses: [UInt8], closed: Bool) {
        var session = MilterSession(policy: policy)
        var reader = MilterPacketReader()
        var out: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            reader.append(bytes[offset..<end])
            offset = end
            while let (code, data) = try reader.next() {
                let step = try session.receive(try MilterCommand.parse(code: code, data: data))
                for response in step.responses { out += response.packet }
                if step.close { return (out, true) }
            }
        }
        return (out, false)
    }

    @Test func negotiationAnswersWithTheActionsFlagsAndMacrosWanted() throws {
        let (responses, _) = try Self.run(Self.optionNegotiation(), policy: RecordingPolicy())
        var expected = Self.u32(6) + Self.u32(0x121) + Self.u32(0x0F_B980)
        expected += Self.u32(0) + Self.z("{client_addr} {client_name} j _")
        expected += Self.u32(2) + Self.z("{auth_authen} {auth_type} {mail_addr} i")
        expected += Self.u32(3) + Self.z("{rcpt_addr} {rcpt_mailer}")
        expected += Self.u32(5) + Self.z("i")
        #expect(responses == Self.packet("O", expected))
        // The flags: no reply to connect, helo, rcpt, data, header, eoh, body, unknown; no unknown; rejected rcpts.
        #expect(MilterSession.wantedFlags.rawValue == 0x0F_B980)
    }

    @Test func versionsAreMetHalfWay() throws {
        for (offered, answered) in [(UInt32(2), UInt32(2)), (4, 4), (6, 6), (8, 6)] {
            let (responses, _) = try Self.run(Self.optionNegotiation(version: offered), policy: RecordingPolicy())
            #expect(Array(responses[5..<9]) == Self.u32(answered), "offered \(offered)")
        }
        #expect(throws: MilterProtocolError.self) { try Self.run(Self.optionNegotiation(version: 1), policy: RecordingPolicy()) }
        // An MTA that offers fewer actions and flags gets only what it offered.
        let (limited, _) = try Self.run(Self.optionNegotiation(actions: 0x001, flags: 0), policy: RecordingPolicy())
        #expect(limited == Self.packet("O", Self.u32(6) + Self.u32(0x001) + Self.u32(0)))
    }

    @Test func aPostfixSessionIsAnsweredOnlyWhereRepliesAreDueAndRecorded() throws {
        let policy = RecordingPolicy()
        let bytes = Self.optionNegotiation() + Self.postfixSession()
        let (responses, closed) = try Self.run(bytes, policy: policy)
        let negotiation = try Self.run(Self.optionNegotiation(), policy: RecordingPolicy()).responses
        // After negotiation: one 'c' for MAIL and one 'c' for end of message; nothing for the no-reply events.
        #expect(Array(responses.dropFirst(negotiation.count)) == Self.packet("c") + Self.packet("c"))
        #expect(closed)
        let record = try #require(policy.records.first)
        #expect(policy.records.count == 1)
        #expect(record.account == "alice@example.jp")
        #expect(record.authenticated)
        #expect(record.sender == "alice@example.jp")
        #expect(record.recipients == ["bob@example.org", "carol@example.net"])
        #expect(record.rejectedRecipients == 1)
        #expect(record.clientAddress == "198.51.100.23")
        #expect(record.helo == "client.example")
        #expect(record.subject == "Cheap watches 2024")
        #expect(record.messageID == "<m1@client.example>")
        #expect(record.queueID == "4XyZ1Q")
        #expect(record.bodyBytes == 27)

        // The same bytes split anywhere give the same answers.
        for chunk in [1, 3, 7, 64] {
            #expect(try Self.run(bytes, policy: RecordingPolicy(), chunk: chunk).responses == responses, "chunks of \(chunk)")
        }
    }

    @Test func withoutNoReplyFlagsEveryEventIsAnswered() throws {
        let (responses, _) = try Self.run(Self.optionNegotiation(flags: 0) + Self.postfixSession(), policy: RecordingPolicy())
        let negotiation = try Self.run(Self.optionNegotiation(flags: 0), policy: RecordingPolicy()).responses.count
        // C H M R R R T L L N B E: twelve answers, all continue.
        #expect(Array(responses.dropFirst(negotiation)) == Array(repeating: Self.packet("c"), count: 12).flatMap { $0 })
    }

    @Test func localSubmissionIsAccountedToTheEnvelopeSender() throws {
        // sendmail(1) through non_smtpd_milters: port 0, no angle brackets, no SASL login.
        var bytes = Self.optionNegotiation()
        bytes += Self.packet("C", Self.z("localhost") + [UInt8(ascii: "4"), 0, 0] + Self.z("127.0.0.1"))
        bytes += Self.packet("H", Self.z("localhost"))
        bytes += Self.packet("M", Self.z("www-data@web1.example.jp"))
        bytes += Self.packet("R", Self.z("victim@example.org"))
        bytes += Self.packet("E")
        bytes += Self.packet("Q")
        let policy = RecordingPolicy()
        _ = try Self.run(bytes, policy: policy)
        let record = try #require(policy.records.first)
        #expect(record.account == "www-data@web1.example.jp")
        #expect(!record.authenticated)
        #expect(record.recipients == ["victim@example.org"])
        #expect(record.clientAddress == "127.0.0.1")
    }

    @Test func verdictsBecomeTheRightResponses() throws {
        let negotiation = try Self.run(Self.optionNegotiation(), policy: RecordingPolicy()).responses.count
        let tempfail = try Self.run(
            Self.optionNegotiation() + Self.postfixSession(), policy: RecordingPolicy(mail: .tempfail("Sending limit exceeded for this account")))
        #expect(
            Array(tempfail.responses.dropFirst(negotiation)).starts(
                with: Self.packet("y", Self.z("451 4.7.1 Sending limit exceeded for this account"))))
        let held = try Self.run(
            Self.optionNegotiation() + Self.postfixSession(), policy: RecordingPolicy(end: .quarantine("mogura: flood from alice")))
        #expect(
            Array(held.responses.dropFirst(negotiation)) == Self.packet("c") + Self.packet("q", Self.z("mogura: flood from alice")) + Self.packet("c")
        )
        // A reply text cannot smuggle a second line or a format character to the MTA.
        #expect(MilterResponse.replyCode("451 4.7.1 100% done\r\n250 ok").packet == Self.packet("y", Self.z("451 4.7.1 100%% done250 ok")))
    }

    @Test func malformedPacketsAreErrorsNotCrashes() throws {
        var reader = MilterPacketReader(limit: 1024)
        reader.append([0, 0, 0, 0, 0x4F])
        #expect(throws: MilterProtocolError.self) { try reader.next() }
        var big = MilterPacketReader(limit: 1024)
        big.append([0x7F, 0xFF, 0xFF, 0xFF, 0x42])
        #expect(throws: MilterProtocolError.self) { try big.next() }
        for bad in [
            Self.packet("O", [0, 0, 0, 6]),  // short negotiation
            Self.packet("Z"),  // unknown command
            Self.packet("H", Array("no terminator".utf8)),
            Self.packet("C", Self.z("host") + [UInt8(ascii: "4"), 0x30]),  // truncated port
        ] {
            #expect(throws: MilterProtocolError.self) { try Self.run(Self.optionNegotiation() + bad, policy: RecordingPolicy()) }
        }
        #expect(throws: MilterProtocolError.self, "a command before negotiation") {
            try Self.run(Self.packet("H", Self.z("x")), policy: RecordingPolicy())
        }
    }

    /// Random and mutated packets: errors are fine, crashes and hangs are not.
    @Test func fuzzedStreamsNeverCrash() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4D_494C_5445)
        let valid = Self.optionNegotiation() + Self.postfixSession()
        var errors = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = valid
                for _ in 0..<(1 + Int(random.next() % 8)) {
                    let index = Int(random.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: random.next())
                }
                if random.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count)))) }
            } else {
                bytes = Self.optionNegotiation() + (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            do {
                _ = try Self.run(bytes, policy: RecordingPolicy(), chunk: 1 + Int(random.next() % 50))
            } catch is MilterProtocolError {
                errors += 1
            }
        }
        #expect(errors > 1_000, "the fuzzer hardly reached the error paths (\(errors))")
    }

    /// The server over TCP: a session is answered; a malformed packet closes the connection.
    @Test func theServerAnswersAndClosesOnGarbage() async throws {
        let port = try FreePort.pick()
        let policy = RecordingPolicy()
        let (listening, continuation) = AsyncStream<String>.makeStream()
        let server = MilterServer(
            address: .tcp(host: "127.0.0.1", port: port), policy: policy, logger: Logger(label: "milter-test"),
            onListening: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "milter-test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = listening.makeAsyncIterator()
            _ = await iterator.next()
            let answer = try Self.exchange(port: port, Self.optionNegotiation() + Self.postfixSession())
            let expected = try Self.run(Self.optionNegotiation() + Self.postfixSession(), policy: RecordingPolicy()).responses
            #expect(answer == expected)
            #expect(policy.records.count == 1)
            let garbage = try Self.exchange(port: port, Self.optionNegotiation() + Self.packet("Z", [1, 2, 3]) + Self.postfixSession())
            let negotiation = try Self.run(Self.optionNegotiation(), policy: RecordingPolicy()).responses
            #expect(garbage == negotiation, "only the negotiation was answered before the close")
            #expect(policy.records.count == 1)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Writes bytes to the server and reads until it closes the connection.
    static func exchange(port: Int, _ bytes: [UInt8]) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw MilterProtocolError("cannot connect to the milter") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }
}
