import Foundation
import MoguraCore
import MoguraDesk

/// Mails the deadline watch's reminders and misses to `legal.alerts_to`, through the desk's mail transport (the
/// relay, or the outbox folder).
enum LegalAlerts {
    /// The sender for a configuration, or nil when nobody is to be mailed.
    static func mailer(_ configuration: DeskConfiguration) -> (@Sendable ([String], Timestamp) async throws -> Void)? {
        let recipients = configuration.legal.alertsTo
        guard !recipients.isEmpty else { return nil }
        let sender = ActionRunner.mailSender(for: configuration.mail)
        let notices = configuration.notices
        return { events, time in
            let missed = events.filter { $0.hasPrefix("MISSED") }.count
            let subject =
                missed > 0
                ? "[Mogura legal] 期限超過 \(missed)件 / \(missed) missed deadline(s)"
                : "[Mogura legal] 期限のお知らせ \(events.count)件 / \(events.count) deadline reminder(s)"
            let body =
                """
                法務対応の期限監視（\(time)）の結果です。詳細は mogura legal show または /legal/ で確認してください。
                The legal deadline watch at \(time) raised these events; see mogura legal show or /legal/.

                \(events.joined(separator: "\n"))
                """
            let id = "legal-watch-\(time.microseconds)-\(UUID().uuidString.prefix(8).lowercased())@\(notices.messageIDDomain)"
            _ = try await sender.send(
                OutgoingMail(
                    from: notices.from, envelopeFrom: notices.fromAddress, to: recipients, replyTo: nil, messageID: id, inReplyTo: nil,
                    subject: subject, body: body, date: time, extraHeaders: [("X-Mogura-Legal", "deadline-watch")]))
        }
    }
}
