import ArgumentParser
import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraLegal
import MoguraMail
import MoguraStore
import MoguraWeb
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Mogura's long-running services: the web server, the LMTP listener for abuse@ mail and the desk's workers.",
        discussion: """
            The services run under one service group and stop gracefully on SIGTERM or SIGINT: the LMTP listener,             the correlation worker (new reports into cases, playbooks planned) and the action worker (due notices,             warnings, suspensions and resumes carried out through the connectors in --config). Run more `mogura             serve` processes against one PostgreSQL database to share the work; each action runs once.

            LMTP: point your MTA's delivery for abuse@ at the listener (docs/lmtp.md has the Postfix lines). Each \
            message is stored before it is acknowledged: 250 comes after the commit, 451 if storing failed (the MTA \
            keeps the message and retries). A message delivered twice is stored once.

            Examples:
              mogura serve                                  # web on 127.0.0.1:8080, LMTP on 127.0.0.1:2424, SQLite in ./mogura-data
              mogura serve --http 127.0.0.1:0               # the web server on a free port, printed on start
              mogura serve --lmtp unix:/run/mogura/lmtp.sock
              mogura serve --lmtp 127.0.0.1:0               # a free port, printed on start
              mogura serve --config /etc/mogura/mogura.yml --database postgres://mogura@db/mogura
              mogura serve --lmtp off                       # workers only
            """)

    @Flag(name: .customLong("no-workers"), help: "Run no correlation or action workers (intake only).")
    var noWorkers = false

    @Option(
        name: .customLong("lmtp"),
        help: ArgumentHelp(
            "Where the LMTP listener listens: host:port, unix:/path/to/socket, or off.", valueName: "address"))
    var lmtp = "127.0.0.1:2424"

    @Option(
        name: .customLong("http"),
        help: ArgumentHelp(
            "Where the web server listens: host:port, or off (default: web.listen in --config, else 127.0.0.1:8080).", valueName: "address"))
    var http: String?

    @Option(name: .customLong("hostname"), help: ArgumentHelp("The host name in greetings.", valueName: "name"))
    var hostname = ProcessInfo.processInfo.hostName

    @Option(name: .customLong("max-message-size"), help: ArgumentHelp("The largest message accepted, in bytes.", valueName: "bytes"))
    var maximumMessageBytes = 64 * 1024 * 1024

    @OptionGroup var zone: ZoneOption
    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if lmtp != "off" { _ = try Self.address(lmtp) }
        if let http, http != "off" {
            do { _ = try WebServer.address(http) } catch { throw ValidationError("--http \(http): expected host:port or off") }
        }
    }

    /// A listener address: `unix:/path`, or `host:port` (read by the same parser as the web server's).
    /// - Parameter option: the option it came from, for the error.
    static func address(_ text: String, option: String = "--lmtp") throws -> LMTPServer.Address {
        if text.hasPrefix("unix:") { return .unixSocket(path: String(text.dropFirst(5))) }
        guard let (host, port) = try? WebServer.address(text) else {
            throw ValidationError(
                "\(option) \(text): expected host:port (port 0 for any free port) or unix:/path\(option == "--lmtp" ? ", or off" : "")")
        }
        return .tcp(host: host, port: port)
    }

    func run() async throws {
        var logger = logging.makeLogger()
        if logging.level == .warning { logger.logLevel = .notice }
        let configuration = try store.configuration()
        var deskConfiguration = try desk.load(store: configuration)
        if let http { deskConfiguration.web.listen = http }
        let database = try await StoreFactory.open(configuration, logger: logger)
        let storeService = StoreService(store: database)
        var services: [any ServiceLifecycle.Service] = [storeService]
        if !noWorkers {
            let parts = DeskParts(configuration: deskConfiguration, store: database)
            let ready: @Sendable () async -> Void = { await storeService.waitUntilReady() }
            services.append(
                CorrelationWorker(
                    correlator: parts.correlator(), clock: SystemClock(), settings: deskConfiguration.workers, logger: logger, ready: ready))
            services.append(ActionWorker(runner: try parts.runner(worker: WorkerName.current, logger: logger), logger: logger, ready: ready))
            services.append(
                LegalDeadlineWatcher(
                    desk: try LegalCommand.desk(database), interval: Double(deskConfiguration.legal.watchInterval), logger: logger, ready: ready,
                    alert: LegalAlerts.mailer(deskConfiguration)))
        }
        if lmtp != "off" {
            let pipeline = IngestPipeline(
                intake: Intake(options: IntakeOptions(timestampParser: try zone.parser())), store: database, actor: "lmtp",
                replies: ReplyMatcher(replyTo: deskConfiguration.notices.replyTo))
            services.append(
                LMTPServer(
                    address: try Self.address(lmtp), sink: MigratedSink(pipeline: pipeline, ready: storeService), logger: logger, hostname: hostname,
                    maximumMessageBytes: maximumMessageBytes,
                    onListening: { address in
                        // Written straight to the file descriptor: scripts and tests wait for this line.
                        FileHandle.standardOutput.write(Data("mogura serve: LMTP listening on \(address) (\(configuration))\n".utf8))
                    },
                    faultPoint: { FaultPoints.hit($0) }))
        }
        if deskConfiguration.web.listen != "off" {
            let intake = Intake(options: IntakeOptions(timestampParser: try zone.parser()))
            let listen = deskConfiguration.web.listen
            services.append(
                WebService(store: storeService, configuration: deskConfiguration, intake: intake, logger: logger) { port in
                    let host = (try? WebServer.address(listen).0) ?? "127.0.0.1"
                    FileHandle.standardOutput.write(Data("mogura serve: web listening on http://\(host):\(port)/\n".utf8))
                })
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
        logger.notice("stopped")
    }
}

/// Runs the store's background work and applies migrations before anything uses it.
final class StoreService: ServiceLifecycle.Service, @unchecked Sendable {
    let store: SQLStore
    private let migrated: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(store: SQLStore) {
        self.store = store
        (migrated, continuation) = AsyncStream.makeStream()
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.store.run() }
            try await self.store.migrate()
            continuation.finish()
            try await gracefulShutdown()
            group.cancelAll()
        }
    }

    /// Returns once migrations are applied.
    func waitUntilReady() async {
        for await _ in migrated {}
    }
}

/// The web server, started once the store is migrated (it keeps its signing key in the store).
struct WebService: ServiceLifecycle.Service {
    let store: StoreService
    let configuration: DeskConfiguration
    let intake: Intake
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    init(
        store: StoreService, configuration: DeskConfiguration, intake: Intake, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) {
        self.store = store
        self.configuration = configuration
        self.intake = intake
        self.logger = logger
        self.onListening = onListening
    }

    func run() async throws {
        await store.waitUntilReady()
        let server = try await WebServer(store: store.store, configuration: configuration, intake: intake, logger: logger)
        try await server.service(onListening: onListening).run()
    }
}

/// Holds submissions until the store is migrated.
struct MigratedSink: ReportSink {
    let pipeline: IngestPipeline
    let ready: StoreService

    func submit(_ raw: [UInt8], source: String, channel: ReportChannel) async throws -> ReportReceipt {
        await ready.waitUntilReady()
        return try await pipeline.submit(raw, source: source, channel: channel)
    }
}
