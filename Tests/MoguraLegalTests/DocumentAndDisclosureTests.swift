import Foundation
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraTesting
import Testing

/// Japanese dates, the 意見照会書 rendered per subscriber from a bulk batch, the two-approval rule with the
/// append-only disclosure register, and the warrant rule for police inquiries.
@Suite("Legal documents and disclosure rules")
struct DocumentAndDisclosureTests {
    @Test func datesInBothCalendars() throws {
        #expect(JapaneseDate.wareki(try CivilDate("2026-11-23")) == "令和8年11月23日")
        #expect(JapaneseDate.wareki(try CivilDate("2019-05-01")) == "令和元年5月1日")
        #expect(JapaneseDate.wareki(try CivilDate("2019-04-30")) == "平成31年4月30日")
        #expect(JapaneseDate.wareki(try CivilDate("1989-01-07")) == "昭和64年1月7日")
        #expect(JapaneseDate.wareki(try CivilDate("1989-01-08")) == "平成元年1月8日")
        #expect(JapaneseDate.both(try CivilDate("2027-01-04")) == "令和9年1月4日（2027年1月4日）")
        let time = try Timestamp(rfc3339: "2026-10-04T15:34:56Z")
        #expect(JapaneseDate.time(time) == "令和8年10月5日 0時34分56秒（日本時間）")
        #expect(JapaneseDate.tableTime(time) == "2026-10-05 00:34:56")
    }

