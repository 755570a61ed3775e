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
    /// Messages, recipients and bounces counted by this process (after a restart: including what it had stored).
    public var messages = 0
    public var recipients = 0
    /// Bounces (null-sender mail) to the account.
    public var bounces = 0
    /// What other processes sharing the store counted in the same window, as of the last synchronisation.
    public var elsewhere = Elsewhere()
    /// Distinct recipient domains (kept up to 1,000).
    public var recipientDomains: Set<String> = []
    /// Recipients not sent to by the account the day before or earlier the same day (low-and-slow spam).
    public var newRecipients = 0
    /// Distinct connecting client addresses (kept up to 256).
    public var clientAddresses: Set<String> = []
    /// Countries and networks of the client addresses, from the operator's IP-to-country file (up to 64 each).
    public var clientCountries: Set<String> = []
    public var clientNetworks: Set<String> = []
    /// A few recipients and subjects as evidence.
    public var sampleRecipients: [String] = []
    public var sampleSubjects: [String] = []
    /// Recipients per body fingerprint (up to 64 fingerprints): near-identical messages to many recipients.
    public var recipientsBySimilarBody: [UInt64: Int] = [:]

    /// Counts of other processes.
    public struct Elsewhere: Hashable, Sendable {
        public var messages = 0
        public var recipients = 0
        public var bounces = 0
    }

    public init(start: Timestamp) { self.start = start }

    /// The most recipients that one body (its fingerprint) went to.
    public var mostRecipientsOfOneBody: Int { recipientsBySimilarBody.values.max() ?? 0 }

    /// Messages across every process that shares the store.
    public var totalMessages: Int { messages + elsewhere.messages }
    public var totalRecipients: Int { recipients + elsewhere.recipients }
    public var totalBounces: Int { bounces + elsewhere.bounces }

    mutating func add(_ record: MilterMessageRecord, origin: IPOrigin?) {
        messages += 1
        recipients += record.recipients.count
        for recipient in record.recipients {
            if recipientDomains.count < 1_000, let at = recipient.lastIndex(of: "@") {
                recipientDomains.insert(recipient[recipient.index(after: at)...].lowercased())
            }
            if sampleRecipients.count < 10 && !sampleRecipients.contains(recipient) { sampleRecipients.append(recipient) }
        }
        if clientAddresses.count < 256 && !record.clientAddress.isEmpty { clientAddresses.insert(record.clientAddress) }
        if let origin {
            if clientCountries.count < 64 { clientCountries.insert(origin.country) }
            if let network = origin.network, clientNetworks.count < 64 { clientNetworks.insert(network) }
        }
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
    /// A SASL account used from more countries than this in an hour (needs an IP-to-country file).
    public var clientCountriesPerHour: Int?
    /// One body (case, white space and digits folded) sent to more recipients than this in an hour (a contact
    /// form's auto-reply abused, a mass mailer).
    public var similarBodyRecipientsPerHour: Int?
    /// Today's messages above this many times the account's average day of the last week…
    public var baselineFactor: Double?
    /// …and above this many messages (quiet accounts are not flagged for sending a few).
    public var baselineMinimum: Int
    /// Low-and-slow spam: on this many days in a row…
    public var lowAndSlowDays: Int?
    /// …at least this many recipients a day (below the volume limits, which catch the loud)…
    public var lowAndSlowRecipients: Int
    /// …of which at least this share were not sent to the day before or earlier that day…
    public var lowAndSlowNewShare: Double
    /// …in at least this many distinct domains.
    public var lowAndSlowDomains: Int
    /// More bounces to the account than this in an hour (its mail is refused: spam, or a list bought in bulk).
    public var bouncesPerHour: Int?

    public init(
        clientAddressesPerHour: Int? = 10, clientCountriesPerHour: Int? = 2, similarBodyRecipientsPerHour: Int? = 50,
        baselineFactor: Double? = 5, baselineMinimum: Int = 200, lowAndSlowDays: Int? = 3, lowAndSlowRecipients: Int = 100,
        lowAndSlowNewShare: Double = 0.8, lowAndSlowDomains: Int = 20, bouncesPerHour: Int? = 50
    ) {
        self.clientAddressesPerHour = clientAddressesPerHour
        self.clientCountriesPerHour = clientCountriesPerHour
        self.similarBodyRecipientsPerHour = similarBodyRecipientsPerHour
        self.baselineFactor = baselineFactor
        self.baselineMinimum = baselineMinimum
        self.lowAndSlowDays = lowAndSlowDays
        self.lowAndSlowRecipients = lowAndSlowRecipients
        self.lowAndSlowNewShare = lowAndSlowNewShare
        self.lowAndSlowDomains = lowAndSlowDomains
        self.bouncesPerHour = bouncesPerHour
    }
}

