import ArgumentParser
import Foundation
import MoguraCore
import MoguraLegal
import MoguraResolve
import MoguraStore

struct LegalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legal",
        abstract: "The legal track (法規対応): import claim lists, send sender inquiries, watch deadlines.",
        discussion: """
            Every command that reads or changes a request acts as a staff member named with --as, who must hold \
            legal-lead or legal-agent; what it does is written to the audit chain under that name. docs/legal.md \
            describes the request kinds, the deadlines and bulk mode.

            Examples:
              mogura legal import claims.xlsx --claimant "Example Films" --requester "株式会社エグザンプル" \\
                  --rights "著作権（送信可能化権）" --item 氏名又は名称 --item 住所 --fee-per-id 5000 --as alice
              mogura legal create --kind police-inquiry --party police=神奈川県警察本部 --item "subscriber-data=契約者情報" --as alice
              mogura legal move LR-2026-000002 verifying --note "照会書の真正を確認" --as alice
              mogura legal list --as alice
              mogura legal show LR-2026-000001 --as alice
              mogura legal send-inquiries LR-2026-000001 --out letters/ --pdf --as alice
              mogura legal record-answer LR-2026-000001 --customer c42 --answer refuse --reasons "家族が利用" --as alice
              mogura legal decide LR-2026-000001 --as alice       # a decision per row from the answers
              mogura legal answer-requester LR-2026-000001 --out letters/ --as alice
              mogura legal watch                                  # from cron: reminders and missed deadlines
              mogura legal purge --older-than 365 --dry-run       # what the retention purge would take; holds skipped
              mogura legal release-holds LR-2026-000001 --as alice
              mogura legal keygen --id k2026 >> /etc/mogura/legal.keys
              mogura legal holidays > holidays.csv                # the shipped table, to edit (MOGURA_LEGAL_HOLIDAYS)
            """,
        subcommands: [
            Import.self, Create.self, Move.self, Letter.self, Link.self, List.self, Show.self, Acknowledge.self, SendInquiries.self,
            RecordAnswer.self,
            Decide.self,
            AnswerRequester.self,
            AnswerPolice.self, Hold.self, Holds.self, ReleaseHolds.self,
            Watch.self, Purge.self, Keygen.self, Holidays.self,
        ])

    /// The staff member `login`, who must be legal staff.
    static func staff(_ login: String, in store: SQLStore) async throws -> StaffUser {
        guard let user = try await store.user(login)?.user else { throw CommandError("there is no staff account \(login)") }
        guard user.seesLegalTrack, user.disabledAt == nil else {
            throw CommandError("\(login) is not legal staff (legal-lead or legal-agent) or is disabled")
        }
        return user
    }

    static func desk(_ store: SQLStore) throws -> LegalDesk {
        LegalDesk(
            store: store, calendar: try LegalCalendar.standard(),
            renderer: LegalDocumentRenderer(
                organization: ProcessInfo.processInfo.environment["MOGURA_ORGANIZATION"] ?? "Example Hosting",
                contact: ProcessInfo.processInfo.environment["MOGURA_LEGAL_CONTACT"] ?? "abuse@example.net"),
            cipher: try? FieldCipher.fromEnvironment())
    }

    /// Opens the store, checks that `login` is legal staff and runs `body` with the desk: a refusal reads as "there is
    /// no request NUMBER" (the desk does not say whether it exists), a rule that does not hold as its own message.
    static func withDesk<R: Sendable>(
        _ number: String, login: String, store options: StoreOptions, logging: LoggingOptions,
        _ body: @escaping @Sendable (LegalDesk, StaffUser, SQLStore) async throws -> R
    ) async throws -> R {
        try await StoreFactory.withStore(try options.configuration(), logger: logging.makeLogger()) { database in
            let user = try await staff(login, in: database)
            do { return try await body(try desk(database), user, database) } catch is LegalAccessDenied {
                throw CommandError("there is no request \(number)")
            } catch let error as LegalError {
                throw CommandError(error.description)
            }
        }
    }

    /// Prints deadlines a line each, with the holiday table's warning where it applies.
    static func printDeadlines(_ deadlines: [Deadline]) {
        for deadline in deadlines {
            print(
                "deadline \(deadline.rule.id): \(JapaneseDate.both(deadline.lastDay)) (\(deadline.rule.titleEnglish), \(deadline.status.rawValue))"
                    + (deadline.warning.map { "; warning: \($0)" } ?? ""))
        }
    }

    /// Writes documents as `DIR/NAME.html` (and `.pdf` through Chromium when a printer is given).
    static func write(_ documents: [RenderedDocument], to out: String, printer: ChromiumPrinter?, name: (RenderedDocument) -> String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for document in documents {
            let base = (out as NSString).appendingPathComponent(name(document).replacingOccurrences(of: "/", with: "_"))
            try Data(document.html.utf8).write(to: URL(fileURLWithPath: base + ".html"))
            if let printer { try printer.pdf(document.html).write(to: URL(fileURLWithPath: base + ".pdf")) }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a claimant's list (CSV or XLSX) as a new request: rows read, resolved, de-duplicated and grouped.")
        @Argument(help: ArgumentHelp("The list: CSV (UTF-8 or Shift_JIS) or XLSX.", valueName: "file")) var file: String
        @Option(help: "The request number (default: the next LR-<year>-NNNNNN).") var number: String?
        @Option(help: ArgumentHelp("disclosure-request, disclosure-order, …", valueName: "kind")) var kind = "disclosure-request"
        @Option(help: "The claimant, for de-duplication across their requests.") var claimant: String
        @Option(help: "The requester as the subscriber may see them.") var requester: String
        @Option(help: "The rights said to be infringed.") var rights: String
        @Option(name: .customLong("item"), help: "Sender information requested (repeatable).") var items: [String] = []
        @Option(help: "Yen per ID (row read and not a duplicate).") var feePerId = 0
        @Option(name: .customLong("as"), help: "The legal staff member importing.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            guard let kind = LegalRequestKind(rawValue: kind) else {
                throw ValidationError("unknown kind \(kind); known: \(LegalRequestKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let bytes = FileManager.default.contents(atPath: file) else { throw CommandError("\(file): cannot be read") }
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { database in
                let user = try await LegalCommand.staff(login, in: database)
                let number: String
                if let given = self.number { number = given } else { number = try await LegalCommand.desk(database).nextNumber(at: .now()) }
                let index = InventoryIndex(try await database.loadInventory())
                let summary: LegalImportSummary
                do {
                    summary = try await LegalCommand.desk(database).importClaimList(
                        Array(bytes), name: (file as NSString).lastPathComponent, number: number, kind: kind, claimant: claimant,
                        requesterShownAs: requester, rights: rights, items: items, feePerID: feePerId, index: index, user: user, now: .now())
                } catch let error as LegalError {
                    throw CommandError(error.description)
                }
                print("Imported \(summary.rows) rows as \(number):")
                for outcome in RowOutcome.allCases { print("  \(outcome.rawValue): \(summary.counts[outcome] ?? 0)") }
                print("  \(summary.groups.count) subscribers; \(summary.billableIDs) IDs, fee \(summary.fee) JPY")
                print("Next: mogura legal send-inquiries \(number) --as \(login)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List requests, most recently changed first.")
        @Flag(help: "Include closed and withdrawn requests.") var all = false
        @Option(name: .customLong("as"), help: "The legal staff member asking.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { database in
                let user = try await LegalCommand.staff(login, in: database)
                _ = try await database.appendAudit(AuditDraft(actor: user.actor, action: "legal.list", objectType: "legal_request"))
                let requests = try await database.legalRequests(includeClosed: all, limit: 500)
                if requests.isEmpty { print("No requests.") }
                for request in requests {
                    print("\(request.number)  \(request.kind)  \(request.state)  \(request.claimant ?? "-")  \(request.updatedAt)")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a request: state, counts, subscribers, documents, deadlines.")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(name: .customLong("as"), help: "The legal staff member asking.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, database in
                let (id, request) = try await desk.request(number, user: user)
                let rows = try await desk.rows(number, user: user)
                print("\(request.number)  \(request.kind.rawValue) (\(request.kind.title.japanese))  state \(request.state)")
                print("claimant \(request.claimant ?? "-"); shown to subscribers as \(request.requesterShownAs ?? "-"); basis \(request.legalBasis)")
                let counts = Dictionary(grouping: rows, by: \.outcome).mapValues(\.count)
                print("rows \(rows.count): " + RowOutcome.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
                print("subscribers \(request.subscriberNames.count); IDs \(request.billableIDs) × \(request.feePerID) JPY")
                if !request.linkedCaseIDs.isEmpty { print("linked cases: \(request.linkedCaseIDs.map(String.init).joined(separator: ", "))") }
                if let parent = request.parentNumber { print("branch of \(parent)") }
                for document in try await database.legalDocuments(requestID: id) {
                    print("document \(document.id): \(document.template)@\(document.version) → \(document.recipient) sha256 \(document.sha256)")
                }
                LegalCommand.printDeadlines(try await desk.deadlines(number, user: user))
                for proposal in request.proposals {
                    print(
                        "disclosure of \(proposal.customerID): approvals \(proposal.approvals.map(\.login).joined(separator: ", "))"
                            + (DisclosureGate.missing(proposal).map { "; missing: \($0)" } ?? "; ready"))
                }
            }
        }
    }

    struct SendInquiries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render one 意見照会書 per subscriber, keep them, start the reply deadline, and wait for the senders.")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(help: ArgumentHelp("When the inquiries are delivered (the reply period counts from it); default now.", valueName: "time"))
        var delivered: String?
        @Option(help: ArgumentHelp("Also write each document here as HTML.", valueName: "directory"))
        var out: String?
        @Flag(help: "With --out, also print each document to PDF through headless Chromium (about a second each).") var pdf = false
        @Option(name: .customLong("as"), help: "The legal staff member sending.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let deliveredAt = try delivered.map { try TimestampParser().parse($0).timestamp } ?? .now()
            let printer = pdf ? ChromiumPrinter() : nil
            if pdf && printer == nil { throw CommandError("--pdf needs Chromium (/usr/bin/chromium, or MOGURA_CHROMIUM)") }
            let documents = try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                try await desk.sendOpinionInquiries(number, user: user, issued: .now(), delivered: deliveredAt)
            }
            print("Rendered \(documents.count) 意見照会書 for \(number); the request waits for the senders' answers.")
            guard let out else { return }
            try LegalCommand.write(documents, to: out, printer: printer) { "\(number)-\($0.recipient)" }
            print("Written to \(out)\(printer == nil ? " (HTML)" : " (HTML and PDF)").")
        }
    }

    struct RecordAnswer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a subscriber's answer to the 意見照会 (from the returned 回答書).")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(help: "The subscriber's customer id.") var customer: String
        @Option(help: ArgumentHelp("consent, refuse, partial or no-answer.", valueName: "answer")) var answer: String
        @Option(help: "The subscriber's reasons, as written.") var reasons = ""
        @Option(name: .customLong("consented-item"), help: "For partial: an item consented to (repeatable).") var consentedItems: [String] = []
        @Option(help: ArgumentHelp("When the 回答書 arrived (default now).", valueName: "time")) var received: String?
        @Option(name: .customLong("as"), help: "The legal staff member recording it.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            guard let kind = SenderAnswer.Kind(rawValue: answer) else { throw ValidationError("--answer is consent, refuse, partial or no-answer") }
            let receivedAt = try received.map { try TimestampParser().parse($0).timestamp } ?? .now()
            let answer = SenderAnswer(kind: kind, reasons: reasons, consentedItems: consentedItems, receivedAt: receivedAt, recordedBy: login)
            try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                try await desk.recordAnswer(number, customerID: customer, answer: answer, user: user, at: .now())
            }
            print("Recorded \(customer)'s answer (\(kind.rawValue)) for \(number).")
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide every row from the answers (consent → 開示, objection or silence → 不開示, no logs → 不存在, …).")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(name: .customLong("as"), help: "The legal staff member deciding.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let counts = try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                try await desk.decideFromAnswers(number, user: user, at: .now())
            }
            print("Decided \(counts.values.reduce(0, +)) rows of \(number):")
            for outcome in RowDecision.Outcome.allCases where counts[outcome] != nil { print("  \(outcome.rawValue): \(counts[outcome]!)") }
        }
    }

    /// Renders one of a request's documents, keeps it, and writes it out when asked.
    static func document(
        _ number: String, out: String?, name: String, login: String, store options: StoreOptions, logging: LoggingOptions,
        render: @escaping @Sendable (LegalDesk, StaffUser) async throws -> RenderedDocument
    ) async throws {
        let document = try await withDesk(number, login: login, store: options, logging: logging) { desk, user, _ in try await render(desk, user) }
        print("Rendered \(document.title) for \(number) (\(document.templateID)@\(document.templateVersion), sha256 \(document.sha256)).")
        if let out {
            try write([document], to: out, printer: nil) { _ in "\(number)-\(name)" }
            print("Written to \((out as NSString).appendingPathComponent("\(number)-\(name).html")).")
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render and keep the acknowledgement to the requester (受付のお知らせ).")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(help: ArgumentHelp("Also write it here as HTML.", valueName: "directory")) var out: String?
        @Option(name: .customLong("as"), help: "The legal staff member.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let number = number
            try await LegalCommand.document(number, out: out, name: "acknowledgement", login: login, store: store, logging: logging) { desk, user in
                try await desk.acknowledge(number, user: user, at: .now())
            }
        }
    }

    struct AnswerPolice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render and keep the answer to a police inquiry (items as answered; 通信の秘密 without a warrant refused).")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(help: ArgumentHelp("Also write it here as HTML.", valueName: "directory")) var out: String?
        @Option(name: .customLong("as"), help: "The legal lead answering.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let number = number
            try await LegalCommand.document(number, out: out, name: "police-answer", login: login, store: store, logging: logging) { desk, user in
                try await desk.answerPolice(number, user: user, at: .now())
            }
        }
    }

    struct AnswerRequester: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render and keep the answer to the requester with its per-row 別紙.")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(help: ArgumentHelp("Also write it here as HTML.", valueName: "directory")) var out: String?
        @Option(name: .customLong("as"), help: "The legal staff member answering.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let number = number
            try await LegalCommand.document(number, out: out, name: "answer", login: login, store: store, logging: logging) { desk, user in
                try await desk.answerRequester(number, user: user, at: .now())
            }
        }
    }

    struct ReleaseHolds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a request's preservation holds (when it has ended).")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(name: .customLong("as"), help: "The legal staff member releasing them.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let released = try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                try await desk.releaseHolds(number, user: user, at: .now())
            }
            print("Released \(released) hold(s) of \(number).")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Purge raw reports and closed requests' subscriber data past their retention, except what a hold covers (run from cron).")
        @Option(name: .customLong("older-than"), help: "Days raw reports are kept.") var days = 365
        @Option(
            name: .customLong("subject-days"),
            help: "Days after a request closes that its subscribers' personal data is kept (then deleted, names become ids); 0 keeps it.")
        var subjectDays = 365
        @Flag(help: "Count what would be purged and held; purge nothing.") var dryRun = false
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard days >= 1 else { throw ValidationError("--older-than is 1 day or more") }
            guard subjectDays >= 0 else { throw ValidationError("--subject-days is 0 or more") }
        }

        func run() async throws {
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { database in
                var purge = RetentionPurge(store: database, reportRetentionDays: days)
                purge.subjectRetentionDays = subjectDays == 0 ? nil : subjectDays
                let summary = try await purge.run(now: .now(), dryRun: dryRun)
                print(
                    "\(dryRun ? "Would purge" : "Purged") \(summary.purged) of \(summary.examined) raw report(s) older than \(days) days; "
                        + "\(summary.held) kept under a preservation hold.")
                if subjectDays > 0 {
                    print(
                        "\(dryRun ? "Would reduce" : "Reduced") \(summary.requestsReduced) request(s) closed over \(subjectDays) days ago to customer ids; "
                            + "\(summary.requestsHeld) kept under a hold.")
                }
            }
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Raise due reminders and escalate missed deadlines, once each (run from cron or a timer); mail them to legal.alerts_to.")
        @Option(help: ArgumentHelp("Evaluate as of this time instead of now (for a test or a replay).", valueName: "time")) var now: String?
        @OptionGroup var desk: DeskOptions
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let time = try now.map { try TimestampParser().parse($0).timestamp } ?? .now()
            let storeConfiguration = try store.configuration()
            let alert = LegalAlerts.mailer(try desk.load(store: storeConfiguration))
            try await StoreFactory.withStore(storeConfiguration, logger: logging.makeLogger()) { database in
                let (pending, events) = try await LegalCommand.desk(database).watchDeadlines(now: time)
                for line in events { print(line) }
                let raised = events.count
                print("Deadline watch at \(time): \(pending) pending, \(raised) event(s) raised.")
                if let alert, !events.isEmpty {
                    do { try await alert(events, time) } catch { throw CommandError("the events are recorded, but the alert mail failed: \(error)") }
                    print("Mailed to the legal team (legal.alerts_to).")
                }
            }
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new key line for subscriber data (id=base64); put it first in the keyring file to rotate.")
        @Option(help: "The key's id (letters, digits, - and _).") var id = "k\(CivilDate(Timestamp.now(), offsetSeconds: 0).year)"

        func run() throws { print(FieldCipher.newKeyLine(id: id)) }
    }

    struct Holidays: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Japanese holiday table in use (CSV date,name), to review or to edit for MOGURA_LEGAL_HOLIDAYS.")
        @Option(help: "Only this year.") var year: Int?

        func run() throws {
            let calendar = try LegalCalendar.standard()
            print("date,name")
            for (date, name) in calendar.japaneseHolidays.sorted(by: { $0.key < $1.key }) where year == nil || date.year == year {
                print("\(date),\(name)")
            }
        }
    }
}
