public import Logging
public import ServiceLifecycle

/// Correlates new reports into cases as they arrive, as a service under `mogura serve`.
public struct CorrelationWorker: ServiceLifecycle.Service {
    public var correlator: Correlator
    public var clock: any DeskClock
    public var settings: WorkerSettings
    public var logger: Logger
    /// Waits until the store is ready (migrated) before the first batch.
    public var ready: @Sendable () async -> Void

    /// Creates a worker.
    public init(
        correlator: Correlator, clock: any DeskClock, settings: WorkerSettings, logger: Logger, ready: @escaping @Sendable () async -> Void = {}
    ) {
        self.correlator = correlator
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        await ready()
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var idle = true
            do {
                let outcome = try await correlator.run(limit: settings.correlationBatch, now: clock.now())
                failures = 0
                if outcome.reports > 0 {
                    idle = outcome.reports < settings.correlationBatch
                    logger.info(
                        "correlated",
                        metadata: [
                            "reports": "\(outcome.reports)", "attached": "\(outcome.attached)", "triaged": "\(outcome.triaged)",
                            "replies": "\(outcome.replies)", "opened": "\(outcome.casesOpened)", "reopened": "\(outcome.casesReopened)",
                            "planned": "\(outcome.actionsPlanned)",
                        ])
                }
            } catch {
                failures += 1
                logger.error("correlation failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
            }
            let pause = settings.pollInterval * Double(min(failures + 1, 30))
            if idle { try? await cancelWhenGracefulShutdown { try await clock.sleep(seconds: pause) } }
        }
    }
}

/// Runs due actions, as a service under `mogura serve`. On shutdown it stops claiming and lets the actions it
/// holds finish.
public struct ActionWorker: ServiceLifecycle.Service {
    public var runner: ActionRunner
    public var logger: Logger
    public var ready: @Sendable () async -> Void

    /// Creates a worker.
    public init(runner: ActionRunner, logger: Logger, ready: @escaping @Sendable () async -> Void = {}) {
        self.runner = runner
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        await ready()
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var claimed = 0
            do {
                claimed = try await runner.runDue()
                failures = 0
            } catch {
                failures += 1
                logger.error("claiming actions failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
            }
            if claimed == 0 {
                let pause = runner.configuration.workers.pollInterval * Double(min(failures + 1, 30))
                try? await cancelWhenGracefulShutdown { try await runner.clock.sleep(seconds: pause) }
            }
        }
    }
}
