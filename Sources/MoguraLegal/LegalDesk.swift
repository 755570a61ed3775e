import Foundation
public import MoguraCore
public import MoguraResolve
public import MoguraStore

/// What a person may do on the legal track (`legal-track.md` §9.7). Everyone else learns nothing: the web answers
/// 404 for every legal page and endpoint.
public enum LegalCapability: String, Sendable, CaseIterable {
    /// See that requests exist, open one (parties, claim, rows, results).
    case view
    /// Run or look at row lookups: the rows' address, port and time only — no requester, claim or result.
    case lookup
    /// Import lists, move requests, render and send documents, propose disclosures, reveal subscriber data.
    case prepare
    /// Approve a disclosure (the second approval must be a legal lead other than the proposer).
    case approve

    /// Whether `user` has the capability.
    public func allowed(for user: StaffUser) -> Bool {
        guard user.disabledAt == nil else { return false }
        switch self {
        case .view, .prepare: return user.seesLegalTrack
        case .lookup: return user.seesLegalTrack || user.roles.contains(.networkOperator)
        case .approve: return user.seesLegalTrack
        }
    }
}

/// Refused on the legal track. The web turns it into 404, so a refusal does not say that a request exists.
public struct LegalAccessDenied: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A row as a network operator sees it: enough to run the lookup, nothing of the requester, claim or result.
public struct OperatorRowView: Hashable, Sendable, Codable {
    public var position: Int
    public var rowNumber: String
    public var address: String?
    public var port: UInt16?
    public var time: Timestamp?
    public var zoneAssumed: Bool
}

/// What an import stored.
public struct LegalImportSummary: Sendable {
    public var number: String
    public var rows: Int
    public var counts: [RowOutcome: Int]
    public var groups: [SubscriberGroup]
    public var billableIDs: Int
    public var fee: Int
}

/// The legal track's operations on the store, each checking the person's capability and writing the audit chain:
/// bulk import, viewing, sending sender inquiries, revealing subscriber data with a reason, and disclosure through
/// two approvals into the register.
public struct LegalDesk: Sendable {
    public var store: any LegalRecordStore
    public var calendar: LegalCalendar
    public var renderer: LegalDocumentRenderer
    /// Encrypts subscriber fields; without it, subscriber data cannot be stored or revealed.
    public var cipher: FieldCipher?
    public var retentionDays = 180
    public var toleranceSeconds = 2
    /// Days a closed request's open-ended internal holds (those an import applied) still run, for what may follow
    /// (a court order, an objection); holds of another basis stay until a lead releases them.
    public var closedHoldDays = 90

