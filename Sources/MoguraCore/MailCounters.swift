/// The counts one mail-accounting process (a milter beside one mail server) holds for one account in one window:
/// what it writes to the store so the counts survive a restart and other processes see them.
public struct MailCounterRow: Hashable, Sendable {
    /// An hour or a UTC day.
    public enum Window: String, Hashable, Sendable, CaseIterable {
        case hour
        case day
    }

    /// The account: a SASL login, or for local submission the envelope sender.
    public var account: String
    public var window: Window
    /// The window's start (on the hour or the UTC day).
    public var start: Timestamp
    public var messages: Int
    public var recipients: Int
    /// Bounces (null-sender mail) to the account.
    public var bounces: Int

    public init(account: String, window: Window, start: Timestamp, messages: Int, recipients: Int, bounces: Int) {
        self.account = account
        self.window = window
        self.start = start
        self.messages = messages
        self.recipients = recipients
        self.bounces = bounces
    }
}

/// Where mail counters are kept and shared. Each process ("node") writes its own absolute counts, so a write
/// repeated after a timeout or a restart changes nothing, and a node's total is read as the sum over nodes.
public protocol MailCounterStore: Sendable {
    /// Writes this node's current counts for these rows (insert or replace).
    func saveMailCounters(node: String, rows: [MailCounterRow], at time: Timestamp) async throws
    /// Other nodes' rows written at or after `changedSince` for windows starting at or after `windowsFrom`.
    func mailCounters(
        otherThan node: String, changedSince: Timestamp, windowsFrom: Timestamp
    ) async throws -> [(
        node: String, row: MailCounterRow
    )]
    /// This node's own rows for windows starting at or after `windowsFrom` (to carry on after a restart).
    func mailCounters(of node: String, windowsFrom: Timestamp) async throws -> [MailCounterRow]
    /// Deletes every node's rows of windows that started before `time`.
    func pruneMailCounters(before time: Timestamp) async throws
}
