import ArgumentParser
import Foundation
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraStore

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read abuse reports from files, standard input, maildir folders or mbox files, and store them.",
        discussion: """
            Each PATH is a file (a mail, a feed file, a CSV, JSON or XML report, plain text), - for standard input, a \
            maildir folder (its new/ and cur/ messages), any other folder (every file in it), or an mbox file (split \
            into messages as it is read, so its size does not matter). The format is recognised from the content: \
            see docs/intake.md.

            The raw bytes are stored with each report. Ingest is idempotent: a mail with the same Message-ID, or the \
            same bytes, is stored once however often it is ingested. Input that cannot be parsed is stored too, \
            marked with its parse error, for a person to triage; nothing is dropped.

            --dry-run stores nothing and, with --format json, prints one JSON object per report draft per line: \
            source, format, category, track, event_time, indicators, reporter, subject, language, warnings (and more; \
            see docs/intake.md). Use it to see what Mogura makes of a message.

            Examples:
              mogura ingest complaint.eml
              mogura ingest --dry-run --format json Tests/Fixtures/intake/*.eml
              mogura ingest ~/Maildir/.abuse
              cat report.eml | mogura ingest -
            """)

    @Argument(help: ArgumentHelp("Files, folders, mbox files, or - for standard input.", valueName: "path"))
    var paths: [String]

    @Flag(name: .customLong("dry-run"), help: "Parse and print; store nothing.")
    var dryRun = false

    @Option(
        name: .customLong("format"), help: ArgumentHelp("Output: text (a line per input) or json (a line per report draft).", valueName: "format"))
    var format: OutputFormat = .text

    @Option(
        name: .customLong("trusted-network"),
        help: ArgumentHelp(
            "A network whose Received hops are skipped when finding where forwarded spam came from (repeatable).", valueName: "prefix"))
    var trustedNetworks: [String] = []

    @Option(
        name: .customLong("own-domain"),
        help: ArgumentHelp(
            "A domain of yours, for DMARC reports: failing mail sent as it is own-brand phishing (repeatable; default: every domain the report covers).",
            valueName: "domain"))
    var ownDomains: [String] = []

    @OptionGroup var zone: ZoneOption
    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        for network in trustedNetworks where (try? IPPrefix(network)) == nil {
            throw ValidationError("--trusted-network \(network) is not an IP prefix such as 192.0.2.0/24")
        }
        for domain in ownDomains where (try? DomainName(domain)) == nil {
            throw ValidationError("--own-domain \(domain) is not a domain name")
        }
    }

    func run() async throws {
        var options = IntakeOptions(timestampParser: try zone.parser())
        options.trustedNetworks = try trustedNetworks.map { try IPPrefix($0) }
        options.ownDomains = try ownDomains.map { try DomainName($0) }
        let intake = Intake(options: options)
        let inputs = try InputEnumerator.inputs(paths)
        let output = format
        let progress = ProgressLine(enabled: isatty(2) != 0)
        if dryRun {
            var total = IngestTotals()
            let reader = ItemReader(inputs, progress: progress)
            while let item = try reader.next() {
                let drafts = intake.drafts(from: item.bytes, source: item.source).map { item.annotate($0) }
                total.add(drafts: drafts)
                Self.print(drafts, stored: nil, source: item.source, format: output)
            }
            progress.finish()
            if output == .text { Swift.print(total.summary(dryRun: true)) }
            return
        }
        let configuration = try store.configuration()
        let replies = ReplyMatcher(replyTo: try desk.load(store: configuration).notices.replyTo)
        let totals = try await StoreFactory.withStore(configuration, logger: logging.makeLogger()) { store in
            var total = IngestTotals()
            let reader = ItemReader(inputs, progress: progress)
            while let item = try reader.next() {
                let drafts = intake.drafts(from: item.bytes, source: item.source).map { item.annotate($0) }
                let now = Timestamp.now()
                var reports = drafts.map { $0.report(receivedAt: now, channel: item.channel) }
                try await replies.mark(&reports, drafts: drafts, store: store)
                let stored = try await store.insertReports(reports, raw: item.bytes, actor: CommandActor.current)
                total.add(drafts: drafts, stored: stored)
                Self.print(drafts, stored: stored, source: item.source, format: output)
            }
            return total
        }
        progress.finish()
        if output == .text { Swift.print(totals.summary(dryRun: false) + " (\(configuration))") }
    }

    static func print(_ drafts: [ReportDraft], stored: [StoredReport]?, source: String, format: OutputFormat) {
        switch format {
        case .json:
            for (index, draft) in drafts.enumerated() {
                var object = DraftJSON.object(draft)
                if let stored, index < stored.count {
                    object["report_id"] = stored[index].report.id.map { .number(Double($0)) } ?? .null
                    object["new"] = .bool(stored[index].isNew)
                }
                Swift.print(JSONOutput.object(object).rendered)
            }
        case .text:
            let kinds = Dictionary(grouping: drafts, by: { "\($0.category)" }).map { "\($1.count) \($0)" }.sorted().joined(separator: ", ")
            var line = "\(source): \(drafts.count) report\(drafts.count == 1 ? "" : "s") (\(kinds))"
            if let stored {
                let new = stored.filter(\.isNew).count
                line += new == stored.count ? ", stored" : ", \(new) new, \(stored.count - new) already stored"
            }
            let unparsed = drafts.filter { $0.parseError != nil }
            if let first = unparsed.first { line += "; kept for triage: \(first.parseError ?? "")" }
            Swift.print(line)
        }
    }
}

/// The dry-run contract: one JSON object per draft (docs/intake.md).
enum DraftJSON {
    static func object(_ draft: ReportDraft) -> [String: JSONOutput] {
        [
            "source": .string(draft.source), "format": .string(draft.format.rawValue), "category": .string(draft.category.rawValue),
            "track": .string(draft.track.rawValue), "confidence": .number((draft.confidence * 100).rounded() / 100),
            "event_time": draft.eventTime.map { .string($0.description) } ?? .null,
            "event_time_zone_assumed": .bool(draft.eventTimeZoneAssumed),
            "indicators": .array(draft.indicators.map { .object(["kind": .string($0.kind), "value": .string($0.value)]) }),
            "reporter": draft.reporter.map { .string($0) } ?? .null, "subject": .string(draft.subject),
            "language": draft.language.map { .string($0) } ?? .null, "warnings": .array(draft.warnings.map { .string($0) }),
            "message_id": draft.messageID.map { .string($0) } ?? .null, "parse_error": draft.parseError.map { .string($0) } ?? .null,
            "evidence": .object(draft.evidence.mapValues { .string($0) }), "row": draft.row.map { .number(Double($0)) } ?? .null,
        ]
    }
}

/// Counts for the closing line.
struct IngestTotals {
    var inputs = 0
    var drafts = 0
    var new = 0
    var duplicates = 0
    var unparsed = 0

    mutating func add(drafts: [ReportDraft], stored: [StoredReport]? = nil) {
        inputs += 1
        self.drafts += drafts.count
        unparsed += drafts.filter { $0.parseError != nil }.count
        if let stored {
            new += stored.filter(\.isNew).count
            duplicates += stored.filter { !$0.isNew }.count
        }
    }

    func summary(dryRun: Bool) -> String {
        var text = "\(inputs) input\(inputs == 1 ? "" : "s"), \(drafts) report\(drafts == 1 ? "" : "s")"
        if !dryRun { text += ": \(new) stored, \(duplicates) already stored" }
        if unparsed > 0 { text += ", \(unparsed) unparsed (kept for triage)" }
        return text + (dryRun ? " (dry run: nothing stored)" : "")
    }
}
