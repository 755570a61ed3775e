public import Foundation

/// Prints rendered documents to PDF (and PNG, for a look) through headless Chromium where it is installed.
///
/// Chromium runs as a separate process with its own temporary profile, no sandbox (it runs as the service user),
/// `--headless=new`, and a time limit; the document is a local file, so nothing is fetched. Japanese text needs
/// CJK fonts (Debian's `fonts-noto-cjk`), or it prints as boxes.
public struct ChromiumPrinter: Sendable {
    public var executable: String
    public var timeout: Double = 60

    /// The first Chromium found: `MOGURA_CHROMIUM`, then `/usr/bin/chromium`, `chromium-browser`, `google-chrome`.
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let candidates =
            [environment["MOGURA_CHROMIUM"]].compactMap { $0 } + [
                "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable",
            ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        executable = found
    }

    public init(executable: String) { self.executable = executable }

    /// The document as an A4 PDF.
    /// - Throws: `LegalError` when Chromium fails or takes longer than ``timeout``.
    public func pdf(_ html: String) throws -> Data {
        try run(html, output: "document.pdf") { ["--no-pdf-header-footer", "--print-to-pdf=\($0)"] }
    }

    /// A PNG of the first page at A4 proportions (794 × 1123 CSS pixels).
    public func screenshot(_ html: String) throws -> Data {
        try run(html, output: "page.png") { ["--window-size=794,1123", "--hide-scrollbars", "--screenshot=\($0)"] }
    }

    func run(_ html: String, output name: String, arguments: (String) -> [String]) throws -> Data {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mogura-print-\(UUID().uuidString)")
        // The document holds personal data: a directory only this user can read.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("document.html")
        try Data(html.utf8).write(to: input)
        let output = directory.appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            ] + arguments(output) + [input.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            throw LegalError("Chromium did not finish within \(Int(timeout)) s")
        }
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: output), !data.isEmpty else {
            throw LegalError("Chromium could not print the document (exit \(process.terminationStatus))")
        }
        return data
    }
}
