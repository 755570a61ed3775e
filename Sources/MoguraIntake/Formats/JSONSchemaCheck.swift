import Foundation
import MoguraCore

/// A small JSON Schema validator for the report schemas intake checks (XARF v4, X-ARF 0.2): `type`, `required`,
/// `properties`, `additionalProperties: false`, `enum`, `minimum`/`maximum`, `maxLength`, `pattern`, `items`,
/// `maxItems`, `format` (date-time, email, ipv4, ipv6, hostname, uri, uuid) and local `$ref`s. No package on the
/// mirror validates JSON Schema in Swift; this subset is what the report schemas use.
enum JSONSchemaCheck {
    /// Every violation, as `path: problem`.
    static func violations(_ value: Any, schema: [String: Any]) -> [String] {
        var problems: [String] = []
        check(value, schema, root: schema, path: "$", problems: &problems)
        return problems
    }

    private static func check(_ value: Any, _ schema: [String: Any], root: [String: Any], path: String, problems: inout [String]) {
        if let ref = schema["$ref"] as? String, ref.hasPrefix("#/") {
            var target: Any? = root
            for part in ref.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(part)] }
            if let resolved = target as? [String: Any] { check(value, resolved, root: root, path: path, problems: &problems) }
            return
        }
        if let type = schema["type"] as? String, !matches(value, type) {
            problems.append("\(path): expected \(type), found \(describe(value))")
            return
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
            problems.append("\(path): \"\(value)\" is not one of \(allowed.map { "\($0)" }.joined(separator: ", "))")
        }
        if let text = value as? String {
            if let maximum = schema["maxLength"] as? Int, text.count > maximum {
                problems.append("\(path): longer than \(maximum) characters")
            }
            if let pattern = schema["pattern"] as? String, let regex = compiled(pattern),
                regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil
            {
                problems.append("\(path): \"\(text)\" does not match \(pattern)")
            }
            if let format = schema["format"] as? String, !matchesFormat(text, format) {
                problems.append("\(path): \"\(text)\" is not a valid \(format)")
            }
        }
        if let number = (value as? NSNumber)?.doubleValue, !isBoolean(value) {
            if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, number < minimum { problems.append("\(path): below \(minimum)") }
            if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, number > maximum { problems.append("\(path): above \(maximum)") }
        }
        if let object = value as? [String: Any] {
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                problems.append("\(path): required field \"\(name)\" is missing")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (name, member) in object {
                if let propertySchema = properties[name] as? [String: Any] {
                    check(member, propertySchema, root: root, path: "\(path).\(name)", problems: &problems)
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): unexpected field \"\(name)\"")
                }
            }
        }
        if let array = value as? [Any] {
            if let maximum = schema["maxItems"] as? Int, array.count > maximum { problems.append("\(path): more than \(maximum) items") }
            if let items = schema["items"] as? [String: Any] {
                for (index, element) in array.enumerated() { check(element, items, root: root, path: "\(path)[\(index)]", problems: &problems) }
            }
        }
    }

    private static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "string": value is String
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "boolean": isBoolean(value)
        case "integer": !isBoolean(value) && (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": !isBoolean(value) && value is NSNumber
        case "null": value is NSNull
        default: true
        }
    }

    nonisolated(unsafe) private static var patterns: [String: NSRegularExpression] = [:]
    private static let patternsLock = NSLock()

    /// Schema patterns compiled once.
    private static func compiled(_ pattern: String) -> NSRegularExpression? {
        patternsLock.lock()
        defer { patternsLock.unlock() }
        if let regex = patterns[pattern] { return regex }
        let regex = try? NSRegularExpression(pattern: pattern)
        patterns[pattern] = regex
        return regex
    }

    /// JSONSerialization's `true` and `1` are both NSNumbers that cast to Bool; only the boolean's class says which.
    static func isBoolean(_ value: Any) -> Bool {
        type(of: value) == Bool.self || String(describing: type(of: value)).hasSuffix("Boolean")
    }

    private static func matchesFormat(_ text: String, _ format: String) -> Bool {
        switch format {
        case "date-time": (try? Timestamp(rfc3339: text)) != nil
        case "email": (try? EmailAddress(text)) != nil
        case "ipv4": (try? IPv4Address(text)) != nil
        case "ipv6": (try? IPv6Address(text)) != nil
        case "hostname": (try? DomainName(text)) != nil
        case "uri": text.contains(":")
        case "uuid": UUID(uuidString: text) != nil
        default: true
        }
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case is String: "a string"
        case is [String: Any]: "an object"
        case is [Any]: "an array"
        case is NSNull: "null"
        default: "\(value)"
        }
    }

    /// Parses a schema kept as JSON text in the source.
    static func schema(_ json: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }
}

/// The schemas intake checks reports against, restated for Mogura from the published specifications (XARF v4 core
/// schema; the X-ARF 0.2 common fields). Only what intake relies on is checked; unknown fields are allowed, as both
/// specifications allow them.
enum ReportSchemas {
    nonisolated(unsafe) static let xarf4Core = JSONSchemaCheck.schema(
        #"""
        {"type": "object",
         "required": ["xarf_version", "report_id", "timestamp", "reporter", "sender", "source_identifier", "category", "type"],
         "properties": {
           "xarf_version": {"type": "string", "pattern": "^4\\.[0-9]+\\.[0-9]+$"},
           "report_id": {"type": "string", "format": "uuid"},
           "timestamp": {"type": "string", "format": "date-time"},
           "reporter": {"$ref": "#/$defs/contact"},
           "sender": {"$ref": "#/$defs/contact"},
           "source_identifier": {"type": "string"},
           "source_port": {"type": "integer", "minimum": 1, "maximum": 65535},
           "category": {"type": "string", "enum": ["messaging", "content", "copyright", "connection", "vulnerability", "infrastructure", "reputation"]},
           "type": {"type": "string"},
           "confidence": {"type": "number", "minimum": 0, "maximum": 1},
           "description": {"type": "string", "maxLength": 1000},
           "evidence": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["content_type", "payload"]}},
           "url": {"type": "string", "format": "uri"},
           "smtp_from": {"type": "string", "format": "email"}
         },
         "$defs": {
           "contact": {"type": "object", "required": ["org", "contact", "domain"],
                       "properties": {"org": {"type": "string", "maxLength": 200}, "contact": {"type": "string", "format": "email"},
                                      "domain": {"type": "string", "format": "hostname"}}}
         }}
        """#)

    nonisolated(unsafe) static let xarf02 = JSONSchemaCheck.schema(
        #"""
        {"type": "object",
         "required": ["Reported-From", "Category", "Report-Type", "User-Agent", "Date", "Source", "Source-Type", "Attachment", "Schema-URL", "Version"],
         "properties": {
           "Reported-From": {"type": "string", "format": "email"},
           "Category": {"type": "string", "enum": ["abuse", "fraud", "info", "malware", "private"]},
           "Report-Type": {"type": "string"},
           "Source-Type": {"type": "string", "enum": ["ipv4", "ipv6", "ip-address", "uri", "url", "email", "domain", "ipv4-address", "ipv6-address"]},
           "Attachment": {"type": "string"},
           "Port": {"type": "integer", "minimum": 0, "maximum": 65535},
           "Occurrences": {"type": "integer", "minimum": 1},
           "Version": {"type": "string", "enum": ["0.1", "0.2"]}
         }}
        """#)
}
