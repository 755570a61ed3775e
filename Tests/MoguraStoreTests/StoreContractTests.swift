import Foundation
import MoguraCore
import MoguraResolve
import MoguraStore
import MoguraTesting
import Testing

/// The store contract: every test here runs unchanged on SQLite and on PostgreSQL.
@Suite("Store contract", .serialized, .tags(.postgres))
struct StoreContractTests {
    static let sample = """
        {"customers": [{"id": "c1", "name": "株式会社サンプル", "emails": ["abuse@example.jp"]}, {"id": "c2", "name": "Example Cloud", "language": "en", "timezone": "UTC"}],
         "services": [{"id": "s1", "customer": "c1", "kind": "shared-hosting"}, {"id": "s2", "customer": "c2", "kind": "vps"}, {"id": "web 7 (legacy)", "customer": "c2", "kind": "vps"}],
         "assignments": [
           {"service": "s1", "prefix": "203.0.113.0/25", "valid_from": "2024-01-01T00:00:00Z", "valid_to": "2025-04-01T00:00:00Z"},
           {"service": "s2", "prefix": "203.0.113.0/25", "valid_from": "2025-04-01T00:00:00Z"},
           {"service": "s2", "prefix": "2001:db8::/32"},
           {"service": "s1", "domain": "example.jp"},
           {"service": "s1", "mail_account": "info@example.jp"},
           {"service": "s1", "nat": {"ip": "198.51.100.7", "ports": "1024-2047"}, "valid_from": "2025-01-01T00:00:00Z", "valid_to": "2025-02-01T00:00:00Z"},
           {"service": "web 7 (legacy)", "mail_account": "A|B+x@example.jp"},
           {"service": "s1", "path": "/home/sample"},
           {"service": "s2", "path": "web02:/home/sample/"}]}
        """

    static func document(_ text: String = sample, file: String = "inventory.json") throws -> InventoryDocument {
        try InventoryFileParser().parse(Array(text.utf8), file: file)
    }

    @Test(
        "PostgreSQL is reachable for the contract suite",
        .enabled(if: TestEnvironment.runsPostgres, "MOGURA_TEST_POSTGRES_URL is not set; scripts/test starts a throwaway cluster"))
    func postgresIsReachable() async throws {
        let version = try await TestStores.withStore(.postgres) { store async throws in try await store.schemaVersion() }
        #expect(version >= 1)
    }

