import ArgumentParser
import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraMail
import MoguraResolve
import MoguraStore
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

struct MilterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milter",
        abstract: "Run the milter: count every message every account sends, and hold back floods while they happen.",
        discussion: """
            Postfix and sendmail connect to it for every SMTP session and every local submission (docs/milter.md \
            has their configuration). Per account — the SASL login, or for mail submitted through sendmail(1) the \
            envelope sender — it counts messages, recipients, recipient domains and connecting addresses per hour \
            and per day. When an account crosses a limit it files a report (compromised-account for a SASL login, \
            form-abuse for local submission) into the desk, once per window, and applies the action: tempfail the \
            account's next messages at MAIL (SASL), hold them in the MTA's hold queue (local submission, or \
            --action quarantine), reject them, or only report.

            Detectors report without stopping mail: one SASL login used from many client addresses or countries \
            (stolen credentials; countries need --origins), one near-identical body to many recipients (an abused \
            contact form), a day far above the account's own baseline, low-and-slow spam (a steady few hundred a \
            day to mostly new recipients in many domains, several days in a row), and a surge of bounces to the \
            account.

            The milter decides from its own memory and never waits on the database. Every --sync-interval it \
            writes its counters to the store and reads those of other milter processes (several mail servers \
            sharing one PostgreSQL share their limits, at most about one interval stale); after a restart it \
            carries on from what it wrote. While the store does not answer (--store-timeout), it fails open \
            (decides from its own counts) or closed (tempfails authenticated mail and holds local submission), as \
            --on-store-failure says, and logs the change both ways.

            Examples:
              mogura milter                                     # 127.0.0.1:8891, default limits, tempfail
              mogura milter --listen unix:/var/spool/postfix/mogura/milter.sock
              mogura milter --messages-per-hour 200 --recipients-per-hour 500 --action quarantine \\
                            --allow newsletter@example.jp
            """)

    @Option(name: .customLong("listen"), help: ArgumentHelp("host:port, or unix:/path/to/socket.", valueName: "address"))
    var listen = "127.0.0.1:8891"

    @Option(help: "Messages per account per hour before the action (0: no limit).") var messagesPerHour = 500
    @Option(help: "Messages per account per day (0: no limit).") var messagesPerDay = 2_000
    @Option(help: "Recipients per account per hour (0: no limit).") var recipientsPerHour = 1_000
    @Option(help: "Recipients per account per day (0: no limit).") var recipientsPerDay = 5_000

    @Option(help: ArgumentHelp("What to do over a limit: tempfail, quarantine, reject or report.", valueName: "action"))
    var action = "tempfail"

    @Option(name: .customLong("allow"), help: ArgumentHelp("An account never limited (repeat for several).", valueName: "account"))
    var allowlist: [String] = []

    @Option(help: "Report a SASL account used from more client addresses than this in an hour (0: off).") var clientsPerHour = 10
    @Option(help: "Report one near-identical body sent to more recipients than this in an hour (0: off).") var similarPerHour = 50
    @Option(help: "Report a day above this many times the account's average day of the last week (0: off).") var baselineFactor = 5.0
    @Option(help: "Report a SASL account used from more countries than this in an hour (needs --origins; 0: off).") var countriesPerHour = 2
    @Option(help: "Report more bounces to an account than this in an hour (0: off).") var bouncesPerHour = 50
    @Option(help: "Report low-and-slow spam after this many days in a row (0: off).") var lowAndSlowDays = 3
    @Option(help: "Low-and-slow: at least this many recipients a day, mostly new, in many domains.") var lowAndSlowRecipients = 100

    @Option(
        help: ArgumentHelp(
            "An IP-to-country/ASN CSV file (network,country[,asn[,as name]]; docs/milter.md).", valueName: "file"))
    var origins: String?

    @Option(help: ArgumentHelp("This process's name in the shared counters (default: host name and --listen).", valueName: "name"))
    var node: String?
    @Option(help: "Seconds between writing counters to the store and reading other milters' counters.") var syncInterval = 5.0
    @Option(help: "Seconds a synchronisation may take before the store counts as unreachable.") var storeTimeout = 3.0
    @Option(help: ArgumentHelp("While the store is unreachable: open (decide from own counts) or closed (tempfail/hold).", valueName: "mode"))
    var onStoreFailure = "open"

    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try ServeCommand.address(listen, option: "--listen")
        guard MailLimits.Action(rawValue: action) != nil else {
            throw ValidationError("--action is one of \(MailLimits.Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for value in [messagesPerHour, messagesPerDay, recipientsPerHour, recipientsPerDay] where value < 0 {
            throw ValidationError("limits are 0 (none) or more")
        }
        guard MailStoreFailureMode(rawValue: onStoreFailure) != nil else { throw ValidationError("--on-store-failure is open or closed") }
        guard syncInterval > 0, storeTimeout > 0 else { throw ValidationError("--sync-interval and --store-timeout are seconds above 0") }
    }

    func run() async throws {
        var logger = logging.makeLogger()
        if logging.level == .warning { logger.logLevel = .notice }
        let link = StoreLink(configuration: try store.configuration(), logger: logger)
        let table = try origins.map { path in
            let table = try IPOriginTable(contentsOf: path)
            logger.info("IP-to-country file read", metadata: ["file": "\(path)", "networks": "\(table.count)"])
            return table
        }
        func limit(_ value: Int) -> Int? { value == 0 ? nil : value }
        let limits = MailLimits(
            messagesPerHour: limit(messagesPerHour), messagesPerDay: limit(messagesPerDay), recipientsPerHour: limit(recipientsPerHour),
            recipientsPerDay: limit(recipientsPerDay), action: MailLimits.Action(rawValue: action) ?? .tempfail, allowlist: Set(allowlist))
        let detectors = MailDetectors(
            clientAddressesPerHour: limit(clientsPerHour), clientCountriesPerHour: table == nil ? nil : limit(countriesPerHour),
            similarBodyRecipientsPerHour: limit(similarPerHour), baselineFactor: baselineFactor == 0 ? nil : baselineFactor,
            lowAndSlowDays: limit(lowAndSlowDays), lowAndSlowRecipients: lowAndSlowRecipients, bouncesPerHour: limit(bouncesPerHour))
        let reportLogger = logger
        let accounting = MailAccounting(
            limits: limits, detectors: detectors, failureMode: MailStoreFailureMode(rawValue: onStoreFailure) ?? .open,
            origin: { address in table?.lookup(address) },
            onBreach: { breach in
                reportLogger.warning(
                    breach.isLimit ? "account over its sending limit" : "suspicious sending",
                    metadata: [
                        "account": "\(breach.account)", "window": "\(breach.window)", "measure": "\(breach.measure)", "limit": "\(breach.limit)",
                        "messages": "\(breach.counts.messages)", "recipients": "\(breach.counts.recipients)", "action": "\(breach.action.rawValue)",
                    ])
                Task {
                    let store = await link.ready()
                    do {
                        try await MilterReports.file(breach, pipeline: IngestPipeline(intake: Intake(), store: store, actor: "milter"))
                    } catch {
                        reportLogger.error("the breach report could not be stored", metadata: ["account": "\(breach.account)", "error": "\(error)"])
                    }
                }
            })
        let server = MilterServer(
            address: try ServeCommand.address(listen, option: "--listen"), policy: accounting, logger: logger,
            onListening: { address in FileHandle.standardOutput.write(Data("mogura milter: listening on \(address)\n".utf8)) })
        let sync = MailCounterSync(
            accounting: accounting, node: node ?? "\(ProcessInfo.processInfo.hostName)/\(listen)",
            interval: .milliseconds(Int64(syncInterval * 1000)), timeout: .milliseconds(Int64(storeTimeout * 1000)),
            store: { link.current() }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [link, server, sync], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The store for a process that must run while the database is down: opened and migrated in the background,
/// retried with back-off until it answers, and shut down at the end.
final class StoreLink: ServiceLifecycle.Service, Sendable {
    let configuration: StoreConfiguration
    let logger: Logger
    private let store = NIOLockedValueBox<SQLStore?>(nil)
    private let opened: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(configuration: StoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        (opened, continuation) = AsyncStream.makeStream()
    }

    /// The store, or nil while it is not open.
    func current() -> SQLStore? { store.withLockedValue { $0 } }

    /// The store once it is open.
    func ready() async -> SQLStore {
        for await _ in opened {}
        return store.withLockedValue { $0 }!
    }

    /// Runs `operation`, or returns nil as soon as the process is told to stop (leaving the operation to end on its
    /// own).
    static func unlessStopping<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
        let (results, continuation) = AsyncStream<Result<T, any Error>?>.makeStream()
        Task {
            do {
                continuation.yield(.success(try await operation()))
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        return try await withTaskCancellationOrGracefulShutdownHandler {
            for await result in results {
                if let result { return try result.get() }
            }
            return nil
        } onCancelOrGracefulShutdown: {
            continuation.yield(nil)
            continuation.finish()
        }
    }

    func run() async throws {
        var delay = 1.0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let database: SQLStore
            do {
                // A database that hangs must not hold up a stop: the attempt is left to end on its own.
                let configuration = self.configuration
                let logger = self.logger
                guard let opened = try await Self.unlessStopping({ try await StoreFactory.open(configuration, logger: logger) }) else { return }
                database = opened
            } catch {
                logger.error("the store cannot be opened; retrying", metadata: ["error": "\(error)", "in": "\(Int(delay)) s"])
                let pause = delay
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(pause * 1000))) }
                delay = min(delay * 2, 30)
                continue
            }
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await database.run() }
                    defer { group.cancelAll() }
                    guard try await Self.unlessStopping({ try await database.migrate() }) != nil else { return }
                    store.withLockedValue { $0 = database }
                    continuation.finish()
                    logger.notice("store open", metadata: ["store": "\(configuration)"])
                    try await gracefulShutdown()
                }
                await database.shutdown()
                return
            } catch {
                await database.shutdown()
                if Task.isShuttingDownGracefully { return }
                logger.error("the store cannot be migrated; retrying", metadata: ["error": "\(error)", "in": "\(Int(delay)) s"])
                let pause = delay
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(pause * 1000))) }
                delay = min(delay * 2, 30)
            }
        }
    }
}

