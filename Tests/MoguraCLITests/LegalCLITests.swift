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

    /// A takedown registered, moved and written to from the command line; a hold by indicator read back by a network
    /// operator for the log systems; a missed inquiry mailed to the legal team through the outbox.
    @Test func takedownHoldsAndAlertsFromTheCommandLine() throws {
        let directory = try TemporaryDirectory(prefix: "mogura-legal-cli2")
        let data = ["--data-dir", directory.file("data")]
        let outbox = directory.file("outbox")
        let config = try directory.write(
            "mogura.yml",
            """
            mail:
              outbox: \(outbox)
            legal:
              alerts_to: [legal-team@example.net]
              watch_interval: 1m
            """)
        let badConfig = try directory.write("bad.yml", "legal:\n  alerts_to: [nobody]\n")
        #expect(try Self.run(["user", "add", "alice", "--role", "legal-lead"] + data, input: "a long enough passphrase\n").status == 0)
        #expect(try Self.run(["user", "add", "noc", "--role", "network-operator"] + data, input: "a long enough passphrase\n").status == 0)
        #expect(try Self.run(["user", "add", "tom", "--role", "tos-agent"] + data, input: "a long enough passphrase\n").status == 0)

        let unknown = try CommandRunner.run(["legal", "create", "--kind", "complaint", "--as", "alice"] + data)
        #expect(unknown.status != 0 && unknown.standardError.contains("unknown kind complaint"), "\(unknown.standardError)")
        let created = try CommandRunner.run(
            [
                "legal", "create", "--kind", "takedown-request", "--party", "requester=乙山花子", "--rights", "名誉権", "--location",
                "https://bbs.example.jp/t/9#12", "--statement", "虚偽の書込み", "--as", "alice",
            ] + data)
        #expect(created.status == 0, "\(created.standardError)")
        let number = try #require(created.standardOutput.split(separator: " ").first.map(String.init))
        #expect(number.hasPrefix("LR-") && created.standardOutput.contains("state received"), "\(created.standardOutput)")
        let noCase = try CommandRunner.run(["legal", "link", number, "--case", "99999", "--as", "alice"] + data)
        #expect(noCase.status != 0 && noCase.standardError.contains("there is no case 99999"), "\(noCase.standardError)")
        let wrong = try CommandRunner.run(["legal", "move", number, "acting", "--as", "alice"] + data)
        #expect(wrong.status != 0 && wrong.standardError.contains("may move to screening"), "\(wrong.standardError)")
        for state in ["screening", "assessing"] {
            #expect(try CommandRunner.run(["legal", "move", number, state, "--note", "確認", "--as", "alice"] + data).status == 0)
        }
        let letters = directory.file("letters")
        let inquiry = try CommandRunner.run(
            ["legal", "letter", number, "takedown-inquiry", "--recipient", "丙川次郎", "--out", letters, "--as", "alice"] + data)
        #expect(inquiry.status == 0 && inquiry.standardOutput.contains("侵害情報の通知書"), "\(inquiry.standardError)")
        let html = try String(contentsOfFile: letters + "/\(number)-takedown-inquiry-sender.html", encoding: .utf8)
        #expect(html.contains("丙川次郎 様") && html.contains("https://bbs.example.jp/t/9#12"))
        let show = try CommandRunner.run(["legal", "show", number, "--as", "alice"] + data)
        #expect(
            show.standardOutput.contains("state inquiring-sender") && show.standardOutput.contains("jp.takedown.inquiry"), "\(show.standardOutput)")

        let hold = try CommandRunner.run(
            [
                "legal", "hold", number, "--basis", "internal", "--indicator", "ip:203.0.113.7", "--source", "access-logs", "--from", "2026-11-30",
                "--to", "2026-12-01", "--as", "alice",
            ] + data)
        #expect(hold.status == 0 && hold.standardOutput.contains("Holding access-logs for ip:203.0.113.7"), "\(hold.standardError)")
        let holds = try CommandRunner.run(["legal", "holds", "--format", "csv", "--as", "noc"] + data)
        #expect(holds.status == 0 && holds.standardOutput.contains(",access-logs,,,ip:203.0.113.7,"), "\(holds.standardOutput)")
        #expect(!holds.standardOutput.contains(number), "no request in the export")
        let refused = try CommandRunner.run(["legal", "holds", "--as", "tom"] + data)
        #expect(refused.status != 0 && refused.standardError.contains("neither legal staff nor a network operator"))

        let bad = try CommandRunner.run(["legal", "watch", "--config", badConfig] + data)
        #expect(bad.status != 0 && bad.standardError.contains("legal.alerts_to[0]"), "\(bad.standardError)")
        let watched = try CommandRunner.run(["legal", "watch", "--now", "2099-01-01 00:00 JST", "--config", config] + data)
        #expect(watched.status == 0 && watched.standardOutput.contains("MISSED:"), "\(watched.standardOutput) \(watched.standardError)")
        #expect(watched.standardOutput.contains("Mailed to the legal team"))
        let mails = try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".eml") }
        #expect(mails.count == 1)
        let mail = try String(contentsOfFile: outbox + "/" + mails[0], encoding: .utf8)
        #expect(mail.contains("To: legal-team@example.net") && mail.contains("X-Mogura-Legal: deadline-watch"), "\(mail)")
        #expect(try CommandRunner.run(["audit", "verify"] + data).status == 0)
    }
}
