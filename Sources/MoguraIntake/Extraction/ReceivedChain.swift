import Foundation
public import MoguraCore

/// Walks a message's `Received` chain (newest first) to the first hop outside the reporter's network: the
/// address that handed forwarded spam to the reporter's mail system.
///
/// A hop is skipped when its sending address is private, loopback, link-local, shared (100.64/10) or in the
/// configured trusted networks, or when the sending host's name is in the receiving host's domain or the
/// reporter's domain (a relay inside their network). The first remaining hop's sending address is the origin.
public enum ReceivedChain {
    /// One parsed `Received` field.
    public struct Hop: Hashable, Sendable {
        /// The names the sender gave (HELO) or was found to have (reverse DNS), lower case.
        public var fromNames: [String]
        /// The sending address, if the field records one.
        public var fromAddress: IPAddress?
        /// The receiving host.
        public var by: String?
        /// The date the receiver wrote after the semicolon.
        public var date: String?
    }

    /// Parses the `Received` fields of a header section, newest first.
    public static func hops(_ headers: HeaderSection) -> [Hop] {
        headers.all("Received").map { parse($0.rawText) }
    }

    /// The origin address of the message, or nil when every hop is internal or none records an address.
    public static func origin(_ headers: HeaderSection, trusted: [IPPrefix], reporterDomain: DomainName?) -> IPAddress? {
        originHop(headers, trusted: trusted, reporterDomain: reporterDomain)?.fromAddress
    }

    /// The first hop outside the reporter's network: its sending address and the time it was received.
    public static func originHop(_ headers: HeaderSection, trusted: [IPPrefix], reporterDomain: DomainName?) -> Hop? {
        for hop in hops(headers) {
            guard let address = hop.fromAddress else { continue }
            if isInternal(address) || trusted.contains(where: { $0.contains(address) }) { continue }
            let byDomain = hop.by.flatMap { try? DomainName($0) }.map(registrableDomain)
            let internalName = hop.fromNames.contains { name in
                guard let domain = try? DomainName(name) else { return false }
                return (byDomain.map { domain.isSubdomain(of: $0) } ?? false)
                    || (reporterDomain.map { domain.isSubdomain(of: registrableDomain($0)) } ?? false)
            }
            if internalName { continue }
            return hop
        }
        return nil
    }

    static func parse(_ text: String) -> Hop {
        // "from X (rdns [ip]) by Y with ...; date" — split into words, any whitespace (folding leaves tabs).
        let lower = text.lowercased()
        let halves = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
        let date = halves.count == 2 ? halves[1].trimmingCharacters(" \t\r\n") : nil
        let clauses = lower.split(separator: ";", maxSplits: 1).first ?? Substring(lower)
        let words = clauses.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        var fromWords: [Substring] = []
        var by: String?
        var section = ""
        for word in words {
            switch word {
            case "from", "by", "with", "id", "for", "via":
                section = String(word)
                continue
            default:
                break
            }
            if section == "from" { fromWords.append(word) }
            if section == "by" && by == nil { by = String(word.trimmingCharacters("()")) }
        }
        var names: [String] = []
        var address: IPAddress?
        var bracketed: IPAddress?
        for word in fromWords {
            for piece in word.split(whereSeparator: { "()[];".contains($0) }) {
                var token = String(piece)
                if token.hasPrefix("ipv6:") { token.removeFirst(5) }
                if token.hasSuffix(".") { token.removeLast() }
                if let ip = try? IPAddress(token) {
                    if word.contains("[") && bracketed == nil { bracketed = ip.unmapped }
                    if address == nil { address = ip.unmapped }
                } else if token.contains("."),
                    token.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }),
                    !["helo", "ehlo"].contains(token)
                {
                    names.append(token)
                }
            }
        }
        // The bracketed address is the one the receiver saw; a HELO may claim anything.
        return Hop(fromNames: names, fromAddress: bracketed ?? address, by: by, date: date)
    }

    /// Addresses that never identify an outside sender.
    static func isInternal(_ address: IPAddress) -> Bool {
        internalPrefixes.contains { $0.contains(address) }
    }

    private static let internalPrefixes: [IPPrefix] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
        "::1/128", "::/128", "fc00::/7", "fe80::/10",
    ].map { try! IPPrefix($0) }

    /// The name a registrant holds: the last two labels, or three under the common second-level registries
    /// (`example.co.jp`, `example.ne.jp`, `example.co.uk`, `example.com.au`).
    public static func registrableDomain(_ name: DomainName) -> DomainName {
        let labels = name.labels
        guard labels.count > 2 else { return name }
        let secondLevel: Set<String> = ["co", "ne", "or", "ac", "go", "ed", "gr", "lg", "ad", "com", "net", "org", "gov", "edu"]
        let keep = secondLevel.contains(String(labels[labels.count - 2])) && labels.last!.count == 2 ? 3 : 2
        return DomainName(normalized: labels.suffix(keep).joined(separator: "."))
    }
}
