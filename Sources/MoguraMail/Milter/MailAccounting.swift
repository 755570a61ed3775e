public import MoguraCore
import NIOConcurrencyHelpers

/// Per-account limits and what happens when one is crossed.
public struct MailLimits: Hashable, Sendable {
    /// What the milter does once an account is over a limit.
    public enum Action: String, Hashable, Sendable, CaseIterable {
        /// 451 4.7.1: the MTA keeps the message and the sender retries later (SASL submission only; local
        /// submission through sendmail(1) is held instead, which Postfix supports there).
        case tempfail
        /// Held by the MTA (Postfix: the hold queue) for a person to release or delete.
        case quarantine
        /// 550 5.7.1.
        case reject
        /// Only a report; the mail goes through.
        case report
    }

    public var messagesPerHour: Int?
    public var messagesPerDay: Int?
    public var recipientsPerHour: Int?
    public var recipientsPerDay: Int?
    public var action: Action
    /// Accounts never limited (bulk senders, the provider's own systems); still counted.
    public var allowlist: Set<String>

    public init(
        messagesPerHour: Int? = 500, messagesPerDay: Int? = 2_000, recipientsPerHour: Int? = 1_000, recipientsPerDay: Int? = 5_000,
        action: Action = .tempfail, allowlist: Set<String> = []
    ) {
        self.messagesPerHour = messagesPerHour
        self.messagesPerDay = messagesPerDay
        self.recipientsPerHour = recipientsPerHour
        self.recipientsPerDay = recipientsPerDay
        self.action = action
        self.allowlist = allowlist
    }
}

/// What an account did in one window (an hour or a day).
public struct MailWindowCounts: Hashable, Sendable {
    /// The window's start (UTC, on the hour or the day).
    public var start: Timestamp
    public var messages = 0
    public var recipients = 0
    /// Distinct recipient domains (kept up to 1,000).
    public var recipientDomains: Set<String> = []
    /// Distinct connecting client addresses (kept up to 256).
    public var clientAddresses: Set<String> = []
    /// A few recipients and subjects as evidence.
    public var sampleRecipients: [String] = []
    public var sampleSubjects: [String] = []
    /// Recipients per body fingerprint (up to 64 fingerprints): near-identical messages to many recipients.
    public var recipientsBySimilarBody: [UInt64: Int] = [:]

    public init(start: Timestamp) { self.start = start }

    /// The most recipients that one body (its fingerprint) went to.
    public var mostRecipientsOfOneBody: Int { recipientsBySimilarBody.values.max() ?? 0 }

    mutating func add(_ record: MilterMessageRecord) {
        messages += 1
        recipients += record.recipients.count
        for recipient in record.recipients {
            if recipientDomains.count < 1_000, let at = recipient.lastIndex(of: "@") {
                recipientDomains.insert(recipient[recipient.index(after: at)...].lowercased())
            }
            if sampleRecipients.count < 10 && !sampleRecipients.contains(recipient) { sampleRecipients.append(recipient) }
        }
        if clientAddresses.count < 256 && !record.clientAddress.isEmpty { clientAddresses.insert(record.clientAddress) }
        if sampleSubjects.count < 5 && !record.subject.isEmpty && !sampleSubjects.contains(record.subject) { sampleSubjects.append(record.subject) }
        if record.bodyBytes > 0, recipientsBySimilarBody[record.bodyFingerprint] != nil || recipientsBySimilarBody.count < 64 {
            recipientsBySimilarBody[record.bodyFingerprint, default: 0] += record.recipients.count
        }
    }
}

/// Detectors: patterns reported (never enforced) as they appear.
public struct MailDetectors: Hashable, Sendable {
    /// A SASL account used from more distinct client addresses than this in an hour (stolen credentials).
    public var clientAddressesPerHour: Int?
    /// One body (case, white space and digits folded) sent to more recipients than this in an hour (a contact
    /// form's auto-reply abused, a mass mailer).
    public var similarBodyRecipientsPerHour: Int?
    /// Today's messages above this many times the account's average day of the last week…
    public var baselineFactor: Double?
    /// …and above this many messages (quiet accounts are not flagged for sending a few).
    public var baselineMinimum: Int

