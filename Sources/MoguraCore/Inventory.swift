/// A customer of the provider: who pays, and how to reach them.
public struct Customer: Hashable, Sendable, Codable, Identifiable {
    /// The provider's own customer id (from billing), e.g. `c1`.
    public var id: String
    /// The customer's name.
    public var name: String
    /// Contact addresses for abuse notices.
    public var emails: [EmailAddress]
    /// Preferred language for notices (BCP 47, e.g. `ja`, `en`).
    public var language: String
    /// IANA time-zone name for dates in notices, e.g. `Asia/Tokyo`.
    public var timezone: String

    /// Creates a customer.
    public init(id: String, name: String, emails: [EmailAddress] = [], language: String = "ja", timezone: String = "Asia/Tokyo") {
        self.id = id
        self.name = name
        self.emails = emails
        self.language = language
        self.timezone = timezone
    }
}

extension EmailAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try EmailAddress(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What a customer has: a hosting account, a VPS, a mail domain, an access line, ….
public struct Service: Hashable, Sendable, Codable, Identifiable {
    /// Whether a service is running or held back by the desk.
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        case active
        case suspended
    }

    /// The provider's own service id, e.g. `s1`.
    public var id: String
    /// The owning customer's id.
    public var customerID: String
    /// The kind of service, free text from the provider's catalogue: `shared-hosting`, `vps`, `dedicated`,
    /// `mail`, `dns`, `access`, ….
    public var kind: String
    /// Active or suspended.
    public var status: Status

    /// Creates a service.
    public init(id: String, customerID: String, kind: String, status: Status = .active) {
        self.id = id
        self.customerID = customerID
        self.kind = kind
        self.status = status
    }

    private enum CodingKeys: String, CodingKey {
        case id, customerID = "customer", kind, status
    }
}

/// A half-open time range `[from, to)` during which an assignment holds.
///
/// `nil` bounds stand for "since always" and "until further notice".
public struct ValidityRange: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The first instant of validity, or `nil` for no lower bound.
    public var from: Timestamp?
    /// The first instant after validity, or `nil` for no upper bound.
    public var to: Timestamp?

    /// Creates a range; `from` must not be after `to`.
    public init(from: Timestamp? = nil, to: Timestamp? = nil) {
        self.from = from
        self.to = to
    }

    /// A range with no bounds.
    public static let always = ValidityRange()

    /// Whether `time` falls inside the range.
    @inlinable
    public func contains(_ time: Timestamp) -> Bool {
        (from.map { $0 <= time } ?? true) && (to.map { time < $0 } ?? true)
    }

    /// Whether two ranges share an instant.
    public func overlaps(_ other: ValidityRange) -> Bool {
        lowerBound < other.upperBound && other.lowerBound < upperBound
    }

    /// `from` with `nil` as ``Timestamp/distantPast``.
    public var lowerBound: Timestamp { from ?? .distantPast }
    /// `to` with `nil` as ``Timestamp/distantFuture``.
    public var upperBound: Timestamp { to ?? .distantFuture }

    /// `from X to Y`, `since X`, `until Y` or `at all times`.
    public var description: String {
        switch (from, to) {
        case (let from?, let to?): "from \(from) to \(to)"
        case (let from?, nil): "since \(from)"
        case (nil, let to?): "until \(to)"
        case (nil, nil): "at all times"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case from = "valid_from", to = "valid_to"
    }
}

/// A block of ports on one public address, as carrier-grade NAT hands them to subscribers.
public struct NATBlock: Hashable, Sendable, CustomStringConvertible {
    /// The public (outside) address.
    public var address: IPAddress
    /// The first port of the block.
    public var firstPort: UInt16
    /// The last port of the block (inclusive).
    public var lastPort: UInt16

    /// Creates a block; `firstPort` must not exceed `lastPort`.
    public init(address: IPAddress, firstPort: UInt16, lastPort: UInt16) {
        self.address = address.unmapped
        self.firstPort = firstPort
        self.lastPort = lastPort
    }

    /// Whether the block holds `port`.
    public func contains(port: UInt16) -> Bool { firstPort <= port && port <= lastPort }

    /// `198.51.100.7:1024-2047` (IPv6: `[2001:db8::1]:1024-2047`).
    public var description: String {
        switch address {
        case .v6(let v6): "[\(v6)]:\(firstPort)-\(lastPort)"
        case .v4(let v4): "\(v4):\(firstPort)-\(lastPort)"
        }
    }
}

