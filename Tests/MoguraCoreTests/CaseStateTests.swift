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
        #expect(CaseState.allCases.filter(\.isOpen) == [.new, .triaged, .notified, .awaitingCustomer, .suspended])
    }

    @Test func categoriesHaveTracksAndBilingualTitles() {
        #expect(Category.copyright.defaultTrack == .legal)
        #expect(Category.phishing.defaultTrack == .termsOfService)
        for category in Category.allCases {
            #expect(!category.title.english.isEmpty && !category.title.japanese.isEmpty)
            #expect(Category(rawValue: category.rawValue) == category)
        }
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
