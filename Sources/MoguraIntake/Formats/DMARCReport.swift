import Foundation
import MoguraCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// DMARC aggregate (RUA) reports, RFC 7489 appendix C: for the provider's own domains, each record of mail that
/// failed both DKIM and SPF alignment is mail sent as us from elsewhere — own-brand phishing — and becomes a draft
/// naming the sending address.
enum DMARCReport {
    /// A minimal element tree; DMARC reports are small and flat.
    final class Element {
        let name: String
        var text = ""
        var children: [Element] = []
        init(name: String) { self.name = name }

        func child(_ path: String) -> Element? {
            var current: Element? = self
            for part in path.split(separator: "/") { current = current?.children.first { $0.name == part } }
            return current
        }

        func value(_ path: String) -> String? {
            child(path).map { $0.text.trimmingCharacters(" \t\r\n") }.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [Element] = []
        var root: Element?
        var elements = 0

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements += 1
            if elements > 1_000_000 || stack.count > 32 {
                parser.abortParsing()
                return
            }
            let element = Element(name: elementName)
            stack.last?.children.append(element)
            if root == nil { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }

    static func drafts(_ bytes: [UInt8], source: String, options: IntakeOptions) -> [ReportDraft] {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "too large or too deep"
            return [ReportDraft(source: source, format: .unparsed, parseError: "not readable XML: \(reason)")]
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
