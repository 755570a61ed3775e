import Foundation
import MoguraCore
import Yams

/// X-ARF 0.1/0.2 (mail with `X-ARF: YES`, a YAML report in part 2) and XARF v4 (JSON, standalone or attached).
enum XARFMail {
    static func drafts(_ message: ParsedMessage, base: ReportDraft, options: IntakeOptions) -> [ReportDraft]? {
        let isXARF = (message.headers["X-ARF"] ?? "").lowercased().hasPrefix("yes")
        let leaves = message.root.allEntities.filter { $0.content != nil }
        if isXARF {
            // Part 2 is the report; be lenient and take the first part that reads as a YAML mapping with Report-Type.
            for part in leaves.dropFirst() {
                guard let text = part.text?.text, ByteSearch.contains(text, "Report-Type") || ByteSearch.contains(text, "Reported-From") else {
                    continue
                }
                return [XARFYAML.draft(text, base: base, evidence: leaves.last, options: options)]
            }
            var draft = base
            draft.format = .xarf
            draft.parseError = "X-ARF mail without a YAML report part"
            return [draft]
        }
        // XARF v4 JSON attached to a mail.
        for part in leaves where part.contentType.value == "application/json" || (part.fileName ?? "").hasSuffix(".json") {
            guard let content = part.content, let object = try? JSONSerialization.jsonObject(with: Data(content)) as? [String: Any],
                object["xarf_version"] != nil || object["Version"] != nil
            else { continue }
            var draft = XARF4.draft(object, source: base.source, options: options)
            draft.messageID = base.messageID
            if draft.reporter == nil { draft.reporter = base.reporter }
            draft.warnings = base.warnings + draft.warnings
            return [draft]
        }
        return nil
    }
}

enum XARFYAML {
    static func draft(_ yaml: String, base: ReportDraft, evidence: MIMEEntity?, options: IntakeOptions) -> ReportDraft {
        var draft = base
        draft.format = .xarf
        let node: Any?
        do {
            node = try Yams.load(yaml: yaml)
        } catch {
            draft.parseError = "X-ARF report is not valid YAML: \(error)"
            return draft
        }
        guard let mapping = node as? [String: Any] else {
            draft.parseError = "X-ARF report is not a YAML mapping"
            return draft
        }
        // YAML reads `Port: 22` as a number and dates as Date; the schema speaks of the text.
        var report: [String: Any] = [:]
        for (key, value) in mapping {
            if let date = value as? Date {
                report[key] = Timestamp(date).description
            } else if let number = value as? Int {
                report[key] = key == "Port" || key == "Occurrences" ? number as Any : String(number)
            } else if let double = value as? Double {
                report[key] = String(double)
            } else {
                report[key] = value
            }
        }
        draft.warnings += JSONSchemaCheck.violations(report, schema: ReportSchemas.xarf02).map { "X-ARF schema: \($0)" }
        let field = { (name: String) in (report[name]).map { "\($0)" } }
        let reportType = (field("Report-Type") ?? "").lowercased()
        let category = (field("Category") ?? "").lowercased()
        draft.category = map(category: category, type: reportType)
        draft.track = draft.category.defaultTrack
        draft.confidence = draft.category == .other ? 0.5 : 0.95
        for (name, key) in [
            ("Report-Type", "report_type"), ("Category", "xarf_category"), ("Service", "service"),
            ("User-Agent", "user_agent"), ("Report-ID", "report_id"), ("Occurrences", "occurrences"), ("Version", "version"),
        ] {
            if let value = field(name) { draft.evidence[key] = value }
        }
        if let reporter = field("Reported-From") { draft.reporter = reporter }
        let port = (report["Port"] as? Int).flatMap { UInt16(exactly: $0) }
        if let source = field("Source") { draft.add(indicator(source, type: (field("Source-Type") ?? "").lowercased(), port: port)) }
        if let date = field("Date"),
            let time = TimeExtractor.times(in: date, parser: options.timestampParser).first ?? (try? options.timestampParser.parse(date))
        {
            draft.eventTime = time.timestamp
            draft.eventTimeZoneAssumed = time.zoneAssumed
        }
        if let text = evidence?.text?.text, evidence?.contentType.value != "text/plain" || (evidence?.isAttachment ?? false) {
            draft.evidence["attachment_bytes"] = String(text.utf8.count)
        }
        draft.language = "en"
        return draft
    }

    static func map(category: String, type: String) -> MoguraCore.Category {
        switch type {
        case "login-attack", "login_attack", "brute-force": .bruteForce
        case "phishing": .phishing
        case "malware", "malware-distribution", "drive-by": .malware
        case "spam", "mail-spam": .spam
        case "portscan", "port-scan", "harvesting", "scan": .scanning
        case "ddos", "dos": .ddos
        case "botnet", "bot", "c2": .botnet
        case "copyright", "dmca": .copyright
        case "webshell", "defacement": .webshell
        default:
            switch category {
            case "fraud": .phishing
            case "malware": .malware
            default: .other
            }
        }
    }

    static func indicator(_ value: String, type: String, port: UInt16?) -> [Indicator] {
        let trimmed = value.trimmingSpaces()
        if let address = try? IPAddress(trimmed) {
            if let port, port > 0 { return [.ipPort(address.unmapped, port: port)] }
            return [.ip(address.unmapped)]
        }
        if let guessed = try? Indicator(guessing: trimmed) { return [guessed] }
        return []
    }
}

