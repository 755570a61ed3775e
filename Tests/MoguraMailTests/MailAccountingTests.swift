import MoguraCore
import MoguraMail
import NIOConcurrencyHelpers
import Testing

@Suite("Mail accounting and limits")
struct MailAccountingTests {
    final class Clock: Sendable {
        let time = NIOLockedValueBox(Timestamp(microseconds: 1_763_900_000_000_000))
        func now() -> Timestamp { time.withLockedValue { $0 } }
        func advance(_ seconds: Int64) { time.withLockedValue { $0 = $0.adding(seconds: seconds) } }
    }

    static func message(
        _ account: String, authenticated: Bool = true, recipients: [String] = ["a@example.org"], client: String = "198.51.100.1"
    )
        -> MilterMessageRecord
    {
        var record = MilterMessageRecord(
            account: account, authenticated: authenticated, clientAddress: client, clientName: "", helo: "h", sender: account)
        record.recipients = recipients
        record.subject = "hello"
        return record
    }

    @Test func anAuthenticatedFloodIsTempfailedAtMailAndReportedOnce() {
        let clock = Clock()
        let breaches = NIOLockedValueBox<[MailLimitBreach]>([])
        let accounting = MailAccounting(
            limits: MailLimits(messagesPerHour: 3, messagesPerDay: nil, recipientsPerHour: nil, recipientsPerDay: nil, action: .tempfail),
            clock: { clock.now() }, onBreach: { breach in breaches.withLockedValue { $0.append(breach) } })
        var verdicts: [(MilterVerdict, MilterVerdict?)] = []
        for index in 0..<6 {
            let record = Self.message("alice@example.jp", recipients: ["r\(index)@d\(index).example"], client: "198.51.100.\(index % 2)")
            let atMail = accounting.atMail(record)
            // A message refused at MAIL never reaches the end of the message.
            verdicts.append((atMail, atMail == .continue ? accounting.atEndOfMessage(record) : nil))
        }
        #expect(verdicts.prefix(3).allSatisfy { $0.0 == .continue && $0.1 == .continue }, "the limit is 3: three pass")
        #expect(verdicts.dropFirst(3).allSatisfy { $0.0 == .tempfail("Sending limit exceeded for this account") && $0.1 == nil })
        #expect(breaches.withLockedValue { $0.count } == 1, "one report per account, window and measure")
        let breach = breaches.withLockedValue { $0.first }
        #expect(breach?.counts.messages == 3)
        #expect(breach?.counts.recipientDomains.count == 3)
        #expect(breach?.counts.clientAddresses == ["198.51.100.0", "198.51.100.1"])
        #expect(breach?.window == "hour")
        #expect(breach?.isLimit == true)
        // A new hour: the account may send again.
        clock.advance(3_600)
        #expect(accounting.atMail(Self.message("alice@example.jp")) == .continue)
        #expect(accounting.counts(for: "alice@example.jp")?.hour.messages == 0)
        #expect(accounting.counts(for: "alice@example.jp")?.day.messages == 3)
    }

    @Test func localSubmissionIsHeldNotTempfailed() {
        let accounting = MailAccounting(
            limits: MailLimits(messagesPerHour: 2, messagesPerDay: nil, recipientsPerHour: nil, recipientsPerDay: nil, action: .tempfail))
        var ends: [MilterVerdict] = []
        for _ in 0..<4 {
            let record = Self.message("www-data@web1.example.jp", authenticated: false)
            #expect(accounting.atMail(record) == .continue, "local submission is never refused at MAIL")
            ends.append(accounting.atEndOfMessage(record))
        }
        #expect(ends[0] == .continue && ends[1] == .continue)
        #expect(ends[2] == .quarantine("mogura: www-data@web1.example.jp is over its sending limit"))
    }