    public init(
        clientAddressesPerHour: Int? = 10, similarBodyRecipientsPerHour: Int? = 50, baselineFactor: Double? = 5, baselineMinimum: Int = 200
    ) {
        self.clientAddressesPerHour = clientAddressesPerHour
        self.similarBodyRecipientsPerHour = similarBodyRecipientsPerHour
        self.baselineFactor = baselineFactor
        self.baselineMinimum = baselineMinimum
    }
}

/// A limit crossed: the evidence for the report the milter files.
public struct MailLimitBreach: Hashable, Sendable {
    public var account: String
    /// Whether the account is a SASL login (else local submission, e.g. a web application's mail()).
    public var authenticated: Bool
    /// `hour` or `day`.
    public var window: String
    /// Which limit: `messages` or `recipients`; or which detector: `client-addresses`, `similar-body`,
    /// `above-baseline`.
    public var measure: String
    /// Whether it is a limit (enforced) rather than a detector (reported only).
    public var isLimit: Bool
    public var limit: Int
    public var counts: MailWindowCounts
    public var action: MailLimits.Action
    public var at: Timestamp
}

/// The accounting engine behind the milter: counts every message per account per hour and per day, enforces
/// ``MailLimits``, and reports each breach once per window.
public final class MailAccounting: MilterPolicy, Sendable {
    struct Account {
        var authenticated = false
        var hour: MailWindowCounts
        var day: MailWindowCounts
        var reported: Set<String> = []
        /// Messages on each of the last seven days with traffic, oldest first.
        var history: [Int] = []
    }

    let limits: MailLimits
    let detectors: MailDetectors
    let clock: @Sendable () -> Timestamp
    let onBreach: @Sendable (MailLimitBreach) -> Void
    private let accounts = NIOLockedValueBox<[String: Account]>([:])

    /// - Parameters:
    ///   - limits: the limits and the action.
    ///   - clock: the time (tests move it by hand).
    ///   - onBreach: called once per account, window and measure when a limit is crossed (outside the lock).
    public init(
        limits: MailLimits, detectors: MailDetectors = MailDetectors(), clock: @escaping @Sendable () -> Timestamp = { .now() },
        onBreach: @escaping @Sendable (MailLimitBreach) -> Void = { _ in }
    ) {
        self.limits = limits
        self.detectors = detectors
        self.clock = clock
        self.onBreach = onBreach
    }

    /// How many accounts are tracked.
    public var accountCount: Int { accounts.withLockedValue { $0.count } }

    /// The current counts of an account.
    public func counts(for account: String) -> (hour: MailWindowCounts, day: MailWindowCounts)? {
        let now = clock()
        return accounts.withLockedValue { table in
            guard var entry = table[account] else { return nil }
            Self.roll(&entry, now: now)
            return (entry.hour, entry.day)
        }
    }

    public func atMail(_ message: MilterMessageRecord) -> MilterVerdict {
        guard !limits.allowlist.contains(message.account), message.authenticated else { return .continue }
        let now = clock()
        let over = accounts.withLockedValue { table -> Bool in
            guard var entry = table[message.account] else { return false }
            Self.roll(&entry, now: now)
            table[message.account] = entry
            return !breaches(entry).isEmpty
        }
        guard over else { return .continue }
        switch limits.action {
        case .report, .quarantine: return .continue  // quarantine: held at end of message
        case .tempfail: return .tempfail("Sending limit exceeded for this account")
        case .reject: return .reject("Sending limit exceeded for this account")
        }
    }

