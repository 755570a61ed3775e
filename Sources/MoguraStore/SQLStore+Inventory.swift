public import MoguraCore
import SQLKit

extension SQLStore {
    /// Rows per multi-row `INSERT`: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
    static let insertBatch = 500

    public func importInventory(_ document: InventoryDocument, mode: InventoryImportMode, actor: String) async throws -> InventoryImportSummary {
        let stamp = Timestamp.now().microseconds
        return try await transaction { database in
            if self.sql.kind == .postgres {
                // One import at a time across all nodes; readers are not blocked.
                try await database.execute(sql: SQLRaw("SELECT pg_advisory_xact_lock(7236813)")) { _ in }
            }
            let knownCustomers = Set(try await self.rows(database, "SELECT id FROM customers").map { try $0.string("id") })
            let knownServices = Set(try await self.rows(database, "SELECT id FROM services").map { try $0.string("id") })
            let existingCount = try await self.rows(database, "SELECT COUNT(*) AS n FROM assignments").first?.int("n") ?? 0
            // Only stored assignments of the same resources can conflict with the imported ones (a replace import
            // removes all others, so there is nothing to check against).
            var existing: [Assignment] = []
            if mode == .merge && existingCount > 0 {
                let importedKeys = Set(document.assignments.map { AssignmentKey($0.value) })
                var lookupKeys: [String: Set<String>] = [:]
                for located in document.assignments {
                    lookupKeys[located.value.resource.kind, default: []].insert(located.value.resource.lookupKey)
                }
                for (kind, keys) in lookupKeys {
                    for batch in Array(keys).chunked(into: Self.insertBatch) {
                        for row in try await self.rows(
                            database,
                            """
                            SELECT service_id, kind, resource, valid_from, valid_to FROM assignments
                            WHERE kind = \(bind: kind) AND lookup_key IN (\(binds: Array(batch)))
                            """)
                        {
                            let assignment = try Self.assignment(from: row, id: nil)
                            if !importedKeys.contains(AssignmentKey(assignment)) { existing.append(assignment) }
                        }
                    }
                }
            }
            try InventoryValidator.validate(
                document, knownCustomers: knownCustomers, knownServices: knownServices, existingAssignments: existing)

            for batch in document.customers.chunked(into: Self.insertBatch) {
                let insert = database.insert(into: "customers")
                    .columns("id", "name", "emails", "language", "timezone", "created_at", "updated_at")
                for located in batch {
                    let customer = located.value
                    insert.values(
                        [
                            customer.id, customer.name, JSONText.encode(customer.emails.map(\.description)), customer.language,
                            customer.timezone, stamp, stamp,
                        ] as [any Encodable & Sendable])
                }
                try await insert.onConflict(with: ["id"]) {
                    $0.set(excludedValueOf: "name").set(excludedValueOf: "emails").set(excludedValueOf: "language")
                        .set(excludedValueOf: "timezone").set(excludedValueOf: "updated_at")
                }.run()
            }
            for batch in document.services.chunked(into: Self.insertBatch) {
                let insert = database.insert(into: "services")
                    .columns("id", "customer_id", "kind", "status", "created_at", "updated_at")
                for located in batch {
                    let service = located.value
                    insert.values(
                        [service.id, service.customerID, service.kind, service.status.rawValue, stamp, stamp] as [any Encodable & Sendable])
                }
                try await insert.onConflict(with: ["id"]) {
                    $0.set(excludedValueOf: "customer_id").set(excludedValueOf: "kind").set(excludedValueOf: "status")
                        .set(excludedValueOf: "updated_at")
                }.run()
            }
            for batch in document.assignments.chunked(into: Self.insertBatch) {
                let insert = database.insert(into: "assignments")
                    .columns("service_id", "kind", "resource", "lookup_key", "valid_from", "valid_to", "source", "imported_at")
                for located in batch {
                    let assignment = located.value
                    insert.values(
                        [
                            assignment.serviceID, assignment.resource.kind, assignment.resource.description,
                            assignment.resource.lookupKey, assignment.validity.lowerBound.microseconds,
                            assignment.validity.upperBound.microseconds, located.location.description, stamp,
                        ] as [any Encodable & Sendable])
                }
                try await insert.onConflict(with: ["service_id", "kind", "resource", "valid_from"]) {
                    $0.set(excludedValueOf: "valid_to").set(excludedValueOf: "lookup_key").set(excludedValueOf: "source")
                        .set(excludedValueOf: "imported_at")
                }.run()
            }
            FaultPoints.hit("inventory-import-before-commit")
            var removed = 0
            if mode == .replaceAssignments {
                // Every row this import wrote carries its stamp; the rest are no longer in the inventory.
                removed = try await self.rows(database, "DELETE FROM assignments WHERE imported_at <> \(bind: stamp) RETURNING id").count
            }
            let summary = InventoryImportSummary(
                customersWritten: document.customers.count, servicesWritten: document.services.count,
                assignmentsWritten: document.assignments.count, assignmentsRemoved: removed)
            let files = Array(
                Set(
                    document.customers.map(\.location.file) + document.services.map(\.location.file)
                        + document.assignments.map(\.location.file))
            ).sorted()
            try await database.raw("UPDATE store_state SET value = value + 1 WHERE key = 'inventory_version'").run()
            _ = try await self.appendAudit(
                AuditDraft(
                    actor: actor, action: "inventory.import", objectType: "inventory",
                    details: JSONText.encode([
                        "mode": mode.rawValue, "files": files.joined(separator: ", "),
                        "customers": String(summary.customersWritten), "services": String(summary.servicesWritten),
                        "assignments": String(summary.assignmentsWritten), "assignments_removed": String(removed),
                        "assignments_before": String(existingCount),
                    ])), in: database)
            return summary
        }
    }

