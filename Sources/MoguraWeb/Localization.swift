import Foundation
import MoguraCore

/// The two languages of the UI.
extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

public enum Language: String, Sendable, CaseIterable {
    case english = "en"
    case japanese = "ja"

    /// The language a browser asks for in `Accept-Language`, by quality; English when it names neither.
    static func preferred(acceptLanguage header: String?) -> Language {
        guard let header else { return .english }
        var best: (Language, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";")
            let tag = pieces.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            var quality = 1.0
            for piece in pieces.dropFirst() {
                let trimmed = piece.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("q="), let q = Double(trimmed.dropFirst(2)) { quality = q }
            }
            let language: Language? = tag.hasPrefix("ja") ? .japanese : tag.hasPrefix("en") ? .english : nil
            if let language, quality > (best?.1 ?? 0) { best = (language, quality) }
        }
        return best?.0 ?? .english
    }

    /// The UI text for an English source string.
    func t(_ english: String) -> String {
        self == .japanese ? (Self.japaneseText[english] ?? english) : (Self.englishText[english] ?? english)
    }

    /// English for the keyed entries (states, actions); other English text is its own key.
    private static let englishText: [String: String] = {
        var table: [String: String] = [:]
        for state in CaseState.allCases {
            table["state:" + state.rawValue] = state.rawValue.replacingOccurrences(of: "-", with: " ").capitalizedFirst
        }
        for state in ActionState.allCases { table["action-state:" + state.rawValue] = state.rawValue.capitalizedFirst }
        for kind in ["notify", "warn", "suspend", "resume", "reset-password", "block-mail", "forward-outward", "acknowledge-reporter"] {
            table["action:" + kind] = kind.replacingOccurrences(of: "-", with: " ").capitalizedFirst
        }
        table["customer-answer"] = "Customer answer"
        table["note"] = "Note"
        return table
    }()

    func title(_ category: MoguraCore.Category) -> String { self == .japanese ? category.title.japanese : category.title.english }
    func title(_ track: Track) -> String { self == .japanese ? track.title.japanese : track.title.english }
    func title(_ role: StaffRole) -> String { self == .japanese ? role.title.japanese : role.title.english }
    func title(_ state: CaseState) -> String { t("state:" + state.rawValue) }
    func title(_ state: ActionState) -> String { t("action-state:" + state.rawValue) }
    func title(_ kind: ActionKind) -> String { t("action:" + kind.rawValue) }

    private static let japaneseText: [String: String] = [
        "Mogura abuse desk": "Mogura 不正利用対応デスク",
        "Queue": "キュー", "Dashboard": "ダッシュボード", "Triage": "振り分け待ち", "Lookup": "割当検索", "Audit log": "監査ログ",
        "Search": "検索", "Log out": "ログアウト", "Log in": "ログイン", "Login name": "ログイン名", "Password": "パスワード",
        "Language": "言語", "Save": "保存", "Filter": "絞り込み", "Any": "すべて", "Track": "対応区分", "Category": "種別",
        "State": "状態", "Assignee": "担当者", "Unassigned": "未割当", "Deadline breached": "期限超過", "Sort": "並び順",
        "Recently updated": "更新が新しい順", "Recently opened": "受付が新しい順", "Nearest deadline": "期限が近い順",
        "Case": "案件", "Subject": "対象", "Customer": "顧客", "Reports": "通報", "Opened": "受付", "Updated": "更新",
        "Deadline": "期限", "Next page": "次のページ", "First page": "最初のページ", "No cases match.": "該当する案件はありません。",
        "Timeline": "経過", "Actions": "措置", "Notes": "メモ", "Add note": "メモを追加", "Approve": "承認", "Skip": "スキップ",
        "Resolve": "解決", "Resolve and resume": "解決して再開", "Send back": "差し戻し", "Close": "クローズ", "Assign to me": "自分に割当",
        "Due": "予定", "Needs approval": "要承認", "Approved by": "承認者", "Result": "結果", "Raw report": "通報原文",
        "Other cases with this indicator": "同じ指標を持つ他の案件", "Indicators": "指標", "Received": "受信", "Reporter": "通報者",
        "Channel": "経路", "Format": "形式", "Warnings": "警告", "Parse error": "解析エラー", "View raw": "原文を見る",
        "Reports in triage": "振り分け待ちの通報", "Reason": "理由", "Move": "状態を進める", "Cases": "関連する案件", "Branch of": "派生元", "New request": "新規受付",
        "Reference": "先方の文書番号", "Party": "当事者",
        "Name": "名前", "Rights": "侵害されたとする権利", "Election material": "選挙関係", "Locations": "情報の所在", "Statement": "申出の理由", "Register": "受け付ける",
        "Claim lists (disclosure requests) are imported with mogura legal import.": "発信者情報開示請求の目録は mogura legal import で取り込みます。", "Deadlines": "期限",
        "Note": "メモ",
        "Nothing waits in triage.": "振り分け待ちはありません。",
        "Whose is this address?": "このアドレスの利用者は？", "Address, domain or account": "アドレス・ドメイン・アカウント",
        "At": "日時", "Look up": "検索", "No assignment matches.": "該当する割当はありません。", "Service": "サービス",
        "Valid": "有効期間", "Time": "日時", "Actor": "実行者", "Action": "操作", "Object": "対象", "Details": "詳細", "Older": "さらに古い",
        "Reports per day": "日別の通報数", "Cases opened per day": "日別の案件数", "Backlog": "未処理", "Open cases": "対応中の案件",
        "Median time to first action": "初動までの時間（中央値）", "Deadlines within 24 h": "24時間以内の期限",
        "Deadlines breached": "期限超過", "Legal track (counts only)": "法規対応（件数のみ）", "hours": "時間",
        "Your abuse notice": "不正利用に関するお知らせ", "What happened": "内容", "Evidence": "証拠", "What to do": "お願いしたい対応",
        "Answer": "回答", "I have fixed the problem": "問題を解決しました", "Comment": "コメント", "Send": "送信",
        "Thank you. Our staff will check your answer.": "ご回答ありがとうございます。担当者が確認します。",
        "This link is not valid.": "このリンクは無効です。", "This link has expired.": "このリンクは有効期限切れです。",
        "Too many answers today; please try again tomorrow.": "本日の回答数の上限に達しました。明日再度お試しください。",
        "Report abuse": "不正利用の通報", "Your report": "通報内容", "URLs, IP addresses or domains": "URL・IPアドレス・ドメイン",
        "What did you see?": "内容の説明", "Evidence file": "証拠ファイル", "Your name": "お名前", "Your e-mail address": "メールアドレス",
        "You may pass my contact details to the customer concerned.": "連絡先を対象の顧客に伝えることに同意します。",
        "I report this in good faith and the information is accurate to the best of my knowledge.":
            "誠実に通報しており、内容は私の知る限り正確です。",
        "Submit report": "通報する", "Thank you for your report.": "通報を受け付けました。", "Case number": "案件番号",
        "Report reference": "通報受付番号",
        "We could not tell whose network this is; a person will look at your report.": "対象を特定できなかったため、担当者が確認します。",
        "Please keep this number for any follow-up.": "お問い合わせの際はこの番号をお知らせください。",
        "Please fill in the required fields.": "必須項目を入力してください。",
        "Too many reports from your address; please try again later.": "送信回数の上限に達しました。しばらくしてからお試しください。",
        "The form expired; please submit it again.": "フォームの有効期限が切れました。もう一度送信してください。",
        "Login failed.": "ログインに失敗しました。", "Too many failed logins; try again later.": "ログイン失敗が多すぎます。しばらくしてからお試しください。",
        "Not found": "見つかりません", "The page or case does not exist, or you may not see it.": "ページまたは案件が存在しないか、閲覧権限がありません。",
        "The form was refused (missing or wrong security token). Reload the page and try again.":
            "フォームを受け付けられませんでした（セキュリティトークンが不正です）。ページを再読み込みしてやり直してください。",
        "Done.": "完了しました。", "A report can only be filed into a case of its own track.": "通報は同じ対応区分の案件にのみ追加できます。", "Notices": "送信した通知",
        "File into case": "案件に追加", "Refused": "実行できません", "required": "必須", "Contact": "連絡先",
        "Customer answers": "顧客の回答", "note": "メモ", "customer-answer": "顧客回答", "Roles": "権限",
        "state:new": "新規", "state:triaged": "振り分け済", "state:notified": "通知済", "state:awaiting-customer": "顧客対応待ち",
        "state:suspended": "停止中", "state:review": "確認待ち", "state:resolved": "解決", "state:closed": "クローズ",
        "action-state:planned": "予定", "action-state:running": "実行中", "action-state:approved": "承認済", "action-state:done": "完了",
        "action-state:failed": "失敗", "action-state:skipped": "スキップ",
        "action:notify": "通知", "action:warn": "警告", "action:suspend": "停止", "action:resume": "再開",
        "action:reset-password": "パスワードリセット", "action:block-mail": "メール送信停止", "action:forward-outward": "外部転送",
        "action:acknowledge-reporter": "通報者への受付通知",
    ]
}