    @Test(arguments: TestStores.engines)
    func migrationsApplyOnceAndReopen(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            #expect(store.engine == engine)
            #expect(try await store.schemaVersion() == 9)
            #expect(try await store.migrate() == [])  // already applied
            #expect(try await store.verifyAuditChain().isIntact)
        }
    }

    @Test(arguments: TestStores.engines)
    func importsAndLoadsTheInventory(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let summary = try await store.importInventory(try Self.document(), mode: .merge, actor: "test")
            #expect(summary == InventoryImportSummary(customersWritten: 2, servicesWritten: 3, assignmentsWritten: 9, assignmentsRemoved: 0))
            let snapshot = try await store.loadInventory()
            #expect(snapshot.customers.map(\.name) == ["株式会社サンプル", "Example Cloud"])
            #expect(snapshot.customers[0].emails.map(\.description) == ["abuse@example.jp"])
            #expect(snapshot.services.map(\.id) == ["s1", "s2", "web 7 (legacy)"])
            #expect(
                snapshot.assignments.map(\.resource.description) == [
                    "203.0.113.0/25", "203.0.113.0/25", "2001:db8::/32", "example.jp", "info@example.jp", "198.51.100.7:1024-2047",
                    "a|b+x@example.jp", "/home/sample", "web02:/home/sample",
                ])
            #expect(snapshot.assignments[6].serviceID == "web 7 (legacy)")
            #expect(snapshot.assignments[1].validity == ValidityRange(from: try Timestamp(rfc3339: "2025-04-01T00:00:00Z")))
            #expect(snapshot.assignments[2].validity == .always)
            #expect(try await store.inventoryCounts() == InventoryCounts(customers: 2, services: 3, assignments: 9))

            // Importing the same file again changes nothing; an audit event is written for each import.
            _ = try await store.importInventory(try Self.document(), mode: .merge, actor: "test")
            #expect(try await store.inventoryCounts().assignments == 9)
            let events = try await store.auditEvents(after: 0, limit: 10)
            #expect(events.map(\.action) == ["inventory.import", "inventory.import"])
            #expect(events[0].actor == "test")
        }
    }

    @Test(arguments: TestStores.engines)
    func aFailedImportLeavesTheStoreUnchanged(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            _ = try await store.importInventory(try Self.document(), mode: .merge, actor: "test")
            let before = try await store.loadInventory()
            let beforeAudit = try await store.auditEvents(after: 0, limit: 100)
            // Valid customers and services, then one assignment that conflicts with what is stored.
            let bad = try Self.document(
                """
                {"customers": [{"id": "c3", "name": "New"}], "services": [{"id": "s3", "customer": "c3", "kind": "vps"}],
                 "assignments": [{"service": "s3", "prefix": "192.0.2.0/24"},
                                 {"service": "s3", "prefix": "2001:db8::/32", "valid_from": "2020-01-01T00:00:00Z"}]}
                """, file: "bad.json")
            await #expect {
                try await store.importInventory(bad, mode: .merge, actor: "test")
            } throws: { error in
                let issues = (error as? InventoryValidationError)?.issues ?? []
                return issues.count == 1
                    && issues[0].description.hasPrefix(
                        "bad.json:3: valid_from: prefix 2001:db8::/32 is held by service \"s2\" (already in the store)")
            }
            #expect(try await store.loadInventory() == before)
            #expect(try await store.auditEvents(after: 0, limit: 100) == beforeAudit)
        }
    }

    @Test(arguments: TestStores.engines)
    func mergeUpdatesAndReplaceRemoves(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            _ = try await store.importInventory(try Self.document(), mode: .merge, actor: "test")
            // Close the open-ended IPv6 assignment by importing it again with a valid_to.
            let close = try Self.document(#"{"assignments": [{"service": "s2", "prefix": "2001:db8::/32", "valid_to": "2026-01-01T00:00:00Z"}]}"#)
            _ = try await store.importInventory(close, mode: .merge, actor: "test")
            let closed = try await store.loadInventory().assignments.first { $0.resource.description == "2001:db8::/32" }
            #expect(closed?.validity.to == (try Timestamp(rfc3339: "2026-01-01T00:00:00Z")))
            #expect(try await store.inventoryCounts().assignments == 9)
            let idsBefore = Dictionary(
                uniqueKeysWithValues: try await store.loadInventory().assignments.map {
                    ($0.resource.description + ($0.validity.from?.description ?? ""), $0.id)
                })

            let replacement = try Self.document(
                """
                {"assignments": [{"service": "s1", "domain": "example.jp"}, {"service": "s2", "domain": "example.net"}]}
                """)
            let summary = try await store.importInventory(replacement, mode: .replaceAssignments, actor: "test")
            #expect(summary.assignmentsRemoved == 8)
            let after = try await store.loadInventory()
            #expect(after.assignments.map(\.resource.description).sorted() == ["example.jp", "example.net"])
            #expect(after.customers.count == 2)  // customers and services stay
            // An unchanged assignment keeps its id across a replace.
            #expect(after.assignments.first { $0.resource.description == "example.jp" }?.id == idsBefore["example.jp"] ?? nil)
        }
    }

    /// Attribution through the store's candidate query gives the same answer as the full in-memory index.
    @Test(arguments: TestStores.engines)
    func candidateQueriesMatchTheFullIndex(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            var random = SeededRandom.fromEnvironment(fallback: 0x4341_4E44)
            var text = #"{"customers": [{"id": "c1", "name": "A"}], "services": ["#
            text += (0..<20).map { #"{"id": "s\#($0)", "customer": "c1", "kind": "vps"}"# }.joined(separator: ",")
            text += #"], "assignments": ["#
            var rows: [String] = []
            var seen: Set<String> = []
            for n in 0..<300 {
                let length = 16 + Int(random.next() % 17)
                let prefix = IPv4Prefix(
                    containing: IPv4Address(0xCB00_0000 | UInt32(truncatingIfNeeded: random.next() % 0x10000) << 8 | UInt32(random.next() % 256)),
                    length: UInt8(length))
                let from = 1_700_000_000 + Int(random.next() % 10) * 86_400 * 30
                let key = "\(prefix) \(from)"
                guard seen.insert(key).inserted, !seen.contains("\(prefix)") else { continue }
                seen.insert("\(prefix)")
                rows.append(#"{"service": "s\#(n % 20)", "prefix": "\#(prefix)", "valid_from": "\#(Timestamp(seconds: Int64(from)))"}"#)
            }
            text += rows.joined(separator: ",") + "]}"
            _ = try await store.importInventory(try Self.document(text), mode: .merge, actor: "test")
            let full = InventoryIndex(try await store.loadInventory())
            for _ in 0..<60 {
                let address = IPAddress.v4(IPv4Address(0xCB00_0000 | UInt32(truncatingIfNeeded: random.next() % 0x0100_0000)))
                let time = Timestamp(seconds: 1_700_000_000 + Int64(random.next() % (86_400 * 330)))
                let slice = InventoryIndex(try await store.inventoryCandidates(for: .ip(address)))
                #expect(slice.attribute(.ip(address), at: time)?.assignment == full.attribute(.ip(address), at: time)?.assignment)
            }
            let sample = InventoryIndex(try await store.inventoryCandidates(for: .email(try EmailAddress("x@y.example.jp"))))
            #expect(sample.assignments.isEmpty)
        }
    }

    @Test(arguments: TestStores.engines)
    func candidatesCoverEveryIndicatorKind(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            _ = try await store.importInventory(try Self.document(), mode: .merge, actor: "test")
            let january = try Timestamp(rfc3339: "2025-01-15T00:00:00Z")
            let cases: [(String, String?)] = [
                ("203.0.113.9", "s1"), ("2001:db8::25", "s2"), ("https://www.example.jp/x", "s1"), ("info@example.jp", "s1"),
                ("198.51.100.7:1500", "s1"), ("198.51.100.7:80", nil), ("203.0.113.200", nil), ("::ffff:203.0.113.9", "s1"),
                ("/home/sample/www/x.php", "s1"), ("path:web02:/home/sample/www/x.php", "s2"), ("path:web01:/home/sample/x.php", "s1"),
                ("/home/samples/x.php", nil),
            ]
            for (text, service) in cases {
                let indicator = try Indicator(guessing: text)
                let index = InventoryIndex(try await store.inventoryCandidates(for: indicator))
                #expect(index.attribute(indicator, at: january)?.service.id == service, "\(text)")
            }
            let index = InventoryIndex(try await store.inventoryCandidates(for: .ip(try IPAddress("203.0.113.9"))))
            #expect(index.attribute(.ip(try IPAddress("203.0.113.9")), at: try Timestamp(rfc3339: "2025-05-01T00:00:00Z"))?.customer.id == "c2")
        }
    }

    @Test(arguments: TestStores.engines)
    func blobsAreContentAddressed(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let bytes: [UInt8] =
                Array("Received: from evil.example\r\nSubject: =?ISO-2022-JP?B?GyRCJEgbKEI=?=\r\n\r\n\u{0}\u{FF}".utf8) + [0, 0xFF, 0x1B]
            let hash = try await store.putBlob(bytes)
            #expect(hash.hex == "\(sha256Hex(bytes))")
            #expect(try await store.putBlob(bytes) == hash)
            #expect(try await store.blob(hash) == .present(bytes))
            #expect(try await store.blob(ContentHash(hex: String(repeating: "a", count: 64))!) == .missing)
            let empty = try await store.putBlob([])
            #expect(try await store.blob(empty) == .present([]))
            try await store.tombstoneBlob(hash, reason: "retention: 400 days", actor: "test")
            guard case .tombstoned(let reason, _) = try await store.blob(hash) else {
                Issue.record("blob was not tombstoned")
                return
            }
            #expect(reason == "retention: 400 days")
            await #expect(throws: StoreError.self) { try await store.tombstoneBlob(hash, reason: "again", actor: "test") }
            #expect(try await store.auditEvents(after: 0, limit: 10).map(\.action) == ["blob.tombstone"])
        }
    }

    @Test(arguments: TestStores.engines)
    func reportsCasesAndActions(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            _ = try await store.importInventory(try Self.document(), mode: .merge, actor: "test")
            let now = try Timestamp(rfc3339: "2025-06-01T00:00:00Z")
            let raw = Array("From: reporter@example.org\r\n\r\nphishing at http://www.example.jp/login\r\n".utf8)
            let stored = try await store.insertReports(
                [
                    Report(
                        receivedAt: now, channel: .mail, reporter: "reporter@example.org", category: .phishing, subject: "Phishing",
                        indicators: [
                            .url(try ReportedURL("http://www.example.jp/login")), .ip(try IPAddress("203.0.113.9")),
                            .ip(try IPAddress("203.0.113.9")),
                        ],
                        format: "mime", confidence: 0.75, language: "en", messageID: "abc@example.org", warnings: ["w"], evidence: ["k": "v"],
                        source: "test.eml")
                ],
                raw: raw, actor: "test")
            let report = try #require(stored.first?.report)
            #expect(stored.first?.isNew == true)
            let reportID = try #require(report.id)
            #expect(report.rawHash?.hex == sha256Hex(raw))
            let loaded = try #require(try await store.report(reportID))
            #expect(Set(loaded.indicators) == Set([.url(try ReportedURL("http://www.example.jp/login")), .ip(try IPAddress("203.0.113.9"))]))
            #expect(loaded.track == .termsOfService)
            #expect(loaded.format == "mime" && loaded.confidence == 0.75 && loaded.messageID == "abc@example.org")
            #expect(loaded.warnings == ["w"] && loaded.evidence == ["k": "v"] && loaded.source == "test.eml" && loaded.language == "en")
            #expect(try await store.blob(try #require(loaded.rawHash)) == .present(raw))

            let opened = try await store.insertCase(
                Case(track: .termsOfService, category: .phishing, subject: .service("s1"), customerID: "c1", openedAt: now), actor: "system")
            let caseID = try #require(opened.id)
            try await store.attach(report: reportID, toCase: caseID, at: now.adding(seconds: 60))
            #expect(try await store.reports(inCase: caseID).map(\.id) == [reportID])
            #expect(try await store.case(caseID)?.updatedAt == now.adding(seconds: 60))
            let found = try await store.openCase(subject: .service("s1"), category: .phishing, track: .termsOfService, updatedSince: now)
            #expect(found?.id == caseID)
            #expect(try await store.openCase(subject: .service("s2"), category: .phishing, track: .termsOfService, updatedSince: now) == nil)

            // Transitions are conditional on the current state and checked against the lifecycle.
            let notified = try await store.transition(case: caseID, from: .new, to: .notified, at: now.adding(seconds: 120), actor: "alice")
            #expect(notified?.state == .notified)
            #expect(try await store.transition(case: caseID, from: .new, to: .notified, at: now, actor: "bob") == nil)
            await #expect(throws: StoreError.self) { try await store.transition(case: caseID, from: .notified, to: .new, at: now, actor: "bob") }
            _ = try await store.transition(case: caseID, from: .notified, to: .resolved, at: now.adding(seconds: 180), actor: "alice")
            #expect(try await store.openCase(subject: .service("s1"), category: .phishing, track: .termsOfService, updatedSince: now) == nil)

            // Actions are idempotent by key.
            let action = Action(caseID: caseID, kind: .notify, dueAt: now, idempotencyKey: "case-\(caseID)-notify-1")
            let first = try await store.insertAction(action)
            let second = try await store.insertAction(action)
            #expect(first.id == second.id)
            try await store.updateAction(try #require(first.id), state: .done, attempts: 1, lastError: nil, at: now)
            #expect(try await store.actions(inCase: caseID).map(\.state) == [.done])
            #expect(
                try await store.auditEvents(after: 1, limit: 10).map(\.action) == [
                    "report.ingest", "case.open", "case.state", "case.state", "action.done",
                ])
        }
    }

    /// The same mail twice (same bytes, or the same Message-ID with other Received lines) is one report; the rows
    /// of a feed file are reports of their own, and the file ingested again adds nothing.
    @Test(arguments: TestStores.engines)
    func ingestIsIdempotent(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let now = try Timestamp(rfc3339: "2025-06-01T00:00:00Z")
            let mail = Report(receivedAt: now, channel: .mail, category: .spam, subject: "spam", messageID: "m1@example.org")
            let first = try await store.insertReports([mail], raw: Array("Message-ID: <m1@example.org>\r\n\r\nx".utf8), actor: "test")
            let sameBytes = try await store.insertReports([mail], raw: Array("Message-ID: <m1@example.org>\r\n\r\nx".utf8), actor: "test")
            let otherHops = try await store.insertReports(
                [mail], raw: Array("Received: by mx2\r\nMessage-ID: <m1@example.org>\r\n\r\nx".utf8), actor: "test")
            #expect(first.map(\.isNew) == [true])
            #expect(sameBytes.map(\.isNew) == [false] && sameBytes[0].report.id == first[0].report.id)
            #expect(otherHops.map(\.isNew) == [false] && otherHops[0].report.id == first[0].report.id)

            let feed = Array("timestamp,ip\n2025-06-01 00:00:00,203.0.113.1\n2025-06-01 00:00:01,203.0.113.2\n".utf8)
            let rows = (1...2).map { Report(receivedAt: now, channel: .feed, category: .openService, subject: "row \($0)", row: $0) }
            let stored = try await store.insertReports(rows, raw: feed, actor: "test")
            #expect(stored.map(\.isNew) == [true, true])
            #expect(Set(stored.compactMap(\.report.id)).count == 2)
            let again = try await store.insertReports(rows, raw: feed, actor: "test")
            #expect(again.map(\.isNew) == [false, false])
            #expect(again.map(\.report.id) == stored.map(\.report.id))
            // One audit event per ingest that stored something.
            #expect(try await store.auditEvents(after: 0, limit: 10).map(\.action) == ["report.ingest", "report.ingest"])
        }
    }

    @Test(arguments: TestStores.engines)
    func jobsAreClaimedRetriedAndReclaimedAfterTheLeaseRunsOut(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let t0 = try Timestamp(rfc3339: "2025-06-01T00:00:00Z")
            let a = try await store.enqueue(JobDraft(queue: "notify", payload: #"{"case": 1}"#, runAt: t0, maxAttempts: 2, dedupeKey: "notify-1"))
            let again = try await store.enqueue(JobDraft(queue: "notify", payload: #"{"case": 1}"#, runAt: t0, dedupeKey: "notify-1"))
            #expect(a.id == again.id)
            _ = try await store.enqueue(JobDraft(queue: "notify", payload: "{}", runAt: t0.adding(seconds: 3600)))
            _ = try await store.enqueue(JobDraft(queue: "webhook", payload: "{}", runAt: t0))

            #expect(try await store.claimJobs(queue: "notify", limit: 10, worker: "w1", lease: .seconds(60), now: t0.adding(seconds: -1)).isEmpty)
            let claimed = try await store.claimJobs(queue: "notify", limit: 10, worker: "w1", lease: .seconds(60), now: t0)
            #expect(claimed.map(\.id) == [a.id])
            #expect(claimed[0].attempts == 1 && claimed[0].state == .running && claimed[0].lockedBy == "w1")
            #expect(try await store.claimJobs(queue: "notify", limit: 10, worker: "w2", lease: .seconds(60), now: t0.adding(seconds: 30)).isEmpty)

            // The first worker dies; after its lease the job is due again for another worker.
            let reclaimed = try await store.claimJobs(queue: "notify", limit: 10, worker: "w2", lease: .seconds(60), now: t0.adding(seconds: 61))
            #expect(reclaimed.map(\.id) == [a.id])
            #expect(reclaimed[0].attempts == 2)
            #expect(try await store.completeJob(a.id, worker: "w1", at: t0.adding(seconds: 62)) == false)  // w1 lost it
            // w2 fails it: attempts (2) are used up, so it fails for good even with a retry time.
            #expect(try await store.failJob(a.id, worker: "w2", error: "SMTP 451", retryAt: t0.adding(seconds: 120), at: t0.adding(seconds: 62)))
            let failed = try await store.job(a.id)
            #expect(failed?.state == .failed && failed?.lastError == "SMTP 451")

            let later = try await store.claimJobs(queue: "notify", limit: 10, worker: "w3", lease: .seconds(60), now: t0.adding(seconds: 3600))
            #expect(later.count == 1)
            #expect(
                try await store.failJob(later[0].id, worker: "w3", error: "timeout", retryAt: t0.adding(seconds: 4000), at: t0.adding(seconds: 3601)))
            #expect(try await store.job(later[0].id)?.state == .ready)
            #expect(try await store.claimJobs(queue: "notify", limit: 10, worker: "w3", lease: .seconds(60), now: t0.adding(seconds: 3999)).isEmpty)
            let retried = try await store.claimJobs(queue: "notify", limit: 10, worker: "w3", lease: .seconds(60), now: t0.adding(seconds: 4000))
            #expect(retried.map(\.id) == [later[0].id])
            #expect(try await store.completeJob(later[0].id, worker: "w3", at: t0.adding(seconds: 4001)))
            #expect(try await store.job(later[0].id)?.state == .done)
        }
    }

    /// Many workers claiming at once never get the same job twice (SKIP LOCKED on PostgreSQL, the single writer on
    /// SQLite), and every job is claimed.
    @Test(arguments: TestStores.engines)
    func concurrentWorkersNeverClaimAJobTwice(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            let t0 = try Timestamp(rfc3339: "2025-06-01T00:00:00Z")
            for n in 0..<200 { _ = try await store.enqueue(JobDraft(queue: "q", payload: "\(n)", runAt: t0)) }
            let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let jobs = try await store.claimJobs(queue: "q", limit: 7, worker: "w\(worker)", lease: .seconds(300), now: t0)
                            if jobs.isEmpty { return mine }
                            mine += jobs.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.count == 200)
            #expect(Set(claims).count == 200)
        }
    }

    @Test(arguments: TestStores.engines)
    func auditChainDetectsTamperingAndDeletion(engine: StoreEngineKind) async throws {
        try await TestStores.withStore(engine) { store async throws in
            for n in 1...5 {
                _ = try await store.appendAudit(AuditDraft(actor: "alice", action: "case.view", objectType: "case", objectID: "\(n)"))
            }
            let intact = try await store.verifyAuditChain()
            #expect(intact.isIntact && intact.eventsChecked == 5)
            let events = try await store.auditEvents(after: 0, limit: 10)
            #expect(events.map(\.sequence) == [1, 2, 3, 4, 5])
            #expect(events[0].previousHash == AuditEvent.genesisHash)
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.hash == $1.previousHash })
            #expect(intact.headHash == events[4].hash)

            // The database itself refuses edits.
            await #expect(throws: (any Error).self) { try await store.executeRaw("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3") }
            await #expect(throws: (any Error).self) { try await store.executeRaw("DELETE FROM audit_events WHERE seq = 3") }

            // An attacker with database access drops the guard and rewrites event 3.
            try await dropAuditGuards(store)
            try await store.executeRaw("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
            let tampered = try await store.verifyAuditChain()
            #expect(tampered.problems.map(\.sequence) == [3])
            #expect(tampered.problems[0].description.hasPrefix("audit event 3: altered"))

            // Deleting an event is named as missing.
            try await store.executeRaw("UPDATE audit_events SET actor = 'alice' WHERE seq = 3")
            try await store.executeRaw("DELETE FROM audit_events WHERE seq = 2")
            let deleted = try await store.verifyAuditChain()
            #expect(deleted.problems.first?.description.hasPrefix("audit event 2: missing") == true)
            #expect(deleted.problems.contains { $0.sequence == 3 && $0.reason.hasPrefix("does not follow") })

            // Deleting from the end is caught by the head.
            try await store.executeRaw("DELETE FROM audit_events WHERE seq = 5")
            let truncated = try await store.verifyAuditChain()
            #expect(truncated.problems.contains { $0.sequence == 5 && $0.reason.contains("deleted from the end") })
        }
    }

    func dropAuditGuards(_ store: SQLStore) async throws {
        switch store.engine {
        case .sqlite:
            try await store.executeRaw("DROP TRIGGER audit_events_no_update")
            try await store.executeRaw("DROP TRIGGER audit_events_no_delete")
        case .postgres:
            try await store.executeRaw("DROP TRIGGER audit_events_no_change ON audit_events")
        }
    }

    @Test func configurationComesFromFlagsThenEnvironment() throws {
        #expect(try StoreConfiguration.resolve(dataDirectory: nil, databaseURL: nil, environment: [:]) == .sqlite(directory: "./mogura-data"))
        #expect(
            try StoreConfiguration.resolve(dataDirectory: nil, databaseURL: nil, environment: ["MOGURA_DATA_DIR": "/var/lib/mogura"])
                == .sqlite(directory: "/var/lib/mogura"))
        #expect(
            try StoreConfiguration.resolve(dataDirectory: "/d", databaseURL: nil, environment: ["MOGURA_DATABASE_URL": "postgres://u@h/db"])
                == .postgres(url: "postgres://u@h/db"))
        #expect(
            try StoreConfiguration.resolve(dataDirectory: nil, databaseURL: "postgresql://u:pw@h/db", environment: [:]).description
                == "PostgreSQL at postgresql://u:***@h/db")
        #expect(throws: StoreError.self) { try StoreConfiguration.resolve(dataDirectory: nil, databaseURL: "mysql://h/db", environment: [:]) }
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try? process.run()
    input.fileHandleForWriting.write(Data(bytes))
    try? input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(64))
}
