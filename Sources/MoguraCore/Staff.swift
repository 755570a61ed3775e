/// What a staff member may do. A person may hold several roles.
public enum StaffRole: String, Hashable, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Manages accounts, tokens and settings; sees legal-track counts but not their contents.
    case admin
    /// Works terms-of-service cases (約款対応).
    case tosAgent = "tos-agent"
    /// Leads the legal track (法規対応): sees and decides legal-track cases.
    case legalLead = "legal-lead"
    /// Works legal-track cases.
    case legalAgent = "legal-agent"
    /// Looks up the inventory and network data; reads terms-of-service cases.
    case networkOperator = "network-operator"
    /// Reads terms-of-service cases.
    case viewer

    /// A short label in English and Japanese.
    public var title: (english: String, japanese: String) {
        switch self {
        case .admin: ("Administrator", "管理者")
        case .tosAgent: ("Terms-of-service agent", "約款対応担当")
        case .legalLead: ("Legal lead", "法規対応責任者")
        case .legalAgent: ("Legal agent", "法規対応担当")
        case .networkOperator: ("Network operator", "ネットワーク運用")
        case .viewer: ("Viewer", "閲覧者")
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: StaffRole, rhs: StaffRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A staff account.
public struct StaffUser: Hashable, Sendable, Codable {
    /// The login name, also the actor recorded in the audit chain as `user:<login>`.
    public var login: String
    /// How the person is shown.
    public var displayName: String
    /// What they may do.
    public var roles: Set<StaffRole>
    /// Preferred language of the UI (`ja`, `en`), nil: from the browser.
    public var language: String?
    /// When the account was disabled; a disabled account cannot log in.
    public var disabledAt: Timestamp?

    /// Creates an account record.
    public init(login: String, displayName: String, roles: Set<StaffRole>, language: String? = nil, disabledAt: Timestamp? = nil) {
        self.login = login
        self.displayName = displayName
        self.roles = roles
        self.language = language
        self.disabledAt = disabledAt
    }

    /// The actor name for the audit chain.
    public var actor: String { "user:\(login)" }

    /// Legal-track contents are for legal staff only; nobody else learns that a particular legal case exists.
    public var seesLegalTrack: Bool { roles.contains(.legalLead) || roles.contains(.legalAgent) }

    /// The tracks whose cases this person may read: every role reads terms-of-service cases (legal staff follow
    /// the cases their requests link to); only legal roles read the legal track.
    public var visibleTracks: [Track] {
        var tracks: [Track] = []
        if !roles.isEmpty { tracks.append(.termsOfService) }
        if seesLegalTrack { tracks.append(.legal) }
        return tracks
    }

    /// Whether this person may read a case of `track`.
    public func mayRead(_ track: Track) -> Bool { visibleTracks.contains(track) }

    /// Whether this person may act on (approve, resolve, note) a case of `track`.
    public func mayAct(on track: Track) -> Bool {
        switch track {
        case .termsOfService: roles.contains(.tosAgent) || roles.contains(.admin)
        case .legal: seesLegalTrack
        }
    }

    /// Whether this person may look up the inventory ("whose is this address?").
    public var mayLookUpInventory: Bool { !roles.isEmpty }

    /// Whether this person manages accounts and tokens.
    public var isAdmin: Bool { roles.contains(.admin) }
}

/// What an API token may do, on top of its owner's roles (a token never grants more than its owner holds).
public enum APIScope: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Read reports.
    case reportsRead = "reports:read"
    /// Submit reports.
    case reportsWrite = "reports:write"
    /// Read cases and their actions.
    case casesRead = "cases:read"
    /// Approve actions, resolve and close cases.
    case casesWrite = "cases:write"
    /// Look up the inventory.
    case inventoryRead = "inventory:read"
    /// Search indicators across cases.
    case search

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool { lhs.rawValue < rhs.rawValue }
}
