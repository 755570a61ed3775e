import Foundation
import MoguraCore
import MoguraDesk
import MoguraTesting
import Testing

@Suite("Desk configuration")
struct ConfigurationTests {
    @Test func theCommentedExampleParsesAndSaysWhatItMeans() throws {
        setenv("MOGURA_WEBHOOK_SECRET", "an example secret of enough length", 1)
        let path = TestEnvironment.repositoryRoot + "/docs/mogura.example.yml"
        let configuration = try DeskConfiguration.load(path: path)
        #expect(configuration.correlation.window == 7 * 86_400 && configuration.correlation.reopenWithin == 14 * 86_400)
        #expect(configuration.playbooks.playbooks.map(\.name) == ["default", "takedown", "compromised-account"])
        let ladder = try #require(configuration.playbooks.playbook(for: .spam, track: .termsOfService))
        #expect(ladder.steps.map(\.action) == [.notify, .warn, .suspend] && ladder.steps.map(\.after) == [0, 72 * 3_600, 72 * 3_600])
        #expect(configuration.playbooks.playbook(for: .webshell, track: .termsOfService)?.name == "takedown")
        #expect(configuration.notices.replyTo(token: "abc") == "abuse+abc@example.net")
        #expect(configuration.notices.fromAddress == "abuse@example.net")
        #expect(configuration.mail.transport == .smtp(host: "127.0.0.1", port: 25))
        guard case .webhook(let url, let secret, let timeout, let headers)? = configuration.connectors[.suspend] else {
            Issue.record("suspend should be a webhook")
            return
        }
        #expect(url == "https://panel.example.net/hooks/mogura" && secret == "an example secret of enough length" && timeout == 30)
        #expect(headers == ["X-Panel-Tenant": "abuse"])
        #expect(
            configuration.connectors[.resetPassword] == .command(argv: ["/usr/local/sbin/mogura-reset-password", "--reason", "abuse"], timeout: 60))
        #expect(configuration.workers.lease == 300 && configuration.workers.backoff(afterAttempt: 1) == 30)
        #expect(configuration.legal.alertsTo == ["legal-team@example.net"] && configuration.legal.watchInterval == 300)
        #expect(configuration.workers.backoff(afterAttempt: 3) == 120 && configuration.workers.backoff(afterAttempt: 20) == 3_600)
    }

    @Test func anEmptyFileMeansTheDefaults() throws {
        let configuration = try DeskConfiguration.parse(yaml: "", source: "empty.yml")
        #expect(configuration.playbooks == PlaybookSet.builtIn)
        #expect(configuration.mail.transport == .outbox(directory: ""))
    }

    @Test(arguments: [
        ("playbooks:\n  - name: x\n    steps:\n      - action: suspnd\n", "playbooks[0].steps[0].action", "unknown action \"suspnd\""),
        ("playbooks:\n  - name: x\n    categories: [spamm]\n    steps: []\n", "playbooks[0].categories[0]", "unknown category"),
        ("correlation:\n  window: soon\n", "correlation.window", "not a duration"),
        ("notices:\n  reply_to: abuse@example.net\n", "notices.reply_to", "{token}"),
        ("mail:\n  relay: localhost\n", "mail.relay", "host:port"),
        ("connectors:\n  suspend:\n    webhook:\n      url: ftp://x\n      secret: 0123456789abcdef\n", "connectors.suspend.webhook.url", "http"),
        ("connectors:\n  suspend:\n    webhook:\n      url: https://x.example\n      secret: short\n", "connectors.suspend.webhook", "16 bytes"),
        ("connectors:\n  notify:\n    command:\n      argv: [/bin/true]\n", "connectors.notify", "sent by mail"),
        ("connectors:\n  suspend:\n    command:\n      argv: []\n", "connectors.suspend.command.argv", "program"),
        ("workers:\n  lease: 10s\n", "workers.lease", "longer than"),
        ("playbooks:\n  - name: a\n    steps: []\n  - name: b\n    steps: []\n", "playbooks", "only one can be the default"),
        ("correlation: [1, 2]\n", "correlation", "expected"),
    ])
    func mistakesNameTheKey(yaml: String, key: String, message: String) {
        do {
            _ = try DeskConfiguration.parse(yaml: yaml, source: "mogura.yml")
            Issue.record("expected an error for \(key)")
        } catch let error as DeskConfigurationError {
            #expect(error.key == key, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("mogura.yml: "))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func durations() {
        #expect(DurationText.seconds("72h") == 259_200)
        #expect(DurationText.seconds("1h30m") == 5_400)
        #expect(DurationText.seconds("3d") == 259_200)
        #expect(DurationText.seconds("500ms") == 0.5)
        #expect(DurationText.seconds("45") == 45)
        #expect(DurationText.seconds("1w") == 604_800)
        for bad in ["", "h", "3x", "-5", "1h30", "soon"] { #expect(DurationText.seconds(bad) == nil, "\(bad)") }
    }
}
