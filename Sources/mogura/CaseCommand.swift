import ArgumentParser
import Foundation
import MoguraCore
import MoguraDesk
import MoguraStore

struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "List, inspect and decide cases: approve steps, resolve, send back, close.",
        discussion: """
            A case is one subject (a service of yours) with one category, and the reports and actions that belong to \
            it. Its playbook plans steps (notify, warn, suspend, …); steps marked for approval wait for \
            `mogura case approve`. A customer's reply moves a case to review; staff then resolve it (planning the \
            resume of a suspended service) or send it back to the ladder.

            Examples:
              mogura case list                      # open cases, newest activity first
              mogura case list --state review
              mogura case show 12
              mogura case approve 57                # approve action 57
              mogura case resolve 12 --approve-resume
              mogura case triage                    # reports no case took
            """,
        subcommands: [
            CaseListCommand.self, CaseShowCommand.self, CaseApproveCommand.self, CaseResolveCommand.self, CaseSendBackCommand.self,
            CaseCloseCommand.self, CaseTriageCommand.self,
        ])
}

/// A case state as a command-line value.
struct CaseStateArgument: ExpressibleByArgument {
    var state: CaseState

    init?(argument: String) {
        guard let state = CaseState(rawValue: argument) else { return nil }
        self.state = state
    }

    static var allValueStrings: [String] { CaseState.allCases.map(\.rawValue) }
}

enum CaseFormat {
    static func line(_ kase: Case) -> String {
        let id = String(kase.id ?? 0).leftPadded(6)
        let state = kase.state.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
        let category = kase.category.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)
        let subject = kase.subject.description.padding(toLength: 22, withPad: " ", startingAt: 0)
        let deadline = kase.deadline.map { "  deadline \($0)" } ?? ""
        return "\(id)  \(state)\(category)\(subject)\(kase.customerID ?? "-")  updated \(kase.updatedAt)\(deadline)"
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

struct CaseListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List cases, newest activity first (open ones unless --state or --all).")

    @Option(name: .customLong("state"), help: ArgumentHelp("Only cases in this state (repeatable).", valueName: "state"))
    var states: [CaseStateArgument] = []

    @Flag(name: .customLong("all"), help: "Include resolved and closed cases.")
    var all = false

    @Option(name: .customLong("limit"), help: "At most this many.")
    var limit = 100

    @Option(name: .customLong("format"), help: ArgumentHelp("text or json (one case per line).", valueName: "format"))
    var format: OutputFormat = .text

    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let filter: [CaseState]? = !states.isEmpty ? states.map(\.state) : all ? nil : CaseState.allCases.filter(\.isOpen)
        let cases = try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { database in
            try await database.listCases(states: filter, track: nil, limit: limit)
        }
        switch format {
        case .json:
            for kase in cases { print(CaseFormat.json(kase)) }
        case .text:
            if cases.isEmpty {
                print("No cases\(filter == nil ? "" : " in \(filter!.map(\.rawValue).joined(separator: ", "))").")
                return
            }
            print("  case  state            category           subject               customer")
            for kase in cases { print(CaseFormat.line(kase)) }
        }
    }
}

struct CaseShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a case with its reports and actions.")

    @Argument(help: "The case number.") var id: Int64

    @Option(name: .customLong("format"), help: ArgumentHelp("text or json.", valueName: "format"))
    var format: OutputFormat = .text

    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    struct Shown: Encodable {
        var `case`: Case
        var reports: [Report]
        var actions: [Action]
    }

    func run() async throws {
        let shown = try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { database -> Shown? in
            guard let kase = try await database.case(id) else { return nil }
            return Shown(case: kase, reports: try await database.reports(inCase: id), actions: try await database.actions(inCase: id))
        }
        guard let shown else { throw CommandError("there is no case \(id)") }
        if format == .json {
            print(CaseFormat.json(shown))
            return
        }
        let kase = shown.case
        print("Case \(id): \(kase.category.rawValue) (\(kase.category.title.japanese)), \(kase.track == .legal ? "legal track" : "terms of service")")
        print("  state     \(kase.state.rawValue)")
        print("  subject   \(kase.subject)\(kase.customerID.map { ", customer \($0)" } ?? "")")
        print("  opened    \(kase.openedAt)   updated \(kase.updatedAt)")
        if let deadline = kase.deadline { print("  deadline  \(deadline)") }
        if let playbook = kase.playbook { print("  playbook  \(playbook)") }
        print("  token     \(kase.token)")
        print("\nReports (\(shown.reports.count)):")
        for report in shown.reports.prefix(50) {
            let indicators = report.indicators.prefix(3).map(\.description).joined(separator: ", ")
            print(
                "  #\(report.id ?? 0)  \(report.receivedAt)  \(report.format)  \(report.reporter ?? "-")  \(report.subject.prefix(60))  [\(indicators)]"
            )
        }
        if shown.reports.count > 50 { print("  … and \(shown.reports.count - 50) more") }
        print("\nActions (\(shown.actions.count)):")
        for action in shown.actions {
            var line =
                "  #\(action.id ?? 0)  \(action.kind.rawValue.padding(toLength: 21, withPad: " ", startingAt: 0))\(action.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) due \(action.dueAt)"
            if action.requiresApproval {
                line += action.approvedBy.map { "  approved by \($0)" } ?? "  NEEDS APPROVAL (mogura case approve \(action.id ?? 0))"
            }
            if action.attempts > 0 { line += "  attempts \(action.attempts)" }
            if let result = action.result { line += "  → \(result)" }
            if let error = action.lastError, action.state != .done { line += "  ! \(error)" }
            print(line)
        }
    }
}

