import MoguraCore
import Testing

/// `decide` is pure: a case, its playbook, its actions and the time in, actions out. A fake clock is just a
/// timestamp moved by hand.
@Suite("decide: playbooks over a fake clock")
struct DecideTests {
    let opened = Timestamp(seconds: 1_800_000_000)
    let hour: Int64 = 3_600

    func kase(_ category: MoguraCore.Category = .spam, state: CaseState = .new) -> Case {
        Case(id: 7, track: category.defaultTrack, category: category, subject: .service("s1"), customerID: "c1", state: state, openedAt: opened)
    }

    /// Marks a planned action done at `time`, as a worker would.
    func done(_ planned: PlannedAction, id: Int64, at time: Timestamp) -> Action {
        var action = planned.action(caseID: 7)
        action.id = id
        action.state = .done
        action.doneAt = time
        return action
    }

    @Test func defaultLadderWarnsThenSuspendsOnSchedule() throws {
        let playbook = try #require(PlaybookSet.builtIn.playbook(for: .spam, track: .termsOfService))
        var actions: [Action] = []
        // Opened: notify now.
        let first = decide(case: kase(), playbook: playbook, actions: actions, now: opened)
        #expect(first.plan.map(\.kind) == [.notify])
        #expect(first.plan[0].dueAt == opened && first.plan[0].idempotencyKey == "case:7:step:0")
        // Deciding again before it is done plans nothing more (one step at a time).
        var pending = first.plan[0].action(caseID: 7)
        pending.id = 1
        #expect(decide(case: kase(state: .new), playbook: playbook, actions: [pending], now: opened).plan.isEmpty)
        // Notice went out 10 minutes later: the warning is due 72 h after that.
        let noticeTime = opened.adding(seconds: 600)
        actions.append(done(first.plan[0], id: 1, at: noticeTime))
        let second = decide(case: kase(state: .notified), playbook: playbook, actions: actions, now: noticeTime)
        #expect(second.plan.map(\.kind) == [.warn])
        #expect(second.plan[0].dueAt == noticeTime.adding(seconds: 72 * hour))
        // The warning went out on time; the suspension is due 72 h after it.
        let warnTime = noticeTime.adding(seconds: 72 * hour)
        actions.append(done(second.plan[0], id: 2, at: warnTime))
        let third = decide(case: kase(state: .awaitingCustomer), playbook: playbook, actions: actions, now: warnTime.adding(seconds: 5))
        #expect(third.plan.map(\.kind) == [.suspend])
        #expect(third.plan[0].dueAt == warnTime.adding(seconds: 72 * hour))
        // After the last step, nothing more.
        actions.append(done(third.plan[0], id: 3, at: warnTime.adding(seconds: 72 * hour)))
        #expect(decide(case: kase(state: .suspended), playbook: playbook, actions: actions, now: warnTime.adding(seconds: 80 * hour)).plan.isEmpty)
    }

    @Test func phishingIsSuspendedAtOnceThenNotified() throws {
        let playbook = try #require(PlaybookSet.builtIn.playbook(for: .phishing, track: .termsOfService))
        let first = decide(case: kase(.phishing), playbook: playbook, actions: [], now: opened)
        #expect(first.plan.map(\.kind) == [.suspend] && first.plan[0].dueAt == opened)
        let second = decide(
            case: kase(.phishing, state: .suspended), playbook: playbook, actions: [done(first.plan[0], id: 1, at: opened.adding(seconds: 2))],
            now: opened.adding(seconds: 2))
        #expect(second.plan.map(\.kind) == [.notify] && second.plan[0].dueAt == opened.adding(seconds: 2))
    }

    @Test func compromisedAccountBlocksMailResetsPasswordThenNotifies() throws {
        let playbook = try #require(PlaybookSet.builtIn.playbook(for: .compromisedAccount, track: .termsOfService))
        var actions: [Action] = []
        var kinds: [ActionKind] = []
        for id in 1...3 {
            let decision = decide(case: kase(.compromisedAccount), playbook: playbook, actions: actions, now: opened)
            #expect(decision.plan.count == 1)
            kinds.append(decision.plan[0].kind)
            actions.append(done(decision.plan[0], id: Int64(id), at: opened))
        }
        #expect(kinds == [.blockMail, .resetPassword, .notify])
    }

    @Test func approvalIsCarriedIntoThePlan() {
        let playbook = Playbook(name: "careful", steps: [.init(action: .suspend, requiresApproval: true)])
        let plan = decide(case: kase(), playbook: playbook, actions: [], now: opened).plan
        #expect(plan.count == 1 && plan[0].requiresApproval)
        #expect(!plan[0].action(caseID: 7).isRunnable)
        var approved = plan[0].action(caseID: 7)
        approved.approvedBy = "cli:alice"
        approved.state = .approved
        #expect(approved.isRunnable)
    }

