import Foundation
import Logging
import MoguraCore
import MoguraMail
import MoguraTesting
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

/// A real Postfix on loopback with Mogura's milter in `smtpd_milters` and `non_smtpd_milters`: normal mail passes
/// and is delivered; a contact-form style flood through sendmail(1) crosses its limit, is held, and is reported once.
@Suite(
    "Postfix with the milter", .serialized, .tags(.process),
    .enabled(if: PostfixInstance.runs, "Postfix is not installed or not running as root (scripts/test installs it as root)"))
struct MilterPostfixTests {
    @Test func normalMailPassesAndAFormFloodIsHeldAndReported() async throws {
        let milterPort = try FreePort.pick()
        let breaches = NIOLockedValueBox<[MailLimitBreach]>([])
        let accounting = MailAccounting(
            limits: MailLimits(messagesPerHour: 3, messagesPerDay: nil, recipientsPerHour: nil, recipientsPerDay: nil, action: .tempfail),
            onBreach: { breach in breaches.withLockedValue { $0.append(breach) } })
        let logger = Logger(label: "milter-postfix-test")
        let (listening, continuation) = AsyncStream<String>.makeStream()
        let server = MilterServer(
            address: .tcp(host: "127.0.0.1", port: milterPort), policy: accounting, logger: logger, onListening: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = listening.makeAsyncIterator()
            _ = await iterator.next()
            let postfix = try PostfixInstance(lmtpPort: try FreePort.pick(), mailboxDomain: "customers.example", milterPort: milterPort)
            defer { postfix.stop() }
            // Postfix talks to the milter in this process: the blocking steps run off the cooperative pool.
            try await offPool { try postfix.start() }

            // Normal mail over SMTP passes and is delivered.
            try await offPool {
                for index in 1...2 {
                    try postfix.send(
                        Array("From: shop@example.jp\r\nTo: buyer@customers.example\r\nSubject: Order \(index)\r\n\r\nThank you.\r\n".utf8),
                        from: "shop@example.jp", to: "buyer@customers.example")
                }
                try waitFor("two deliveries", timeout: 30) { postfix.deliveredMessages().count == 2 }
            }
            #expect(accounting.counts(for: "shop@example.jp")?.hour.messages == 2)

            // A contact form's auto-replies through sendmail(1): three pass, the rest are held.
            for index in 1...6 {
                try postfix.sendmail(
                    Array(
                        "From: www-data@web1.example.jp\nTo: victim\(index)@customers.example\nSubject: Thank you for your inquiry\n\nWe received: BUY CHEAP PILLS \(index)\n"
                            .utf8),
                    from: "www-data@web1.example.jp", to: "victim\(index)@customers.example")
            }
            try waitFor("three more deliveries and three held", timeout: 60) {
                try postfix.deliveredMessages().count == 5 && postfix.heldMessages() == 3
            }
            let counted = accounting.counts(for: "www-data@web1.example.jp")
            #expect(counted?.hour.messages == 6)
            #expect(counted?.hour.clientAddresses == ["127.0.0.1"])
            let reported = breaches.withLockedValue { $0 }
            #expect(reported.count == 1)
            #expect(reported.first?.account == "www-data@web1.example.jp")
            #expect(reported.first?.authenticated == false)
            #expect(reported.first?.counts.sampleSubjects == ["Thank you for your inquiry"])
            #expect(postfix.log.contains("milter-hold"), "Postfix logged the hold")
            try await offPool { postfix.stop() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
