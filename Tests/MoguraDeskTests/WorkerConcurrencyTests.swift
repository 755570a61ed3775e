import Foundation
import MoguraCore
import MoguraDesk
import MoguraStore
import MoguraTesting
import NIOConcurrencyHelpers
import Testing

/// Records every call by idempotency key: the provider's side, counting how often each action arrives.
final class KeyRecorder: ActionConnector {
    private let seen = NIOLockedValueBox<[String: Int]>([:])
    private let byWorker = NIOLockedValueBox<[String: Int]>([:])
    let worker: String

    init(worker: String = "") {
        self.worker = worker
    }

    func perform(_ event: ActionEvent) async throws -> String {
        seen.withLockedValue { $0[event.idempotencyKey, default: 0] += 1 }
        return "recorded"
    }

    var counts: [String: Int] { seen.withLockedValue { $0 } }
}

@Suite("Workers sharing one database", .serialized, .tags(.postgres))
struct WorkerConcurrencyTests {
    /// Two workers, each with its own connection pool (as two processes would have), drain 10,000 due actions
    /// from one PostgreSQL database: every action runs exactly once, none is lost.
    @Test(.enabled(if: TestEnvironment.runsPostgres, "needs the PostgreSQL cluster scripts/test starts"))
    func twoWorkersRunTenThousandActionsEachOnce() async throws {
        let database = try await TestStores.createPostgresDatabase()
        let recorder = KeyRecorder()
        let total = 10_000
        try await StoreFactory.withStore(.postgres(url: database.url), logger: TestStores.logger) { first in
            try await StoreFactory.withStore(.postgres(url: database.url), logger: TestStores.logger) { second in
                var harness = try await DeskHarness(store: first)
                harness.configuration.workers.concurrency = 16
                harness.configuration.playbooks = PlaybookSet([])  // only the bulk actions run
                let now = harness.clock.now()
                let planner = Planner(maxAttempts: 3)
                // 2,000 cases with 5 due actions each, 100 cases per transaction.
                for batch in 0..<20 {
                    try await first.transaction { transaction in
                        for caseNumber in (batch * 100)..<(batch * 100 + 100) {
                            let kase = try await transaction.insertCase(
                                Case(track: .termsOfService, category: .spam, subject: .service("s\(caseNumber)"), openedAt: now), actor: "test")
                            for number in 0..<(total / 2_000) {
                                try await planner.plan(
                                    PlannedAction(kind: .blockMail, dueAt: now, idempotencyKey: "bulk:\(caseNumber):\(number)"), caseID: kase.id!,
                                    in: transaction)
                            }
                        }
                    }
                }
                let one = try harness.runner(mail: CapturingMail(), connectors: [.blockMail: recorder], worker: "worker-1")
                var otherHarness = harness
                otherHarness = try await DeskHarness(store: second, clock: harness.clock, configuration: harness.configuration)
                let two = try otherHarness.runner(mail: CapturingMail(), connectors: [.blockMail: recorder], worker: "worker-2")
                async let ranByOne = harness.runActions(one)
                async let ranByTwo = otherHarness.runActions(two)
                let (a, b) = try await (ranByOne, ranByTwo)
                #expect(a + b == total)
                #expect(a > 0 && b > 0, "both workers should have taken a share: \(a) and \(b)")
            }
        }
        let counts = recorder.counts
        #expect(counts.count == total)
        #expect(counts.values.allSatisfy { $0 == 1 }, "some actions ran more than once: \(counts.filter { $0.value > 1 }.prefix(5))")
        try await StoreFactory.withStore(.postgres(url: database.url), logger: TestStores.logger) { store in
            let open = try await store.listCases(states: nil, track: nil, limit: 10_000)
            var done = 0
            for kase in open { done += try await store.actions(inCase: kase.id!).filter { $0.state == .done && $0.attempts == 1 }.count }
            #expect(done == total)
        }
    }
}
