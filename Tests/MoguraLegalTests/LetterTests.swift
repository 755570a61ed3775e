import Foundation
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraStore
import MoguraTesting
import Testing

/// The letters beyond the inquiry and the answers, rendered through the desk on the store: their content, dates
/// in both calendars (or English), the move each one is, and refusals for the wrong kind or state.
@Suite("Legal letters", .serialized)
struct LetterTests {
    static let lead = LegalDeskStoreTests.lead
    static let agent = LegalDeskStoreTests.agent

    @Test(arguments: TestStores.engines)
    func correctionAndReminderOnADisclosureRequest(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let received = try jst("2026-12-18T10:00:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000201", kind: .disclosureRequest, externalReference: nil, parties: [LegalParty(role: .agent, name: "弁護士 甲野一郎")],
                items: [], details: LegalRequestDetails(rights: "著作権"), user: Self.agent, at: received)
            try await desk.move("LR-2026-000201", to: "screening", user: Self.agent, at: received)
            await #expect(throws: LegalError.self) { try await desk.letter(.correction, number: "LR-2026-000201", user: Self.agent, at: received) }
            let issued = try jst("2026-12-21T10:00:00")
            let correction = try #require(
                try await desk.letter(
                    .correction, number: "LR-2026-000201", options: LetterOptions(missing: ["ポート番号", "日本時間での発信時刻", "<b>委任状</b>"]),
                    user: Self.agent, at: issued
                ).first)
            #expect(correction.templateID == "ja/common/correction-request" && correction.html.contains("弁護士 甲野一郎 御中"))
            #expect(correction.html.contains("<td>1</td><td>ポート番号</td>") && correction.html.contains("<td>2</td><td>日本時間での発信時刻</td>"))
            #expect(correction.html.contains("&lt;b&gt;委任状&lt;/b&gt;") && !correction.html.contains("<b>委任状"))
            // 14 days from 12-21 is 2027-01-04, the first working day after the closure.
            #expect(correction.html.contains("令和9年1月4日（2027年1月4日）") && correction.html.contains("令和8年12月21日（2026年12月21日）"))
            let (_, waiting) = try await desk.request("LR-2026-000201", user: Self.lead)
            #expect(waiting.state == "awaiting-requester")
            #expect(try await desk.deadlines("LR-2026-000201", user: Self.lead).map(\.rule.id) == ["jp.correction.reply"])
            try await desk.move("LR-2026-000201", to: "screening", note: "補正書受領", user: Self.agent, at: try jst("2026-12-28T10:00:00"))
            #expect(try await desk.deadlines("LR-2026-000201", user: Self.lead).map(\.status) == [.met])

