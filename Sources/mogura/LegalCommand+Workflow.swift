import ArgumentParser
import Foundation
import MoguraCore
import MoguraLegal
import MoguraStore

extension LegalCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a request that arrives without a claim list: a police inquiry, a takedown, a court order, a DMCA or DSA notice.",
            discussion: """
                Prints the request number (the next free LR-YEAR-NNNNNN unless --number is given). Clocks the kind \
                starts at once run from now (a DSA notice's decision objective); the others start when the request \
                moves (mogura legal move).

                Examples:
                  mogura legal create --kind police-inquiry --reference "神奈川県警 第123号" --party police=神奈川県警察本部 \\
                      --item "subscriber-data=契約者の氏名・住所" --item "communication-secret=通信の相手方" --as alice
                  mogura legal create --kind takedown-request --party requester="山田太郎" --rights 名誉権 \\
                      --location https://example.jp/bbs/123 --statement "虚偽の事実の摘示" --election --as alice
                  mogura legal create --kind dmca-counter-notice --parent LR-2026-000040 --party requester="J. Doe" --as alice
                """)
        @Option(help: ArgumentHelp("The kind: \(LegalRequestKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kind"))
        var kind: String
        @Option(help: "The request number (default: the next free one).") var number: String?
        @Option(help: ArgumentHelp("The sender's document number or the court's case number.", valueName: "text")) var reference: String?
        @Option(
            help: ArgumentHelp(
                "A party as role=name (requester, agent, police, prosecutor, court, other-provider); repeatable.", valueName: "role=name"))
        var party: [String] = []
        @Option(
            help: ArgumentHelp(
                "A police inquiry item as class=label (\(InquiryItemClass.allCases.map(\.rawValue).joined(separator: ", "))); repeatable.",
                valueName: "class=label"))
        var item: [String] = []
        @Option(help: "The request this one branches from (a 提供命令 under a disclosure order, a counter-notice to a DMCA notice).") var parent: String?
        @Option(help: "The claimant, for de-duplication and fees.") var claimant: String?
        @Option(help: "The rights said to be infringed.") var rights: String?
        @Option(help: ArgumentHelp("Where the information is (a URL or path); repeatable.", valueName: "url")) var location: [String] = []
        @Option(help: "The requester's reasons (侵害情報等) or explanation, as they wrote it.") var statement: String?
        @Flag(help: "A takedown of election material (4条): the sender has 2 days to object, not 7.") var election = false
        @Option(help: ArgumentHelp("When it arrived, if not now (RFC 3339 or YYYY-MM-DD, JST).", valueName: "time")) var received: String?
        @Option(help: "How it arrived: post, fax, e-mail, web-form, court-service, in-person.") var channel = "post"
        @Option(name: .customLong("case"), help: ArgumentHelp("A terms-of-service case it concerns (its id); repeatable.", valueName: "id"))
        var cases: [Int64] = []
        @Option(name: .customLong("as"), help: "The legal staff member registering it.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard LegalRequestKind(rawValue: kind) != nil else {
                throw ValidationError("unknown kind \(kind); one of \(LegalRequestKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for text in party + item where !text.contains("=") { throw ValidationError("\(text) is not role=name / class=label") }
            if election && kind != LegalRequestKind.takedownRequest.rawValue { throw ValidationError("--election is for a takedown-request") }
        }

        func run() async throws {
            let kind = LegalRequestKind(rawValue: kind)!
            var parties: [LegalParty] = []
            for text in party {
                let (role, name) = Self.split(text)
                guard let partyRole = LegalPartyRole(rawValue: role) else { throw CommandError("unknown party role \(role)") }
                parties.append(LegalParty(role: partyRole, name: name))
            }
            var items: [PoliceInquiryItem] = []
            for text in item {
                let (itemClass, label) = Self.split(text)
                guard let parsed = InquiryItemClass(rawValue: itemClass) else { throw CommandError("unknown item class \(itemClass)") }
                items.append(PoliceInquiryItem(label: label, itemClass: parsed))
            }
            let (partyList, itemList) = (parties, items)
            let receivedAt = try received.map(Self.time)
            let details = LegalRequestDetails(
                receivedAt: receivedAt, channel: channel, parentNumber: parent, claimant: claimant, rights: rights, locations: location,
                statement: statement, electionCase: election, linkedCaseIDs: cases)
            try await LegalCommand.withDesk(number ?? "(new)", login: login, store: store, logging: logging) { desk, user, _ in
                let now = Timestamp.now()
                let number: String
                if let given = self.number { number = given } else { number = try await desk.nextNumber(at: now) }
                let created = try await desk.createRequest(
                    number: number, kind: kind, externalReference: reference, parties: partyList, items: itemList, details: details, user: user,
                    at: now)
                print("\(created.number)  \(created.kind.rawValue) (\(created.kind.title.japanese))  state \(created.state)")
                LegalCommand.printDeadlines(try await desk.deadlines(number, user: user))
            }
        }

        static func split(_ text: String) -> (String, String) {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0].trimmingCharacters(in: .whitespaces), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }

        static func time(_ text: String) throws -> Timestamp {
            if let time = try? Timestamp(rfc3339: text) { return time }
            if let day = try? CivilDate(text) { return day.start(offsetSeconds: 9 * 3_600) }
            throw CommandError("\(text) is not a time (RFC 3339, or YYYY-MM-DD in JST)")
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link a terms-of-service case to a request (shown on the request; it never runs a playbook or moves the case).",
            discussion: "Example:\n  mogura legal link LR-2026-000007 --case 4211 --as alice")
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(name: .customLong("case"), help: ArgumentHelp("The case's id.", valueName: "id")) var caseID: Int64
        @Option(name: .customLong("as"), help: "The legal staff member.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                try await desk.linkCase(number, caseID: caseID, user: user, at: .now())
            }
            print("Linked case \(caseID) to \(number).")
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a request along its kind's workflow; clocks the new state starts or ends follow.",
            discussion: """
                The states of each kind are in docs/legal.md; a move the workflow does not allow is refused with the \
                states it may move to. Entering a state that starts a clock stores its deadline (a takedown's 7-day \
                inquiry, a preservation's 30 days, a counter-notice's restore window, a decision's objection month); \
                leaving it marks the deadline met; `withdrawn` waives what still runs. Only a legal lead moves a \
                request to answered, disclosed, released, restored and similar states. A counter-notice's material \
                is not restored before 10 US business days.

                Examples:
                  mogura legal move LR-2026-000007 inquiring-sender --note "照会書を発送（特定記録）" --as alice
                  mogura legal move LR-2026-000007 withdrawn --note "申出人が取下げ" --as alice
                """)
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Argument(help: ArgumentHelp("The state to move to.", valueName: "state")) var state: String
        @Option(help: "A note for the audit chain (why, what was sent).") var note = ""
        @Option(name: .customLong("as"), help: "The legal staff member.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                let moved = try await desk.move(number, to: state, note: note, user: user, at: .now())
                print("\(moved.number) is \(moved.state)")
                LegalCommand.printDeadlines(try await desk.deadlines(number, user: user).filter { $0.status == .pending })
            }
        }
    }
}