    /// A batch of 2,000 rows gives one 意見照会書 per subscriber; each lists exactly that subscriber's rows, in JST,
    /// with the reply deadline in both calendars, and keeps its variables and hash.
    @Test func oneOpinionInquiryPerSubscriberWithItsRows() throws {
        let fixture = ClaimListFixture(rows: 2_000)
        let rows = try ClaimListReader().read(fixture.csv, name: "list.csv")
        let result = ClaimBatch(
            index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments), actor: "legal:alice"
        ).run(rows, earlier: fixture.earlier, now: fixture.now)
        let calendar = try LegalCalendar.standard(environment: [:])
        let request = LegalRequest(number: "LR-2026-000042", kind: .disclosureRequest, receivedAt: fixture.now, claimant: "Example Films")
        let renderer = LegalDocumentRenderer(organization: "株式会社モグラネット", contact: "法務部 03-0000-0000 legal@example.net")
        let issued = try Timestamp(rfc3339: "2026-12-18T10:00:00+09:00")
        let deadline = StandardDeadlineRules.opinionInquiryReply.deadline(from: issued, calendar: calendar)
        var documents: [RenderedDocument] = []
        for group in result.groups {
            documents.append(
                try renderer.opinionInquiry(
                    request: request, group: group, rows: result.rows, requester: "株式会社エグザンプル・フィルムズ（代理人 弁護士 山田一郎）",
                    rights: "著作権（送信可能化権・公衆送信権）", items: ["氏名又は名称", "住所", "電話番号", "電子メールアドレス"], deadline: deadline, issued: issued))
        }
        #expect(documents.count == result.groups.count && documents.count > 100)
        #expect(Set(documents.map(\.recipient)).count == documents.count, "one inquiry per subscriber")
        for (document, group) in zip(documents, result.groups) {
            #expect(document.html.components(separatedBy: "<tr><td>").count - 1 == group.rows.count)
            for index in group.rows.prefix(3) {
                let row = result.rows[index].row
                #expect(document.html.contains("<td>\(JapaneseDate.tableTime(row.time!))</td><td>\(row.address!)</td>"))
            }
        }
        let first = documents[0]
        #expect(first.html.contains("令和8年12月18日（2026年12月18日）"), "issued, both calendars")
        #expect(first.html.contains("令和9年1月4日（2027年1月4日）"), "the deadline moved past the year-end closure")
        #expect(first.html.contains("\(result.groups[0].customerName) 様"))
        #expect(first.html.contains("請求番号 LR-2026-000042") && first.html.contains("回　答　書") && first.html.contains("@page { size: A4"))
        #expect(first.templateID == "ja/disclosure/opinion-inquiry" && first.templateVersion == "2026.11")
        #expect(first.sha256.count == 64 && first.variables.contains("\"requestNumber\":\"LR-2026-000042\""))
        // Rendering is deterministic: the same variables give the same hash.
        let again = try renderer.opinionInquiry(
            request: request, group: result.groups[0], rows: result.rows, requester: "株式会社エグザンプル・フィルムズ（代理人 弁護士 山田一郎）",
            rights: "著作権（送信可能化権・公衆送信権）", items: ["氏名又は名称", "住所", "電話番号", "電子メールアドレス"], deadline: deadline, issued: issued)
        #expect(again.sha256 == first.sha256)
        // Text from the claim list is escaped, never markup.
        #expect(!first.html.contains("<script"))
    }

    /// The inquiry printed through headless Chromium: a PDF and a first-page screenshot under
    /// `.build/artifacts/legal/` to open and look at (scripts/test installs Chromium and the CJK fonts).
    @Test func theInquiryPrintsToPDFThroughChromium() throws {
        guard let printer = ChromiumPrinter() else {
            Issue.record("chromium is not installed (scripts/test installs it as root; MOGURA_CHROMIUM names another)")
            return
        }
        let fixture = ClaimListFixture(rows: 200)
        let rows = try ClaimListReader().read(fixture.csv, name: "list.csv")
        let result = ClaimBatch(
            index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments), actor: "legal:alice"
        ).run(rows, earlier: [:], now: fixture.now)
        let group = try #require(result.groups.max { $0.rows.count < $1.rows.count })
        let issued = try Timestamp(rfc3339: "2026-12-18T10:00:00+09:00")
        let document = try LegalDocumentRenderer(organization: "株式会社モグラネット", contact: "法務部 legal@example.net").opinionInquiry(
            request: LegalRequest(number: "LR-2026-000042", kind: .disclosureRequest, receivedAt: fixture.now), group: group, rows: result.rows,
            requester: "株式会社エグザンプル・フィルムズ", rights: "著作権（送信可能化権）", items: ["氏名又は名称", "住所"],
            deadline: StandardDeadlineRules.opinionInquiryReply.deadline(from: issued, calendar: try LegalCalendar.standard(environment: [:])),
            issued: issued)
        let pdf = try printer.pdf(document.html)
        #expect(pdf.starts(with: Array("%PDF-".utf8)) && pdf.count > 5_000)
        let png = try printer.screenshot(document.html)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let artifacts = (TestEnvironment.repositoryRoot as NSString).appendingPathComponent(".build/artifacts/legal")
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        try pdf.write(to: URL(fileURLWithPath: artifacts + "/opinion-inquiry.pdf"))
        try png.write(to: URL(fileURLWithPath: artifacts + "/opinion-inquiry.png"))
        try Data(document.html.utf8).write(to: URL(fileURLWithPath: artifacts + "/opinion-inquiry.html"))
    }

    /// The takedown inquiry (Japanese, with its 回答書) and the counter-notice forward (English) through Chromium,
    /// kept as artifacts beside the inquiry.
    @Test func theLettersPrintThroughChromium() throws {
        guard let printer = ChromiumPrinter() else {
            Issue.record("chromium is not installed (scripts/test installs it as root; MOGURA_CHROMIUM names another)")
            return
        }
        let calendar = try LegalCalendar.standard(environment: [:])
        let renderer = LegalDocumentRenderer(organization: "株式会社モグラネット", contact: "法務部 legal@example.net")
        let issued = try Timestamp(rfc3339: "2026-12-18T10:00:00+09:00")
        var takedown = LegalRequest(number: "LR-2026-000050", kind: .takedownRequest, receivedAt: issued)
        takedown.rights = "名誉権"
        takedown.locations = ["https://bbs.example.jp/t/9#12", "https://bbs.example.jp/t/9#15"]
        takedown.statement = "事実無根の内容で社会的評価を低下させる"
        let inquiry = try renderer.takedownInquiry(
            request: takedown, sender: "丙川次郎", deadline: StandardDeadlineRules.takedownInquiry.deadline(from: issued, calendar: calendar),
            issued: issued)
        var counter = LegalRequest(number: "LR-2026-000051", kind: .dmcaCounterNotice, receivedAt: issued)
        counter.locations = ["https://files.example.net/u/jdoe/example.mp4"]
        let forward = try renderer.dmcaCounterNoticeForward(
            request: counter, complainant: "Example Studios LLC",
            earliest: StandardDeadlineRules.dmcaRestoreEarliest.deadline(from: issued, calendar: calendar),
            latest: StandardDeadlineRules.dmcaRestoreLatest.deadline(from: issued, calendar: calendar), issued: issued)
        let artifacts = (TestEnvironment.repositoryRoot as NSString).appendingPathComponent(".build/artifacts/legal")
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        for (name, document) in [("takedown-inquiry", inquiry), ("dmca-counter-notice-forward", forward)] {
            let pdf = try printer.pdf(document.html)
            #expect(pdf.starts(with: Array("%PDF-".utf8)) && pdf.count > 3_000, "\(name)")
            let png = try printer.screenshot(document.html)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name)")
            try pdf.write(to: URL(fileURLWithPath: artifacts + "/\(name).pdf"))
            try png.write(to: URL(fileURLWithPath: artifacts + "/\(name).png"))
        }
    }

    @Test func aClaimantsMarkupIsEscapedInTheDocument() throws {
        let request = LegalRequest(number: "LR-2026-000043", kind: .disclosureRequest, receivedAt: .now())
        let rows = try ClaimListReader().read(Array("IP,日時,ファイル名\n198.51.100.1,2026-10-05 12:00:00,<script>alert(1)</script>.mp4\n".utf8))
        let batchRows = [ResolvedRowFixture.resolved(rows[0], customer: "c1")]
        let group = SubscriberGroup(customerID: "c1", customerName: "<b>契約者</b>", serviceIDs: ["s1"], rows: [0], holdFrom: .now(), holdTo: .now())
        let calendar = try LegalCalendar.standard(environment: [:])
        let document = try LegalDocumentRenderer(organization: "Mogura", contact: "x").opinionInquiry(
            request: request, group: group, rows: batchRows, requester: "R", rights: "著作権", items: ["氏名"],
            deadline: StandardDeadlineRules.opinionInquiryReply.deadline(from: .now(), calendar: calendar), issued: .now())
        #expect(!document.html.contains("<script>") && document.html.contains("&lt;script&gt;"))
        #expect(!document.html.contains("<b>契約者") && document.html.contains("&lt;b&gt;契約者"))
    }

    @Test func aDisclosureNeedsTwoLegalStaffOtherThanTheProposerOneALead() throws {
        let lead = StaffUser(login: "lead", displayName: "Lead", roles: [.legalLead])
        let lead2 = StaffUser(login: "lead2", displayName: "Lead 2", roles: [.legalLead])
        let agent = StaffUser(login: "agent", displayName: "Agent", roles: [.legalAgent])
        let agent2 = StaffUser(login: "agent2", displayName: "Agent 2", roles: [.legalAgent])
        let admin = StaffUser(login: "root", displayName: "Admin", roles: [.admin])
        let tos = StaffUser(login: "tos", displayName: "ToS", roles: [.tosAgent])
        let now = try Timestamp(rfc3339: "2026-12-01T10:00:00+09:00")
        var register = DisclosureRegister()
        var proposal = DisclosureProposal(
            requestNumber: "LR-2026-000042", customerID: "c7", rows: ["12", "13"], items: ["氏名又は名称", "住所"], recipient: "代理人 弁護士 山田一郎",
            basis: "契約者の同意（回答書 2026-11-30 受領）", proposedBy: "lead", proposedAt: now)

        #expect(throws: LegalError.self) { try DisclosureGate.approve(&proposal, by: admin, at: now) }
        #expect(throws: LegalError.self) { try DisclosureGate.approve(&proposal, by: tos, at: now) }
        #expect(throws: LegalError("the proposer cannot approve their own disclosure")) { try DisclosureGate.approve(&proposal, by: lead, at: now) }
        try DisclosureGate.approve(&proposal, by: agent, at: now)
        #expect(throws: LegalError("agent has already approved this disclosure; the second approval must come from someone else")) {
            try DisclosureGate.approve(&proposal, by: agent, at: now)
        }
        #expect(throws: LegalError("the disclosure cannot be released: 1 of 2 approvals by different legal staff")) {
            try DisclosureGate.release(proposal, into: &register, at: now)
        }
        // Two approvals, but neither by a legal lead: still not enough.
        try DisclosureGate.approve(&proposal, by: agent2, at: now)
        #expect(DisclosureGate.missing(proposal) == "no approval by a legal lead other than the proposer")
        #expect(throws: LegalError.self) { try DisclosureGate.release(proposal, into: &register, at: now) }
        try DisclosureGate.approve(&proposal, by: lead2, at: now)
        let record = try DisclosureGate.release(proposal, into: &register, at: now)
        #expect(record.sequence == 1 && record.approvedBy == ["agent", "agent2", "lead2"] && record.basis.contains("同意"))
        // Released once: no more approvals, no second release.
        var released = proposal
        released.releasedAt = now
        #expect(DisclosureGate.missing(released) == "it was released already")
        #expect(throws: LegalError.self) { try DisclosureGate.approve(&released, by: lead, at: now) }

        // No basis, no approval.
        var bare = proposal
        bare.basis = "  "
        bare.approvals = []
        #expect(throws: LegalError("a disclosure needs a recorded legal basis")) { try DisclosureGate.approve(&bare, by: lead2, at: now) }

        // The register only grows: a correction is a new record naming the old one.
        var corrected = record
        corrected.items = ["氏名又は名称"]
        let correction = try register.correct(1, with: corrected)
        #expect(correction.sequence == 2 && correction.corrects == 1)
        #expect(register.records[0] == record, "the first record is unchanged")
        #expect(throws: LegalError.self) { try register.correct(9, with: corrected) }
    }

    @Test func communicationSecretsGoToPoliceOnlyUnderAWarrant() throws {
        #expect(throws: LegalError.self) { try PoliceAnswerRule.check(.communicationSecret, warrant: nil) }
        let unverified = Warrant(kind: "捜索差押許可状", court: "東京地方裁判所", number: "令和8年(む)第123号", issuedOn: try CivilDate("2026-11-20"), verifiedBy: "")
        #expect(throws: LegalError.self) { try PoliceAnswerRule.check(.communicationSecret, warrant: unverified) }
        var verified = unverified
        verified.verifiedBy = "lead"
        try PoliceAnswerRule.check(.communicationSecret, warrant: verified)
        try PoliceAnswerRule.check(.subscriberData, warrant: nil)
        #expect(throws: LegalError.self) { try PoliceAnswerRule.check(.notHeld, warrant: verified) }
    }
}

/// A resolved row for document tests that need no inventory.
enum ResolvedRowFixture {
    static func resolved(_ row: ClaimRow, customer: String) -> ResolvedRow {
        ResolvedRow(
            row: row, outcome: .resolved, reason: "test",
            lookup: RowLookup(
                address: row.address?.description ?? "", port: row.port, time: row.time ?? .now(), toleranceSeconds: 2, matched: "test",
                serviceID: "s1", customerID: customer, by: "test", at: .now()), duplicateOf: nil, evidenceFlags: [])
    }
}
