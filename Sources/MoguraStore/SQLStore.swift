import Crypto
import Foundation
public import Logging
import MoguraCore
import SQLKit

/// The ``Store`` over SQL, shared by both engines: the same statements, schema and behaviour on SQLite and
/// PostgreSQL, with the few dialect differences kept in ``SQLEngine``.
public final class SQLStore: Store {
    let sql: any SQLEngine
    let logger: Logger

    init(engine: any SQLEngine, logger: Logger) {
        self.sql = engine
        self.logger = logger
    }

    public var engine: StoreEngineKind { sql.kind }

    /// Runs the engine's background work (the PostgreSQL connection pool) until the task is cancelled. A store
    /// opened with ``StoreFactory/open(_:logger:)`` needs this running, e.g. as a service in a service group.
    public func run() async {
        await sql.run()
    }

    /// Closes the store's connections.
    public func shutdown() async {
        await sql.shutdown()
    }

    /// Runs a statement and returns its rows.
    func rows(_ database: any SQLDatabase, _ query: SQLQueryString) async throws -> [any SQLRow] {
        try await database.raw(query).all()
    }

    /// Runs `body` in a transaction (one connection, `BEGIN … COMMIT`).
    func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await sql.withTransaction(body)
    }

    /// Runs `body` with a session (no transaction).
    func session<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await sql.withSession(body)
    }
}

/// Opens stores.
public enum StoreFactory {
    /// Opens a store and applies pending migrations. The caller must keep ``SQLStore/run()`` running while it uses
    /// the store (PostgreSQL's pool works in it) and call ``SQLStore/shutdown()`` at the end; prefer
    /// ``withStore(_:logger:_:)``, which does both.
    /// - Throws: `StoreError` when the database cannot be reached or its schema is newer than this build.
    public static func open(_ configuration: StoreConfiguration, logger: Logger) async throws -> SQLStore {
        switch configuration {
        case .sqlite(let directory):
            return SQLStore(engine: try await SQLiteEngine.open(directory: directory, logger: logger), logger: logger)
        case .postgres(let url):
            let engine = try PostgresEngine(url: url, logger: logger)
            try await engine.probe(logger: logger)
            return SQLStore(engine: engine, logger: logger)
        }
    }

    /// Opens a store, migrates it, runs `body`, and closes the store.
    /// - Parameters:
    ///   - configuration: which engine and where.
    ///   - logger: for the store's own messages.
    ///   - body: the work to do with the store.
    /// - Returns: what `body` returns.
    public static func withStore<R: Sendable>(
        _ configuration: StoreConfiguration, logger: Logger, _ body: @Sendable (SQLStore) async throws -> R
    ) async throws -> R {
        let store = try await open(configuration, logger: logger)
        do {
            let result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                await store.sql.waitUntilRunning()
                do {
                    try await store.migrate()
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw StoreError("cannot open \(configuration): \(String(reflecting: error))")
                }
                return try await body(store)
            }
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }
}

extension SQLStore {
    /// Applies pending schema migrations.
    /// - Returns: the versions applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await Schema.migrate(sql, logger: logger)
    }

    /// The schema version in the database.
    public func schemaVersion() async throws -> Int {
        try await session { database in
            try await database.raw("SELECT MAX(version) AS version FROM schema_migrations").first()?
                .decode(column: "version", as: Int?.self) ?? 0
        }
    }

    /// Runs one SQL statement as is. For tests and maintenance (e.g. a test that tampers with the audit chain as
    /// an attacker with database access would); not used by Mogura itself.
    public func executeRaw(_ statement: String) async throws {
        try await session { database in
            try await database.execute(sql: SQLRaw(statement)) { _ in }
        }
    }
}

// MARK: - Row helpers

extension SQLRow {
    func int64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }
    func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func timestamp(_ column: String) throws -> Timestamp { Timestamp(microseconds: try int64(column)) }
    func optionalTimestamp(_ column: String) throws -> Timestamp? { try optionalInt64(column).map(Timestamp.init(microseconds:)) }

    /// A column that must hold one of an enumeration's raw values.
    func value<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
        let raw = try string(column)
        guard let value = T(rawValue: raw) else {
            throw StoreError("column \(column) holds \"\(raw)\", which this version of mogura does not know")
        }
        return value
    }
}

/// JSON text for audit details and list columns, with sorted keys so equal values serialise alike.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// A list of strings; the empty list (most reports) without a decoder.
    static func decodeList(_ text: String) throws -> [String] {
        text == "[]" ? [] : try decode([String].self, from: text)
    }

    /// A string map; the empty map (most reports) without a decoder.
    static func decodeMap(_ text: String) throws -> [String: String] {
        text == "{}" ? [:] : try decode([String: String].self, from: text)
    }
}

/// SHA-256 of bytes as a ``ContentHash``.
func sha256(_ bytes: [UInt8]) -> ContentHash {
    ContentHash(bytes: SHA256.hash(data: bytes))
}
