import Foundation
import MoguraIntake

/// A posted form: `application/x-www-form-urlencoded` or `multipart/form-data` (read with Mogura's own MIME
/// parser and its limits, the same one that reads abuse mail).
struct FormData: Sendable {
    /// A posted file.
    struct File: Sendable {
        var name: String
        var contentType: String
        var bytes: [UInt8]
    }

    var fields: [String: String] = [:]
    var files: [String: File] = [:]

    subscript(_ name: String) -> String? { fields[name] }

    /// A trimmed field, nil when missing or blank.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    func isChecked(_ name: String) -> Bool { fields[name] != nil && fields[name] != "" }

    struct Malformed: Error {}

    /// Parses a body by its Content-Type.
    static func parse(_ body: [UInt8], contentType: String?) throws -> FormData {
        let type = ContentType.parse(Array((contentType ?? "").utf8))
        switch type.value {
        case "multipart/form-data": return try multipart(body, contentType: contentType ?? "")
        default: return urlEncoded(body)
        }
    }

    static func urlEncoded(_ body: [UInt8]) -> FormData {
        var form = FormData()
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if form.fields[key] == nil { form.fields[key] = value }
        }
        return form
    }

    /// Percent-decoding with `+` as space; invalid escapes are kept as they are.
    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func multipart(_ body: [UInt8], contentType: String) throws -> FormData {
        var limits = MIMELimits()
        limits.parts = 50
        limits.depth = 2
        limits.decodedBytes = 16 * 1024 * 1024
        let message: ParsedMessage
        do {
            message = try MIMEParser(limits: limits).parse(Array("Content-Type: \(contentType)\r\n\r\n".utf8) + body)
        } catch {
            throw Malformed()
        }
        guard case .multipart(let parts) = message.root.body else { throw Malformed() }
        var form = FormData()
        for part in parts {
            guard let disposition = part.headers.first("Content-Disposition") else { continue }
            let parsed = ContentType.parse(disposition.rawValue)
            guard let name = parsed.parameters["name"], let content = part.content else { continue }
            if let fileName = parsed.parameters["filename"] {
                guard !content.isEmpty || !fileName.isEmpty else { continue }
                form.files[name] = File(name: fileName, contentType: part.contentType.value, bytes: content)
            } else if form.fields[name] == nil {
                form.fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
        return form
    }
}
