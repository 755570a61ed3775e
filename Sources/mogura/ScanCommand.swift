import ArgumentParser
import Foundation
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraScan
import MoguraStore

#if canImport(Glibc)
    import Glibc
#endif

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan web space for webshells, backdoors, mass mailers and phishing kits.",
        discussion: """
            Walks the given directories with one thread per core (symbolic links are never followed), reads every \
            file a rule looks at (PHP, and HTML/JS/SVG for web rules; other files only if a rule asks for any \
            file), skips binary files and files over --max-size, and matches Mogura's rules (rules/ in the source \
            tree; docs/scan.md describes the format) plus any --rules you add. Obfuscation layers — base64, \
            gzinflate/gzuncompress/gzdecode, str_rot13, strrev, hex2bin, url-decoding, \\x and octal escapes, \
            chr() chains — are undone up to 4 deep and what they reveal is scanned again.

            A file is flagged when the scores of its matches add up to --threshold (default 10). Text output \
            lists flagged files and their matches; --format json prints one JSON object per match (path, rule, \
            category, score, offset, excerpt, sha256, layers). A summary goes to standard error, with a progress \
            line while it runs when standard error is a terminal.

            With --report, each flagged file also becomes a report in the desk (category webshell, mailer or \
            phishing, by its highest-scoring match), attributed through the inventory's path assignments \
            ({"service": "s1", "path": "/home/alice"}; with --host, "web01:/home/alice" matches only on that \
            server) so the playbook can suspend the account's web publishing (action suspend-web). A file found \
            again on the same day is filed once; `mogura work` or `mogura serve` then correlates the reports.

            Exit status: 0 nothing flagged, 1 something flagged, 2 an error (bad rules, an unreadable \
            allowlist or cache, or files that could not be read and nothing flagged); 64 for a command line that \
            does not parse, as for every mogura command.

            Examples:
              mogura scan /home                                  # every account's web space
              mogura scan --format json /srv/www > findings.jsonl
              mogura scan --since 1d /home                       # what changed in the last day
              mogura scan --rules /etc/mogura/rules --allowlist known-good.txt /home
              mogura scan --report --host web01 --cache /var/lib/mogura/scan.cache /home   # nightly, into the desk
            """)

    @Argument(help: ArgumentHelp("Directories or files to scan.", valueName: "path")) var paths: [String] = []

    @Option(name: .customLong("rules"), help: ArgumentHelp("More rules: a YAML file or a directory of them (repeatable).", valueName: "path"))
    var extraRules: [String] = []
    @Flag(help: "Use only --rules, not Mogura's own.") var noBuiltinRules = false
    @Option(help: "Flag a file when its matches' scores add up to this.") var threshold = 10
    @Option(help: ArgumentHelp("text or json (one object per match).", valueName: "format")) var format: OutputFormat = .text
    @Option(help: ArgumentHelp("Skip files larger than this many bytes (suffixes K, M, G).", valueName: "size")) var maxSize = "16M"
    @Option(help: "Worker threads (default: one per core).") var threads: Int?
    @Option(help: ArgumentHelp("Seconds of regex matching one file may take before its remaining rules give up.", valueName: "seconds"))
    var timeLimit = 2.0
    @Option(help: ArgumentHelp("Only files modified since: a duration (30m, 12h, 7d) or a date (2026-11-01).", valueName: "when"))
    var since: String?
    @Option(help: ArgumentHelp("A file of SHA-256 hashes (hex, one per line, # comments) of files never to flag.", valueName: "file"))
    var allowlist: String?
    @Option(
        help: ArgumentHelp(
            "Remember files between sweeps in this file: unchanged files (size, mtime, ctime) are not read again.", valueName: "file"))
    var cache: String?
    @Option(
        help: ArgumentHelp(
            "Move flagged files into this quarantine directory (restorable with `mogura quarantine restore`).", valueName: "directory"))
    var quarantine: String?
    @Flag(help: "List the rules and exit.") var listRules = false
    @Flag(help: "File each flagged file as a report in the desk, attributed through the inventory's path assignments.")
    var report = false
    @Option(help: ArgumentHelp("With --report: this server's name, so paths are looked up as name:/path first.", valueName: "name"))
    var host: String?
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard listRules || !paths.isEmpty else { throw ValidationError("name at least one directory or file to scan") }
        guard threshold > 0 else { throw ValidationError("--threshold is 1 or more") }
        _ = try Self.size(maxSize)
        if let since { _ = try Self.since(since, now: .now()) }
        if let threads, threads < 1 { throw ValidationError("--threads is 1 or more") }
        guard timeLimit > 0 else { throw ValidationError("--time-limit is seconds above 0") }
        if let host {
            guard report else { throw ValidationError("--host names this server for --report; add --report") }
            do { _ = try HostedPath("\(host):/") } catch { throw ValidationError("--host: \(error.reason)") }
        }
    }

    func run() async throws {
        do {
            guard report, !listRules else {
                try await Self.offThread { try scan(collect: false).finish() }
                return
            }
            let configuration = try store.configuration()
            let logger = logging.makeLogger()
            // The store first: a database that cannot be reached fails the command before the sweep, not after.
            let outcome = try await StoreFactory.withStore(configuration, logger: logger) { database in
                let outcome = try await Self.offThread { try scan(collect: true) }
                let pipeline = IngestPipeline(intake: Intake(), store: database, actor: "scanner")
                let filed = try await ScanReports.file(outcome.flaggedResults, quarantined: outcome.quarantined, host: host, pipeline: pipeline)
                FileHandle.standardError.write(
                    Data(
                        "  filed \(filed.new) report(s) into the desk (\(filed.duplicates) already filed today); `mogura work` correlates them\n"
                            .utf8))
                return outcome
            }
            try outcome.finish()
        } catch let error as CommandError {
            // Exit status 2 for every error of a sweep (1 means "something flagged").
            FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("Error: the store: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// What a sweep found, for the exit status and the reports.
    struct SweepOutcome: Sendable {
        var summary: ScanSummary
        var flaggedResults: [ScanFileResult] = []
        var quarantined: [String: String] = [:]
        var quarantineFailed = false
        var listedOnly = false

        func finish() throws {
            if listedOnly { return }
            if quarantineFailed { throw ExitCode(2) }
            if summary.flagged > 0 { throw ExitCode(1) }
            if !summary.errors.isEmpty { throw ExitCode(2) }
        }
    }

    /// Runs blocking work (the sweep has its own threads and waits for them) away from the concurrency pool.
    static func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private func scan(collect: Bool) throws -> SweepOutcome {
        let rules: [ScanRule]
        do {
            var loaded: [ScanRule] = []
            if !noBuiltinRules {
                guard let directory = Self.builtinRulesDirectory() else {
                    throw CommandError(
                        "Mogura's rules directory was not found (looked beside the executable, in ./rules and in MOGURA_RULES_DIR); "
                            + "point MOGURA_RULES_DIR at it or use --no-builtin-rules with --rules")
                }
                loaded += try ScanRule.load(path: directory)
            }
            for path in extraRules { loaded += try ScanRule.load(path: path) }
            rules = loaded
        } catch let error as ScanError {
            throw CommandError(error.description)
        }
        if listRules {
            for rule in rules {
                print("\(rule.id)\t\(rule.category.rawValue)\t\(rule.score)\t\(rule.files.rawValue)\t\(rule.description)")
            }
            return SweepOutcome(summary: ScanSummary(), listedOnly: true)
        }
        guard !rules.isEmpty else { throw CommandError("no rules to scan with") }
        let ruleSet: ScanRuleSet
        do {
            ruleSet = try ScanRuleSet(rules)
        } catch {
            throw CommandError("the rules do not compile: \(error)")
        }
        var options = ScanOptions()
        options.threshold = threshold
        options.maximumFileSize = try Self.size(maxSize)
        if let threads { options.threads = threads }
        options.timeLimit = timeLimit
        if let since { options.modifiedSince = try Self.since(since, now: .now()) }
        if let allowlist { options.allowlist = try Self.hashes(allowlist) }  // CommandError
        if let cache {
            do {
                options.cache = try ScanCache(path: cache, rules: ruleSet, threshold: threshold, allowlist: options.allowlist)
            } catch let error as ScanError {
                throw CommandError(error.description)
            }
        }

        let scanner = TreeScanner(rules: ruleSet, options: options)
        let output = OutputLock()
        let json = format == .json
        let vault: ScanQuarantine?
        do {
            vault = try quarantine.map { try ScanQuarantine(directory: $0) }
        } catch {
            throw CommandError("the quarantine directory cannot be used: \(error)")
        }
        let moved = QuarantineTally()
        let flagged = FlaggedResults()
        let progress = isatty(STDERR_FILENO) == 1 ? ScanProgressLine(scanner: scanner) : nil
        progress?.start()
        let summary = scanner.run(paths: paths) { result in
            output.write(json ? Self.jsonLines(result) : Self.text(result))
            if collect { flagged.add(result) }
            guard let vault else { return }
            do {
                let record = try vault.quarantine(result)
                moved.add(nil, path: result.path, id: record.id)
                if !json { output.write("  quarantined as \(record.id)\n") }
            } catch {
                moved.add("\(result.path): not quarantined: \(error)")
            }
        }
        progress?.stop()
        do {
            try options.cache?.save()
        } catch let error as ScanError {
            FileHandle.standardError.write(Data("mogura scan: \(error.description)\n".utf8))
        }
        FileHandle.standardError.write(Data(Self.summary(summary).utf8))
        var outcome = SweepOutcome(summary: summary, flaggedResults: flagged.results)
        if let vault {
            let (count, failures) = moved.result
            FileHandle.standardError.write(Data("  \(count) quarantined in \(vault.directory)\n".utf8))
            for failure in failures { FileHandle.standardError.write(Data("  \(failure)\n".utf8)) }
            outcome.quarantined = moved.identifiers
            outcome.quarantineFailed = !failures.isEmpty
        }
        return outcome
    }

    // MARK: - Output

    static func text(_ result: ScanFileResult) -> String {
        var text = "\(result.path)  score \(result.score)  sha256 \(result.sha256)\n"
        for match in result.matches {
            let via = match.layers.isEmpty ? "" : " [via \(match.layers.joined(separator: " → "))]"
            text += "  \(match.rule) (\(match.category.rawValue), \(match.score)) at \(match.offset)\(via): \(match.excerpt)\n"
        }
        return text
    }

    static func jsonLines(_ result: ScanFileResult) -> String {
        var lines = ""
        for match in result.matches {
            let object: [String: JSONOutput] = [
                "path": .string(result.path), "rule": .string(match.rule), "category": .string(match.category.rawValue),
                "score": .number(Double(match.score)), "file_score": .number(Double(result.score)), "offset": .number(Double(match.offset)),
                "excerpt": .string(match.excerpt), "sha256": .string(result.sha256), "layers": .array(match.layers.map { .string($0) }),
                "description": .string(match.description),
            ]
            lines += JSONOutput.object(object).rendered + "\n"
        }
        return lines
    }

    static func summary(_ summary: ScanSummary) -> String {
        let mebibytes = Double(summary.bytes) / 1_048_576
        let rate = summary.seconds > 0 ? mebibytes / summary.seconds : 0
        var text = String(
            format: "mogura scan: %d files, %d scanned (%.1f MiB) in %.2f s, %.1f MiB/s; %d flagged with %d matches\n", summary.files,
            summary.scanned, mebibytes, summary.seconds, rate, summary.flagged, summary.matches)
        text +=
            "  skipped: \(summary.skippedByKind) no rule looks at, \(summary.skippedBinary) binary, \(summary.skippedLarge) too large, "
            + "\(summary.skippedOld) older than --since, \(summary.unchanged) unchanged since the cached sweep, "
            + "\(summary.skippedLinks) links or special files; \(summary.allowlisted) allowlisted\n"
        if !summary.timedOut.isEmpty {
            text += "  \(summary.timedOut.count) not fully examined (--time-limit); read again next sweep:\n"
            for line in summary.timedOut.prefix(20) { text += "    \(line)\n" }
            if summary.timedOut.count > 20 { text += "    … and \(summary.timedOut.count - 20) more\n" }
        }
        if !summary.errors.isEmpty {
            text += "  \(summary.errors.count) could not be read:\n"
            for error in summary.errors.prefix(20) { text += "    \(error)\n" }
            if summary.errors.count > 20 { text += "    … and \(summary.errors.count - 20) more\n" }
        }
        return text
    }

    // MARK: - Arguments

    static func size(_ text: String) throws -> Int {
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var multiplier = 1
        if let last = digits.last?.uppercased().first, let factor = multipliers[last] {
            multiplier = factor
            digits = digits.dropLast()
        }
        guard let value = Int(digits), value > 0 else { throw ValidationError("--max-size is a number of bytes, optionally with K, M or G") }
        return value * multiplier
    }

    static func since(_ text: String, now: Timestamp) throws -> Timestamp {
        let units: [Character: Int64] = ["m": 60, "h": 3_600, "d": 86_400]
        if let unit = text.last, let seconds = units[unit], let value = Int64(text.dropLast()), value >= 0 {
            return now.adding(seconds: -value * seconds)
        }
        do {
            return try TimestampParser().parse(text).timestamp
        } catch {
            throw ValidationError("--since is a duration (30m, 12h, 7d) or a date: \(error)")
        }
    }

    static func hashes(_ path: String) throws -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("\(path): cannot be read") }
        var hashes: Set<String> = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?.trimmingCharacters(in: .whitespaces) ?? ""
            if text.isEmpty { continue }
            let hash = text.split(separator: " ").first.map(String.init)?.lowercased() ?? ""
            guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                throw CommandError("\(path):\(number + 1): not a SHA-256 in hex")
            }
            hashes.insert(hash)
        }
        return hashes
    }

    /// Mogura's own rules: $MOGURA_RULES_DIR, then `rules` beside the source tree the executable was built in
    /// (`.build/<config>/mogura` → `rules`), then `../share/mogura/rules` from the executable, then `./rules`.
    static func builtinRulesDirectory() -> String? {
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["MOGURA_RULES_DIR"] { candidates.append(directory) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("../../../rules").standardized.path)
        candidates.append(executable.appendingPathComponent("../../../../rules").standardized.path)
        candidates.append(executable.appendingPathComponent("../share/mogura/rules").standardized.path)
        candidates.append(FileManager.default.currentDirectoryPath + "/rules")
        return candidates.first { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}

/// Whole lines to standard output from several workers.
final class OutputLock: @unchecked Sendable {
    private let lock = NSLock()
    func write(_ text: String) {
        lock.withLock { FileHandle.standardOutput.write(Data(text.utf8)) }
    }
}

/// The scan's progress line on standard error, redrawn four times a second from its own thread.
final class ScanProgressLine: @unchecked Sendable {
    private let scanner: TreeScanner
    private let lock = NSLock()
    private var running = true
    private var thread: Thread?

    init(scanner: TreeScanner) { self.scanner = scanner }

    func start() {
        let started = Date()
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let now = scanner.current
                let seconds = Date().timeIntervalSince(started)
                let line = String(
                    format: "\r%d files, %d scanned, %.0f MiB, %.0f MiB/s, %d flagged ", now.files, now.scanned, Double(now.bytes) / 1_048_576,
                    seconds > 0 ? Double(now.bytes) / 1_048_576 / seconds : 0, now.flagged)
                FileHandle.standardError.write(Data(line.utf8))
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() {
        lock.withLock { running = false }
        Thread.sleep(forTimeInterval: 0.3)
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// Counts quarantined files and failures from the workers.
final class QuarantineTally: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var failures: [String] = []
    private var ids: [String: String] = [:]
    func add(_ failure: String?, path: String? = nil, id: String? = nil) {
        lock.withLock {
            if let failure { failures.append(failure) } else { count += 1 }
            if let path, let id { ids[path] = id }
        }
    }
    var result: (Int, [String]) { lock.withLock { (count, failures) } }
    /// Quarantine ids by original path.
    var identifiers: [String: String] { lock.withLock { ids } }
}

/// Flagged files from the workers, kept for --report.
final class FlaggedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [ScanFileResult] = []
    func add(_ result: ScanFileResult) { lock.withLock { stored.append(result) } }
    var results: [ScanFileResult] { lock.withLock { stored.sorted { $0.path < $1.path } } }
}

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List or restore files that mogura scan --quarantine moved aside.",
        discussion: """
            Each quarantined file keeps its original path, SHA-256, size, mode, owner, modification time and the \
            rules that flagged it. Restoring moves it back and sets mode, owner (when run as root) and \
            modification time again; it refuses when something else now sits at the original path.

            Examples:
              mogura quarantine list --directory /var/lib/mogura/quarantine
              mogura quarantine restore 1795460000-3f738b6108d8-123456 --directory /var/lib/mogura/quarantine
            """,
        subcommands: [List.self, Restore.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined files, oldest first.")
        @Option(help: ArgumentHelp("The quarantine directory.", valueName: "directory")) var directory: String
        @Option(help: ArgumentHelp("text or json.", valueName: "format")) var format: OutputFormat = .text

        func run() throws {
            let records = try ScanQuarantine(directory: directory).list()
            if format == .json {
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                encoder.outputFormatting = [.sortedKeys]
                for record in records { print(String(decoding: try encoder.encode(record), as: UTF8.self)) }
                return
            }
            if records.isEmpty { print("Nothing is quarantined in \(directory).") }
            for record in records {
                print("\(record.id)  \(record.path)  \(record.size) bytes  \(record.rules.joined(separator: ","))")
            }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a quarantined file back where it was.")
        @Argument(help: ArgumentHelp("The id `list` shows.", valueName: "id")) var id: String
        @Option(help: ArgumentHelp("The quarantine directory.", valueName: "directory")) var directory: String

        func run() throws {
            do {
                let record = try ScanQuarantine(directory: directory).restore(id)
                print("restored \(record.path)")
            } catch let error as ScanError {
                throw CommandError(error.description)
            }
        }
    }
}
