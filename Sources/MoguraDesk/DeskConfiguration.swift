import Foundation
public import MoguraCore
import Yams

/// The desk's settings: how reports group into cases, the playbooks, how notices are written and sent, which
/// connector carries out each action, and how workers run. Read from a YAML file (`mogura serve --config`);
/// `docs/mogura.example.yml` is a commented example and `docs/configuration.md` lists every key.
public struct DeskConfiguration: Sendable {
    /// Grouping of reports into cases.
    public var correlation: CorrelationPolicy
    /// The playbooks in force.
    public var playbooks: PlaybookSet
    /// How notices look.
    public var notices: NoticeSettings
    /// How mail leaves.
    public var mail: MailSettings
    /// The connector for each action kind that is not a mail (suspend, resume, reset-password, block-mail, …).
    public var connectors: [ActionKind: ConnectorSettings]
    /// Worker timing.
    public var workers: WorkerSettings
    /// The web server: desk UI, customer portal, report form, API.
    public var web: WebSettings = WebSettings()
    /// The legal track's deadline watch.
    public var legal: LegalSettings = LegalSettings()

    /// Creates a configuration; every part has a default.
    public init(
        correlation: CorrelationPolicy = CorrelationPolicy(), playbooks: PlaybookSet = .builtIn, notices: NoticeSettings = NoticeSettings(),
        mail: MailSettings = MailSettings(), connectors: [ActionKind: ConnectorSettings] = [:], workers: WorkerSettings = WorkerSettings()
    ) {
        self.correlation = correlation
        self.playbooks = playbooks
        self.notices = notices
        self.mail = mail
        self.connectors = connectors
        self.workers = workers
    }

    /// The action kinds carried out by mail rather than a connector.
    public static let mailKinds: Set<ActionKind> = [.notify, .warn, .acknowledgeReporter]

    /// Reads a configuration file.
    /// - Throws: ``DeskConfigurationError`` naming the file, the key and what is wrong.
    public static func load(path: String) throws -> DeskConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DeskConfigurationError(source: path, key: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: path, relativeTo: (path as NSString).deletingLastPathComponent)
    }

    /// Parses configuration text.
    /// - Parameters:
    ///   - yaml: the text.
    ///   - source: the file name, for errors.
    ///   - base: the directory relative paths in the file are relative to.
    public static func parse(yaml: String, source: String, relativeTo base: String = ".") throws -> DeskConfiguration {
        let file: ConfigurationFile
        do {
            file = try YAMLDecoder().decode(ConfigurationFile.self, from: yaml.isEmpty ? "{}" : yaml)
        } catch let error as DecodingError {
            throw DeskConfigurationError(decoding: error, source: source)
        } catch {
            throw DeskConfigurationError(source: source, key: "", message: "not valid YAML: \(error)")
        }
        return try file.configuration(source: source, base: base)
    }
}

/// A mistake in the configuration file.
public struct DeskConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file.
    public var source: String
    /// The key at fault, e.g. `playbooks[0].steps[1].after`.
    public var key: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(source: String, key: String, message: String) {
        self.source = source
        self.key = key
        self.message = message
    }

    init(decoding error: DecodingError, source: String) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(into: "") { text, key in
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(source: source, key: path(context.codingPath + [key]), message: "this key is required")
        case .typeMismatch(let type, let context):
            self.init(source: source, key: path(context.codingPath), message: "expected \(Self.describe(type)); \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            self.init(source: source, key: path(context.codingPath), message: "expected \(Self.describe(type)), found nothing")
        case .dataCorrupted(let context):
            self.init(source: source, key: path(context.codingPath), message: context.debugDescription)
        @unknown default:
            self.init(source: source, key: "", message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: "\(type)".contains("Array") ? "a list" : "\(type)".contains("Dictionary") ? "a mapping" : "\(type)"
        }
    }

    public var description: String {
        key.isEmpty ? "\(source): \(message)" : "\(source): \(key): \(message)"
    }
}

