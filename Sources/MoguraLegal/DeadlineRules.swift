/// The deadline rules Mogura starts with (`legal-track.md` §9.5). Each may be changed in the configuration; the
/// values marked there as practice rather than statute (the 14-day reply window, the voluntary hold) are the
/// first an operator's counsel will want to set.
public enum StandardDeadlineRules {
    /// 意見照会: the subscriber's reply window, 14 days from delivery (the guideline's example; 7–30 in practice).
    public static let opinionInquiryReply = DeadlineRule(
        id: "jp.opinion-inquiry.reply", title: "意見照会の回答期限", titleEnglish: "Reply to the sender inquiry",
        basis: "情報流通プラットフォーム対処法6条1項; 発信者情報開示関係ガイドライン (2週間の例示)", startsAt: "delivery of the inquiry",
        period: .days(14))

    /// 補正: the requester's time to send what the request lacks (practice; the request waits meanwhile).
    public static let correctionReply = DeadlineRule(
        id: "jp.correction.reply", title: "補正の提出期限", titleEnglish: "Requester's correction", basis: "practice (set by the provider)",
        startsAt: "the correction request", period: .days(14))

    /// 送信防止措置: the sender's 7 days to object after receiving the inquiry (3条2項2号).
    public static let takedownInquiry = DeadlineRule(
        id: "jp.takedown.inquiry", title: "送信防止措置に関する照会の回答期限", titleEnglish: "Sender's objection to a takedown",
        basis: "情報流通プラットフォーム対処法3条2項2号", startsAt: "delivery of the inquiry", period: .days(7))

    /// The same for election cases: 2 days (4条).
    public static let electionTakedownInquiry = DeadlineRule(
        id: "jp.takedown.inquiry.election", title: "送信防止措置に関する照会の回答期限（選挙）", titleEnglish: "Sender's objection (election case)",
        basis: "情報流通プラットフォーム対処法4条", startsAt: "delivery of the inquiry", period: .days(2), reminders: [24 * 3_600])

    /// 異議の訴え: one month from notice of a disclosure-order decision, a 不変期間 (14条1項).
    public static let objectionSuit = DeadlineRule(
        id: "jp.disclosure-order.objection", title: "異議の訴えの提起期間", titleEnglish: "Objection suit against the decision",
        basis: "情報流通プラットフォーム対処法14条1項; 民事訴訟法95条", startsAt: "notice (告知) of the decision", period: .months(1),
        reminders: [7 * 86_400, 72 * 3_600, 24 * 3_600])

    /// 保全要請 (刑事訴訟法197条3項): at most 30 days from receipt; the hold ends then unless extended.
    public static let policePreservation = DeadlineRule(
        id: "jp.police-preservation.end", title: "保全要請の期間満了", titleEnglish: "End of the police preservation period",
        basis: "刑事訴訟法197条3項", startsAt: "receipt of the request", period: .days(30), extendsPastClosedDays: false,
        reminders: [7 * 86_400, 24 * 3_600])

    /// A voluntary preservation (任意の保全要請): the agreed period, 3 months by default.
    public static let voluntaryPreservation = DeadlineRule(
        id: "jp.voluntary-preservation.end", title: "任意のログ保存期間の満了", titleEnglish: "End of the voluntary preservation",
        basis: "agreement with the requester (practice)", startsAt: "the agreement", period: .months(3), extendsPastClosedDays: false,
        reminders: [14 * 86_400, 72 * 3_600])

    /// The designated large-platform regime: answer the applicant within 7 days (25条).
    public static let largePlatformAnswer = DeadlineRule(
        id: "jp.large-platform.answer", title: "申出者への通知期限", titleEnglish: "Answer to the applicant (designated platforms)",
        basis: "情報流通プラットフォーム対処法25条", startsAt: "receipt of the request", period: .days(7), reminders: [48 * 3_600, 24 * 3_600])

    /// DMCA: restore no sooner than 10 US business days after a valid counter-notice (512(g)(2)(C)).
    public static let dmcaRestoreEarliest = DeadlineRule(
        id: "us.dmca.restore.earliest", title: "DMCA 復旧可能日", titleEnglish: "Earliest restore after a counter-notice",
        basis: "17 U.S.C. 512(g)(2)(C)", startsAt: "receipt of the counter-notice", period: .businessDays(10, .unitedStates),
        extendsPastClosedDays: false, zone: "America/New_York", reminders: [])

    /// … and no later than 14 US business days, unless the complainant reports a suit.
    public static let dmcaRestoreLatest = DeadlineRule(
        id: "us.dmca.restore.latest", title: "DMCA 復旧期限", titleEnglish: "Latest restore after a counter-notice",
        basis: "17 U.S.C. 512(g)(2)(C)", startsAt: "receipt of the counter-notice", period: .businessDays(14, .unitedStates),
        extendsPastClosedDays: false, zone: "America/New_York", reminders: [48 * 3_600])

    /// EU DSA Art. 16: decide "in a timely manner"; a service objective of 7 days.
    public static let dsaDecision = DeadlineRule(
        id: "eu.dsa.decision", title: "DSA 通知への判断", titleEnglish: "Decision on a DSA notice (service objective)",
        basis: "Regulation (EU) 2022/2065 Art. 16(6) (timely; objective set by the provider)", startsAt: "receipt of the notice",
        period: .days(7), extendsPastClosedDays: false, zone: "UTC", reminders: [48 * 3_600])

    /// All of them, by id.
    public static let all: [String: DeadlineRule] = Dictionary(
        uniqueKeysWithValues: [
            opinionInquiryReply, correctionReply, takedownInquiry, electionTakedownInquiry, objectionSuit, policePreservation, voluntaryPreservation,
            largePlatformAnswer, dmcaRestoreEarliest, dmcaRestoreLatest, dsaDecision,
        ].map { ($0.id, $0) })
}
