public import Logging
public import MoguraCore
public import ServiceLifecycle

/// The deadline watch as a service under `mogura serve`: every `interval` seconds it raises due reminders and
/// escalates missed deadlines (``LegalDesk/watchDeadlines(now:actor:)``), logging each — a miss as a warning for the
/// legal lead — and stops on graceful shutdown.
public struct LegalDeadlineWatcher: ServiceLifecycle.Service {
    public var desk: LegalDesk
    public var interval: Double
    public var logger: Logger
    public var now: @Sendable () -> Timestamp
    /// Waits until the store is ready (migrated) before the first pass.
    public var ready: @Sendable () async -> Void
    /// Told each pass's events (reminders and misses), e.g. to mail the legal team; a failure is logged, the events
    /// stay in the log and the audit chain.
    public var alert: (@Sendable ([String], Timestamp) async throws -> Void)?

    public init(
        desk: LegalDesk, interval: Double = 300, logger: Logger, now: @escaping @Sendable () -> Timestamp = { .now() },
        ready: @escaping @Sendable () async -> Void = {}, alert: (@Sendable ([String], Timestamp) async throws -> Void)? = nil
    ) {
        self.desk = desk
        self.interval = interval
        self.logger = logger
        self.now = now
        self.ready = ready
        self.alert = alert
    }

    public func run() async throws {
        await ready()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let time = now()
                let (_, events) = try await desk.watchDeadlines(now: time)
                for line in events {
                    if line.hasPrefix("MISSED") { logger.warning("\(line)") } else { logger.notice("\(line)") }
                }
                if let alert, !events.isEmpty {
                    do { try await alert(events, time) } catch {
                        logger.error("the deadline alert could not be sent", metadata: ["error": "\(error)"])
                    }
                }
            } catch {
                logger.error("the deadline watch failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(interval * 1_000))) }
        }
    }
}