/// How notices are addressed and written.
public struct NoticeSettings: Sendable, Hashable {
    /// The From header, e.g. `Example Abuse Desk <abuse@example.net>`.
    public var from: String
    /// The Reply-To address; `{token}` is replaced by the case token, so a reply finds its case.
    public var replyTo: String
    /// The right-hand side of Message-IDs.
    public var messageIDDomain: String
    /// The provider's name, shown in notices.
    public var organization: String
    /// A directory of operator-edited templates (`notify.ja.mustache`, …); built-in ones fill the gaps.
    public var templatesDirectory: String?
    /// The language for customers whose language has no template.
    public var defaultLanguage: String
    /// At most this many reports are excerpted in a notice.
    public var evidenceLimit: Int
    /// Characters of each report's text excerpted.
    public var excerptCharacters: Int

    /// Creates settings.
    public init(
        from: String = "Abuse Desk <abuse@example.net>", replyTo: String = "abuse+{token}@example.net", messageIDDomain: String = "example.net",
        organization: String = "Example Hosting", templatesDirectory: String? = nil, defaultLanguage: String = "ja", evidenceLimit: Int = 5,
        excerptCharacters: Int = 600
    ) {
        self.from = from
        self.replyTo = replyTo
        self.messageIDDomain = messageIDDomain
        self.organization = organization
        self.templatesDirectory = templatesDirectory
        self.defaultLanguage = defaultLanguage
        self.evidenceLimit = evidenceLimit
        self.excerptCharacters = excerptCharacters
    }

    /// The envelope sender and header address inside ``from``.
    public var fromAddress: String {
        if let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close {
            return String(from[from.index(after: open)..<close])
        }
        return from.trimmingCharacters(in: .whitespaces)
    }

    /// The Reply-To for a case.
    public func replyTo(token: String) -> String {
        replyTo.replacingOccurrences(of: "{token}", with: token)
    }
}

/// How outgoing mail is sent.
public struct MailSettings: Sendable, Hashable {
    /// Where mail goes.
    public enum Transport: Sendable, Hashable {
        /// SMTP to a relay.
        case smtp(host: String, port: Int)
        /// Written as `.eml` files to a directory (no relay configured: for a first look and for dry runs). An empty
        /// directory means `outbox` in the data directory.
        case outbox(directory: String)
    }

    /// Whether STARTTLS is used.
    public enum StartTLS: String, Sendable, Hashable, CaseIterable {
        /// When the relay offers it (the default).
        case opportunistic
        /// Always; a relay that does not offer it is an error.
        case required
        /// Never.
        case off
    }

    public var transport: Transport
    public var startTLS: StartTLS
    /// PEM file of trusted certificates for the relay (default: the system's).
    public var caFile: String?
    /// Whether the relay's certificate and name are checked.
    public var verifyCertificate: Bool
    /// The name in EHLO.
    public var heloName: String
    /// Seconds a whole delivery may take.
    public var timeout: Int64

    /// Creates settings; the default writes to `outbox` in the data directory.
    public init(
        transport: Transport = .outbox(directory: ""), startTLS: StartTLS = .opportunistic, caFile: String? = nil,
        verifyCertificate: Bool = true, heloName: String = "localhost", timeout: Int64 = 60
    ) {
        self.transport = transport
        self.startTLS = startTLS
        self.caFile = caFile
        self.verifyCertificate = verifyCertificate
        self.heloName = heloName
        self.timeout = timeout
    }
}

/// How an action kind reaches the provider's systems.
public enum ConnectorSettings: Sendable, Hashable {
    /// An HTTPS (or HTTP) POST with a signed JSON body (docs/connectors.md).
    case webhook(url: String, secret: String, timeout: Int64, headers: [String: String])
    /// A program run with argv (no shell), the action as JSON on stdin and in `MOGURA_*` variables.
    case command(argv: [String], timeout: Int64)
}

/// The legal track's deadline watch: how often it runs under `mogura serve`, and who is mailed its reminders and
/// escalations.
public struct LegalSettings: Sendable, Hashable {
    /// Addresses mailed each pass's reminders and missed deadlines (the legal team's list); empty: log and audit only.
    public var alertsTo: [String] = []
    /// Seconds between passes under `mogura serve`.
    public var watchInterval: Int64 = 300

