import AsyncHTTPClient
import Foundation
import MoguraTesting
import NIOCore
import NIOHTTP1

/// Headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`), with its own temporary
/// profile. Screenshots go to `.build/artifacts/web/`.
final class Browser: @unchecked Sendable {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    /// Whether this machine has them.
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    /// Whether browser tests run (available, or CI, where their absence must fail).
    static var runs: Bool { isAvailable || TestEnvironment.isCI }

    static var artifacts: String {
        let path = (TestEnvironment.repositoryRoot as NSString).appendingPathComponent(".build/artifacts/web")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private let driver: Process
    private let profile: TemporaryDirectory
    private let endpoint: String
    private let session: String
    private static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts chromedriver and a browser session that asks for pages in `language`.
    init(language: String, width: Int = 1280, height: Int = 900) async throws {
        guard Self.isAvailable else {
            throw Failure(description: "chromium and chromium-driver are not installed (scripts/test installs them as root)")
        }
        profile = try TemporaryDirectory(prefix: "mogura-chromium")
        let port = try FreePort.pick()
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriver)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1", "--log-path=\(profile.file("chromedriver.log"))"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        endpoint = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(20 * TestEnvironment.timeoutScale)
        while true {
            if let status = try? await Self.request(.GET, "\(endpoint)/status", body: nil),
                (status["value"] as? [String: Any])?["ready"] as? Bool == true
            {
                break
            }
            if Date() > deadline {
                kill(driver.processIdentifier, SIGKILL)
                throw Failure(description: "chromedriver did not become ready")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": Self.chromium,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                            "--user-data-dir=\(profile.file("profile"))",
                            "--lang=\(language)", "--window-size=\(width),\(height)", "--no-first-run", "--no-default-browser-check",
                        ],
                        "prefs": ["intl.accept_languages": language],
                    ],
                ]
            ]
        ]
        do {
            let answer = try await Self.request(.POST, "\(endpoint)/session", body: capabilities)
            guard let value = answer["value"] as? [String: Any], let id = value["sessionId"] as? String else {
                throw Failure(description: "no WebDriver session: \(answer)")
            }
            session = id
        } catch {
            kill(driver.processIdentifier, SIGKILL)
            throw error
        }
    }

    func quit() async {
        _ = try? await Self.request(.DELETE, "\(endpoint)/session/\(session)", body: nil)
        // SIGKILL: a child of a process that runs a ServiceGroup inherits an ignored SIGTERM.
        kill(driver.processIdentifier, SIGKILL)
        driver.waitUntilExit()
    }

    // MARK: Commands

    func go(_ url: String) async throws {
        _ = try await command(.POST, "url", ["url": url])
    }

    var url: String {
        get async throws { try await command(.GET, "url", nil) as? String ?? "" }
    }

    var source: String {
        get async throws { try await command(.GET, "source", nil) as? String ?? "" }
    }

    func resize(width: Int, height: Int) async throws {
        _ = try await command(.POST, "window/rect", ["width": width, "height": height])
    }

    func element(_ css: String) async throws -> String {
        let deadline = Date().addingTimeInterval(10 * TestEnvironment.timeoutScale)
        while true {
            do {
                let value = try await command(.POST, "element", ["using": "css selector", "value": css])
                if let element = (value as? [String: Any])?[Self.elementKey] as? String { return element }
            } catch  where Date() < deadline {
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            throw Failure(description: "no element matches \(css) on \(try await url)")
        }
    }

    func exists(_ css: String) async throws -> Bool {
        let value = try await command(.POST, "elements", ["using": "css selector", "value": css])
        return !((value as? [Any])?.isEmpty ?? true)
    }

    func click(_ css: String) async throws {
        let element = try await element(css)
        _ = try await command(.POST, "element/\(element)/click", [:])
    }

    func type(_ css: String, _ text: String) async throws {
        let element = try await element(css)
        _ = try await command(.POST, "element/\(element)/clear", [:])
        _ = try await command(.POST, "element/\(element)/value", ["text": text])
    }

    func text(_ css: String) async throws -> String {
        let element = try await element(css)
        return try await command(.GET, "element/\(element)/text", nil) as? String ?? ""
    }

    /// Waits until the page's URL satisfies `condition`.
    func waitForURL(_ what: String, _ condition: (String) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(15 * TestEnvironment.timeoutScale)
        while !condition(try await url) {
            guard Date() < deadline else { throw Failure(description: "timed out waiting for \(what); at \(try await url)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Saves a PNG of the viewport as `.build/artifacts/web/<name>.png`.
    @discardableResult
    func screenshot(_ name: String) async throws -> String {
        guard let base64 = try await command(.GET, "screenshot", nil) as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        let path = (Self.artifacts as NSString).appendingPathComponent("\(name).png")
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func command(_ method: HTTPMethod, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        let answer = try await Self.request(method, "\(endpoint)/session/\(session)/\(path)", body: body)
        if let value = answer["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "WebDriver \(path): \(error): \(value["message"] as? String ?? "")")
        }
        return answer["value"]
    }

    private static func request(_ method: HTTPMethod, _ url: String, body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(try JSONSerialization.data(withJSONObject: body))
        }
        let response = try await WebClient.http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]) ?? [:]
    }
}
