public import MoguraCore
import SQLKit

/// A filter and position in the case queue.
///
/// The queue pages with a keyset cursor (the sort key and id of the last case shown), never OFFSET, so a deep
/// page costs what the first one does. Each (track, state) combination is read from its own index range and the
/// streams are merged, so a filter over several states or both tracks never sorts the table.
public struct CaseQuery: Hashable, Sendable {
    /// The order of the queue.
    public enum Sort: String, Hashable, Sendable, CaseIterable {
        /// Most recently changed first.
        case updated
        /// Most recently opened first.
        case opened
        /// Nearest deadline first (cases without a deadline are left out).
        case deadline
    }

    /// The tracks the viewer may read; a case of any other track is never returned.
    public var tracks: [Track]
    /// Only this category.
    public var category: MoguraCore.Category?
    /// Only these states (nil: all).
    public var states: [CaseState]?
    /// Only cases assigned to this login ("" for unassigned ones).
    public var assignee: String?
    /// Only open cases whose deadline passed before this time.
    public var deadlineBreachedAt: Timestamp?
    /// The order.
    public var sort: Sort
    /// Start after this case (the previous page's last).
    public var after: CaseCursor?
    /// Page size.
    public var limit: Int

    /// Creates a query.
    public init(
        tracks: [Track], category: MoguraCore.Category? = nil, states: [CaseState]? = nil, assignee: String? = nil,
        deadlineBreachedAt: Timestamp? = nil, sort: Sort = .updated, after: CaseCursor? = nil, limit: Int = 50
    ) {
        self.tracks = tracks
        self.category = category
        self.states = states
        self.assignee = assignee
        self.deadlineBreachedAt = deadlineBreachedAt
        self.sort = sort
        self.after = after
        self.limit = limit
    }
}

/// A position in the queue: the sort key and id of a case.
public struct CaseCursor: Hashable, Sendable, CustomStringConvertible {
    public var key: Int64
    public var id: Int64

    public init(key: Int64, id: Int64) {
        self.key = key
        self.id = id
    }

    /// Reads the `key.id` form used in links.
    public init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let key = Int64(parts[0]), let id = Int64(parts[1]) else { return nil }
        self.init(key: key, id: id)
    }

    public var description: String { "\(key).\(id)" }
}

/// One page of the queue.
public struct CasePage: Sendable {
    /// The cases, in queue order.
    public var cases: [Case]
    /// How many reports each case holds.
    public var reportCounts: [Int64: Int]
    /// Where the next page starts, nil on the last page.
    public var next: CaseCursor?

    public init(cases: [Case], reportCounts: [Int64: Int], next: CaseCursor?) {
        self.cases = cases
        self.reportCounts = reportCounts
        self.next = next
    }
}

/// A note on a case: staff's remarks and customers' answers.
public struct CaseNote: Hashable, Sendable, Codable {
    public var id: Int64
    public var caseID: Int64
    /// `user:<login>` or `customer:<id>`.
    public var author: String
    /// `note` (staff), `customer-answer` (from the portal).
    public var kind: String
    public var body: String
    public var createdAt: Timestamp
}

/// A notice or acknowledgement as sent.
public struct SentMail: Hashable, Sendable {
    public var actionID: Int64
    public var caseID: Int64
    public var hash: ContentHash
    public var recipients: [String]
    public var subject: String
    public var sentAt: Timestamp
}

/// Counts for the dashboard.
public struct DeskStatistics: Hashable, Sendable {
    /// Reports received per UTC day and category.
    public var reportsPerDay: [String: [MoguraCore.Category: Int]] = [:]
    /// Cases opened per UTC day and category.
    public var casesPerDay: [String: [MoguraCore.Category: Int]] = [:]
    /// Open cases per state.
    public var backlog: [CaseState: Int] = [:]
    /// Open cases per track (legal counts are shown to admins without the legal role).
    public var openPerTrack: [Track: Int] = [:]
    /// Median time from opening to the first action done, in seconds, over cases opened in the window.
    public var medianSecondsToFirstAction: Double?
    /// Open cases whose deadline is within the next 24 hours.
    public var deadlinesAtRisk: Int = 0
    /// Open cases whose deadline has passed.
    public var deadlinesBreached: Int = 0
    /// Reports in triage.
    public var triage: Int = 0