struct CaseApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve an action that waits for a person (it runs when due).")

    @Argument(help: "The action number (from mogura case show).") var action: Int64
    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let approved = try await DeskAction.run(desk: desk, store: store, logging: logging) { caseDesk in
            try await caseDesk.approve(
                action: action, by: CommandActor.current, at: .now())
        }
        print("Approved action \(action) (\(approved.kind.rawValue)) of case \(approved.caseID); it runs when due (\(approved.dueAt)).")
    }
}

struct CaseResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve a case; a suspended service gets a resume action.",
        discussion: """
            Planned steps are skipped. If the service was suspended, a resume action is planned: approved at once \
            with --approve-resume, automatically if the playbook has auto_resume, otherwise waiting for \
            `mogura case approve`. A new report about the same subject within the reopen period reopens the case.
            """)

    @Argument(help: "The case number.") var id: Int64
    @Flag(name: .customLong("approve-resume"), help: "Approve resuming the suspended service now.") var approveResume = false
    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let (_, resume) = try await DeskAction.run(desk: desk, store: store, logging: logging) { caseDesk in
            try await caseDesk.resolve(case: id, by: CommandActor.current, approveResume: approveResume, at: .now())
        }
        print("Resolved case \(id).")
        if let resume {
            print(
                resume.isRunnable
                    ? "Resume planned (action \(resume.id ?? 0)); it runs now."
                    : "Resume planned (action \(resume.id ?? 0)); approve it with: mogura case approve \(resume.id ?? 0)")
        }
    }
}

struct CaseSendBackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-back", abstract: "Send a case in review back to its playbook (the fix did not hold).")

    @Argument(help: "The case number.") var id: Int64
    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let kase = try await DeskAction.run(desk: desk, store: store, logging: logging) { caseDesk in
            try await caseDesk.sendBack(case: id, by: CommandActor.current, at: .now())
        }
        print("Case \(id) is \(kase.state.rawValue) again; its playbook continues.")
    }
}

struct CaseCloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "close", abstract: "Close a case for good (no reopening).")

    @Argument(help: "The case number.") var id: Int64
    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        _ = try await DeskAction.run(desk: desk, store: store, logging: logging) { caseDesk in
            try await caseDesk.close(case: id, by: CommandActor.current, at: .now())
        }
        print("Closed case \(id).")
    }
}

struct CaseTriageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage", abstract: "List reports that no case took (unparsed, unclassified, unattributed), with the reason.")

    @Option(name: .customLong("limit"), help: "At most this many.") var limit = 100
    @Option(name: .customLong("format"), help: ArgumentHelp("text or json.", valueName: "format")) var format: OutputFormat = .text
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    struct Row: Encodable {
        var report: Report
        var reason: String
    }

    func run() async throws {
        let rows = try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { database in
            try await database.triageReports(limit: limit).map { Row(report: $0.report, reason: $0.reason) }
        }
        if format == .json {
            for row in rows { print(CaseFormat.json(row)) }
            return
        }
        if rows.isEmpty { print("Nothing waits in triage.") }
        for row in rows {
            let indicators = row.report.indicators.prefix(3).map(\.description).joined(separator: ", ")
            print("#\(row.report.id ?? 0)  \(row.reason)  \(row.report.category.rawValue)  \(row.report.subject.prefix(60))  [\(indicators)]")
        }
    }
}

/// One staff decision from the command line: opens the store, builds the case desk from the configuration, and
/// turns the desk's refusals into command errors.
enum DeskAction {
    static func run<T: Sendable>(
        desk: DeskOptions, store: StoreOptions, logging: LoggingOptions, _ body: @escaping @Sendable (CaseDesk) async throws -> T
    ) async throws -> T {
        let storeConfiguration = try store.configuration()
        let configuration = try desk.load(store: storeConfiguration)
        return try await StoreFactory.withStore(storeConfiguration, logger: logging.makeLogger()) { database in
            do {
                return try await body(DeskParts(configuration: configuration, store: database).caseDesk())
            } catch let refusal as CaseDesk.Refusal {
                throw CommandError(refusal.message)
            }
        }
    }
}
