public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Flagged files moved aside, with what is needed to put them back as they were.
///
/// Each quarantined file gets a directory `<quarantine>/<id>/` holding `file` (the bytes, mode 000) and
/// `record.json` (the original path, SHA-256, size, mode, owner, modification time, when, and the matches). A
/// restore moves the bytes back and sets mode, owner (when running as root) and modification time again; it refuses
/// when something else now sits at the original path. Moves are renames within one filesystem, else copy, sync and
/// unlink.
public struct ScanQuarantine: Sendable {
    /// What was moved and from where.
    public struct Record: Codable, Sendable, Hashable {
        public var id: String
        public var path: String
        public var sha256: String
        public var size: Int
        public var mode: UInt32
        public var owner: UInt32
        public var group: UInt32
        /// Modification time, nanoseconds since the epoch.
        public var modified: Int64
        public var quarantinedAt: Date
        public var rules: [String]
    }

    public let directory: String

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Moves a flagged file into the quarantine.
    /// - Throws: `ScanError` saying what failed; the file is left where it was.
    public func quarantine(_ result: ScanFileResult) throws -> Record {
        var status = stat()
        guard lstat(result.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw ScanError("\(result.path): not a regular file any more")
        }
        let id = "\(Int(Date().timeIntervalSince1970))-\(result.sha256.prefix(12))-\(UInt32.random(in: 0...UInt32.max))"
        let entry = (directory as NSString).appendingPathComponent(id)
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let record = Record(
            id: id, path: result.path, sha256: result.sha256, size: Int(status.st_size), mode: UInt32(status.st_mode & 0o7777),
            owner: status.st_uid, group: status.st_gid, modified: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec),
            quarantinedAt: Date(), rules: result.matches.map(\.rule))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(record).write(to: URL(fileURLWithPath: (entry as NSString).appendingPathComponent("record.json")))
        let target = (entry as NSString).appendingPathComponent("file")
        do {
            try Self.move(result.path, to: target)
        } catch {
            try? FileManager.default.removeItem(atPath: entry)
            throw error
        }
        chmod(target, 0)
        return record
    }

    /// The records, oldest first.
    public func list() throws -> [Record] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted().compactMap { id in
            let file = ((directory as NSString).appendingPathComponent(id) as NSString).appendingPathComponent("record.json")
            guard let data = FileManager.default.contents(atPath: file) else { return nil }
            return try decoder.decode(Record.self, from: data)
        }
    }

    /// Puts a quarantined file back where it was, as it was.
    /// - Throws: `ScanError` when the id is unknown or something now sits at the original path.
    public func restore(_ id: String) throws -> Record {
        guard let record = try list().first(where: { $0.id == id }) else { throw ScanError("\(id): no such quarantined file in \(directory)") }
        var status = stat()
        if lstat(record.path, &status) == 0 { throw ScanError("\(record.path): something is there now; move it away first") }
        let entry = (directory as NSString).appendingPathComponent(id)
        let source = (entry as NSString).appendingPathComponent("file")
        chmod(source, 0o600)
        try Self.move(source, to: record.path)
        chmod(record.path, mode_t(record.mode))
        if getuid() == 0 { chown(record.path, record.owner, record.group) }
        var times = [
            timespec(tv_sec: time(nil), tv_nsec: 0),
            timespec(tv_sec: Int(record.modified / 1_000_000_000), tv_nsec: Int(record.modified % 1_000_000_000)),
        ]
        utimensat(AT_FDCWD, record.path, &times, 0)
        try FileManager.default.removeItem(atPath: entry)
        return record
    }

    static func move(_ source: String, to target: String) throws {
        if rename(source, target) == 0 { return }
        guard errno == EXDEV else { throw ScanError("\(source): cannot move to \(target): \(String(cString: strerror(errno)))") }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: target)
            let descriptor = open(target, O_RDONLY)
            if descriptor >= 0 {
                fsync(descriptor)
                close(descriptor)
            }
            try FileManager.default.removeItem(atPath: source)
        } catch {
            throw ScanError("\(source): cannot move to \(target): \(error)")
        }
    }
}
