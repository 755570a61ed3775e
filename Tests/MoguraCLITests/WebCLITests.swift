import Foundation
import MoguraTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `mogura user …`, `mogura serve --http` and `mogura demo` serving the web UI, as an operator runs them.
@Suite("mogura user, serve --http and demo", .serialized, .tags(.process))
struct WebCLITests {
    /// Collects a running process's output as it comes.
    final class LiveOutput: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""

        init(_ pipe: Pipe) {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.withLock { self.text += String(decoding: data, as: UTF8.self) }
            }
        }

        var current: String { lock.withLock { text } }

        func waitFor(_ needle: String, process: Process, timeout: Double = 60) throws -> String {
            try MoguraTesting.waitFor("\(needle) in the output", timeout: timeout) {
                guard process.isRunning || self.current.contains(needle) else {
                    throw WebCLIError("the process exited early: \(self.current)")
                }
                return self.current.contains(needle)
            }
            return current
        }
    }

    struct WebCLIError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func run(_ arguments: [String], input: String) throws -> CommandResult {
        let (process, output, error) = try CommandRunner.start(arguments, standardInput: true)
        if let pipe = process.standardInput as? Pipe {
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        }
        return CommandRunner.finish(process, output, error)
    }

    /// A request without following redirects.
    final class NoRedirect: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
            completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    static func fetch(
        _ url: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil
    ) async throws -> (
        Int, [String: String], String
    ) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirect(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
        return (http.statusCode, fields, String(decoding: data, as: UTF8.self))
    }

    @Test func usersRolesAndTokensFromTheCommandLine() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("data")
        let added = try Self.run(
            ["user", "add", "alice", "--name", "Alice Sato", "--role", "tos-agent", "--data-dir", data], input: "a long enough passphrase\n")
        #expect(added.status == 0, "\(added.standardError)")
        #expect(added.standardOutput.contains("added alice (tos-agent)"))
        let weak = try Self.run(["user", "add", "bob", "--role", "viewer", "--data-dir", data], input: "short\n")
        #expect(weak.status != 0)
        #expect(weak.standardError.contains("at least 12 characters"))
        let twice = try Self.run(["user", "add", "alice", "--role", "viewer", "--data-dir", data], input: "a long enough passphrase\n")
        #expect(twice.status != 0)
        #expect(twice.standardError.contains("exists already"))
        let badRole = try CommandRunner.run(["user", "role", "alice", "--role", "superuser", "--data-dir", data])
        #expect(badRole.status != 0)
        #expect(badRole.standardError.contains("unknown role \"superuser\""))
        #expect(try CommandRunner.run(["user", "role", "alice", "--role", "tos-agent", "--role", "admin", "--data-dir", data]).status == 0)
        let list = try CommandRunner.run(["user", "list", "--data-dir", data])
        #expect(list.standardOutput.contains("alice\tAlice Sato\tadmin,tos-agent"))
        let token = try CommandRunner.run(["user", "token", "alice", "--name", "bridge", "--scope", "cases:read", "--data-dir", data])
        #expect(token.status == 0, "\(token.standardError)")
        let secret = token.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("mogura_"))
        #expect(try CommandRunner.run(["user", "--help"]).standardOutput.contains("legal-lead"))

        // The token works against `mogura serve --http`; the password works at /login.
        let port = try FreePort.pick()
        let (process, output, _) = try CommandRunner.start(
            ["serve", "--http", "127.0.0.1:\(port)", "--lmtp", "off", "--no-workers", "--data-dir", data])
        let live = LiveOutput(output)
        defer {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
        _ = try live.waitFor("web listening on http://127.0.0.1:\(port)/", process: process)
        let (status, _, body) = try await Self.fetch("http://127.0.0.1:\(port)/api/v1/cases", headers: ["Authorization": "Bearer \(secret)"])
        #expect(status == 200, "\(body)")
        #expect(body.contains("\"cases\":[]"))
        let (denied, _, _) = try await Self.fetch(
            "http://127.0.0.1:\(port)/api/v1/search?indicator=ip:192.0.2.1", headers: ["Authorization": "Bearer \(secret)"])
        #expect(denied == 403, "the token has no search scope")

        // Revoking the token, and disabling the account, take effect at once on the running server.
        let tokens = try CommandRunner.run(["user", "tokens", "alice", "--data-dir", data])
        #expect(tokens.standardOutput.hasPrefix("1\tbridge\tcases:read"), "\(tokens.standardOutput)")
        #expect(try CommandRunner.run(["user", "revoke-token", "1", "--data-dir", data]).status == 0)
        let (revoked, _, _) = try await Self.fetch("http://127.0.0.1:\(port)/api/v1/cases", headers: ["Authorization": "Bearer \(secret)"])
        #expect(revoked == 401)
        #expect(try CommandRunner.run(["user", "revoke-token", "1", "--data-dir", data]).status != 0, "a token revoked twice")
        let second = try CommandRunner.run(["user", "token", "alice", "--name", "again", "--scope", "cases:read", "--data-dir", data])
        let secondSecret = second.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await Self.fetch("http://127.0.0.1:\(port)/api/v1/cases", headers: ["Authorization": "Bearer \(secondSecret)"]).0 == 200)
        #expect(try CommandRunner.run(["user", "disable", "alice", "--data-dir", data]).status == 0)
        #expect(try await Self.fetch("http://127.0.0.1:\(port)/api/v1/cases", headers: ["Authorization": "Bearer \(secondSecret)"]).0 == 401)
        #expect(try CommandRunner.run(["user", "list", "--data-dir", data]).standardOutput.contains("alice\tAlice Sato\tadmin,tos-agent\tdisabled"))
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func demoServesTheWebUIWithADemoLogin() async throws {
        let directory = try TemporaryDirectory()
        let port = try FreePort.pick()
        let (process, output, _) = try CommandRunner.start(["demo", "--data-dir", directory.file("demo"), "--listen", "127.0.0.1:\(port)"])
        let live = LiveOutput(output)
        defer {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
        let text = try live.waitFor("Stop with Ctrl-C.", process: process)
        #expect(text.contains("Web UI: http://127.0.0.1:\(port)/"))
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Demo login: demo / ") })
        let password = String(line.dropFirst("Demo login: demo / ".count))
        let base = "http://127.0.0.1:\(port)"
        let (status, headers, page) = try await Self.fetch("\(base)/login")
        #expect(status == 200)
        let cookie = try #require(headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let token = try #require(
            page.range(of: "name=\"csrf\" value=\"").map { range in
                String(page[range.upperBound...].prefix { $0 != "\"" })
            })
        let encodedPassword = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        let (loggedIn, loginHeaders, _) = try await Self.fetch(
            "\(base)/login", method: "POST", headers: ["Cookie": cookie], body: "csrf=\(token)&login=demo&password=\(encodedPassword)")
        #expect(loggedIn == 303)
        let session = try #require(loginHeaders["set-cookie"]?.split(separator: ";").first.map(String.init))
        let (queueStatus, _, queue) = try await Self.fetch("\(base)/queue", headers: ["Cookie": session])
        #expect(queueStatus == 200)
        #expect(queue.contains("service:s2"), "the demo's cases are in the queue")
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