    public init() {}
}

/// What `/metrics` reports, read from the store.
public struct MetricsSnapshot: Hashable, Sendable {
    public var reports = 0
    public var reportsByChannel: [String: Int] = [:]
    /// `track|category` → open cases.
    public var openCases: [String: Int] = [:]
    /// `kind|state` → actions.
    public var actions: [String: Int] = [:]
    /// Queue → seconds the oldest due job has waited.
    public var queueLatency: [String: Double] = [:]
    /// Queue → due jobs.
    public var queueDepth: [String: Int] = [:]
    public var triage = 0
    public init() {}
}

/// An API token as listed (without its secret).
public struct APITokenInfo: Hashable, Sendable {
    public var id: Int64
    public var login: String
    public var name: String
    public var scopes: Set<APIScope>
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?
}

/// An API token's owner and scopes.
public struct APITokenGrant: Hashable, Sendable {
    public var tokenID: Int64
    public var user: StaffUser
    public var scopes: Set<APIScope>
}

extension SQLStore {
    // MARK: Queue

    /// One page of the case queue.
    public func queue(_ query: CaseQuery) async throws -> CasePage {
        let limit = max(1, min(query.limit, 500))
        let sort = query.deadlineBreachedAt != nil ? CaseQuery.Sort.deadline : query.sort
        let column: String
        let descending: Bool
        switch sort {
        case .updated: (column, descending) = ("updated_at", true)
        case .opened: (column, descending) = ("opened_at", true)
        case .deadline: (column, descending) = ("deadline", false)
        }
        let openStates = CaseState.allCases.filter(\.isOpen)
        let states: [CaseState?] =
            query.deadlineBreachedAt != nil
            ? (query.states ?? openStates).filter(\.isOpen).map(Optional.some)
            : query.states.map { $0.map(Optional.some) } ?? [nil]
        return try await session { database in
            var merged: [(key: Int64, kase: Case)] = []
            for track in query.tracks {
                for state in states {
                    var sql: SQLQueryString = "\(unsafeRaw: SQLTransaction.caseColumns) WHERE track = \(bind: track.rawValue)"
                    if let state { sql.appendInterpolation(" AND state = \(bind: state.rawValue)" as SQLQueryString) }
                    if let category = query.category { sql.appendInterpolation(" AND category = \(bind: category.rawValue)" as SQLQueryString) }
                    if let assignee = query.assignee {
                        sql.appendInterpolation(
                            assignee.isEmpty ? " AND assignee IS NULL" as SQLQueryString : " AND assignee = \(bind: assignee)" as SQLQueryString)
                    }
                    if sort == .deadline { sql.appendInterpolation(" AND deadline IS NOT NULL" as SQLQueryString) }
                    if let breached = query.deadlineBreachedAt {
                        sql.appendInterpolation(" AND deadline < \(bind: breached.microseconds)" as SQLQueryString)
                    }
                    if let after = query.after {
                        let comparison = descending ? "<" : ">"
                        sql.appendInterpolation(
                            " AND (\(unsafeRaw: column), id) \(unsafeRaw: comparison) (\(bind: after.key), \(bind: after.id))" as SQLQueryString)
                    }
                    let direction = descending ? "DESC" : "ASC"
                    sql.appendInterpolation(
                        " ORDER BY \(unsafeRaw: column) \(unsafeRaw: direction), id \(unsafeRaw: direction) LIMIT \(bind: limit + 1)"
                            as SQLQueryString)
                    for row in try await self.rows(database, sql) {
                        let kase = try SQLTransaction.case(from: row)
                        let key: Int64 =
                            switch sort {
                            case .updated: kase.updatedAt.microseconds
                            case .opened: kase.openedAt.microseconds
                            case .deadline: kase.deadline?.microseconds ?? .max
                            }
                        merged.append((key, kase))
                    }
                }
            }
            merged.sort { a, b in
                let (aID, bID) = (a.kase.id ?? 0, b.kase.id ?? 0)
                return descending ? (a.key, aID) > (b.key, bID) : (a.key, aID) < (b.key, bID)
            }
            let page = Array(merged.prefix(limit))
            let next = merged.count > limit ? page.last.map { CaseCursor(key: $0.key, id: $0.kase.id ?? 0) } : nil
            let ids = page.compactMap(\.kase.id)
            var counts: [Int64: Int] = [:]
            if !ids.isEmpty {
                for row in try await self.rows(
                    database, "SELECT case_id, COUNT(*) AS n FROM reports WHERE case_id IN (\(binds: ids)) GROUP BY case_id")
                {
                    counts[try row.int64("case_id")] = try row.int("n")
                }
            }
            return CasePage(cases: page.map(\.kase), reportCounts: counts, next: next)
        }
    }

