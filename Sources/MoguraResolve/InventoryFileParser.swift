import Foundation
public import MoguraCore

/// Reads inventory files — customers, services and assignments — in JSON or CSV.
///
/// The formats are documented with examples in `docs/inventory.md`. Every problem is reported as
/// `file:line: field: reason`; the parser collects all of them (up to ``InventoryValidator/maximumIssues``)
/// rather than stopping at the first, so one run fixes a whole file.
///
/// ```swift
/// let parser = InventoryFileParser(timestampParser: TimestampParser())
/// let document = try parser.parse(bytes, file: "inventory.json")
/// ```
public struct InventoryFileParser: Sendable {
    /// The file formats understood.
    public enum Format: String, Sendable, CaseIterable {
        case json
        case csv

        /// The format for a file name, by extension (`.json`, `.csv`); `nil` when the extension is neither.
        public init?(fileName: String) {
            let lower = fileName.lowercased()
            if lower.hasSuffix(".json") {
                self = .json
            } else if lower.hasSuffix(".csv") {
                self = .csv
            } else {
                return nil
            }
        }
    }

    /// Reads the times in `valid_from` and `valid_to`; times without a zone use its default zone.
    public var timestampParser: TimestampParser

    /// Creates a parser.
    public init(timestampParser: TimestampParser = TimestampParser()) {
        self.timestampParser = timestampParser
    }

    /// Parses one file.
    /// - Parameters:
    ///   - bytes: the file's contents.
    ///   - file: the name to use in error messages.
    ///   - format: the format; by default taken from the file name, else guessed from the first byte.
    /// - Returns: the records with their locations.
    /// - Throws: `InventoryValidationError` listing every problem found.
    public func parse(_ bytes: [UInt8], file: String, format: Format? = nil) throws(InventoryValidationError) -> InventoryDocument {
        let format =
            format ?? Format(fileName: file)
            ?? (bytes.first(where: { $0 > 0x20 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }) == UInt8(ascii: "{") ? .json : .csv)
        var collector = IssueCollector()
        let records: [RawRecord]
        switch format {
        case .json: records = readJSON(bytes, file: file, issues: &collector)
        case .csv: records = readCSV(bytes, file: file, issues: &collector)
        }
        var document = InventoryDocument()
        for record in records {
            switch record.kind {
            case .customer: if let value = makeCustomer(record, issues: &collector) { document.customers.append(Located(value, at: record.location)) }
            case .service: if let value = makeService(record, issues: &collector) { document.services.append(Located(value, at: record.location)) }
            case .assignment:
                if let value = makeAssignment(record, issues: &collector) { document.assignments.append(Located(value, at: record.location)) }
            }
        }
        if !collector.issues.isEmpty { throw InventoryValidationError(issues: collector.issues) }
        return document
    }

    // MARK: - Records

    enum RecordKind: String {
        case customer, service, assignment

        var fields: [String] {
            switch self {
            case .customer: ["id", "name", "emails", "language", "timezone"]
            case .service: ["id", "customer", "kind", "status"]
            case .assignment: ["service", "prefix", "domain", "mail_account", "nat", "nat_ip", "nat_ports", "path", "valid_from", "valid_to"]
            }
        }
    }

    indirect enum RawValue {
        case text(String)
        case list([String])
        case object([String: RawField])
        case null
        case other(String)
    }

    struct RawField {
        var line: Int
        var value: RawValue
    }

    struct RawRecord {
        var kind: RecordKind
        var location: SourceLocation
        var fields: [String: RawField]

        func location(of field: String) -> SourceLocation {
            SourceLocation(file: location.file, line: fields[field]?.line ?? location.line)
        }
    }

    struct IssueCollector {
        var issues: [InventoryIssue] = []
        mutating func add(_ location: SourceLocation, _ field: String, _ reason: String) {
            if issues.count < InventoryValidator.maximumIssues { issues.append(InventoryIssue(location, field: field, reason: reason)) }
        }
    }

    // MARK: - JSON

