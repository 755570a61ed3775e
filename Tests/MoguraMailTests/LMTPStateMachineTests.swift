import MoguraMail
import MoguraTesting
import Testing

@Suite("LMTP state machine")
struct LMTPStateMachineTests {
    @Test func aTransactionWithTwoRecipients() {
        var machine = LMTPStateMachine(hostname: "mogura.test", maximumMessageBytes: 1_000)
        #expect(machine.greeting == "220 mogura.test LMTP Mogura ready")
        #expect(machine.command("MAIL FROM:<a@b>") == .reply("503 5.5.1 say LHLO first"))
        #expect(machine.command("EHLO client") == .reply("500 5.5.1 this is an LMTP server; say LHLO"))
        guard case .reply(let lhlo) = machine.command("LHLO client.example") else {
            Issue.record("LHLO refused")
            return
        }
        #expect(lhlo.hasSuffix("250 SIZE 1000"))
        #expect(machine.command("DATA") == .reply("503 5.5.1 need MAIL before DATA"))
        #expect(machine.command("MAIL FROM:<reporter@example.org> SIZE=100 BODY=8BITMIME") == .reply("250 2.1.0 sender ok"))
        #expect(machine.command("MAIL FROM:<again@example.org>") == .reply("503 5.5.1 nested MAIL command"))
        #expect(machine.command("DATA") == .reply("503 5.5.1 need RCPT before DATA"))
        #expect(machine.command("rcpt to:<abuse@provider.example>") == .reply("250 2.1.5 recipient ok"))
        #expect(machine.command("RCPT TO:<security@provider.example>") == .reply("250 2.1.5 recipient ok"))
        #expect(machine.envelope?.recipients == ["abuse@provider.example", "security@provider.example"])
        #expect(machine.command("DATA") == .startData("354 start mail input; end with <CRLF>.<CRLF>"))
        #expect(
            machine.messageReceived(.stored("stored as #1")) == [
                "250 2.0.0 <abuse@provider.example> stored as #1", "250 2.0.0 <security@provider.example> stored as #1",
            ])
        #expect(machine.envelope == nil)
        #expect(machine.command("MAIL FROM:<>") == .reply("250 2.1.0 sender ok"))
        #expect(machine.command("RSET") == .reply("250 2.0.0 reset"))
        #expect(machine.command("QUIT") == .close("221 2.0.0 mogura.test closing"))
    }

    @Test func limitsAndErrors() {
        var machine = LMTPStateMachine(hostname: "m", maximumMessageBytes: 100, maximumRecipients: 1)
        _ = machine.command("LHLO x")
        #expect(machine.command("MAIL FROM:<a@b> SIZE=101") == .reply("552 5.3.4 message size 101 exceeds the limit of 100 bytes"))
        #expect(machine.command("MAIL TO:<a@b>") == .reply("501 5.5.4 syntax: MAIL FROM:<address>"))
        _ = machine.command("MAIL FROM:<a@b>")
        #expect(machine.command("RCPT TO:<>") == .reply("501 5.1.3 bad recipient address syntax"))
        _ = machine.command("RCPT TO:<x@y>")
        #expect(machine.command("RCPT TO:<z@y>") == .reply("452 4.5.3 too many recipients"))
        #expect(machine.messageReceived(.temporaryFailure("db down")) == ["451 4.3.0 <x@y> not stored, try again later: db down"])
        #expect(machine.command("FROB") == .reply("500 5.5.2 unknown command FROB"))
    }

    @Test func dotTerminatedDataInPieces() {
        let message = Array("Subject: x\r\n\r\n..leading dot\r\nline\r\n.\r\nQUIT\r\n".utf8)
        for piece in [1, 2, 3, 7, 100] {
            var reader = DotTerminatedReader(limit: 1_000)
            var offset = 0
            var used: Int?
            while offset < message.count, used == nil {
                let end = min(message.count, offset + piece)
                if let consumed = reader.consume(message[offset..<end]) { used = offset + consumed }
                offset = end
            }
            #expect(used == message.count - 6, "piece \(piece)")
            #expect(reader.message == Array("Subject: x\r\n\r\n.leading dot\r\nline\r\n".utf8))
        }
        var small = DotTerminatedReader(limit: 10)
        #expect(small.consume(message[...]) != nil)
        #expect(small.overflow > 0)
    }

    @Test func fuzzCommands() {
        var random = SeededRandom.fromEnvironment(fallback: 0x4C4D_5450)
        var machine = LMTPStateMachine(hostname: "m")
        let verbs = ["LHLO a", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "RSET", "NOOP", "QUIT", "VRFY x", "MAIL FROM:", "RCPT TO:"]
        for round in 0..<20_000 {
            let line =
                round % 3 == 0
                ? String(decoding: random.bytes(count: Int(random.next() % 40)), as: UTF8.self) : verbs[Int(random.next() % UInt64(verbs.count))]
            switch machine.command(line) {
            case .reply(let text), .startData(let text), .close(let text):
                #expect(text.count >= 3 && text.prefix(3).allSatisfy(\.isNumber))
            }
            if round % 17 == 0 { _ = machine.messageReceived(.stored("ok")) }
        }
    }
}