    /// Other cases whose reports share an indicator with this case's reports, with the indicator they share.
    public func relatedCases(to caseID: Int64, tracks: [Track], limit: Int) async throws -> [(indicator: Indicator, kase: Case)] {
        guard !tracks.isEmpty else { return [] }
        return try await session { database in
            let rows = try await self.rows(
                database,
                """
                SELECT DISTINCT mine.kind AS kind, mine.value AS value, other_report.case_id AS case_id
                FROM reports own
                JOIN report_indicators mine ON mine.report_id = own.id
                JOIN report_indicators other ON other.kind = mine.kind AND other.value = mine.value AND other.report_id <> mine.report_id
                JOIN reports other_report ON other_report.id = other.report_id
                WHERE own.case_id = \(bind: caseID) AND other_report.case_id IS NOT NULL AND other_report.case_id <> \(bind: caseID)
                LIMIT \(bind: limit * 4)
                """)
            var shared: [(Indicator, Int64)] = []
            for row in rows {
                guard let indicator = try? Indicator(kind: try row.string("kind"), value: try row.string("value")) else { continue }
                shared.append((indicator, try row.int64("case_id")))
            }
            let ids = Array(Set(shared.map(\.1)))
            guard !ids.isEmpty else { return [] }
            let cases = try await self.rows(
                database,
                "\(unsafeRaw: SQLTransaction.caseColumns) WHERE id IN (\(binds: ids)) AND track IN (\(binds: tracks.map(\.rawValue)))"
            ).map(SQLTransaction.case(from:))
            let byID = Dictionary(cases.map { ($0.id ?? 0, $0) }, uniquingKeysWith: { a, _ in a })
            return Array(shared.compactMap { pair in byID[pair.1].map { (pair.0, $0) } }.prefix(limit))
        }
    }

    /// Cases whose reports carry this indicator, newest first.
    public func cases(withIndicator indicator: Indicator, tracks: [Track], limit: Int) async throws -> [Case] {
        guard !tracks.isEmpty else { return [] }
        return try await session { database in
            try await self.rows(
                database,
                """
                \(unsafeRaw: SQLTransaction.caseColumns) WHERE track IN (\(binds: tracks.map(\.rawValue))) AND id IN (
                    SELECT r.case_id FROM report_indicators i JOIN reports r ON r.id = i.report_id
                    WHERE i.kind = \(bind: indicator.kind) AND i.value = \(bind: indicator.value) AND r.case_id IS NOT NULL)
                ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit)
                """
            ).map(SQLTransaction.case(from:))
        }
    }

