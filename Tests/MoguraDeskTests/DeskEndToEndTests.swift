import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraMail
import MoguraStore
import MoguraTesting
import Testing

/// The acceptance path with real parts: a complaint mailed to a real Postfix reaches Mogura by LMTP, the case's
/// notice, warning and the reporter's acknowledgement go back out through that Postfix (STARTTLS) into a maildir
/// the test reads, the suspension and the resume reach a real HTTP server with valid signatures, and the
/// customer's reply comes in through Postfix and LMTP and is filed with the case. Time is moved by hand.
@Suite("Desk end to end", .serialized, .tags(.postgres, .process), .enabled(if: PostfixInstance.runs, "needs Postfix and root"))
struct DeskEndToEndTests {
    @Test(arguments: TestStores.engines)
    func complaintToNoticeToWarningToSuspensionToReplyToResume(engine: StoreEngineKind) async throws {
        let webhook = try RecordingHTTPServer { request in (200, "ok \(request.headers["x-mogura-event"] ?? "")") }
        defer { webhook.stop() }
        try await TestStores.withStore(engine) { store async throws in
            var harness = try await DeskHarness(store: store)
            let lmtpPort = try FreePort.pick()
            let postfix = try PostfixInstance(lmtpPort: lmtpPort, mailboxDomain: "customer.example", startTLS: true)
            defer { postfix.stop() }
            harness.configuration.notices = NoticeSettings(
                from: "Example Hosting Abuse Desk <abuse@provider.example>", replyTo: "abuse+{token}@provider.example",
                messageIDDomain: "provider.example", organization: "Example Hosting")
            harness.configuration.mail = MailSettings(
                transport: .smtp(host: "127.0.0.1", port: postfix.smtpPort), startTLS: .required, caFile: postfix.certificateFile,
                heloName: "mogura.test", timeout: 20)
            harness.configuration.connectors[.suspend] = .webhook(
                url: webhook.url("/suspend"), secret: ActionRunnerTests.secret, timeout: 5, headers: [:])
            harness.configuration.connectors[.resume] = .webhook(
                url: webhook.url("/resume"), secret: ActionRunnerTests.secret, timeout: 5, headers: [:])
            let configuration = harness.configuration

            // Mogura's LMTP listener, fed into the ingest pipeline that matches replies to cases.
            var logger = Logger(label: "e2e")
            logger.logLevel = .warning
            let pipeline = IngestPipeline(
                intake: Intake(), store: store, actor: "lmtp", replies: ReplyMatcher(replyTo: configuration.notices.replyTo))
            let lmtp = LMTPServer(address: .tcp(host: "127.0.0.1", port: lmtpPort), sink: pipeline, logger: logger)
            let listener = Task { try await lmtp.run() }
            defer { listener.cancel() }
            try waitFor("the LMTP listener") { FreePort.accepts(port: lmtpPort) }
            try postfix.start()

            let runner = try harness.runner(
                mail: ActionRunner.mailSender(for: configuration.mail), connectors: ActionRunner.connectors(for: configuration))

            // 1. A complaint arrives by mail.
            try postfix.send(
                Array(
                    """
                    From: Victim <victim@customer.example>
                    To: abuse@provider.example
                    Subject: Spam from 203.0.113.7
                    Message-ID: <complaint-1@customer.example>
                    Date: Mon, 23 Nov 2026 10:00:00 +0900

                    We keep receiving spam sent from 203.0.113.7 (2026-11-23 09:58 JST). Please stop it.
                    """.replacingOccurrences(of: "\n", with: "\r\n").utf8), from: "victim@customer.example")
            try await waitUntil("the complaint is stored and correlated") { try await harness.correlate().reports > 0 }
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            #expect(kase.subject == .service("s1") && kase.state == .new)

            // 2. The notice and the acknowledgement go out through Postfix with STARTTLS.
            try await harness.runActions(runner)
            let notice = try await waitForMail(postfix, action: "notify", count: 1)[0]
            let noticeHeaders = try MIMEParser().parse(notice).headers
            #expect(noticeHeaders["To"] == "owner@customer.example")
            #expect(noticeHeaders["Reply-To"] == "abuse+\(kase.token)@provider.example")
            let noticeID = try #require(noticeHeaders["Message-ID"])
            #expect(noticeID.hasPrefix("<mogura.\(kase.id!).") && noticeID.hasSuffix(".\(kase.token)@provider.example>"))
            #expect(noticeHeaders.all("Received").contains { $0.value.contains("using TLS") })
            #expect(noticeHeaders["Subject"]?.contains("案件番号 \(kase.id!)") == true)
            let ack = try await waitForMail(postfix, recipient: "victim@customer.example", count: 1)[0]
            // The complaint was in English, so is the acknowledgement.
            #expect(try MIMEParser().parse(ack).headers["Subject"]?.contains("(Example Hosting case \(kase.id!))") == true)
            #expect(try await store.case(kase.id!)?.state == .notified)

            // 3. Three days pass without an answer: the warning, with the suspension date.
            harness.clock.advance(hours: 72)
            try await harness.runActions(runner)
            let warning = try await waitForMail(postfix, action: "warn", count: 1)[0]
            let warningText = try #require(try MIMEParser().parse(warning).bodyText)
            let suspensionDate = NoticeDate.japanese(harness.clock.now().adding(seconds: 72 * 3_600))
            #expect(warningText.contains("\(suspensionDate)までに対応が確認できない場合"), "\(warningText)")
            #expect(try await store.case(kase.id!)?.state == .awaitingCustomer)

            // 4. Three more days: the suspension webhook, signed.
            harness.clock.advance(hours: 72)
            try await harness.runActions(runner)
            let suspension = try #require(webhook.requests.first { $0.path == "/suspend" })
            #expect(ActionRunnerTests.verify(suspension))
            #expect(try JSONDecoder().decode(ActionEvent.self, from: Data(suspension.body)).subject.key == "s1")
            #expect(try await store.case(kase.id!)?.state == .suspended)

            // 5. The customer replies to the warning; the reply comes in through Postfix and is filed with the case.
            let warningID = try #require(try MIMEParser().parse(warning).headers["Message-ID"])
            try postfix.send(
                Array(
                    """
                    From: 株式会社サンプル <owner@customer.example>
                    To: abuse+\(kase.token)@provider.example
                    Subject: Re: 対応しました
                    Message-ID: <reply-1@customer.example>
                    In-Reply-To: \(warningID)
                    Date: Mon, 30 Nov 2026 10:00:00 +0900

                    The hacked account was closed and its password changed. Please resume the service.
                    """.replacingOccurrences(of: "\n", with: "\r\n").utf8), from: "owner@customer.example",
                to: "abuse+\(kase.token)@provider.example")
            try await waitUntil("the reply is filed") { try await harness.correlate().replies > 0 }
            let reviewed = try #require(try await store.case(kase.id!))
            #expect(reviewed.state == .review)
            let filed = try await store.reports(inCase: kase.id!)
            #expect(filed.contains { $0.messageID == "reply-1@customer.example" })

            // 6. Staff resolve the case; the resume waits for approval, then runs.
            let (_, resume) = try await harness.desk.resolve(case: kase.id!, by: "cli:staff", approveResume: false, at: harness.clock.now())
            let resumeAction = try #require(resume)
            #expect(resumeAction.kind == .resume && resumeAction.requiresApproval)
            try await harness.runActions(runner)
            #expect(!webhook.requests.contains { $0.path == "/resume" })
            try await harness.desk.approve(action: resumeAction.id!, by: "cli:lead", at: harness.clock.now())
            try await harness.runActions(runner)
            let resumed = try #require(webhook.requests.first { $0.path == "/resume" })
            #expect(ActionRunnerTests.verify(resumed))
            let resumeEvent = try JSONDecoder().decode(ActionEvent.self, from: Data(resumed.body))
            #expect(resumeEvent.action.approvedBy == "cli:lead" && resumeEvent.event == "action.resume")
            #expect(try await store.case(kase.id!)?.state == .resolved)
            #expect(try await store.verifyAuditChain().isIntact)
        }
    }