            // Reminders go to the subscribers who have not answered, with the first inquiry's date and deadline.
            let fixture = ClaimListFixture(rows: 60)
            let imported = try await desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000202", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments),
                user: Self.lead, now: fixture.now)
            #expect(imported.groups.count >= 2)
            await #expect(throws: LegalError.self) { try await desk.letter(.reminder, number: "LR-2026-000202", user: Self.agent, at: fixture.now) }
            _ = try await desk.sendOpinionInquiries("LR-2026-000202", user: Self.agent, issued: fixture.now, delivered: fixture.now)
            let answered = imported.groups[0]
            try await desk.recordAnswer(
                "LR-2026-000202", customerID: answered.customerID, answer: SenderAnswer(kind: .refuse, receivedAt: fixture.now, recordedBy: "agent"),
                user: Self.agent, at: fixture.now)
            let later = fixture.now.adding(seconds: 10 * 86_400)
            let reminders = try await desk.letter(.reminder, number: "LR-2026-000202", user: Self.agent, at: later)
            #expect(reminders.count == imported.groups.count - 1 && !reminders.contains { $0.recipient == answered.customerID })
            let second = try #require(reminders.first { $0.recipient == imported.groups[1].customerID })
            #expect(second.html.contains("\(imported.groups[1].customerName) 様") && second.html.contains("ご回答のお願い"))
            #expect(second.html.contains("対象となる通信 \(imported.groups[1].rows.count)件"))
            #expect(second.html.contains(JapaneseDate.both(JapaneseDate.day(fixture.now))) && second.html.contains("令和"))
        }
    }

    @Test(arguments: TestStores.engines)
    func aTakedownInquiryAndAnswerMoveTheRequest(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let asked = try jst("2027-04-30T10:00:00")
            _ = try await desk.createRequest(
                number: "LR-2027-000001", kind: .takedownRequest, externalReference: nil, parties: [LegalParty(role: .requester, name: "乙山花子")],
                items: [],
                details: LegalRequestDetails(
                    rights: "名誉権", locations: ["https://bbs.example.jp/t/9#12"], statement: "「乙山は前科者」との<script>虚偽</script>の書込み"),
                user: Self.agent, at: asked)
            await #expect(throws: LegalError.self) { try await desk.letter(.takedownInquiry, number: "LR-2027-000001", user: Self.agent, at: asked) }
            for state in ["screening", "assessing"] { try await desk.move("LR-2027-000001", to: state, user: Self.agent, at: asked) }
            let inquiry = try #require(
                try await desk.letter(
                    .takedownInquiry, number: "LR-2027-000001", options: LetterOptions(recipient: "丙川次郎"), user: Self.agent, at: asked
                )
                .first)
            #expect(inquiry.html.contains("侵害情報の通知書 兼 送信防止措置に関する照会書") && inquiry.html.contains("丙川次郎 様"))
            #expect(inquiry.html.contains("https://bbs.example.jp/t/9#12") && inquiry.html.contains("<dd>名誉権</dd>"))
            #expect(inquiry.html.contains("&lt;script&gt;虚偽&lt;/script&gt;") && !inquiry.html.contains("<script>"))
            #expect(inquiry.html.contains("第3条第2項第2号") && inquiry.html.contains("<strong>7日</strong>"))
            // 7 days from 04-30 is 05-07 (after Golden Week's 05-03..05-06, itself a working day).
            #expect(inquiry.html.contains("令和9年5月7日（2027年5月7日）") && inquiry.html.contains("回　答　書"))
            let (_, asking) = try await desk.request("LR-2027-000001", user: Self.lead)
            #expect(asking.state == "inquiring-sender")
            await #expect(throws: LegalError.self) { try await desk.letter(.takedownInquiry, number: "LR-2027-000001", user: Self.agent, at: asked) }

            try await desk.move("LR-2027-000001", to: "deciding", user: Self.agent, at: try jst("2027-05-10T10:00:00"))
            try await desk.move("LR-2027-000001", to: "acting", user: Self.agent, at: try jst("2027-05-10T10:00:00"))
            await #expect(throws: LegalError.self) { try await desk.letter(.takedownAnswer, number: "LR-2027-000001", user: Self.agent, at: asked) }
            let answer = try #require(
                try await desk.letter(
                    .takedownAnswer, number: "LR-2027-000001", options: LetterOptions(reason: "期限までに発信者から同意しない旨の申出がなかったため"), user: Self.agent,
                    at: try jst("2027-05-10T11:00:00")
                ).first)
            #expect(answer.html.contains("乙山花子 御中") && answer.html.contains("送信防止措置を講じました。") && !answer.html.contains("講じておりません"))
            #expect(try await desk.request("LR-2027-000001", user: Self.lead).request.state == "notifying")
            let id = try #require(try await store.legalRequest(number: "LR-2027-000001")?.id)
            #expect(try await store.legalDocuments(requestID: id).map(\.template) == ["ja/takedown/inquiry", "ja/takedown/answer"])
            // A DMCA letter is not for a takedown request.
            await #expect(throws: LegalError.self) { try await desk.letter(.dmcaRemoval, number: "LR-2027-000001", user: Self.agent, at: asked) }
        }
    }

    /// Optional texts left empty print nothing around them (Mustache treats an empty string as true).
    @Test func emptyOptionalTextsLeaveNoStrayWords() throws {
        let renderer = LegalDocumentRenderer(organization: "Example Hosting", contact: "abuse@example.net")
        let issued = try Timestamp(rfc3339: "2026-12-01T10:00:00Z")
        let removal = try renderer.dmcaRemoval(
            request: LegalRequest(number: "LR-2026-000400", kind: .dmcaNotice, receivedAt: issued), subscriber: "J. Doe", issued: issued)
        #expect(removal.html.contains("infringes copyright:") && !removal.html.contains("copyright in"))
        let reasons = try renderer.dsa(
            .dsaStatementOfReasons, request: LegalRequest(number: "LR-2026-000401", kind: .dsaNotice, receivedAt: issued), recipient: "R",
            actioned: false, grounds: "Not illegal", automated: false, issued: issued)
        #expect(reasons.html.contains("under Article 16.</dd>") && !reasons.html.contains("stating"))
        #expect(reasons.html.contains("No restriction has been applied.") && !reasons.html.contains("removed or disabled"))
        #expect(!reasons.variables.contains("\"statement\""), "the kept variables hold what was used")
    }

    @Test(arguments: TestStores.engines)
    func englishLettersForDMCAAndDSA(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let noticeAt = try Timestamp(rfc3339: "2026-11-16T09:00:00-05:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000300", kind: .dmcaNotice, externalReference: "DMCA-7781",
                parties: [LegalParty(role: .agent, name: "Example Studios LLC")],
                items: [], details: LegalRequestDetails(rights: "the film \"Example\"", locations: ["https://files.example.net/u/jdoe/example.mp4"]),
                user: Self.agent, at: noticeAt)
            for state in ["validating", "removed"] { try await desk.move("LR-2026-000300", to: state, user: Self.agent, at: noticeAt) }
            let removal = try #require(
                try await desk.letter(
                    .dmcaRemoval, number: "LR-2026-000300", options: LetterOptions(recipient: "J. Doe"), user: Self.agent, at: noticeAt
                )
                .first)
            #expect(removal.language == "en" && removal.html.contains("Dear J. Doe,") && removal.html.contains("November 16, 2026"))
            #expect(removal.html.contains("https://files.example.net/u/jdoe/example.mp4") && removal.html.contains("penalty of perjury"))
            #expect(try await desk.request("LR-2026-000300", user: Self.lead).request.state == "subscriber-notified")

            let counterAt = try Timestamp(rfc3339: "2026-11-20T10:00:00-05:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000301", kind: .dmcaCounterNotice, externalReference: nil, parties: [LegalParty(role: .requester, name: "J. Doe")],
                items: [],
                details: LegalRequestDetails(
                    receivedAt: counterAt, parentNumber: "LR-2026-000300", locations: ["https://files.example.net/u/jdoe/example.mp4"]),
                user: Self.agent, at: counterAt)
            try await desk.move("LR-2026-000301", to: "validating", user: Self.agent, at: counterAt)
            let forward = try #require(
                try await desk.letter(.dmcaCounterNoticeForward, number: "LR-2026-000301", user: Self.agent, at: counterAt).first)
            #expect(forward.html.contains("Dear Example Studios LLC,"), "the complainant is the parent notice's agent")
            #expect(forward.html.contains("removed on your notice (DMCA-7781):"), "the complainant's own notice is named")
            #expect(removal.html.contains("infringes copyright in the film &quot;Example&quot;:"))
            #expect(forward.html.contains("not earlier than December 7, 2026 and not later than December 11, 2026"))
            #expect(try await desk.request("LR-2026-000301", user: Self.lead).request.state == "complainant-notified")
            #expect(try await desk.deadlines("LR-2026-000301", user: Self.lead).map(\.rule.id) == ["us.dmca.restore.latest"])

            let dsaAt = try Timestamp(rfc3339: "2026-12-02T08:00:00Z")
            _ = try await desk.createRequest(
                number: "LR-2026-000302", kind: .dsaNotice, externalReference: "N-55",
                parties: [LegalParty(role: .requester, name: "Brand Protection GmbH")],
                items: [], details: LegalRequestDetails(locations: ["https://shop.example.eu/item/9"], statement: "Counterfeit goods"),
                user: Self.agent,
                at: dsaAt)
            for state in ["acknowledged", "assessing", "actioned"] { try await desk.move("LR-2026-000302", to: state, user: Self.agent, at: dsaAt) }
            await #expect(throws: LegalError.self) {
                try await desk.letter(.dsaStatementOfReasons, number: "LR-2026-000302", user: Self.agent, at: dsaAt)
            }
            let grounds = LetterOptions(recipient: "Shop operator", reason: "Trade mark infringement (Regulation (EU) 2017/1001 Art. 9)")
            let reasons = try #require(
                try await desk.letter(.dsaStatementOfReasons, number: "LR-2026-000302", options: grounds, user: Self.agent, at: dsaAt).first)
            #expect(
                reasons.html.contains("Article 17") && reasons.html.contains("To Shop operator,")
                    && reasons.html.contains("Access to the content has been removed"))
            #expect(
                reasons.html.contains("Counterfeit goods") && reasons.html.contains("December 2, 2026") && reasons.html.contains("No automated means")
            )
            let decision = try #require(
                try await desk.letter(
                    .dsaDecision, number: "LR-2026-000302", options: LetterOptions(reason: "Trade mark infringement"), user: Self.agent, at: dsaAt
                )
                .first)
            #expect(decision.recipient == "notifier" && decision.html.contains("To Brand Protection GmbH,"))
            #expect(try await desk.request("LR-2026-000302", user: Self.lead).request.state == "decision-notified")
            #expect(try await desk.deadlines("LR-2026-000302", user: Self.lead).map(\.status) == [.met])
        }
    }
}
