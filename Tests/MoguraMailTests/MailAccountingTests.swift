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
        var verdicts: [(MilterVerdict, MilterVerdict)] = []
        for index in 0..<6 {
            let record = Self.message("alice@example.jp", recipients: ["r\(index)@d\(index).example"], client: "198.51.100.\(index % 2)")
            verdicts.append((accounting.atMail(record), accounting.atEndOfMessage(record)))
        }
        #expect(verdicts.prefix(4).allSatisfy { $0.0 == .continue && $0.1 == .continue })
        #expect(verdicts[4].0 == .tempfail("Sending limit exceeded for this account"))
        #expect(breaches.withLockedValue { $0.count } == 1, "one report per account, window and measure")
        let breach = breaches.withLockedValue { $0.first }
        #expect(breach?.counts.messages == 4)
        #expect(breach?.counts.recipientDomains.count == 4)
        #expect(breach?.counts.clientAddresses == ["198.51.100.0", "198.51.100.1"])
        #expect(breach?.window == "hour")
        // A new hour: the account may send again.
        clock.advance(3_600)
        #expect(accounting.atMail(Self.message("alice@example.jp")) == .continue)
        #expect(accounting.counts(for: "alice@example.jp")?.hour.messages == 0)
        #expect(accounting.counts(for: "alice@example.jp")?.day.messages == 6)
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
}
