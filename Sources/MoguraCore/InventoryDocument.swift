/// Where a record came from: a file and a line, for error messages and the audit trail.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file name as the user gave it.
    public var file: String
    /// The 1-based line the record starts on.
    public var line: Int

    /// Creates a location.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`.
    public var description: String { "\(file):\(line)" }
}

/// A value and where it was read.
public struct Located<Value: Sendable>: Sendable {
    /// The value.
    public var value: Value
    /// Where it was read.
    public var location: SourceLocation

    /// Creates a located value.
    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

/// The whole inventory, or a part of it, as held in the store.
public struct InventorySnapshot: Hashable, Sendable {
    public var customers: [Customer]
    public var services: [Service]
    public var assignments: [Assignment]

    /// Creates a snapshot.
    public init(customers: [Customer] = [], services: [Service] = [], assignments: [Assignment] = []) {
        self.customers = customers
        self.services = services
        self.assignments = assignments
    }
}

/// An inventory read from files, each record with its location, ready to import.
public struct InventoryDocument: Sendable {
    public var customers: [Located<Customer>]
    public var services: [Located<Service>]
    public var assignments: [Located<Assignment>]

    /// Creates a document.
    public init(customers: [Located<Customer>] = [], services: [Located<Service>] = [], assignments: [Located<Assignment>] = []) {
        self.customers = customers
        self.services = services
        self.assignments = assignments
    }

    /// Appends another document's records.
    public mutating func append(_ other: InventoryDocument) {
        customers += other.customers
        services += other.services
        assignments += other.assignments
    }
}

/// One problem found in an inventory: where, which field, and why.
///
/// Prints as `file:line: field: reason`, the form editors and terminals link to.
public struct InventoryIssue: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the offending record is.
    public var location: SourceLocation
    /// The field at fault, e.g. `valid_to` or `prefix`.
    public var field: String
    /// What is wrong and, where possible, what to do.
    public var reason: String

    /// Creates an issue.
    public init(_ location: SourceLocation, field: String, reason: String) {
        self.location = location
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(location): \(field): \(reason)" }
}

/// The error thrown when an inventory has problems; nothing was written.
public struct InventoryValidationError: Error, Sendable, CustomStringConvertible {
    /// Every problem found, in file order (capped at ``InventoryValidator/maximumIssues``).
    public var issues: [InventoryIssue]

    /// Creates the error.
    public init(issues: [InventoryIssue]) {
        self.issues = issues
    }

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}

/// The rules an inventory must keep before it is stored.
///
/// - every service names a known customer, every assignment a known service;
/// - ids are unique within an import;
/// - `valid_from` is before `valid_to`;
/// - one resource (prefix, domain, mail account) is never held twice at the same time, and NAT blocks on one
///   address never share a port at the same time — otherwise "whose was it?" would have two answers.
public enum InventoryValidator {
    /// The most issues reported at once; more would bury the first.
    public static let maximumIssues = 100

    /// Validates a document against what the store already holds.
    /// - Parameters:
    ///   - document: the records to import.
    ///   - knownCustomers: ids of customers already stored.
    ///   - knownServices: ids of services already stored.
    ///   - existingAssignments: assignments that stay in the store beside the imported ones (empty when the
    ///     import replaces all assignments); those with the same service, resource and start as an imported one
    ///     are replaced by it and must not be passed.
    /// - Throws: `InventoryValidationError` listing every problem found.
    public static func validate(
        _ document: InventoryDocument, knownCustomers: Set<String>, knownServices: Set<String>,
        existingAssignments: [Assignment] = []
    ) throws(InventoryValidationError) {
        var issues: [InventoryIssue] = []
        func report(_ issue: InventoryIssue) {
            if issues.count < maximumIssues { issues.append(issue) }
        }

        var customerIDs = knownCustomers
        var seenCustomers: [String: SourceLocation] = [:]
        for customer in document.customers {
            if let earlier = seenCustomers[customer.value.id] {
                report(InventoryIssue(customer.location, field: "id", reason: "customer \"\(customer.value.id)\" is also defined at \(earlier)"))
            }
            seenCustomers[customer.value.id] = customer.location
            customerIDs.insert(customer.value.id)
        }
        var serviceIDs = knownServices
        var seenServices: [String: SourceLocation] = [:]
        for service in document.services {
            if let earlier = seenServices[service.value.id] {
                report(InventoryIssue(service.location, field: "id", reason: "service \"\(service.value.id)\" is also defined at \(earlier)"))
            }
            seenServices[service.value.id] = service.location
            if !customerIDs.contains(service.value.customerID) {
                report(
                    InventoryIssue(
                        service.location, field: "customer", reason: "no customer with id \"\(service.value.customerID)\" in this import or the store"
                    ))
            }
            serviceIDs.insert(service.value.id)
        }

        // Group by the resource that must not be held twice at once.
        struct Held {
            var validity: ValidityRange
            var ports: ClosedRange<UInt16>?
            var serviceID: String
            var location: SourceLocation?
        }
        var held: [String: [Held]] = [:]
        for assignment in existingAssignments {
            held[conflictKey(assignment.resource), default: []].append(
                Held(validity: assignment.validity, ports: ports(assignment.resource), serviceID: assignment.serviceID, location: nil))
        }
        for located in document.assignments {
            let assignment = located.value
            if !serviceIDs.contains(assignment.serviceID) {
                report(
                    InventoryIssue(
                        located.location, field: "service", reason: "no service with id \"\(assignment.serviceID)\" in this import or the store"))
            }
            if let from = assignment.validity.from, let to = assignment.validity.to, from >= to {
                report(InventoryIssue(located.location, field: "valid_to", reason: "\(to) is not after valid_from \(from)"))
                continue
            }
            held[conflictKey(assignment.resource), default: []].append(
                Held(validity: assignment.validity, ports: ports(assignment.resource), serviceID: assignment.serviceID, location: located.location))
        }
        // Sort each group by start; overlapping neighbours (by time, and by ports for NAT) conflict.
        var conflicts: [InventoryIssue] = []
        for (key, group) in held where group.count > 1 {
            let sorted = group.sorted { $0.validity.lowerBound < $1.validity.lowerBound }
            for i in sorted.indices {
                var j = i + 1
                while j < sorted.count, sorted[j].validity.lowerBound < sorted[i].validity.upperBound {
                    let a = sorted[i]
                    let b = sorted[j]
                    j += 1
                    if let pa = a.ports, let pb = b.ports, !pa.overlaps(pb) { continue }
                    guard let location = b.location ?? a.location else { continue }
                    let other = a.location.map { "at \($0)" } ?? "already in the store"
                    let what = a.ports == nil ? key : "ports on \(key)"
                    conflicts.append(
                        InventoryIssue(
                            location, field: "valid_from",
                            reason:
                                "\(what) is held by service \"\(a.serviceID)\" (\(other)) \(a.validity); assignments of one resource must not overlap in time"
                        ))
                }
            }
        }
        conflicts.sort { ($0.location.file, $0.location.line) < ($1.location.file, $1.location.line) }
        for issue in conflicts { report(issue) }
        if !issues.isEmpty { throw InventoryValidationError(issues: issues) }
    }

    private static func conflictKey(_ resource: AssignedResource) -> String {
        switch resource {
        case .nat(let block): "nat " + block.address.description
        default: resource.kind + " " + resource.description
        }
    }

    private static func ports(_ resource: AssignedResource) -> ClosedRange<UInt16>? {
        if case .nat(let block) = resource { return block.firstPort...block.lastPort }
        return nil
    }
}
