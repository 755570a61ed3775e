import ArgumentParser
import Foundation
import MoguraCore
import MoguraIntake

/// One thing to ingest: its bytes and where they came from.
struct IngestItem {
    var bytes: [UInt8]
    var source: String
    var channel: ReportChannel
    var truncatedFrom: Int?

    /// Notes on a draft what the reader knows and the parser cannot: an mbox message cut at the size limit.
    func annotate(_ draft: ReportDraft) -> ReportDraft {
        var draft = draft
        if let truncatedFrom {
            draft.warnings.append("message of \(truncatedFrom) bytes cut to its first \(bytes.count) bytes (mbox message size limit)")
        }
        return draft
    }
}

/// Finds the items behind ingest paths: files, standard input, maildir and other folders, mbox files.
enum InputEnumerator {
    enum Input {
        case file(String)
        case standardInput
        case mbox(String)
    }

    /// The largest single file read whole (mbox files are streamed whatever their size).
    static let maximumFileBytes = 256 * 1024 * 1024
    static let chunkBytes = 1 << 20

    /// Expands paths into inputs, in a stable order.
    static func inputs(_ paths: [String]) throws -> [Input] {
        var inputs: [Input] = []
        let files = FileManager.default
        for path in paths {
            if path == "-" {
                inputs.append(.standardInput)
                continue
            }
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandError("\(path): no such file or folder")
            }
            if isDirectory.boolValue {
                let maildirParts = ["new", "cur"].map { (path as NSString).appendingPathComponent($0) }
                let isMaildir = maildirParts.contains { files.fileExists(atPath: $0) }
                let roots = isMaildir ? maildirParts.filter { files.fileExists(atPath: $0) } : [path]
                for root in roots {
                    guard let enumerator = files.enumerator(atPath: root) else { continue }
                    var found: [String] = []
                    for case let relative as String in enumerator {
                        let full = (root as NSString).appendingPathComponent(relative)
                        var directory: ObjCBool = false
                        if files.fileExists(atPath: full, isDirectory: &directory), !directory.boolValue, !relative.hasPrefix(".") {
                            found.append(full)
                        }
                    }
                    inputs += try found.sorted().map { try isMbox($0) ? .mbox($0) : .file($0) }
                }
            } else {
                inputs.append(try isMbox(path) ? .mbox(path) : .file(path))
            }
        }
        return inputs
    }

    /// An mbox starts with a "From " line and holds more than one message (a single message with a From line is
    /// just a mail).
    static func isMbox(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandError("\(path): not readable") }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 64 * 1024)
        guard head.starts(with: Array("From ".utf8)) else { return false }
        return path.hasSuffix(".mbox") || head.range(of: Data("\n\nFrom ".utf8)) != nil || head.range(of: Data("\r\n\r\nFrom ".utf8)) != nil
            || head.count == 64 * 1024
    }

    static func item(_ message: MboxSplitter.Message, path: String) -> IngestItem {
        IngestItem(bytes: message.bytes, source: "\(path)#\(message.number)", channel: .mail, truncatedFrom: message.truncatedFrom)
    }

    static func wholeItem(_ input: Input) throws -> IngestItem? {
        switch input {
        case .standardInput:
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return IngestItem(bytes: [UInt8](data), source: "-", channel: .manual)
        case .file(let path):
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size <= maximumFileBytes else {
                throw CommandError("\(path): \(size >> 20) MiB is larger than the \(maximumFileBytes >> 20) MiB a single report may be")
            }
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("\(path): not readable") }
            return IngestItem(bytes: [UInt8](data), source: path, channel: .manual)
        case .mbox:
            return nil
        }
    }
}

/// Hands out ingest items one at a time: whole files, standard input, and mbox messages as the mbox is read in
/// chunks, so memory stays flat whatever the mbox's size.
final class ItemReader {
    private var inputs: [InputEnumerator.Input]
    private let progress: ProgressLine
    private var mbox: (path: String, handle: FileHandle, splitter: MboxSplitter, offset: Int)?
    private var pending: [IngestItem] = []

    init(_ inputs: [InputEnumerator.Input], progress: ProgressLine) {
        self.inputs = inputs.reversed()
        self.progress = progress
    }

    func next() throws -> IngestItem? {
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            if var current = mbox {
                let chunk = current.handle.readData(ofLength: InputEnumerator.chunkBytes)
                current.offset += chunk.count
                let messages = chunk.isEmpty ? [current.splitter.finish()].compactMap { $0 } : current.splitter.feed([UInt8](chunk))
                if let last = messages.last { progress.update(source: current.path, messages: last.number, bytes: current.offset) }
                pending = messages.map { InputEnumerator.item($0, path: current.path) }
                if chunk.isEmpty {
                    try? current.handle.close()
                    mbox = nil
                } else {
                    mbox = current
                }
                continue
            }
            guard let input = inputs.popLast() else { return nil }
            if case .mbox(let path) = input {
                guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandError("\(path): not readable") }
                mbox = (path, handle, MboxSplitter(), 0)
                continue
            }
            if let item = try InputEnumerator.wholeItem(input) { return item }
        }
    }
}

/// A progress line on standard error when it is a terminal.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private var last = ContinuousClock.now
    private var shown = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func update(source: String, messages: Int, bytes: Int) {
        guard enabled, ContinuousClock.now - last > .milliseconds(250) else { return }
        last = ContinuousClock.now
        shown = true
        FileHandle.standardError.write(Data("\r\(source): \(messages) messages, \(bytes >> 20) MiB read".utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
