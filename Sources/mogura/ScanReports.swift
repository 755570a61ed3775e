import Foundation
import MoguraCore
import MoguraDesk
import MoguraIntake
import MoguraScan
import MoguraStore

/// Flagged files as reports in the desk's pipeline (`mogura scan --report`).
///
/// One report per flagged file, category by its highest-scoring match (mailer scripts as `mailer`, phishing kits
/// as `phishing`, everything else a webshell), pointing at the file's path (qualified by `--host`) and its SHA-256.
/// The raw text holds the day of the sweep and nothing that changes within it, so a file found again the same
/// day — a second sweep, or a sweep killed while filing and run again — is stored once; found again the next day,
/// it is filed again and joins the open case.
enum ScanReports {
    /// The desk's category for a scanner category.
    static func category(_ category: ScanCategory) -> MoguraCore.Category {
        switch category {
        case .mailer: .mailer
        case .phishingKit: .phishing
        case .webshell, .backdoor, .obfuscation, .dropper, .defacement, .suspicious: .webshell
        }
    }

    /// The match that decides a file's category: the highest score, the first of equals.
    static func leading(_ result: ScanFileResult) -> ScanMatch? {
        var best: ScanMatch?
        for match in result.matches where match.score > (best?.score ?? Int.min) { best = match }
        return best
    }

    /// Files each flagged result; returns how many were new and how many were already stored.
    static func file(
        _ results: [ScanFileResult], quarantined: [String: String], host: String?, pipeline: IngestPipeline, now: Timestamp = .now()
    ) async throws -> (new: Int, duplicates: Int) {
        var new = 0
        var duplicates = 0
        let day = String(now.description.prefix(10))
        for result in results {
            guard let leading = leading(result) else { continue }
            // Paths as the inventory holds them: absolute (a relative argument is taken from the working directory).
            let absolute = result.path.hasPrefix("/") ? result.path : FileManager.default.currentDirectoryPath + "/" + result.path
            let location = (host.map { "\($0):" } ?? "") + absolute
            // A path the inventory cannot hold (a relative or odd name) still files, by its hash alone.
            let path = try? HostedPath(location)
            let category = category(leading.category)
            let raw = message(result, location: location, category: category, day: day, quarantine: quarantined[result.path])
            let stored = try await pipeline.ingest(raw, source: "scanner", channel: .detector) { draft in
                var draft = draft
                draft.category = category
                draft.track = .termsOfService
                draft.confidence = 1
                draft.reporter = nil
                draft.eventTime = now
                var indicators: [Indicator] = []
                if let path { indicators.append(.path(path)) }
                if let hash = try? FileHash(result.sha256) { indicators.append(.fileHash(hash)) }
                draft.indicators = indicators
                draft.evidence["path"] = location
                draft.evidence["sha256"] = result.sha256
                draft.evidence["size"] = String(result.size)
                draft.evidence["score"] = String(result.score)
                draft.evidence["rules"] = result.matches.map(\.rule).joined(separator: " ")
                if let id = quarantined[result.path] { draft.evidence["quarantine"] = id }
                return draft
            }
            new += stored.stored.filter(\.isNew).count
            duplicates += stored.stored.filter { !$0.isNew }.count
        }
        return (new, duplicates)
    }

    /// The report as a person reads it in the case: what was found where, each match with its excerpt.
    static func message(_ result: ScanFileResult, location: String, category: MoguraCore.Category, day: String, quarantine: String?) -> [UInt8] {
        var lines = [
            "Mogura scanner: \(category.title.english.lowercased()) found in \(location) (score \(result.score)).",
            "File: \(location), \(result.size) bytes, SHA-256 \(result.sha256).",
        ]
        if let quarantine { lines.append("Moved to quarantine as \(quarantine) (mogura quarantine restore \(quarantine)).") }
        lines.append("Matches:")
        for match in result.matches.prefix(50) {
            let via = match.layers.isEmpty ? "" : " via \(match.layers.joined(separator: " > "))"
            lines.append("- \(match.rule) (\(match.category.rawValue), score \(match.score)) at byte \(match.offset)\(via): \(match.description)")
            lines.append("  \(match.excerpt)")
        }
        if result.matches.count > 50 { lines.append("… and \(result.matches.count - 50) more") }
        // The excerpt is the file's own text: keep header-breaking bytes out of the synthetic message.
        let body = lines.map { $0.replacingOccurrences(of: "\r", with: " ") }.joined(separator: "\r\n")
        let subject = "\(category.title.english) in \(location)".replacingOccurrences(of: "\r", with: " ").replacingOccurrences(
            of: "\n", with: " ")
        return Array(
            """
            From: mogura-scanner@localhost\r
            Subject: \(subject)\r
            Message-ID: <scan.\(day).\(result.sha256.prefix(16)).\(MilterReports.fnv(location))@mogura.invalid>\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            \(body)\r

            """.utf8)
    }
}
