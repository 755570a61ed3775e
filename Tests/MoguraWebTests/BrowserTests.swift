import Foundation
import MoguraCore
import MoguraStore
import MoguraTesting
import MoguraWeb
import Testing

/// The desk, the portal and the report form in headless Chromium, in English and Japanese, with a screenshot of
/// every page under `.build/artifacts/web/`.
@Suite(
    "Web UI in a real browser", .serialized, .tags(.process),
    .enabled(if: Browser.runs, "needs chromium and chromium-driver (scripts/test installs them as root)"))
struct BrowserTests {
    static let words: [String: (queue: String, approved: String, thanks: String, caseNumber: String)] = [
        "en": ("Queue", "Approved by", "Our staff will check your answer", "Case number"),
        "ja": ("キュー", "承認者", "担当者が確認します", "案件番号"),
    ]

    @Test(arguments: ["en", "ja"])
    func staffCustomerAndReporterInTheBrowser(language: String) async throws {
        let words = try #require(Self.words[language])
        try await WebFixture.with { fixture in
            let browser = try await Browser(language: language)
            do {
                try await run(fixture, browser, language, words)
            } catch {
                _ = try? await browser.screenshot("\(language)-failure")
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }

    private func run(
        _ fixture: WebFixture, _ browser: Browser, _ language: String, _ words: (queue: String, approved: String, thanks: String, caseNumber: String)
    ) async throws {
        let base = fixture.base
        let spamCase = try await fixture.caseID(category: .spam)
        let phishingCase = try await fixture.caseID(category: .phishing)

        // Staff: log in, filter the queue, open a case, approve a step, find it in the audit log.
        try await browser.go("\(base)/queue")
        try await browser.waitForURL("the login page") { $0.contains("/login") }
        try await browser.screenshot("\(language)-login")
        try await browser.type("#login-name", "agent")
        try await browser.type("#login-password", fixture.passwords["agent"]!)
        try await browser.click("#login button[type=submit]")
        try await browser.waitForURL("the queue") { $0.hasSuffix("/queue") }
        #expect(try await browser.source.contains(words.queue))
        #expect(try await browser.exists("a[href='/cases/\(phishingCase)']"))
        try await browser.screenshot("\(language)-queue")

        try await browser.click("#queue-filters select[name=category] option[value=spam]")
        try await browser.click("#queue-filters button[type=submit]")
        try await browser.waitForURL("the filtered queue") { $0.contains("category=spam") }
        #expect(try await browser.exists("a[href='/cases/\(spamCase)']"))
        #expect(!(try await browser.exists("a[href='/cases/\(phishingCase)']")), "the filter left the phishing case in")
        try await browser.screenshot("\(language)-queue-filtered")

        try await browser.click("a[href='/cases/\(spamCase)']")
        try await browser.waitForURL("the case") { $0.hasSuffix("/cases/\(spamCase)") }
        try await browser.screenshot("\(language)-case")
        try await browser.click("#actions button[name=approve]")
        try await browser.waitForURL("the approval") { $0.contains("done=approve") }
        let approved = try await browser.text("#actions")
        #expect(approved.contains("user:agent"))
        #expect(try await browser.source.contains(words.approved))
        let stored = try await fixture.store.actions(inCase: spamCase)
        #expect(stored.contains { $0.approvedBy == "user:agent" && $0.kind == .notify })
        try await browser.screenshot("\(language)-case-approved")

        try await browser.go("\(base)/audit")
        let audit = try await browser.text("#audit")
        #expect(audit.contains("action.approve") && audit.contains("user:agent"))
        try await browser.screenshot("\(language)-audit")

        for (path, name) in [
            ("/dashboard", "dashboard"), ("/triage", "triage"), ("/lookup?q=203.0.113.7", "lookup"), ("/search?q=ip%3A203.0.113.7", "search"),
        ] {
            try await browser.go(base + path)
            #expect(!(try await browser.source.contains("Not found")), "\(path)")
            if name == "lookup" { #expect(try await browser.text("#lookup-result").contains("c1")) }
            try await browser.screenshot("\(language)-\(name)")
        }
        try await browser.resize(width: 390, height: 844)
        try await browser.go("\(base)/queue")
        try await browser.screenshot("\(language)-queue-phone")
        try await browser.go("\(base)/cases/\(spamCase)")
        try await browser.screenshot("\(language)-case-phone")
        try await browser.resize(width: 1280, height: 900)

        // The customer: the portal link from a notice, answered "fixed".
        let kase = try #require(try await fixture.store.case(spamCase))
        let link = fixture.server.portalLink(caseID: spamCase, token: kase.token, now: .now())
        try await browser.go(base + link.dropFirst("http://127.0.0.1".count))
        try await browser.screenshot("\(language)-portal")
        try await browser.type("#comment", "Removed the compromised plugin and changed every password.")
        try await browser.click("#portal-answer button[type=submit]")
        let deadline = Date().addingTimeInterval(10 * TestEnvironment.timeoutScale)
        while !(try await browser.source.contains(words.thanks)) {
            guard Date() < deadline else { throw Browser.Failure(description: "no thanks after answering") }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await browser.screenshot("\(language)-portal-answered")
        #expect(try await fixture.store.case(spamCase)?.state == .review)
        #expect(try await fixture.store.notes(case: spamCase).contains { $0.kind == "customer-answer" && $0.body.contains("compromised plugin") })

        // A reporter: the public form, answered with the case number.
        try await browser.go("\(base)/report")
        try await browser.screenshot("\(language)-report-form")
        try await browser.click("#category option[value=phishing]")
        try await browser.type("#indicators", "https://shop.example.net/bank/verify.php")
        try await browser.type("#description", "Another page of the same phishing kit, asking for card numbers.")
        try await browser.type("#email", "reporter@example.org")
        try await browser.click("input[name=good_faith]")
        try await browser.click("#report-form button[type=submit]")
        let number = try await browser.text("#case-number")
        #expect(number == "#\(phishingCase)")
        #expect(try await browser.source.contains(words.caseNumber))
        try await browser.screenshot("\(language)-report-acknowledged")
        let reports = try await fixture.store.reports(inCase: phishingCase)
        #expect(reports.contains { $0.channel == .webForm && $0.reporter == "reporter@example.org" })
    }
}
