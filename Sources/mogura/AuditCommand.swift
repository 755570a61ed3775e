import ArgumentParser
import MoguraCore
import MoguraStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit chain.",
        subcommands: [AuditVerifyCommand.self])
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute every hash in the audit chain and name any event that was altered, removed or added.",
        discussion: """
            Each audit event carries the SHA-256 of the one before it. Editing, deleting or inserting an event \
            outside Mogura breaks the chain at that event, and verify names it. Exit status: 0 when the chain is \
            intact, 1 when it is not.

            Record the printed head hash somewhere outside Mogura (a ticket, a notarised log): someone with full \
            database access could rewrite the whole chain, but not make it end at a hash you recorded earlier.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let configuration = try store.configuration()
        let result = try await StoreFactory.withStore(configuration, logger: logging.makeLogger()) { store in
            try await store.verifyAuditChain()
        }
        if result.isIntact {
            print("audit chain intact: \(result.eventsChecked) event\(result.eventsChecked == 1 ? "" : "s"), head \(result.headHash.hex)")
        } else {
            for problem in result.problems { print(problem.description) }
            print("audit chain BROKEN: \(result.problems.count) problem(s) in \(result.eventsChecked) events (\(configuration))")
            throw ExitCode(1)
        }
    }
}
