/// What to do for a case of some categories, and when: a ladder of steps, each after a delay.
///
/// A step's delay counts from the moment the previous step was carried out (the first from when the case
/// opened), so "notify → 72 h → warn → 72 h → suspend" waits 72 hours after the notice actually went out. Playbooks
/// come from the configuration file (`docs/playbooks.md`); ``decide(case:playbook:actions:now:)`` applies them.
public struct Playbook: Hashable, Sendable, Codable {
    /// One rung of the ladder.
    public struct Step: Hashable, Sendable, Codable {
        /// What to do.
        public var action: ActionKind
        /// Seconds to wait after the previous step was done (after the case opened, for the first).
        public var after: Int64
        /// Whether a person must approve before it runs.
        public var requiresApproval: Bool
        /// The notice template for mail steps (default: the action's name).
        public var template: String?

        /// Creates a step.
        public init(action: ActionKind, after: Int64 = 0, requiresApproval: Bool = false, template: String? = nil) {
            self.action = action
            self.after = after
            self.requiresApproval = requiresApproval
            self.template = template
        }
    }

    /// The playbook's name.
    public var name: String
    /// The categories it applies to; empty for the default playbook.
    public var categories: [Category]
    /// The ladder.
    public var steps: [Step]
    /// Whether each reporter gets an acknowledgement with the case number.
    public var acknowledgeReporter: Bool
    /// Whether a suspended service is resumed without a person's approval once the case is resolved.
    public var autoResume: Bool

    /// Creates a playbook.
    public init(name: String, categories: [Category] = [], steps: [Step], acknowledgeReporter: Bool = true, autoResume: Bool = false) {
        self.name = name
        self.categories = categories
        self.steps = steps
        self.acknowledgeReporter = acknowledgeReporter
        self.autoResume = autoResume
    }
}

/// The playbooks in force: one per category at most, and a default.
public struct PlaybookSet: Hashable, Sendable {
    /// All playbooks.
    public var playbooks: [Playbook]

    /// Creates a set.
    public init(_ playbooks: [Playbook]) {
        self.playbooks = playbooks
    }

    /// The playbook for a category: the one naming it, else the default (no categories). Legal-track cases get
    /// none: they never run terms-of-service playbooks.
    public func playbook(for category: Category, track: Track) -> Playbook? {
        guard track == .termsOfService else { return nil }
        return playbooks.first { $0.categories.contains(category) } ?? playbooks.first { $0.categories.isEmpty }
    }

    /// A playbook by name.
    public func named(_ name: String) -> Playbook? {
        playbooks.first { $0.name == name }
    }

    /// The playbooks Mogura uses when the configuration names none: a warning ladder by default, immediate
    /// suspension for phishing and webshells, a mail block and password reset for compromised accounts.
    public static let builtIn = PlaybookSet([
        Playbook(
            name: "default",
            steps: [
                .init(action: .notify, after: 0), .init(action: .warn, after: 72 * 3600), .init(action: .suspend, after: 72 * 3600),
            ]),
        Playbook(
            name: "takedown", categories: [.phishing, .webshell, .mailer, .malware],
            steps: [
                .init(action: .suspend, after: 0), .init(action: .notify, after: 0),
            ]),
        Playbook(
            name: "compromised-account", categories: [.compromisedAccount, .formAbuse],
            steps: [
                .init(action: .blockMail, after: 0), .init(action: .resetPassword, after: 0), .init(action: .notify, after: 0),
            ]),
    ])
}

/// An action ``decide(case:playbook:actions:now:)`` wants stored.
public struct PlannedAction: Hashable, Sendable {
    public var kind: ActionKind
    public var dueAt: Timestamp
    /// Stable per case and step, so deciding twice plans once.
    public var idempotencyKey: String
    public var step: Int?
    public var requiresApproval: Bool
    public var template: String?
    public var target: String?

    /// Creates a planned action.
    public init(
        kind: ActionKind, dueAt: Timestamp, idempotencyKey: String, step: Int? = nil, requiresApproval: Bool = false, template: String? = nil,
        target: String? = nil
    ) {
        self.kind = kind
        self.dueAt = dueAt
        self.idempotencyKey = idempotencyKey
        self.step = step
        self.requiresApproval = requiresApproval
        self.template = template
        self.target = target
    }

    /// The action to store for a case.
    public func action(caseID: Int64) -> Action {
        Action(
            caseID: caseID, kind: kind, dueAt: dueAt, idempotencyKey: idempotencyKey, step: step, requiresApproval: requiresApproval,
            template: template, target: target)
    }
}

