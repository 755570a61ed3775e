/// The two ways abuse work is handled.
///
/// The terms-of-service track (約款対応) is run by technical staff under the provider's contract terms; the legal
/// track (法規対応) — disclosure requests, takedown requests, police inquiries — by legal staff only.
public enum Track: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case termsOfService = "tos"
    case legal = "legal"

    /// The name shown to staff, in English and Japanese.
    public var title: (english: String, japanese: String) {
        switch self {
        case .termsOfService: ("Terms of service", "約款対応")
        case .legal: ("Legal", "法規対応")
        }
    }

    public var description: String { rawValue }
}

/// What kind of abuse a report or case is about.
///
/// A fixed taxonomy close to X-ARF and common CERT practice (DESIGN.md, "Core model"). Each category belongs to a
/// track by default; a playbook may override it.
public enum Category: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case spam
    case phishing
    case malware
    case webshell
    /// A mass-mailer script in a customer's web space (Leaf PHPMailer, xSENDER and the like).
    case mailer
    case botnet
    case scanning
    case bruteForce = "brute-force"
    case ddos
    case openService = "open-service"
    case compromisedAccount = "compromised-account"
    case formAbuse = "form-abuse"
    case copyright
    case illegalContent = "illegal-content"
    case fraudSignup = "fraud-signup"
    case other

    /// The track a case of this category goes to unless a playbook says otherwise.
    ///
    /// Copyright claims and illegal-content complaints are handled under the law (disclosure and takedown
    /// requests), everything else under the terms of service.
    public var defaultTrack: Track {
        switch self {
        case .copyright, .illegalContent: .legal
        default: .termsOfService
        }
    }

    /// A short label in English and Japanese.
    public var title: (english: String, japanese: String) {
        switch self {
        case .spam: ("Spam", "迷惑メール")
        case .phishing: ("Phishing", "フィッシング")
        case .malware: ("Malware", "マルウェア")
        case .webshell: ("Webshell", "Webシェル")
        case .mailer: ("Mass-mailer script", "大量メール送信スクリプト")
        case .botnet: ("Botnet / C2", "ボットネット・C2")
        case .scanning: ("Scanning", "スキャン")
        case .bruteForce: ("Brute force", "ブルートフォース")
        case .ddos: ("DDoS", "DDoS攻撃")
        case .openService: ("Open service (amplifier)", "オープンサービス（踏み台）")
        case .compromisedAccount: ("Compromised account", "アカウント乗っ取り")
        case .formAbuse: ("Contact-form abuse", "フォーム悪用")
        case .copyright: ("Copyright", "著作権侵害")
        case .illegalContent: ("Illegal content", "違法・有害情報")
        case .fraudSignup: ("Fraudulent sign-up", "不正申込")
        case .other: ("Other", "その他")
        }
    }

    public var description: String { rawValue }
}