/// A limit crossed: the evidence for the report the milter files.
public struct MailLimitBreach: Hashable, Sendable {
    public var account: String
    /// Whether the account is a SASL login (else local submission, e.g. a web application's mail()).
    public var authenticated: Bool
    /// `hour` or `day`.
    public var window: String
    /// Which limit: `messages` or `recipients`; or which detector: `client-addresses`, `client-countries`,
    /// `similar-body`, `above-baseline`, `low-and-slow`, `bounces`.
    public var measure: String
    /// Whether it is a limit (enforced) rather than a detector (reported only).
    public var isLimit: Bool
    public var limit: Int
    public var counts: MailWindowCounts
    public var action: MailLimits.Action
    public var at: Timestamp
}

/// What the milter does while the store that shares and keeps its counters cannot be reached.
public enum MailStoreFailureMode: String, Hashable, Sendable, CaseIterable {
    /// Decide from this process's own counts (mail flows; limits may be crossed by up to one process's share).
    case open
    /// Tempfail authenticated submission and hold local submission until the store answers again.
    case closed
}

/// The accounting engine behind the milter: counts every message per account per hour and per day, enforces
/// ``MailLimits``, runs the ``MailDetectors``, and reports each breach once per window.
///
/// Decisions are made from memory, never waiting on the store. ``MailCounterSync`` writes the counts to the store
/// and reads other processes' counts back, so limits hold across restarts and across milters beside several mail
/// servers, stale by at most one synchronisation interval.
public final class MailAccounting: MilterPolicy, Sendable {
    struct Account {
        var authenticated = false
        var hour: MailWindowCounts
        var day: MailWindowCounts
        var reported: Set<String> = []
        /// Messages on each of the last seven days with traffic, oldest first.
        var history: [Int] = []
        /// Recipients (hashed) of the day before and of today, up to 2,000 each, for low-and-slow spam.
        var recipientsYesterday: Set<UInt32> = []
        var recipientsToday: Set<UInt32> = []
        /// Days in a row, before today, that looked like low-and-slow spam.
        var lowAndSlowStreak = 0
    }

    /// Other processes' last counts for one account, per process.
    struct Remote {
        var hour: [String: MailCounterRow] = [:]
        var day: [String: MailCounterRow] = [:]
    }

    struct State {
        var accounts: [String: Account] = [:]
        /// Accounts changed since the last synchronisation.
        var dirty: Set<String> = []
        var remote: [String: Remote] = [:]
        var storeReachable = true
    }

    let limits: MailLimits
    let detectors: MailDetectors
    let failureMode: MailStoreFailureMode
    let clock: @Sendable () -> Timestamp
    let origin: @Sendable (String) -> IPOrigin?
    let onBreach: @Sendable (MailLimitBreach) -> Void
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - limits: the limits and the action.
    ///   - detectors: what is reported without stopping mail.
    ///   - failureMode: what to do while the store is unreachable (see ``storeReachable``).
    ///   - clock: the time (tests move it by hand).
    ///   - origin: the country and network of a client address (an operator's IP-to-country file), if known.
    ///   - onBreach: called once per account, window and measure when a limit is crossed (outside the lock).
    public init(
        limits: MailLimits, detectors: MailDetectors = MailDetectors(), failureMode: MailStoreFailureMode = .open,
        clock: @escaping @Sendable () -> Timestamp = { .now() }, origin: @escaping @Sendable (String) -> IPOrigin? = { _ in nil },
        onBreach: @escaping @Sendable (MailLimitBreach) -> Void = { _ in }
    ) {
        self.limits = limits
        self.detectors = detectors
        self.failureMode = failureMode
        self.clock = clock
        self.origin = origin
        self.onBreach = onBreach
    }

    /// How many accounts are tracked.
    public var accountCount: Int { state.withLockedValue { $0.accounts.count } }

    /// Whether the store answered the last synchronisation; while it does not, ``failureMode`` applies.
    public var storeReachable: Bool {
        get { state.withLockedValue { $0.storeReachable } }
        set { state.withLockedValue { $0.storeReachable = newValue } }
    }

    /// The current counts of an account.
    public func counts(for account: String) -> (hour: MailWindowCounts, day: MailWindowCounts)? {
        let now = clock()
        return state.withLockedValue { state in
            guard var entry = state.accounts[account] else { return nil }
            roll(&entry, now: now)
            return (entry.hour, entry.day)
        }
    }