/// What a case needs next.
public struct Decision: Hashable, Sendable {
    /// Actions to plan.
    public var plan: [PlannedAction]
    /// Planned actions no longer wanted (the case was resolved, or the customer answered), by id. They are
    /// recorded as skipped with ``stoppedResult``, so the step is planned again if the case returns to the ladder.
    public var skip: [Int64]

    /// The result recorded on a ladder step skipped because its case left the ladder.
    public static let stoppedResult = "stopped: the case left the ladder"
}

/// Decides what a case needs next: a pure function of the case, its playbook, its actions so far and the time.
///
/// - Legal-track cases, cases without a playbook, and cases in review, resolved or closed get no new steps.
/// - The ladder advances one step at a time: the next step is planned once the previous one is done, due its
///   delay after that (the first step its delay after the case opened). A failed step stops the ladder for a
///   person to look at; one a person skipped lets it go on.
/// - When a case leaves the open states (or goes to review), planned ladder steps are skipped; when it comes
///   back (staff send a review back, a new report reopens it), the stopped step is planned again.
///
/// ```swift
/// let decision = decide(case: kase, playbook: playbooks.playbook(for: kase.category, track: kase.track), actions: actions, now: now)
/// ```
public func decide(case kase: Case, playbook: Playbook?, actions: [Action], now: Timestamp) -> Decision {
    let ladder = actions.filter { $0.step != nil }.sorted { (($0.step ?? 0), $0.id ?? 0) < (($1.step ?? 0), $1.id ?? 0) }
    let waiting = ladder.filter { $0.state == .planned || $0.state == .approved }
    guard kase.track == .termsOfService, let playbook, let id = kase.id else { return Decision(plan: [], skip: []) }
    guard kase.state.isOpen && kase.state != .review else {
        return Decision(plan: [], skip: waiting.compactMap(\.id))
    }
    var next = 0
    var base = kase.openedAt
    if let previous = ladder.last {
        switch previous.state {
        case .done:
            next = (previous.step ?? 0) + 1
            base = previous.doneAt ?? now
        case .skipped where previous.result == Decision.stoppedResult:
            // The case left the ladder (review, resolution) and came back: the stopped step is planned again, on
            // its original schedule (so it is due at once if that time has passed).
            next = previous.step ?? 0
            base = ladder.last { $0.state == .done }?.doneAt ?? kase.openedAt
        case .skipped:
            next = (previous.step ?? 0) + 1
            base = previous.doneAt ?? now
        default:
            return Decision(plan: [], skip: [])  // still pending, or failed: a person must look
        }
    }
    guard next < playbook.steps.count else { return Decision(plan: [], skip: []) }
    let step = playbook.steps[next]
    let earlier = ladder.filter { $0.step == next }.count
    let planned = PlannedAction(
        kind: step.action, dueAt: base.adding(seconds: step.after),
        idempotencyKey: "case:\(id):step:\(next)" + (earlier > 0 ? ":\(earlier + 1)" : ""), step: next,
        requiresApproval: step.requiresApproval, template: step.template ?? step.action.rawValue)
    return Decision(plan: [planned], skip: [])
}

/// The resume a resolved case needs when its service was suspended and not yet resumed, due now; it waits for a
/// person's approval unless the playbook resumes automatically.
public func resumeIfSuspended(case kase: Case, playbook: Playbook?, actions: [Action], now: Timestamp) -> PlannedAction? {
    guard let id = kase.id else { return nil }
    let suspensions = actions.filter { $0.kind.isSuspension && $0.state == .done }
    let resumes = actions.filter { $0.kind == .resume && $0.state != .skipped && $0.state != .failed }.count
    guard suspensions.count > resumes else { return nil }
    // The target names what the resume undoes (`suspend`, `suspend-web`), so the connector knows what to turn back on.
    let undone = Array(Set(suspensions.map(\.kind.rawValue))).sorted().joined(separator: ",")
    return PlannedAction(
        kind: .resume, dueAt: now, idempotencyKey: "case:\(id):resume:\(resumes + 1)", step: nil,
        requiresApproval: !(playbook?.autoResume ?? false), template: "resume", target: undone)
}

/// Groups reports into cases: the same subject and category within a window, or a resolved case reopened when a
/// new report comes soon after.
public struct CorrelationPolicy: Hashable, Sendable {
    /// A report joins an open case updated within this many seconds.
    public var window: Int64
    /// A report reopens a case resolved within this many seconds.
    public var reopenWithin: Int64

    /// Creates a policy; the defaults are 7 days and 14 days.
    public init(window: Int64 = 7 * 86_400, reopenWithin: Int64 = 14 * 86_400) {
        self.window = window
        self.reopenWithin = reopenWithin
    }
}
