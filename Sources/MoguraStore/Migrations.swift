import Logging
import MoguraCore
import SQLKit

/// One step of the schema's history. Steps are applied in order, each in the same transaction as the record that
/// it ran, and never edited once released: a change to the schema is a new step.
struct Migration: Sendable {
    var version: Int
    var name: String
    var statements: @Sendable (any SQLEngine) -> [String]
}

/// The schema, as versioned migrations applied at start-up.
///
/// Conventions: times are `BIGINT` microseconds since the Unix epoch in UTC (exact, cheap to compare, identical
/// on both engines); "since always" and "until further notice" in validity ranges are the smallest and largest
/// `BIGINT`, so range tests need no `NULL` handling; JSON is stored as `TEXT`.
enum Schema {
    static let migrations: [Migration] = [
        Migration(version: 1, name: "core model, blobs, jobs, audit chain") { engine in
            let id = engine.identityColumn
            var statements = [
                """
                CREATE TABLE customers (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    emails TEXT NOT NULL,
                    language TEXT NOT NULL,
                    timezone TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE services (
                    id TEXT PRIMARY KEY,
                    customer_id TEXT NOT NULL REFERENCES customers(id),
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX services_customer ON services(customer_id)",
                """
                CREATE TABLE assignments (
                    id \(id),
                    service_id TEXT NOT NULL REFERENCES services(id),
                    kind TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    lookup_key TEXT NOT NULL,
                    valid_from BIGINT NOT NULL,
                    valid_to BIGINT NOT NULL,
                    source TEXT NOT NULL,
                    imported_at BIGINT NOT NULL,
                    UNIQUE (service_id, kind, resource, valid_from))
                """,
                "CREATE INDEX assignments_lookup ON assignments(kind, lookup_key)",
                """
                CREATE TABLE blobs (
                    sha256 TEXT PRIMARY KEY,
                    size BIGINT NOT NULL,
                    data \(engine.bytesColumn),
                    stored_at BIGINT NOT NULL,
                    tombstoned_at BIGINT,
                    tombstone_reason TEXT)
                """,
                """
                CREATE TABLE cases (
                    id \(id),
                    track TEXT NOT NULL,
                    category TEXT NOT NULL,
                    subject_kind TEXT NOT NULL,
                    subject_key TEXT NOT NULL,
                    customer_id TEXT REFERENCES customers(id),
                    state TEXT NOT NULL,
                    opened_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    deadline BIGINT,
                    assignee TEXT)
                """,
                "CREATE INDEX cases_subject ON cases(subject_kind, subject_key, category, track, state)",
                "CREATE INDEX cases_queue ON cases(track, state, updated_at)",
                """
                CREATE TABLE reports (
                    id \(id),
                    received_at BIGINT NOT NULL,
                    channel TEXT NOT NULL,
                    reporter TEXT,
                    raw_sha256 TEXT REFERENCES blobs(sha256),
                    category TEXT NOT NULL,
                    track TEXT NOT NULL,
                    event_time BIGINT,
                    subject TEXT NOT NULL,
                    case_id BIGINT REFERENCES cases(id))
                """,
                "CREATE INDEX reports_case ON reports(case_id)",
                "CREATE INDEX reports_received ON reports(received_at)",
                """
                CREATE TABLE report_indicators (
                    report_id BIGINT NOT NULL REFERENCES reports(id),
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (report_id, kind, value))
                """,
                "CREATE INDEX report_indicators_value ON report_indicators(kind, value)",
                """
                CREATE TABLE actions (
                    id \(id),
                    case_id BIGINT NOT NULL REFERENCES cases(id),
                    kind TEXT NOT NULL,
                    state TEXT NOT NULL,
                    due_at BIGINT NOT NULL,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    attempts INTEGER NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX actions_case ON actions(case_id, due_at)",
                "CREATE INDEX actions_due ON actions(state, due_at)",
                """
                CREATE TABLE jobs (
                    id \(id),
                    queue TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL,
                    run_at BIGINT NOT NULL,
                    attempts INTEGER NOT NULL,
                    max_attempts INTEGER NOT NULL,
                    locked_by TEXT,
                    locked_until BIGINT,
                    last_error TEXT,
                    dedupe_key TEXT UNIQUE,
                    created_at BIGINT NOT NULL,
                    finished_at BIGINT)
                """,
                "CREATE INDEX jobs_due ON jobs(queue, state, run_at)",
                """
                CREATE TABLE audit_events (
                    seq BIGINT PRIMARY KEY,
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    object_type TEXT NOT NULL,
                    object_id TEXT NOT NULL,
                    details TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL)
                """,
                """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq BIGINT NOT NULL,
                    hash TEXT NOT NULL)
                """,
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
            ]
            // The audit chain is append-only in the database itself, not only in Mogura's code.
            switch engine.kind {
            case .sqlite:
                statements += [
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                ]
            case .postgres:
                statements += [
                    """
                    CREATE FUNCTION mogura_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$
                    """,
                    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION mogura_audit_append_only()",
                    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION mogura_audit_append_only()",
                ]
            }
            return statements
        },
        Migration(version: 2, name: "intake: report format, classification, parse errors, idempotent ingest") { engine in
            [
                "ALTER TABLE reports ADD COLUMN format TEXT NOT NULL DEFAULT 'text'",
                "ALTER TABLE reports ADD COLUMN confidence \(engine.doubleColumn) NOT NULL DEFAULT 0",
                "ALTER TABLE reports ADD COLUMN event_zone_assumed INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE reports ADD COLUMN language TEXT",
                "ALTER TABLE reports ADD COLUMN message_id TEXT",
                "ALTER TABLE reports ADD COLUMN parse_error TEXT",
                "ALTER TABLE reports ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'",
                "ALTER TABLE reports ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}'",
                "ALTER TABLE reports ADD COLUMN source TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE reports ADD COLUMN row_number INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE reports ADD COLUMN dedupe_key TEXT",
                // The same mail twice (Message-ID), or the same bytes twice (content hash and row), is one report.
                "CREATE UNIQUE INDEX reports_dedupe ON reports(dedupe_key)",
                "CREATE UNIQUE INDEX reports_raw_row ON reports(raw_sha256, row_number)",
                "CREATE INDEX reports_triage ON reports(case_id, received_at)",
            ]
        },
        Migration(version: 3, name: "desk: correlation, case tokens, playbook actions") { _ in
            [
                "ALTER TABLE reports ADD COLUMN correlated_at BIGINT",
                "ALTER TABLE reports ADD COLUMN triage_reason TEXT",
                "CREATE INDEX reports_uncorrelated ON reports(id) WHERE correlated_at IS NULL",
                "ALTER TABLE cases ADD COLUMN token TEXT",
                "ALTER TABLE cases ADD COLUMN playbook TEXT",
                "ALTER TABLE cases ADD COLUMN resolved_at BIGINT",
                "CREATE UNIQUE INDEX cases_token ON cases(token)",
                "ALTER TABLE actions ADD COLUMN step INTEGER",
                "ALTER TABLE actions ADD COLUMN requires_approval INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE actions ADD COLUMN approved_by TEXT",
                "ALTER TABLE actions ADD COLUMN template TEXT",
                "ALTER TABLE actions ADD COLUMN done_at BIGINT",
                "ALTER TABLE actions ADD COLUMN result TEXT",
            ]
        },
        Migration(version: 4, name: "desk: indicator order, action targets, inventory version") { _ in
            [
                // Indicators keep the order intake found them in: the first is usually the one the report is about.
                "ALTER TABLE report_indicators ADD COLUMN position INTEGER NOT NULL DEFAULT 0",
                // Whom or what an action is for when that is not the case's subject (the report an acknowledgement answers).
                "ALTER TABLE actions ADD COLUMN target TEXT",
                // Counters other processes watch: the inventory version goes up with every import, so workers reload.
                "CREATE TABLE store_state (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
                "INSERT INTO store_state (key, value) VALUES ('inventory_version', 0)",
                "CREATE INDEX reports_case_state ON reports(triage_reason) WHERE case_id IS NULL",
            ]
        },
        Migration(version: 5, name: "web: staff accounts, sessions, API tokens, notes, queue indexes") { engine in
            let id = engine.identityColumn
            return [
                """
                CREATE TABLE users (
                    login TEXT PRIMARY KEY,
                    display_name TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    language TEXT,
                    created_at BIGINT NOT NULL,
                    disabled_at BIGINT)
                """,
                """
                CREATE TABLE user_roles (
                    login TEXT NOT NULL REFERENCES users(login),
                    role TEXT NOT NULL,
                    PRIMARY KEY (login, role))
                """,
                // A session is stored by the SHA-256 of its cookie, so a copy of the database logs nobody in.
                """
                CREATE TABLE sessions (
                    id_hash TEXT PRIMARY KEY,
                    login TEXT NOT NULL REFERENCES users(login),
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL)
                """,
                "CREATE INDEX sessions_expiry ON sessions(expires_at)",
                """
                CREATE TABLE api_tokens (
                    id \(id),
                    login TEXT NOT NULL REFERENCES users(login),
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    scopes TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT,
                    revoked_at BIGINT)
                """,
                "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                """
                CREATE TABLE case_notes (
                    id \(id),
                    case_id BIGINT NOT NULL REFERENCES cases(id),
                    author TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL)
                """,
                "CREATE INDEX case_notes_case ON case_notes(case_id, id)",
                // The notices and acknowledgements as sent (the bytes are a blob), for the case's timeline.
                """
                CREATE TABLE sent_mail (
                    action_id BIGINT PRIMARY KEY REFERENCES actions(id),
                    case_id BIGINT NOT NULL REFERENCES cases(id),
                    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
                    recipients TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    sent_at BIGINT NOT NULL)
                """,
                "CREATE INDEX sent_mail_case ON sent_mail(case_id, sent_at)",
                // The queue pages by (sort key, id) from an index, whatever the filter: keyset paging, never OFFSET.
                "CREATE INDEX cases_by_updated ON cases(track, updated_at, id)",
                "CREATE INDEX cases_by_state ON cases(track, state, updated_at, id)",
                "CREATE INDEX cases_by_category ON cases(track, category, updated_at, id)",
                "CREATE INDEX cases_by_assignee ON cases(track, assignee, updated_at, id)",
                "CREATE INDEX cases_by_opened ON cases(track, opened_at, id)",
                "CREATE INDEX cases_by_deadline ON cases(track, deadline, id)",
                "CREATE INDEX audit_by_object ON audit_events(object_type, object_id, seq)",
            ]
        },
        // Mail accounting: each milter process ("node") keeps its own absolute counts per account and window, so
        // a repeated write is harmless and the total across nodes is a sum.
        Migration(version: 6, name: "milter: mail counters per node, account and window") { _ in
            [
                """
                CREATE TABLE mail_counters (
                    node TEXT NOT NULL,
                    account TEXT NOT NULL,
                    window_kind TEXT NOT NULL,
                    window_start BIGINT NOT NULL,
                    messages BIGINT NOT NULL,
                    recipients BIGINT NOT NULL,
                    bounces BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (node, account, window_kind, window_start))
                """,
                "CREATE INDEX mail_counters_changed ON mail_counters(updated_at)",
                "CREATE INDEX mail_counters_window ON mail_counters(window_start)",
            ]
        },
        Migration(version: 7, name: "legal track: requests, rows, deadlines, documents, disclosure register, subjects") { engine in
            let id = engine.identityColumn
            return [
                """
                CREATE TABLE legal_requests (
                    id \(id),
                    number TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    state TEXT NOT NULL,
                    claimant TEXT,
                    received_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    payload TEXT NOT NULL)
                """,
                "CREATE INDEX legal_requests_open ON legal_requests(state, updated_at)",
                """
                CREATE TABLE legal_rows (
                    request_id BIGINT NOT NULL REFERENCES legal_requests(id),
                    position INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    customer_id TEXT,
                    dedupe_key TEXT,
                    claimant TEXT,
                    payload TEXT NOT NULL,
                    PRIMARY KEY (request_id, position))
                """,
                "CREATE INDEX legal_rows_claimant_key ON legal_rows(claimant, dedupe_key)",
                "CREATE INDEX legal_rows_customer ON legal_rows(customer_id)",
                """
                CREATE TABLE legal_deadlines (
                    id \(id),
                    request_id BIGINT NOT NULL REFERENCES legal_requests(id),
                    rule_id TEXT NOT NULL,
                    due_at BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    payload TEXT NOT NULL)
                """,
                "CREATE INDEX legal_deadlines_pending ON legal_deadlines(status, due_at)",
                """
                CREATE TABLE legal_documents (
                    id \(id),
                    request_id BIGINT NOT NULL REFERENCES legal_requests(id),
                    template_id TEXT NOT NULL,
                    template_version TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    created_by TEXT NOT NULL,
                    payload TEXT NOT NULL)
                """,
                "CREATE INDEX legal_documents_request ON legal_documents(request_id)",
                """
                CREATE TABLE legal_disclosures (
                    sequence \(id),
                    request_id BIGINT NOT NULL REFERENCES legal_requests(id),
                    released_at BIGINT NOT NULL,
                    payload TEXT NOT NULL)
                """,
                """
                CREATE TABLE legal_subjects (
                    request_id BIGINT NOT NULL REFERENCES legal_requests(id),
                    customer_id TEXT NOT NULL,
                    fields TEXT NOT NULL,
                    PRIMARY KEY (request_id, customer_id))
                """,
            ]
        },
        Migration(version: 8, name: "legal track: preservation holds") { engine in
            let id = engine.identityColumn
            return [
                """
                CREATE TABLE legal_holds (
                    id \(id),
                    request_id BIGINT NOT NULL REFERENCES legal_requests(id),
                    basis TEXT NOT NULL,
                    customer_id TEXT,
                    service_id TEXT,
                    sources TEXT NOT NULL,
                    window_from BIGINT NOT NULL,
                    window_to BIGINT NOT NULL,
                    starts_at BIGINT NOT NULL,
                    expires_at BIGINT,
                    released_at BIGINT,
                    released_by TEXT)
                """,
                "CREATE INDEX legal_holds_customer ON legal_holds(customer_id, released_at)",
                "CREATE INDEX legal_holds_request ON legal_holds(request_id)",
            ]
        },
        Migration(version: 9, name: "legal track: holds by indicator") { _ in
            [
                "ALTER TABLE legal_holds ADD COLUMN indicator TEXT",
                "CREATE INDEX legal_holds_indicator ON legal_holds(indicator, released_at)",
            ]
        },
    ]

    /// The newest schema version this build knows.
    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies pending migrations in one transaction. On PostgreSQL an advisory lock keeps two processes starting
    /// at once from racing; on SQLite `BEGIN IMMEDIATE` does the same.
    /// - Returns: the versions applied.
    static func migrate(_ engine: any SQLEngine, logger: Logger) async throws -> [Int] {
        try await engine.withTransaction { database in
            if engine.kind == .postgres {
                try await database.execute(sql: SQLRaw("SELECT pg_advisory_xact_lock(7236812)")) { _ in }
            }
            try await database.execute(
                sql: SQLRaw(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                    """)
            ) { _ in }
            let applied = Set(
                try await database.raw("SELECT version FROM schema_migrations").all().map {
                    try $0.decode(column: "version", as: Int.self)
                })
            if let newest = applied.max(), newest > latestVersion {
                throw StoreError(
                    "the database schema is version \(newest), newer than this mogura understands (\(latestVersion)); run a newer mogura")
            }
            var ran: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info("applying schema migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                for statement in migration.statements(engine) {
                    try await database.execute(sql: SQLRaw(statement)) { _ in }
                }
                try await database.raw(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Timestamp.now().microseconds))
                    """
                ).run()
                ran.append(migration.version)
            }
            return ran
        }
    }
}
