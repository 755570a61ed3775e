import Foundation
public import MoguraCore

/// The letters of the legal track beyond the inquiry and the answers: what each is, to whom, and in which
/// language. `mogura legal letter NUMBER KIND` renders one; each is kept with its variables and hash.
public enum LegalLetter: String, Hashable, Sendable, CaseIterable {
    /// 補正のお願い: the request lacks something (port, JST time, identity, authority papers, evidence).
    case correction
    /// ご回答のお願い: to each subscriber who has not answered the 意見照会.
    case reminder
    /// 発信者情報の開示について（ご通知）: to a subscriber after their information was released.
    case disclosureNotice = "disclosure-notice"
    /// 侵害情報の通知書 兼 送信防止措置に関する照会書: to the sender of the information; 7 days, 2 in election cases.
    case takedownInquiry = "takedown-inquiry"
    /// 送信防止措置依頼に対するご回答: to the requester, removed or not and why.
    case takedownAnswer = "takedown-answer"
    /// DMCA: notice to the subscriber that material was removed, and how to counter-notify (512(g)(2)(A)).
    case dmcaRemoval = "dmca-removal"
    /// DMCA: the counter-notice sent on to the complainant, with the restore window (512(g)(2)(B)).
    case dmcaCounterNoticeForward = "dmca-counter-notice-forward"
    /// DSA Art. 17: statement of reasons to the affected recipient.
    case dsaStatementOfReasons = "dsa-statement-of-reasons"
    /// DSA Art. 16(5): the decision, to the notifier, with redress.
    case dsaDecision = "dsa-decision"

    /// The kinds of request the letter is for.
    public var kinds: Set<LegalRequestKind> {
        switch self {
        case .correction: [.disclosureRequest, .takedownRequest, .voluntaryPreservation, .dmcaNotice, .dsaNotice]
        case .reminder, .disclosureNotice: [.disclosureRequest, .disclosureOrder]
        case .takedownInquiry, .takedownAnswer: [.takedownRequest]
        case .dmcaRemoval: [.dmcaNotice]
        case .dmcaCounterNoticeForward: [.dmcaCounterNotice]
        case .dsaStatementOfReasons, .dsaDecision: [.dsaNotice]
        }
    }

    public var templateID: String {
        switch self {
        case .correction: "ja/common/correction-request"
        case .reminder: "ja/disclosure/reminder"
        case .disclosureNotice: "ja/disclosure/notice-after-disclosure"
        case .takedownInquiry: "ja/takedown/inquiry"
        case .takedownAnswer: "ja/takedown/answer"
        case .dmcaRemoval: "en/dmca/removal-notice"
        case .dmcaCounterNoticeForward: "en/dmca/counter-notice-forward"
        case .dsaStatementOfReasons: "en/dsa/statement-of-reasons"
        case .dsaDecision: "en/dsa/decision"
        }
    }
}

/// Dates as English legal letters write them: `December 7, 2026`.
public enum EnglishDate {
    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    public static func long(_ date: CivilDate) -> String { "\(months[date.month - 1]) \(date.day), \(date.year)" }

    /// The day an instant falls on in `zone` (an IANA name; UTC when unknown).
    public static func day(_ time: Timestamp, zone: String) -> CivilDate {
        CivilDate(time, offsetSeconds: (TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!).secondsFromGMT(for: time.date))
    }
}

extension LegalDocumentRenderer {
    func base(_ request: LegalRequest, issued: Timestamp) -> [String: Any] {
        Self.present([
            "organization": organization, "contact": contact, "requestNumber": request.number, "issued": JapaneseDate.both(JapaneseDate.day(issued)),
            "received": JapaneseDate.both(JapaneseDate.day(request.receivedAt)), "kind": request.kind.title.japanese,
            "requester": request.requesterName ?? "請求者", "locations": request.locations ?? [], "rights": request.rights ?? "",
            "statement": request.statement ?? "", "reference": request.externalReference ?? "",
        ])
    }

    /// The context without empty texts: Mustache treats an empty string as true, so `{{#work}} in {{work}}{{/work}}`
    /// would print " in " for a notice that names no work.
    static func present(_ context: [String: Any]) -> [String: Any] {
        context.filter { !(($0.value as? String)?.isEmpty ?? false) }
    }

    /// 補正のお願い: what is missing, and by when to send it (the request waits meanwhile).
    public func correctionRequest(request: LegalRequest, missing: [String], deadline: Deadline, issued: Timestamp) throws -> RenderedDocument {
        var context = base(request, issued: issued)
        context["missing"] = missing.enumerated().map { ["no": String($0.offset + 1), "item": $0.element] }
        context["deadline"] = JapaneseDate.both(deadline.lastDay)
        return try render(LegalLetter.correction.templateID, context: context, requestNumber: request.number, recipient: "requester")
    }

