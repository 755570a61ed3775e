import ArgumentParser
import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraStore

/// The desk configuration file; shared by the commands that correlate, act or manage cases.
struct DeskOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The desk configuration (YAML; env MOGURA_CONFIG). Without one, the built-in playbooks run and mail goes to the outbox folder in the data directory. See docs/mogura.example.yml.",
            valueName: "file"))
    var configPath: String?

    /// The configuration file in force, if any.
    var path: String? {
        configPath ?? ProcessInfo.processInfo.environment["MOGURA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Loads the configuration, with the outbox placed in the data directory when none is named.
    func load(store: StoreConfiguration) throws -> DeskConfiguration {
        var configuration: DeskConfiguration
        if let path {
            do {
                configuration = try DeskConfiguration.load(path: path)
            } catch let error as DeskConfigurationError {
                throw CommandError(error.description)
            }
        } else {
            configuration = DeskConfiguration()
        }
        if case .outbox(let directory) = configuration.mail.transport, directory.isEmpty {
            switch store {
            case .sqlite(let data): configuration.mail.transport = .outbox(directory: (data as NSString).appendingPathComponent("outbox"))
            case .postgres: configuration.mail.transport = .outbox(directory: "./mogura-outbox")
            }
        }
        return configuration
    }
}

/// Builds the desk's parts from a configuration.
struct DeskParts {
    let configuration: DeskConfiguration
    let store: any Store

    func correlator() -> Correlator {
        Correlator(
            store: store, inventory: InventoryCache(store: store), policy: configuration.correlation, playbooks: configuration.playbooks,
            planner: Planner(maxAttempts: configuration.workers.maxAttempts), ownAddresses: [configuration.notices.fromAddress])
    }

    func runner(worker: String, logger: Logger, clock: any DeskClock = SystemClock()) throws -> ActionRunner {
        let composer: NoticeComposer
        do {
            composer = try NoticeComposer(settings: configuration.notices)
        } catch {
            throw CommandError("\(error)")
        }
        return ActionRunner(
            store: store, configuration: configuration, composer: composer, mail: ActionRunner.mailSender(for: configuration.mail),
            connectors: ActionRunner.connectors(for: configuration), clock: clock, worker: worker, logger: logger)
    }

    func caseDesk() -> CaseDesk {
        CaseDesk(store: store, playbooks: configuration.playbooks, maxAttempts: configuration.workers.maxAttempts)
    }
}

/// This process's name in job leases: host and process id.
enum WorkerName {
    static var current: String { "\(ProcessInfo.processInfo.hostName):\(getpid())" }
}