    public func atEndOfMessage(_ message: MilterMessageRecord) -> MilterVerdict {
        let now = clock()
        let (found, verdictNeeded) = accounts.withLockedValue { table -> ([MailLimitBreach], Bool) in
            var entry =
                table[message.account]
                ?? Account(hour: MailWindowCounts(start: Self.hourStart(now)), day: MailWindowCounts(start: Self.dayStart(now)))
            Self.roll(&entry, now: now)
            entry.authenticated = message.authenticated
            entry.hour.add(message)
            entry.day.add(message)
            var fresh: [MailLimitBreach] = []
            let crossed = breaches(entry)
            let detected = detections(entry)
            for (window, measure, limit) in crossed + detected {
                let key = "\(window):\(measure):\(window == "hour" ? entry.hour.start.microseconds : entry.day.start.microseconds)"
                if entry.reported.insert(key).inserted {
                    fresh.append(
                        MailLimitBreach(
                            account: message.account, authenticated: message.authenticated, window: window, measure: measure,
                            isLimit: !detected.contains { $0.1 == measure }, limit: limit, counts: window == "hour" ? entry.hour : entry.day,
                            action: detected.contains { $0.1 == measure } ? .report : limits.action, at: now))
                }
            }
            table[message.account] = entry
            return (fresh, !crossed.isEmpty)
        }
        if !limits.allowlist.contains(message.account) { for breach in found { onBreach(breach) } }
        guard verdictNeeded, !limits.allowlist.contains(message.account) else { return .continue }
        // SASL submission is stopped at MAIL from the next message on; this one, and local submission, is held
        // or rejected here as configured.
        switch limits.action {
        case .report: return .continue
        case .tempfail where message.authenticated: return .continue
        case .tempfail, .quarantine: return .quarantine("mogura: \(message.account) is over its sending limit")
        case .reject: return .reject("Sending limit exceeded for this account")
        }
    }

    private func breaches(_ entry: Account) -> [(String, String, Int)] {
        var found: [(String, String, Int)] = []
        if let limit = limits.messagesPerHour, entry.hour.messages > limit { found.append(("hour", "messages", limit)) }
        if let limit = limits.recipientsPerHour, entry.hour.recipients > limit { found.append(("hour", "recipients", limit)) }
        if let limit = limits.messagesPerDay, entry.day.messages > limit { found.append(("day", "messages", limit)) }
        if let limit = limits.recipientsPerDay, entry.day.recipients > limit { found.append(("day", "recipients", limit)) }
        return found
    }

    private func detections(_ entry: Account) -> [(String, String, Int)] {
        var found: [(String, String, Int)] = []
        if let limit = detectors.clientAddressesPerHour, entry.authenticated, entry.hour.clientAddresses.count > limit {
            found.append(("hour", "client-addresses", limit))
        }
        if let limit = detectors.similarBodyRecipientsPerHour, entry.hour.mostRecipientsOfOneBody > limit {
            found.append(("hour", "similar-body", limit))
        }
        if let factor = detectors.baselineFactor, entry.history.count >= 3 {
            let average = Double(entry.history.reduce(0, +)) / Double(entry.history.count)
            let threshold = max(detectors.baselineMinimum, Int((average * factor).rounded(.up)))
            if entry.day.messages > threshold { found.append(("day", "above-baseline", threshold)) }
        }
        return found
    }

    private static func roll(_ entry: inout Account, now: Timestamp) {
        let hour = hourStart(now)
        if entry.hour.start != hour { entry.hour = MailWindowCounts(start: hour) }
        let day = dayStart(now)
        if entry.day.start != day {
            if entry.day.messages > 0 {
                entry.history.append(entry.day.messages)
                if entry.history.count > 7 { entry.history.removeFirst(entry.history.count - 7) }
            }
            entry.day = MailWindowCounts(start: day)
            entry.reported = []
        }
    }

    static func hourStart(_ time: Timestamp) -> Timestamp {
        Timestamp(microseconds: time.microseconds - ((time.microseconds % 3_600_000_000) + 3_600_000_000) % 3_600_000_000)
    }

    static func dayStart(_ time: Timestamp) -> Timestamp {
        Timestamp(microseconds: time.microseconds - ((time.microseconds % 86_400_000_000) + 86_400_000_000) % 86_400_000_000)
    }
}
