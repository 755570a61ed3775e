import Foundation
public import MoguraCore
public import MoguraIntake
public import MoguraStore

/// Finds the case a customer's mail answers: the token in the Message-ID of the notice it replies to
/// (`mogura.<case>.<action>.<token>@domain`), or in the Reply-To address it was sent to (`abuse+<token>@…`).
public struct ReplyMatcher: Sendable {
    let prefix: String
    let suffix: String

    /// Creates a matcher for a Reply-To pattern such as `abuse+{token}@example.net`.
    public init(replyTo pattern: String) {
        let lower = pattern.lowercased()
        if let range = lower.range(of: "{token}") {
            prefix = String(lower[..<range.lowerBound])
            suffix = String(lower[range.upperBound...])
        } else {
            prefix = "\u{0}"
            suffix = "\u{0}"
        }
    }

    /// The case token in a mail's reply hints (Message-IDs it answers, addresses it went to), if any.
    public func token(in hints: [String]) -> String? {
        for hint in hints {
            let lower = hint.lowercased()
            if lower.hasPrefix("mogura."), let at = lower.firstIndex(of: "@") {
                let parts = lower[..<at].split(separator: ".")
                if parts.count == 4, parts[1].allSatisfy(\.isNumber), Self.isToken(parts[3]) { return String(parts[3]) }
            }
            if lower.count > prefix.count + suffix.count, lower.hasPrefix(prefix), lower.hasSuffix(suffix) {
                let token = lower.dropFirst(prefix.count).dropLast(suffix.count)
                if Self.isToken(token) { return String(token) }
            }
        }
        return nil
    }

    /// Marks the reports of mail that answers a notice with its case (the correlator then files them there, and
    /// a person's reply moves the case to review); automatic answers are marked `auto-submitted`.
    public func mark(_ reports: inout [Report], drafts: [ReportDraft], store: any Store) async throws {
        for (index, draft) in drafts.enumerated() where index < reports.count {
            guard let token = token(in: draft.replyHints), let kase = try await store.caseByToken(token) else { continue }
            reports[index].caseID = kase.id
            reports[index].evidence["reply-to-case"] = String(kase.id ?? 0)
            if draft.isAutomatic { reports[index].evidence["auto-submitted"] = "yes" }
        }
    }

    /// Tokens are 20 lower-case letters and digits.
    static func isToken(_ text: Substring) -> Bool {
        text.utf8.count == 20 && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}
