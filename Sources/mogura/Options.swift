import ArgumentParser
import Foundation
import Logging
import MoguraCore
import MoguraStore

/// Where the data lives; shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory for the embedded SQLite database (env MOGURA_DATA_DIR).", valueName: "dir"))
    var dataDirectory: String?

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "PostgreSQL URL, e.g. postgres://mogura:secret@127.0.0.1/mogura; overrides --data-dir (env MOGURA_DATABASE_URL).",
            valueName: "url"))
    var databaseURL: String?

    func configuration() throws -> StoreConfiguration {
        try StoreConfiguration.resolve(dataDirectory: dataDirectory, databaseURL: databaseURL)
    }
}

/// Logging verbosity.
struct LoggingOptions: ParsableArguments {
    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "Log messages at this level and above to standard error: trace, debug, info, notice, warning, error, critical.",
            valueName: "level"))
    var level: LogLevel = .warning

    func makeLogger(_ label: String = "mogura") -> Logger {
        LoggingBootstrap.once()
        var logger = Logger(label: label)
        logger.logLevel = level.level
        return logger
    }
}

/// A log level as a command-line value.
enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .warning }
}

enum LoggingBootstrap {
    private static let done: Void = {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
    }()

    static func once() { _ = done }
}

/// The zone for times written without one.
struct ZoneOption: ParsableArguments {
    @Option(
        name: .customLong("zone"),
        help: ArgumentHelp(
            "Time zone for times written without one (IANA name).", valueName: "zone"))
    var zone: String = "Asia/Tokyo"

    func validate() throws {
        if TimeZone(identifier: zone) == nil {
            throw ValidationError("unknown time zone \"\(zone)\"; use an IANA name such as Asia/Tokyo or UTC")
        }
    }

    func parser() throws -> TimestampParser {
        guard let timeZone = TimeZone(identifier: zone) else { throw CommandError("unknown time zone \"\(zone)\"") }
        return TimestampParser(defaultZone: timeZone)
    }
}

/// Writes to standard error.
enum StandardError {
    static func print(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The name a command acts as in the audit chain: `cli:<login>`.
enum CommandActor {
    static var current: String {
        let user =
            ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"]
            ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown"
        return "cli:\(user)"
    }
}

/// A failure while a command runs (not a usage mistake): printed as `Error: <message>`, exit status 1.
struct CommandError: Error, CustomStringConvertible {
    var description: String

    init(_ message: String) {
        self.description = message
    }
}
