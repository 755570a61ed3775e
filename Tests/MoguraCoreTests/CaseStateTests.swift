import Foundation
import MoguraCore
import Testing

@Suite("Case states and categories")
struct CaseStateTests {
    @Test func lifecycleFollowsTheLadder() {
        #expect(CaseState.new.canMove(to: .notified))
        #expect(CaseState.notified.canMove(to: .awaitingCustomer))
        #expect(CaseState.suspended.canMove(to: .resolved))
        #expect(CaseState.resolved.canMove(to: .triaged))  // reopened
        #expect(!CaseState.closed.canMove(to: .new))
        #expect(!CaseState.resolved.canMove(to: .suspended))
        #expect(CaseState.allCases.filter(\.isOpen) == [.new, .triaged, .notified, .awaitingCustomer, .suspended, .review])
        #expect(CaseState.suspended.canMove(to: .review) && CaseState.review.canMove(to: .resolved) && CaseState.review.canMove(to: .suspended))
    }

    @Test func categoriesHaveTracksAndBilingualTitles() {
        #expect(Category.copyright.defaultTrack == .legal)
        #expect(Category.phishing.defaultTrack == .termsOfService)
        for category in Category.allCases {
            #expect(!category.title.english.isEmpty && !category.title.japanese.isEmpty)
            #expect(Category(rawValue: category.rawValue) == category)
        }
    }

    @Test func modelValuesRoundTripThroughJSON() throws {
        let t = try Timestamp(rfc3339: "2025-06-01T00:00:00Z")
        let report = Report(
            id: 7, receivedAt: t, channel: .mail, reporter: "r@example.org", rawHash: ContentHash(hex: String(repeating: "ab", count: 32)),
            category: .phishing, eventTime: t, subject: "件名",
            indicators: [.ip(try IPAddress("2001:db8::1")), .url(try ReportedURL("http://例え.jp/x"))])
        let assignment = Assignment(
            id: 3, serviceID: "s1", resource: .nat(NATBlock(address: try IPAddress("198.51.100.7"), firstPort: 1024, lastPort: 2047)),
            validity: ValidityRange(from: t))
        let kase = Case(id: 1, track: .legal, category: .copyright, subject: .outside("AS64500"), state: .new, openedAt: t)
        let action = Action(id: 2, caseID: 1, kind: .notify, dueAt: t, idempotencyKey: "k")
        #expect(try JSONDecoder().decode(Report.self, from: JSONEncoder().encode(report)) == report)
        #expect(try JSONDecoder().decode(Assignment.self, from: JSONEncoder().encode(assignment)) == assignment)
        #expect(try JSONDecoder().decode(Case.self, from: JSONEncoder().encode(kase)) == kase)
        #expect(try JSONDecoder().decode(Action.self, from: JSONEncoder().encode(action)) == action)
        let text = String(decoding: try JSONEncoder().encode(assignment), as: UTF8.self)
        #expect(text.contains(#""value":"198.51.100.7:1024-2047""#))
    }

    @Test func auditHashInputIsUnambiguous() {
        let a = AuditEvent.hashInput(
            sequence: 1, at: Timestamp(microseconds: 0), actor: "ab", action: "c", objectType: "", objectID: "", details: "{}",
            previousHash: AuditEvent.genesisHash)
        let b = AuditEvent.hashInput(
            sequence: 1, at: Timestamp(microseconds: 0), actor: "a", action: "bc", objectType: "", objectID: "", details: "{}",
            previousHash: AuditEvent.genesisHash)
        #expect(a != b)
    }
}
