import Foundation
public import MoguraCore
public import MoguraStore

/// What a request registered without a list says besides its kind and parties.
public struct LegalRequestDetails: Sendable {
    /// When it arrived, if not now (a letter received on Friday, registered on Monday).
    public var receivedAt: Timestamp?
    public var channel = "post"
    public var parentNumber: String?
    public var claimant: String?
    public var rights: String?
    public var requestedItems: [String] = []
    public var locations: [String] = []
    public var statement: String?
    public var electionCase = false
    public var requesterShownAs: String?
    /// Terms-of-service cases the request concerns (the link never runs a playbook).
    public var linkedCaseIDs: [Int64] = []

    public init(
        receivedAt: Timestamp? = nil, channel: String = "post", parentNumber: String? = nil, claimant: String? = nil, rights: String? = nil,
        requestedItems: [String] = [], locations: [String] = [], statement: String? = nil, electionCase: Bool = false,
        requesterShownAs: String? = nil, linkedCaseIDs: [Int64] = []
    ) {
        self.linkedCaseIDs = linkedCaseIDs
        self.receivedAt = receivedAt
        self.channel = channel
        self.parentNumber = parentNumber
        self.claimant = claimant
        self.rights = rights
        self.requestedItems = requestedItems
        self.locations = locations
        self.statement = statement
        self.electionCase = electionCase
        self.requesterShownAs = requesterShownAs
    }
}

extension LegalDesk {
    /// The deadlines a request starts by entering `state`.
    func clocks(for request: LegalRequest, entering state: String, at time: Timestamp) -> [Deadline] {
        LegalClock.of(request.kind, electionCase: request.electionCase ?? false).filter { $0.startsOn == state }.map { clock in
            clock.rule.deadline(from: clock.basis == .receipt ? request.receivedAt : time, calendar: calendar)
        }
    }

    /// Moves a request along its kind's workflow: the move is checked against the workflow and written in one
    /// transaction with everything it implies, only if nobody changed the request meanwhile, audited
    /// (`legal.request.move`, with the note). Clocks the new state ends are met, the ones it starts are stored;
    /// entering `released` (or withdrawing a preservation) ends its holds; a closed request's open-ended internal
    /// holds expire ``closedHoldDays`` later; an extension carries the holds' expiry along.
    /// - Throws: `LegalError` for a move the workflow does not allow, a move reserved to a legal lead, or a
    ///   restore before the counter-notice's 10 US business days.
    @discardableResult
    public func move(_ number: String, to next: String, note: String = "", user: StaffUser, at time: Timestamp) async throws -> LegalRequest {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard next != request.state else { throw LegalError("\(number) is already \(next)") }
        let (step, moved) = try await plan(request, id: id, to: next, note: note, user: user, at: time)
        try await apply(step, user: user, at: time)
        return moved
    }

    /// Writes a step, or fails when the request changed meanwhile.
    func apply(_ step: LegalStep, user: StaffUser, at time: Timestamp) async throws {
        guard try await store.applyLegalStep(step, actor: user.actor, at: time) else {
            throw LegalError("\(step.number) changed meanwhile; look again")
        }
    }

    /// The step that moves `request` to `next` (or keeps its state, `next == request.state`), with `documents`.
    func plan(
        _ request: LegalRequest, id: Int64, to next: String, note: String, documents: [RenderedDocument] = [], user: StaffUser, at time: Timestamp
    ) async throws -> (LegalStep, LegalRequest) {
        var moved = request
        if next != request.state {
            if LegalClock.needsLead(request.kind, from: request.state, to: next) && !user.roles.contains(.legalLead) {
                throw LegalError("only a legal lead moves a \(request.kind.rawValue) from \(request.state) to \(next)")
            }
            if next == "restored", let earliest = LegalClock.restoreTooEarly(request, at: time, calendar: calendar) {
                throw LegalError("a counter-notice's material is restored no sooner than 10 US business days after receipt: on or after \(earliest)")
            }
            try moved.move(to: next)
        }
        var step = LegalStep(
            requestID: id, number: request.number, from: request.state, to: moved.state, expectedPayload: try Self.json(request),
            payload: try Self.json(moved))
        step.note = note.isEmpty ? nil : note
        step.touch = !(request.isClosed && next == request.state)
        if next != request.state {
            // A closed request ends every clock it still runs (a withdrawn one waives them); any move ends a wait for
            // the requester's correction.
            let running = LegalClock.of(request.kind, electionCase: request.electionCase ?? false)
            let ending = Set(running.filter { $0.metOn.contains(next) }.map(\.rule.id) + [StandardDeadlineRules.correctionReply.id])
            for row in try await store.legalDeadlines(requestID: id)
            where row.status == Deadline.Status.pending.rawValue && (moved.isClosed || ending.contains(row.ruleID)) {
                guard let rowID = row.id else { continue }
                var deadline = try JSONDecoder().decode(Deadline.self, from: Data(row.payload.utf8))
                deadline.status = next == "withdrawn" ? .waived : .met
                step.endDeadlines.append((rowID, deadline.status.rawValue, try Self.json(deadline)))
            }
            step.startDeadlines = try clocks(for: moved, entering: next, at: time).map { try Self.row($0) }
            // A preservation superseded by a warrant keeps its holds (the warrant's own) when it is withdrawn later.
            if LegalClock.preservationKinds.contains(request.kind)
                && (next == "released" || (next == "withdrawn" && request.state != "superseded-by-warrant"))
            {
                step.holds = .release
            } else if moved.isClosed {
                step.holds = .expireOpen(at: time.adding(seconds: Int64(closedHoldDays) * 86_400))
            } else if next == "extended", let until = step.startDeadlines.first?.dueAt {
                step.holds = .extend(until: until)
            }
        }
        step.documents = try documents.map {
            LegalDocumentRow(
                templateID: $0.templateID, version: $0.templateVersion, recipient: $0.recipient, sha256: $0.sha256, payload: try Self.json($0))
        }
        return (step, moved)
    }

