import ArgumentParser
import Foundation
import MoguraCore
import MoguraDesk
import MoguraStore

struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Correlate waiting reports into cases and run the actions that are due, once, then exit.",
        discussion: """
            What `mogura serve` does continuously, done once: every report not yet correlated joins a case (or opens \
            one, or goes to triage), each case's playbook plans its next step, and every action due now runs \
            through its connector — notices by mail (to the relay, or the outbox folder when none is configured), \
            suspensions and the like by webhook or command. Use it from cron, or to see what the desk would do.

            Examples:
              mogura work                         # correlate, then run due actions
              mogura work --config /etc/mogura/mogura.yml --database postgres://…
              mogura work --no-actions            # correlate and plan only
            """)

    @Flag(name: .customLong("no-actions"), help: "Correlate and plan, but run no actions.")
    var noActions = false

    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let storeConfiguration = try store.configuration()
        let configuration = try desk.load(store: storeConfiguration)
        let logger = logging.makeLogger()
        try await StoreFactory.withStore(storeConfiguration, logger: logger) { database in
            let parts = DeskParts(configuration: configuration, store: database)
            let outcome = try await parts.correlator().drain(batch: configuration.workers.correlationBatch, now: { Timestamp.now() })
            print(
                "Correlated \(outcome.reports) report(s): \(outcome.attached) into cases (\(outcome.casesOpened) opened, \(outcome.casesReopened) reopened), \(outcome.replies) customer repl\(outcome.replies == 1 ? "y" : "ies"), \(outcome.triaged) to triage; \(outcome.actionsPlanned) action(s) planned."
            )
            guard !noActions else { return }
            let runner = try parts.runner(worker: WorkerName.current, logger: logger)
            var ran = 0
            while true {
                let claimed = try await runner.runDue(limit: 50)
                ran += claimed
                if claimed == 0 { break }
            }
            print("Ran \(ran) action attempt(s) that were due. See them with: mogura case list")
        }
    }
}
