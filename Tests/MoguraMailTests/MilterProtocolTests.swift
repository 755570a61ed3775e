import Foundation
import Logging
import MoguraTesting
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

@testable import MoguraMail

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
        let (responses, _) = try Self.run(MilterBytes.optionNegotiation(), policy: RecordingPolicy())
        var expected = MilterBytes.u32(6) + MilterBytes.u32(0x121) + MilterBytes.u32(0x0F_BBC3)
        expected += MilterBytes.u32(0) + MilterBytes.z("{client_addr} {client_name} j _")
        expected += MilterBytes.u32(2) + MilterBytes.z("{auth_authen} {auth_type} {mail_addr} {client_addr} {client_name} i")
        expected += MilterBytes.u32(3) + MilterBytes.z("{rcpt_addr} {rcpt_mailer}")
        expected += MilterBytes.u32(5) + MilterBytes.z("i")
        #expect(responses == MilterBytes.packet("O", expected))
        // The flags: no connect, helo, data, eoh or unknown; no reply to rcpt, header, body; rejected recipients.
        #expect(MilterSession.wantedFlags.rawValue == 0x0F_BBC3)
    }

    @Test func versionsAreMetHalfWay() throws {
        for (offered, answered) in [(UInt32(2), UInt32(2)), (4, 4), (6, 6), (8, 6)] {
            let (responses, _) = try Self.run(MilterBytes.optionNegotiation(version: offered), policy: RecordingPolicy())
            #expect(Array(responses[5..<9]) == MilterBytes.u32(answered), "offered \(offered)")
        }
        #expect(throws: MilterProtocolError.self) { try Self.run(MilterBytes.optionNegotiation(version: 1), policy: RecordingPolicy()) }
        // An MTA that offers fewer actions and flags gets only what it offered.
        let (limited, _) = try Self.run(MilterBytes.optionNegotiation(actions: 0x001, flags: 0), policy: RecordingPolicy())
        #expect(limited == MilterBytes.packet("O", MilterBytes.u32(6) + MilterBytes.u32(0x001) + MilterBytes.u32(0)))
    }

    @Test func aPostfixSessionIsAnsweredOnlyWhereRepliesAreDueAndRecorded() throws {
        let policy = RecordingPolicy()
        let bytes = MilterBytes.optionNegotiation() + MilterBytes.postfixSession()
        let (responses, closed) = try Self.run(bytes, policy: policy)
        let negotiation = try Self.run(MilterBytes.optionNegotiation(), policy: RecordingPolicy()).responses
        // After negotiation: one 'c' for MAIL and one for end of message; nothing for the no-reply events.
        #expect(Array(responses.dropFirst(negotiation.count)) == MilterBytes.packet("c") + MilterBytes.packet("c"))
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
        let (responses, _) = try Self.run(MilterBytes.optionNegotiation(flags: 0) + MilterBytes.postfixSession(), policy: RecordingPolicy())
        let negotiation = try Self.run(MilterBytes.optionNegotiation(flags: 0), policy: RecordingPolicy()).responses.count
        // C H M R R R T L L N B E: twelve answers, all continue.
        #expect(Array(responses.dropFirst(negotiation)) == Array(repeating: MilterBytes.packet("c"), count: 12).flatMap { $0 })
    }

    @Test func localSubmissionIsAccountedToTheEnvelopeSender() throws {
        // sendmail(1) through non_smtpd_milters: port 0, no angle brackets, no SASL login.
        var bytes = MilterBytes.optionNegotiation()
        bytes += MilterBytes.packet("C", MilterBytes.z("localhost") + [UInt8(ascii: "4"), 0, 0] + MilterBytes.z("127.0.0.1"))
        bytes += MilterBytes.packet("H", MilterBytes.z("localhost"))
        bytes += MilterBytes.packet("M", MilterBytes.z("www-data@web1.example.jp"))
        bytes += MilterBytes.packet("R", MilterBytes.z("victim@example.org"))
        bytes += MilterBytes.packet("E")
        bytes += MilterBytes.packet("Q")
        let policy = RecordingPolicy()
        _ = try Self.run(bytes, policy: policy)
        let record = try #require(policy.records.first)
        #expect(record.account == "www-data@web1.example.jp")
        #expect(!record.authenticated)
        #expect(record.recipients == ["victim@example.org"])
        #expect(record.clientAddress == "127.0.0.1")
    }

    @Test func verdictsBecomeTheRightResponses() throws {
        let negotiation = try Self.run(MilterBytes.optionNegotiation(), policy: RecordingPolicy()).responses.count
        let tempfail = try Self.run(
            MilterBytes.optionNegotiation() + MilterBytes.postfixSession(),
            policy: RecordingPolicy(mail: .tempfail("Sending limit exceeded for this account")))
        // Refused at MAIL, before the body; the end of message that follows is answered as usual.
        #expect(
            Array(tempfail.responses.dropFirst(negotiation)).starts(
                with: MilterBytes.packet("y", MilterBytes.z("451 4.7.1 Sending limit exceeded for this account"))))
        let held = try Self.run(
            MilterBytes.optionNegotiation() + MilterBytes.postfixSession(), policy: RecordingPolicy(end: .quarantine("mogura: flood from alice")))
        #expect(
            Array(held.responses.dropFirst(negotiation))
                == MilterBytes.packet("c") + MilterBytes.packet("q", MilterBytes.z("mogura: flood from alice")) + MilterBytes.packet("c")
        )
        // A reply text cannot smuggle a second line or a format character to the MTA.
        #expect(
            MilterResponse.replyCode("451 4.7.1 100% done\r\n250 ok").packet == MilterBytes.packet("y", MilterBytes.z("451 4.7.1 100%% done250 ok")))
    }

    @Test func malformedPacketsAreErrorsNotCrashes() throws {
        var reader = MilterPacketReader(limit: 1024)
        reader.append([0, 0, 0, 0, 0x4F])
        #expect(throws: MilterProtocolError.self) { try reader.next() }
        var big = MilterPacketReader(limit: 1024)
        big.append([0x7F, 0xFF, 0xFF, 0xFF, 0x42])
        #expect(throws: MilterProtocolError.self) { try big.next() }
        for bad in [
            MilterBytes.packet("O", [0, 0, 0, 6]),  // short negotiation
            MilterBytes.packet("Z"),  // unknown command
            MilterBytes.packet("H", Array("no terminator".utf8)),
            MilterBytes.packet("C", MilterBytes.z("host") + [UInt8(ascii: "4"), 0x30]),  // truncated port
        ] {
            #expect(throws: MilterProtocolError.self) { try Self.run(MilterBytes.optionNegotiation() + bad, policy: RecordingPolicy()) }
        }
        #expect(throws: MilterProtocolError.self, "a command before negotiation") {
            try Self.run(MilterBytes.packet("H", MilterBytes.z("x")), policy: RecordingPolicy())
        }
    }

    /// Random and mutated packets: errors are fine, crashes and hangs are not.
    @Test func fuzzedStreamsNeverCrash() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4D_494C_5445)
        let valid = MilterBytes.optionNegotiation() + MilterBytes.postfixSession()
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
                bytes = MilterBytes.optionNegotiation() + (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
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
            let answer = try await MilterBytes.exchangeOffPool(port: port, MilterBytes.optionNegotiation() + MilterBytes.postfixSession())
            let expected = try Self.run(MilterBytes.optionNegotiation() + MilterBytes.postfixSession(), policy: RecordingPolicy()).responses
            #expect(answer == expected)
            #expect(policy.records.count == 1)
            let garbage = try await MilterBytes.exchangeOffPool(
                port: port, MilterBytes.optionNegotiation() + MilterBytes.packet("Z", [1, 2, 3]) + MilterBytes.postfixSession())
            let negotiation = try Self.run(MilterBytes.optionNegotiation(), policy: RecordingPolicy()).responses
            #expect(garbage == negotiation, "only the negotiation was answered before the close")
            #expect(policy.records.count == 1)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Hostile connections against the real server: mutated sessions, random bytes, a length prefix claiming 1 GiB,
    /// packets cut off mid-way and connections dropped without a word. The server answers a clean session after all of
    /// them, and every connection's state is released (no handler outlives its connection).
    @Test func hostileConnectionsNeitherCrashTheServerNorLeakConnectionState() async throws {
        let port = try FreePort.pick()
        let policy = RecordingPolicy()
        let (listening, continuation) = AsyncStream<String>.makeStream()
        var logger = Logger(label: "milter-test")
        logger.logLevel = .critical
        let server = MilterServer(
            address: .tcp(host: "127.0.0.1", port: port), policy: policy, logger: logger, onListening: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        let before = MilterChannelHandler.live.withLockedValue { $0 }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = listening.makeAsyncIterator()
            _ = await iterator.next()
            try await offPool {
                var random = SeededRandom.fromEnvironment(fallback: 0x4C_4541_4B)
                let valid = MilterBytes.optionNegotiation() + MilterBytes.postfixSession()
                for round in 0..<600 {
                    var bytes: [UInt8]
                    switch round % 4 {
                    case 0:
                        bytes = valid
                        for _ in 0..<(1 + Int(random.next() % 8)) {
                            bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                        }
                    case 1: bytes = (0..<Int(1 + random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                    case 2: bytes = MilterBytes.optionNegotiation() + MilterBytes.u32(1 << 30) + [UInt8(ascii: "B")] + [1, 2, 3]
                    default: bytes = Array(valid.prefix(Int(random.next() % UInt64(valid.count))))  // cut off, then dropped
                    }
                    _ = try MilterBytes.exchange(port: port, bytes, hangUp: true)
                }
            }
            let answer = try await MilterBytes.exchangeOffPool(port: port, MilterBytes.optionNegotiation() + MilterBytes.postfixSession())
            #expect(answer == (try Self.run(MilterBytes.optionNegotiation() + MilterBytes.postfixSession(), policy: RecordingPolicy()).responses))
            try await offPool {
                // At most as many as before (other tests' servers may run beside this one; a leak here would be hundreds).
                try waitFor("every connection's handler released", timeout: 10) { MilterChannelHandler.live.withLockedValue { $0 } <= before }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
