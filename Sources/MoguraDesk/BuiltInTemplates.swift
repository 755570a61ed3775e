/// The notice templates Mogura ships, by file name. `mogura notices export DIR` writes them out for operators to
/// edit; a template in `notices.templates` replaces the built-in one of the same name.
///
/// Each template is Mustache (no HTML escaping). Its first lines may be header fields (only `Subject:` is used);
/// a blank line ends them and the body follows. The values a template can use are listed in `docs/notices.md`.
public enum BuiltInTemplates {
    /// Template text by file name (`notify.ja.mustache`, …).
    public static let all: [String: String] = [
        "notify.ja.mustache": notifyJapanese,
        "notify.en.mustache": notifyEnglish,
        "warn.ja.mustache": warnJapanese,
        "warn.en.mustache": warnEnglish,
        "acknowledge.ja.mustache": acknowledgeJapanese,
        "acknowledge.en.mustache": acknowledgeEnglish,
    ]

    static let notifyJapanese = """
        Subject: 【{{organization}}】ご契約サービスの不正利用に関するお知らせ（案件番号 {{caseNumber}}）

        {{customerName}} 様

        {{organization}} 不正利用対応窓口です。
        お客様のご契約サービス（{{serviceID}}）について、{{categoryJapanese}}に関する報告を{{reportCount}}件受け付けました。
        {{#suspended}}

        被害の拡大を防ぐため、{{suspendedAt}}に当該サービスを一時停止いたしました。
        {{/suspended}}
        {{#webSuspended}}

        被害の拡大を防ぐため、{{webSuspendedAt}}に当該サービスのWeb公開を一時停止いたしました（メール等は引き続きご利用いただけます）。
        {{/webSuspended}}
        {{#mailBlocked}}

        第三者による不正な送信を止めるため、当該アカウントからのメール送信を停止し、パスワードを初期化いたしました。
        {{/mailBlocked}}

        ■ 報告の内容（抜粋。報告者の情報は伏せています）
        {{#evidence}}
        ----
        受付日時: {{receivedAt}}
        {{#eventTime}}発生日時: {{eventTime}}
        {{/eventTime}}
        件名: {{subject}}
        {{#indicators}}対象: {{indicators}}
        {{/indicators}}
        {{#excerpt}}
        {{excerpt}}
        {{/excerpt}}
        {{/evidence}}
        {{#moreReports}}
        ----
        ほか {{moreReports}} 件
        {{/moreReports}}

        ■ お願いしたいこと
        {{adviceJapanese}}

        ■ ご回答の方法
        対応が完了しましたら、このメールに返信して、行った対応の内容をお知らせください。
        返信先は案件に紐づいています（{{replyTo}}）。件名の案件番号は変えずにお送りください。
        {{#portalURL}}
        次のページから「解決しました」と回答することもできます（証拠の確認もできます）:
        {{portalURL}}
        {{/portalURL}}
        担当者が確認のうえ、必要に応じてサービスを再開いたします。

        ----
        {{organization}} 不正利用対応窓口
        案件番号: {{caseNumber}}
        """

    static let notifyEnglish = """
        Subject: [{{organization}}] Abuse reported for your service (case {{caseNumber}})

        Dear {{customerName}},

        This is the abuse desk of {{organization}}. We have received {{reportCount}} report(s) of {{categoryEnglish}}
        concerning your service {{serviceID}}.
        {{#suspended}}

        To stop further harm, we suspended the service at {{suspendedAt}}.
        {{/suspended}}
        {{#webSuspended}}

        To stop further harm, we suspended web publishing for the service at {{webSuspendedAt}} (mail and the rest
        keep working).
        {{/webSuspended}}
        {{#mailBlocked}}

        To stop mail sent by someone else in your name, we blocked outgoing mail from the account and reset its
        password.
        {{/mailBlocked}}

        == What was reported (excerpts; the reporters' details are withheld) ==
        {{#evidence}}
        ----
        Received: {{receivedAt}}
        {{#eventTime}}Happened: {{eventTime}}
        {{/eventTime}}
        Subject: {{subject}}
        {{#indicators}}Concerning: {{indicators}}
        {{/indicators}}
        {{#excerpt}}
        {{excerpt}}
        {{/excerpt}}
        {{/evidence}}
        {{#moreReports}}
        ----
        and {{moreReports}} more
        {{/moreReports}}

        == What to do ==
        {{adviceEnglish}}

        == How to answer ==
        When you have dealt with it, reply to this message and tell us what you did. Replies to this address
        ({{replyTo}}) are filed with the case; please keep the case number in the subject. Staff will check and,
        where needed, resume the service.
        {{#portalURL}}
        You can also see the evidence and answer "fixed" on this page:
        {{portalURL}}
        {{/portalURL}}

        --
        {{organization}} abuse desk
        Case {{caseNumber}}
        """

