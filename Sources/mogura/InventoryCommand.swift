import ArgumentParser
import Foundation
import MoguraCore
import MoguraResolve
import MoguraStore

struct InventoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "Import and query customers, services and the resources they hold.",
        discussion: """
            The inventory tells Mogura whose an address, domain or mail account was at a given time. Import it \
            from your billing or provisioning system as JSON or CSV (see docs/inventory.md), then ask it.
            """,
        subcommands: [InventoryImportCommand.self, InventoryWhoisCommand.self])
}

struct InventoryImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import customers, services and assignments from JSON or CSV files, all or nothing.",
        discussion: """
            Files ending in .json are JSON, files ending in .csv are CSV; a CSV file holds customers, services or \
            assignments, told apart by its header. All files are read and checked before anything is written; if \
            any record is wrong, every problem is printed as file:line: field: reason and the store is unchanged.

            By default the import merges: records with a known id are updated, an assignment with the same \
            service, resource and valid_from is updated (e.g. to close it with a valid_to), others are added. \
            With --replace-assignments the files are the complete list of assignments and all others are removed.

            Examples:
              mogura inventory import inventory.json
              mogura inventory import customers.csv services.csv assignments.csv --zone UTC
              mogura inventory import nightly-export.json --replace-assignments
            """)

    @Argument(help: ArgumentHelp("Inventory files (.json or .csv).", valueName: "file"))
    var files: [String]

    @Flag(name: .customLong("replace-assignments"), help: "Treat the files as the complete list of assignments; remove the rest.")
    var replaceAssignments = false

    @Option(
        name: .customLong("format"),
        help: ArgumentHelp("Read every file as this format instead of going by its extension: json or csv.", valueName: "format"))
    var format: String?

    @OptionGroup var zone: ZoneOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let format, InventoryFileParser.Format(rawValue: format) == nil {
            throw ValidationError("--format must be json or csv")
        }
    }

    func run() async throws {
        let logger = logging.makeLogger()
        let parser = InventoryFileParser(timestampParser: try zone.parser())
        var document = InventoryDocument()
        var problems: [InventoryIssue] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandError("cannot read \(file): no such file, or not readable")
            }
            if data.count > 16 << 20 { StandardError.print("reading \(file) (\(data.count >> 20) MiB)…") }
            do {
                document.append(try parser.parse([UInt8](data), file: file, format: format.flatMap(InventoryFileParser.Format.init(rawValue:))))
            } catch {
                problems += error.issues
            }
        }
        if !problems.isEmpty { throw ImportFailure.report(problems) }
        let mode: InventoryImportMode = replaceAssignments ? .replaceAssignments : .merge
        let configuration = try store.configuration()
        let documentToImport = document
        do {
            let summary = try await StoreFactory.withStore(configuration, logger: logger) { store in
                try await store.importInventory(documentToImport, mode: mode, actor: CommandActor.current)
            }
            var line =
                "imported \(summary.customersWritten) customers, \(summary.servicesWritten) services, \(summary.assignmentsWritten) assignments"
            if mode == .replaceAssignments { line += "; removed \(summary.assignmentsRemoved) assignments not in the files" }
            print(line + " into \(configuration)")
        } catch let error as InventoryValidationError {
            throw ImportFailure.report(error.issues)
        }
    }
}

/// Prints every import problem, one `file:line: field: reason` per line on standard error, and exits 1.
enum ImportFailure {
    static func report(_ issues: [InventoryIssue]) -> ExitCode {
        for issue in issues { StandardError.print(issue.description) }
        if issues.count >= InventoryValidator.maximumIssues { StandardError.print("(stopped after \(issues.count) problems)") }
        StandardError.print("nothing was imported; fix the lines above and run the import again")
        return ExitCode.failure
    }
}

