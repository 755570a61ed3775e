public import MoguraCore

/// The desk's time: workers read "now" and wait through it, so a test can move time forward three days in a
/// second and watch a warning and a suspension fall due.
public protocol DeskClock: Sendable {
    /// The current time.
    func now() -> Timestamp
    /// Waits about `seconds` (less when the clock is told to hurry); throws when the task is cancelled.
    func sleep(seconds: Double) async throws
}

/// The system clock.
public struct SystemClock: DeskClock {
    /// Creates the clock.
    public init() {}

    public func now() -> Timestamp { .now() }

    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1_000)))
    }
}