    public func atMail(_ message: MilterMessageRecord) -> MilterVerdict {
        guard !limits.allowlist.contains(message.account), message.authenticated else { return .continue }
        let now = clock()
        // Tempfail and reject refuse a SASL account's next message at MAIL once it has reached a limit, so exactly
        // the limit passes; the first refusal is what reports the breach. (Quarantine and report-only decide at the
        // end of the message, where the message that goes over is known.)
        let stops = limits.action == .tempfail || limits.action == .reject
        let (found, closed) = state.withLockedValue { state -> ([MailLimitBreach]?, Bool) in
            let closed = !state.storeReachable && failureMode == .closed
            guard var entry = state.accounts[message.account] else { return (nil, closed) }
            roll(&entry, now: now)
            let reached = stops ? breaches(entry, reaching: true) : []
            let fresh = reached.isEmpty ? nil : report(reached, [], account: message.account, entry: &entry, now: now)
            state.accounts[message.account] = entry
            return (fresh, closed)
        }
        if closed { return .tempfail("Sending is paused while mail accounting is unavailable; try again later") }
        guard let found else { return .continue }
        for breach in found { onBreach(breach) }
        return limits.action == .reject
            ? .reject("Sending limit exceeded for this account") : .tempfail("Sending limit exceeded for this account")
    }

    public func atEndOfMessage(_ message: MilterMessageRecord) -> MilterVerdict {
        let now = clock()
        if message.sender.isEmpty && !message.authenticated {
            countBounce(message, now: now)
            return .continue
        }
        let origin = message.clientAddress.isEmpty ? nil : origin(message.clientAddress)
        let (found, verdictNeeded, closed) = state.withLockedValue { state -> ([MailLimitBreach], Bool, Bool) in
            var entry = state.accounts[message.account] ?? Self.newAccount(now)
            roll(&entry, now: now)
            entry.authenticated = message.authenticated
            entry.hour.add(message, origin: origin)
            entry.day.add(message, origin: origin)
            countNewRecipients(message.recipients, in: &entry)
            let crossed = breaches(entry)
            let fresh = report(crossed, detections(entry), account: message.account, entry: &entry, now: now)
            state.accounts[message.account] = entry
            state.dirty.insert(message.account)
            return (fresh, !crossed.isEmpty, !state.storeReachable && failureMode == .closed)
        }
        guard !limits.allowlist.contains(message.account) else { return .continue }
        for breach in found { onBreach(breach) }
        if closed && !message.authenticated { return .quarantine("mogura: mail accounting is unavailable") }
        guard verdictNeeded else { return .continue }
        // SASL submission is stopped at MAIL from the next message on; this one, and local submission, is held
        // or rejected here as configured.
        switch limits.action {
        case .report: return .continue
        case .tempfail where message.authenticated: return .continue
        case .tempfail, .quarantine: return .quarantine("mogura: \(message.account) is over its sending limit")
        case .reject: return .reject("Sending limit exceeded for this account")
        }
    }

    /// A null-sender message: a bounce to each recipient, counted against the recipient's account.
    private func countBounce(_ message: MilterMessageRecord, now: Timestamp) {
        var found: [MailLimitBreach] = []
        state.withLockedValue { state in
            for recipient in Set(message.recipients) {
                var entry = state.accounts[recipient] ?? Self.newAccount(now)
                roll(&entry, now: now)
                entry.hour.bounces += 1
                entry.day.bounces += 1
                if let limit = detectors.bouncesPerHour, entry.hour.totalBounces > limit {
                    found += report([], [("hour", "bounces", limit)], account: recipient, entry: &entry, now: now)
                }
                state.accounts[recipient] = entry
                state.dirty.insert(recipient)
            }
        }
        for breach in found where !limits.allowlist.contains(breach.account) { onBreach(breach) }
    }

    private static func newAccount(_ now: Timestamp) -> Account {
        Account(hour: MailWindowCounts(start: hourStart(now)), day: MailWindowCounts(start: dayStart(now)))
    }

