import Foundation
import MoguraCore

/// Feed files and CSV reports, one draft per row: Shadowserver reports, PhishTank, URLhaus and OpenPhish.
enum FeedFiles {
    /// Drafts if `bytes` are a known feed, else nil.
    static func drafts(_ bytes: [UInt8], source: String, options: IntakeOptions) -> [ReportDraft]? {
        guard let text = String(validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self) else {
            return nil
        }
        let lines = text.split(whereSeparator: \.isNewline)
        let content = lines.filter { !$0.hasPrefix("#") && !$0.trimmingSpaces().isEmpty }
        guard let firstLine = content.first else { return nil }
        // OpenPhish and other plain lists: every line a URL.
        if content.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) && !firstLine.contains(",") {
            return content.enumerated().compactMap { index, line in
                guard let url = try? ReportedURL(line.trimmingSpaces()) else { return nil }
                var draft = ReportDraft(source: source, format: .openphish, category: .phishing, confidence: 0.9, indicators: [.url(url)])
                draft.subject = "Phishing URL (feed)"
                draft.reporter = "openphish"
                draft.row = index + 1
                return draft
            }
        }
        // URLhaus: comment header lines, then quoted CSV rows; the column names are in a comment.
        if text.contains("URLhaus") || lines.contains(where: { $0.hasPrefix("# id,dateadded,url") }) {
            return urlhaus(lines, source: source, options: options)
        }
        let header = firstLine.lowercased().split(separator: ",").map { $0.trimmingCharacters(" \"") }
        if header.contains("phish_id") {
            return csv(bytes, source: source) { row, record, line in
                phishTankRow(record, header: header, row: row, line: line, source: source, options: options)
            }
        }
        if header.contains("timestamp") && (header.contains("ip") || header.contains("src_ip")) {
            return csv(bytes, source: source) { row, record, line in shadowserverRow(record, header: header, row: line, source: source) }
        }
        return nil
    }

    /// Reads CSV records after the header and maps each.
    private static func csv(_ bytes: [UInt8], source: String, _ map: (Int, [String], Int) -> ReportDraft?) -> [ReportDraft] {
        var reader = CSVReader(bytes: bytes)
        var drafts: [ReportDraft] = []
        do {
            _ = try reader.next()
            var row = 0
            while let record = try reader.next() {
                row += 1
                if let draft = map(row, record.fields, record.line) { drafts.append(draft) }
            }
        } catch {
            drafts.append(ReportDraft(source: source, format: .unparsed, parseError: "CSV syntax error at line \(error.line): \(error.reason)"))
        }
        return drafts
    }

    // MARK: - PhishTank

    private static func phishTankRow(
        _ fields: [String], header: [String], row: Int, line: Int, source: String, options: IntakeOptions
    ) -> ReportDraft? {
        func field(_ name: String) -> String? { header.firstIndex(of: name).flatMap { $0 < fields.count ? fields[$0] : nil } }
        return phishTank(
            url: field("url"), submitted: field("submission_time"), target: field("target"), id: field("phish_id"), row: line, source: source,
            options: options)
    }

    static func phishTank(
        url: String?, submitted: String?, target: String?, id: String?, row: Int, source: String, options: IntakeOptions
    ) -> ReportDraft? {
        var draft = ReportDraft(source: source, format: .phishtank, category: .phishing, confidence: 0.95, reporter: "phishtank", row: row)
        guard let url, let parsed = try? ReportedURL(url) else {
            draft.format = .unparsed
            draft.parseError = "PhishTank entry without a readable URL: \(url ?? "(none)")"
            return draft
        }
        draft.add([.url(parsed)])
        if let submitted, let time = try? options.timestampParser.parse(submitted) {
            draft.eventTime = time.timestamp
            draft.eventTimeZoneAssumed = time.zoneAssumed
        }
        draft.subject = "Phishing URL" + (target.map { " (target: \($0))" } ?? "")
        draft.evidence["phish_id"] = id
        draft.evidence["target"] = target
        return draft
    }

    // MARK: - URLhaus

    private static func urlhaus(_ lines: [Substring], source: String, options: IntakeOptions) -> [ReportDraft] {
        var drafts: [ReportDraft] = []
        let utc = TimestampParser(defaultZone: .gmt)
        for (index, line) in lines.enumerated() where !line.hasPrefix("#") && !line.trimmingSpaces().isEmpty {
            var reader = CSVReader(bytes: Array(line.utf8))
            guard let record = try? reader.next(), record.fields.count >= 3 else {
                drafts.append(
                    ReportDraft(source: source, format: .unparsed, parseError: "URLhaus line \(index + 1) is not a CSV row", row: index + 1))
                continue
            }
            let fields = record.fields
            var draft = ReportDraft(source: source, format: .urlhaus, category: .malware, confidence: 0.95, reporter: "urlhaus", row: index + 1)
            if let url = try? ReportedURL(fields[2]) { draft.add([.url(url)]) }
            if let time = try? utc.parse(fields[1]) { draft.eventTime = time.timestamp }
            draft.subject = "Malware URL" + (fields.count > 5 && !fields[5].isEmpty ? " (\(fields[5]))" : "")
            draft.evidence["urlhaus_id"] = fields[0]
            if fields.count > 3 { draft.evidence["url_status"] = fields[3] }
            if fields.count > 6 { draft.evidence["tags"] = fields[6] }
            if draft.indicators.isEmpty {
                draft.format = .unparsed
                draft.parseError = "URLhaus row without a readable URL"
            }
            drafts.append(draft)
        }
        return drafts
    }

    // MARK: - Shadowserver

    private static func shadowserverRow(_ fields: [String], header: [String], row: Int, source: String) -> ReportDraft? {
        var values: [String: String] = [:]
        for (name, value) in zip(header, fields) where !value.isEmpty { values[name] = value }
        let family = shadowserverFamily(source: source, values: values)
        var draft = ReportDraft(
            source: source, format: .shadowserver, category: family.category, confidence: family.known ? 0.95 : 0.5, reporter: "shadowserver",
            row: row)
        let ipText = values["ip"] ?? values["src_ip"]
        guard let ip = ipText.flatMap({ try? IPAddress($0) }) else {
            draft.format = .unparsed
            draft.parseError = "Shadowserver row without a readable ip: \(ipText ?? "(none)")"
            return draft
        }
        // For sinkhole and drone reports the source port identifies a subscriber behind carrier-grade NAT.
        if let port = values["src_port"].flatMap({ UInt16($0) }), port > 0 {
            draft.add([.ipPort(ip.unmapped, port: port)])
        } else {
            draft.add([.ip(ip.unmapped)])
        }
        if let hostname = values["hostname"].flatMap({ try? DomainName($0) }) { draft.add([.domain(hostname)]) }
        if let time = values["timestamp"].flatMap({ try? TimestampParser(defaultZone: .gmt).parse($0) }) { draft.eventTime = time.timestamp }
        draft.subject = "Shadowserver \(family.name)" + (values["tag"].map { " (\($0))" } ?? "")
        draft.evidence["report"] = family.name
        for key in ["tag", "port", "protocol", "asn", "geo", "infection", "type", "naics", "sector", "dst_ip", "dst_port", "severity"] {
            if let value = values[key] { draft.evidence[key] = value }
        }
        draft.language = "en"
        return draft
    }

    /// The report family (`scan_dns`, `botnet_drone`, …) from the file name Shadowserver gives
    /// (`2023-06-22-scan_dns-asn-jp.csv`) or, failing that, from the row.
    static func shadowserverFamily(source: String, values: [String: String]) -> (name: String, category: MoguraCore.Category, known: Bool) {
        let name = source.lowercased()
        let families: [(String, MoguraCore.Category)] = [
            ("event4_honeypot_brute_force", .bruteForce), ("honeypot_brute_force", .bruteForce), ("event4_honeypot_ddos_amp", .ddos),
            ("honeypot_ddos_amp", .ddos), ("event4_sinkhole", .botnet), ("sinkhole", .botnet), ("botnet_drone", .botnet),
            ("drone", .botnet), ("infected", .botnet), ("compromised_website", .webshell), ("phish_url", .phishing),
            ("malware_url", .malware), ("blocklist", .spam), ("event4_honeypot", .scanning), ("honeypot", .scanning),
            ("scan6_", .openService), ("scan_", .openService), ("ddos", .ddos),
        ]
        for (prefix, category) in families {
            if let range = name.range(of: prefix) {
                let rest = name[range.lowerBound...]
                let family = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                return (String(family), category, true)
            }
        }
        if values["infection"] != nil { return ("drone", .botnet, true) }
        return ("unknown", .other, false)
    }
}
