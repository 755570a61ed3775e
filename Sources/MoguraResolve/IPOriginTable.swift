import Foundation
public import MoguraCore

/// An operator's IP-to-country/ASN file, for longest-prefix lookups (the milter's countries and networks of the
/// addresses that log in to an account).
///
/// The file is CSV (UTF-8, `#` comments, blank lines ignored), one network per line:
///
/// ```
/// # network,country,asn,as name
/// 203.0.113.0/24,JP,64500,EXAMPLE-NET
/// 2001:db8::/32,DE,AS64501
/// 198.51.100.0/24,US
/// ```
///
/// The country is an ISO 3166-1 alpha-2 code; the AS number (with or without `AS`) and its name are optional.
/// The longest prefix containing an address wins. Exports of the common databases (MaxMind GeoLite2 and DB-IP
/// "country"/"asn" CSVs joined on the network, RIR delegation files turned into CIDR) fit this shape.
public struct IPOriginTable: Sendable {
    private let v4: PrefixTable<UInt32>
    private let v6: PrefixTable<UInt128>
    private let origins: [IPOrigin]

    /// The number of networks.
    public var count: Int { origins.count }

    /// Reads the file.
    /// - Throws: `IPOriginTableError` naming the line of the first bad network or country.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IPOriginTableError("cannot read the IP-to-country file \(path)")
        }
        try self.init(csv: [UInt8](data), name: path)
    }

    /// Reads CSV text in the file's format.
    public init(csv bytes: [UInt8], name: String = "IP-to-country data") throws {
        var reader = CSVReader(bytes: bytes)
        var v4Entries: [PrefixTable<UInt32>.Entry] = []
        var v6Entries: [PrefixTable<UInt128>.Entry] = []
        var origins: [IPOrigin] = []
        do {
            while let (line, fields) = try reader.next() {
                let first = fields.first?.trimmingSpaces() ?? ""
                if first.isEmpty || first.hasPrefix("#") { continue }
                guard fields.count >= 2 else { throw IPOriginTableError("\(name):\(line): expected network,country[,asn[,as name]]") }
                let country = fields[1].trimmingSpaces().uppercased()
                guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw IPOriginTableError("\(name):\(line): \"\(fields[1])\" is not a two-letter country code")
                }
                var network: String?
                if fields.count >= 3 {
                    let text = fields[2].trimmingSpaces()
                    let digits = text.uppercased().hasPrefix("AS") ? String(text.dropFirst(2)) : text
                    if !digits.isEmpty {
                        guard let number = UInt32(digits) else { throw IPOriginTableError("\(name):\(line): \"\(text)\" is not an AS number") }
                        network = "AS\(number)"
                    }
                }
                let index = Int32(origins.count)
                let prefix: IPPrefix
                do {
                    prefix = try IPPrefix(first)
                } catch {
                    throw IPOriginTableError("\(name):\(line): \(error)")
                }
                switch prefix {
                case .v4(let v4):
                    v4Entries.append(.init(network: v4.network.value, length: v4.length, validFrom: .min, validTo: .max, assignment: index))
                case .v6(let v6):
                    v6Entries.append(.init(network: v6.network.value, length: v6.length, validFrom: .min, validTo: .max, assignment: index))
                }
                origins.append(IPOrigin(country: country, network: network))
            }
        } catch let error as CSVReader.SyntaxError {
            throw IPOriginTableError("\(name):\(error.line): \(error.reason)")
        }
        self.v4 = PrefixTable(entries: v4Entries)
        self.v6 = PrefixTable(entries: v6Entries)
        self.origins = origins
    }

    /// The origin of the longest network containing the address, or nil (unknown or not an address).
    public func lookup(_ text: String) -> IPOrigin? {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }  // Postfix's [IPv6:…] form
        if text.lowercased().hasPrefix("ipv6:") { text = text.dropFirst(5) }
        guard let address = try? IPAddress(text) else { return nil }
        let index: Int32
        switch address.unmapped {
        case .v4(let v4): index = self.v4.lookup(v4.value, at: 0)
        case .v6(let v6): index = self.v6.lookup(v6.value, at: 0)
        }
        return index >= 0 ? origins[Int(index)] : nil
    }
}

/// A bad IP-to-country file.
public struct IPOriginTableError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
