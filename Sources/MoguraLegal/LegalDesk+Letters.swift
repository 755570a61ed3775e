import Foundation
public import MoguraCore
import MoguraStore

/// What a letter needs besides its request.
public struct LetterOptions: Sendable {
    /// For a correction request: what the request lacks.
    public var missing: [String] = []
    /// For a notice after disclosure: the subscriber.
    public var customerID: String?
    /// The addressee where the request does not name one (the sender of a takedown, a DMCA subscriber, a DSA
    /// recipient, a complainant).
    public var recipient: String?
    /// The reasons of a takedown answer or the grounds of a DSA decision.
    public var reason: String?
    /// For a DSA letter: whether automated means were used.
    public var automated = false

    public init(missing: [String] = [], customerID: String? = nil, recipient: String? = nil, reason: String? = nil, automated: Bool = false) {
        self.missing = missing
        self.customerID = customerID
        self.recipient = recipient
        self.reason = reason
        self.automated = automated
    }
}

extension LegalDesk {
    /// Renders and keeps a letter, moving the request on where the letter is the step itself: a correction request
    /// puts a disclosure request in `awaiting-requester` (14 days), a takedown inquiry in `inquiring-sender`
    /// (7 or 2 days), a takedown answer in `notifying`, a DMCA removal notice in `subscriber-notified`, a forwarded
    /// counter-notice in `complainant-notified` (the restore window), a DSA decision in `decision-notified`.
    /// - Throws: `LegalError` when the letter is not for this kind or state, or what it needs is missing.
    public func letter(
        _ letter: LegalLetter, number: String, options: LetterOptions = LetterOptions(), user: StaffUser, at time: Timestamp
    )
        async throws -> [RenderedDocument]
    {
        try await require(.prepare, user, number)
        let (id, request) = try await self.request(number, user: user)
        guard letter.kinds.contains(request.kind) else {
            throw LegalError(
                "a \(letter.rawValue) letter is for \(letter.kinds.map(\.rawValue).sorted().joined(separator: ", ")), not a \(request.kind.rawValue)")
        }
        func inState(_ states: Set<String>) throws {
            guard states.contains(request.state) else {
                throw LegalError("a \(letter.rawValue) letter is sent in \(states.sorted().joined(separator: " or ")); \(number) is \(request.state)")
            }
        }
        func reason() throws -> String {
            guard let reason = options.reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
                throw LegalError("a \(letter.rawValue) letter needs the reasons (--reason)")
            }
            return reason
        }
        if request.isClosed && letter != .disclosureNotice { throw LegalError("\(number) is \(request.state)") }
        var documents: [RenderedDocument] = []
        var next: String?
        var correctionDeadline: Deadline?
        switch letter {
        case .correction:
            guard !options.missing.isEmpty else { throw LegalError("say what is missing (--missing, once per item)") }
            let deadline = StandardDeadlineRules.correctionReply.deadline(from: time, calendar: calendar)
            documents = [try renderer.correctionRequest(request: request, missing: options.missing, deadline: deadline, issued: time)]
            // A disclosure request waits in awaiting-requester (its clock starts with the move); other kinds keep
            // their state and the deadline runs until their next move.
            if request.kind.workflow.allows(from: request.state, to: "awaiting-requester") {
                next = "awaiting-requester"
            } else {
                correctionDeadline = deadline
            }
        case .reminder:
            try inState(["awaiting-sender"])
            let reply = try await store.legalDeadlines(requestID: id).first {
                $0.ruleID == StandardDeadlineRules.opinionInquiryReply.id && $0.status == Deadline.Status.pending.rawValue
            }
            guard let reply else { throw LegalError("\(number) has no reply deadline running: no inquiry to remind of") }
            let deadline = try JSONDecoder().decode(Deadline.self, from: Data(reply.payload.utf8))
            let rows = try await self.rows(number, user: user)
            for (customerID, name) in request.subscriberNames.sorted(by: { $0.key < $1.key }) where request.senderAnswers[customerID] == nil {
                let count = rows.filter { $0.outcome == .resolved && $0.lookup?.customerID == customerID }.count
                documents.append(
                    try renderer.reminder(request: request, customerID: customerID, name: name, rowCount: count, deadline: deadline, issued: time))
            }
            guard !documents.isEmpty else { throw LegalError("every subscriber of \(number) has answered") }
        case .disclosureNotice:
            guard let customerID = options.customerID else { throw LegalError("name the subscriber (--customer)") }
            let records = try await store.disclosures(requestID: id).map {
                try JSONDecoder().decode(DisclosureRecord.self, from: Data($0.payload.utf8))
            }
            guard let record = records.last(where: { $0.customerID == customerID }) else {
                throw LegalError("nothing of \(customerID) was released for \(number): the notice follows a release")
            }
            let name = request.subscriberNames[customerID] ?? customerID
            documents = [try renderer.disclosureNotice(request: request, record: record, name: name, issued: time)]
        case .takedownInquiry:
            try inState(["assessing"])
            guard let deadline = clocks(for: request, entering: "inquiring-sender", at: time).first else { throw LegalError("no inquiry clock") }
            documents = [try renderer.takedownInquiry(request: request, sender: options.recipient ?? "発信者", deadline: deadline, issued: time)]
            next = "inquiring-sender"
        case .takedownAnswer:
            try inState(["acting", "refusing"])
            documents = [try renderer.takedownAnswer(request: request, removed: request.state == "acting", reason: try reason(), issued: time)]
            next = "notifying"
        case .dmcaRemoval:
            try inState(["removed"])
            documents = [try renderer.dmcaRemoval(request: request, subscriber: options.recipient ?? "Subscriber", issued: time)]
            next = "subscriber-notified"
        case .dmcaCounterNoticeForward:
            try inState(["validating"])
            var complainant = options.recipient
            var noticeReference: String?
            if let parent = request.parentNumber, let row = try await store.legalRequest(number: parent) {
                let original = try JSONDecoder().decode(LegalRequest.self, from: Data(row.payload.utf8))
                complainant = complainant ?? original.requesterName
                noticeReference = original.externalReference
            }
            guard let complainant else { throw LegalError("name the complainant (--recipient) or link the DMCA notice (--parent when creating)") }
            documents = [
                try renderer.dmcaCounterNoticeForward(
                    request: request, complainant: complainant, noticeReference: noticeReference,
                    earliest: StandardDeadlineRules.dmcaRestoreEarliest.deadline(from: request.receivedAt, calendar: calendar),
                    latest: StandardDeadlineRules.dmcaRestoreLatest.deadline(from: request.receivedAt, calendar: calendar), issued: time)
            ]
            next = "complainant-notified"
        case .dsaStatementOfReasons, .dsaDecision:
            try inState(["actioned", "declined"])
            let recipient = options.recipient ?? (letter == .dsaDecision ? request.requesterName ?? "the notifier" : "the recipient of the service")
            documents = [
                try renderer.dsa(
                    letter, request: request, recipient: recipient, actioned: request.state == "actioned", grounds: try reason(),
                    automated: options.automated, issued: time)
            ]
            if letter == .dsaDecision { next = "decision-notified" }
        }
        // The move (if any), the documents and any deadline in one transaction; a second call for the same step
        // fails on the move, a letter that changes nothing else is refused if the request changed meanwhile.
        var (step, _) = try await plan(
            request, id: id, to: next ?? request.state, note: next == nil ? "" : "\(letter.rawValue) letter", documents: documents, user: user,
            at: time)
        if let correctionDeadline { step.startDeadlines.append(try Self.row(correctionDeadline)) }
        try await apply(step, user: user, at: time)
        return documents
    }
}
