import Foundation
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraStore
import MoguraTesting
import Testing

@Suite("Notices and replies")
struct NoticeTests {
    let now = Timestamp(seconds: 1_800_000_000)

    func input(
        language: String, reports: [Report] = [], raw: [Int64: [UInt8]] = [:], deadline: Timestamp? = nil, kind: ActionKind = .notify
    )
        -> NoticeComposer.NoticeInput
    {
        let kase = Case(
            id: 12, track: .termsOfService, category: .spam, subject: .service("s1"), customerID: "c1", openedAt: now, token: "abcdefghijkmnpqrstuv")
        let customer = Customer(
            id: "c1", name: language == "ja" ? "株式会社サンプル" : "Example Cloud", emails: [try! EmailAddress("owner@customer.example")],
            language: language, timezone: language == "ja" ? "Asia/Tokyo" : "UTC")
        let action = Action(id: 34, caseID: 12, kind: kind, dueAt: now, idempotencyKey: "case:12:step:0", step: 0, template: kind.rawValue)
        return .init(
            kase: kase, action: action, customer: customer, reports: reports, reportCount: max(1, reports.count), raw: raw, actions: [],
            deadline: deadline, now: now)
    }

    @Test func theCustomersLanguageChoosesTheTemplate() throws {
        let composer = try NoticeComposer(settings: NoticeSettings())
        let japanese = try composer.notice(input(language: "ja"))
        #expect(japanese.subject.contains("不正利用に関するお知らせ（案件番号 12）"))
        #expect(japanese.body.hasPrefix("株式会社サンプル 様"))
        let english = try composer.notice(input(language: "en-GB"))
        #expect(english.subject == "[Example Hosting] Abuse reported for your service (case 12)")
        #expect(english.body.hasPrefix("Dear Example Cloud,"))
        // No template in the language: the default language.
        #expect(try composer.notice(input(language: "fr")).subject.contains("案件番号 12"))
        #expect(english.replyTo == "abuse+abcdefghijkmnpqrstuv@example.net")
        #expect(english.messageID == "mogura.12.34.abcdefghijkmnpqrstuv@example.net")
    }

    @Test func warningsCarryTheDeadlineInTheCustomersZone() throws {
        let composer = try NoticeComposer(settings: NoticeSettings())
        let deadline = now.adding(seconds: 72 * 3_600)  // 2027-01-18T08:00:00Z
        let japanese = try composer.notice(input(language: "ja", deadline: deadline, kind: .warn))
        #expect(japanese.body.contains("2027年1月18日 17時00分（UTC+09:00）までに対応が確認できない場合"))
        let english = try composer.notice(input(language: "en", deadline: deadline, kind: .warn))
        #expect(english.body.contains("by 2027-01-18 08:00 UTC+00:00, we will suspend"))
    }

    @Test func evidenceIsExcerptedWithoutTheReporter() throws {
        let composer = try NoticeComposer(settings: NoticeSettings())
        let forwarded = """
            From: Jane Victim <jane.victim@example.org>
            To: abuse@example.net
            Subject: Fwd: spam
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            Jane Victim, 090-1234-5678: this came to jane.victim@example.org
            --b
            Content-Type: message/rfc822

            From: Cheap Pills <sales@pills.example>
            To: jane.victim@example.org
            Subject: Buy now & save <50%>
            Date: Mon, 23 Nov 2026 09:00:00 +0900
            Message-ID: <spam-1@pills.example>

            Dear jane.victim, click here.
            --b--
            """.replacingOccurrences(of: "\n", with: "\r\n")
        let report = Report(
            id: 5, receivedAt: now, channel: .mail, reporter: "jane.victim@example.org", category: .spam, subject: "Fwd: spam",
            indicators: [.email(try EmailAddress("jane.victim@example.org")), .ip(try IPAddress("203.0.113.7"))])
        let mail = try composer.notice(input(language: "en", reports: [report], raw: [5: Array(forwarded.utf8)]))
        #expect(mail.body.contains("Subject: Buy now & save <50%>"))  // text, not HTML-escaped
        #expect(mail.body.contains("From: Cheap Pills <sales@pills.example>"))
        #expect(mail.body.contains("Concerning: 203.0.113.7"))
        #expect(!mail.body.contains("jane.victim"))
        #expect(!mail.body.contains("090-1234-5678"))  // the reporter's own words are not quoted
        #expect(!mail.body.lowercased().contains("to: "))
    }

