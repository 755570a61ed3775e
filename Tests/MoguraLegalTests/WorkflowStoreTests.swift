import Foundation
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraStore
import MoguraTesting
import Testing

/// A time written in JST without its offset (`2026-12-28T11:00:00`).
func jst(_ text: String) throws -> Timestamp { try Timestamp(rfc3339: text + "+09:00") }

/// Requests moved through the desk on both engines with a hand-moved clock: the deadlines each kind's states start
/// are stored, met when the state ends, escalated when missed, waived on withdrawal; lead-only states and the
/// counter-notice's earliest restore hold.
@Suite("Legal workflows on the store", .serialized)
struct WorkflowStoreTests {
    static let lead = LegalDeskStoreTests.lead
    static let agent = LegalDeskStoreTests.agent

    func pending(_ desk: LegalDesk, _ number: String) async throws -> [Deadline] {
        try await desk.deadlines(number, user: Self.lead).filter { $0.status == .pending }
    }

    @Test(arguments: TestStores.engines)
    func anElectionTakedownInquiryOverTheYearEndAndAnOrdinaryOne(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let asked = try jst("2026-12-28T11:00:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000101", kind: .takedownRequest, externalReference: nil, parties: [LegalParty(role: .requester, name: "候補者事務所")],
                items: [],
                details: LegalRequestDetails(rights: "名誉権", locations: ["https://bbs.example.jp/t/1"], statement: "虚偽の事実", electionCase: true),
                user: Self.agent, at: asked)
            for state in ["screening", "assessing", "inquiring-sender"] {
                try await desk.move("LR-2026-000101", to: state, user: Self.agent, at: asked)
            }
            // 2 days from 12-28 is 12-30, inside the closure: the sender has until the first working day, 2027-01-04.
            let election = try await pending(desk, "LR-2026-000101")
            #expect(election.map(\.rule.id) == ["jp.takedown.inquiry.election"] && election.first?.lastDay.description == "2027-01-04")
            try await desk.move("LR-2026-000101", to: "deciding", note: "異議なし", user: Self.agent, at: try jst("2027-01-05T09:00:00"))
            #expect(try await desk.deadlines("LR-2026-000101", user: Self.lead).map(\.status) == [.met])

            _ = try await desk.createRequest(
                number: "LR-2026-000102", kind: .takedownRequest, externalReference: nil, parties: [], items: [],
                details: LegalRequestDetails(rights: "著作権"), user: Self.agent, at: asked)
            try await desk.move("LR-2026-000102", to: "screening", user: Self.agent, at: asked)
            // A correction request on a takedown keeps its state; its 14 days run until the next move.
            _ = try await desk.letter(
                .correction, number: "LR-2026-000102", options: LetterOptions(missing: ["情報の所在（URL）"]), user: Self.agent, at: asked)
            #expect(try await pending(desk, "LR-2026-000102").map(\.rule.id) == ["jp.correction.reply"])
            for state in ["assessing", "inquiring-sender"] { try await desk.move("LR-2026-000102", to: state, user: Self.agent, at: asked) }
            #expect(
                try await desk.deadlines("LR-2026-000102", user: Self.lead).filter { $0.rule.id == "jp.correction.reply" }.map(\.status) == [.met])
            #expect(try await pending(desk, "LR-2026-000102").first?.lastDay.description == "2027-01-04")
            // Nobody moves it on: the watch escalates the missed inquiry once.
            let late = try jst("2027-01-06T09:00:00")
            let first = try await desk.watchDeadlines(now: late)
            let second = try await desk.watchDeadlines(now: late)
            #expect(first.events.filter { $0.hasPrefix("MISSED") }.count == 1 && !second.events.contains { $0.hasPrefix("MISSED") })
            #expect(
                try await desk.deadlines("LR-2026-000102", user: Self.lead).filter { $0.rule.id == "jp.takedown.inquiry" }.map(\.status) == [.missed])
            #expect(first.events.contains { $0.hasPrefix("MISSED: LR-2026-000102 ") }, "\(first.events)")
            await #expect(throws: LegalError.self) { try await desk.move("LR-2026-000102", to: "acting", user: Self.agent, at: late) }
        }
    }

    @Test(arguments: TestStores.engines)
    func aPolicePreservationRunsThirtyDaysFromReceiptIsExtendedAndReleasedByALead(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let received = try jst("2026-12-01T15:00:00")
            let registered = try jst("2026-12-02T10:00:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000110", kind: .policePreservation, externalReference: "警視庁サ対第77号",
                parties: [LegalParty(role: .police, name: "警視庁")], items: [], details: LegalRequestDetails(receivedAt: received), user: Self.agent,
                at: registered)
            try await desk.move("LR-2026-000110", to: "verifying", user: Self.agent, at: registered)
            try await desk.move("LR-2026-000110", to: "hold-active", user: Self.agent, at: registered)
            let id = try #require(try await store.legalRequest(number: "LR-2026-000110")?.id)
            try await store.addLegalHolds(
                [
                    LegalHoldRow(
                        requestID: id, basis: "crpc-197-3", customerID: "c1", serviceID: nil, sources: ["nat-logs"],
                        windowFrom: received.adding(seconds: -86_400),
                        windowTo: received, startsAt: registered)
                ], actor: "agent", at: registered)
            // From receipt, 30 days, not stretched past holidays: 2026-12-31.
            #expect(try await pending(desk, "LR-2026-000110").map(\.lastDay.description) == ["2026-12-31"])
            let extendedAt = try jst("2026-12-25T10:00:00")
            try await desk.move("LR-2026-000110", to: "extended", note: "延長要請（警視庁サ対第80号）", user: Self.agent, at: extendedAt)
            let after = try await desk.deadlines("LR-2026-000110", user: Self.lead)
            #expect(after.map(\.status) == [.met, .pending] && after.last?.lastDay.description == "2027-01-24")
            // Only a legal lead ends a preservation; ending it releases the holds and meets the clock.
            await #expect(throws: LegalError.self) { try await desk.move("LR-2026-000110", to: "released", user: Self.agent, at: extendedAt) }
            #expect(try await store.legalHolds(requestID: id).allSatisfy { $0.releasedAt == nil })
            try await desk.move("LR-2026-000110", to: "released", user: Self.lead, at: try jst("2027-01-20T10:00:00"))
            #expect(try await store.legalHolds(requestID: id).allSatisfy { $0.releasedAt != nil })
            #expect(try await pending(desk, "LR-2026-000110").isEmpty)
            let notes = try await store.auditEvents(after: 0, limit: 1_000).filter { $0.action == "legal.request.note" }
            #expect(notes.count == 1 && notes[0].details.contains("延長要請"))
        }
    }

    @Test(arguments: TestStores.engines)
    func aCounterNoticeIsRestoredBetweenTenAndFourteenUSBusinessDays(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let received = try Timestamp(rfc3339: "2026-11-20T10:00:00-05:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000120", kind: .dmcaCounterNotice, externalReference: nil, parties: [LegalParty(role: .requester, name: "J. Doe")],
                items: [], details: LegalRequestDetails(locations: ["https://files.example.net/u/jdoe/video.mp4"]), user: Self.agent, at: received)
            for state in ["validating", "complainant-notified", "restore-window"] {
                try await desk.move("LR-2026-000120", to: state, user: Self.agent, at: received)
            }
            // 14 US business days from Friday 11-20, Thanksgiving (11-26) not counted: 2026-12-11.
            #expect(try await pending(desk, "LR-2026-000120").map(\.lastDay.description) == ["2026-12-11"])
            let early = try Timestamp(rfc3339: "2026-12-04T12:00:00-05:00")
            await #expect(throws: LegalError.self) { try await desk.move("LR-2026-000120", to: "restored", user: Self.lead, at: early) }
            let onTime = try Timestamp(rfc3339: "2026-12-07T09:00:00-05:00")
            await #expect(throws: LegalError.self) { try await desk.move("LR-2026-000120", to: "restored", user: Self.agent, at: onTime) }
            try await desk.move("LR-2026-000120", to: "restored", user: Self.lead, at: onTime)
            #expect(try await desk.deadlines("LR-2026-000120", user: Self.lead).map(\.status) == [.met])
        }
    }

    @Test(arguments: TestStores.engines)
    func aDSANoticeStartsItsClockAtOnceAndAWithdrawalWaivesIt(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let received = try Timestamp(rfc3339: "2026-12-03T08:00:00Z")
            _ = try await desk.createRequest(
                number: "LR-2026-000130", kind: .dsaNotice, externalReference: "DSA-2026-4411",
                parties: [LegalParty(role: .requester, name: "Notifier")],
                items: [], details: LegalRequestDetails(locations: ["https://shop.example.eu/item/9"], statement: "Counterfeit goods"),
                user: Self.agent,
                at: received)
            #expect(try await pending(desk, "LR-2026-000130").map(\.lastDay.description) == ["2026-12-10"])
            try await desk.move("LR-2026-000130", to: "withdrawn", note: "notifier withdrew", user: Self.agent, at: received.adding(seconds: 3_600))
            #expect(try await desk.deadlines("LR-2026-000130", user: Self.lead).map(\.status) == [.waived])
            await #expect(throws: LegalError.self) {
                try await desk.move("LR-2026-000130", to: "acknowledged", user: Self.agent, at: received.adding(seconds: 7_200))
            }

            // A disclosure order's decision starts the one-month objection window; complying meets it.
            let served = try jst("2026-12-01T10:00:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000131", kind: .disclosureOrder, externalReference: "令和8年(発チ)第10137号",
                parties: [LegalParty(role: .court, name: "東京地方裁判所")], items: [], user: Self.agent, at: served)
            for state in ["identifying", "filing-position", "awaiting-decision", "decided-granted", "objection-window"] {
                try await desk.move("LR-2026-000131", to: state, user: Self.agent, at: served)
            }
            // One month from 12-01 ends 01-01, in the closure: the first working day, 2027-01-04.
            #expect(try await pending(desk, "LR-2026-000131").map(\.lastDay.description) == ["2027-01-04"])
            try await desk.move("LR-2026-000131", to: "complying", user: Self.agent, at: try jst("2027-01-05T10:00:00"))
            await #expect(throws: LegalError.self) {
                try await desk.move("LR-2026-000131", to: "disclosed", user: Self.agent, at: try jst("2027-01-06T10:00:00"))
            }
            try await desk.move("LR-2026-000131", to: "disclosed", user: Self.lead, at: try jst("2027-01-06T10:00:00"))
            #expect(try await desk.deadlines("LR-2026-000131", user: Self.lead).map(\.status) == [.met])
            // A terms-of-service case linked to the order: shown on it, refused when it does not exist, linked once.
            let kase = try await store.insertCase(
                Case(track: .termsOfService, category: .spam, subject: .service("s-1"), customerID: nil, openedAt: served), actor: "test")
            let caseID = try #require(kase.id)
            await #expect(throws: LegalError.self) { try await desk.linkCase("LR-2026-000131", caseID: 999_999, user: Self.agent, at: served) }
            try await desk.linkCase("LR-2026-000131", caseID: caseID, user: Self.agent, at: served)
            try await desk.linkCase("LR-2026-000131", caseID: caseID, user: Self.agent, at: served)
            #expect(try await desk.request("LR-2026-000131", user: Self.lead).request.linkedCaseIDs == [caseID])
            await #expect(throws: LegalAccessDenied.self) {
                try await desk.linkCase("LR-2026-000131", caseID: caseID, user: LegalDeskStoreTests.tos, at: served)
            }
            #expect(try await store.case(caseID)?.state == kase.state, "the case itself is untouched")
            // A branch names its parent; a missing parent is refused.
            await #expect(throws: LegalError.self) {
                try await desk.createRequest(
                    number: "LR-2026-000132", kind: .provisionOrder, externalReference: nil, parties: [], items: [],
                    details: LegalRequestDetails(parentNumber: "LR-2026-999999"), user: Self.agent, at: served)
            }
        }
    }

    /// A hold over an indicator keeps the old reports that name it through the retention purge, whoever they are
    /// about; log systems read the holds in force without the request; a hold that names nothing is refused.
    @Test(arguments: TestStores.engines)
    func anIndicatorHoldKeepsTheReportsThatNameIt(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let received = try jst("2026-03-02T10:00:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000140", kind: .policePreservation, externalReference: "府警サ第5号",
                parties: [LegalParty(role: .police, name: "大阪府警察本部")],
                items: [], user: Self.agent, at: received)
            let window = (received.adding(seconds: -2 * 86_400), received)
            await #expect(throws: LegalError.self) {
                try await desk.applyHold(
                    "LR-2026-000140", basis: "crpc-197-3", customerID: nil, indicator: nil, sources: ["reports"], from: window.0, to: window.1,
                    expires: nil,
                    user: Self.agent, at: received)
            }
            await #expect(throws: LegalError.self) {
                try await desk.applyHold(
                    "LR-2026-000140", basis: "crpc-197-3", customerID: nil, indicator: "ip:not-an-address", sources: ["reports"], from: window.0,
                    to: window.1, expires: nil, user: Self.agent, at: received)
            }
            await #expect(throws: LegalAccessDenied.self) {
                try await desk.applyHold(
                    "LR-2026-000140", basis: "crpc-197-3", customerID: nil, indicator: "ip:203.0.113.7", sources: ["reports"], from: window.0,
                    to: window.1, expires: nil, user: LegalDeskStoreTests.tos, at: received)
            }
            let hold = try await desk.applyHold(
                "LR-2026-000140", basis: "crpc-197-3", customerID: nil, indicator: "IP:203.0.113.7", sources: ["reports", "nat-logs"], from: window.0,
                to: window.1, expires: nil, user: Self.agent, at: received)
            #expect(hold.indicator == "ip:203.0.113.7")

            var hashes: [String: ContentHash] = [:]
            for (name, indicator) in [
                ("held", Indicator.ip(try IPAddress("203.0.113.7"))), ("other", .ip(try IPAddress("203.0.113.8"))),
                ("port", .ipPort(try IPAddress("203.0.113.7"), port: 443)), ("near", .ipPort(try IPAddress("203.0.113.70"), port: 443)),
            ] {
                let address = indicator.value
                let report = Report(
                    receivedAt: received.adding(seconds: -86_400), channel: .mail, category: .malware, subject: "attack from \(address)",
                    indicators: [indicator], source: "test")
                let stored = try await store.insertReports([report], raw: Array("attack from \(address)".utf8), actor: "test")
                hashes[name] = stored[0].report.rawHash
            }
            let purge = RetentionPurge(store: store, reportRetentionDays: 180)
            let later = received.adding(seconds: 200 * 86_400)
            let summary = try await purge.run(now: later)
            #expect(summary.examined == 4 && summary.purged == 2 && summary.held == 2)
            #expect(LegalDeskStoreTests.present(try await store.blob(hashes["held"]!)))
            #expect(LegalDeskStoreTests.present(try await store.blob(hashes["port"]!)), "the address with a port is held too")
            #expect(!LegalDeskStoreTests.present(try await store.blob(hashes["other"]!)))
            #expect(!LegalDeskStoreTests.present(try await store.blob(hashes["near"]!)))

            // Log systems read what to keep: the network operator may, a terms-of-service agent may not.
            let exported = try await desk.holdsInForce(user: LegalDeskStoreTests.operatorUser, at: later)
            #expect(exported.map(\.indicator) == ["ip:203.0.113.7"] && exported[0].sources == ["reports", "nat-logs"])
            await #expect(throws: LegalAccessDenied.self) { try await desk.holdsInForce(user: LegalDeskStoreTests.tos, at: later) }
            // Ending the preservation releases the hold; the next purge takes the report.
            for state in ["verifying", "hold-active"] { try await desk.move("LR-2026-000140", to: state, user: Self.agent, at: received) }
            try await desk.move("LR-2026-000140", to: "released", user: Self.lead, at: later)
            #expect(try await desk.holdsInForce(user: Self.lead, at: later.adding(seconds: 1)).isEmpty)
            #expect(try await purge.run(now: later.adding(seconds: 60)).purged == 2)
        }
    }

    /// A year after a request closes, its subscribers' personal data goes and their names become customer ids —
    /// not while a hold of the request is in force; the purge is audited.
    @Test(arguments: TestStores.engines)
    func closedRequestsLoseTheirSubscriberDataAfterAYear(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let fixture = ClaimListFixture(rows: 40)
            let imported = try await desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000150", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], index: InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments),
                user: Self.lead, now: fixture.now)
            let subscriber = imported.groups[0]
            try await desk.saveSubject(
                "LR-2026-000150", customerID: subscriber.customerID, fields: ["name": "山田 太郎"], user: Self.lead, at: fixture.now)
            let id = try #require(try await store.legalRequest(number: "LR-2026-000150")?.id)
            var purge = RetentionPurge(store: store, reportRetentionDays: 365)
            purge.subjectRetentionDays = 365
            // Open: kept.
            #expect(try await purge.run(now: fixture.now.adding(seconds: 400 * 86_400)).requestsReduced == 0)
            for state in ["answering", "closed"] { try await desk.move("LR-2026-000150", to: state, user: Self.lead, at: fixture.now) }
            // Closed, but less than a year ago: kept.
            #expect(try await purge.run(now: fixture.now.adding(seconds: 300 * 86_400)).requestsReduced == 0)
            // A later change that keeps the closed state (a link) does not restart the retention clock.
            let closedAt = try #require(try await store.legalRequest(number: "LR-2026-000150")?.updatedAt)
            let kase = try await store.insertCase(
                Case(track: .legal, category: .copyright, subject: .service("s-9"), customerID: nil, openedAt: fixture.now), actor: "test")
            try await desk.linkCase("LR-2026-000150", caseID: try #require(kase.id), user: Self.lead, at: fixture.now.adding(seconds: 200 * 86_400))
            #expect(try await store.legalRequest(number: "LR-2026-000150")?.updatedAt == closedAt)
            // Closing gave the import's open-ended holds 90 more days.
            let holds = try await store.legalHolds(requestID: id)
            #expect(!holds.isEmpty && holds.allSatisfy { $0.expiresAt == fixture.now.adding(seconds: 90 * 86_400) && $0.releasedAt == nil })
            // Closed a year ago, but another request's hold in force names one of its subscribers: kept, counted as held.
            _ = try await desk.createRequest(
                number: "LR-2026-000151", kind: .erasureProhibitionOrder, externalReference: "令和8年(発チ)第30001号", parties: [], items: [],
                user: Self.agent, at: fixture.now)
            try await desk.move("LR-2026-000151", to: "hold-active", user: Self.agent, at: fixture.now)
            try await desk.applyHold(
                "LR-2026-000151", basis: "erasure-prohibition-order", customerID: subscriber.customerID, indicator: nil, sources: ["reports"],
                from: subscriber.holdFrom, to: subscriber.holdTo, expires: nil, user: Self.agent, at: fixture.now)
            let later = fixture.now.adding(seconds: 400 * 86_400)
            let held = try await purge.run(now: later)
            #expect(held.requestsReduced == 0 && held.requestsHeld == 1)
            #expect(try await store.legalSubject(requestID: id, customerID: subscriber.customerID) != nil)
            try await desk.move("LR-2026-000151", to: "released", user: Self.lead, at: later)
            let dry = try await purge.run(now: later, dryRun: true)
            #expect(dry.requestsReduced == 1)
            #expect(try await store.legalSubject(requestID: id, customerID: subscriber.customerID) != nil, "a dry run deletes nothing")
            let reduced = try await purge.run(now: later)
            #expect(reduced.requestsReduced == 1)
            #expect(try await store.legalSubject(requestID: id, customerID: subscriber.customerID) == nil)
            let (_, request) = try await desk.request("LR-2026-000150", user: Self.lead)
            #expect(request.subscriberNames.allSatisfy { $0.key == $0.value } && request.subscriberNames.count == imported.groups.count)
            #expect(try await purge.run(now: later.adding(seconds: 60)).requestsReduced == 0, "once")
            let events = try await store.auditEvents(after: 0, limit: 10_000).filter { $0.action == "legal.subject.purge" }
            #expect(events.count == 1 && events[0].objectID == "LR-2026-000150")
        }
    }

    /// The remaining kinds through the desk: a voluntary preservation's three months and extension, an erasure
    /// prohibition order's hold released by a lead, a provision order under its parent, a police inquiry answered by
    /// a lead only.
    @Test(arguments: TestStores.engines)
    func preservationsOrdersAndPoliceInquiriesThroughTheDesk(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let start = try jst("2026-11-30T10:00:00")
            _ = try await desk.createRequest(
                number: "LR-2026-000160", kind: .voluntaryPreservation, externalReference: nil, parties: [LegalParty(role: .agent, name: "弁護士 甲野")],
                items: [], user: Self.agent, at: start)
            for state in ["screening", "hold-active"] { try await desk.move("LR-2026-000160", to: state, user: Self.agent, at: start) }
            // Three months from 11-30 ends 02-28 (no 30th in February), not moved past closed days.
            #expect(try await pending(desk, "LR-2026-000160").map(\.lastDay.description) == ["2027-02-28"])
            let voluntaryID = try #require(try await store.legalRequest(number: "LR-2026-000160")?.id)
            try await desk.applyHold(
                "LR-2026-000160", basis: "voluntary", customerID: "c-5", indicator: nil, sources: ["mail-logs"], from: start.adding(seconds: -86_400),
                to: start, expires: try jst("2027-03-01T00:00:00"), user: Self.agent, at: start)
            try await desk.move("LR-2026-000160", to: "extended", user: Self.agent, at: try jst("2027-02-20T10:00:00"))
            #expect(try await pending(desk, "LR-2026-000160").map(\.lastDay.description) == ["2027-05-20"])
            // The extension carries the hold's expiry to the new end; withdrawing a running preservation is a lead's.
            let newEnd = try await pending(desk, "LR-2026-000160").first?.dueAt
            #expect(try await store.legalHolds(requestID: voluntaryID).first?.expiresAt == newEnd)
            await #expect(throws: LegalError.self) { try await desk.move("LR-2026-000160", to: "withdrawn", user: Self.agent, at: start) }
            await #expect(throws: LegalError.self, "a move to the state it is in") {
                try await desk.move("LR-2026-000160", to: "extended", user: Self.lead, at: start)
            }

            _ = try await desk.createRequest(
                number: "LR-2026-000161", kind: .disclosureOrder, externalReference: "令和8年(発チ)第20001号",
                parties: [LegalParty(role: .court, name: "東京地方裁判所")],
                items: [], user: Self.agent, at: start)
            _ = try await desk.createRequest(
                number: "LR-2026-000162", kind: .erasureProhibitionOrder, externalReference: "令和8年(発チ)第20001号", parties: [],
                items: [], details: LegalRequestDetails(parentNumber: "LR-2026-000161"), user: Self.agent, at: start)
            try await desk.move("LR-2026-000162", to: "hold-active", user: Self.agent, at: start)
            try await desk.applyHold(
                "LR-2026-000162", basis: "erasure-prohibition-order", customerID: "c-77", indicator: nil, sources: ["nat-logs"],
                from: start.adding(seconds: -86_400), to: start, expires: nil, user: Self.agent, at: start)
            await #expect(throws: LegalError.self) { try await desk.move("LR-2026-000162", to: "released", user: Self.agent, at: start) }
            try await desk.move("LR-2026-000162", to: "released", user: Self.lead, at: start.adding(seconds: 3_600))
            let orderID = try #require(try await store.legalRequest(number: "LR-2026-000162")?.id)
            #expect(try await store.legalHolds(requestID: orderID).allSatisfy { $0.releasedAt != nil })
            #expect(try await desk.holdsInForce(user: Self.lead, at: start.adding(seconds: 7_200)).map(\.customer) == ["c-5"])
            _ = try await desk.createRequest(
                number: "LR-2026-000163", kind: .provisionOrder, externalReference: nil, parties: [], items: [],
                details: LegalRequestDetails(parentNumber: "LR-2026-000161"), user: Self.agent, at: start)
            for state in ["other-provider-named", "awaiting-petitioner-notice", "sender-info-provided", "closed"] {
                try await desk.move("LR-2026-000163", to: state, user: Self.agent, at: start)
            }
            #expect(try await desk.request("LR-2026-000163", user: Self.lead).request.parentNumber == "LR-2026-000161")

            _ = try await desk.createRequest(
                number: "LR-2026-000164", kind: .policeInquiry, externalReference: "捜査第1号", parties: [LegalParty(role: .police, name: "警視庁")],
                items: [PoliceInquiryItem(label: "契約者情報", itemClass: .subscriberData)], user: Self.agent, at: start)
            for state in ["verifying", "scoping", "awaiting-approval"] {
                try await desk.move("LR-2026-000164", to: state, user: Self.agent, at: start)
            }
            for state in ["answered", "declined", "withdrawn"] {
                await #expect(throws: LegalError.self, "\(state)") { try await desk.move("LR-2026-000164", to: state, user: Self.agent, at: start) }
            }
            try await desk.move("LR-2026-000164", to: "answered", user: Self.lead, at: start)
            try await desk.move("LR-2026-000164", to: "closed", user: Self.agent, at: start)
            await #expect(throws: LegalError.self) { try await desk.move("LR-2026-000164", to: "withdrawn", user: Self.agent, at: start) }
            // Nobody outside legal staff moves anything.
            await #expect(throws: LegalAccessDenied.self) {
                try await desk.move("LR-2026-000160", to: "released", user: LegalDeskStoreTests.admin, at: start)
            }
        }
    }

    /// Two imports of one claimant's list at once store each row once: the second either sees the first's rows or
    /// is refused by the store and runs again; a row stored behind a stale read is refused outright.
    @Test(arguments: TestStores.engines)
    func concurrentImportsOfOneClaimantStoreEachRowOnce(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let desk = try LegalDeskStoreTests().desk(store)
            let fixture = ClaimListFixture(rows: 300)
            let index = InventoryIndex(customers: fixture.customers, services: fixture.services, assignments: fixture.assignments)
            async let first = desk.importClaimList(
                fixture.csv, name: "list.csv", number: "LR-2026-000170", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], index: index, user: Self.lead, now: fixture.now)
            async let second = desk.importClaimList(
                fixture.xlsx, name: "list.xlsx", number: "LR-2026-000171", claimant: "Example Films", requesterShownAs: "R", rights: "著作権",
                items: ["氏名又は名称"], index: index, user: Self.agent, now: fixture.now)
            let (a, b) = try await (first, second)
            var owners: [String: Int] = [:]
            for number in ["LR-2026-000170", "LR-2026-000171"] {
                let id = try #require(try await store.legalRequest(number: number)?.id)
                for row in try await store.legalItems(requestID: id, offset: 0, limit: 10_000) where row.outcome != "duplicate" {
                    if let key = row.dedupeKey { owners[key, default: 0] += 1 }
                }
            }
            #expect(!owners.isEmpty && owners.values.allSatisfy { $0 == 1 }, "each row stored once across both requests")
            #expect((a.counts[.duplicate] ?? 0) + (b.counts[.duplicate] ?? 0) >= 300 - (a.counts[.invalid] ?? 0) - 1)

            // A request whose rows another import stored since its keys were read is refused, nothing stored.
            var stale: [LegalItemRow] = []
            for number in ["LR-2026-000170", "LR-2026-000171"] {
                let id = try #require(try await store.legalRequest(number: number)?.id)
                stale += try await store.legalItems(requestID: id, offset: 0, limit: 10_000).filter {
                    $0.outcome != "duplicate" && $0.outcome != "invalid" && $0.dedupeKey != nil
                }
            }
            stale = Array(stale.prefix(10))
            #expect(stale.count == 10)
            await #expect(throws: LegalDuplicateConflict.self) {
                try await store.createLegalRequest(
                    LegalRequestRow(
                        number: "LR-2026-000172", kind: "disclosure-request", state: "identifying", claimant: "Example Films",
                        receivedAt: fixture.now,
                        updatedAt: fixture.now, payload: "{}"), items: stale, deadlines: [], holds: [], actor: "test")
            }
            #expect(try await store.legalRequest(number: "LR-2026-000172") == nil)

            // A list with an unreadable row that still has a key (port 0) imports again without a false conflict.
            let list = Array(
                """
                No.,IPアドレス,ポート番号,日時,ハッシュ値
                1,192.0.2.44,0,2026-11-01 10:00:00,0123456789abcdef0123456789abcdef01234567
                2,192.0.2.45,51413,2026-11-01 10:00:01,0123456789abcdef0123456789abcdef01234567
                """.utf8)
            let once = try await desk.importClaimList(
                list, name: "small.csv", number: "LR-2026-000173", claimant: "Small Films", requesterShownAs: "R", rights: "著作権", items: ["氏名"],
                index: index, user: Self.lead, now: fixture.now)
            let twice = try await desk.importClaimList(
                list, name: "small.csv", number: "LR-2026-000174", claimant: "Small Films", requesterShownAs: "R", rights: "著作権", items: ["氏名"],
                index: index, user: Self.lead, now: fixture.now)
            #expect(once.rows == 2 && twice.rows == 2)
        }
    }
}