    /// ご回答のお願い to one subscriber who has not answered: the first inquiry's date and the deadline.
    public func reminder(
        request: LegalRequest, customerID: String, name: String, rowCount: Int, deadline: Deadline, issued: Timestamp
    ) throws
        -> RenderedDocument
    {
        var context = base(request, issued: issued)
        context["subscriber"] = name
        context["customerID"] = customerID
        context["rowCount"] = String(rowCount)
        context["inquired"] = JapaneseDate.both(deadline.basisDate)
        context["deadline"] = JapaneseDate.both(deadline.lastDay)
        return try render(LegalLetter.reminder.templateID, context: context, requestNumber: request.number, recipient: customerID)
    }

    /// 発信者情報の開示について（ご通知）: what was released, to whom, on what basis, from the register.
    public func disclosureNotice(request: LegalRequest, record: DisclosureRecord, name: String, issued: Timestamp) throws -> RenderedDocument {
        var context = base(request, issued: issued)
        context["subscriber"] = name
        context["customerID"] = record.customerID
        context["items"] = record.items.joined(separator: "、")
        context["recipient"] = record.recipient
        context["basis"] = record.basis
        context["disclosed"] = JapaneseDate.both(JapaneseDate.day(record.releasedAt))
        context["rowCount"] = String(record.rows.count)
        context["sequence"] = String(record.sequence)
        return try render(LegalLetter.disclosureNotice.templateID, context: context, requestNumber: request.number, recipient: record.customerID)
    }

    /// 侵害情報の通知書 兼 送信防止措置に関する照会書 to the sender: the information, the right, the reasons as the
    /// requester wrote them, the period (7 days; 2 for election material) and the answer form.
    public func takedownInquiry(request: LegalRequest, sender: String, deadline: Deadline, issued: Timestamp) throws -> RenderedDocument {
        var context = base(request, issued: issued)
        context["sender"] = sender
        context["deadline"] = JapaneseDate.both(deadline.lastDay)
        context["period"] = request.electionCase == true ? "2日" : "7日"
        context["article"] = request.electionCase == true ? "第4条" : "第3条第2項第2号"
        return try render(LegalLetter.takedownInquiry.templateID, context: context, requestNumber: request.number, recipient: "sender")
    }

    /// 送信防止措置依頼に対するご回答: removed (`acting`) or not (`refusing`), with the reasons.
    public func takedownAnswer(request: LegalRequest, removed: Bool, reason: String, issued: Timestamp) throws -> RenderedDocument {
        var context = base(request, issued: issued)
        context["removed"] = removed
        context["notRemoved"] = !removed
        context["reason"] = reason
        return try render(LegalLetter.takedownAnswer.templateID, context: context, requestNumber: request.number, recipient: "requester")
    }

    func english(_ request: LegalRequest, issued: Timestamp, zone: String) -> [String: Any] {
        Self.present([
            "organization": organization, "contact": contact, "requestNumber": request.number,
            "issued": EnglishDate.long(EnglishDate.day(issued, zone: zone)),
            "received": EnglishDate.long(EnglishDate.day(request.receivedAt, zone: zone)),
            "requester": request.requesterName ?? "the complainant",
            "locations": request.locations ?? [], "work": request.rights ?? "", "statement": request.statement ?? "",
            "reference": request.externalReference ?? "",
        ])
    }

    /// DMCA: to the subscriber, the material removed or disabled on a notice, and how to counter-notify.
    public func dmcaRemoval(request: LegalRequest, subscriber: String, issued: Timestamp) throws -> RenderedDocument {
        var context = english(request, issued: issued, zone: "America/New_York")
        context["subscriber"] = subscriber
        return try render(LegalLetter.dmcaRemoval.templateID, context: context, requestNumber: request.number, recipient: "subscriber")
    }

    /// DMCA: the counter-notice sent on to the complainant, with the window in which the material is restored
    /// unless they report a suit (10–14 US business days from receipt).
    public func dmcaCounterNoticeForward(
        request: LegalRequest, complainant: String, noticeReference: String? = nil, earliest: Deadline, latest: Deadline, issued: Timestamp
    ) throws -> RenderedDocument {
        var context = english(request, issued: issued, zone: "America/New_York")
        context["complainant"] = complainant
        // "your notice (…)" names the complainant's notice, not the counter-notice.
        context["reference"] = noticeReference.flatMap { $0.isEmpty ? nil : $0 }
        context["earliest"] = EnglishDate.long(earliest.lastDay)
        context["latest"] = EnglishDate.long(latest.lastDay)
        return try render(LegalLetter.dmcaCounterNoticeForward.templateID, context: context, requestNumber: request.number, recipient: "complainant")
    }

    /// DSA Art. 17 statement of reasons to the affected recipient, or Art. 16(5) decision to the notifier.
    public func dsa(
        _ letter: LegalLetter, request: LegalRequest, recipient: String, actioned: Bool, grounds: String, automated: Bool, issued: Timestamp
    ) throws -> RenderedDocument {
        var context = english(request, issued: issued, zone: "UTC")
        context["recipient"] = recipient
        context["actioned"] = actioned
        context["declined"] = !actioned
        context["grounds"] = grounds
        context["automated"] =
            automated ? "Automated means were used to detect or process the notice." : "No automated means were used in the decision."
        return try render(
            letter.templateID, context: context, requestNumber: request.number, recipient: letter == .dsaDecision ? "notifier" : "recipient")
    }
}
