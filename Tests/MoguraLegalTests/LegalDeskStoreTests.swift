import Foundation
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraStore
import MoguraTesting
import Testing

/// The legal desk on both storage engines: a bulk import stored with its rows, de-duplication against the
/// claimant's stored request, access by role (refusals audited), one 意見照会書 per subscriber kept with its
/// deadline, reveals with a reason, and the two-approval rule into the stored register.
@Suite("Legal desk on the store", .serialized)
struct LegalDeskStoreTests {
    static let lead = StaffUser(login: "lead", displayName: "Lead", roles: [.legalLead])
    static let lead2 = StaffUser(login: "lead2", displayName: "Lead 2", roles: [.legalLead])
    static let agent = StaffUser(login: "agent", displayName: "Agent", roles: [.legalAgent])
    static let tos = StaffUser(login: "tos", displayName: "ToS", roles: [.tosAgent, .viewer])
    static let admin = StaffUser(login: "root", displayName: "Admin", roles: [.admin])
    static let operatorUser = StaffUser(login: "noc", displayName: "NOC", roles: [.networkOperator])

    func desk(_ store: SQLStore) throws -> LegalDesk {
        LegalDesk(
            store: store, calendar: try LegalCalendar.standard(environment: [:]),
            renderer: LegalDocumentRenderer(organization: "株式会社モグラネット", contact: "legal@example.net"),
            cipher: try FieldCipher(keyring: FieldCipher.newKeyLine(id: "test")))
    }

    @Test(arguments: TestStores.engines)
    func aBulkRequestFromImportToRegister(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let fixture = ClaimListFixture(rows: 1_500)
            let index = InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments)
            let desk = try desk(store)
            let imported = try await desk.importClaimList(
                fixture.xlsx, name: "list.xlsx", number: "LR-2026-000001", claimant: "Example Films", requesterShownAs: "株式会社エグザンプル",
                rights: "著作権", items: ["氏名又は名称", "住所"], feePerID: 5_000, index: index, user: Self.lead, now: fixture.now)
            #expect(imported.rows == 1_500 && imported.fee == imported.billableIDs * 5_000 && !imported.groups.isEmpty)

