import ArgumentParser
import Foundation
import Logging
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraMail
import MoguraStore
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

            The milter decides from its own memory, so mail keeps flowing when the database is slow or down; a \
            report that cannot be stored is logged. Counters do not yet survive a restart.

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
    }

    func run() async throws {
        var logger = logging.makeLogger()
        if logging.level == .warning { logger.logLevel = .notice }
        let configuration = try store.configuration()
        let database = try await StoreFactory.open(configuration, logger: logger)
        let storeService = StoreService(store: database)
        let pipeline = IngestPipeline(intake: Intake(), store: database, actor: "milter")
        func limit(_ value: Int) -> Int? { value == 0 ? nil : value }
        let limits = MailLimits(
            messagesPerHour: limit(messagesPerHour), messagesPerDay: limit(messagesPerDay), recipientsPerHour: limit(recipientsPerHour),
            recipientsPerDay: limit(recipientsPerDay), action: MailLimits.Action(rawValue: action) ?? .tempfail, allowlist: Set(allowlist))
        let reportLogger = logger
        let accounting = MailAccounting(
            limits: limits,
            onBreach: { breach in
                reportLogger.warning(
                    "account over its sending limit",
                    metadata: [
                        "account": "\(breach.account)", "window": "\(breach.window)", "measure": "\(breach.measure)", "limit": "\(breach.limit)",
                        "messages": "\(breach.counts.messages)", "recipients": "\(breach.counts.recipients)", "action": "\(breach.action.rawValue)",
                    ])
                Task {
                    await storeService.waitUntilReady()
                    do {
                        try await MilterReports.file(breach, pipeline: pipeline)
                    } catch {
                        reportLogger.error("the breach report could not be stored", metadata: ["account": "\(breach.account)", "error": "\(error)"])
                    }
                }
            })
        let server = MilterServer(
            address: try ServeCommand.address(listen, option: "--listen"), policy: accounting, logger: logger,
            onListening: { address in FileHandle.standardOutput.write(Data("mogura milter: listening on \(address)\n".utf8)) })
        let group = ServiceGroup(
            configuration: .init(services: [storeService, server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
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
        default: "crossed the \(breach.window)ly limit of \(breach.limit) \(breach.measure)"
        }
    }

    static func file(_ breach: MailLimitBreach, pipeline: IngestPipeline) async throws {
        let category: MoguraCore.Category =
            breach.measure == "similar-body" && !breach.authenticated ? .formAbuse : breach.authenticated ? .compromisedAccount : .formAbuse
        let counts = breach.counts
        let text = """
            Mogura milter: \(breach.account) \(Self.headline(breach)).
            In the \(breach.window) from \(counts.start): \(counts.messages) messages to \(counts.recipients) recipients in \
            \(counts.recipientDomains.count) domains, from \(counts.clientAddresses.count) client addresses.
            Submission: \(breach.authenticated ? "SASL login" : "local (sendmail binary)"). Action: \(breach.action.rawValue).
            Client addresses: \(counts.clientAddresses.sorted().prefix(20).joined(separator: ", "))
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
            draft.evidence["messages"] = String(counts.messages)
            draft.evidence["recipients"] = String(counts.recipients)
            draft.evidence["recipient_domains"] = String(counts.recipientDomains.count)
            draft.evidence["client_addresses"] = counts.clientAddresses.sorted().joined(separator: " ")
            draft.evidence["window"] = breach.window
            return draft
        }
    }
}
