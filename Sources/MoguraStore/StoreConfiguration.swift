public import Foundation

/// Where the store lives.
///
/// The embedded default is one SQLite file, `mogura.sqlite3`, in the data directory (`--data-dir`,
/// `MOGURA_DATA_DIR`, default `./mogura-data`). A PostgreSQL URL (`--database`, `MOGURA_DATABASE_URL`) selects
/// PostgreSQL instead.
public enum StoreConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// SQLite in a data directory (created if missing).
    case sqlite(directory: String)
    /// PostgreSQL at a URL such as `postgres://mogura:secret@127.0.0.1:5432/mogura`.
    case postgres(url: String)

    /// The default data directory.
    public static let defaultDataDirectory = "./mogura-data"

    /// The SQLite file's name inside the data directory.
    public static let sqliteFileName = "mogura.sqlite3"

    /// Chooses the store from command-line values and the environment: an explicit `--database` wins, then
    /// `MOGURA_DATABASE_URL`, then SQLite in `--data-dir`, `MOGURA_DATA_DIR` or `./mogura-data`.
    /// - Throws: `StoreError` for a database URL that is not PostgreSQL.
    public static func resolve(
        dataDirectory: String?, databaseURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> StoreConfiguration {
        if let url = databaseURL ?? environment["MOGURA_DATABASE_URL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let lower = url.lowercased()
            guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") else {
                throw StoreError("database URL must start with postgres:// (for SQLite, use --data-dir instead): \(redacted(url))")
            }
            return .postgres(url: url)
        }
        let directory = dataDirectory ?? environment["MOGURA_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDataDirectory
        return .sqlite(directory: directory)
    }

    /// The engine this configuration selects.
    public var engine: StoreEngineKind {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// A description safe to log: the password in a URL is masked.
    public var description: String {
        switch self {
        case .sqlite(let directory): "SQLite in \(directory)/\(Self.sqliteFileName)"
        case .postgres(let url): "PostgreSQL at \(Self.redacted(url))"
        }
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(unparseable URL)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "(unparseable URL)"
    }
}