    private func readJSON(_ bytes: [UInt8], file: String, issues: inout IssueCollector) -> [RawRecord] {
        var reader = JSONReader(bytes: bytes)
        var records: [RawRecord] = []
        do {
            let top = try reader.readValue()
            reader.skipWhitespace()
            if !reader.atEnd {
                issues.add(
                    SourceLocation(file: file, line: reader.line), "(syntax)", "unexpected \(reader.describeNext()) after the top-level object")
            }
            guard case .object(let members) = top.kind else {
                issues.add(
                    SourceLocation(file: file, line: top.line), "(top level)",
                    "expected an object with \"customers\", \"services\" and \"assignments\" arrays, found \(top.typeName)")
                return []
            }
            for (key, value) in members {
                let kind: RecordKind
                switch key {
                case "customers": kind = .customer
                case "services": kind = .service
                case "assignments": kind = .assignment
                default:
                    issues.add(
                        SourceLocation(file: file, line: value.line), key, "unknown section; expected \"customers\", \"services\" or \"assignments\"")
                    continue
                }
                guard case .array(let elements) = value.kind else {
                    issues.add(SourceLocation(file: file, line: value.line), key, "expected an array, found \(value.typeName)")
                    continue
                }
                for element in elements {
                    let location = SourceLocation(file: file, line: element.line)
                    guard case .object(let fields) = element.kind else {
                        issues.add(location, key, "expected an object for each \(kind.rawValue), found \(element.typeName)")
                        continue
                    }
                    var record = RawRecord(kind: kind, location: location, fields: [:])
                    for (name, fieldValue) in fields {
                        guard kind.fields.contains(name) else {
                            issues.add(
                                SourceLocation(file: file, line: fieldValue.line), name,
                                "unknown field for a \(kind.rawValue); known fields are \(kind.fields.joined(separator: ", "))")
                            continue
                        }
                        if record.fields[name] != nil {
                            issues.add(SourceLocation(file: file, line: fieldValue.line), name, "field given twice")
                        }
                        record.fields[name] = RawField(line: fieldValue.line, value: Self.raw(fieldValue))
                    }
                    records.append(record)
                }
            }
        } catch {
            issues.add(SourceLocation(file: file, line: error.line), "(syntax)", error.reason)
        }
        return records
    }

    private static func raw(_ value: JSONReader.Value) -> RawValue {
        switch value.kind {
        case .string(let text): return .text(text)
        case .number(let text): return .text(text)
        case .bool(let flag): return .text(flag ? "true" : "false")
        case .null: return .null
        case .array(let elements):
            var strings: [String] = []
            for element in elements {
                guard case .string(let text) = element.kind else { return .other("an array with \(element.typeName) in it") }
                strings.append(text)
            }
            return .list(strings)
        case .object(let members):
            var fields: [String: RawField] = [:]
            for (key, member) in members { fields[key] = RawField(line: member.line, value: raw(member)) }
            return .object(fields)
        }
    }

    // MARK: - CSV

    private func readCSV(_ bytes: [UInt8], file: String, issues: inout IssueCollector) -> [RawRecord] {
        var reader = CSVReader(bytes: bytes)
        var records: [RawRecord] = []
        do {
            guard let header = try reader.next() else {
                issues.add(SourceLocation(file: file, line: 1), "(header)", "the file is empty; the first line must name the columns")
                return []
            }
            let columns = header.fields.map { $0.lowercased() }
            let kind: RecordKind
            if columns.contains("service") {
                kind = .assignment
            } else if columns.contains("customer") {
                kind = .service
            } else if columns.contains("name") {
                kind = .customer
            } else {
                issues.add(
                    SourceLocation(file: file, line: header.line), "(header)",
                    "cannot tell what the file holds: a customers file has columns id,name,…; a services file id,customer,kind,…; an assignments file service,prefix|domain|mail_account|nat_ip,…"
                )
                return []
            }
            for column in columns where !kind.fields.contains(column) || column == "nat" {
                issues.add(
                    SourceLocation(file: file, line: header.line), column,
                    "unknown column in a \(kind.rawValue) file; known columns are \(kind.fields.filter { $0 != "nat" }.joined(separator: ", "))")
            }
            if Set(columns).count != columns.count {
                issues.add(SourceLocation(file: file, line: header.line), "(header)", "a column is named twice")
            }
            if !issues.issues.isEmpty { return [] }
            while let row = try reader.next() {
                let location = SourceLocation(file: file, line: row.line)
                if row.fields.count != columns.count {
                    issues.add(location, "(row)", "has \(row.fields.count) fields but the header has \(columns.count)")
                    continue
                }
                var record = RawRecord(kind: kind, location: location, fields: [:])
                for (column, text) in zip(columns, row.fields) where !text.isEmpty {
                    record.fields[column] = RawField(line: row.line, value: .text(text))
                }
                records.append(record)
            }
        } catch {
            issues.add(SourceLocation(file: file, line: error.line), "(syntax)", error.reason)
        }
        return records
    }