    @Test func legalTrackAndMissingPlaybooksPlanNothing() {
        let legal = kase(.copyright)
        #expect(legal.track == .legal)
        #expect(PlaybookSet.builtIn.playbook(for: .copyright, track: .legal) == nil)
        let anyPlaybook = PlaybookSet.builtIn.playbooks[0]
        #expect(decide(case: legal, playbook: anyPlaybook, actions: [], now: opened).plan.isEmpty)
        #expect(decide(case: kase(), playbook: nil, actions: [], now: opened).plan.isEmpty)
    }

    @Test func aFailedStepStopsTheLadderForAPerson() throws {
        let playbook = try #require(PlaybookSet.builtIn.playbook(for: .spam, track: .termsOfService))
        var failed = decide(case: kase(), playbook: playbook, actions: [], now: opened).plan[0].action(caseID: 7)
        failed.id = 1
        failed.state = .failed
        #expect(decide(case: kase(), playbook: playbook, actions: [failed], now: opened.adding(seconds: 999 * hour)).plan.isEmpty)
    }

    @Test func reviewStopsTheLadderAndSendingBackPlansTheStoppedStepAgain() throws {
        let playbook = try #require(PlaybookSet.builtIn.playbook(for: .spam, track: .termsOfService))
        let noticeTime = opened.adding(seconds: 60)
        let notice = done(decide(case: kase(), playbook: playbook, actions: [], now: opened).plan[0], id: 1, at: noticeTime)
        var warn = decide(case: kase(state: .notified), playbook: playbook, actions: [notice], now: noticeTime).plan[0].action(caseID: 7)
        warn.id = 2
        // The customer answered: the case is in review and the planned warning is skipped.
        let review = decide(case: kase(state: .review), playbook: playbook, actions: [notice, warn], now: noticeTime.adding(seconds: hour))
        #expect(review.plan.isEmpty && review.skip == [2])
        warn.state = .skipped
        warn.result = Decision.stoppedResult
        warn.doneAt = noticeTime.adding(seconds: hour)
        // Staff send it back: the warning is planned again, on its original schedule, with a new key.
        let back = decide(case: kase(state: .notified), playbook: playbook, actions: [notice, warn], now: noticeTime.adding(seconds: 2 * hour))
        #expect(back.plan.map(\.kind) == [.warn])
        #expect(back.plan[0].dueAt == noticeTime.adding(seconds: 72 * hour))
        #expect(back.plan[0].idempotencyKey == "case:7:step:1:2")
        // A step a person skipped lets the ladder go on to the next one.
        warn.result = "skipped by cli:alice"
        #expect(decide(case: kase(state: .notified), playbook: playbook, actions: [notice, warn], now: noticeTime).plan.map(\.kind) == [.suspend])
    }

    @Test func resolvedCasesSkipWaitingStepsAndPlanAResume() throws {
        let playbook = try #require(PlaybookSet.builtIn.playbook(for: .phishing, track: .termsOfService))
        let suspension = done(decide(case: kase(.phishing), playbook: playbook, actions: [], now: opened).plan[0], id: 1, at: opened)
        var notice = decide(case: kase(.phishing, state: .suspended), playbook: playbook, actions: [suspension], now: opened).plan[0].action(
            caseID: 7)
        notice.id = 2
        let resolved = kase(.phishing, state: .resolved)
        #expect(decide(case: resolved, playbook: playbook, actions: [suspension, notice], now: opened).skip == [2])
        let resume = try #require(resumeIfSuspended(case: resolved, playbook: playbook, actions: [suspension], now: opened))
        #expect(resume.kind == .resume && resume.requiresApproval && resume.idempotencyKey == "case:7:resume:1")
        #expect(resume.target == "suspend", "the resume names what it undoes")
        var automatic = playbook
        automatic.autoResume = true
        #expect(resumeIfSuspended(case: resolved, playbook: automatic, actions: [suspension], now: opened)?.requiresApproval == false)
        // Nothing to resume once resumed.
        var resumed = resume.action(caseID: 7)
        resumed.state = .done
        #expect(resumeIfSuspended(case: resolved, playbook: playbook, actions: [suspension, resumed], now: opened) == nil)
    }

    @Test func aWebSuspensionIsResumedToo() throws {
        let playbook = Playbook(name: "web", categories: [.webshell, .mailer], steps: [.init(action: .suspendWeb), .init(action: .notify)])
        let plan = decide(case: kase(.mailer), playbook: playbook, actions: [], now: opened).plan
        #expect(plan.map(\.kind) == [.suspendWeb])
        let suspension = done(plan[0], id: 1, at: opened)
        let resume = try #require(resumeIfSuspended(case: kase(.mailer, state: .resolved), playbook: playbook, actions: [suspension], now: opened))
        #expect(resume.target == "suspend-web")
        #expect(ActionKind.suspendWeb.isSuspension && !ActionKind.notify.isSuspension)
    }
}
