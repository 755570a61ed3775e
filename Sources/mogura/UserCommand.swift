import ArgumentParser
import Foundation
import MoguraCore
import MoguraStore
import MoguraWeb

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage staff accounts, their roles and API tokens.",
        discussion: """
            Roles (a person may hold several):
              admin             accounts and settings; sees legal-track counts, not their contents
              tos-agent         works terms-of-service cases (約款対応)
              legal-lead        leads the legal track (法規対応)
              legal-agent       works legal-track cases
              network-operator  inventory lookups; reads terms-of-service cases
              viewer            reads terms-of-service cases

            Passwords are read from standard input (one line) or asked for on the terminal, never taken as an \
            argument (it would be visible in the process list and shell history). They are stored as bcrypt hashes.

            Examples:
              mogura user add alice --name "Alice Sato" --role tos-agent --role admin
              echo 'a long passphrase here' | mogura user passwd alice
              mogura user role alice --role legal-lead --role legal-agent
              mogura user token alice --name ticket-bridge --scope cases:read --scope reports:write
              mogura user tokens alice                  # ids, names, scopes, expiry, revocation
              mogura user revoke-token 7
              mogura user disable alice                 # ends her sessions; her tokens stop working
              mogura user list
            """,
        subcommands: [Add.self, Passwd.self, Role.self, Token.self, Tokens.self, RevokeToken.self, Disable.self, Enable.self, List.self])

    static func readPassword(prompt: String) throws -> String {
        let password: String?
        if isatty(STDIN_FILENO) == 1 {
            password = getpass(prompt).map { String(cString: $0) }
        } else {
            password = readLine(strippingNewline: true)
        }
        guard let password, !password.isEmpty else { throw CommandError("no password given on standard input") }
        if let problem = PasswordHasher.problem(with: password) { throw CommandError(problem) }
        return password
    }

    static func roles(_ names: [String]) throws -> Set<StaffRole> {
        var roles = Set<StaffRole>()
        for name in names {
            guard let role = StaffRole(rawValue: name) else {
                throw CommandError("unknown role \"\(name)\"; known: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            roles.insert(role)
        }
        return roles
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a staff account; the password is read from standard input.")

        @Argument(help: "The login name.") var login: String
        @Option(help: "The name shown in the UI.") var name: String?
        @Option(name: .customLong("role"), help: "A role (repeat for several).") var roleNames: [String] = []
        @Option(help: "Preferred UI language: ja or en (default: from the browser).") var language: String?
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard login.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
                throw ValidationError("a login is 1–64 characters: lower-case letters, digits, '.', '_' and '-'")
            }
            if roleNames.isEmpty { throw ValidationError("give at least one --role") }
            if let language, !["ja", "en"].contains(language) { throw ValidationError("--language is ja or en") }
        }

        func run() async throws {
            let roles = try UserCommand.roles(roleNames)
            let password = try UserCommand.readPassword(prompt: "Password for \(login): ")
            let hash = await PasswordHasher.hash(password)
            let user = StaffUser(login: login, displayName: name ?? login, roles: roles, language: language)
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                try await store.addUser(user, passwordHash: hash, actor: "cli:\(NSUserName())", at: .now())
            }
            print("added \(login) (\(roles.sorted().map(\.rawValue).joined(separator: ", ")))")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a staff member's password (read from standard input); ends their sessions.")

        @Argument(help: "The login name.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let password = try UserCommand.readPassword(prompt: "New password for \(login): ")
            let hash = await PasswordHasher.hash(password)
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                try await store.setPassword(login, passwordHash: hash, actor: "cli:\(NSUserName())", at: .now())
            }
            print("password changed for \(login)")
        }
    }

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a staff member's roles.")

        @Argument(help: "The login name.") var login: String
        @Option(name: .customLong("role"), help: "A role (repeat for several).") var roleNames: [String] = []
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if roleNames.isEmpty { throw ValidationError("give at least one --role") }
        }

        func run() async throws {
            let roles = try UserCommand.roles(roleNames)
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                try await store.setRoles(login, roles: roles, actor: "cli:\(NSUserName())", at: .now())
            }
            print("\(login): \(roles.sorted().map(\.rawValue).joined(separator: ", "))")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token for a staff member; it is printed once and stored only as a hash.",
            discussion: "Scopes: \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")). A token never grants more than its owner's roles.")

        @Argument(help: "The owner's login name.") var login: String
        @Option(help: "What the token is for (shown in the audit log).") var name: String
        @Option(name: .customLong("scope"), help: "A scope (repeat for several).") var scopeNames: [String] = []
        @Option(help: "Days until the token expires (default: never).") var days: Int?
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            var scopes = Set<APIScope>()
            for name in scopeNames {
                guard let scope = APIScope(rawValue: name) else {
                    throw CommandError("unknown scope \"\(name)\"; known: \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scopes.insert(scope)
            }
            guard !scopes.isEmpty else { throw CommandError("give at least one --scope") }
            let token = APITokens.make()
            let granted = scopes
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                guard try await store.user(login) != nil else { throw CommandError("there is no user named \"\(login)\"") }
                _ = try await store.createAPIToken(
                    login: login, name: name, tokenHash: APITokens.hash(token), scopes: granted,
                    expires: days.map { Timestamp.now().adding(seconds: Int64($0) * 86_400) }, actor: "cli:\(NSUserName())", at: .now())
            }
            print(token)
        }
    }

    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a staff member's API tokens (their secrets are not stored).")

        @Argument(help: "The owner's login name.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let tokens = try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                try await store.apiTokens(login: login)
            }
            if tokens.isEmpty { print("\(login) has no API tokens") }
            for token in tokens {
                let state = token.revokedAt.map { "revoked \($0)" } ?? token.expiresAt.map { "expires \($0)" } ?? "no expiry"
                print(
                    "\(token.id)\t\(token.name)\t\(token.scopes.sorted().map(\.rawValue).joined(separator: ","))\tcreated \(token.createdAt)\t\(state)"
                )
            }
        }
    }

    struct RevokeToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-token", abstract: "Revoke an API token at once (by the id `tokens` lists).")

        @Argument(help: "The token's id.") var id: Int64
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let revoked = try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                try await store.revokeAPIToken(id, actor: "cli:\(NSUserName())", at: .now())
            }
            guard revoked else { throw CommandError("there is no live token \(id)") }
            print("revoked token \(id)")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: it cannot log in, its sessions end and its tokens stop working.")

        @Argument(help: "The login name.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                try await store.setDisabled(login, disabled: true, actor: "cli:\(NSUserName())", at: .now())
            }
            print("disabled \(login)")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again.")

        @Argument(help: "The login name.") var login: String
        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { store in
                try await store.setDisabled(login, disabled: false, actor: "cli:\(NSUserName())", at: .now())
            }
            print("enabled \(login)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List staff accounts and their roles.")

        @OptionGroup var store: StoreOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let users = try await StoreFactory.withStore(try store.configuration(), logger: logging.makeLogger()) { try await $0.users() }
            for user in users {
                print(
                    "\(user.login)\t\(user.displayName)\t\(user.roles.sorted().map(\.rawValue).joined(separator: ","))\(user.disabledAt == nil ? "" : "\tdisabled")"
                )
            }
        }
    }
}