    @Test func recipientLimitsAllowlistAndReportOnly() {
        let breaches = NIOLockedValueBox(0)
        let limits = MailLimits(
            messagesPerHour: nil, messagesPerDay: nil, recipientsPerHour: 10, recipientsPerDay: nil, action: .report,
            allowlist: ["newsletter@example.jp"])
        let accounting = MailAccounting(limits: limits, onBreach: { _ in breaches.withLockedValue { $0 += 1 } })
        let many = (0..<11).map { "r\($0)@example.org" }
        #expect(accounting.atEndOfMessage(Self.message("newsletter@example.jp", recipients: many)) == .continue)
        #expect(breaches.withLockedValue { $0 } == 0, "allowlisted accounts are counted, never limited or reported")
        #expect(accounting.counts(for: "newsletter@example.jp")?.hour.recipients == 11)
        #expect(accounting.atEndOfMessage(Self.message("bob@example.jp", recipients: many)) == .continue, "report only")
        #expect(accounting.atMail(Self.message("bob@example.jp")) == .continue)
        #expect(breaches.withLockedValue { $0 } == 1)
        let rejecting = MailAccounting(
            limits: MailLimits(messagesPerHour: nil, messagesPerDay: nil, recipientsPerHour: 10, recipientsPerDay: nil, action: .reject))
        #expect(rejecting.atEndOfMessage(Self.message("carol@example.jp", recipients: many)) == .reject("Sending limit exceeded for this account"))
        #expect(rejecting.atMail(Self.message("carol@example.jp")) == .reject("Sending limit exceeded for this account"))
    }

    static let noLimits = MailLimits(messagesPerHour: nil, messagesPerDay: nil, recipientsPerHour: nil, recipientsPerDay: nil, action: .tempfail)

    @Test func stolenCredentialsAreReportedWhenManyHostsUseOneAccount() {
        let breaches = NIOLockedValueBox<[MailLimitBreach]>([])
        let accounting = MailAccounting(
            limits: Self.noLimits, detectors: MailDetectors(clientAddressesPerHour: 5, similarBodyRecipientsPerHour: nil, baselineFactor: nil),
            onBreach: { breach in breaches.withLockedValue { $0.append(breach) } })
        for index in 0..<8 {
            let record = Self.message("taro@example.jp", client: "203.0.113.\(index)")
            #expect(accounting.atMail(record) == .continue)
            #expect(accounting.atEndOfMessage(record) == .continue, "a detector reports, it does not stop mail")
        }
        let found = breaches.withLockedValue { $0 }
        #expect(found.count == 1)
        #expect(found.first?.measure == "client-addresses")
        #expect(found.first?.isLimit == false)
        #expect(found.first?.action == .report)
        #expect(found.first?.counts.clientAddresses.count == 6)
        // The same from one web server through sendmail(1) is not a login pattern.
        let local = MailAccounting(limits: Self.noLimits, detectors: MailDetectors(clientAddressesPerHour: 5, similarBodyRecipientsPerHour: nil))
        for index in 0..<8 { _ = local.atEndOfMessage(Self.message("www@example.jp", authenticated: false, client: "10.0.0.\(index)")) }
    }

    @Test func aFormsNearIdenticalAutoRepliesAreReported() {
        let breaches = NIOLockedValueBox<[MailLimitBreach]>([])
        let accounting = MailAccounting(
            limits: Self.noLimits, detectors: MailDetectors(clientAddressesPerHour: nil, similarBodyRecipientsPerHour: 20, baselineFactor: nil),
            onBreach: { breach in breaches.withLockedValue { $0.append(breach) } })
        for index in 0..<25 {
            var record = Self.message("www-data@web1.example.jp", authenticated: false, recipients: ["victim\(index)@example\(index).org"])
            // The same auto-reply with the spammer's text and a varying number in it: one fingerprint.
            record.bodyBytes = 120
            record.bodyFingerprint = 0xABCD
            _ = accounting.atEndOfMessage(record)
        }
        let found = breaches.withLockedValue { $0 }
        #expect(found.map(\.measure) == ["similar-body"])
        #expect(found.first?.counts.mostRecipientsOfOneBody == 21)
    }

    @Test func aDayFarAboveTheAccountsOwnBaselineIsReported() {
        let clock = Clock()
        let breaches = NIOLockedValueBox<[MailLimitBreach]>([])
        let accounting = MailAccounting(
            limits: Self.noLimits,
            detectors: MailDetectors(clientAddressesPerHour: nil, similarBodyRecipientsPerHour: nil, baselineFactor: 5, baselineMinimum: 30),
            clock: { clock.now() }, onBreach: { breach in breaches.withLockedValue { $0.append(breach) } })
        // A week of 10 messages a day…
        for _ in 0..<7 {
            for _ in 0..<10 { _ = accounting.atEndOfMessage(Self.message("shop@example.jp")) }
            clock.advance(86_400)
        }
        #expect(breaches.withLockedValue { $0.isEmpty })
        // …then 60 in a day: above max(30, 5 × 10).
        for _ in 0..<60 { _ = accounting.atEndOfMessage(Self.message("shop@example.jp")) }
        let found = breaches.withLockedValue { $0 }
        #expect(found.map(\.measure) == ["above-baseline"])
        #expect(found.first?.limit == 50)
        #expect(found.first?.counts.messages == 51)
    }