    public func inventoryVersion() async throws -> Int64 {
        try await session { database in
            try await self.rows(database, "SELECT value FROM store_state WHERE key = 'inventory_version'").first?.int64("value") ?? 0
        }
    }

    public func customers(_ ids: [String]) async throws -> [Customer] {
        guard !ids.isEmpty else { return [] }
        return try await session { database in try await self.customers(database, where: ids) }
    }

    public func loadInventory() async throws -> InventorySnapshot {
        try await session { database in
            InventorySnapshot(
                customers: try await self.customers(database, where: nil),
                services: try await self.services(database, where: nil),
                assignments: try await self.rows(
                    database,
                    """
                    SELECT id, service_id, kind, resource, valid_from, valid_to FROM assignments ORDER BY id
                    """
                ).map { try Self.assignment(from: $0, id: try $0.int64("id")) })
        }
    }

    public func inventoryCandidates(for indicator: Indicator) async throws -> InventorySnapshot {
        var prefixes: [String] = []
        var domains: [String] = []
        var accounts: [String] = []
        var natAddresses: [String] = []
        var paths: [String] = []
        func addressKeys(_ address: IPAddress) {
            prefixes += IPPrefix.enclosing(address).map(\.description)
            natAddresses.append(address.unmapped.description)
        }
        switch indicator {
        case .ip(let address), .ipPort(let address, _): addressKeys(address)
        case .url(let url):
            switch url.host {
            case .ip(let address): addressKeys(address)
            case .domain(let name): domains = name.selfAndParents.map(\.value)
            }
        case .domain(let name): domains = name.selfAndParents.map(\.value)
        case .email(let address):
            accounts = [address.description]
            domains = address.domain.selfAndParents.map(\.value)
        case .account(let name):
            if let address = try? EmailAddress(name) { accounts = [address.description] }
        case .path(let path): paths = path.lookupKeys
        case .fileHash: break
        }
        let keys: [(String, [String])] = [
            ("prefix", prefixes), ("domain", domains), ("mail_account", accounts), ("nat", natAddresses), ("path", paths),
        ]
        .filter { !$0.1.isEmpty }
        if keys.isEmpty { return InventorySnapshot() }
        return try await session { database in
            var query = SQLQueryString("SELECT id, service_id, kind, resource, valid_from, valid_to FROM assignments WHERE ")
            for (position, (kind, values)) in keys.enumerated() {
                if position > 0 { query.appendLiteral(" OR ") }
                let condition: SQLQueryString = "(kind = \(bind: kind) AND lookup_key IN (\(binds: values)))"
                query.appendInterpolation(condition)
            }
            query.appendLiteral(" ORDER BY id")
            let assignments = try await self.rows(database, query).map { try Self.assignment(from: $0, id: try $0.int64("id")) }
            let serviceIDs = Array(Set(assignments.map(\.serviceID)))
            guard !serviceIDs.isEmpty else { return InventorySnapshot() }
            let services = try await self.services(database, where: serviceIDs)
            let customers = try await self.customers(database, where: Array(Set(services.map(\.customerID))))
            return InventorySnapshot(customers: customers, services: services, assignments: assignments)
        }
    }

