import Foundation
public import Logging
public import MoguraStore
import NIOPosix
import PostgresNIO

/// Opens a fresh, empty store of either engine for one test and removes it afterwards.
///
/// SQLite gets a new temporary data directory; PostgreSQL gets a new database in the cluster named by
/// `MOGURA_TEST_POSTGRES_URL`, dropped when the test ends. The same test body runs against both: that is the
/// store contract.
public enum TestStores {
    /// The engines the contract suite runs on: SQLite always; PostgreSQL when configured, or in CI (where a missing
    /// cluster then fails the test loudly rather than skipping it).
    public static var engines: [StoreEngineKind] {
        TestEnvironment.runsPostgres ? [.sqlite, .postgres] : [.sqlite]
    }

    public static let logger: Logger = {
        var logger = Logger(label: "mogura-test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a fresh store.
    public static func withStore<R: Sendable>(_ engine: StoreEngineKind, _ body: @Sendable (SQLStore) async throws -> R) async throws -> R {
        switch engine {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "mogura-store")
            return try await StoreFactory.withStore(.sqlite(directory: directory.path), logger: logger, body)
        case .postgres:
            let database = try await createPostgresDatabase()
            do {
                let result = try await StoreFactory.withStore(.postgres(url: database.url), logger: logger, body)
                try await dropPostgresDatabase(database.name)
                return result
            } catch {
                try? await dropPostgresDatabase(database.name)
                throw error
            }
        }
    }

    /// The configuration of a fresh store that outlives this call (for tests that run the `mogura` binary).
    /// PostgreSQL databases made this way are dropped by `scripts/test` with the cluster.
    public static func makeConfiguration(_ engine: StoreEngineKind, directory: TemporaryDirectory) async throws -> StoreConfiguration {
        switch engine {
        case .sqlite: return .sqlite(directory: directory.path)
        case .postgres: return .postgres(url: try await createPostgresDatabase().url)
        }
    }

    struct MissingPostgres: Error, CustomStringConvertible {
        var description: String {
            "MOGURA_TEST_POSTGRES_URL is not set, so the PostgreSQL half of the store contract cannot run. "
                + "Run scripts/test, which starts a throwaway cluster, or point the variable at one."
        }
    }

    /// Creates an empty database and returns its name and URL.
    public static func createPostgresDatabase() async throws -> (name: String, url: String) {
        guard let adminURL = TestEnvironment.postgresURL else { throw MissingPostgres() }
        let name = "mogura_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await withAdminConnection(adminURL) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        guard var components = URLComponents(string: adminURL) else { throw MissingPostgres() }
        components.path = "/" + name
        return (name, components.string ?? adminURL)
    }

    static func dropPostgresDatabase(_ name: String) async throws {
        guard let adminURL = TestEnvironment.postgresURL else { return }
        try await withAdminConnection(adminURL) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    private static func withAdminConnection(_ url: String, _ body: (PostgresConnection) async throws -> Void) async throws {
        guard let components = URLComponents(string: url), let host = components.host else { throw MissingPostgres() }
        let configuration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: components.path.isEmpty ? "postgres" : String(components.path.dropFirst()),
            tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