    @Test func nothingFromAReportCanAddAHeader() throws {
        let composer = try NoticeComposer(settings: NoticeSettings())
        let kase = Case(id: 3, track: .termsOfService, category: .spam, subject: .service("s1"), openedAt: now, token: "abcdefghijkmnpqrstuv")
        let report = Report(
            id: 9, receivedAt: now, channel: .mail, reporter: "reporter@example.org", category: .spam,
            subject: "Spam\r\nBcc: everyone@example.com\r\nX-Injected: yes", messageID: "m1@example.org\r\nBcc: x@example.com")
        let action = Action(id: 4, caseID: 3, kind: .acknowledgeReporter, dueAt: now, idempotencyKey: "k", template: "acknowledge")
        let mail = try composer.acknowledgement(case: kase, action: action, report: report, now: now)
        let parsed = try MIMEParser().parse(mail.bytes())
        #expect(parsed.headers["Bcc"] == nil && parsed.headers["X-Injected"] == nil)
        #expect(parsed.headers["Subject"]?.contains("Bcc: everyone@example.com") == true)  // kept as text on one line
        #expect(parsed.headers["To"] == "reporter@example.org")
        #expect(parsed.bodyText?.contains("case 3") == true)
    }

    @Test func operatorsTemplatesReplaceTheBuiltInOnes() throws {
        let directory = try TemporaryDirectory(prefix: "mogura-templates")
        try "Subject: Case {{caseNumber}} for {{customerName}}\n\nHello {{customerName}}, reply to {{replyTo}}.\n".write(
            toFile: directory.file("notify.en.mustache"), atomically: true, encoding: .utf8)
        var settings = NoticeSettings()
        settings.templatesDirectory = directory.path
        let composer = try NoticeComposer(settings: settings)
        let mail = try composer.notice(input(language: "en"))
        #expect(mail.subject == "Case 12 for Example Cloud")
        #expect(mail.body == "Hello Example Cloud, reply to abuse+abcdefghijkmnpqrstuv@example.net.\n")
        // The Japanese one is still the built-in.
        #expect(try composer.notice(input(language: "ja")).body.hasPrefix("株式会社サンプル 様"))
        try "Subject: {{#broken}}\n".write(toFile: directory.file("warn.en.mustache"), atomically: true, encoding: .utf8)
        #expect(throws: NoticeTemplateError.self) { try NoticeComposer(settings: settings) }
    }

    @Test func repliesAreFoundByMessageIDOrAddress() {
        let matcher = ReplyMatcher(replyTo: "abuse+{token}@example.net")
        #expect(matcher.token(in: ["mogura.12.34.abcdefghijkmnpqrstuv@example.net"]) == "abcdefghijkmnpqrstuv")
        #expect(matcher.token(in: ["ABUSE+ABCDEFGHIJKMNPQRSTUV@EXAMPLE.NET"]) == "abcdefghijkmnpqrstuv")
        #expect(matcher.token(in: ["mogura.ack.12.34@example.net"]) == nil)  // a reporter's answer to an acknowledgement
        #expect(matcher.token(in: ["abuse@example.net", "abuse+short@example.net", "other+abcdefghijkmnpqrstuv@example.org"]) == nil)
    }

    @Test(arguments: TestStores.engines)
    func anOutOfOfficeAnswerIsFiledButDoesNotStopTheLadder(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let harness = try await DeskHarness(store: store)
            try await harness.report(.spam, [.ip(try IPAddress("203.0.113.7"))])
            try await harness.correlate()
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            let automatic = """
                From: owner@customer.example
                To: abuse+\(kase.token)@example.net
                Subject: 自動返信: 不在のお知らせ
                Auto-Submitted: auto-replied
                Message-ID: <ooo-1@customer.example>

                I am away until Monday.
                """.replacingOccurrences(of: "\n", with: "\r\n")
            #expect(try await harness.ingest(automatic).first?.report.caseID == kase.id)
            #expect(try await harness.correlate().replies == 1)
            #expect(try await store.case(kase.id!)?.state == .new)
            // A person's answer does move it to review, and the waiting step is stopped.
            let person = """
                From: owner@customer.example
                To: abuse+\(kase.token)@example.net
                Subject: Re: fixed
                Message-ID: <fixed-1@customer.example>

                We removed the script.
                """.replacingOccurrences(of: "\n", with: "\r\n")
            _ = try await harness.ingest(person)
            try await harness.correlate()
            #expect(try await store.case(kase.id!)?.state == .review)
            #expect(try await store.actions(inCase: kase.id!).first { $0.kind == .notify }?.state == .skipped)
            // Staff disagree: back to the ladder, the stopped notice planned again.
            try await harness.desk.sendBack(case: kase.id!, by: "cli:staff", at: harness.clock.now())
            let actions = try await store.actions(inCase: kase.id!).filter { $0.kind == .notify }
            #expect(actions.map(\.state) == [.skipped, .planned])
            #expect(try await store.case(kase.id!)?.state == .triaged)
        }
    }
}