    /// The breaches not yet reported in their window, marked as reported.
    private func report(
        _ crossed: [(String, String, Int)], _ detected: [(String, String, Int)], account: String, entry: inout Account, now: Timestamp
    ) -> [MailLimitBreach] {
        var fresh: [MailLimitBreach] = []
        for (window, measure, limit) in crossed + detected {
            let start = window == "hour" ? entry.hour.start : entry.day.start
            guard entry.reported.insert("\(window):\(measure):\(start.microseconds)").inserted else { continue }
            let isDetector = detected.contains { $0.1 == measure }
            fresh.append(
                MailLimitBreach(
                    account: account, authenticated: entry.authenticated, window: window, measure: measure, isLimit: !isDetector, limit: limit,
                    counts: window == "hour" ? entry.hour : entry.day, action: isDetector ? .report : limits.action, at: now))
        }
        return fresh
    }

    private func countNewRecipients(_ recipients: [String], in entry: inout Account) {
        guard detectors.lowAndSlowDays != nil else { return }
        for recipient in recipients {
            let hash = Self.hash(recipient.lowercased())
            if entry.recipientsYesterday.contains(hash) { continue }
            if entry.recipientsToday.count < 2_000 {
                if entry.recipientsToday.insert(hash).inserted { entry.day.newRecipients += 1 }
            } else if !entry.recipientsToday.contains(hash) {
                entry.day.newRecipients += 1
            }
        }
    }

    /// The limits an account is over (or, with `reaching`, has reached: its next message would go over).
    private func breaches(_ entry: Account, reaching: Bool = false) -> [(String, String, Int)] {
        let margin = reaching ? 1 : 0
        var found: [(String, String, Int)] = []
        if let limit = limits.messagesPerHour, entry.hour.totalMessages + margin > limit { found.append(("hour", "messages", limit)) }
        if let limit = limits.recipientsPerHour, entry.hour.totalRecipients + margin > limit { found.append(("hour", "recipients", limit)) }
        if let limit = limits.messagesPerDay, entry.day.totalMessages + margin > limit { found.append(("day", "messages", limit)) }
        if let limit = limits.recipientsPerDay, entry.day.totalRecipients + margin > limit { found.append(("day", "recipients", limit)) }
        return found
    }

    private func detections(_ entry: Account) -> [(String, String, Int)] {
        var found: [(String, String, Int)] = []
        if let limit = detectors.clientAddressesPerHour, entry.authenticated, entry.hour.clientAddresses.count > limit {
            found.append(("hour", "client-addresses", limit))
        }
        if let limit = detectors.clientCountriesPerHour, entry.authenticated, entry.hour.clientCountries.count > limit {
            found.append(("hour", "client-countries", limit))
        }
        if let limit = detectors.similarBodyRecipientsPerHour, entry.hour.mostRecipientsOfOneBody > limit {
            found.append(("hour", "similar-body", limit))
        }
        if let factor = detectors.baselineFactor, entry.history.count >= 3 {
            let average = Double(entry.history.reduce(0, +)) / Double(entry.history.count)
            let threshold = max(detectors.baselineMinimum, Int((average * factor).rounded(.up)))
            if entry.day.messages > threshold { found.append(("day", "above-baseline", threshold)) }
        }
        if let days = detectors.lowAndSlowDays, entry.lowAndSlowStreak >= days - 1, lowAndSlow(entry.day) {
            found.append(("day", "low-and-slow", detectors.lowAndSlowRecipients))
        }
        return found
    }

    /// Whether a day looks like low-and-slow spam: enough recipients, mostly new, in many domains.
    private func lowAndSlow(_ day: MailWindowCounts) -> Bool {
        day.recipients >= detectors.lowAndSlowRecipients && day.recipientDomains.count >= detectors.lowAndSlowDomains
            && Double(day.newRecipients) >= detectors.lowAndSlowNewShare * Double(day.recipients)
    }

    /// Moves an account's windows to the ones `now` falls in.
    private func roll(_ entry: inout Account, now: Timestamp) {
        let hour = Self.hourStart(now)
        if entry.hour.start != hour { entry.hour = MailWindowCounts(start: hour) }
        let day = Self.dayStart(now)
        guard entry.day.start != day else { return }
        if entry.day.messages > 0 {
            entry.history.append(entry.day.messages)
            if entry.history.count > 7 { entry.history.removeFirst(entry.history.count - 7) }
        }
        let consecutive = day.microseconds - entry.day.start.microseconds == 86_400_000_000
        if consecutive, lowAndSlow(entry.day) {
            entry.lowAndSlowStreak += 1
        } else {
            entry.lowAndSlowStreak = 0
        }
        entry.recipientsYesterday = consecutive ? entry.recipientsToday : []
        entry.recipientsToday = []
        entry.day = MailWindowCounts(start: day)
        entry.reported = []
    }

