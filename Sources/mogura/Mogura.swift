import ArgumentParser
import Logging
import MoguraCore

/// The `mogura` command: argument parsing and wiring only; the work happens in the Mogura modules.
@main
struct Mogura: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mogura",
        abstract: "An abuse desk for hosting providers, cloud providers and ISPs.",
        discussion: """
            Mogura takes every signal of abuse that reaches a provider, works out which customer it concerns, \
            groups it into cases, drives each case through a playbook and keeps an audit trail.

            Data lives in SQLite in --data-dir (default ./mogura-data, or MOGURA_DATA_DIR), or in PostgreSQL \
            with --database postgres://… (or MOGURA_DATABASE_URL). The schema is created and upgraded on start.

            First look:   mogura demo
            Inventory:    mogura inventory import customers.json
                          mogura inventory whois 203.0.113.7 --at '2025-06-01 09:00'
            Reports:      mogura ingest complaint.eml
            Cases:        mogura work; mogura case list; mogura case show 12
            Run it all:   mogura serve --config mogura.yml
            Audit:        mogura audit verify
            """,
        version: MoguraVersion.current,
        subcommands: [
            DemoCommand.self, ServeCommand.self, IngestCommand.self, WorkCommand.self, CaseCommand.self, InventoryCommand.self, ConfigCommand.self,
            UserCommand.self, MilterCommand.self, ScanCommand.self, QuarantineCommand.self, LegalCommand.self,
            NoticesCommand.self, AuditCommand.self, VersionCommand.self,
        ]
    )
}

/// Mogura's version.
enum MoguraVersion {
    static let current = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print Mogura's version and the database schema version it writes.")

    func run() {
        print("mogura \(MoguraVersion.current)")
    }
}
