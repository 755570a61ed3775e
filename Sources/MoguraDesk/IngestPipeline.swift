public import MoguraCore
public import MoguraIntake
public import MoguraStore

/// The first stage of the pipeline: bytes in, drafts made (`MoguraIntake`), reports stored with their raw bytes
/// (`MoguraStore`). A customer's reply to a notice is marked with its case; the ``Correlator`` files it.
///
/// ```swift
/// let pipeline = IngestPipeline(intake: Intake(), store: store, actor: "lmtp")
/// let result = try await pipeline.ingest(bytes, source: "lmtp", channel: .mail)
/// ```
public struct IngestPipeline: ReportSink {
    /// Reads the bytes.
    public var intake: Intake
    /// Stores the reports.
    public var store: any Store
    /// Who ingests, for the audit chain.
    public var actor: String
    /// Matches customers' replies to notices with their cases (nil: no matching).
    public var replies: ReplyMatcher?

    /// Creates a pipeline.
    public init(intake: Intake, store: any Store, actor: String, replies: ReplyMatcher? = nil) {
        self.intake = intake
        self.store = store
        self.actor = actor
        self.replies = replies
    }

    /// What one ingest made and stored.
    public struct Result: Sendable {
        /// The drafts, in order.
        public var drafts: [ReportDraft]
        /// The stored reports, in the same order.
        public var stored: [StoredReport]
    }

    /// Parses `raw` and stores its reports and the bytes in one transaction.
    public func ingest(_ raw: [UInt8], source: String, channel: ReportChannel, annotate: (ReportDraft) -> ReportDraft = { $0 }) async throws -> Result
    {
        let drafts = intake.drafts(from: raw, source: source).map(annotate)
        let now = Timestamp.now()
        var reports = drafts.map { $0.report(receivedAt: now, channel: channel) }
        if let replies { try await replies.mark(&reports, drafts: drafts, store: store) }
        let stored = try await store.insertReports(reports, raw: raw, actor: actor)
        return Result(drafts: drafts, stored: stored)
    }

    public func submit(_ raw: [UInt8], source: String, channel: ReportChannel) async throws -> ReportReceipt {
        let result = try await ingest(raw, source: source, channel: channel)
        return ReportReceipt(reportIDs: result.stored.compactMap(\.report.id), duplicates: result.stored.filter { !$0.isNew }.count)
    }
}