    // MARK: - Conversion

    private func text(_ record: RawRecord, _ field: String, required: Bool, issues: inout IssueCollector) -> String? {
        switch record.fields[field]?.value {
        case .text(let text)?:
            let trimmed = text.trimmingSpaces()
            if trimmed.isEmpty && required { issues.add(record.location(of: field), field, "must not be empty") }
            return trimmed.isEmpty ? nil : trimmed
        case .null?, nil:
            if required { issues.add(record.location, field, "missing; every \(record.kind.rawValue) needs one") }
            return nil
        case .list?, .object?:
            issues.add(record.location(of: field), field, "expected a string")
            return nil
        case .other(let what)?:
            issues.add(record.location(of: field), field, "expected a string, found \(what)")
            return nil
        }
    }

    private func makeCustomer(_ record: RawRecord, issues: inout IssueCollector) -> Customer? {
        let before = issues.issues.count
        let id = text(record, "id", required: true, issues: &issues)
        let name = text(record, "name", required: true, issues: &issues)
        var emails: [EmailAddress] = []
        let rawEmails: [String]
        switch record.fields["emails"]?.value {
        case .list(let list)?: rawEmails = list
        case .text(let text)?: rawEmails = text.split(whereSeparator: { $0 == ";" || $0 == "," || $0 == " " }).map(String.init)
        case .null?, nil: rawEmails = []
        case .object?, .other?:
            issues.add(record.location(of: "emails"), "emails", "expected an array of addresses or a string separated by ';'")
            rawEmails = []
        }
        for raw in rawEmails {
            do { emails.append(try EmailAddress(raw)) } catch {
                issues.add(record.location(of: "emails"), "emails", "\"\(raw)\" is not an e-mail address (\(error.reason))")
            }
        }
        let language = text(record, "language", required: false, issues: &issues) ?? "ja"
        if !Self.isLanguageTag(language) {
            issues.add(record.location(of: "language"), "language", "\"\(language)\" is not a language tag such as ja or en")
        }
        let timezone = text(record, "timezone", required: false, issues: &issues) ?? "Asia/Tokyo"
        if TimeZone(identifier: timezone) == nil {
            issues.add(record.location(of: "timezone"), "timezone", "\"\(timezone)\" is not an IANA time zone such as Asia/Tokyo")
        }
        guard issues.issues.count == before, let id, let name else { return nil }
        return Customer(id: id, name: name, emails: emails, language: language, timezone: timezone)
    }

    private func makeService(_ record: RawRecord, issues: inout IssueCollector) -> Service? {
        let before = issues.issues.count
        let id = text(record, "id", required: true, issues: &issues)
        let customer = text(record, "customer", required: true, issues: &issues)
        let kind = text(record, "kind", required: true, issues: &issues)
        var status = Service.Status.active
        if let statusText = text(record, "status", required: false, issues: &issues) {
            if let parsed = Service.Status(rawValue: statusText.lowercased()) {
                status = parsed
            } else {
                issues.add(record.location(of: "status"), "status", "\"\(statusText)\" is not one of active, suspended")
            }
        }
        guard issues.issues.count == before, let id, let customer, let kind else { return nil }
        return Service(id: id, customerID: customer, kind: kind, status: status)
    }