    public init(store: any LegalRecordStore, calendar: LegalCalendar, renderer: LegalDocumentRenderer, cipher: FieldCipher? = nil) {
        self.store = store
        self.calendar = calendar
        self.renderer = renderer
        self.cipher = cipher
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// A value as JSON with sorted keys, as the legal records are stored.
    public static func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    func require(_ capability: LegalCapability, _ user: StaffUser, _ what: String) async throws {
        guard capability.allowed(for: user) else {
            _ = try await store.appendAudit(
                AuditDraft(actor: user.actor, action: "legal.access.denied", objectType: "legal_request", objectID: what, details: "{}"))
            throw LegalAccessDenied(description: "not found")
        }
    }

    /// Imports a claimant's list as a new request: rows read, resolved, de-duplicated against the claimant's stored
    /// rows, grouped; request, rows and the audit event in one transaction.
    public func importClaimList(
        _ bytes: [UInt8], name: String, number: String, kind: LegalRequestKind = .disclosureRequest, claimant: String, requesterShownAs: String,
        rights: String, items: [String], feePerID: Int = 0, index: InventoryIndex, user: StaffUser, now: Timestamp
    ) async throws -> LegalImportSummary {
        try await require(.prepare, user, number)
        guard try await store.legalRequest(number: number) == nil else { throw LegalError("a request numbered \(number) exists already") }
        let rows = try ClaimListReader().read(bytes, name: name)
        // Another import of the same claimant may store some of these rows between reading the keys and storing:
        // the store refuses that, and the import runs once more against the keys as they are then.
        for attempt in 1...2 {
            do {
                return try await importRows(
                    rows, number: number, kind: kind, claimant: claimant, requesterShownAs: requesterShownAs, rights: rights, items: items,
                    feePerID: feePerID, index: index, user: user, now: now)
            } catch let conflict as LegalDuplicateConflict {
                if attempt == 2 { throw LegalError(conflict.description) }
            }
        }
        throw LegalError("\(number) could not be imported")
    }

    func importRows(
        _ rows: [ClaimRow], number: String, kind: LegalRequestKind, claimant: String, requesterShownAs: String, rights: String, items: [String],
        feePerID: Int, index: InventoryIndex, user: StaffUser, now: Timestamp
    ) async throws -> LegalImportSummary {
        let earlier = try await store.legalDedupeKeys(claimant: claimant)
        var batch = ClaimBatch(index: index, actor: user.actor)
        batch.retentionDays = retentionDays
        batch.toleranceSeconds = toleranceSeconds
        batch.feePerID = feePerID
        let result = batch.run(rows, earlier: earlier, now: now)
        var request = LegalRequest(number: number, kind: kind, receivedAt: now, claimant: claimant)
        request.requesterShownAs = requesterShownAs
        request.rights = rights
        request.requestedItems = items
        request.feePerID = feePerID
        request.billableIDs = result.billableIDs
        request.subscriberNames = Dictionary(result.groups.map { ($0.customerID, $0.customerName) }, uniquingKeysWith: { first, _ in first })
        if kind == .disclosureRequest {
            try request.move(to: "screening")
            try request.move(to: "identifying")
        }
        let items = try result.rows.enumerated().map { position, row in
            LegalItemRow(
                position: position, outcome: row.outcome.rawValue, customerID: row.lookup?.customerID, dedupeKey: row.row.dedupeKey,
                payload: try Self.json(row))
        }
        // Hold what the subscribers' rows rest on until the request ends: a day either side of their rows' times;
        // stored with the request and its rows in one transaction.
        let holds = result.groups.map { group in
            LegalHoldRow(
                requestID: 0, basis: "internal", customerID: group.customerID, serviceID: group.serviceIDs.first, sources: Self.heldSources,
                windowFrom: group.holdFrom.adding(seconds: -86_400), windowTo: group.holdTo.adding(seconds: 86_400), startsAt: now)
        }
        _ = try await store.createLegalRequest(
            LegalRequestRow(
                number: number, kind: kind.rawValue, state: request.state, claimant: claimant, receivedAt: now, updatedAt: now,
                payload: try Self.json(request)), items: items, deadlines: [], holds: holds, actor: user.actor)
        return LegalImportSummary(
            number: number, rows: result.rows.count, counts: result.counts, groups: result.groups, billableIDs: result.billableIDs, fee: result.fee)
    }

    /// What a request's holds keep by default.
    public static let heldSources = ["access-logs", "nat-logs", "reports"]

    /// Releases a request's holds (when it has ended, or the order that asked for them is lifted).
    public func releaseHolds(_ number: String, user: StaffUser, at time: Timestamp) async throws -> Int {
        try await require(.approve, user, number)
        guard user.roles.contains(.legalLead) else { throw LegalError("holds are released by a legal lead") }
        let (id, _) = try await request(number, user: user)
        return try await store.releaseLegalHolds(requestID: id, actor: user.actor, at: time)
    }

    /// A request, for legal staff; the view is audited.
    public func request(_ number: String, user: StaffUser) async throws -> (id: Int64, request: LegalRequest) {
        try await require(.view, user, number)
        guard let row = try await store.legalRequest(number: number), let id = row.id else { throw LegalAccessDenied(description: "not found") }
        _ = try await store.appendAudit(AuditDraft(actor: user.actor, action: "legal.view", objectType: "legal_request", objectID: number))
        return (id, try JSONDecoder().decode(LegalRequest.self, from: Data(row.payload.utf8)))
    }

    /// A request's rows with their results, for legal staff.
    public func rows(_ number: String, user: StaffUser) async throws -> [ResolvedRow] {
        let (id, _) = try await request(number, user: user)
        return try await store.legalItems(requestID: id, offset: 0, limit: 1_000_000).map {
            try JSONDecoder().decode(ResolvedRow.self, from: Data($0.payload.utf8))
        }
    }

    /// A request's rows as a network operator sees them (address, port, time); audited as a lookup view.
    public func operatorRows(_ number: String, user: StaffUser) async throws -> [OperatorRowView] {
        try await require(.lookup, user, number)
        guard let row = try await store.legalRequest(number: number), let id = row.id else { throw LegalAccessDenied(description: "not found") }
        _ = try await store.appendAudit(AuditDraft(actor: user.actor, action: "legal.lookup.view", objectType: "legal_request", objectID: number))
        return try await store.legalItems(requestID: id, offset: 0, limit: 1_000_000).map {
            let resolved = try JSONDecoder().decode(ResolvedRow.self, from: Data($0.payload.utf8))
            return OperatorRowView(
                position: $0.position, rowNumber: resolved.row.rowNumber, address: resolved.row.address?.description, port: resolved.row.port,
                time: resolved.row.time, zoneAssumed: resolved.row.zoneAssumed)
        }
    }

    /// Renders and keeps one 意見照会書 per subscriber, starts each reply deadline (from `delivered`), and moves the
    /// request to `awaiting-sender`.
    public func sendOpinionInquiries(_ number: String, user: StaffUser, issued: Timestamp, delivered: Timestamp) async throws -> [RenderedDocument] {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard request.kind.workflow.allows(from: request.state, to: "awaiting-sender") else {
            throw LegalError("\(number) is \(request.state); inquiries are sent from identifying")
        }
        let resolved = try await rows(number, user: user)
        let groups = SubscriberGroup.groups(resolved, names: request.subscriberNames)
        let deadline = StandardDeadlineRules.opinionInquiryReply.deadline(from: delivered, calendar: calendar)
        var documents: [RenderedDocument] = []
        for group in groups {
            documents.append(
                try renderer.opinionInquiry(
                    request: request, group: group, rows: resolved, requester: request.requesterShownAs ?? "（請求者の希望により非表示）",
                    rights: request.rights ?? "", items: request.requestedItems, deadline: deadline, issued: issued))
        }
        // The move, the documents and the reply deadline in one transaction: a second call fails on the move.
        var (step, _) = try await plan(request, id: id, to: "awaiting-sender", note: "", documents: documents, user: user, at: issued)
        if !groups.isEmpty { step.startDeadlines.append(try Self.row(deadline)) }
        try await apply(step, user: user, at: issued)
        return documents
    }

    /// Keeps a subscriber's personal data for a request, each field encrypted.
    public func saveSubject(_ number: String, customerID: String, fields: [String: String], user: StaffUser, at time: Timestamp) async throws {
        try await require(.prepare, user, number)
        guard let cipher else { throw LegalError("no key for subscriber data is configured (MOGURA_LEGAL_KEYS_FILE)") }
        let (id, _) = try await request(number, user: user)
        var sealed: [String: String] = [:]
        for (field, value) in fields { sealed[field] = try cipher.seal(value, field: field) }
        try await store.saveLegalSubject(requestID: id, customerID: customerID, sealedFields: try Self.json(sealed), actor: user.actor, at: time)
    }

    /// A subscriber's fields, masked (no reason needed, nothing decrypted beyond the mask).
    public func maskedSubject(_ number: String, customerID: String, user: StaffUser) async throws -> [String: String] {
        let (id, _) = try await request(number, user: user)
        guard let cipher, let stored = try await store.legalSubject(requestID: id, customerID: customerID) else { return [:] }
        let sealed = try JSONDecoder().decode([String: String].self, from: Data(stored.utf8))
        var masked: [String: String] = [:]
        for (field, value) in sealed { masked[field] = PersonalDataMask.mask(try cipher.open(value, field: field), field: field) }
        return masked
    }

    /// One field in clear, with a reason; the reveal is audited with the field and the reason.
    /// - Throws: `LegalError` without a reason.
    public func reveal(
        _ number: String, customerID: String, field: String, reason: String, user: StaffUser, at time: Timestamp
    ) async throws
        -> String?
    {
        try await require(.prepare, user, number)
        guard reason.trimmingCharacters(in: .whitespacesAndNewlines).count >= 4 else {
            throw LegalError("a reveal needs a reason (why this field, for which step)")
        }
        guard let cipher else { throw LegalError("no key for subscriber data is configured (MOGURA_LEGAL_KEYS_FILE)") }
        let (id, _) = try await request(number, user: user)
        guard let stored = try await store.legalSubject(requestID: id, customerID: customerID),
            let value = try JSONDecoder().decode([String: String].self, from: Data(stored.utf8))[field]
        else { return nil }
        _ = try await store.appendAudit(
            AuditDraft(
                at: time, actor: user.actor, action: "legal.pii.reveal", objectType: "legal_subject", objectID: "\(number)/\(customerID)",
                details: try Self.json(["field": field, "reason": reason])))
        return try cipher.open(value, field: field)
    }

    /// Proposes a disclosure of one subscriber's identity.
    public func proposeDisclosure(
        _ number: String, customerID: String, items: [String], recipient: String, basis: String, user: StaffUser, at time: Timestamp
    )
        async throws
    {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        let rows = try await self.rows(number, user: user).filter { $0.lookup?.customerID == customerID && $0.outcome == .resolved }
        guard !rows.isEmpty else { throw LegalError("no resolved row of \(customerID) in \(number)") }
        guard !request.isClosed else { throw LegalError("\(number) is \(request.state)") }
        // One open proposal per subscriber: approvals stay attached to what the approvers saw.
        guard !request.proposals.contains(where: { $0.customerID == customerID && $0.releasedAt == nil }) else {
            throw LegalError("a disclosure of \(customerID) is already proposed in \(number); approve or release it")
        }
        var changed = request
        changed.proposals.append(
            DisclosureProposal(
                requestNumber: number, customerID: customerID, rows: rows.map(\.row.rowNumber), items: items, recipient: recipient, basis: basis,
                proposedBy: user.login, proposedAt: time))
        try await save(
            id, request, changed,
            events: [("legal.disclosure.propose", try Self.json(["customer": customerID, "recipient": recipient, "basis": basis]))],
            user: user, at: time)
    }

    /// Approves the open proposal for a subscriber.
    public func approveDisclosure(_ number: String, customerID: String, note: String = "", user: StaffUser, at time: Timestamp) async throws {
        try await require(.approve, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard let position = request.proposals.lastIndex(where: { $0.customerID == customerID }) else {
            throw LegalError("no disclosure of \(customerID) is proposed in \(number)")
        }
        var changed = request
        try DisclosureGate.approve(&changed.proposals[position], by: user, note: note, at: time)
        try await save(id, request, changed, events: [("legal.disclosure.approve", try Self.json(["customer": customerID]))], user: user, at: time)
    }

    /// Releases an approved proposal into the register.
    /// - Throws: `LegalError` naming what the two-approval rule still misses.
    public func releaseDisclosure(_ number: String, customerID: String, user: StaffUser, at time: Timestamp) async throws -> DisclosureRecord {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard !request.isClosed else { throw LegalError("\(number) is \(request.state)") }
        guard let position = request.proposals.lastIndex(where: { $0.customerID == customerID }) else {
            throw LegalError("no disclosure of \(customerID) is proposed in \(number)")
        }
        var register = DisclosureRegister()
        var record = try DisclosureGate.release(request.proposals[position], into: &register, at: time)
        var changed = request
        changed.proposals[position].releasedAt = time
        // The register's record and the proposal's release in one transaction, if nobody changed the request meanwhile.
        guard
            let sequence = try await store.appendDisclosure(
                requestID: id, payload: try Self.json(record), number: number, expectedPayload: try Self.json(request),
                releasedPayload: try Self.json(changed), actor: user.actor, at: time)
        else { throw LegalError("\(number) changed meanwhile; look again") }
        record.sequence = Int(sequence)
        return record
    }

    /// Records a subscriber's answer to the 意見照会 (from the returned 回答書, or no answer by the deadline).
    public func recordAnswer(_ number: String, customerID: String, answer: SenderAnswer, user: StaffUser, at time: Timestamp) async throws {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard request.subscriberNames[customerID] != nil else { throw LegalError("\(customerID) is not a subscriber of \(number)") }
        var changed = request
        changed.senderAnswers[customerID] = answer
        // Every subscriber has answered: the reply deadline is met, and the watch no longer escalates it.
        var met: [(Int64, String, String)] = []
        if changed.senderAnswers.count >= changed.subscriberNames.count {
            for deadline in try await store.legalDeadlines(requestID: id)
            where deadline.ruleID == StandardDeadlineRules.opinionInquiryReply.id && deadline.status == Deadline.Status.pending.rawValue {
                guard let rowID = deadline.id else { continue }
                var stored = try JSONDecoder().decode(Deadline.self, from: Data(deadline.payload.utf8))
                stored.status = .met
                met.append((rowID, "met", try Self.json(stored)))
            }
        }
        try await save(
            id, request, changed, events: [("legal.answer.record", try Self.json(["customer": customerID, "answer": answer.kind.rawValue]))],
            endDeadlines: met, user: user, at: time)
    }

    /// Proposes a decision for every row from what is known — the row's outcome and its subscriber's answer —
    /// and stores it: a consenting subscriber's rows are disclosed, an objecting or silent subscriber's refused
    /// (out of court, silence is not consent), rows without logs 不存在, unidentifiable rows 特定不能, rows not ours
    /// referred. Staff change single rows with ``decide(_:positions:outcome:reason:user:at:)``.
    public func decideFromAnswers(_ number: String, user: StaffUser, at time: Timestamp) async throws -> [RowDecision.Outcome: Int] {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        let rows = try await self.rows(number, user: user)
        var updates: [(position: Int, payload: String)] = []
        var counts: [RowDecision.Outcome: Int] = [:]
        for (position, row) in rows.enumerated() where row.outcome != .duplicate && row.outcome != .invalid {
            let outcome: RowDecision.Outcome
            let reason: String
            switch row.outcome {
            case .resolved:
                switch row.lookup?.customerID.flatMap({ request.senderAnswers[$0] })?.kind {
                case .consent?, .partial?: (outcome, reason) = (.disclose, "契約者の同意")
                case .refuse?: (outcome, reason) = (.refuse, "契約者が開示に同意しない（裁判外）")
                case .noAnswer?, nil: (outcome, reason) = (.refuse, "契約者の回答なし（同意とは扱わない）")
                }
            case .noLogs: (outcome, reason) = (.notHeld, "ログ保存期間経過")
            case .notIdentifiable: (outcome, reason) = (.notIdentifiable, row.reason)
            case .notOurs: (outcome, reason) = (.referred, "当社の割当てではない")
            case .invalid, .duplicate: continue
            }
            var decided = row
            decided.decision = RowDecision(outcome: outcome, reason: reason, decidedBy: user.login, decidedAt: time)
            updates.append((position, try Self.json(decided)))
            counts[outcome, default: 0] += 1
        }
        try await store.updateLegalItems(requestID: id, items: updates, actor: user.actor, at: time)
        return counts
    }

    /// Sets the decision of some rows by hand.
    public func decide(
        _ number: String, positions: [Int], outcome: RowDecision.Outcome, reason: String, user: StaffUser, at time: Timestamp
    )
        async throws
    {
        try await require(.prepare, user, number)
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw LegalError("a decision needs a reason") }
        let (id, _) = try await self.request(number, user: user)
        let rows = try await self.rows(number, user: user)
        var updates: [(position: Int, payload: String)] = []
        for position in positions {
            guard rows.indices.contains(position) else { throw LegalError("\(number) has no row at position \(position)") }
            if outcome == .disclose && rows[position].outcome != .resolved {
                throw LegalError("row \(rows[position].row.rowNumber) did not resolve to a subscriber; it cannot be disclosed")
            }
            var decided = rows[position]
            decided.decision = RowDecision(outcome: outcome, reason: reason, decidedBy: user.login, decidedAt: time)
            updates.append((position, try Self.json(decided)))
        }
        try await store.updateLegalItems(requestID: id, items: updates, actor: user.actor, at: time)
    }

    /// Renders and keeps the answer to the requester, with the per-row 別紙 of decisions.
    public func answerRequester(_ number: String, user: StaffUser, at time: Timestamp) async throws -> RenderedDocument {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        let rows = try await self.rows(number, user: user)
        return try await keep(renderer.answerToRequester(request: request, rows: rows, issued: time), requestID: id, user: user, at: time)
    }

    /// Renders and keeps the acknowledgement to the requester (受付のお知らせ).
    public func acknowledge(_ number: String, user: StaffUser, at time: Timestamp) async throws -> RenderedDocument {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        let rows = try await store.legalItems(requestID: id, offset: 0, limit: 1_000_000).count
        return try await keep(renderer.acknowledgement(request: request, rowCount: rows, issued: time), requestID: id, user: user, at: time)
    }

    /// Renders and keeps the answer to police: answered items as answered, the rest with the reason.
    public func answerPolice(_ number: String, user: StaffUser, at time: Timestamp) async throws -> RenderedDocument {
        try await require(.approve, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard request.kind == .policeInquiry else { throw LegalError("\(number) is not a police inquiry") }
        return try await keep(renderer.policeAnswer(request: request, issued: time), requestID: id, user: user, at: time)
    }

    func keep(_ document: RenderedDocument, requestID: Int64, user: StaffUser, at time: Timestamp) async throws -> RenderedDocument {
        _ = try await store.saveLegalDocument(
            requestID: requestID, templateID: document.templateID, version: document.templateVersion, recipient: document.recipient,
            sha256: document.sha256, payload: try Self.json(document), actor: user.actor, at: time)
        return document
    }

    /// One pass of the deadline watch over every pending deadline whose reminder windows may have opened: each
    /// reminder raised once, each miss escalated once (the store changes only a pending deadline, so two watches
    /// at once escalate once). Runs under `mogura serve` (``LegalDeadlineWatcher``) and as `mogura legal watch`.
    /// - Returns: how many deadlines were pending, and one line per event raised.
    public func watchDeadlines(now: Timestamp, actor: String = "legal-watch") async throws -> (pending: Int, events: [String]) {
        let pending = try await store.legalDeadlines(pendingBefore: now.adding(seconds: 31 * 86_400), limit: 10_000)
        var lines: [String] = []
        var numbers: [Int64: String] = [:]
        func number(_ requestID: Int64) async throws -> String {
            if numbers.isEmpty {
                for row in try await store.legalRequests(includeClosed: true, limit: 1_000_000) { if let id = row.id { numbers[id] = row.number } }
            }
            return numbers[requestID] ?? "request \(requestID)"
        }
        for row in pending {
            guard let id = row.id else { continue }
            var deadlines = [try JSONDecoder().decode(Deadline.self, from: Data(row.payload.utf8))]
            for event in DeadlineWatch.evaluate(&deadlines, now: now) {
                let name: String
                let line: String
                switch event {
                case .reminder(_, let before):
                    name = "reminder"
                    line = "reminder: \(try await number(row.requestID)) deadline \(id) (\(row.ruleID)) due \(row.dueAt), \(before / 3_600) h left"
                case .missed:
                    name = "missed"
                    line = "MISSED: \(try await number(row.requestID)) deadline \(id) (\(row.ruleID)) was due \(row.dueAt); escalated"
                }
                guard
                    try await store.updateLegalDeadline(
                        id, status: deadlines[0].status.rawValue, payload: try Self.json(deadlines[0]), event: name, actor: actor, at: now)
                else { continue }
                lines.append(line)
            }
        }
        return (pending.count, lines)
    }

    /// The next free request number of the year (in JST): `LR-2026-000123`.
    public func nextNumber(at time: Timestamp) async throws -> String {
        let prefix = "LR-\(CivilDate(time, offsetSeconds: 9 * 3_600).year)-"
        let used = try await store.legalRequests(includeClosed: true, limit: 1_000_000).compactMap { row in
            row.number.hasPrefix(prefix) ? Int(row.number.dropFirst(prefix.count)) : nil
        }
        let next = String((used.max() ?? 0) + 1)
        return prefix + String(repeating: "0", count: max(0, 6 - next.count)) + next
    }

    /// Registers a request that arrives without a list (a police inquiry, a takedown request, a court order, …) and
    /// starts the clocks its first state runs (a DSA notice's decision objective).
    public func createRequest(
        number: String, kind: LegalRequestKind, externalReference: String?, parties: [LegalParty], items: [PoliceInquiryItem],
        details: LegalRequestDetails = LegalRequestDetails(), user: StaffUser, at time: Timestamp
    ) async throws -> LegalRequest {
        try await require(.prepare, user, number)
        guard try await store.legalRequest(number: number) == nil else { throw LegalError("a request numbered \(number) exists already") }
        if let parent = details.parentNumber, try await store.legalRequest(number: parent) == nil {
            throw LegalError("there is no request numbered \(parent) to branch from")
        }
        for caseID in details.linkedCaseIDs where try await store.case(caseID) == nil { throw LegalError("there is no case \(caseID)") }
        var request = LegalRequest(
            number: number, kind: kind, receivedAt: details.receivedAt ?? time, channel: details.channel, externalReference: externalReference,
            parties: parties, parentNumber: details.parentNumber, linkedCaseIDs: details.linkedCaseIDs, claimant: details.claimant)
        request.inquiryItems = items
        request.rights = details.rights
        request.requestedItems = details.requestedItems
        request.locations = details.locations.isEmpty ? nil : details.locations
        request.statement = details.statement
        request.electionCase = details.electionCase ? true : nil
        request.requesterShownAs = details.requesterShownAs
        let deadlines = try clocks(for: request, entering: request.state, at: time).map { deadline in
            LegalDeadlineRow(
                requestID: 0, ruleID: deadline.rule.id, dueAt: deadline.dueAt, status: deadline.status.rawValue, payload: try Self.json(deadline))
        }
        do {
            _ = try await store.createLegalRequest(
                LegalRequestRow(
                    number: number, kind: kind.rawValue, state: request.state, claimant: request.claimant, receivedAt: request.receivedAt,
                    updatedAt: time, payload: try Self.json(request)), items: [], deadlines: deadlines, holds: [], actor: user.actor)
        } catch {
            if (try? await store.legalRequest(number: number)) != nil {
                throw LegalError("a request numbered \(number) was registered meanwhile; register again for the next number")
            }
            throw error
        }
        return request
    }

    /// Records a warrant shown for the request; a legal lead verifies it (the name is recorded as verifier).
    public func attachWarrant(_ number: String, warrant: Warrant, user: StaffUser, at time: Timestamp) async throws {
        try await require(.approve, user, number)
        guard user.roles.contains(.legalLead) else { throw LegalError("a warrant is verified by a legal lead") }
        let (id, request) = try await self.request(number, user: user)
        var changed = request
        var verified = warrant
        verified.verifiedBy = user.login
        changed.warrant = verified
        try await save(
            id, request, changed,
            events: [("legal.warrant.attach", try Self.json(["kind": warrant.kind, "court": warrant.court, "number": warrant.number]))],
            user: user, at: time)
    }

    /// Answers one item of a police inquiry. An item under 通信の秘密 is refused without a verified warrant
    /// (``PoliceAnswerRule``), for every role; the refusal is audited.
    public func answerPoliceItem(_ number: String, item index: Int, answer: String, user: StaffUser, at time: Timestamp) async throws {
        try await require(.approve, user, number)
        guard user.roles.contains(.legalLead) else { throw LegalError("answers to police are approved by a legal lead") }
        let (id, request) = try await self.request(number, user: user)
        guard request.kind == .policeInquiry, request.inquiryItems.indices.contains(index) else {
            throw LegalError("\(number) has no police inquiry item \(index)")
        }
        do {
            try PoliceAnswerRule.check(request.inquiryItems[index].itemClass, warrant: request.warrant)
        } catch {
            _ = try await store.appendAudit(
                AuditDraft(
                    at: time, actor: user.actor, action: "legal.police.refused", objectType: "legal_request", objectID: number,
                    details: try Self.json(["item": String(index), "class": request.inquiryItems[index].itemClass.rawValue])))
            throw error
        }
        var changed = request
        changed.inquiryItems[index].answer = answer
        changed.inquiryItems[index].answeredBy = user.login
        changed.inquiryItems[index].answeredAt = time
        try await save(
            id, request, changed,
            events: [("legal.police.answer", try Self.json(["item": String(index), "class": request.inquiryItems[index].itemClass.rawValue]))],
            user: user, at: time)
    }

    /// Stores `after` if the stored request is still `before` (state and content), with `events` audited in the
    /// same transaction: two changes at once never overwrite each other, and no change goes unrecorded.
    func save(
        _ id: Int64, _ before: LegalRequest, _ after: LegalRequest, events: [(action: String, details: String)] = [],
        endDeadlines: [(Int64, String, String)] = [],
        user: StaffUser, at time: Timestamp
    ) async throws {
        var step = LegalStep(
            requestID: id, number: before.number, from: before.state, to: after.state, expectedPayload: try Self.json(before),
            payload: try Self.json(after))
        step.events = events
        step.touch = !(before.isClosed && before.state == after.state)
        step.endDeadlines = endDeadlines.map { (id: $0.0, status: $0.1, payload: $0.2) }
        try await apply(step, user: user, at: time)
    }
}