/// What an assignment assigns.
public enum AssignedResource: Hashable, Sendable, CustomStringConvertible {
    case prefix(IPPrefix)
    case domain(DomainName)
    case mailAccount(EmailAddress)
    case nat(NATBlock)
    /// A directory on the provider's servers: a hosting account's home or document root.
    case path(HostedPath)

    /// `prefix`, `domain`, `mail_account`, `nat` or `path`.
    public var kind: String {
        switch self {
        case .prefix: "prefix"
        case .domain: "domain"
        case .mailAccount: "mail_account"
        case .nat: "nat"
        case .path: "path"
        }
    }

    /// The canonical text: `203.0.113.0/25`, `example.jp`, `info@example.jp`, `198.51.100.7:1024-2047`,
    /// `web01:/home/alice`.
    public var description: String {
        switch self {
        case .prefix(let prefix): prefix.description
        case .domain(let name): name.description
        case .mailAccount(let address): address.description
        case .nat(let block): block.description
        case .path(let path): path.description
        }
    }

    /// The exact key attribution looks up by: the prefix, domain or account itself; for NAT, the public address.
    public var lookupKey: String {
        switch self {
        case .nat(let block): block.address.description
        default: description
        }
    }

    /// Recreates a resource from its kind and canonical text.
    /// - Throws: `IndicatorError` when the text does not parse as that kind.
    public init(kind: String, text: String) throws(IndicatorError) {
        switch kind {
        case "prefix":
            do { self = .prefix(try IPPrefix(text)) } catch { throw IndicatorError(kind: kind, input: text, reason: error.reason) }
        case "domain": self = .domain(try DomainName(text))
        case "mail_account": self = .mailAccount(try EmailAddress(text))
        case "path": self = .path(try HostedPath(text))
        case "nat":
            guard let colon = text.lastIndex(of: ":"), let dash = text.lastIndex(of: "-"), colon < dash,
                let first = UInt16(text[text.index(after: colon)..<dash]),
                let last = UInt16(text[text.index(after: dash)...]), first <= last
            else { throw IndicatorError(kind: kind, input: text, reason: "expected address:first-last") }
            var host = text[..<colon]
            if host.first == "[" && host.last == "]" { host = host.dropFirst().dropLast() }
            do {
                self = .nat(NATBlock(address: try IPAddress(host), firstPort: first, lastPort: last))
            } catch { throw IndicatorError(kind: kind, input: text, reason: error.reason) }
        default:
            throw IndicatorError(kind: kind, input: text, reason: "unknown resource kind")
        }
    }
}

/// A resource held by a service over a time range.
///
/// Assignments are the facts attribution works from: "203.0.113.0/25 belonged to service s1 from 2024-01-01".
/// Time matters because addresses move between customers and NAT ports are reused.
public struct Assignment: Hashable, Sendable, Codable, Identifiable {
    /// The store's id, or `nil` before it is stored.
    public var id: Int64?
    /// The service that holds the resource.
    public var serviceID: String
    /// What is held.
    public var resource: AssignedResource
    /// When it is held.
    public var validity: ValidityRange

    /// Creates an assignment.
    public init(id: Int64? = nil, serviceID: String, resource: AssignedResource, validity: ValidityRange = .always) {
        self.id = id
        self.serviceID = serviceID
        self.resource = resource
        self.validity = validity
    }
}

extension AssignedResource: Codable {
    private enum CodingKeys: String, CodingKey { case kind, value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let value = try container.decode(String.self, forKey: .value)
        do {
            self = try AssignedResource(kind: kind, text: value)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(description, forKey: .value)
    }
}

/// The answer to "whose was this at that time?".
public struct Attribution: Hashable, Sendable, Codable {
    /// The customer.
    public var customer: Customer
    /// The service that held the resource.
    public var service: Service
    /// The assignment that matched.
    public var assignment: Assignment

    /// Creates an attribution.
    public init(customer: Customer, service: Service, assignment: Assignment) {
        self.customer = customer
        self.service = service
        self.assignment = assignment
    }

    /// The resource that matched: the prefix, domain, account or NAT block.
    public var matched: AssignedResource { assignment.resource }
}

/// Looks up whose an indicator was at a time. Implemented by the inventory index (`MoguraResolve`) and injected
/// into the edge modules.
public protocol AttributionLookup: Sendable {
    /// Resolves an indicator as of `time`.
    /// - Parameters:
    ///   - indicator: an IP, IP and port, domain, URL, e-mail address or account.
    ///   - time: when the event happened.
    /// - Returns: the attribution, or `nil` when no assignment matches.
    func resolve(_ indicator: Indicator, at time: Timestamp) async throws -> Attribution?
}
