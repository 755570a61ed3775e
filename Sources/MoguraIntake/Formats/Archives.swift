import CompressNIO
import NIOCore

/// Opens the archives reports arrive in (DMARC reports as `.xml.gz` and `.zip`, Shadowserver reports zipped),
/// with a limit on what they may expand to: a zip bomb is an error, not an outage.
///
/// The zip reader is written here (central directory, stored and deflated entries, inflated with zlib through
/// compress-nio) because ZIPFoundation's in-memory archive trapped on truncated archives in this project's fuzz
/// test; every offset and size read from the archive is checked before use.
package enum Archives {
    package struct ArchiveError: Error, CustomStringConvertible {
        package var description: String
    }

    /// The most entries read from one zip archive.
    static let maximumEntries = 10_000

    /// The files inside a gzip or zip archive, by name.
    static func entries(_ bytes: [UInt8], limit: Int) throws -> [(String, [UInt8])] {
        if bytes.starts(with: [0x1F, 0x8B]) {
            return [("gunzipped", try inflate(bytes[...], algorithm: .gzip(), limit: limit))]
        }
        return try zipEntries(bytes, limit: limit)
    }

    /// The files of a zip archive (no Zip64, no encryption), from its central directory.
    package static func zipEntries(_ bytes: [UInt8], limit: Int) throws -> [(String, [UInt8])] {
        func uint16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw ArchiveError(description: "zip archive is truncated") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func uint32(_ at: Int) throws -> Int {
            guard at >= 0, at + 4 <= bytes.count else { throw ArchiveError(description: "zip archive is truncated") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
        var end = bytes.count - 22
        let earliest = max(0, bytes.count - 65_557)
        while end >= earliest, (try? uint32(end)) != 0x0605_4B50 { end -= 1 }
        guard end >= earliest else { throw ArchiveError(description: "not a zip archive (no end of central directory)") }
        let entryCount = try uint16(end + 10)
        var position = try uint32(end + 16)
        guard entryCount <= maximumEntries else { throw ArchiveError(description: "zip archive with more than \(maximumEntries) entries") }
        var result: [(String, [UInt8])] = []
        var total = 0
        for _ in 0..<entryCount {
            guard try uint32(position) == 0x0201_4B50 else { throw ArchiveError(description: "zip central directory is damaged") }
            let flags = try uint16(position + 8)
            let method = try uint16(position + 10)
            let compressedSize = try uint32(position + 20)
            let nameLength = try uint16(position + 28)
            let extraLength = try uint16(position + 30)
            let commentLength = try uint16(position + 32)
            let localOffset = try uint32(position + 42)
            guard position + 46 + nameLength <= bytes.count else { throw ArchiveError(description: "zip archive is truncated") }
            let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            position += 46 + nameLength + extraLength + commentLength
            if name.hasSuffix("/") { continue }
            guard flags & 1 == 0 else { throw ArchiveError(description: "zip entry \(name) is encrypted") }
            guard try uint32(localOffset) == 0x0403_4B50 else { throw ArchiveError(description: "zip entry \(name) has no local header") }
            let dataStart = localOffset + 30 + (try uint16(localOffset + 26)) + (try uint16(localOffset + 28))
            guard compressedSize >= 0, dataStart + compressedSize <= bytes.count else {
                throw ArchiveError(description: "zip entry \(name) runs past the end of the archive")
            }
            let data = bytes[dataStart..<(dataStart + compressedSize)]
            let content: [UInt8]
            switch method {
            case 0: content = Array(data)
            case 8: content = try inflate(data, algorithm: .deflate(), limit: limit - total)
            default: throw ArchiveError(description: "zip entry \(name) uses compression method \(method), which Mogura does not read")
            }
            total += content.count
            guard total <= limit else { throw ArchiveError(description: "zip archive expands beyond \(limit) bytes") }
            result.append((name, content))
        }
        return result
    }

    /// Decompresses gzip or raw deflate, refusing output beyond `limit`.
    static func inflate(_ bytes: ArraySlice<UInt8>, algorithm: CompressionAlgorithm, limit: Int) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.decompress(with: algorithm, maxSize: max(limit, 0))
            return Array(output.readableBytesView)
        } catch {
            throw ArchiveError(description: "compressed data does not decompress within \(limit) bytes: \(error)")
        }
    }
}
