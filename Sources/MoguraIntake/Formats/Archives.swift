import CompressNIO
import Foundation
import NIOCore
import ZIPFoundation

/// Opens the archives reports arrive in (DMARC reports as `.xml.gz` and `.zip`, Shadowserver reports zipped),
/// with a limit on what they may expand to: a zip bomb is an error, not an outage.
enum Archives {
    struct ArchiveError: Error, CustomStringConvertible {
        var description: String
    }

    /// The files inside a gzip or zip archive, by name.
    static func entries(_ bytes: [UInt8], limit: Int) throws -> [(String, [UInt8])] {
        if bytes.starts(with: [0x1F, 0x8B]) {
            return [("gunzipped", try gunzip(bytes, limit: limit))]
        }
        let archive: Archive
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw ArchiveError(description: "unreadable zip archive: \(error)")
        }
        var result: [(String, [UInt8])] = []
        var total = 0
        for entry in archive where entry.type == .file {
            guard entry.uncompressedSize <= UInt64(limit - total) else {
                throw ArchiveError(description: "zip archive expands beyond \(limit) bytes (\(entry.path) alone is \(entry.uncompressedSize))")
            }
            var content: [UInt8] = []
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    content += chunk
                    if content.count > limit - total { throw ArchiveError(description: "zip entry \(entry.path) expands beyond its declared size") }
                }
            } catch let error as ArchiveError {
                throw error
            } catch {
                throw ArchiveError(description: "cannot extract \(entry.path) from the zip archive: \(error)")
            }
            total += content.count
            result.append((entry.path, content))
        }
        return result
    }

    /// Decompresses gzip, refusing output beyond `limit`.
    static func gunzip(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.decompress(with: .gzip(), maxSize: limit)
            return Array(output.readableBytesView)
        } catch {
            throw ArchiveError(description: "gzip data does not decompress within \(limit) bytes: \(error)")
        }
    }
}
