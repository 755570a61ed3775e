public import Foundation

/// Facts about the machine the tests run on, from the environment `scripts/test` sets.
public enum TestEnvironment {
    /// `CI=true`: a missing prerequisite fails its test instead of skipping it.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
    }

    /// `MOGURA_TEST_POSTGRES_URL`: an administrator URL of a throwaway PostgreSQL cluster (scripts/test starts one).
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["MOGURA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether tests that need PostgreSQL run: it is configured, or we are in CI (where its absence must fail).
    public static var runsPostgres: Bool { postgresURL != nil || isCI }

    /// `MOGURA_TEST_TIMEOUT_SCALE`: multiplies deadlines on slow machines (CI sets 3).
    public static var timeoutScale: Double {
        ProcessInfo.processInfo.environment["MOGURA_TEST_TIMEOUT_SCALE"].flatMap(Double.init) ?? 1
    }

    /// `MOGURA_TEST_SEED`: replays a property test with the seed it printed.
    public static var seed: UInt64? {
        ProcessInfo.processInfo.environment["MOGURA_TEST_SEED"].flatMap { UInt64($0) }
    }

    /// The directory holding the built products (the test bundle and the `mogura` executable).
    public static var productsDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["MOGURA_PRODUCTS_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return Bundle.main.bundleURL
    }

    /// The repository's root (for files the tests read: docs, fixtures).
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Finds a program on `PATH`.
    public static func which(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A directory removed when the value goes away.
public final class TemporaryDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// Creates a fresh directory under the system's temporary directory.
    public init(prefix: String = "mogura-test") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        self.path = base.path
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Writes text to a file inside the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ contents: String) throws -> String {
        let target = file(name)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
