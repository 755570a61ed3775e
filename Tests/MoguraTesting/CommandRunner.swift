public import Foundation

/// Runs the built `mogura` executable the way a user would, and captures what it prints.
public struct CommandResult: Sendable {
    /// The exit status, or the signal number when ``signaled`` is true.
    public var status: Int32
    /// Whether the process was killed by a signal.
    public var signaled: Bool
    public var standardOutput: String
    public var standardError: String
}

public enum CommandRunner {
    /// The `mogura` executable next to the test bundle.
    public static var moguraPath: String {
        TestEnvironment.productsDirectory.appendingPathComponent("mogura").path
    }

    /// Starts `mogura` with `arguments` and returns the running process and its output pipes.
    public static func start(_ arguments: [String], environment: [String: String] = [:], standardInput: Bool = false) throws -> (Process, Pipe, Pipe)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: moguraPath)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["MOGURA_DATABASE_URL"] = nil
        merged["MOGURA_DATA_DIR"] = nil
        merged["MOGURA_FAULT"] = nil
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = standardInput ? Pipe() : FileHandle.nullDevice
        try process.run()
        return (process, output, error)
    }

    /// Runs `mogura` to completion (killing it after `timeout` seconds, scaled by `MOGURA_TEST_TIMEOUT_SCALE`).
    public static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws -> CommandResult {
        let (process, output, error) = try start(arguments, environment: environment)
        return finish(process, output, error, timeout: timeout)
    }

    /// Waits for a started process and collects its output.
    public static func finish(_ process: Process, _ output: Pipe, _ error: Pipe, timeout: Double = 60) -> CommandResult {
        // Read both pipes concurrently so a chatty process cannot block on a full pipe.
        let collected = OutputBox()
        let group = DispatchGroup()
        for (pipe, isError) in [(output, false), (error, true)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, isError: isError)
                group.leave()
            }
        }
        let deadline = DispatchTime.now() + timeout * TestEnvironment.timeoutScale
        if group.wait(timeout: deadline) == .timedOut {
            process.terminate()
            group.wait()
        }
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
            standardOutput: String(decoding: collected.output, as: UTF8.self),
            standardError: String(decoding: collected.error, as: UTF8.self))
    }
}

private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var output = Data()
    private(set) var error = Data()

    func set(_ data: Data, isError: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isError { error = data } else { output = data }
    }
}

/// `mogura serve` running as a separate process, the way an operator runs it.
public final class ServeProcess: @unchecked Sendable {
    public let process: Process
    private let output: Pipe
    private let errors: Pipe

    /// Starts `mogura serve` with `arguments` and waits until its LMTP listener is up on `lmtpPort`.
    /// - Parameter mayExit: the process is expected to die at a fault point, possibly before the wait sees its
    ///   listener: an exit then ends the wait instead of failing it.
    public init(lmtpPort: Int, arguments: [String], environment: [String: String] = [:], mayExit: Bool = false) throws {
        // No web server unless the test asks for one: the default port would collide between parallel tests.
        let web = arguments.contains("--http") ? [] : ["--http", "off"]
        let (process, output, errors) = try CommandRunner.start(
            ["serve", "--lmtp", "127.0.0.1:\(lmtpPort)"] + web + arguments, environment: environment)
        self.process = process
        self.output = output
        self.errors = errors
        try waitFor("mogura serve to listen on \(lmtpPort)") {
            guard process.isRunning else {
                if mayExit { return true }
                throw PostfixError(
                    message: "mogura serve exited early: \(String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self))")
            }
            return FreePort.accepts(port: lmtpPort)
        }
    }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Stops it with SIGTERM (graceful) and returns its exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits for the process to end by itself (a fault point killed it).
    public func waitForExit(timeout: Double = 20) throws {
        try waitFor("mogura serve to exit", timeout: timeout) { !self.process.isRunning }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