    static let warnJapanese = """
        Subject: 【重要】{{organization}}：ご対応がない場合のサービス停止について（案件番号 {{caseNumber}}）

        {{customerName}} 様

        {{organization}} 不正利用対応窓口です。
        先日お知らせした、ご契約サービス（{{serviceID}}）の{{categoryJapanese}}について、対応のご連絡をいただいておりません。
        その後も報告が続いており、受付件数は{{reportCount}}件になりました。
        {{#deadline}}

        {{deadline}}までに対応が確認できない場合、利用規約に基づき当該サービスを停止いたします。
        {{/deadline}}

        ■ 報告の内容（抜粋。報告者の情報は伏せています）
        {{#evidence}}
        ----
        受付日時: {{receivedAt}}
        {{#eventTime}}発生日時: {{eventTime}}
        {{/eventTime}}
        件名: {{subject}}
        {{#indicators}}対象: {{indicators}}
        {{/indicators}}
        {{/evidence}}
        {{#moreReports}}
        ----
        ほか {{moreReports}} 件
        {{/moreReports}}

        ■ お願いしたいこと
        {{adviceJapanese}}

        ■ ご回答の方法
        このメールに返信して、行った対応の内容をお知らせください（返信先: {{replyTo}}）。
        {{#portalURL}}
        回答と証拠の確認はこちらからも可能です: {{portalURL}}
        {{/portalURL}}

        ----
        {{organization}} 不正利用対応窓口
        案件番号: {{caseNumber}}
        """

    static let warnEnglish = """
        Subject: [{{organization}}] Important: your service will be suspended without action (case {{caseNumber}})

        Dear {{customerName}},

        This is the abuse desk of {{organization}}. We wrote to you about {{categoryEnglish}} concerning your service
        {{serviceID}} and have not heard back. Reports keep arriving: {{reportCount}} so far.
        {{#deadline}}

        Unless we see the problem dealt with by {{deadline}}, we will suspend the service under our terms of service.
        {{/deadline}}

        == What was reported (excerpts; the reporters' details are withheld) ==
        {{#evidence}}
        ----
        Received: {{receivedAt}}
        {{#eventTime}}Happened: {{eventTime}}
        {{/eventTime}}
        Subject: {{subject}}
        {{#indicators}}Concerning: {{indicators}}
        {{/indicators}}
        {{/evidence}}
        {{#moreReports}}
        ----
        and {{moreReports}} more
        {{/moreReports}}

        == What to do ==
        {{adviceEnglish}}

        == How to answer ==
        Reply to this message and tell us what you did (replies go to {{replyTo}}).
        {{#portalURL}}
        Or answer and see the evidence here: {{portalURL}}
        {{/portalURL}}

        --
        {{organization}} abuse desk
        Case {{caseNumber}}
        """

    static let acknowledgeJapanese = """
        Subject: Re: {{reportSubject}}（{{organization}} 受付番号 {{caseNumber}}）

        {{organization}} 不正利用対応窓口です。
        ご報告ありがとうございます。{{receivedAt}}に受け付け、案件番号 {{caseNumber}} として対応を進めています。
        同じ件について追加の情報がある場合は、件名に案件番号を含めてお送りください。

        個別の対応結果はお知らせできない場合があります。あらかじめご了承ください。

        ----
        {{organization}} 不正利用対応窓口
        """

    static let acknowledgeEnglish = """
        Subject: Re: {{reportSubject}} ({{organization}} case {{caseNumber}})

        This is the abuse desk of {{organization}}.
        Thank you for your report. We received it at {{receivedAt}} and are handling it as case {{caseNumber}}.
        If you have more on the same matter, please keep the case number in the subject.

        We may not be able to tell you the outcome.

        --
        {{organization}} abuse desk
        """
}