    /// A deadline as stored for a request (its id set when written).
    static func row(_ deadline: Deadline, requestID: Int64 = 0) throws -> LegalDeadlineRow {
        LegalDeadlineRow(
            requestID: requestID, ruleID: deadline.rule.id, dueAt: deadline.dueAt, status: deadline.status.rawValue, payload: try json(deadline))
    }

    /// Links a terms-of-service case to a request, audited (`legal.case.link`); the link shows on the request and never runs
    /// a playbook or moves the case.
    /// - Throws: `LegalError` when there is no such case.
    public func linkCase(_ number: String, caseID: Int64, user: StaffUser, at time: Timestamp) async throws {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard try await store.case(caseID) != nil else { throw LegalError("there is no case \(caseID)") }
        guard !request.linkedCaseIDs.contains(caseID) else { return }
        var changed = request
        changed.linkedCaseIDs.append(caseID)
        try await save(id, request, changed, events: [("legal.case.link", try Self.json(["case": String(caseID)]))], user: user, at: time)
    }

    /// A request's deadlines as stored, soonest first.
    public func deadlines(_ number: String, user: StaffUser) async throws -> [Deadline] {
        let (id, _) = try await request(number, user: user)
        return try await store.legalDeadlines(requestID: id).map { try JSONDecoder().decode(Deadline.self, from: Data($0.payload.utf8)) }
    }
}

/// A hold as the provider's log systems read it (`mogura legal holds`, `GET /api/v1/legal/holds`): what to keep and
/// until when — no request, requester or basis.
public struct HoldExport: Hashable, Sendable, Codable {
    public var id: Int64
    public var sources: [String]
    public var customer: String?
    public var service: String?
    public var indicator: String?
    public var windowFrom: Timestamp
    public var windowTo: Timestamp
    /// nil: until Mogura releases it.
    public var expiresAt: Timestamp?
}

extension LegalDesk {
    /// Applies a preservation hold for a request over log sources, a subscriber and/or an indicator, and a window.
    /// - Parameters:
    ///   - indicator: `kind:value` (`ip:203.0.113.7`, `domain:example.jp`, `email:…`); stored in canonical form.
    ///   - expires: when the hold ends by itself (a police preservation's 30 days); nil until released.
    /// - Throws: `LegalError` for a closed request, a hold that names nothing to keep, a bad indicator or window.
    @discardableResult
    public func applyHold(
        _ number: String, basis: String, customerID: String?, serviceID: String? = nil, indicator: String?, sources: [String], from: Timestamp,
        to: Timestamp, expires: Timestamp?, user: StaffUser, at time: Timestamp
    ) async throws -> LegalHoldRow {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard !request.isClosed else { throw LegalError("\(number) is \(request.state); a hold belongs to an open request") }
        guard !sources.isEmpty else { throw LegalError("name the log sources to keep (access-logs, nat-logs, mail-logs, reports, …)") }
        guard from <= to else { throw LegalError("the window starts after it ends") }
        guard customerID != nil || serviceID != nil || indicator != nil else {
            throw LegalError("a hold names a subscriber, a service or an indicator; a hold on everything is not applied from here")
        }
        var canonical: String?
        if let indicator {
            guard let colon = indicator.firstIndex(of: ":") else { throw LegalError("\(indicator) is not kind:value (ip:203.0.113.7)") }
            do {
                let parsed = try Indicator(kind: indicator[..<colon].lowercased(), value: String(indicator[indicator.index(after: colon)...]))
                canonical = "\(parsed.kind):\(parsed.value)"
            } catch { throw LegalError("\(indicator) is not an indicator: \(error)") }
        }
        let hold = LegalHoldRow(
            requestID: id, basis: basis, customerID: customerID, serviceID: serviceID, sources: sources, windowFrom: from, windowTo: to,
            startsAt: time,
            expiresAt: expires, indicator: canonical)
        try await store.addLegalHolds([hold], actor: user.actor, at: time)
        return hold
    }

    /// Every hold in force at `time`, for the provider's log systems: legal staff and network operators; the
    /// listing is audited.
    public func holdsInForce(user: StaffUser, at time: Timestamp) async throws -> [HoldExport] {
        try await require(.lookup, user, "holds")
        _ = try await store.appendAudit(AuditDraft(at: time, actor: user.actor, action: "legal.hold.list", objectType: "legal_hold"))
        return try await store.legalHolds(requestID: nil).filter { $0.isActive(at: time) }.map {
            HoldExport(
                id: $0.id ?? 0, sources: $0.sources, customer: $0.customerID, service: $0.serviceID, indicator: $0.indicator,
                windowFrom: $0.windowFrom,
                windowTo: $0.windowTo, expiresAt: $0.expiresAt)
        }
    }
}
