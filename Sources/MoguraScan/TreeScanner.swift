import Crypto
import Foundation
public import MoguraCore

#if canImport(Glibc)
    import Glibc
#endif

/// How a sweep behaves.
public struct ScanOptions: Sendable {
    /// Files larger than this are skipped (counted), never read.
    public var maximumFileSize = 16 << 20
    /// Worker threads (default: one per core).
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Only files modified at or after this time.
    public var modifiedSince: Timestamp?
    /// A file is flagged when the scores of its matches add up to this.
    public var threshold = 10
    /// SHA-256 (hex) of files known to be good: never flagged.
    public var allowlist: Set<String> = []
    /// Remembers files between sweeps: unchanged ones are not read again.
    public var cache: ScanCache?
    /// Seconds of regex matching one file may take; rules still running then count as not matched, and the file
    /// is listed in ``ScanSummary/timedOut`` and read again on the next cached sweep.
    public var timeLimit = 2.0

    public init() {}
}

/// A flagged file: its matches and what identifies it.
public struct ScanFileResult: Sendable {
    public var path: String
    public var size: Int
    public var sha256: String
    public var matches: [ScanMatch]
    public var score: Int { matches.reduce(0) { $0 + $1.score } }
}

/// What a sweep did.
public struct ScanSummary: Sendable, Codable {
    /// Regular files found.
    public var files = 0
    /// Files read and matched.
    public var scanned = 0
    public var bytes = 0
    /// Files no rule looks at (by name), too large, binary, older than `modifiedSince`.
    public var skippedByKind = 0
    public var skippedLarge = 0
    public var skippedBinary = 0
    public var skippedOld = 0
    /// Files unchanged since the cached sweep (not read; a flagged one is reported from the cache).
    public var unchanged = 0
    /// Symbolic links (never followed) and other non-regular files.
    public var skippedLinks = 0
    /// Files that would be flagged but are on the allowlist.
    public var allowlisted = 0
    public var flagged = 0
    public var matches = 0
    /// Paths that could not be read, with the reason.
    public var errors: [String] = []
    /// Files not fully examined because a rule's regex ran out of time, with the rules.
    public var timedOut: [String] = []
    public var seconds = 0.0

    public init() {}

    mutating func merge(_ other: ScanSummary) {
        files += other.files
        scanned += other.scanned
        bytes += other.bytes
        skippedByKind += other.skippedByKind
        skippedLarge += other.skippedLarge
        skippedBinary += other.skippedBinary
        skippedOld += other.skippedOld
        unchanged += other.unchanged
        skippedLinks += other.skippedLinks
        allowlisted += other.allowlisted
        flagged += other.flagged
        matches += other.matches
        errors += other.errors
        timedOut += other.timedOut
    }
}

/// Walks trees with several threads and matches every file a rule looks at.
///
/// Symbolic links are never followed (so nothing outside the trees is read, and no loop is possible); files are read
/// whole, up to ``ScanOptions/maximumFileSize``, one per worker at a time, so memory stays bounded by the workers
/// times that size. A file no rule looks at by its name is not even opened.
public final class TreeScanner: @unchecked Sendable {
    // @unchecked: the mutable state is the queue and the running totals, both behind `lock`.
    let rules: ScanRuleSet
    let options: ScanOptions
    private let lock = NSCondition()
    private var queue: [Work] = []
    private var busy = 0
    private var progress = ScanSummary()

    enum Work {
        case directory(String)
        case files([String])
    }

    public init(rules: ScanRuleSet, options: ScanOptions) {
        self.rules = rules
        self.options = options
    }

    /// The totals so far (for a progress display).
    public var current: ScanSummary { lock.withLock { progress } }

    /// Sweeps `paths` (directories or files); `onFlagged` is called from the workers for each flagged file.
    public func run(paths: [String], onFlagged: @escaping @Sendable (ScanFileResult) -> Void) -> ScanSummary {
        let started = Date()
        var initial: [Work] = []
        var files: [String] = []
        var summary = ScanSummary()
        for path in paths {
            var status = stat()
            guard lstat(path, &status) == 0 else {
                summary.errors.append("\(path): \(String(cString: strerror(errno)))")
                continue
            }
            switch status.st_mode & S_IFMT {
            case S_IFDIR: initial.append(.directory(path))
            case S_IFREG:
                files.append(path)
                summary.files += 1
            default: summary.skippedLinks += 1
            }
        }
        if !files.isEmpty { initial.append(.files(files)) }
        lock.withLock {
            queue = initial
            progress = summary
        }
        DispatchQueue.concurrentPerform(iterations: max(1, options.threads)) { _ in self.work(onFlagged: onFlagged) }
        // Every worker's totals went into `progress`, which started from what the paths themselves gave.
        var total = current
        total.seconds = Date().timeIntervalSince(started)
        return total
    }

