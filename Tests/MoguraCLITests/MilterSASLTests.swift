import Foundation
import MoguraTesting
import Testing

/// The whole path as an operator builds it: a real Postfix with SMTP AUTH checked by a real Dovecot, `mogura milter`
/// in its `smtpd_milters` and `non_smtpd_milters`, and the desk's store behind it. A hijacked SASL account's flood
/// is tempfailed at MAIL once over its limit, a contact form's flood through sendmail(1) is held, and both appear as
/// reports in the store (compromised-account and form-abuse).
@Suite(
    "Postfix, Dovecot SASL and mogura milter", .serialized, .tags(.process),
    .enabled(if: PostfixInstance.runs && DovecotInstance.runs, "Postfix or Dovecot is missing, or not root (scripts/test installs them)"))
struct MilterSASLTests {
    @Test func aHijackedAccountsFloodIsTempfailedAndAFormFloodIsHeldAndBothAreReported() throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let milterPort = try FreePort.pick()
        let (milter, _, log) = try MilterCLITests.startMilter(["--messages-per-hour", "3", "--data-dir", data], port: milterPort)
        defer {
            if milter.isRunning { milter.interrupt() }
            milter.waitUntilExit()
        }
        _ = try log.waitFor("mail counters restored", process: milter)
        let postfix = try PostfixInstance(lmtpPort: try FreePort.pick(), mailboxDomain: "customers.example", milterPort: milterPort, sasl: true)
        defer { postfix.stop() }
        let dovecot = try DovecotInstance(socketPath: postfix.saslSocketPath, users: ["alice@customers.example": "correct horse"])
        defer { dovecot.stop() }
        try dovecot.start()
        try postfix.start()

        // The stolen password sends: three pass and are delivered, the fourth is refused at MAIL with 451.
        var outcomes: [(accepted: Bool, transcript: String)] = []
        for index in 1...4 {
            outcomes.append(
                try postfix.trySendAuthenticated(
                    Array(
                        "From: alice@customers.example\r\nTo: victim\(index)@customers.example\r\nSubject: Invoice \(index)\r\n\r\nPay now.\r\n".utf8),
                    user: "alice@customers.example", password: "correct horse", from: "alice@customers.example",
                    to: "victim\(index)@customers.example"))
        }
        let firstThreeAccepted = outcomes.prefix(3).allSatisfy { $0.accepted }
        #expect(firstThreeAccepted, "\(outcomes.map { $0.transcript })")
        #expect(!outcomes[3].accepted)
        #expect(outcomes[3].transcript.contains("451 4.7.1 Sending limit exceeded for this account"), "\(outcomes[3].transcript)")
        try waitFor("three deliveries", timeout: 30) { postfix.deliveredMessages().count == 3 }
        #expect(postfix.log.contains("sasl_username=alice@customers.example"), "Postfix authenticated the sender through Dovecot")

        // A contact form's auto-replies through sendmail(1): three pass, the rest are held in the hold queue.
        for index in 1...5 {
            try postfix.sendmail(
                Array(
                    "From: www-data@web1.example.jp\nTo: someone\(index)@customers.example\nSubject: Thanks\n\nWe got your message \(index)\n".utf8),
                from: "www-data@web1.example.jp", to: "someone\(index)@customers.example")
        }
        try waitFor("three more deliveries and two held", timeout: 60) {
            try postfix.deliveredMessages().count == 6 && postfix.heldMessages() == 2
        }

        // Both are reports in the store, each once, with its category.
        var listed = ""
        try waitFor("both reports in the store", timeout: 30) {
            _ = try CommandRunner.run(["work", "--data-dir", data])
            listed = try CommandRunner.run(["case", "triage", "--data-dir", data]).standardOutput
            return listed.contains("alice@customers.example") && listed.contains("www-data@web1.example.jp")
        }
        #expect(listed.components(separatedBy: "Sending limit crossed by alice@customers.example").count == 2, "\(listed)")
        #expect(listed.components(separatedBy: "Sending limit crossed by www-data@web1.example.jp").count == 2, "\(listed)")
        #expect(listed.contains("compromised-account") && listed.contains("form-abuse"), "\(listed)")
        milter.interrupt()
        milter.waitUntilExit()
        #expect(milter.terminationStatus == 0)
    }
}
