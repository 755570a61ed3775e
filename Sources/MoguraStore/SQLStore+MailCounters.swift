public import MoguraCore
import SQLKit

extension SQLStore: MailCounterStore {
    public func saveMailCounters(node: String, rows: [MailCounterRow], at time: Timestamp) async throws {
        guard !rows.isEmpty else { return }
        try await transaction { database in
            for batch in rows.chunked(into: Self.insertBatch) {
                var values: SQLQueryString = ""
                for (index, row) in batch.enumerated() {
                    if index > 0 { values.appendLiteral(", ") }
                    values.appendInterpolation(
                        """
                        (\(bind: node), \(bind: row.account), \(bind: row.window.rawValue), \(bind: row.start.microseconds), \
                        \(bind: row.messages), \(bind: row.recipients), \(bind: row.bounces), \(bind: time.microseconds))
                        """ as SQLQueryString)
                }
                try await database.raw(
                    """
                    INSERT INTO mail_counters (node, account, window_kind, window_start, messages, recipients, bounces, updated_at)
                    VALUES \(values)
                    ON CONFLICT (node, account, window_kind, window_start) DO UPDATE SET
                        messages = excluded.messages, recipients = excluded.recipients, bounces = excluded.bounces,
                        updated_at = excluded.updated_at
                    """
                ).run()
            }
        }
    }

    public func mailCounters(
        otherThan node: String, changedSince: Timestamp, windowsFrom: Timestamp
    ) async throws -> [(
        node: String, row: MailCounterRow
    )] {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT node, account, window_kind, window_start, messages, recipients, bounces FROM mail_counters
                WHERE updated_at >= \(bind: changedSince.microseconds) AND window_start >= \(bind: windowsFrom.microseconds)
                AND node <> \(bind: node)
                """
            ).map { (try $0.string("node"), try Self.mailCounterRow($0)) }
        }
    }

    public func mailCounters(of node: String, windowsFrom: Timestamp) async throws -> [MailCounterRow] {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT account, window_kind, window_start, messages, recipients, bounces FROM mail_counters
                WHERE node = \(bind: node) AND window_start >= \(bind: windowsFrom.microseconds)
                """
            ).map(Self.mailCounterRow)
        }
    }

    public func pruneMailCounters(before time: Timestamp) async throws {
        try await session { database in
            try await database.raw("DELETE FROM mail_counters WHERE window_start < \(bind: time.microseconds)").run()
        }
    }

    static func mailCounterRow(_ row: any SQLRow) throws -> MailCounterRow {
        let kind = try row.string("window_kind")
        guard let window = MailCounterRow.Window(rawValue: kind) else { throw StoreError("unknown mail counter window \(kind)") }
        return MailCounterRow(
            account: try row.string("account"), window: window, start: Timestamp(microseconds: try row.int64("window_start")),
            messages: try row.int("messages"), recipients: try row.int("recipients"), bounces: try row.int("bounces"))
    }
}