enum XARF4 {
    /// Reads a XARF v4 report (the `xarf_version` core schema, or the earlier `Version: "4"` / `Report` shape).
    static func draft(_ object: [String: Any], source: String, options: IntakeOptions) -> ReportDraft {
        var draft = ReportDraft(source: source, format: .xarf4)
        if object["xarf_version"] != nil {
            draft.warnings += JSONSchemaCheck.violations(object, schema: ReportSchemas.xarf4Core).map { "XARF schema: \($0)" }
            let category = (object["category"] as? String ?? "").lowercased()
            let type = (object["type"] as? String ?? "").lowercased()
            fill(&draft, category: category, type: type)
            if let reporter = object["reporter"] as? [String: Any] {
                draft.reporter = reporter["contact"] as? String
                draft.evidence["reporter_org"] = reporter["org"] as? String
            }
            if let source = object["source_identifier"] as? String {
                draft.add(XARFYAML.indicator(source, type: "", port: (object["source_port"] as? Int).flatMap { UInt16(exactly: $0) }))
            }
            if let url = (object["url"] as? String).flatMap({ try? ReportedURL($0) }) { draft.add([.url(url)]) }
            if let from = (object["smtp_from"] as? String).flatMap({ try? EmailAddress($0) }) { draft.add([.email(from)]) }
            if let time = (object["timestamp"] as? String).flatMap({ try? options.timestampParser.parse($0) }) {
                draft.eventTime = time.timestamp
                draft.eventTimeZoneAssumed = time.zoneAssumed
            }
            draft.subject = object["description"] as? String ?? "XARF \(category)/\(type)"
            draft.evidence["report_id"] = object["report_id"] as? String
            if let confidence = object["confidence"] as? Double { draft.evidence["reported_confidence"] = String(confidence) }
        } else {
            let report = object["Report"] as? [String: Any] ?? [:]
            let reportClass = (report["ReportClass"] as? String ?? "").lowercased()
            let type = (report["ReportType"] as? String ?? "").lowercased()
            fill(&draft, category: reportClass, type: type)
            if let ip = report["SourceIp"] as? String {
                draft.add(XARFYAML.indicator(ip, type: "ip", port: (report["SourcePort"] as? Int).flatMap { UInt16(exactly: $0) }))
            }
            if let url = (report["Url"] as? String).flatMap({ try? ReportedURL($0) }) { draft.add([.url(url)]) }
            if let time = (report["Date"] as? String).flatMap({ try? options.timestampParser.parse($0) }) {
                draft.eventTime = time.timestamp
                draft.eventTimeZoneAssumed = time.zoneAssumed
            }
            draft.reporter = (object["ReporterInfo"] as? [String: Any])?["ReporterOrgEmail"] as? String
            draft.subject = "XARF \(reportClass)/\(type)"
            draft.warnings.append("XARF v4 draft shape (Version/Report); fields read leniently")
        }
        draft.language = "en"
        return draft
    }

    static func fill(_ draft: inout ReportDraft, category: String, type: String) {
        let mapped: MoguraCore.Category
        switch (category, type) {
        case ("messaging", _): mapped = .spam
        case (_, "login_attack"), (_, "auth_failure"), (_, "loginattack"): mapped = .bruteForce
        case (_, "port_scan"), (_, "vuln_scanning"), (_, "reconnaissance"), (_, "sql_injection"), (_, "portscan"): mapped = .scanning
        case (_, "ddos"), (_, "ddos_amplification"): mapped = .ddos
        case ("connection", "bot"), ("infrastructure", "bot"), (_, "botnet"): mapped = .botnet
        case (_, "phishing"), ("content", "fraud"), (_, "brand_infringement"): mapped = .phishing
        case (_, "malware"): mapped = .malware
        case (_, "csam"), (_, "csem"): mapped = .illegalContent
        case (_, "remote_compromise"), (_, "compromised_server"): mapped = .webshell
        case (_, "suspicious_registration"): mapped = .fraudSignup
        case ("copyright", _): mapped = .copyright
        case ("vulnerability", _): mapped = .openService
        case (_, "spam"): mapped = .spam
        default: mapped = .other
        }
        draft.category = mapped
        draft.track = mapped.defaultTrack
        draft.confidence = mapped == .other ? 0.5 : 0.95
        draft.evidence["xarf_category"] = category
        draft.evidence["xarf_type"] = type
    }
}

/// Standalone JSON: XARF v4 reports and PhishTank's JSON feed.
enum JSONReports {
    static func drafts(_ bytes: [UInt8], source: String, options: IntakeOptions) -> [ReportDraft] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            return [ReportDraft(source: source, format: .unparsed, parseError: "not valid JSON: \(error.localizedDescription)")]
        }
        if let object = value as? [String: Any], object["xarf_version"] != nil || (object["Version"] as? String) == "4" {
            return [XARF4.draft(object, source: source, options: options)]
        }
        if let array = value as? [[String: Any]], array.first?["phish_id"] != nil {
            return array.enumerated().compactMap { index, entry in
                FeedFiles.phishTank(
                    url: entry["url"] as? String, submitted: entry["submission_time"] as? String,
                    target: entry["target"] as? String, id: entry["phish_id"].map { "\($0)" }, row: index + 1, source: source, options: options)
            }
        }
        return [
            ReportDraft(source: source, format: .unparsed, parseError: "JSON of a shape Mogura does not know (not XARF v4, not a PhishTank feed)")
        ]
    }
}