    public init(alertsTo: [String] = [], watchInterval: Int64 = 300) {
        self.alertsTo = alertsTo
        self.watchInterval = watchInterval
    }
}

/// How the web server (desk UI, customer portal, public report form, JSON API) runs.
public struct WebSettings: Sendable, Hashable {
    /// Where it listens, `host:port` (`off` for no web server).
    public var listen: String = "127.0.0.1:8080"
    /// The address customers and reporters reach it at, for links in notices (e.g. `https://abuse.example.net`).
    public var publicURL: String = "http://127.0.0.1:8080"
    /// Seconds a staff login lasts.
    public var sessionLifetime: Int64 = 12 * 3_600
    /// Whether cookies carry `Secure` (default: when the public URL is https).
    public var secureCookies: Bool?
    /// Seconds a portal link in a notice stays valid.
    public var portalLinkLifetime: Int64 = 30 * 86_400
    /// Answers a customer may give per case per day through the portal.
    public var portalAnswersPerDay: Int = 5
    /// Reports one address may submit through the public form per hour.
    public var formReportsPerHour: Int = 10
    /// Leading zero bits of the form's proof of work (0: off; 16 costs a browser well under a second).
    public var proofOfWorkBits: Int = 0
    /// Failed logins per account or address before logins are refused for the window.
    public var loginAttempts: Int = 5
    /// Seconds of the failed-login window.
    public var loginWindow: Int64 = 15 * 60
    /// The zone times are shown in (IANA name).
    public var timeZone: String = "UTC"
    /// Client prefixes allowed to read `/metrics`.
    public var metricsFrom: [String] = ["127.0.0.0/8", "::1/128"]

    public init() {}

    /// Whether cookies get `Secure`.
    public var cookiesAreSecure: Bool { secureCookies ?? publicURL.lowercased().hasPrefix("https://") }
}

/// How the workers run.
public struct WorkerSettings: Sendable, Hashable {
    /// Seconds between polls for due work when nothing wakes the worker.
    public var pollInterval: Double
    /// Seconds a worker holds a claimed action; another worker may take it over after that. Longer than any
    /// connector's timeout.
    public var lease: Int64
    /// Reports correlated per transaction.
    public var correlationBatch: Int
    /// Actions run at once per worker.
    public var concurrency: Int
    /// Attempts before an action fails for good.
    public var maxAttempts: Int
    /// The first retry delay in seconds; it doubles each attempt up to ``maxRetryDelay``.
    public var retryDelay: Int64
    /// The longest retry delay in seconds.
    public var maxRetryDelay: Int64

    /// Creates settings.
    public init(
        pollInterval: Double = 1, lease: Int64 = 300, correlationBatch: Int = 1_000, concurrency: Int = 4, maxAttempts: Int = 8,
        retryDelay: Int64 = 30, maxRetryDelay: Int64 = 3_600
    ) {
        self.pollInterval = pollInterval
        self.lease = lease
        self.correlationBatch = correlationBatch
        self.concurrency = concurrency
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        self.maxRetryDelay = maxRetryDelay
    }

    /// The delay before retry number `attempt` (1-based): ``retryDelay`` doubled per attempt, capped.
    public func backoff(afterAttempt attempt: Int) -> Int64 {
        let doublings = max(0, min(attempt - 1, 30))
        return min(maxRetryDelay, retryDelay << Int64(doublings))
    }
}

/// Reads durations written as `72h`, `3d`, `30m`, `45s`, `1h30m`, or a number of seconds.
public enum DurationText {
    /// Seconds, or nil when the text is not a duration.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let plain = Double(trimmed), plain >= 0 { return plain }
        var total = 0.0
        var number = ""
        var index = trimmed.startIndex
        guard !trimmed.isEmpty else { return nil }
        while index < trimmed.endIndex {
            let character = trimmed[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = trimmed.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            var unit = String(character)
            let next = trimmed.index(after: index)
            if character == "m", next < trimmed.endIndex, trimmed[next] == "s" {
                unit = "ms"
                index = next
            }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3_600
            case "d": scale = 86_400
            case "w": scale = 604_800
            default: return nil
            }
            total += value * scale
            number = ""
            index = trimmed.index(after: index)
        }
        guard number.isEmpty else { return nil }
        return total
    }
}