extension LegalCommand {
    struct Letter: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render and keep a letter; where the letter is the step itself, the request moves on with it.",
            discussion: """
                Letters (docs/legal.md#documents):
                  correction                   補正のお願い to the requester (--missing, repeatable); a disclosure \
                request waits in awaiting-requester, 14 days
                  reminder                     ご回答のお願い to each subscriber who has not answered the 意見照会
                  disclosure-notice            発信者情報の開示について（ご通知） after a release (--customer)
                  takedown-inquiry             侵害情報の通知書 兼 送信防止措置に関する照会書 (7 days, 2 for election \
                material); moves to inquiring-sender
                  takedown-answer              送信防止措置依頼に対するご回答 (--reason); from acting or refusing to notifying
                  dmca-removal                 notice of removal to the subscriber; moves to subscriber-notified
                  dmca-counter-notice-forward  the counter-notice to the complainant with the restore window; moves to \
                complainant-notified
                  dsa-statement-of-reasons     DSA Art. 17 to the affected recipient (--reason: the grounds)
                  dsa-decision                 DSA Art. 16(5) to the notifier (--reason); moves to decision-notified

                Examples:
                  mogura legal letter LR-2026-000003 correction --missing "ポート番号" --missing "日本時間での発信時刻" --as alice
                  mogura legal letter LR-2026-000007 takedown-inquiry --recipient "山田太郎" --out letters/ --pdf --as alice
                """)
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Argument(help: ArgumentHelp("The letter: \(LegalLetter.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "letter"))
        var letter: String
        @Option(help: ArgumentHelp("What the request lacks (correction); repeatable.", valueName: "item")) var missing: [String] = []
        @Option(help: "The subscriber (disclosure-notice).") var customer: String?
        @Option(help: "The addressee where the request names none (a sender, a subscriber, a complainant, a DSA recipient).") var recipient: String?
        @Option(help: "The reasons (takedown-answer) or grounds (dsa letters).") var reason: String?
        @Flag(help: "DSA letters: automated means were used.") var automated = false
        @Option(help: ArgumentHelp("Also write the letters here as HTML.", valueName: "directory")) var out: String?
        @Flag(help: "With --out, also print each letter to PDF through headless Chromium.") var pdf = false
        @Option(name: .customLong("as"), help: "The legal staff member.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard LegalLetter(rawValue: letter) != nil else {
                throw ValidationError("unknown letter \(letter); one of \(LegalLetter.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if pdf && out == nil { throw ValidationError("--pdf needs --out") }
        }

        func run() async throws {
            let kind = LegalLetter(rawValue: letter)!
            let options = LetterOptions(missing: missing, customerID: customer, recipient: recipient, reason: reason, automated: automated)
            let printer = pdf ? ChromiumPrinter() : nil
            if pdf && printer == nil { throw CommandError("--pdf needs Chromium (/usr/bin/chromium, or MOGURA_CHROMIUM)") }
            let documents = try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                try await desk.letter(kind, number: number, options: options, user: user, at: .now())
            }
            for document in documents {
                print(
                    "Rendered \(document.title) → \(document.recipient) (\(document.templateID)@\(document.templateVersion), sha256 \(document.sha256))."
                )
            }
            guard let out else { return }
            try LegalCommand.write(documents, to: out, printer: printer) { "\(number)-\(kind.rawValue)-\($0.recipient)" }
            print("Written to \(out)\(printer == nil ? " (HTML)" : " (HTML and PDF)").")
        }
    }
}