    /// One worker: takes work until the queue is empty and nobody can add to it.
    private func work(onFlagged: @Sendable (ScanFileResult) -> Void) {
        while let item = next() {
            var delta = ScanSummary()
            switch item {
            case .directory(let path): list(path, into: &delta)
            case .files(let paths): for path in paths { scanFile(path, into: &delta, onFlagged: onFlagged) }
            }
            lock.withLock {
                progress.merge(delta)
                busy -= 1
                lock.broadcast()
            }
        }
    }

    private func next() -> Work? {
        lock.lock()
        defer { lock.unlock() }
        while queue.isEmpty {
            if busy == 0 { return nil }
            lock.wait()
        }
        busy += 1
        return queue.removeLast()
    }

    private func push(_ work: Work) {
        lock.withLock {
            queue.append(work)
            lock.signal()
        }
    }

    /// Lists a directory: subdirectories and batches of files become work for any worker.
    private func list(_ path: String, into summary: inout ScanSummary) {
        guard let directory = opendir(path) else {
            summary.errors.append("\(path): \(String(cString: strerror(errno)))")
            return
        }
        defer { closedir(directory) }
        var batch: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let child = path.hasSuffix("/") ? path + name : path + "/" + name
            var type = Int32(entry.pointee.d_type)
            if type == Int32(DT_UNKNOWN) {
                var status = stat()
                guard lstat(child, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: type = Int32(DT_DIR)
                case S_IFREG: type = Int32(DT_REG)
                default: type = Int32(DT_LNK)
                }
            }
            switch type {
            case Int32(DT_DIR):
                push(.directory(child))
            case Int32(DT_REG):
                summary.files += 1
                guard ScanFileKind.of(name) != nil || rules.readsOtherFiles else {
                    summary.skippedByKind += 1
                    continue
                }
                batch.append(child)
                if batch.count == 64 {
                    push(.files(batch))
                    batch = []
                }
            default:
                summary.skippedLinks += 1
            }
        }
        if !batch.isEmpty { push(.files(batch)) }
    }

    private func scanFile(_ path: String, into summary: inout ScanSummary, onFlagged: (ScanFileResult) -> Void) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            summary.errors.append("\(path): \(String(cString: strerror(errno)))")
            return
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            summary.skippedLinks += 1
            return
        }
        if let since = options.modifiedSince {
            let modified = Int64(status.st_mtim.tv_sec) * 1_000_000 + Int64(status.st_mtim.tv_nsec) / 1_000
            if modified < since.microseconds {
                summary.skippedOld += 1
                return
            }
        }
        if let cache = options.cache, let remembered = cache.lookup(status) {
            summary.unchanged += 1
            if let result = remembered {
                summary.flagged += 1
                summary.matches += result.matches.count
                onFlagged(ScanFileResult(path: path, size: Int(status.st_size), sha256: result.sha256, matches: result.matches))
            }
            return
        }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            summary.errors.append("\(path): \(String(cString: strerror(errno)))")
            return
        }
        defer { close(descriptor) }
        let size = Int(status.st_size)
        guard size <= options.maximumFileSize else {
            summary.skippedLarge += 1
            return
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var total = 0
        let failed = bytes.withUnsafeMutableBytes { buffer -> Bool in
            while total < size {
                let count = read(descriptor, buffer.baseAddress! + total, size - total)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return count < 0 }
                total += count
            }
            return false
        }
        if failed {
            summary.errors.append("\(path): \(String(cString: strerror(errno)))")
            return
        }
        if total < size { bytes.removeLast(size - total) }
        let name = path.split(separator: "/").last ?? ""
        let kind = ScanFileKind.of(name)
        let binary = bytes.prefix(8_000).contains(0)
        if binary && !rules.readsBinaryFiles(of: kind) {
            summary.skippedBinary += 1
            options.cache?.record(status, result: nil)
            return
        }
        summary.scanned += 1
        summary.bytes += bytes.count
        let (matches, timedOut) = rules.examine(bytes, kind: kind, binary: binary, timeLimit: options.timeLimit)
        if !timedOut.isEmpty { summary.timedOut.append("\(path): \(timedOut.joined(separator: ", ")) gave up after \(options.timeLimit) s") }
        guard matches.reduce(0, { $0 + $1.score }) >= options.threshold else {
            // A file not fully examined is not remembered as clean: the next sweep reads it again.
            if timedOut.isEmpty { options.cache?.record(status, result: nil) }
            return
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        if options.allowlist.contains(digest) {
            summary.allowlisted += 1
            options.cache?.record(status, result: nil)
            return
        }
        options.cache?.record(status, result: ScanCache.StoredResult(path: path, sha256: digest, matches: matches))
        summary.flagged += 1
        summary.matches += matches.count
        onFlagged(ScanFileResult(path: path, size: bytes.count, sha256: digest, matches: matches))
    }
}