            // The same list again from the same claimant: every readable row repeats the first request.
            let again = try await desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000002", claimant: "Example Films", requesterShownAs: "株式会社エグザンプル",
                rights: "著作権", items: ["氏名又は名称"], index: index, user: Self.agent, now: fixture.now)
            #expect(again.counts[.duplicate] == 1_500 - (again.counts[.invalid] ?? 0))
            #expect(again.groups.isEmpty && again.billableIDs == 0)
            let stored = try await desk.rows("LR-2026-000002", user: Self.lead)
            #expect(stored.first { $0.outcome == .duplicate }?.duplicateOf?.hasPrefix("LR-2026-000001#") == true)

            // Access: everyone but legal staff is refused (the web answers 404); the operator sees rows only.
            for user in [Self.tos, Self.admin, Self.operatorUser] {
                await #expect(throws: LegalAccessDenied.self) { try await desk.request("LR-2026-000001", user: user) }
                await #expect(throws: LegalAccessDenied.self) { try await desk.rows("LR-2026-000001", user: user) }
            }
            await #expect(throws: LegalAccessDenied.self) { try await desk.operatorRows("LR-2026-000001", user: Self.tos) }
            let operatorView = try await desk.operatorRows("LR-2026-000001", user: Self.operatorUser)
            #expect(operatorView.count == 1_500 && operatorView.contains { $0.address != nil && $0.port != nil && $0.time != nil })
            let encoded = String(decoding: try JSONEncoder().encode(operatorView), as: UTF8.self)
            #expect(!encoded.contains("Example Films") && !encoded.contains("resolved") && !encoded.contains("作品"), "no claim, no result")

            // One inquiry per subscriber, kept with its hash, and one reply deadline; the request waits for the senders.
            let issued = try Timestamp(rfc3339: "2026-12-18T10:00:00+09:00")
            let documents = try await desk.sendOpinionInquiries("LR-2026-000001", user: Self.agent, issued: issued, delivered: issued)
            #expect(documents.count == imported.groups.count)
            let (id, request) = try await desk.request("LR-2026-000001", user: Self.lead)
            #expect(request.state == "awaiting-sender")
            let kept = try await store.legalDocuments(requestID: id)
            #expect(kept.count == documents.count && Set(kept.map(\.sha256)) == Set(documents.map(\.sha256)))
            #expect(documents[0].html.contains("契約者") && documents[0].html.contains("株式会社エグザンプル"))
            let deadlines = try await store.legalDeadlines(requestID: id)
            #expect(deadlines.count == 1 && deadlines[0].ruleID == "jp.opinion-inquiry.reply")
            #expect(deadlines[0].dueAt == (try Timestamp(rfc3339: "2027-01-05T00:00:00+09:00")))

            // Subscriber data: stored encrypted, shown masked, revealed only with a reason, every reveal audited.
            let subscriber = imported.groups[0].customerID
            let now = fixture.now
            try await desk.saveSubject(
                "LR-2026-000001", customerID: subscriber, fields: ["name": "山田 太郎", "address": "東京都千代田区千代田1-1"], user: Self.lead, at: now)
            let raw = try #require(try await store.legalSubject(requestID: id, customerID: subscriber))
            #expect(!raw.contains("山田") && raw.contains("v1:test:"))
            #expect(try await desk.maskedSubject("LR-2026-000001", customerID: subscriber, user: Self.agent)["name"] == "山＊ 太＊")
            await #expect(throws: LegalError.self) {
                try await desk.reveal("LR-2026-000001", customerID: subscriber, field: "name", reason: " ", user: Self.agent, at: now)
            }
            await #expect(throws: LegalAccessDenied.self) {
                try await desk.reveal("LR-2026-000001", customerID: subscriber, field: "name", reason: "why not", user: Self.tos, at: now)
            }
            let clear = try await desk.reveal(
                "LR-2026-000001", customerID: subscriber, field: "name", reason: "意見照会書の宛名確認", user: Self.agent, at: now)
            #expect(clear == "山田 太郎")

            // Two approvals by different legal staff, one a lead who did not propose, before the register.
            try await desk.proposeDisclosure(
                "LR-2026-000001", customerID: subscriber, items: ["氏名又は名称", "住所"], recipient: "代理人弁護士",
                basis: "契約者の同意（回答書受領）", user: Self.lead, at: now)
            try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead, at: now)
            await #expect(throws: LegalError.self) {
                try await desk.releaseDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead, at: now)
            }
            await #expect(throws: LegalError.self) {
                try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead, at: now)
            }
            await #expect(throws: LegalAccessDenied.self) {
                try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.admin, at: now)
            }
            try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.agent, at: now)
            await #expect(throws: LegalError.self) {
                try await desk.releaseDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead, at: now)
            }
            try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead2, at: now)
            let record = try await desk.releaseDisclosure("LR-2026-000001", customerID: subscriber, user: Self.agent, at: now)
            #expect(record.sequence == 1 && record.approvedBy == ["lead", "agent", "lead2"])
            #expect(try await store.disclosures(requestID: id).count == 1)

            // The audit chain holds the views, the refusals, the reveal with its reason, and the disclosure.
            let events = try await store.auditEvents(after: 0, limit: 10_000)
            let actions = Set(events.map(\.action))
            for action in [
                "legal.request.create", "legal.view", "legal.lookup.view", "legal.access.denied", "legal.document.render", "legal.deadline.start",
                "legal.request.move", "legal.subject.save", "legal.pii.reveal", "legal.disclosure",
            ] {
                #expect(actions.contains(action), "\(action)")
            }
            let reveal = try #require(events.first { $0.action == "legal.pii.reveal" })
            #expect(reveal.actor == "user:agent" && reveal.details.contains("意見照会書の宛名確認") && reveal.details.contains("\"field\":\"name\""))
            #expect(!events.contains { $0.details.contains("山田") }, "the audit chain carries no personal data")
            #expect(try await store.verifyAuditChain().isIntact)
        }
    }
}