    /// Assigns a case to a person (nil: unassigns), with an audit event.
    public func assign(case caseID: Int64, to login: String?, actor: String, at time: Timestamp) async throws {
        try await transaction { database in
            try await database.raw(
                "UPDATE cases SET assignee = \(bind: login), updated_at = \(bind: time.microseconds) WHERE id = \(bind: caseID)"
            ).run()
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "case.assign", objectType: "case", objectID: String(caseID),
                    details: JSONText.encode(["assignee": login ?? ""])), in: database)
        }
    }

    // MARK: Notes

    /// Adds a note to a case, with an audit event.
    @discardableResult
    public func addNote(case caseID: Int64, author: String, kind: String, body: String, at time: Timestamp) async throws -> CaseNote {
        try await transaction { database in
            guard
                let row = try await self.rows(
                    database,
                    """
                    INSERT INTO case_notes (case_id, author, kind, body, created_at)
                    VALUES (\(bind: caseID), \(bind: author), \(bind: kind), \(bind: body), \(bind: time.microseconds)) RETURNING id
                    """
                ).first
            else { throw StoreError("the database returned no id for a new note") }
            let id = try row.int64("id")
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: author, action: "case.note", objectType: "case", objectID: String(caseID),
                    details: JSONText.encode(["note": String(id), "kind": kind])), in: database)
            return CaseNote(id: id, caseID: caseID, author: author, kind: kind, body: body, createdAt: time)
        }
    }

    /// A case's notes, oldest first.
    public func notes(case caseID: Int64) async throws -> [CaseNote] {
        try await session { database in
            try await self.rows(
                database, "SELECT id, case_id, author, kind, body, created_at FROM case_notes WHERE case_id = \(bind: caseID) ORDER BY id"
            ).map { row in
                CaseNote(
                    id: try row.int64("id"), caseID: try row.int64("case_id"), author: try row.string("author"),
                    kind: try row.string("kind"), body: try row.string("body"), createdAt: try row.timestamp("created_at"))
            }
        }
    }

    /// The number of notes of a kind on a case since a time (for the portal's rate limit).
    public func noteCount(case caseID: Int64, kind: String, since: Timestamp) async throws -> Int {
        try await session { database in
            try await self.rows(
                database,
                """
                SELECT COUNT(*) AS n FROM case_notes WHERE case_id = \(bind: caseID) AND kind = \(bind: kind)
                AND created_at >= \(bind: since.microseconds)
                """
            ).first?.int("n") ?? 0
        }
    }

    // MARK: Sent mail

    /// Keeps a sent notice's bytes for the case's timeline (once per action; a retry keeps the first).
    public func recordSentMail(
        actionID: Int64, caseID: Int64, bytes: [UInt8], recipients: [String], subject: String, at time: Timestamp
    )
        async throws
    {
        try await transaction { database in
            let hash = try await self.putBlob(bytes, in: database)
            try await database.raw(
                """
                INSERT INTO sent_mail (action_id, case_id, sha256, recipients, subject, sent_at)
                VALUES (\(bind: actionID), \(bind: caseID), \(bind: hash.hex), \(bind: JSONText.encode(recipients)), \(bind: subject),
                        \(bind: time.microseconds))
                ON CONFLICT (action_id) DO NOTHING
                """
            ).run()
        }
    }

    /// The mail sent for a case, oldest first.
    public func sentMail(case caseID: Int64) async throws -> [SentMail] {
        try await session { database in
            try await self.rows(
                database,
                "SELECT action_id, case_id, sha256, recipients, subject, sent_at FROM sent_mail WHERE case_id = \(bind: caseID) ORDER BY sent_at, action_id"
            ).map { row in
                SentMail(
                    actionID: try row.int64("action_id"), caseID: try row.int64("case_id"),
                    hash: ContentHash(hex: try row.string("sha256")) ?? AuditEvent.genesisHash,
                    recipients: try JSONText.decodeList(row.string("recipients")),
                    subject: try row.string("subject"), sentAt: try row.timestamp("sent_at"))
            }
        }
    }

    // MARK: Audit views

    /// Audit events, newest first, optionally about one object.
    public func auditEvents(before sequence: Int64?, objectType: String?, objectID: String?, limit: Int) async throws -> [AuditEvent] {
        try await session { database in
            var sql: SQLQueryString =
                "SELECT seq, at, actor, action, object_type, object_id, details, prev_hash, hash FROM audit_events WHERE 1 = 1"
            if let sequence { sql.appendInterpolation(" AND seq < \(bind: sequence)" as SQLQueryString) }
            if let objectType { sql.appendInterpolation(" AND object_type = \(bind: objectType)" as SQLQueryString) }
            if let objectID { sql.appendInterpolation(" AND object_id = \(bind: objectID)" as SQLQueryString) }
            sql.appendInterpolation(" ORDER BY seq DESC LIMIT \(bind: limit)" as SQLQueryString)
            return try await self.rows(database, sql).map { row in
                AuditEvent(
                    sequence: try row.int64("seq"), at: try row.timestamp("at"), actor: try row.string("actor"),
                    action: try row.string("action"), objectType: try row.string("object_type"),
                    objectID: try row.string("object_id"), details: try row.string("details"),
                    previousHash: ContentHash(hex: try row.string("prev_hash")) ?? AuditEvent.genesisHash,
                    hash: ContentHash(hex: try row.string("hash")) ?? AuditEvent.genesisHash)
            }
        }
    }

    // MARK: Dashboard

    /// Counts for the dashboard over the window since `since`, for the given tracks.
    public func statistics(since: Timestamp, now: Timestamp, tracks: [Track]) async throws -> DeskStatistics {
        try await session { database in
            var stats = DeskStatistics()
            for track in Track.allCases {
                let n =
                    try await self.rows(
                        database,
                        """
                        SELECT COUNT(*) AS n FROM cases WHERE track = \(bind: track.rawValue)
                        AND state NOT IN ('resolved', 'closed')
                        """
                    ).first?.int("n") ?? 0
                stats.openPerTrack[track] = n
            }
            guard !tracks.isEmpty else { return stats }
            let trackList = tracks.map(\.rawValue)
            let day: Int64 = 86_400_000_000
            for row in try await self.rows(
                database,
                """
                SELECT received_at / \(bind: day) AS d, category, COUNT(*) AS n FROM reports
                WHERE received_at >= \(bind: since.microseconds) AND track IN (\(binds: trackList)) GROUP BY received_at / \(bind: day), category
                """)
            {
                guard let category = MoguraCore.Category(rawValue: try row.string("category")) else { continue }
                let key = Timestamp(microseconds: try row.int64("d") * day).dayString
                stats.reportsPerDay[key, default: [:]][category, default: 0] += try row.int("n")
            }
            for row in try await self.rows(
                database,
                """
                SELECT opened_at / \(bind: day) AS d, category, COUNT(*) AS n FROM cases
                WHERE opened_at >= \(bind: since.microseconds) AND track IN (\(binds: trackList)) GROUP BY opened_at / \(bind: day), category
                """)
            {
                guard let category = MoguraCore.Category(rawValue: try row.string("category")) else { continue }
                let key = Timestamp(microseconds: try row.int64("d") * day).dayString
                stats.casesPerDay[key, default: [:]][category, default: 0] += try row.int("n")
            }
            for row in try await self.rows(
                database,
                """
                SELECT state, COUNT(*) AS n FROM cases WHERE track IN (\(binds: trackList))
                AND state NOT IN ('resolved', 'closed') GROUP BY state
                """)
            {
                guard let state = CaseState(rawValue: try row.string("state")) else { continue }
                stats.backlog[state] = try row.int("n")
            }
            let soon = now.microseconds + day
            stats.deadlinesAtRisk =
                try await self.rows(
                    database,
                    """
                    SELECT COUNT(*) AS n FROM cases WHERE track IN (\(binds: trackList)) AND deadline >= \(bind: now.microseconds)
                    AND deadline < \(bind: soon) AND state NOT IN ('resolved', 'closed')
                    """
                ).first?.int("n") ?? 0
            stats.deadlinesBreached =
                try await self.rows(
                    database,
                    """
                    SELECT COUNT(*) AS n FROM cases WHERE track IN (\(binds: trackList)) AND deadline < \(bind: now.microseconds)
                    AND state NOT IN ('resolved', 'closed')
                    """
                ).first?.int("n") ?? 0
            let delays = try await self.rows(
                database,
                """
                SELECT MIN(a.done_at) - c.opened_at AS delay FROM cases c JOIN actions a ON a.case_id = c.id
                WHERE c.opened_at >= \(bind: since.microseconds) AND c.track IN (\(binds: trackList)) AND a.done_at IS NOT NULL
                AND a.kind <> 'acknowledge'
                GROUP BY c.id, c.opened_at LIMIT 100000
                """
            ).compactMap { try $0.optionalInt64("delay") }.sorted()
            if !delays.isEmpty { stats.medianSecondsToFirstAction = Double(delays[delays.count / 2]) / 1_000_000 }
            stats.triage =
                try await self.rows(
                    database,
                    "SELECT COUNT(*) AS n FROM reports WHERE case_id IS NULL AND triage_reason IS NOT NULL AND track IN (\(binds: trackList))"
                ).first?.int("n") ?? 0
            return stats
        }
    }

    // MARK: Metrics

    /// Counts for `/metrics`, read at scrape time so every process reports the same truth.
    public func metricsSnapshot(now: Timestamp) async throws -> MetricsSnapshot {
        try await session { database in
            var snapshot = MetricsSnapshot()
            snapshot.reports = try await self.rows(database, "SELECT COUNT(*) AS n FROM reports").first?.int("n") ?? 0
            for row in try await self.rows(database, "SELECT channel, COUNT(*) AS n FROM reports GROUP BY channel") {
                snapshot.reportsByChannel[try row.string("channel")] = try row.int("n")
            }
            for row in try await self.rows(
                database, "SELECT track, category, COUNT(*) AS n FROM cases WHERE state NOT IN ('resolved', 'closed') GROUP BY track, category")
            {
                snapshot.openCases[try row.string("track") + "|" + row.string("category")] = try row.int("n")
            }
            for row in try await self.rows(database, "SELECT kind, state, COUNT(*) AS n FROM actions GROUP BY kind, state") {
                snapshot.actions[try row.string("kind") + "|" + row.string("state")] = try row.int("n")
            }
            for row in try await self.rows(
                database,
                "SELECT queue, MIN(run_at) AS oldest, COUNT(*) AS n FROM jobs WHERE state = 'ready' AND run_at <= \(bind: now.microseconds) GROUP BY queue"
            ) {
                let oldest = try row.int64("oldest")
                snapshot.queueLatency[try row.string("queue")] = Double(now.microseconds - oldest) / 1_000_000
                snapshot.queueDepth[try row.string("queue")] = try row.int("n")
            }
            snapshot.triage =
                try await self.rows(database, "SELECT COUNT(*) AS n FROM reports WHERE case_id IS NULL AND triage_reason IS NOT NULL")
                .first?.int("n") ?? 0
            return snapshot
        }
    }

    // MARK: Accounts

    /// Adds a staff account.
    /// - Throws: `StoreError` when the login is taken.
    public func addUser(_ user: StaffUser, passwordHash: String, actor: String, at time: Timestamp = .now()) async throws {
        try await transaction { database in
            if try await !self.rows(database, "SELECT login FROM users WHERE login = \(bind: user.login)").isEmpty {
                throw StoreError("a user named \"\(user.login)\" exists already")
            }
            try await database.raw(
                """
                INSERT INTO users (login, display_name, password_hash, language, created_at)
                VALUES (\(bind: user.login), \(bind: user.displayName), \(bind: passwordHash), \(bind: user.language), \(bind: time.microseconds))
                """
            ).run()
            try await self.writeRoles(user.roles, for: user.login, in: database)
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "user.add", objectType: "user", objectID: user.login,
                    details: JSONText.encode(["roles": user.roles.sorted().map(\.rawValue)])), in: database)
        }
    }

    /// A staff account and its password hash, nil when there is none.
    public func user(_ login: String) async throws -> (user: StaffUser, passwordHash: String)? {
        try await session { database in
            guard
                let row = try await self.rows(
                    database, "SELECT login, display_name, password_hash, language, disabled_at FROM users WHERE login = \(bind: login)"
                ).first
            else { return nil }
            let roles = try await self.roles(of: login, in: database)
            return (
                StaffUser(
                    login: try row.string("login"), displayName: try row.string("display_name"), roles: roles,
                    language: try row.optionalString("language"), disabledAt: try row.optionalTimestamp("disabled_at")),
                try row.string("password_hash")
            )
        }
    }

    /// All staff accounts, by login.
    public func users() async throws -> [StaffUser] {
        try await session { database in
            // Two queries, whatever the number of accounts (the queue page lists them on every load).
            var roles: [String: Set<StaffRole>] = [:]
            for row in try await self.rows(database, "SELECT login, role FROM user_roles") {
                if let role = StaffRole(rawValue: try row.string("role")) { roles[try row.string("login"), default: []].insert(role) }
            }
            return try await self.rows(database, "SELECT login, display_name, language, disabled_at FROM users ORDER BY login").map { row in
                let login = try row.string("login")
                return StaffUser(
                    login: login, displayName: try row.string("display_name"), roles: roles[login] ?? [],
                    language: try row.optionalString("language"), disabledAt: try row.optionalTimestamp("disabled_at"))
            }
        }
    }

    /// Replaces a user's password hash and ends their sessions.
    public func setPassword(_ login: String, passwordHash: String, actor: String, at time: Timestamp = .now()) async throws {
        try await transaction { database in
            guard try await !self.rows(database, "SELECT login FROM users WHERE login = \(bind: login)").isEmpty else {
                throw StoreError("there is no user named \"\(login)\"")
            }
            try await database.raw("UPDATE users SET password_hash = \(bind: passwordHash) WHERE login = \(bind: login)").run()
            try await database.raw("DELETE FROM sessions WHERE login = \(bind: login)").run()
            _ = try await self.appendAudit(
                AuditDraft(at: time, actor: actor, action: "user.password", objectType: "user", objectID: login), in: database)
        }
    }

    /// Replaces a user's roles.
    public func setRoles(_ login: String, roles: Set<StaffRole>, actor: String, at time: Timestamp = .now()) async throws {
        try await transaction { database in
            guard try await !self.rows(database, "SELECT login FROM users WHERE login = \(bind: login)").isEmpty else {
                throw StoreError("there is no user named \"\(login)\"")
            }
            try await database.raw("DELETE FROM user_roles WHERE login = \(bind: login)").run()
            try await self.writeRoles(roles, for: login, in: database)
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "user.roles", objectType: "user", objectID: login,
                    details: JSONText.encode(["roles": roles.sorted().map(\.rawValue)])), in: database)
        }
    }

    /// Sets a user's preferred language (nil: from the browser).
    public func setLanguage(_ login: String, language: String?) async throws {
        try await session { database in
            try await database.raw("UPDATE users SET language = \(bind: language) WHERE login = \(bind: login)").run()
        }
    }

    private func writeRoles(_ roles: Set<StaffRole>, for login: String, in database: any SQLDatabase) async throws {
        for role in roles.sorted() {
            try await database.raw("INSERT INTO user_roles (login, role) VALUES (\(bind: login), \(bind: role.rawValue))").run()
        }
    }

    private func roles(of login: String, in database: any SQLDatabase) async throws -> Set<StaffRole> {
        Set(
            try await rows(database, "SELECT role FROM user_roles WHERE login = \(bind: login)").compactMap {
                StaffRole(rawValue: try $0.string("role"))
            })
    }

    // MARK: Sessions

    /// Records a session by the hash of its cookie value.
    public func createSession(idHash: String, login: String, expires: Timestamp, at time: Timestamp) async throws {
        try await transaction { database in
            try await database.raw("DELETE FROM sessions WHERE expires_at < \(bind: time.microseconds)").run()
            try await database.raw(
                """
                INSERT INTO sessions (id_hash, login, created_at, expires_at)
                VALUES (\(bind: idHash), \(bind: login), \(bind: time.microseconds), \(bind: expires.microseconds))
                """
            ).run()
        }
    }

    /// The user of a live session, nil when the session is unknown, expired or its user disabled.
    public func sessionUser(idHash: String, at time: Timestamp) async throws -> StaffUser? {
        let login: String? = try await session { database in
            try await self.rows(
                database,
                """
                SELECT s.login AS login FROM sessions s JOIN users u ON u.login = s.login
                WHERE s.id_hash = \(bind: idHash) AND s.expires_at > \(bind: time.microseconds) AND u.disabled_at IS NULL
                """
            ).first?.string("login")
        }
        guard let login else { return nil }
        return try await user(login)?.user
    }

    /// Ends a session.
    public func deleteSession(idHash: String) async throws {
        try await session { database in try await database.raw("DELETE FROM sessions WHERE id_hash = \(bind: idHash)").run() }
    }

    // MARK: API tokens

    /// Records an API token by its hash.
    public func createAPIToken(
        login: String, name: String, tokenHash: String, scopes: Set<APIScope>, expires: Timestamp?, actor: String, at time: Timestamp = .now()
    ) async throws -> Int64 {
        try await transaction { database in
            guard
                let row = try await self.rows(
                    database,
                    """
                    INSERT INTO api_tokens (login, name, token_hash, scopes, created_at, expires_at)
                    VALUES (\(bind: login), \(bind: name), \(bind: tokenHash), \(bind: JSONText.encode(scopes.sorted().map(\.rawValue))),
                            \(bind: time.microseconds), \(bind: expires?.microseconds))
                    RETURNING id
                    """
                ).first
            else { throw StoreError("the database returned no id for a new token") }
            let id = try row.int64("id")
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "token.create", objectType: "user", objectID: login,
                    details: JSONText.encode(["token": String(id), "name": name])), in: database)
            return id
        }
    }

    /// A user's tokens (never the token itself, which is not stored).
    public func apiTokens(login: String) async throws -> [APITokenInfo] {
        try await session { database in
            try await self.rows(
                database,
                "SELECT id, name, scopes, created_at, expires_at, revoked_at FROM api_tokens WHERE login = \(bind: login) ORDER BY id"
            ).map { row in
                APITokenInfo(
                    id: try row.int64("id"), login: login, name: try row.string("name"),
                    scopes: Set(try JSONText.decodeList(row.string("scopes")).compactMap(APIScope.init(rawValue:))),
                    createdAt: try row.timestamp("created_at"), expiresAt: try row.optionalTimestamp("expires_at"),
                    revokedAt: try row.optionalTimestamp("revoked_at"))
            }
        }
    }

    /// Revokes a token at once.
    /// - Returns: false when there is no such live token.
    @discardableResult
    public func revokeAPIToken(_ id: Int64, actor: String, at time: Timestamp = .now()) async throws -> Bool {
        try await transaction { database in
            let rows = try await self.rows(
                database,
                "UPDATE api_tokens SET revoked_at = \(bind: time.microseconds) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING login")
            guard let login = try rows.first?.string("login") else { return false }
            _ = try await self.appendAudit(
                AuditDraft(
                    at: time, actor: actor, action: "token.revoke", objectType: "user", objectID: login,
                    details: JSONText.encode(["token": String(id)])),
                in: database)
            return true
        }
    }

    /// Disables or enables an account; disabling ends its sessions (its tokens stop working too).
    public func setDisabled(_ login: String, disabled: Bool, actor: String, at time: Timestamp = .now()) async throws {
        try await transaction { database in
            guard try await !self.rows(database, "SELECT login FROM users WHERE login = \(bind: login)").isEmpty else {
                throw StoreError("there is no user named \"\(login)\"")
            }
            try await database.raw(
                "UPDATE users SET disabled_at = \(bind: disabled ? time.microseconds : nil) WHERE login = \(bind: login)"
            ).run()
            if disabled { try await database.raw("DELETE FROM sessions WHERE login = \(bind: login)").run() }
            _ = try await self.appendAudit(
                AuditDraft(at: time, actor: actor, action: disabled ? "user.disable" : "user.enable", objectType: "user", objectID: login),
                in: database)
        }
    }

    /// The owner and scopes of a live token.
    public func apiToken(hash: String, at time: Timestamp) async throws -> APITokenGrant? {
        let found: (Int64, String, String)? = try await session { database in
            guard
                let row = try await self.rows(
                    database,
                    """
                    SELECT id, login, scopes FROM api_tokens WHERE token_hash = \(bind: hash) AND revoked_at IS NULL
                    AND (expires_at IS NULL OR expires_at > \(bind: time.microseconds))
                    """
                ).first
            else { return nil }
            return (try row.int64("id"), try row.string("login"), try row.string("scopes"))
        }
        guard let (id, login, scopeText) = found, let user = try await user(login)?.user, user.disabledAt == nil else { return nil }
        let scopes = Set(try JSONText.decodeList(scopeText).compactMap(APIScope.init(rawValue:)))
        return APITokenGrant(tokenID: id, user: user, scopes: scopes)
    }

    // MARK: Settings

    /// A stored setting, created with `make()` the first time it is asked for (e.g. the server's signing key).
    public func setting(_ key: String, orCreate make: @escaping @Sendable () -> String) async throws -> String {
        try await transaction { database in
            if let row = try await self.rows(database, "SELECT value FROM settings WHERE key = \(bind: key)").first {
                return try row.string("value")
            }
            let value = make()
            try await database.raw("INSERT INTO settings (key, value) VALUES (\(bind: key), \(bind: value))").run()
            return value
        }
    }
}

extension Timestamp {
    /// `YYYY-MM-DD` of the UTC day.
    var dayString: String { String(description.prefix(10)) }
}
