import Foundation

/// Runs a program of the provider's for an action: argv as configured (no shell), the event's JSON on standard
/// input, and `MOGURA_EVENT`, `MOGURA_IDEMPOTENCY_KEY`, `MOGURA_ACTION_ID`, `MOGURA_CASE_ID`, `MOGURA_SUBJECT` and
/// `MOGURA_CUSTOMER_ID` in its environment. Exit status 0 is success and the first line of its output is
/// recorded; any other status is retried, except 64–78 (sysexits) other than 75 (`EX_TEMPFAIL`), which fail the
/// action at once. A program still running at the timeout gets SIGTERM, then SIGKILL five seconds later.
public struct CommandConnector: ActionConnector {
    public var argv: [String]
    public var timeout: Int64

    /// Creates a connector.
    public init(argv: [String], timeout: Int64) {
        self.argv = argv
        self.timeout = timeout
    }

    /// The most output kept from the program.
    static let outputLimit = 64 * 1024

    public func perform(_ event: ActionEvent) async throws -> String {
        guard let program = argv.first else { throw ConnectorError("the command is empty", permanent: true) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(argv.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["MOGURA_EVENT"] = event.event
        environment["MOGURA_IDEMPOTENCY_KEY"] = event.idempotencyKey
        environment["MOGURA_ACTION_ID"] = String(event.action.id)
        environment["MOGURA_CASE_ID"] = String(event.case.id)
        environment["MOGURA_SUBJECT"] = event.subject.key
        environment["MOGURA_CUSTOMER_ID"] = event.customer?.id ?? ""
        environment["MOGURA_ATTEMPT"] = String(event.attempt)
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors

        // Output is read while the program runs, so a chatty program never blocks on a full pipe.
        let stdoutText = OutputCollector(limit: Self.outputLimit)
        let stderrText = OutputCollector(limit: Self.outputLimit)
        let reading = DispatchGroup()
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: ConnectorError("cannot run \(program): \(error.localizedDescription)", permanent: true))
                return
            }
            stdoutText.drain(output, group: reading)
            stderrText.drain(errors, group: reading)
            let body = Data(event.json())
            DispatchQueue.global().async {
                try? input.fileHandleForWriting.write(contentsOf: body)
                try? input.fileHandleForWriting.close()
            }
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(timeout))) {
                guard process.isRunning, process.processIdentifier == pid else { return }
                process.terminate()
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(5)) {
                    if process.isRunning { kill(pid, SIGKILL) }
                }
            }
        }
        await withCheckedContinuation { continuation in reading.notify(queue: .global()) { continuation.resume() } }
        let stdout = stdoutText.text
        let stderr = stderrText.text
        if process.terminationReason == .uncaughtSignal {
            throw ConnectorError("\(program) was killed by signal \(status) (timeout \(timeout) s?): \(stderr.suffix(300))")
        }
        guard status == 0 else {
            let permanent = (64...78).contains(status) && status != 75
            throw ConnectorError("\(program) exited with status \(status): \(stderr.suffix(300))", permanent: permanent)
        }
        let firstLine = stdout.split(whereSeparator: \.isNewline).first.map { String($0.prefix(200)) } ?? ""
        return "exit 0" + (firstLine.isEmpty ? "" : ": \(firstLine)")
    }

}

/// Reads a pipe to its end on a background thread, keeping the first `limit` bytes.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func drain(_ pipe: Pipe, group: DispatchGroup) {
        group.enter()
        DispatchQueue.global().async {
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                self.lock.withLock {
                    if self.data.count < self.limit { self.data.append(chunk.prefix(self.limit - self.data.count)) }
                }
            }
            group.leave()
        }
    }

    var text: String {
        lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