// MARK: - The file as written

/// A duration in the file: a string such as `72h` or a number of seconds.
struct DurationValue: Decodable {
    var seconds: Double

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            guard number >= 0 else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "a duration cannot be negative") }
            seconds = number
            return
        }
        let text = try container.decode(String.self)
        guard let value = DurationText.seconds(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text)\" is not a duration; write e.g. 72h, 3d, 30m, 45s or 1h30m")
        }
        seconds = value
    }
}

struct ConfigurationFile: Decodable {
    struct Correlation: Decodable {
        var window: DurationValue?
        var reopenWithin: DurationValue?
        enum CodingKeys: String, CodingKey { case window, reopenWithin = "reopen_within" }
    }

    struct Step: Decodable {
        var action: String
        var after: DurationValue?
        var approval: Bool?
        var template: String?
    }

    struct PlaybookEntry: Decodable {
        var name: String
        var categories: [String]?
        var steps: [Step]
        var acknowledgeReporter: Bool?
        var autoResume: Bool?
        enum CodingKeys: String, CodingKey {
            case name, categories, steps
            case acknowledgeReporter = "acknowledge_reporter"
            case autoResume = "auto_resume"
        }
    }

    struct Notices: Decodable {
        var from: String?
        var replyTo: String?
        var messageIDDomain: String?
        var organization: String?
        var templates: String?
        var defaultLanguage: String?
        var evidenceLimit: Int?
        var excerptCharacters: Int?
        enum CodingKeys: String, CodingKey {
            case from, organization, templates
            case replyTo = "reply_to"
            case messageIDDomain = "message_id_domain"
            case defaultLanguage = "default_language"
            case evidenceLimit = "evidence_limit"
            case excerptCharacters = "excerpt_characters"
        }
    }

    struct Mail: Decodable {
        var relay: String?
        var outbox: String?
        var starttls: String?
        var caFile: String?
        var verifyCertificate: Bool?
        var helo: String?
        var timeout: DurationValue?
        enum CodingKeys: String, CodingKey {
            case relay, outbox, starttls, helo, timeout
            case caFile = "ca_file"
            case verifyCertificate = "verify_certificate"
        }
    }

    struct Webhook: Decodable {
        var url: String
        var secret: String?
        var secretEnv: String?
        var secretFile: String?
        var timeout: DurationValue?
        var headers: [String: String]?
        enum CodingKeys: String, CodingKey {
            case url, secret, timeout, headers
            case secretEnv = "secret_env"
            case secretFile = "secret_file"
        }
    }

    struct Command: Decodable {
        var argv: [String]
        var timeout: DurationValue?
    }

    struct Connector: Decodable {
        var webhook: Webhook?
        var command: Command?
    }

    struct Web: Decodable {
        var listen: String?
        var publicURL: String?
        var sessionLifetime: DurationValue?
        var secureCookies: Bool?
        var portalLinkLifetime: DurationValue?
        var portalAnswersPerDay: Int?
        var formReportsPerHour: Int?
        var proofOfWorkBits: Int?
        var loginAttempts: Int?
        var loginWindow: DurationValue?
        var timeZone: String?
        var metricsFrom: [String]?
        enum CodingKeys: String, CodingKey {
            case listen
            case metricsFrom = "metrics_from"
            case publicURL = "public_url"
            case sessionLifetime = "session_lifetime"
            case secureCookies = "secure_cookies"
            case portalLinkLifetime = "portal_link_lifetime"
            case portalAnswersPerDay = "portal_answers_per_day"
            case formReportsPerHour = "form_reports_per_hour"
            case proofOfWorkBits = "proof_of_work_bits"
            case loginAttempts = "login_attempts"
            case loginWindow = "login_window"
            case timeZone = "time_zone"
        }
    }