/// Breaches as reports in the desk's pipeline.
enum MilterReports {
    /// A stable hash of the account for the report's Message-ID (the same breach files one report).
    static func fnv(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static func headline(_ breach: MailLimitBreach) -> String {
        switch breach.measure {
        case "client-addresses": "was used from more than \(breach.limit) client addresses in an hour (stolen credentials?)"
        case "similar-body": "sent one near-identical body to more than \(breach.limit) recipients in an hour (an abused form or a mass mailer?)"
        case "above-baseline": "sent more than \(breach.limit) messages today, far above its usual day"
        case "client-countries": "was used from more than \(breach.limit) countries in an hour (stolen credentials?)"
        case "low-and-slow": "has sent to \(breach.limit) or more mostly new recipients a day, several days in a row (low-and-slow spam?)"
        case "bounces": "received more than \(breach.limit) bounces in an hour (its mail is being refused)"
        default: "crossed the \(breach.window)ly limit of \(breach.limit) \(breach.measure)"
        }
    }

    static func file(_ breach: MailLimitBreach, pipeline: IngestPipeline) async throws {
        let category: MoguraCore.Category =
            breach.measure == "similar-body" && !breach.authenticated ? .formAbuse : breach.authenticated ? .compromisedAccount : .formAbuse
        let counts = breach.counts
        let text = """
            Mogura milter: \(breach.account) \(Self.headline(breach)).
            In the \(breach.window) from \(counts.start): \(counts.totalMessages) messages to \(counts.totalRecipients) recipients \
            (\(counts.newRecipients) new) in \(counts.recipientDomains.count) domains, from \(counts.clientAddresses.count) client addresses \
            in \(counts.clientCountries.count) countries; \(counts.totalBounces) bounces.
            Submission: \(breach.authenticated ? "SASL login" : "local (sendmail binary)"). Action: \(breach.action.rawValue).
            Client addresses: \(counts.clientAddresses.sorted().prefix(20).joined(separator: ", "))
            Countries: \(counts.clientCountries.sorted().joined(separator: ", ")) Networks: \(counts.clientNetworks.sorted().joined(separator: ", "))
            Sample recipients: \(counts.sampleRecipients.joined(separator: ", "))
            Sample subjects: \(counts.sampleSubjects.joined(separator: " | "))
            """
        let raw = Array(
            """
            From: mogura-milter@localhost\r
            Subject: \(breach.isLimit ? "Sending limit crossed by" : "Suspicious sending by") \(breach.account)\r
            Message-ID: <milter.\(breach.window).\(breach.measure).\(counts.start.microseconds).\(fnv(breach.account))@mogura.invalid>\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            \(text.replacingOccurrences(of: "\n", with: "\r\n"))\r

            """.utf8)
        _ = try await pipeline.ingest(raw, source: "milter", channel: .detector) { draft in
            var draft = draft
            draft.category = category
            draft.track = .termsOfService
            draft.confidence = 1
            draft.reporter = nil
            draft.eventTime = breach.at
            let account: Indicator = (try? EmailAddress(breach.account)).map { .email($0) } ?? .account(breach.account)
            draft.indicators = [account]
            draft.evidence["messages"] = String(counts.totalMessages)
            draft.evidence["recipients"] = String(counts.totalRecipients)
            draft.evidence["new_recipients"] = String(counts.newRecipients)
            draft.evidence["bounces"] = String(counts.totalBounces)
            draft.evidence["countries"] = counts.clientCountries.sorted().joined(separator: " ")
            draft.evidence["measure"] = breach.measure
            draft.evidence["recipient_domains"] = String(counts.recipientDomains.count)
            draft.evidence["client_addresses"] = counts.clientAddresses.sorted().joined(separator: " ")
            draft.evidence["window"] = breach.window
            return draft
        }
    }
}
