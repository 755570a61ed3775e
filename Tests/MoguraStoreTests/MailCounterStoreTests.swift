import Logging
import MoguraCore
import MoguraStore
import MoguraTesting
import NIOConcurrencyHelpers
import Testing

@testable import MoguraMail

/// The milter's counters in the store, on both engines: two milter processes share their counts through it, a
/// restarted one carries on from what it wrote, and a store that does not answer puts the milter into its failure
/// mode without holding up decisions.
@Suite("Mail counters in the store")
struct MailCounterStoreTests {
    static let limits = MailLimits(messagesPerHour: 5, messagesPerDay: nil, recipientsPerHour: nil, recipientsPerDay: nil, action: .tempfail)

    static func message(_ account: String) -> MilterMessageRecord {
        var record = MilterMessageRecord(
            account: account, authenticated: true, clientAddress: "198.51.100.7", clientName: "", helo: "h", sender: account)
        record.recipients = ["someone@example.org", "other@example.net"]
        return record
    }

    static func sync(_ accounting: MailAccounting, node: String, store: SQLStore?) -> MailCounterSync {
        MailCounterSync(
            accounting: accounting, node: node, interval: .milliseconds(50), timeout: .seconds(5), store: { store },
            logger: TestStores.logger)
    }

    @Test(arguments: TestStores.engines)
    func twoMilterProcessesShareTheirCountsAndARestartCarriesOn(_ engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store in
            let mx1 = MailAccounting(limits: Self.limits)
            let mx2 = MailAccounting(limits: Self.limits)
            for _ in 0..<2 { _ = mx1.atEndOfMessage(Self.message("alice@example.jp")) }
            for _ in 0..<2 { _ = mx2.atEndOfMessage(Self.message("alice@example.jp")) }
            // One round each way: mx1 writes, mx2 writes and reads mx1's, mx1 reads mx2's.
            let progress1 = MailCounterSync.Progress()
            let progress2 = MailCounterSync.Progress()
            await Self.sync(mx1, node: "mx1", store: store).round(progress1)
            await Self.sync(mx2, node: "mx2", store: store).round(progress2)
            await Self.sync(mx1, node: "mx1", store: store).round(progress1)
            #expect(mx1.storeReachable && mx2.storeReachable)
            #expect(mx1.counts(for: "alice@example.jp")?.hour.totalMessages == 4)
            #expect(mx2.counts(for: "alice@example.jp")?.hour.totalMessages == 4)
            #expect(mx2.counts(for: "alice@example.jp")?.day.totalRecipients == 8)
            #expect(mx1.atMail(Self.message("alice@example.jp")) == .continue, "4 of 5 across both: one more may pass")
            _ = mx1.atEndOfMessage(Self.message("alice@example.jp"))
            #expect(mx1.atMail(Self.message("alice@example.jp")) != .continue, "the sixth message across both would be over 5")
            await Self.sync(mx1, node: "mx1", store: store).round(progress1)
            await Self.sync(mx2, node: "mx2", store: store).round(progress2)
            #expect(mx2.atMail(Self.message("alice@example.jp")) != .continue, "mx2 enforces what mx1 counted")

            // mx1 restarts: a new process with the same node name takes back its 3 messages.
            let restarted = MailAccounting(limits: Self.limits)
            _ = restarted.atEndOfMessage(Self.message("alice@example.jp"))
            await Self.sync(restarted, node: "mx1", store: store).round(MailCounterSync.Progress())
            #expect(restarted.counts(for: "alice@example.jp")?.hour.messages == 4, "3 before the restart + 1 since")
            #expect(restarted.counts(for: "alice@example.jp")?.hour.totalMessages == 6, "and mx2's 2")
            let own = try await store.mailCounters(of: "mx1", windowsFrom: Timestamp(microseconds: 0))
            #expect(own.filter { $0.window == .hour }.map(\.messages) == [4], "written back as one absolute row")
        }
    }

    @Test(arguments: TestStores.engines)
    func aDayAlreadyWrittenBecomesTheBaselineAfterARestart(_ engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store in
            let now = Timestamp.now()
            let today = now.microseconds - now.microseconds % 86_400_000_000
            let earlier = (1...4).map { days in
                MailCounterRow(
                    account: "shop@example.jp", window: .day, start: Timestamp(microseconds: today - Int64(days) * 86_400_000_000),
                    messages: 10, recipients: 10, bounces: 0)
            }
            try await store.saveMailCounters(node: "mx1", rows: earlier, at: now)
            let breaches = BreachBox()
            let accounting = MailAccounting(
                limits: MailLimits(messagesPerHour: nil, messagesPerDay: nil, recipientsPerHour: nil, recipientsPerDay: nil),
                detectors: MailDetectors(
                    clientAddressesPerHour: nil, similarBodyRecipientsPerHour: nil, baselineFactor: 3, baselineMinimum: 20, lowAndSlowDays: nil),
                onBreach: breaches.append)
            await Self.sync(accounting, node: "mx1", store: store).round(MailCounterSync.Progress())
            for _ in 0..<31 { _ = accounting.atEndOfMessage(Self.message("shop@example.jp")) }
            #expect(breaches.measures == ["above-baseline"], "four stored days of 10 make 31 today stand out")
            try await store.pruneMailCounters(before: Timestamp(microseconds: today))
            #expect(try await store.mailCounters(of: "mx1", windowsFrom: Timestamp(microseconds: 0)).allSatisfy { $0.start.microseconds >= today })
        }
    }

    /// A store whose every call hangs, like a database behind a dead network path.
    struct HungStore: MailCounterStore {
        func saveMailCounters(node: String, rows: [MailCounterRow], at time: Timestamp) async throws { try await Self.hang() }
        func mailCounters(
            otherThan node: String, changedSince: Timestamp, windowsFrom: Timestamp
        ) async throws -> [(
            node: String, row: MailCounterRow
        )] {
            try await Self.hang()
            return []
        }
        func mailCounters(of node: String, windowsFrom: Timestamp) async throws -> [MailCounterRow] {
            try await Self.hang()
            return []
        }
        func pruneMailCounters(before time: Timestamp) async throws { try await Self.hang() }
        static func hang() async throws { try await Task.sleep(for: .seconds(3_600)) }
    }

    @Test func aStoreThatHangsMakesTheMilterFailAsConfiguredWithoutWaitingAndRecovers() async throws {
        let accounting = MailAccounting(limits: Self.limits, failureMode: .closed)
        let hung = MailCounterSync(
            accounting: accounting, node: "mx1", interval: .milliseconds(50), timeout: .milliseconds(200), store: { HungStore() },
            logger: TestStores.logger)
        let progress = MailCounterSync.Progress()
        let started = ContinuousClock.now
        await hung.round(progress)
        // The hung call lasts an hour; the round gives up after 0.2 s. (The bound is wide because a loaded test run can
        // keep the task pool from waking the round for many seconds; what it shows is that the round did not wait.)
        #expect(ContinuousClock.now - started < .seconds(300), "the round gives up after its timeout, not when the call ends")
        #expect(!accounting.storeReachable)
        #expect(accounting.atMail(Self.message("alice@example.jp")) != .continue, "closed: tempfail while the store hangs")
        await hung.round(progress)
        #expect(!accounting.storeReachable, "no second call piles onto the hung one")

        let down = MailCounterSync(
            accounting: accounting, node: "mx1", interval: .milliseconds(50), timeout: .seconds(1), store: { nil }, logger: TestStores.logger)
        await down.round(MailCounterSync.Progress())
        #expect(!accounting.storeReachable, "a store that is not open counts as unreachable")

        try await TestStores.withStore(.sqlite) { store in
            await Self.sync(accounting, node: "mx1", store: store).round(MailCounterSync.Progress())
            #expect(accounting.storeReachable, "the next round that succeeds clears it")
            #expect(accounting.atMail(Self.message("alice@example.jp")) == .continue)
        }
    }
}

final class BreachBox: Sendable {
    private let breaches = NIOLockedValueBox<[MailLimitBreach]>([])
    var measures: [String] { breaches.withLockedValue { $0.map(\.measure) } }
    var append: @Sendable (MailLimitBreach) -> Void { { breach in self.breaches.withLockedValue { $0.append(breach) } } }
}