extension LegalCommand {
    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a preservation hold for a request: log sources, a subscriber or an indicator, and a time window.",
            discussion: """
                The retention purge skips what a hold in force covers (a report whose time is in the window and \
                whose case customer and indicators match what the hold names); the provider's own log systems read \
                the holds with `mogura legal holds` or GET /api/v1/legal/holds and keep the same.

                Examples:
                  mogura legal hold LR-2026-000110 --basis crpc-197-3 --indicator ip:203.0.113.7 --source nat-logs \\
                      --source access-logs --from 2026-11-30 --to 2026-12-02 --until 2026-12-31 --as alice
                  mogura legal hold LR-2026-000111 --basis voluntary --customer c-10442 --source mail-logs --from 2026-12-01 --to 2026-12-05 --as alice
                """)
        @Argument(help: ArgumentHelp("The request number.", valueName: "number")) var number: String
        @Option(help: "Why: erasure-prohibition-order, voluntary, crpc-197-3, us-2703f, litigation, internal.") var basis: String
        @Option(help: "The subscriber (customer id) whose data is held.") var customer: String?
        @Option(help: "The service whose data is held.") var service: String?
        @Option(help: ArgumentHelp("An indicator as kind:value (ip:203.0.113.7, domain:example.jp, email:a@example.jp).", valueName: "kind:value"))
        var indicator: String?
        @Option(help: ArgumentHelp("A log source to keep (access-logs, nat-logs, mail-logs, dns-logs, reports); repeatable.", valueName: "name"))
        var source: [String] = []
        @Option(help: ArgumentHelp("The window's start (RFC 3339, or YYYY-MM-DD in JST).", valueName: "time")) var from: String
        @Option(help: ArgumentHelp("The window's end (RFC 3339, or YYYY-MM-DD in JST: the end of that day).", valueName: "time")) var to: String
        @Option(help: ArgumentHelp("When the hold ends by itself (default: when released).", valueName: "time")) var until: String?
        @Option(name: .customLong("as"), help: "The legal staff member.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let start = try Create.time(from)
            let end = try Create.time(to).adding(seconds: (try? CivilDate(to)) != nil ? 86_400 - 1 : 0)
            // A day alone means through its end, as for --to.
            let expires = try until.map { try Create.time($0).adding(seconds: (try? CivilDate($0)) != nil ? 86_400 : 0) }
            let hold = try await LegalCommand.withDesk(number, login: login, store: store, logging: logging) { desk, user, _ in
                try await desk.applyHold(
                    number, basis: basis, customerID: customer, serviceID: service, indicator: indicator, sources: source, from: start, to: end,
                    expires: expires, user: user, at: .now())
            }
            print(
                "Holding \(hold.sources.joined(separator: ", ")) for \([hold.customerID, hold.serviceID, hold.indicator].compactMap { $0 }.joined(separator: " "))"
                    + " from \(hold.windowFrom) to \(hold.windowTo)" + (hold.expiresAt.map { " until \($0)" } ?? " until released") + ".")
        }
    }

    struct Holds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the holds in force, for the provider's log systems (what to keep, until when; no request details).",
            discussion: """
                Legal staff and network operators may list them; each listing is audited. JSON (default) is an \
                array of {id, sources, customer, service, indicator, windowFrom, windowTo, expiresAt}; CSV has the \
                same columns. A log rotation job can skip deleting what a hold covers:

                  mogura legal holds --format csv --as noc-bot > /var/lib/logkeeper/holds.csv
                """)
        @Option(help: "json or csv.") var format = "json"
        @Option(name: .customLong("as"), help: "A legal staff member or network operator.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard ["json", "csv"].contains(format) else { throw ValidationError("--format is json or csv") }
        }

        func run() async throws {
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { database in
                guard let user = try await database.user(login)?.user, user.disabledAt == nil else {
                    throw CommandError("there is no staff account \(login)")
                }
                let holds: [HoldExport]
                do { holds = try await LegalCommand.desk(database).holdsInForce(user: user, at: .now()) } catch is LegalAccessDenied {
                    throw CommandError("\(login) is neither legal staff nor a network operator")
                }
                if format == "json" {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(holds), as: UTF8.self))
                } else {
                    print("id,sources,customer,service,indicator,window_from,window_to,expires_at")
                    for hold in holds {
                        let fields = [
                            String(hold.id), hold.sources.joined(separator: " "), hold.customer ?? "", hold.service ?? "", hold.indicator ?? "",
                            hold.windowFrom.description, hold.windowTo.description, hold.expiresAt?.description ?? "",
                        ]
                        print(fields.map(Self.csv).joined(separator: ","))
                    }
                }
            }
        }

        static func csv(_ field: String) -> String {
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }
    }
}