struct InventoryWhoisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whois",
        abstract: "Say whose an address, domain, URL or mail account was at a given time.",
        discussion: """
            The indicator's kind is guessed from its shape: 203.0.113.7 (address), 198.51.100.7:1050 (address \
            and port: carrier-grade NAT blocks first), 2001:db8::1, shop.example.jp (domain, matched by suffix), \
            https://shop.example.jp/login (URL, by its host), info@example.jp (mail account, then its domain). \
            Prefix a kind to be explicit: account:info@example.jp.

            Without --at the answer is for now. Times without a zone are read in --zone (default Asia/Tokyo).

            Examples:
              mogura inventory whois 203.0.113.7 --at '2024-06-01 09:00'
              mogura inventory whois 198.51.100.7:1050 --at 2025-01-15T03:00:00Z --format json
            """)

    @Argument(help: ArgumentHelp("What to look up.", valueName: "indicator"))
    var indicator: String

    @Option(
        name: .customLong("at"),
        help: ArgumentHelp("When the event happened (RFC 3339 or YYYY-MM-DD HH:MM[:SS] [zone]); default now.", valueName: "time"))
    var at: String?

    @Option(name: .customLong("format"), help: ArgumentHelp("Output format: text or json.", valueName: "format"))
    var format: OutputFormat = .text

    @OptionGroup var zone: ZoneOption
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let parsedIndicator: Indicator
        do {
            parsedIndicator = try Indicator(guessing: indicator)
        } catch {
            throw CommandError("cannot read \"\(indicator)\" as an address, domain, URL or e-mail address: \(error.reason)")
        }
        let time: Timestamp
        if let at {
            do { time = try zone.parser().parse(at).timestamp } catch let error as TimestampParseError {
                throw CommandError("--at \(error)")
            }
        } else {
            time = .now()
        }
        let snapshot = try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
            try await store.inventoryCandidates(for: parsedIndicator)
        }
        let index = InventoryIndex(snapshot)
        let attribution = index.attribute(parsedIndicator, at: time)
        var natCount = 0
        if case .ip(let address) = parsedIndicator { natCount = index.natBlockCount(on: address, at: time) }
        let zoneForDisplay = try zone.parser().defaultZone
        switch format {
        case .json:
            print(WhoisReport.json(indicator: parsedIndicator, at: time, attribution: attribution, natBlocks: natCount))
        case .text:
            print(WhoisReport.text(indicator: parsedIndicator, at: time, attribution: attribution, natBlocks: natCount, zone: zoneForDisplay))
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Renders a whois answer.
enum WhoisReport {
    static func json(indicator: Indicator, at time: Timestamp, attribution: Attribution?, natBlocks: Int) -> String {
        var object: [String: JSONOutput] = [
            "indicator": .string(indicator.value), "indicator_kind": .string(indicator.kind), "at": .string(time.description),
        ]
        if let attribution {
            let customer = attribution.customer
            let service = attribution.service
            let assignment = attribution.assignment
            object["customer"] = .object([
                "id": .string(customer.id), "name": .string(customer.name),
                "emails": .array(customer.emails.map { .string($0.description) }),
                "language": .string(customer.language), "timezone": .string(customer.timezone),
            ])
            object["service"] = .object([
                "id": .string(service.id), "kind": .string(service.kind), "status": .string(service.status.rawValue),
            ])
            object["assignment"] = .object([
                "id": assignment.id.map { .number(Double($0)) } ?? .null,
                "kind": .string(assignment.resource.kind), "resource": .string(assignment.resource.description),
                "valid_from": assignment.validity.from.map { .string($0.description) } ?? .null,
                "valid_to": assignment.validity.to.map { .string($0.description) } ?? .null,
            ])
            object["matched"] = .string(assignment.resource.description)
            object["matched_kind"] = .string(assignment.resource.kind)
        } else {
            object["customer"] = .null
            object["service"] = .null
            object["assignment"] = .null
            object["matched"] = .null
        }
        if natBlocks > 0 { object["nat_blocks_without_port"] = .number(Double(natBlocks)) }
        return JSONOutput.object(object).rendered
    }

    static func text(indicator: Indicator, at time: Timestamp, attribution: Attribution?, natBlocks: Int, zone: TimeZone) -> String {
        var lines = ["\(indicator.value) at \(time.formatted(in: zone))"]
        if let attribution {
            let customer = attribution.customer
            let emails = customer.emails.map(\.description).joined(separator: ", ")
            lines.append(
                "  customer  \(customer.id)  \(customer.name)" + (emails.isEmpty ? "" : "  <\(emails)>")
                    + "  (\(customer.language), \(customer.timezone))")
            lines.append("  service   \(attribution.service.id)  \(attribution.service.kind)  (\(attribution.service.status.rawValue))")
            let validity = attribution.assignment.validity
            let from = validity.from.map { $0.formatted(in: zone) } ?? "always"
            let to = validity.to.map { $0.formatted(in: zone) } ?? "until further notice"
            lines.append("  matched   \(attribution.matched.kind) \(attribution.matched)  valid \(from) – \(to)")
        } else {
            lines.append("  no assignment matches: not ours at that time (or missing from the inventory)")
        }
        if natBlocks > 0 {
            lines.append("  note      \(natBlocks) NAT port blocks on this address at that time; give the port (address:port) to find the subscriber")
        }
        return lines.joined(separator: "\n")
    }
}

/// Minimal JSON writer with stable key order, for command output.
indirect enum JSONOutput {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONOutput])
    case object([String: JSONOutput])

    var rendered: String {
        switch self {
        case .string(let text): return Self.quote(text)
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map(\.rendered).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { Self.quote($0) + ": " + members[$0]!.rendered }.joined(separator: ", ") + "}"
        }
    }

    static func quote(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20: output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
