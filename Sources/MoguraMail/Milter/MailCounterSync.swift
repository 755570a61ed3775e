public import Logging
public import MoguraCore
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// Keeps the milter's counters in the store and shares them between milter processes.
///
/// Every `interval` it writes the accounts that changed (each process its own absolute counts, so a repeated
/// write is harmless) and reads the rows other processes wrote since the last time; the first successful round
/// after a start reads this process's own rows back first, so the counts carry on over a restart. Decisions
/// never wait on it: a round that fails or takes longer than `timeout` marks the store unreachable, which puts the
/// accounting into its ``MailStoreFailureMode`` and is logged, and the next round that succeeds clears it. Counts
/// from other processes are therefore at most about one interval old while the store answers.
public struct MailCounterSync: ServiceLifecycle.Service {
    let accounting: MailAccounting
    let node: String
    let interval: Duration
    let timeout: Duration
    let store: @Sendable () async -> (any MailCounterStore)?
    let clock: @Sendable () -> Timestamp
    let logger: Logger

    /// - Parameters:
    ///   - accounting: the counters.
    ///   - node: this process's name in the store (default in `mogura milter`: host name and listen address); a
    ///     restarted process must use the same one to carry on its counts.
    ///   - interval: between rounds.
    ///   - timeout: a round taking longer than this counts as the store being unreachable.
    ///   - store: the store, or nil while it is not open yet.
    public init(
        accounting: MailAccounting, node: String, interval: Duration = .seconds(5), timeout: Duration = .seconds(3),
        store: @escaping @Sendable () async -> (any MailCounterStore)?, clock: @escaping @Sendable () -> Timestamp = { .now() },
        logger: Logger
    ) {
        self.accounting = accounting
        self.node = node
        self.interval = interval
        self.timeout = timeout
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// What the rounds remember.
    final class Progress: Sendable {
        struct Value {
            var restored = false
            var lastRead: Timestamp?
            var lastPrune: Timestamp?
            var running = false
        }
        let value = NIOLockedValueBox(Value())
    }

    public func run() async throws {
        let progress = Progress()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await round(progress)
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        // A last write of what changed, so a clean stop loses nothing.
        if progress.value.withLockedValue({ !$0.running && $0.restored }) { await round(progress) }
    }

    /// One round, given at most `timeout`; the store call itself may go on (a hung connection) and no new round
    /// starts until it ends.
    func round(_ progress: Progress) async {
        let alreadyRunning = progress.value.withLockedValue { value in
            defer { value.running = true }
            return value.running
        }
        if alreadyRunning {
            setReachable(false, reason: "the previous synchronisation has not finished after \(timeout)")
            return
        }
        let outcome = NIOLockedValueBox<Result<Void, any Error>?>(nil)
        let (finished, continuation) = AsyncStream<Void>.makeStream()
        Task {
            let result: Result<Void, any Error>
            do {
                try await exchange(progress)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            outcome.withLockedValue { $0 = result }
            progress.value.withLockedValue { $0.running = false }
            continuation.yield()
            continuation.finish()
        }
        let deadline = Task {
            try? await Task.sleep(for: timeout)
            continuation.finish()
        }
        for await _ in finished { break }
        deadline.cancel()
        switch outcome.withLockedValue({ $0 }) {
        case .success: setReachable(true, reason: "")
        case .failure(let error): setReachable(false, reason: "\(error)")
        case nil: setReachable(false, reason: "the store did not answer within \(timeout)")
        }
    }

    private func exchange(_ progress: Progress) async throws {
        guard let store = await store() else { throw MailCounterSyncError("the store is not open yet") }
        let now = clock()
        let today = MailAccounting.dayStart(now)
        if !progress.value.withLockedValue({ $0.restored }) {
            let own = try await store.mailCounters(of: node, windowsFrom: Timestamp(microseconds: today.microseconds - 8 * 86_400_000_000))
            accounting.restore(own)
            progress.value.withLockedValue { $0.restored = true }
            logger.notice("mail counters restored", metadata: ["rows": "\(own.count)", "node": "\(node)"])
        }
        let rows = accounting.takeChangedRows()
        do {
            try await store.saveMailCounters(node: node, rows: rows, at: now)
        } catch {
            accounting.markChanged(rows.map(\.account))
            throw error
        }
        // Read back a margin before the last read: other processes' clocks and commits may lag ours.
        let since = progress.value.withLockedValue { $0.lastRead }.map { Timestamp(microseconds: $0.microseconds - 60_000_000) } ?? today
        accounting.merge(try await store.mailCounters(otherThan: node, changedSince: since, windowsFrom: today))
        progress.value.withLockedValue { $0.lastRead = now }
        let prune = progress.value.withLockedValue { value in
            guard (value.lastPrune.map { now.microseconds - $0.microseconds > 3_600_000_000 }) ?? true else { return false }
            value.lastPrune = now
            return true
        }
        if prune { try await store.pruneMailCounters(before: Timestamp(microseconds: today.microseconds - 9 * 86_400_000_000)) }
    }

    private func setReachable(_ reachable: Bool, reason: String) {
        let was = accounting.storeReachable
        accounting.storeReachable = reachable
        guard was != reachable else { return }
        if reachable {
            logger.notice("mail counter store reachable again; limits count every process's mail")
        } else {
            let mode = accounting.failureMode
            logger.error(
                "mail counter store unreachable: failing \(mode.rawValue)",
                metadata: [
                    "reason": "\(reason)",
                    "meaning": mode == .open
                        ? "deciding from this process's own counts; mail flows"
                        : "tempfailing authenticated submission and holding local submission until the store answers",
                ])
        }
    }
}

/// Why a synchronisation round failed.
public struct MailCounterSyncError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
