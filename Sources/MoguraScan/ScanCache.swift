import Foundation

/// What a sweep remembers of each file, so the next sweep reads only what changed.
///
/// Keyed by (device, inode); a file counts as unchanged when its size, modification time and change time
/// (which no user-space call can set back, unlike the modification time) are the same and the rules are the same
/// (their fingerprint is in the file's header). A flagged file's result is kept whole and reported again without
/// reading the file. The file format is Mogura's own: a header line, then fixed-size little-endian records, each
/// followed by the JSON of its result when flagged; it is written to a temporary file and renamed, so a sweep that
/// dies leaves the previous cache intact.
public final class ScanCache: @unchecked Sendable {
    // @unchecked: `entries` and `seen` are behind `lock`.
    struct Key: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    struct Entry {
        var size: Int64
        var modified: Int64
        var changed: Int64
        var result: StoredResult?
    }

    struct StoredResult: Codable {
        var path: String
        var sha256: String
        var matches: [ScanMatch]
    }

    public let path: String
    let fingerprint: String
    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]

    /// Opens (or starts) the cache at `path` for these rules, threshold and allowlist; a cache made with other rules,
    /// another threshold or another allowlist (any of which could flag differently) starts empty.
    public init(path: String, rules: ScanRuleSet, threshold: Int, allowlist: Set<String>) throws {
        self.path = path
        var hasher = Hasher64()
        hasher.add(allowlist.sorted().joined(separator: ","))
        self.fingerprint = "\(rules.fingerprint)-\(threshold)-\(String(hasher.value, radix: 16))"
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let bytes = [UInt8](data)
        guard let newline = bytes.firstIndex(of: 0x0A), String(decoding: bytes[..<newline], as: UTF8.self) == Self.header(fingerprint) else {
            return
        }
        var index = newline + 1
        func read64() -> UInt64? {
            guard index + 8 <= bytes.count else { return nil }
            var value: UInt64 = 0
            for offset in 0..<8 { value |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
            index += 8
            return value
        }
        while index < bytes.count {
            guard let device = read64(), let inode = read64(), let size = read64(), let modified = read64(), let changed = read64(),
                let length = read64(), index + Int(length) <= bytes.count
            else {
                throw ScanError("\(path): the scan cache is truncated; delete it to start afresh")
            }
            var result: StoredResult?
            if length > 0 {
                result = try? JSONDecoder().decode(StoredResult.self, from: Data(bytes[index..<(index + Int(length))]))
                index += Int(length)
            }
            entries[Key(device: device, inode: inode)] = Entry(
                size: Int64(bitPattern: size), modified: Int64(bitPattern: modified), changed: Int64(bitPattern: changed), result: result)
        }
    }

    static func header(_ fingerprint: String) -> String { "mogura scan cache 1 \(fingerprint)" }

    /// The number of files remembered.
    public var count: Int { lock.withLock { entries.count } }

    /// The remembered outcome of an unchanged file: nil when the file changed or is new; otherwise the stored result
    /// (nil inside when it was clean).
    func lookup(_ status: stat) -> StoredResult?? {
        let key = Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        return lock.withLock {
            guard let entry = entries[key], entry.size == Int64(status.st_size), entry.modified == Self.modified(status),
                entry.changed == Self.changed(status)
            else { return nil }
            return .some(entry.result)
        }
    }

    func record(_ status: stat, result: StoredResult?) {
        let key = Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        let entry = Entry(size: Int64(status.st_size), modified: Self.modified(status), changed: Self.changed(status), result: result)
        lock.withLock { entries[key] = entry }
    }

    /// Writes the cache (to a temporary file, then renamed over the old one).
    public func save() throws {
        var bytes = Array((Self.header(fingerprint) + "\n").utf8)
        func write64(_ value: UInt64) {
            for offset in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(offset)))) }
        }
        let encoder = JSONEncoder()
        try lock.withLock {
            bytes.reserveCapacity(bytes.count + entries.count * 48)
            for (key, entry) in entries {
                write64(key.device)
                write64(key.inode)
                write64(UInt64(bitPattern: entry.size))
                write64(UInt64(bitPattern: entry.modified))
                write64(UInt64(bitPattern: entry.changed))
                if let result = entry.result {
                    let json = try encoder.encode(result)
                    write64(UInt64(json.count))
                    bytes += json
                } else {
                    write64(0)
                }
            }
        }
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw ScanError("\(temporary): cannot write the scan cache")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ScanError("\(path): cannot replace the scan cache: \(String(cString: strerror(errno)))")
        }
    }

    static func modified(_ status: stat) -> Int64 { Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec) }
    static func changed(_ status: stat) -> Int64 { Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec) }
}