    static func hourStart(_ time: Timestamp) -> Timestamp {
        Timestamp(microseconds: time.microseconds - ((time.microseconds % 3_600_000_000) + 3_600_000_000) % 3_600_000_000)
    }

    static func dayStart(_ time: Timestamp) -> Timestamp {
        Timestamp(microseconds: time.microseconds - ((time.microseconds % 86_400_000_000) + 86_400_000_000) % 86_400_000_000)
    }

    static func hash(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return hash
    }
}

// MARK: - Keeping and sharing the counters

extension MailAccounting {
    /// The rows of the accounts changed since the last call, as they stand (windows not rolled, so a day's last
    /// counts are written even after midnight), and forgets that they changed. Put them back with
    /// ``markChanged(_:)`` when they could not be written.
    public func takeChangedRows() -> [MailCounterRow] {
        state.withLockedValue { state in
            var rows: [MailCounterRow] = []
            rows.reserveCapacity(state.dirty.count * 2)
            for account in state.dirty {
                guard let entry = state.accounts[account] else { continue }
                for (window, counts) in [(MailCounterRow.Window.hour, entry.hour), (.day, entry.day)] {
                    rows.append(
                        MailCounterRow(
                            account: account, window: window, start: counts.start, messages: counts.messages, recipients: counts.recipients,
                            bounces: counts.bounces))
                }
            }
            state.dirty = []
            return rows
        }
    }

    /// Marks accounts as changed again (their rows could not be written).
    public func markChanged(_ accounts: some Sequence<String>) {
        state.withLockedValue { state in
            for account in accounts where state.accounts[account] != nil { state.dirty.insert(account) }
        }
    }

    /// Takes back this process's own rows after a restart: the current hour and day are added to what was counted
    /// since the start, and earlier days become the baseline's history.
    public func restore(_ rows: [MailCounterRow]) {
        let now = clock()
        let hour = Self.hourStart(now)
        let today = Self.dayStart(now)
        state.withLockedValue { state in
            var earlierDays: [String: [MailCounterRow]] = [:]
            for row in rows {
                var entry = state.accounts[row.account] ?? Self.newAccount(now)
                roll(&entry, now: now)
                switch row.window {
                case .hour where row.start == hour:
                    entry.hour.messages += row.messages
                    entry.hour.recipients += row.recipients
                    entry.hour.bounces += row.bounces
                case .day where row.start == today:
                    entry.day.messages += row.messages
                    entry.day.recipients += row.recipients
                    entry.day.bounces += row.bounces
                case .day where row.start < today:
                    earlierDays[row.account, default: []].append(row)
                default:
                    continue
                }
                state.accounts[row.account] = entry
                state.dirty.insert(row.account)
            }
            for (account, days) in earlierDays {
                let restored = days.sorted { $0.start < $1.start }.map(\.messages).filter { $0 > 0 }
                guard var entry = state.accounts[account] else { continue }
                entry.history = Array((restored + entry.history).suffix(7))
                state.accounts[account] = entry
            }
        }
    }

    /// Takes in other processes' rows: each replaces that process's earlier row of the same window, and the
    /// accounts' counts elsewhere become the sums over processes.
    public func merge(_ rows: [(node: String, row: MailCounterRow)]) {
        guard !rows.isEmpty else { return }
        let now = clock()
        state.withLockedValue { state in
            var touched: Set<String> = []
            for (node, row) in rows {
                var remote = state.remote[row.account] ?? Remote()
                switch row.window {
                case .hour:
                    if (remote.hour[node]?.start).map({ $0 <= row.start }) ?? true { remote.hour[node] = row }
                case .day:
                    if (remote.day[node]?.start).map({ $0 <= row.start }) ?? true { remote.day[node] = row }
                }
                state.remote[row.account] = remote
                touched.insert(row.account)
            }
            for account in touched {
                guard let remote = state.remote[account] else { continue }
                var entry = state.accounts[account] ?? Self.newAccount(now)
                roll(&entry, now: now)
                entry.hour.elsewhere = Self.sum(remote.hour.values, start: entry.hour.start)
                entry.day.elsewhere = Self.sum(remote.day.values, start: entry.day.start)
                state.accounts[account] = entry
            }
        }
    }

    private static func sum(_ rows: some Sequence<MailCounterRow>, start: Timestamp) -> MailWindowCounts.Elsewhere {
        var total = MailWindowCounts.Elsewhere()
        for row in rows where row.start == start {
            total.messages += row.messages
            total.recipients += row.recipients
            total.bounces += row.bounces
        }
        return total
    }
}