    public func inventoryCounts() async throws -> InventoryCounts {
        try await session { database in
            guard
                let row = try await self.rows(
                    database,
                    """
                    SELECT (SELECT COUNT(*) FROM customers) AS customers, (SELECT COUNT(*) FROM services) AS services,
                           (SELECT COUNT(*) FROM assignments) AS assignments
                    """
                ).first
            else { return InventoryCounts(customers: 0, services: 0, assignments: 0) }
            return InventoryCounts(customers: try row.int("customers"), services: try row.int("services"), assignments: try row.int("assignments"))
        }
    }

    // MARK: - Rows to values

    func customers(_ database: any SQLDatabase, where ids: [String]?) async throws -> [Customer] {
        var query = SQLQueryString("SELECT id, name, emails, language, timezone FROM customers")
        if let ids {
            let condition: SQLQueryString = " WHERE id IN (\(binds: ids))"
            query.appendInterpolation(condition)
        }
        query.appendLiteral(" ORDER BY id")
        return try await rows(database, query).map { row in
            let emails = try JSONText.decode([String].self, from: try row.string("emails")).compactMap { try? EmailAddress($0) }
            return Customer(
                id: try row.string("id"), name: try row.string("name"), emails: emails, language: try row.string("language"),
                timezone: try row.string("timezone"))
        }
    }

    private func services(_ database: any SQLDatabase, where ids: [String]?) async throws -> [Service] {
        var query = SQLQueryString("SELECT id, customer_id, kind, status FROM services")
        if let ids {
            let condition: SQLQueryString = " WHERE id IN (\(binds: ids))"
            query.appendInterpolation(condition)
        }
        query.appendLiteral(" ORDER BY id")
        return try await rows(database, query).map { row in
            Service(
                id: try row.string("id"), customerID: try row.string("customer_id"), kind: try row.string("kind"),
                status: try row.value("status", as: Service.Status.self))
        }
    }

    static func assignment(from row: any SQLRow, id: Int64?) throws -> Assignment {
        Assignment(
            id: id, serviceID: try row.string("service_id"),
            resource: try AssignedResource(kind: try row.string("kind"), text: try row.string("resource")),
            validity: validity(from: try row.int64("valid_from"), to: try row.int64("valid_to")))
    }

    /// A stored range: the smallest and largest `BIGINT` stand for open bounds.
    static func validity(from: Int64, to: Int64) -> ValidityRange {
        ValidityRange(
            from: from == Int64.min ? nil : Timestamp(microseconds: from),
            to: to == Int64.max ? nil : Timestamp(microseconds: to))
    }
}

/// The natural key of an assignment: an import that repeats it updates the row instead of adding one.
struct AssignmentKey: Hashable {
    var serviceID: String
    var resource: String
    var kind: String
    var validFrom: Int64

    init(_ assignment: Assignment) {
        serviceID = assignment.serviceID
        resource = assignment.resource.description
        kind = assignment.resource.kind
        validFrom = assignment.validity.lowerBound.microseconds
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