    static func collect() -> (NIOLockedValueBox<[MailLimitBreach]>, @Sendable (MailLimitBreach) -> Void) {
        let box = NIOLockedValueBox<[MailLimitBreach]>([])
        return (box, { breach in box.withLockedValue { $0.append(breach) } })
    }

    static let onlyDetector = MailDetectors(
        clientAddressesPerHour: nil, clientCountriesPerHour: nil, similarBodyRecipientsPerHour: nil, baselineFactor: nil, lowAndSlowDays: nil,
        bouncesPerHour: nil)

    @Test func aSurgeOfBouncesIsCountedAgainstTheRecipientsAccount() {
        let (breaches, onBreach) = Self.collect()
        var detectors = Self.onlyDetector
        detectors.bouncesPerHour = 20
        let accounting = MailAccounting(limits: Self.noLimits, detectors: detectors, onBreach: onBreach)
        for index in 0..<30 {
            var bounce = Self.message("", authenticated: false, recipients: ["alice@example.jp"], client: "203.0.113.\(index)")
            bounce.sender = ""
            #expect(accounting.atEndOfMessage(bounce) == .continue, "a bounce is never stopped")
        }
        let counts = accounting.counts(for: "alice@example.jp")
        #expect(counts?.hour.bounces == 30)
        #expect(counts?.hour.messages == 0, "bounces are not the account's own mail")
        #expect(accounting.counts(for: "") == nil, "the null sender is no account")
        let found = breaches.withLockedValue { $0 }
        #expect(found.map(\.measure) == ["bounces"])
        #expect(found.first?.account == "alice@example.jp")
        #expect(found.first?.counts.bounces == 21)
    }

    @Test func lowAndSlowSpamIsReportedOnTheThirdDayButARegularCorrespondentIsNot() {
        let clock = Clock()
        let (breaches, onBreach) = Self.collect()
        var detectors = Self.onlyDetector
        detectors.lowAndSlowDays = 3
        detectors.lowAndSlowRecipients = 100
        detectors.lowAndSlowDomains = 20
        let accounting = MailAccounting(limits: Self.noLimits, detectors: detectors, clock: { clock.now() }, onBreach: onBreach)
        var sent = 0
        for day in 1...3 {
            // 120 new recipients a day in 40 domains: below any volume limit, never the same person twice.
            for _ in 0..<120 {
                sent += 1
                _ = accounting.atEndOfMessage(Self.message("spammer@example.jp", recipients: ["r\(sent)@d\(sent % 40).example"]))
                // The same 120 colleagues every day, in 40 domains: new on the first day only.
                _ = accounting.atEndOfMessage(
                    Self.message("sales@example.jp", recipients: ["colleague\(sent % 120)@partner\(sent % 40).example"]))
            }
            if day < 3 {
                #expect(breaches.withLockedValue { $0.isEmpty }, "nothing on day \(day)")
                clock.advance(86_400)
            }
        }
        let found = breaches.withLockedValue { $0 }
        #expect(found.map(\.account) == ["spammer@example.jp"])
        #expect(found.first?.measure == "low-and-slow")
        #expect(found.first?.counts.newRecipients == 100, "reported when the day reached the threshold")
        // A gap breaks the streak.
        clock.advance(2 * 86_400)
        for _ in 0..<120 {
            sent += 1
            _ = accounting.atEndOfMessage(Self.message("spammer@example.jp", recipients: ["r\(sent)@d\(sent % 40).example"]))
        }
        #expect(breaches.withLockedValue { $0.count } == 1)
    }

