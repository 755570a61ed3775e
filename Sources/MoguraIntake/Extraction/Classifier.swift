public import MoguraCore

/// Decides a report's category, track and confidence from keywords in English and Japanese.
///
/// Formats with a category field (ARF feedback types, X-ARF, XARF, Shadowserver report types, phishing feeds)
/// set it themselves with high confidence; this classifier covers what people write. Each category has weighted
/// keywords; the best score wins; nothing found means `other` with confidence 0, for a person to triage. Words
/// that mean a legal procedure (発信者情報開示, 送信防止措置, 捜査関係事項照会, DMCA, court order) put the report on the
/// legal track whatever its category.
public enum Classifier {
    /// The result of classification.
    public struct Result: Hashable, Sendable {
        public var category: MoguraCore.Category
        public var track: Track
        public var confidence: Double
        /// The keywords that decided it, for the person who checks.
        public var matched: [String]
    }

    private static let rules: [(MoguraCore.Category, [(String, Int)])] = [
        (
            .phishing,
            [
                ("phishing", 3), ("phish", 2), ("フィッシング", 3), ("偽サイト", 3), ("なりすましサイト", 3), ("credential", 1),
                ("verify your account", 2), ("アカウントの確認", 1), ("fake login", 2), ("偽のログイン", 3),
            ]
        ),
        (
            .spam,
            [
                ("spam", 3), ("unsolicited", 2), ("迷惑メール", 3), ("スパム", 3), ("bulk mail", 2), ("特定電子メール", 2),
                ("junk mail", 2), ("広告メール", 2),
            ]
        ),
        (
            .malware,
            [
                ("malware", 3), ("virus", 2), ("trojan", 3), ("ransomware", 3), ("マルウェア", 3), ("ウイルス", 3),
                ("malicious file", 2), ("malicious url", 3), ("malicious link", 2), ("不正プログラム", 3), ("emotet", 3),
            ]
        ),
        (
            .webshell,
            [
                ("webshell", 3), ("web shell", 3), ("backdoor", 2), ("改ざん", 3), ("改竄", 3), ("defaced", 3),
                ("defacement", 3), ("compromised website", 2), ("バックドア", 3),
            ]
        ),
        (
            .botnet,
            [
                ("botnet", 3), ("command and control", 3), ("c&c", 2), ("c2 server", 3), ("ボットネット", 3), ("sinkhole", 2),
                ("infected host", 2), ("感染", 2),
            ]
        ),
        (.scanning, [("port scan", 3), ("portscan", 3), ("scanning", 2), ("ポートスキャン", 3), ("スキャン", 2)]),
        (
            .bruteForce,
            [
                ("brute force", 3), ("brute-force", 3), ("failed login", 2), ("login attempts", 2), ("ブルートフォース", 3),
                ("総当たり", 3), ("不正アクセス", 2), ("unauthorized access", 2), ("ssh attack", 2),
            ]
        ),
        (
            .ddos,
            [
                ("ddos", 3), ("denial of service", 3), ("dos attack", 3), ("syn flood", 3), ("flood", 1), ("dos攻撃", 3),
                ("大量のトラフィック", 2), ("大量アクセス", 2),
            ]
        ),
        (
            .openService,
            [
                ("open resolver", 3), ("open dns", 3), ("amplification", 2), ("open relay", 3), ("monlist", 3),
                ("踏み台", 3), ("オープンリゾルバ", 3), ("オープンリレー", 3), ("memcached", 2), ("ssdp", 2),
            ]
        ),
        (
            .compromisedAccount,
            [
                ("compromised account", 3), ("hacked account", 3), ("account takeover", 3), ("乗っ取り", 3),
                ("乗っ取られ", 3), ("不正ログイン", 2),
            ]
        ),
        (.formAbuse, [("contact form", 3), ("お問い合わせフォーム", 3), ("問い合わせフォーム", 3), ("form spam", 3), ("フォームから", 2)]),
        (
            .copyright,
            [
                ("copyright", 3), ("dmca", 3), ("infring", 2), ("著作権", 3), ("海賊版", 3), ("bittorrent", 3),
                ("torrent", 2), ("無断転載", 2),
            ]
        ),
        (
            .illegalContent,
            [
                ("child abuse", 3), ("csam", 3), ("illegal content", 3), ("違法", 2), ("わいせつ", 3),
                ("児童ポルノ", 3), ("名誉毀損", 3), ("誹謗中傷", 3), ("プライバシー侵害", 3), ("違法・有害", 3),
            ]
        ),
        (
            .fraudSignup,
            [
                ("fraudulent sign", 3), ("fake account", 2), ("stolen credit card", 3), ("不正申込", 3),
                ("なりすまし申込", 3), ("クレジットカードの不正", 3), ("chargeback", 2),
            ]
        ),
    ]