    private func makeAssignment(_ record: RawRecord, issues: inout IssueCollector) -> Assignment? {
        let before = issues.issues.count
        let service = text(record, "service", required: true, issues: &issues)
        let resourceFields = ["prefix", "domain", "mail_account", "nat", "nat_ip", "path"].filter {
            if case .null? = record.fields[$0]?.value { return false }
            return record.fields[$0] != nil
        }
        var resource: AssignedResource?
        if resourceFields.count != 1 {
            let reason =
                resourceFields.isEmpty
                ? "missing; an assignment needs exactly one of prefix, domain, mail_account, nat, path"
                : "only one of prefix, domain, mail_account, nat, path may be given (found \(resourceFields.joined(separator: ", ")))"
            issues.add(record.location(of: resourceFields.last ?? "prefix"), resourceFields.last ?? "prefix", reason)
        } else {
            resource = makeResource(record, field: resourceFields[0], issues: &issues)
        }
        let from = time(record, "valid_from", issues: &issues)
        let to = time(record, "valid_to", issues: &issues)
        guard issues.issues.count == before, let service, let resource else { return nil }
        return Assignment(serviceID: service, resource: resource, validity: ValidityRange(from: from, to: to))
    }

    private func makeResource(_ record: RawRecord, field: String, issues: inout IssueCollector) -> AssignedResource? {
        let location = record.location(of: field)
        switch field {
        case "prefix":
            guard let text = text(record, field, required: true, issues: &issues) else { return nil }
            do { return .prefix(try IPPrefix(text)) } catch {
                issues.add(location, field, error.description)
            }
        case "domain":
            guard let text = text(record, field, required: true, issues: &issues) else { return nil }
            do { return .domain(try DomainName(text)) } catch { issues.add(location, field, error.description) }
        case "mail_account":
            guard let text = text(record, field, required: true, issues: &issues) else { return nil }
            do { return .mailAccount(try EmailAddress(text)) } catch { issues.add(location, field, error.description) }
        case "path":
            guard let text = text(record, field, required: true, issues: &issues) else { return nil }
            do { return .path(try HostedPath(text)) } catch { issues.add(location, field, error.description) }
        case "nat":
            guard case .object(let members)? = record.fields["nat"]?.value else {
                issues.add(location, field, "expected an object {\"ip\": \"198.51.100.7\", \"ports\": \"1024-2047\"}")
                return nil
            }
            for key in members.keys where key != "ip" && key != "ports" {
                issues.add(
                    SourceLocation(file: location.file, line: members[key]?.line ?? location.line), "nat.\(key)",
                    "unknown field; a NAT block has ip and ports")
            }
            let nested = RawRecord(kind: .assignment, location: location, fields: members)
            guard let ip = text(nested, "ip", required: true, issues: &issues),
                let ports = text(nested, "ports", required: true, issues: &issues)
            else { return nil }
            return makeNAT(
                ip: ip, ports: ports, ipLocation: nested.location(of: "ip"), portsLocation: nested.location(of: "ports"), prefix: "nat.",
                issues: &issues)
        case "nat_ip":
            guard let ip = text(record, "nat_ip", required: true, issues: &issues) else { return nil }
            guard let ports = text(record, "nat_ports", required: false, issues: &issues) else {
                issues.add(record.location, "nat_ports", "missing; a NAT block needs a port range such as 1024-2047")
                return nil
            }
            return makeNAT(
                ip: ip, ports: ports, ipLocation: location, portsLocation: record.location(of: "nat_ports"), prefix: "nat_", issues: &issues)
        default:
            break
        }
        return nil
    }

    private func makeNAT(
        ip: String, ports: String, ipLocation: SourceLocation, portsLocation: SourceLocation, prefix: String, issues: inout IssueCollector
    ) -> AssignedResource? {
        let address: IPAddress
        do { address = try IPAddress(ip) } catch {
            issues.add(ipLocation, prefix + "ip", error.description)
            return nil
        }
        let parts = ports.split(separator: "-", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first.flatMap({ UInt16($0) }), let last = (parts.count == 2 ? UInt16(parts[1]) : first), first <= last else {
            issues.add(portsLocation, prefix + "ports", "\"\(ports)\" is not a port range such as 1024-2047 (ports 0-65535, first ≤ last)")
            return nil
        }
        return .nat(NATBlock(address: address, firstPort: first, lastPort: last))
    }

    private func time(_ record: RawRecord, _ field: String, issues: inout IssueCollector) -> Timestamp? {
        guard let text = text(record, field, required: false, issues: &issues) else { return nil }
        do {
            return try timestampParser.parse(text).timestamp
        } catch {
            issues.add(record.location(of: field), field, error.description)
            return nil
        }
    }

    private static func isLanguageTag(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...3).contains(primary.count), primary.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            return false
        }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}
