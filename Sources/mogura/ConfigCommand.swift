import ArgumentParser
import Foundation
import MoguraCore
import MoguraDesk
import MoguraStore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the desk configuration and show what it means.",
        discussion: """
            Reads the configuration (--config or MOGURA_CONFIG), checks every key (unknown actions and categories, \
            durations, webhook URLs and secrets, the lease against connector timeouts), loads the notice templates, \
            and prints the playbooks, connectors and mail transport in force. Exit status 1 and the key at fault \
            when something is wrong.

            Example:
              mogura config check --config /etc/mogura/mogura.yml
            """,
        subcommands: [ConfigCheckCommand.self])
}

struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Check the configuration and print it.")

    @OptionGroup var desk: DeskOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let configuration = try desk.load(store: try store.configuration())
        let composer: NoticeComposer
        do {
            composer = try NoticeComposer(settings: configuration.notices)
        } catch {
            throw CommandError("\(error)")
        }
        print("Configuration: \(desk.path ?? "(none: built-in defaults)") — OK\n")
        print(
            "Correlation: window \(Self.duration(configuration.correlation.window)), reopen within \(Self.duration(configuration.correlation.reopenWithin))"
        )
        print("\nPlaybooks:")
        for playbook in configuration.playbooks.playbooks {
            let categories = playbook.categories.isEmpty ? "(default)" : playbook.categories.map(\.rawValue).joined(separator: ", ")
            print(
                "  \(playbook.name): \(categories)\(playbook.autoResume ? ", auto-resume" : "")\(playbook.acknowledgeReporter ? ", acknowledges reporters" : "")"
            )
            for (index, step) in playbook.steps.enumerated() {
                let wait = step.after == 0 ? (index == 0 ? "at once" : "right after") : "after \(Self.duration(step.after))"
                print("    \(index + 1). \(step.action.rawValue) \(wait)\(step.requiresApproval ? ", needs approval" : "")")
            }
        }
        print("\nConnectors:")
        let kinds: [ActionKind] = [.suspend, .suspendWeb, .resume, .resetPassword, .blockMail]
        for kind in kinds {
            switch configuration.connectors[kind] {
            case .webhook(let url, _, let timeout, _)?: print("  \(kind.rawValue): webhook \(url) (timeout \(timeout) s)")
            case .command(let argv, let timeout)?: print("  \(kind.rawValue): command \(argv.joined(separator: " ")) (timeout \(timeout) s)")
            case nil: print("  \(kind.rawValue): none (actions of this kind fail until one is configured)")
            }
        }
        switch configuration.mail.transport {
        case .smtp(let host, let port): print("\nMail: SMTP relay \(host):\(port), STARTTLS \(configuration.mail.startTLS.rawValue)")
        case .outbox(let directory): print("\nMail: written to \(directory) (no relay configured)")
        }
        print("Notices: from \(configuration.notices.from), reply-to \(configuration.notices.replyTo)")
        print("Templates: \(composer.templateNames.joined(separator: ", "))")
    }

    static func duration(_ seconds: Int64) -> String {
        if seconds % 86_400 == 0 && seconds > 0 { return "\(seconds / 86_400)d" }
        if seconds % 3_600 == 0 && seconds > 0 { return "\(seconds / 3_600)h" }
        if seconds % 60 == 0 && seconds > 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

struct NoticesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices",
        abstract: "Work with notice templates.",
        discussion: """
            Mogura ships notice templates in Japanese and English (notify, warn, acknowledge). Export them, edit \
            them, and point notices.templates in the configuration at the folder; a file there replaces the \
            built-in template of the same name. docs/notices.md lists the values a template can use.

            Example:
              mogura notices export /etc/mogura/templates
            """,
        subcommands: [NoticesExportCommand.self])
}

struct NoticesExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the built-in templates to a folder.")

    @Argument(help: ArgumentHelp("The folder (created if missing).", valueName: "dir")) var directory: String
    @Flag(name: .customLong("force"), help: "Overwrite files that exist.") var force = false

    func run() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in BuiltInTemplates.all.sorted(by: { $0.key < $1.key }) {
            let path = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) && !force {
                print("kept     \(path) (exists; --force to overwrite)")
                continue
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            print("written  \(path)")
        }
    }
}