    @Test func anAccountUsedFromManyCountriesIsReported() {
        let (breaches, onBreach) = Self.collect()
        var detectors = Self.onlyDetector
        detectors.clientCountriesPerHour = 2
        let countries = ["198.51.100.1": "JP", "203.0.113.9": "BR", "192.0.2.44": "VN", "198.51.100.2": "JP"]
        let accounting = MailAccounting(
            limits: Self.noLimits, detectors: detectors,
            origin: { address in countries[address].map { IPOrigin(country: $0, network: "AS64500") } }, onBreach: onBreach)
        for address in ["198.51.100.1", "198.51.100.2", "203.0.113.9"] {
            _ = accounting.atEndOfMessage(Self.message("alice@example.jp", client: address))
        }
        #expect(breaches.withLockedValue { $0.isEmpty }, "two countries are not yet suspicious")
        _ = accounting.atEndOfMessage(Self.message("alice@example.jp", client: "192.0.2.44"))
        let found = breaches.withLockedValue { $0 }
        #expect(found.map(\.measure) == ["client-countries"])
        #expect(found.first?.counts.clientCountries == ["JP", "BR", "VN"])
        #expect(found.first?.counts.clientNetworks == ["AS64500"])
    }

    @Test func whileTheStoreIsUnreachableClosedModeTempfailsAndHoldsAndOpenModeDoesNot() {
        for mode in MailStoreFailureMode.allCases {
            let accounting = MailAccounting(limits: MailLimits(allowlist: ["newsletter@example.jp"]), failureMode: mode)
            accounting.storeReachable = false
            let sasl = Self.message("alice@example.jp")
            let local = Self.message("www-data@example.jp", authenticated: false)
            var bounce = Self.message("", authenticated: false, recipients: ["alice@example.jp"])
            bounce.sender = ""
            switch mode {
            case .open:
                #expect(accounting.atMail(sasl) == .continue)
                #expect(accounting.atEndOfMessage(local) == .continue)
            case .closed:
                #expect(accounting.atMail(sasl) == .tempfail("Sending is paused while mail accounting is unavailable; try again later"))
                #expect(accounting.atEndOfMessage(local) == .quarantine("mogura: mail accounting is unavailable"))
            }
            #expect(accounting.atMail(Self.message("newsletter@example.jp")) == .continue, "the allowlist always passes")
            #expect(accounting.atEndOfMessage(bounce) == .continue, "bounces always pass")
            accounting.storeReachable = true
            #expect(accounting.atMail(sasl) == .continue)
        }
    }

    @Test func countsFromAnotherProcessCountTowardsTheLimitAndARestartCarriesOn() {
        let limits = MailLimits(messagesPerHour: 5, messagesPerDay: nil, recipientsPerHour: nil, recipientsPerDay: nil, action: .tempfail)
        let first = MailAccounting(limits: limits)
        let second = MailAccounting(limits: limits)
        for _ in 0..<3 { _ = first.atEndOfMessage(Self.message("alice@example.jp")) }
        let rows = first.takeChangedRows()
        #expect(Set(rows.map(\.window)) == [.hour, .day])
        #expect(rows.allSatisfy { $0.account == "alice@example.jp" && $0.messages == 3 && $0.recipients == 3 })
        #expect(first.takeChangedRows().isEmpty, "taken once")

        second.merge(rows.map { (node: "mx1", row: $0) })
        _ = second.atEndOfMessage(Self.message("alice@example.jp"))
        #expect(second.atMail(Self.message("alice@example.jp")) == .continue, "3 elsewhere + 1 here: one more may pass")
        _ = second.atEndOfMessage(Self.message("alice@example.jp"))
        #expect(second.atMail(Self.message("alice@example.jp")) != .continue, "3 elsewhere + 2 here reach 5")
        #expect(second.counts(for: "alice@example.jp")?.hour.messages == 2)
        #expect(second.counts(for: "alice@example.jp")?.hour.totalMessages == 5)
        // A newer row from the same process replaces the older one; it is not added twice.
        second.merge(
            rows.map { row in
                var row = row
                row.messages = 1
                return (node: "mx1", row: row)
            })
        #expect(second.counts(for: "alice@example.jp")?.hour.totalMessages == 3)

        // A restart: the process takes back its own rows and adds what it counted since it started.
        let restarted = MailAccounting(limits: limits)
        _ = restarted.atEndOfMessage(Self.message("alice@example.jp"))
        restarted.restore(rows)
        #expect(restarted.counts(for: "alice@example.jp")?.hour.messages == 4)
        #expect(restarted.takeChangedRows().first?.messages == 4, "the combined count is written back")

        first.markChanged(["alice@example.jp"])
        #expect(first.takeChangedRows().count == 2, "rows that could not be written are taken again")
    }
}