    private static let legalWords = [
        "発信者情報開示", "送信防止措置", "捜査関係事項照会", "プロバイダ責任制限法", "情報流通プラットフォーム対処法", "開示請求",
        "削除依頼", "差押", "裁判所", "dmca", "subpoena", "court order", "law enforcement", "counter-notice", "digital services act",
    ]

    /// The rules with each keyword as UTF-8 bytes, searched as bytes: String.contains is Unicode-aware and, measured
    /// here, took half of intake's time.
    private static let byteRules: [(MoguraCore.Category, [(word: String, bytes: [UInt8], weight: Int)])] = rules.map { category, keywords in
        (category, keywords.map { ($0.0, Array($0.0.utf8), $0.1) })
    }
    private static let legalBytes: [(String, [UInt8])] = legalWords.map { ($0, Array($0.utf8)) }

    /// Classifies a subject and body.
    public static func classify(subject: String, text: String) -> Result {
        let subjectBytes = asciiLowercased(Array(subject.utf8))
        let haystack = subjectBytes + [0x0A] + asciiLowercased(Array(text.utf8.prefix(64 * 1024)))
        var best: (MoguraCore.Category, Int, [String])?
        for (category, keywords) in byteRules {
            var score = 0
            var matched: [String] = []
            for keyword in keywords where contains(haystack, keyword.bytes) {
                score += keyword.weight
                matched.append(keyword.word)
                // A keyword in the subject counts double: reporters name the problem there.
                if contains(subjectBytes, keyword.bytes) { score += keyword.weight }
            }
            if score > 0 && (best == nil || score > best!.1) { best = (category, score, matched) }
        }
        let legal = legalBytes.filter { contains(haystack, $0.1) }.map(\.0)
        guard let (category, score, matched) = best else {
            return Result(category: .other, track: legal.isEmpty ? .termsOfService : .legal, confidence: legal.isEmpty ? 0 : 0.5, matched: legal)
        }
        return Result(
            category: category, track: legal.isEmpty ? category.defaultTrack : .legal,
            confidence: min(0.85, 0.35 + 0.1 * Double(score)), matched: matched + legal)
    }

    /// Lower-cases ASCII letters only; the keywords are lower-case ASCII or Japanese, which has no case.
    static func asciiLowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// Byte-string search: whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        ByteSearch.contains(haystack, needle)
    }

    /// `ja` when the text is substantially Japanese, `en` when it has Latin letters, else nil.
    public static func language(_ text: String) -> String? {
        var japanese = 0
        var latin = 0
        var other = 0
        for scalar in text.unicodeScalars.prefix(20_000) {
            switch scalar.value {
            case 0x3040...0x30FF, 0x4E00...0x9FFF, 0xFF66...0xFF9F: japanese += 1
            case 0x41...0x5A, 0x61...0x7A: latin += 1
            case 0xC0...0x24F: latin += 1
            case 0x370...0x1FFF, 0xAC00...0xD7AF: other += 1  // Greek, Cyrillic, Arabic, Hebrew, Thai, Hangul, …
            default: break
            }
        }
        if japanese >= 5 && japanese * 4 >= latin / 4 { return "ja" }
        if other > latin { return nil }
        if latin >= 3 { return "en" }
        return japanese > 0 ? "ja" : nil
    }
}
