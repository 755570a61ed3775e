import Foundation
import MoguraCore

/// DMARC aggregate (RUA) reports, RFC 7489 appendix C: for the provider's own domains, each record of mail that
/// failed both DKIM and SPF alignment is mail sent as us from elsewhere — own-brand phishing — and becomes a draft
/// naming the sending address.
enum DMARCReport {
    static func drafts(_ bytes: [UInt8], source: String, options: IntakeOptions) -> [ReportDraft] {
        let root: SimpleXML.Element
        do {
            root = try SimpleXML.parse(bytes)
        } catch {
            return [ReportDraft(source: source, format: .unparsed, parseError: "not readable XML: \(error)")]
        }
        guard root.name == "feedback" else {
            return [
                ReportDraft(source: source, format: .unparsed, parseError: "XML with root <\(root.name)>, not a DMARC aggregate report <feedback>")
            ]
        }
        let organisation = root.value("report_metadata/org_name") ?? "unknown"
        let reporter = root.value("report_metadata/email")
        let reportID = root.value("report_metadata/report_id")
        let begin = root.value("report_metadata/date_range/begin").flatMap { Int64($0) }.map { Timestamp(seconds: $0) }
        let end = root.value("report_metadata/date_range/end").flatMap { Int64($0) }.map { Timestamp(seconds: $0) }
        let policyDomain = root.value("policy_published/domain").flatMap { try? DomainName($0) }
        var drafts: [ReportDraft] = []
        for (index, record) in root.children.filter({ $0.name == "record" }).enumerated() {
            let headerFrom = record.value("identifiers/header_from").flatMap { try? DomainName($0) } ?? policyDomain
            if !options.ownDomains.isEmpty, let headerFrom, !options.ownDomains.contains(where: { headerFrom.isSubdomain(of: $0) }) { continue }
            let dkim = record.value("row/policy_evaluated/dkim")?.lowercased() ?? "none"
            let spf = record.value("row/policy_evaluated/spf")?.lowercased() ?? "none"
            guard dkim != "pass" && spf != "pass" else { continue }
            var draft = ReportDraft(source: source, format: .dmarc, category: .phishing, confidence: 0.8, reporter: reporter, row: index + 1)
            if let ip = record.value("row/source_ip").flatMap({ try? IPAddress($0) }) { draft.add([.ip(ip.unmapped)]) }
            if let headerFrom { draft.add([.domain(headerFrom)]) }
            draft.eventTime = begin
            let count = record.value("row/count") ?? "?"
            draft.subject =
                "DMARC: \(count) message(s) as \(headerFrom?.value ?? "?") from \(record.value("row/source_ip") ?? "?") failed DKIM and SPF (\(organisation))"
            draft.evidence = [
                "org_name": organisation, "report_id": reportID ?? "", "count": count,
                "disposition": record.value("row/policy_evaluated/disposition") ?? "", "dkim": dkim, "spf": spf,
                "envelope_from": record.value("identifiers/envelope_from") ?? "",
                "date_range": "\(begin?.description ?? "?") – \(end?.description ?? "?")",
            ]
            draft.language = "en"
            drafts.append(draft)
        }
        if drafts.isEmpty {
            // A clean report is still a report; keep it, classified so nobody acts on it.
            var draft = ReportDraft(source: source, format: .dmarc, category: .other, confidence: 0.9, reporter: reporter)
            draft.subject = "DMARC aggregate report from \(organisation): no failing records"
            if let policyDomain { draft.add([.domain(policyDomain)]) }
            draft.eventTime = begin
            draft.evidence = ["org_name": organisation, "report_id": reportID ?? "", "failing_records": "0"]
            drafts.append(draft)
        }
        return drafts
    }
}
