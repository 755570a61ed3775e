import Foundation
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraStore
import MoguraTesting
import ServiceLifecycle
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

            // The subscribers' answers, a decision per row from them, and the answer to the requester with its 別紙.
            let consenting = imported.groups[0].customerID
            let objecting = imported.groups[1].customerID
            try await desk.recordAnswer(
                "LR-2026-000001", customerID: consenting, answer: SenderAnswer(kind: .consent, receivedAt: issued, recordedBy: "agent"),
                user: Self.agent,
                at: issued)
            try await desk.recordAnswer(
                "LR-2026-000001", customerID: objecting,
                answer: SenderAnswer(kind: .refuse, reasons: "家族が利用していた可能性", receivedAt: issued, recordedBy: "agent"), user: Self.agent, at: issued)
            await #expect(throws: LegalError.self) {
                try await desk.recordAnswer(
                    "LR-2026-000001", customerID: "nobody", answer: SenderAnswer(kind: .consent, receivedAt: issued, recordedBy: "agent"),
                    user: Self.agent, at: issued)
            }
            let decisions = try await desk.decideFromAnswers("LR-2026-000001", user: Self.lead, at: issued)
            #expect(decisions[.disclose] == imported.groups[0].rows.count)
            #expect(decisions[.notHeld] == imported.counts[.noLogs] && decisions[.referred] == imported.counts[.notOurs])
            #expect(decisions[.refuse] == (imported.counts[.resolved] ?? 0) - imported.groups[0].rows.count, "objecting and silent: refused")
            let decided = try await desk.rows("LR-2026-000001", user: Self.lead)
            #expect(decided.first { $0.lookup?.customerID == objecting }?.decision?.reason.contains("同意しない") == true)
            let notOurs = try #require(decided.firstIndex { $0.outcome == .notOurs })
            await #expect(throws: LegalError.self) {
                try await desk.decide("LR-2026-000001", positions: [notOurs], outcome: .disclose, reason: "x", user: Self.lead, at: issued)
            }
            try await desk.decide("LR-2026-000001", positions: [notOurs], outcome: .withdrawn, reason: "請求者が取下げ", user: Self.lead, at: issued)
            let answer = try await desk.answerRequester("LR-2026-000001", user: Self.lead, at: issued)
            #expect(answer.html.contains("発信者情報開示請求に対するご回答") && answer.html.contains("<td>開示</td>") && answer.html.contains("<td>不開示</td>"))
            #expect(answer.html.contains("<td>不存在</td>") && answer.html.contains("<td>取下げ</td>") && answer.html.contains("<td>重複</td>"))
            #expect(answer.html.components(separatedBy: "<tr><td>").count - 1 > 1_000, "every row in the 別紙")
            #expect(
                imported.groups.allSatisfy { !answer.html.contains("\($0.customerName)<") && !answer.html.contains($0.customerID + "<") },
                "no subscriber names or ids in the answer")

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
            await #expect(throws: LegalError.self) {
                try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead, at: now)
            }
            await #expect(throws: LegalError.self) {
                try await desk.proposeDisclosure(
                    "LR-2026-000001", customerID: subscriber, items: ["電話番号"], recipient: "someone else", basis: "x", user: Self.agent, at: now)
            }
            try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.agent, at: now)
            await #expect(throws: LegalError.self) {
                try await desk.releaseDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead, at: now)
            }
            await #expect(throws: LegalError.self) {
                try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.agent, at: now)
            }
            await #expect(throws: LegalAccessDenied.self) {
                try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.admin, at: now)
            }
            try await desk.approveDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead2, at: now)
            let record = try await desk.releaseDisclosure("LR-2026-000001", customerID: subscriber, user: Self.agent, at: now)
            #expect(record.sequence == 1 && record.approvedBy == ["agent", "lead2"])
            await #expect(throws: LegalError.self) {
                try await desk.releaseDisclosure("LR-2026-000001", customerID: subscriber, user: Self.lead, at: now)
            }
            #expect(try await store.disclosures(requestID: id).count == 1)
            // The subscriber is told what was released, to whom and why, from the register; nothing else was released.
            let notice = try #require(
                try await desk.letter(
                    .disclosureNotice, number: "LR-2026-000001", options: LetterOptions(customerID: subscriber), user: Self.agent, at: now
                )
                .first)
            #expect(notice.recipient == subscriber && notice.html.contains("発信者情報の開示について（ご通知）"))
            #expect(notice.html.contains("<dd>代理人弁護士</dd>") && notice.html.contains("<dd>氏名又は名称、住所</dd>") && notice.html.contains("開示記録 第1号"))
            #expect(notice.html.contains("<dd>契約者の同意（回答書受領）</dd>") && notice.html.contains("令和8年"))
            await #expect(throws: LegalError.self) {
                try await desk.letter(
                    .disclosureNotice, number: "LR-2026-000001", options: LetterOptions(customerID: imported.groups[1].customerID), user: Self.agent,
                    at: now)
            }

            // The audit chain holds the views, the refusals, the reveal with its reason, and the disclosure.
            let events = try await store.auditEvents(after: 0, limit: 10_000)
            let actions = Set(events.map(\.action))
            for action in [
                "legal.request.create", "legal.view", "legal.lookup.view", "legal.access.denied", "legal.document.render", "legal.deadline.start",
                "legal.request.move", "legal.subject.save", "legal.pii.reveal", "legal.disclosure", "legal.answer.record", "legal.decision",
            ] {
                #expect(actions.contains(action), "\(action)")
            }
            let reveal = try #require(events.first { $0.action == "legal.pii.reveal" })
            #expect(reveal.actor == "user:agent" && reveal.details.contains("意見照会書の宛名確認") && reveal.details.contains("\"field\":\"name\""))
            #expect(!events.contains { $0.details.contains("山田") }, "the audit chain carries no personal data")
            #expect(try await store.verifyAuditChain().isIntact)
        }
    }

    /// Holds applied at import keep a subscriber's raw reports through the retention purge; the purge takes the rest,
    /// and, once the holds are released, the held ones too. Both are audited.
    static func present(_ content: BlobContent) -> Bool {
        if case .present = content { return true }
        return false
    }

    @Test(arguments: TestStores.engines)
    func holdsKeepWhatTheRetentionPurgeWouldTake(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let fixture = ClaimListFixture(rows: 300)
            let desk = try desk(store)
            let imported = try await desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000010", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments),
                user: Self.lead, now: fixture.now)
            let id = try #require(try await store.legalRequest(number: "LR-2026-000010")?.id)
            let holds = try await store.legalHolds(requestID: id)
            #expect(holds.count == imported.groups.count && holds.allSatisfy { $0.isActive(at: fixture.now) && $0.basis == "internal" })
            let group = imported.groups[0]
            let hold = try #require(holds.first { $0.customerID == group.customerID })
            #expect(hold.windowFrom < group.holdFrom && hold.windowTo > group.holdTo && hold.sources.contains("reports"))

            // Two old complaints, one about the held subscriber (inside the hold's window), one about someone else.
            let inventory = """
                {"customers": [{"id": "\(group.customerID)", "name": "Held"}, {"id": "free", "name": "Free"}],
                 "services": [{"id": "held-s", "customer": "\(group.customerID)", "kind": "access"}, {"id": "free-s", "customer": "free", "kind": "access"}]}
                """
            _ = try await store.importInventory(
                try InventoryFileParser().parse(Array(inventory.utf8), file: "inventory.json"), mode: .merge, actor: "test")
            var hashes: [String: ContentHash] = [:]
            for (customer, service) in [(group.customerID, "held-s"), ("free", "free-s")] {
                let report = Report(
                    receivedAt: group.holdFrom, channel: .mail, category: .copyright, subject: "complaint about \(customer)", source: "test")
                let stored = try await store.insertReports([report], raw: Array("complaint about \(customer)".utf8), actor: "test")
                let kase = try await store.insertCase(
                    Case(track: .legal, category: .copyright, subject: .service(service), customerID: customer, openedAt: group.holdFrom),
                    actor: "test")
                try await store.attach(report: try #require(stored[0].report.id), toCase: try #require(kase.id), at: group.holdFrom)
                let hash = try #require(stored[0].report.rawHash)
                hashes[customer] = hash
            }

            let purge = RetentionPurge(store: store, reportRetentionDays: 365)
            let later = fixture.now.adding(seconds: 400 * 86_400)
            let dry = try await purge.run(now: later, dryRun: true)
            #expect(dry.examined == 2 && dry.purged == 1 && dry.held == 1)
            #expect(Self.present(try await store.blob(hashes["free"]!)), "a dry run purges nothing")
            let first = try await purge.run(now: later)
            #expect(first.purged == 1 && first.held == 1)
            #expect(!Self.present(try await store.blob(hashes["free"]!)), "purged")
            #expect(Self.present(try await store.blob(hashes[group.customerID]!)), "held")

            #expect(try await desk.releaseHolds("LR-2026-000010", user: Self.lead, at: later) == holds.count)
            let second = try await purge.run(now: later.adding(seconds: 60))
            #expect(second.purged == 1 && second.held == 0)
            #expect(!Self.present(try await store.blob(hashes[group.customerID]!)))

            let actions = try await store.auditEvents(after: 0, limit: 10_000).map(\.action)
            for action in ["legal.hold.apply", "legal.hold.release", "retention.purge", "retention.skip-held", "blob.tombstone"] {
                #expect(actions.contains(action), "\(action)")
            }
            #expect(try await store.verifyAuditChain().isIntact)
        }
    }

    /// The acknowledgement to a requester and the answer to police, rendered from what is stored and kept.
    @Test(arguments: TestStores.engines)
    func acknowledgementAndPoliceAnswer(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let fixture = ClaimListFixture(rows: 120)
            let desk = try desk(store)
            let imported = try await desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000020", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], feePerID: 5_000,
                index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments),
                user: Self.lead, now: fixture.now)
            let acknowledgement = try await desk.acknowledge("LR-2026-000020", user: Self.agent, at: fixture.now)
            #expect(acknowledgement.html.contains("受付のお知らせ") && acknowledgement.html.contains("目録記載の通信 120件"))
            #expect(acknowledgement.html.contains("\(imported.billableIDs)件 × 5000円") && acknowledgement.html.contains("令和8年11月29日（2026年11月29日）"))

            let received = try Timestamp(rfc3339: "2026-11-20T10:00:00+09:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000021", kind: .policeInquiry, externalReference: "大府捜第123号", parties: [LegalParty(role: .police, name: "大阪府警察本部")],
                items: [
                    PoliceInquiryItem(label: "契約者の氏名及び住所", itemClass: .subscriberData),
                    PoliceInquiryItem(label: "2026年11月1日の接続記録", itemClass: .communicationSecret),
                    PoliceInquiryItem(label: "決済に用いたカード番号", itemClass: .notHeld),
                ], user: Self.agent, at: received)
            try await desk.answerPoliceItem("LR-2026-000021", item: 0, answer: "大阪市北区梅田1-1 山田太郎", user: Self.lead, at: received)
            await #expect(throws: LegalError.self) {
                try await desk.answerPoliceItem("LR-2026-000021", item: 1, answer: "x", user: Self.lead, at: received)
            }
            await #expect(throws: LegalAccessDenied.self) { try await desk.answerPolice("LR-2026-000021", user: Self.admin, at: received) }
            let answer = try await desk.answerPolice("LR-2026-000021", user: Self.lead, at: received)
            #expect(answer.html.contains("大阪府警察本部 御中") && answer.html.contains("（大府捜第123号）"))
            #expect(answer.html.contains("<td>大阪市北区梅田1-1 山田太郎</td>"))
            #expect(answer.html.contains("令状によらない通信の秘密の提供はできません") && answer.html.contains("不存在"))
            let id = try #require(try await store.legalRequest(number: "LR-2026-000021")?.id)
            #expect(try await store.legalDocuments(requestID: id).map(\.template) == ["ja/police/answer"])
        }
    }

    /// The reply deadline is met once every subscriber's answer is recorded; the watch then has nothing to escalate.
    @Test(arguments: TestStores.engines)
    func answersFromEverySubscriberMeetTheReplyDeadline(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let fixture = ClaimListFixture(rows: 40)
            let desk = try desk(store)
            let imported = try await desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000030", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments),
                user: Self.lead, now: fixture.now)
            _ = try await desk.sendOpinionInquiries("LR-2026-000030", user: Self.agent, issued: fixture.now, delivered: fixture.now)
            // A second send fails before storing anything.
            await #expect(throws: LegalError.self) {
                try await desk.sendOpinionInquiries("LR-2026-000030", user: Self.agent, issued: fixture.now, delivered: fixture.now)
            }
            let id = try #require(try await store.legalRequest(number: "LR-2026-000030")?.id)
            #expect(try await store.legalDocuments(requestID: id).count == imported.groups.count)
            for (position, group) in imported.groups.enumerated() {
                #expect(try await store.legalDeadlines(requestID: id).allSatisfy { $0.status == "pending" })
                try await desk.recordAnswer(
                    "LR-2026-000030", customerID: group.customerID,
                    answer: SenderAnswer(kind: position % 2 == 0 ? .consent : .noAnswer, receivedAt: fixture.now, recordedBy: "agent"),
                    user: Self.agent,
                    at: fixture.now)
            }
            let deadlines = try await store.legalDeadlines(requestID: id)
            #expect(deadlines.count == 1 && deadlines[0].status == "met")
            #expect(try await store.legalDeadlines(pendingBefore: fixture.now.adding(seconds: 90 * 86_400), limit: 100).isEmpty)
        }
    }

    /// The watch as the service `mogura serve` runs: a missed reply deadline is escalated once however many passes
    /// run, and the service stops on graceful shutdown.
    @Test(arguments: TestStores.engines)
    func theWatchServiceEscalatesAMissedDeadlineOnce(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let fixture = ClaimListFixture(rows: 30)
            let desk = try desk(store)
            _ = try await desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000040", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments),
                user: Self.lead, now: fixture.now)
            _ = try await desk.sendOpinionInquiries("LR-2026-000040", user: Self.agent, issued: fixture.now, delivered: fixture.now)
            let late = fixture.now.adding(seconds: 60 * 86_400)
            let watcher = LegalDeadlineWatcher(desk: desk, interval: 0.05, logger: TestStores.logger, now: { late })
            let group = ServiceGroup(configuration: .init(services: [watcher], logger: TestStores.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let id = try #require(try await store.legalRequest(number: "LR-2026-000040")?.id)
                for _ in 0..<200 {
                    if try await store.legalDeadlines(requestID: id).first?.status == "missed" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(300))  // several more passes
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                #expect(try await store.legalDeadlines(requestID: id).first?.status == "missed")
            }
            let misses = try await store.auditEvents(after: 0, limit: 10_000).filter { $0.action == "legal.deadline.missed" }
            #expect(misses.count == 1)
        }
    }
}