    /// Mail in the maildir with `X-Mogura-Action: action` (or to `recipient`), waiting until `count` arrived.
    func waitForMail(_ postfix: PostfixInstance, action: String? = nil, recipient: String? = nil, count: Int) async throws -> [[UInt8]] {
        var found: [[UInt8]] = []
        try await waitUntil(
            "\(count) message(s) \(action ?? recipient ?? "") in the maildir; Postfix warnings:\n\(postfix.log.split(separator: "\n").filter { $0.contains("warning") || $0.contains("fatal") }.joined(separator: "\n"))"
        ) {
            try? postfix.flush()
            found = postfix.deliveredMessages().filter { message in
                guard let headers = try? MIMEParser().parse(message).headers else { return false }
                if let action { return headers["X-Mogura-Action"] == action }
                if let recipient { return headers["To"] == recipient }
                return true
            }
            return found.count >= count
        }
        return found
    }
}

/// Polls an async condition with a deadline.
func waitUntil(_ what: @autoclosure () -> String, timeout: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout * TestEnvironment.timeoutScale)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TimedOut(what: what())
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Dates as the Japanese notices write them.
enum NoticeDate {
    static func japanese(_ time: Timestamp) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: time.date)
        return "\(parts.year!)年\(parts.month!)月\(parts.day!)日 \(parts.hour!)時\(String(format: "%02d", parts.minute!))分（UTC+09:00）"
    }
}
