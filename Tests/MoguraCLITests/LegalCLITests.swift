import Foundation
import MoguraTesting
import Testing

/// `mogura legal` as legal staff use it: import a claim list, show it, send the inquiries (HTML and PDF written
/// out), watch the deadline pass; a terms-of-service agent is refused; the audit chain verifies.
@Suite("mogura legal", .serialized, .tags(.process))
struct LegalCLITests {
    static func run(_ arguments: [String], input: String) throws -> CommandResult {
        let (process, output, error) = try CommandRunner.start(arguments, standardInput: true)
        if let pipe = process.standardInput as? Pipe {
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        }
        return CommandRunner.finish(process, output, error)
    }

    @Test func importSendAndWatchFromTheCommandLine() throws {
        let directory = try TemporaryDirectory(prefix: "mogura-legal-cli")
        let data = ["--data-dir", directory.file("data")]
        let fixture = ClaimListFixture(rows: 400)
        _ = try directory.write("inventory.json", fixture.inventoryJSON)
        try Data(fixture.xlsx).write(to: URL(fileURLWithPath: directory.file("claims.xlsx")))
        #expect(try CommandRunner.run(["inventory", "import", directory.file("inventory.json")] + data).status == 0)
        #expect(try Self.run(["user", "add", "alice", "--role", "legal-lead"] + data, input: "a long enough passphrase\n").status == 0)
        #expect(try Self.run(["user", "add", "tom", "--role", "tos-agent"] + data, input: "a long enough passphrase\n").status == 0)

        let refused = try CommandRunner.run(["legal", "list", "--as", "tom"] + data)
        #expect(refused.status != 0 && refused.standardError.contains("tom is not legal staff"), "\(refused.standardError)")

        let imported = try CommandRunner.run(
            [
                "legal", "import", directory.file("claims.xlsx"), "--claimant", "Example Films", "--requester", "株式会社エグザンプル", "--rights",
                "著作権", "--item", "氏名又は名称", "--item", "住所", "--fee-per-id", "5000", "--as", "alice",
            ] + data)
        #expect(imported.status == 0, "\(imported.standardError)")
        let number = "LR-\(Calendar(identifier: .gregorian).component(.year, from: Date().addingTimeInterval(9 * 3_600)))-000001"
        #expect(imported.standardOutput.contains("Imported 400 rows as \(number)"), "\(imported.standardOutput)")
        #expect(imported.standardOutput.contains("subscribers;"))

        let acknowledged = try CommandRunner.run(["legal", "acknowledge", number, "--out", directory.file("letters"), "--as", "alice"] + data)
        #expect(acknowledged.status == 0 && acknowledged.standardOutput.contains("受付のお知らせ"), "\(acknowledged.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.file("letters/\(number)-acknowledgement.html")))
        let notPolice = try CommandRunner.run(["legal", "answer-police", number, "--as", "alice"] + data)
        #expect(notPolice.status != 0 && notPolice.standardError.contains("is not a police inquiry"))
        let show = try CommandRunner.run(["legal", "show", number, "--as", "alice"] + data)
        #expect(show.status == 0 && show.standardOutput.contains("state identifying") && show.standardOutput.contains("rows 400"))

        let letters = directory.file("letters")
        let sent = try CommandRunner.run(
            ["legal", "send-inquiries", number, "--delivered", "2026-12-18 10:00", "--out", letters, "--as", "alice"] + data, timeout: 300)
        #expect(sent.status == 0, "\(sent.standardError)")
        let files = try FileManager.default.contentsOfDirectory(atPath: letters)
        let inquiries = files.filter { $0.hasSuffix(".html") && !$0.contains("acknowledgement") }.sorted()
        #expect(inquiries.count > 10 && !files.contains { $0.hasSuffix(".pdf") }, "\(files.prefix(4))")
        #expect(try String(contentsOfFile: letters + "/" + inquiries[0], encoding: .utf8).contains("発信者情報開示請求に係る意見照会書"))
        #expect(try CommandRunner.run(["legal", "show", number, "--as", "alice"] + data).standardOutput.contains("jp.opinion-inquiry.reply"))

        // An answer, the decisions, and the answer to the requester.
        let customer = try #require(inquiries.first.map { String($0.dropFirst(number.count + 1).dropLast(5)) })
        let recorded = try CommandRunner.run(
            ["legal", "record-answer", number, "--customer", customer, "--answer", "consent", "--as", "alice"] + data)
        #expect(recorded.status == 0 && recorded.standardOutput.contains("Recorded \(customer)'s answer (consent)"), "\(recorded.standardError)")
        let decided = try CommandRunner.run(["legal", "decide", number, "--as", "alice"] + data)
        #expect(
            decided.status == 0 && decided.standardOutput.contains("disclose:") && decided.standardOutput.contains("refuse:"),
            "\(decided.standardOutput)")
        let answered = try CommandRunner.run(["legal", "answer-requester", number, "--out", letters, "--as", "alice"] + data)
        #expect(answered.status == 0 && FileManager.default.fileExists(atPath: letters + "/\(number)-answer.html"), "\(answered.standardError)")

        // The reply deadline: delivered 2026-12-18, 14 days → 2027-01-01, closed → due at the end of 2027-01-04 JST.
        let early = try CommandRunner.run(["legal", "watch", "--now", "2027-01-02 12:00 JST"] + data)
        #expect(early.standardOutput.contains("reminder:") && early.standardOutput.contains("1 event(s) raised"), "\(early.standardOutput)")
        let missed = try CommandRunner.run(["legal", "watch", "--now", "2027-01-05 00:00 JST"] + data)
        #expect(missed.standardOutput.contains("MISSED:") && missed.standardOutput.contains("1 event(s) raised"), "\(missed.standardOutput)")
        let again = try CommandRunner.run(["legal", "watch", "--now", "2027-01-06 00:00 JST"] + data)
        #expect(again.standardOutput.contains("0 event(s) raised"), "escalated once: \(again.standardOutput)")

        let purge = try CommandRunner.run(["legal", "purge", "--older-than", "30", "--dry-run"] + data)
        #expect(purge.status == 0 && purge.standardOutput.contains("Would purge 0 of 0 raw report(s)"), "\(purge.standardOutput)")
        let released = try CommandRunner.run(["legal", "release-holds", number, "--as", "alice"] + data)
        #expect(released.status == 0 && released.standardOutput.contains("Released ") && !released.standardOutput.contains("Released 0 "))
        #expect(try CommandRunner.run(["legal", "holidays", "--year", "2026"]).standardOutput.contains("2026-09-22,国民の休日"))
        #expect(try CommandRunner.run(["legal", "keygen", "--id", "k1"]).standardOutput.hasPrefix("k1="))
        #expect(try CommandRunner.run(["audit", "verify"] + data).status == 0)
    }
}
