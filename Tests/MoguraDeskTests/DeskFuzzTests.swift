import Foundation
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraTesting
import Testing

/// Hostile input for the desk's own decoders: configuration files, reply hints, and text that ends up in mail
/// headers. Each must answer with a value or a clear error, never crash, never let text become a header.
@Suite("Desk decoders under random input")
struct DeskFuzzTests {
    @Test func configurationFilesOfRandomBytesAndMutatedYAML() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0xDE5C)
        let example = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/docs/mogura.example.yml", encoding: .utf8)
        let seed = Array(example.utf8)
        var parsed = 0
        var refused = 0
        for round in 0..<2_000 {
            var bytes: [UInt8]
            if round % 4 == 0 {
                bytes = random.bytes(count: Int(random.next() % 400))
            } else {
                bytes = seed
                for _ in 0..<(1 + Int(random.next() % 8)) {
                    let position = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 3 {
                    case 0: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                    case 1: bytes.remove(at: position)
                    default: bytes.insert(contentsOf: Array(": -[{\n\t'\"&*!%".utf8).shuffled(using: &random).prefix(3), at: position)
                    }
                }
            }
            do {
                _ = try DeskConfiguration.parse(yaml: String(decoding: bytes, as: UTF8.self), source: "fuzz.yml")
                parsed += 1
            } catch let error as DeskConfigurationError {
                #expect(error.description.hasPrefix("fuzz.yml"))
                refused += 1
            }
        }
        #expect(parsed + refused == 2_000 && refused > 0)
    }

    @Test func replyHintsNeverMatchWithoutAWellFormedToken() {
        var random = SeededRandom.fromEnvironment(fallback: 0x2E91)
        let matcher = ReplyMatcher(replyTo: "abuse+{token}@example.net")
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789+.@<>-_ ABUSE")
        for _ in 0..<20_000 {
            let hint = String((0..<Int(random.next() % 60)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            if let token = matcher.token(in: [hint]) {
                #expect(token.count == 20 && token.allSatisfy { $0.isLowercase || $0.isNumber }, "\(hint)")
                #expect(hint.lowercased().contains(token))
            }
        }
    }

    @Test func noTextBecomesAHeader() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4EAD)
        let pieces = ["\r\n", "\n", "\r", "Bcc: x@example.com", "件名", "=?UTF-8?B?", "\u{0}", ":", " ", "a", "é", "😀", "\u{2028}"]
        for _ in 0..<2_000 {
            let subject = (0..<Int(random.next() % 12)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            let mail = OutgoingMail(
                from: "Desk <abuse@example.net>", envelopeFrom: "abuse@example.net", to: ["owner@customer.example"], replyTo: nil,
                messageID: "m@example.net", inReplyTo: subject.isEmpty ? nil : subject, subject: subject, body: subject, date: Timestamp(seconds: 0),
                extraHeaders: [("X-Mogura-Case", subject)])
            let parsed = try MIMEParser().parse(mail.bytes())
            let names = Set(parsed.headers.fields.map { $0.name.lowercased() })
            #expect(
                names.isSubset(of: [
                    "from", "to", "subject", "date", "message-id", "in-reply-to", "references", "mime-version", "content-type",
                    "content-transfer-encoding", "auto-submitted", "x-mogura-case",
                ]), "\(names)")
            #expect(parsed.headers["Bcc"] == nil)
        }
    }
}
