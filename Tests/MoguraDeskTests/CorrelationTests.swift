import Foundation
import MoguraCore
import MoguraDesk
import MoguraStore
import MoguraTesting
import Testing

/// Correlation on both engines: grouping, windows, reopening, triage, replies, acknowledgements.
@Suite("Correlation", .serialized, .tags(.postgres))
struct CorrelationTests {
    static let account = Indicator.email(try! EmailAddress("info@example.jp"))
    static let web = Indicator.ip(try! IPAddress("203.0.113.7"))

    @Test(arguments: TestStores.engines)
    func aBurstAboutOneMailAccountIsOneCase(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let harness = try await DeskHarness(store: store)
            for number in 0..<500 {
                // 500 complaints from 250 people (two each).
                try await harness.report(.spam, [Self.account], reporter: "victim\(number % 250)@example.org")
            }
            let outcome = try await harness.correlate()
            #expect(outcome.reports == 500 && outcome.attached == 500 && outcome.casesOpened == 1 && outcome.triaged == 0)
            let cases = try await store.listCases(states: nil, track: nil, limit: 10)
            #expect(cases.count == 1)
            let kase = try #require(cases.first)
            #expect(kase.subject == .service("mail-1") && kase.customerID == "c1" && kase.category == .spam && kase.playbook == "default")
            #expect(try await store.reports(inCase: kase.id!).count == 500)
            let actions = try await store.actions(inCase: kase.id!)
            // One acknowledgement per reporter, and the first step of the ladder.
            #expect(actions.filter { $0.kind == .acknowledgeReporter }.count == 250)
            #expect(actions.filter { $0.step != nil }.map(\.kind) == [.notify])
            // Correlating again finds nothing new and plans nothing twice.
            #expect(try await harness.correlate().reports == 0)
            #expect(try await store.actions(inCase: kase.id!).count == 251)
        }
    }

    @Test(arguments: TestStores.engines)
    func theWindowDecidesBetweenJoiningAndOpening(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let harness = try await DeskHarness(store: store)
            try await harness.report(.spam, [Self.web])
            try await harness.correlate()
            harness.clock.advance(hours: 6 * 24)
            try await harness.report(.spam, [Self.web])
            try await harness.correlate()
            #expect(try await store.listCases(states: nil, track: nil, limit: 10).count == 1)  // within 7 days of the last update
            harness.clock.advance(hours: 7 * 24 + 1)
            try await harness.report(.spam, [Self.web])
            try await harness.correlate()
            let cases = try await store.listCases(states: nil, track: nil, limit: 10)
            #expect(cases.count == 2)
            // Another category about the same service is another case; another service is another case.
            try await harness.report(.phishing, [.url(try ReportedURL("https://shop.example.jp/login"))])
            try await harness.report(.spam, [.ip(try IPAddress("203.0.113.200"))])
            try await harness.correlate()
            let all = try await store.listCases(states: nil, track: nil, limit: 10)
            #expect(all.count == 4)
            #expect(Set(all.map(\.subject)) == [.service("s1"), .service("s2")])
        }
    }

    @Test(arguments: TestStores.engines)
    func aReportSoonAfterResolutionReopens(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let harness = try await DeskHarness(store: store)
            try await harness.report(.spam, [Self.web])
            try await harness.correlate()
            let kase = try #require(try await store.listCases(states: nil, track: nil, limit: 1).first)
            try await harness.desk.resolve(case: kase.id!, by: "cli:staff", approveResume: false, at: harness.clock.now())
            harness.clock.advance(hours: 10 * 24)
            try await harness.report(.spam, [Self.web])
            let outcome = try await harness.correlate()
            #expect(outcome.casesReopened == 1 && outcome.casesOpened == 0)
            let reopened = try #require(try await store.case(kase.id!))
            #expect(reopened.state == .triaged && reopened.resolvedAt != nil)
            #expect(try await store.reports(inCase: kase.id!).count == 2)
            // Resolved again, then a report after the reopen period opens a new case.
            try await harness.desk.resolve(case: kase.id!, by: "cli:staff", approveResume: false, at: harness.clock.now())
            harness.clock.advance(hours: 15 * 24)
            try await harness.report(.spam, [Self.web])
            #expect(try await harness.correlate().casesOpened == 1)
        }
    }

    @Test(arguments: TestStores.engines)
    func reportsNoOneOwnsGoToTriageWithTheReason(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let harness = try await DeskHarness(store: store)
            try await harness.report(.other, [], format: "unparsed", parseError: "header section longer than 262144 bytes")
            try await harness.report(.other, [Self.web])
            try await harness.report(.spam, [.ip(try IPAddress("8.8.8.8"))])
            try await harness.report(.spam, [])
            try await harness.report(.scanning, [.ip(try IPAddress("198.51.100.7"))])  // CGNAT without a port
            try await harness.report(.scanning, [.ipPort(try IPAddress("198.51.100.7"), port: 1500)])  // with one: s2
            let outcome = try await harness.correlate()
            #expect(outcome.triaged == 5 && outcome.attached == 1)
            let reasons = try await store.triageReports(limit: 10).map(\.reason).sorted()
            #expect(
                reasons == [
                    "nat-ambiguous: a shared (CGNAT) address without a source port", "no-indicators", "unattributed", "unclassified",
                    "unparsed: header section longer than 262144 bytes",
                ])
            #expect(try await store.listCases(states: nil, track: nil, limit: 10).map(\.subject) == [.service("s2")])
        }
    }

    @Test(arguments: TestStores.engines)
    func legalTrackCasesRunNoPlaybook(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let harness = try await DeskHarness(store: store)
            try await harness.report(.copyright, [.url(try ReportedURL("https://shop.example.jp/movie.mp4"))])
            try await harness.correlate()
            let kase = try #require(try await store.listCases(states: nil, track: .legal, limit: 1).first)
            #expect(kase.track == .legal && kase.playbook == nil)
            #expect(try await store.actions(inCase: kase.id!).isEmpty)
        }
    }

    @Test(arguments: TestStores.engines)
    func feedsAndMachinesAreNotAcknowledged(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let harness = try await DeskHarness(store: store)
            try await harness.report(.scanning, [Self.web], reporter: "feeds@shadowserver.example", format: "shadowserver", channel: .feed)
            try await harness.report(.spam, [Self.web], reporter: "fbl@isp.example", format: "arf")
            try await harness.report(.spam, [Self.web], reporter: "abuse@example.net")  // the desk's own address
            try await harness.report(.spam, [Self.web], reporter: "person@example.org")
            try await harness.correlate()
            var acknowledged: [String] = []
            for kase in try await store.listCases(states: nil, track: nil, limit: 10) {
                acknowledged += try await store.actions(inCase: kase.id!).filter { $0.kind == .acknowledgeReporter }.compactMap(\.target)
            }
            let reports = try await store.reports(
                inCase: try await store.listCases(states: nil, track: nil, limit: 10).first { $0.category == .spam }!.id!)
            let person = try #require(reports.first { $0.reporter == "person@example.org" })
            #expect(acknowledged == ["report:\(person.id!)"])
        }
    }
}