    struct Workers: Decodable {
        var pollInterval: DurationValue?
        var lease: DurationValue?
        var correlationBatch: Int?
        var concurrency: Int?
        var maxAttempts: Int?
        var retryDelay: DurationValue?
        var maxRetryDelay: DurationValue?
        enum CodingKeys: String, CodingKey {
            case lease, concurrency
            case pollInterval = "poll_interval"
            case correlationBatch = "correlation_batch"
            case maxAttempts = "max_attempts"
            case retryDelay = "retry_delay"
            case maxRetryDelay = "max_retry_delay"
        }
    }

    var correlation: Correlation?
    var playbooks: [PlaybookEntry]?
    var notices: Notices?
    var mail: Mail?
    var connectors: [String: Connector]?
    var workers: Workers?
    var web: Web?
    var legal: Legal?

    struct Legal: Decodable {
        var alertsTo: [String]?
        var watchInterval: DurationValue?
        enum CodingKeys: String, CodingKey {
            case alertsTo = "alerts_to"
            case watchInterval = "watch_interval"
        }
    }

    static let knownActions: [ActionKind] = [
        .notify, .warn, .suspend, .suspendWeb, .resume, .resetPassword, .blockMail, .forwardOutward, .acknowledgeReporter,
    ]

    func configuration(source: String, base: String) throws -> DeskConfiguration {
        func fail(_ key: String, _ message: String) -> DeskConfigurationError {
            DeskConfigurationError(source: source, key: key, message: message)
        }
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || base.isEmpty || base == "." ? path : (base as NSString).appendingPathComponent(path)
        }
        func action(_ name: String, key: String) throws -> ActionKind {
            let kind = ActionKind(rawValue: name)
            guard Self.knownActions.contains(kind) else {
                throw fail(key, "unknown action \"\(name)\"; known: \(Self.knownActions.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }

        var result = DeskConfiguration()
        if let correlation {
            if let window = correlation.window { result.correlation.window = Int64(window.seconds) }
            if let reopen = correlation.reopenWithin { result.correlation.reopenWithin = Int64(reopen.seconds) }
        }

        if let playbooks {
            var seenNames = Set<String>()
            var seenCategories: [MoguraCore.Category: String] = [:]
            var parsed: [Playbook] = []
            for (index, entry) in playbooks.enumerated() {
                let key = "playbooks[\(index)]"
                guard !entry.name.isEmpty else { throw fail("\(key).name", "a playbook needs a name") }
                guard seenNames.insert(entry.name).inserted else { throw fail("\(key).name", "a second playbook named \"\(entry.name)\"") }
                var categories: [MoguraCore.Category] = []
                for (position, name) in (entry.categories ?? []).enumerated() {
                    guard let category = MoguraCore.Category(rawValue: name) else {
                        throw fail(
                            "\(key).categories[\(position)]",
                            "unknown category \"\(name)\"; known: \(MoguraCore.Category.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    if let other = seenCategories[category] {
                        throw fail("\(key).categories[\(position)]", "\(name) is already handled by playbook \"\(other)\"")
                    }
                    seenCategories[category] = entry.name
                    categories.append(category)
                }
                var steps: [Playbook.Step] = []
                for (position, step) in entry.steps.enumerated() {
                    steps.append(
                        Playbook.Step(
                            action: try action(step.action, key: "\(key).steps[\(position)].action"), after: Int64(step.after?.seconds ?? 0),
                            requiresApproval: step.approval ?? false, template: step.template))
                }
                parsed.append(
                    Playbook(
                        name: entry.name, categories: categories, steps: steps, acknowledgeReporter: entry.acknowledgeReporter ?? true,
                        autoResume: entry.autoResume ?? false))
            }
            if parsed.filter({ $0.categories.isEmpty }).count > 1 {
                throw fail("playbooks", "more than one playbook without categories; only one can be the default")
            }
            result.playbooks = PlaybookSet(parsed)
        }

        if let notices {
            var settings = NoticeSettings()
            if let from = notices.from { settings.from = from }
            if let replyTo = notices.replyTo {
                guard replyTo.contains("{token}") else {
                    throw fail("notices.reply_to", "must contain {token}, e.g. abuse+{token}@example.net, so replies find their case")
                }
                settings.replyTo = replyTo
            }
            if let domain = notices.messageIDDomain { settings.messageIDDomain = domain }
            if let organization = notices.organization { settings.organization = organization }
            if let templates = notices.templates { settings.templatesDirectory = resolve(templates) }
            if let language = notices.defaultLanguage {
                guard ["ja", "en"].contains(language) else { throw fail("notices.default_language", "ja or en") }
                settings.defaultLanguage = language
            }
            if let limit = notices.evidenceLimit { settings.evidenceLimit = max(0, limit) }
            if let characters = notices.excerptCharacters { settings.excerptCharacters = max(0, characters) }
            for header in [settings.from, settings.replyTo, settings.messageIDDomain, settings.organization]
            where header.contains("\r") || header.contains("\n") {
                throw fail("notices", "header values cannot contain line breaks")
            }
            result.notices = settings
        }

        if let mail {
            var settings = MailSettings()
            if mail.relay != nil && mail.outbox != nil { throw fail("mail", "set either relay or outbox, not both") }
            if let relay = mail.relay {
                guard let colon = relay.lastIndex(of: ":"), let port = Int(relay[relay.index(after: colon)...]), (1...65_535).contains(port) else {
                    throw fail("mail.relay", "expected host:port, e.g. 127.0.0.1:25")
                }
                var host = String(relay[..<colon])
                if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
                settings.transport = .smtp(host: host, port: port)
            }
            if let outbox = mail.outbox { settings.transport = .outbox(directory: resolve(outbox)) }
            if let starttls = mail.starttls {
                guard let mode = MailSettings.StartTLS(rawValue: starttls) else {
                    throw fail("mail.starttls", "one of \(MailSettings.StartTLS.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                settings.startTLS = mode
            }
            settings.caFile = mail.caFile.map(resolve)
            if let verify = mail.verifyCertificate { settings.verifyCertificate = verify }
            if let helo = mail.helo { settings.heloName = helo }
            if let timeout = mail.timeout { settings.timeout = max(1, Int64(timeout.seconds)) }
            result.mail = settings
        }

        for (name, connector) in connectors ?? [:] {
            let key = "connectors.\(name)"
            let kind = try action(name, key: key)
            guard !DeskConfiguration.mailKinds.contains(kind) else {
                throw fail(key, "\(name) is sent by mail (configure mail and notices instead)")
            }
            switch (connector.webhook, connector.command) {
            case (let webhook?, nil):
                guard let url = URL(string: webhook.url), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                    throw fail("\(key).webhook.url", "expected an http:// or https:// URL")
                }
                let secret: String
                switch (webhook.secret, webhook.secretEnv, webhook.secretFile) {
                case (let literal?, nil, nil): secret = literal
                case (nil, let variable?, nil):
                    guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                        throw fail("\(key).webhook.secret_env", "the environment variable \(variable) is not set")
                    }
                    secret = value
                case (nil, nil, let file?):
                    guard let value = try? String(contentsOfFile: resolve(file), encoding: .utf8) else {
                        throw fail("\(key).webhook.secret_file", "cannot read \(resolve(file))")
                    }
                    secret = value.trimmingCharacters(in: .whitespacesAndNewlines)
                default:
                    throw fail("\(key).webhook", "set exactly one of secret, secret_env or secret_file (the HMAC key)")
                }
                guard secret.utf8.count >= 16 else { throw fail("\(key).webhook", "the secret must be at least 16 bytes") }
                result.connectors[kind] = .webhook(
                    url: webhook.url, secret: secret, timeout: Int64(webhook.timeout?.seconds ?? 30), headers: webhook.headers ?? [:])
            case (nil, let command?):
                guard let program = command.argv.first, !program.isEmpty else {
                    throw fail("\(key).command.argv", "needs at least the program")
                }
                result.connectors[kind] = .command(argv: command.argv, timeout: Int64(command.timeout?.seconds ?? 60))
            default:
                throw fail(key, "set exactly one of webhook or command")
            }
        }

        if let workers {
            var settings = WorkerSettings()
            if let poll = workers.pollInterval { settings.pollInterval = max(0.01, poll.seconds) }
            if let lease = workers.lease { settings.lease = max(1, Int64(lease.seconds)) }
            if let batch = workers.correlationBatch {
                guard batch > 0 else { throw fail("workers.correlation_batch", "must be at least 1") }
                settings.correlationBatch = batch
            }
            if let concurrency = workers.concurrency {
                guard concurrency > 0 else { throw fail("workers.concurrency", "must be at least 1") }
                settings.concurrency = concurrency
            }
            if let attempts = workers.maxAttempts {
                guard attempts > 0 else { throw fail("workers.max_attempts", "must be at least 1") }
                settings.maxAttempts = attempts
            }
            if let delay = workers.retryDelay { settings.retryDelay = max(1, Int64(delay.seconds)) }
            if let delay = workers.maxRetryDelay { settings.maxRetryDelay = max(settings.retryDelay, Int64(delay.seconds)) }
            result.workers = settings
        }
        if let legal {
            for (index, address) in (legal.alertsTo ?? []).enumerated() {
                guard address.contains("@"), !address.contains("\r"), !address.contains("\n"), !address.contains(" ") else {
                    throw fail("legal.alerts_to[\(index)]", "\"\(address)\" is not a mail address")
                }
            }
            result.legal.alertsTo = legal.alertsTo ?? []
            if let interval = legal.watchInterval {
                guard interval.seconds >= 10 else { throw fail("legal.watch_interval", "must be at least 10s") }
                result.legal.watchInterval = Int64(interval.seconds)
            }
        }
        if let web {
            var settings = WebSettings()
            if let listen = web.listen { settings.listen = listen }
            if let url = web.publicURL {
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw fail("web.public_url", "must start with http:// or https://")
                }
                settings.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            }
            if let lifetime = web.sessionLifetime { settings.sessionLifetime = max(60, Int64(lifetime.seconds)) }
            settings.secureCookies = web.secureCookies
            if let lifetime = web.portalLinkLifetime { settings.portalLinkLifetime = max(3_600, Int64(lifetime.seconds)) }
            if let answers = web.portalAnswersPerDay {
                guard answers > 0 else { throw fail("web.portal_answers_per_day", "must be at least 1") }
                settings.portalAnswersPerDay = answers
            }
            if let reports = web.formReportsPerHour {
                guard reports > 0 else { throw fail("web.form_reports_per_hour", "must be at least 1") }
                settings.formReportsPerHour = reports
            }
            if let bits = web.proofOfWorkBits {
                guard (0...24).contains(bits) else { throw fail("web.proof_of_work_bits", "must be between 0 and 24") }
                settings.proofOfWorkBits = bits
            }
            if let attempts = web.loginAttempts {
                guard attempts > 0 else { throw fail("web.login_attempts", "must be at least 1") }
                settings.loginAttempts = attempts
            }
            if let window = web.loginWindow { settings.loginWindow = max(1, Int64(window.seconds)) }
            if let zone = web.timeZone {
                guard TimeZone(identifier: zone) != nil else { throw fail("web.time_zone", "unknown time zone \"\(zone)\"") }
                settings.timeZone = zone
            }
            if let prefixes = web.metricsFrom {
                for (index, text) in prefixes.enumerated() where (try? IPPrefix(text)) == nil {
                    throw fail("web.metrics_from[\(index)]", "\"\(text)\" is not an address prefix such as 10.0.0.0/8 or ::1/128")
                }
                settings.metricsFrom = prefixes
            }
            result.web = settings
        }
        let longest =
            result.connectors.values.map { settings -> Int64 in
                switch settings {
                case .webhook(_, _, let timeout, _), .command(_, let timeout): timeout
                }
            }.max() ?? 0
        if max(longest, result.mail.timeout) >= result.workers.lease {
            throw fail(
                "workers.lease",
                "the lease (\(result.workers.lease) s) must be longer than every connector's and the mail timeout (\(max(longest, result.mail.timeout)) s), or a slow action could run twice"
            )
        }
        return result
    }
}
