extension BuiltInLegalTemplates {
    static func head(_ title: String, language: String = "ja") -> String {
        """
        <!DOCTYPE html>
        <html lang="\(language)"><head><meta charset="utf-8"><title>\(title) {{requestNumber}}</title>
        \(style)
        </head><body>
        """
    }

    /// 補正のお願い（追加資料のご提出について）.
    public static let correctionRequest = LegalDocumentTemplate(
        id: "ja/common/correction-request", version: "2026.12", language: "ja", title: "補正のお願い",
        html: head("補正のお願い") + """
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{requester}} 御中</p>
            <p class="right">{{organization}}</p>
            <h1>補正のお願い（追加資料のご提出について）</h1>
            <p>{{received}}付けでお送りいただいた{{kind}}（請求番号 {{requestNumber}}）について、内容を確認いたしましたところ、下記の事項が不足しているため、手続を進めることができません。</p>
            <p>お手数ですが、下記の事項を補正のうえ、<strong>{{deadline}}</strong>までにご提出ください。ご提出をいただくまで、本件の手続は停止いたします。期限までにご提出がない場合、本件は終了したものとして扱うことがあります。</p>
            <p class="center">記</p>
            <table><thead><tr><th>番号</th><th>補正を要する事項</th></tr></thead><tbody>
            {{#missing}}<tr><td>{{no}}</td><td>{{item}}</td></tr>
            {{/missing}}
            </tbody></table>
            <p>ご提出の際は、請求番号 {{requestNumber}} をお書き添えください。</p>
            <p>お問い合わせ先：{{contact}}</p>
            <p class="right">以上</p>
            </body></html>
            """)

    /// ご回答のお願い（再照会）.
    public static let reminder = LegalDocumentTemplate(
        id: "ja/disclosure/reminder", version: "2026.12", language: "ja", title: "ご回答のお願い",
        html: head("ご回答のお願い") + """
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{subscriber}} 様<br><small>（お客様番号 {{customerID}}）</small></p>
            <p class="right">{{organization}}</p>
            <h1>ご回答のお願い</h1>
            <p>当社は、{{inquired}}付け「発信者情報開示請求に係る意見照会書」（請求番号 {{requestNumber}}、対象となる通信 {{rowCount}}件）により、開示に同意されるか否かについてご意見を伺っておりますが、現在までにご回答をいただいておりません。</p>
            <p>回答期限は<strong>{{deadline}}</strong>です。先にお送りした回答書にご記入のうえ、期限までにご返送ください。回答書がお手元にない場合は、下記までご連絡ください。</p>
            <p>回答期限までにご回答がない場合、当社は、請求の内容及び当社が保有する資料に基づき開示の可否を判断いたします。ご回答がないことをもって開示に同意されたものとは扱いません。</p>
            <p>本書と行き違いにご回答いただいている場合は、ご容赦ください。</p>
            <p>お問い合わせ先：{{contact}}</p>
            <p class="right">以上</p>
            </body></html>
            """)

    /// 発信者情報の開示について（ご通知）.
    public static let noticeAfterDisclosure = LegalDocumentTemplate(
        id: "ja/disclosure/notice-after-disclosure", version: "2026.12", language: "ja", title: "発信者情報の開示について（ご通知）",
        html: head("発信者情報の開示について") + """
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{subscriber}} 様<br><small>（お客様番号 {{customerID}}）</small></p>
            <p class="right">{{organization}}</p>
            <h1>発信者情報の開示について（ご通知）</h1>
            <p>請求番号 {{requestNumber}} の発信者情報開示請求について、当社は、下記のとおりお客様の発信者情報を開示いたしましたので、お知らせいたします。</p>
            <p class="center">記</p>
            <dl>
            <dt>1　開示日</dt><dd>{{disclosed}}</dd>
            <dt>2　開示先</dt><dd>{{recipient}}</dd>
            <dt>3　開示した情報</dt><dd>{{items}}</dd>
            <dt>4　対象となる通信</dt><dd>{{rowCount}}件</dd>
            <dt>5　開示の根拠</dt><dd>{{basis}}</dd>
            <dt>6　記録番号</dt><dd>開示記録 第{{sequence}}号</dd>
            </dl>
            <p>本件についてのお問い合わせは、下記までご連絡ください。</p>
            <p>お問い合わせ先：{{contact}}</p>
            <p class="right">以上</p>
            </body></html>
            """)

    /// 侵害情報の通知書 兼 送信防止措置に関する照会書, with its 回答書.
    public static let takedownInquiry = LegalDocumentTemplate(
        id: "ja/takedown/inquiry", version: "2026.12", language: "ja", title: "侵害情報の通知書 兼 送信防止措置に関する照会書",
        html: head("侵害情報の通知書 兼 送信防止措置に関する照会書") + """
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{sender}} 様</p>
            <p class="right">{{organization}}</p>
            <h1>侵害情報の通知書 兼 送信防止措置に関する照会書</h1>
            <p>当社は、当社のサービスにより発信されている下記の情報について、権利を侵害されたとする方から、送信を防止する措置（削除等）を講じるよう申出を受けました。</p>
            <p>つきましては、情報流通プラットフォーム対処法{{article}}に基づき、送信防止措置を講じることに同意されるか否かを照会いたします。本書到達の日から<strong>{{period}}</strong>を経過する<strong>{{deadline}}</strong>までに、同意しない旨のお申し出がない場合、当社は送信防止措置を講じることがあります。同意しない旨のお申し出に理由は必要ありません。</p>
            <p class="center">記</p>
            <dl>
            <dt>1　情報の所在</dt><dd>{{#locations}}{{.}}<br>{{/locations}}</dd>
            <dt>2　侵害されたとする権利</dt><dd>{{rights}}</dd>
            <dt>3　権利が侵害されたとする理由（申出者の記載のとおり）</dt><dd>{{statement}}</dd>
            <dt>4　回答期限</dt><dd><strong>{{deadline}}</strong></dd>
            <dt>5　お問い合わせ先</dt><dd>{{contact}}</dd>
            </dl>
            <p class="right">以上</p>
            <section class="page">
            <h1>回　答　書</h1>
            <p>{{organization}} 御中</p>
            <p>請求番号 {{requestNumber}} の照会について、次のとおり回答します。</p>
            <p>□ 送信防止措置を講じることに同意しません。</p>
            <p>□ 送信防止措置を講じることに同意します。</p>
            <p>□ 既に自ら当該情報を削除しました。</p>
            <h2>ご意見（任意）</h2>
            <div class="box"></div>
            <p>回答日　令和　　年　　月　　日</p>
            <p>氏名　<span class="line"></span></p>
            <p class="right"><small>回答期限：{{deadline}}</small></p>
            </section>
            </body></html>
            """)

    /// 送信防止措置依頼に対するご回答.
    public static let takedownAnswer = LegalDocumentTemplate(
        id: "ja/takedown/answer", version: "2026.12", language: "ja", title: "送信防止措置依頼に対するご回答",
        html: head("送信防止措置依頼に対するご回答") + """
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{requester}} 御中</p>
            <p class="right">{{organization}}</p>
            <h1>送信防止措置依頼に対するご回答</h1>
            <p>{{received}}付けでお送りいただいた送信防止措置依頼（請求番号 {{requestNumber}}）について、下記のとおり回答いたします。</p>
            <p class="center">記</p>
            <dl>
            <dt>1　対象の情報</dt><dd>{{#locations}}{{.}}<br>{{/locations}}</dd>
            <dt>2　結果</dt><dd>{{#removed}}送信防止措置を講じました。{{/removed}}{{#notRemoved}}送信防止措置は講じておりません。{{/notRemoved}}</dd>
            <dt>3　理由</dt><dd>{{reason}}</dd>
            </dl>
            <p>お問い合わせ先：{{contact}}</p>
            <p class="right">以上</p>
            </body></html>
            """)

    /// DMCA: notice of removal to the subscriber.
    public static let dmcaRemoval = LegalDocumentTemplate(
        id: "en/dmca/removal-notice", version: "2026.12", language: "en", title: "Notice of removal under the DMCA",
        html: head("Notice of removal under the DMCA", language: "en") + """
            <p class="right meta">{{issued}}<br>Reference {{requestNumber}}</p>
            <p>Dear {{subscriber}},</p>
            <h1>Notice of removal under the DMCA</h1>
            <p>On {{received}} {{organization}} received a notice under 17 U.S.C. 512(c)(3) from {{requester}} claiming that the following material stored on your service infringes copyright{{#work}} in {{work}}{{/work}}:</p>
            <ul>{{#locations}}<li>{{.}}</li>{{/locations}}</ul>
            <p>We have removed or disabled access to this material. If you believe it was removed by mistake or misidentification, you may send us a counter-notice containing:</p>
            <ol>
            <li>your physical or electronic signature;</li>
            <li>identification of the material removed and the location at which it appeared before it was removed;</li>
            <li>a statement under penalty of perjury that you have a good-faith belief that the material was removed or disabled as a result of mistake or misidentification;</li>
            <li>your name, address and telephone number, and a statement that you consent to the jurisdiction of the Federal District Court for your address (or, outside the United States, any judicial district in which we may be found), and that you will accept service of process from the person who provided the notice or their agent.</li>
            </ol>
            <p>On receiving a valid counter-notice we forward it to the complainant and restore the material not less than 10 and not more than 14 business days later, unless the complainant tells us they have filed an action seeking a court order against you. Repeated infringement can lead to termination of your account.</p>
            <p>Please quote reference {{requestNumber}}. Contact: {{contact}}</p>
            <p>{{organization}}</p>
            </body></html>
            """)

    /// DMCA: the counter-notice forwarded to the complainant.
    public static let dmcaCounterNoticeForward = LegalDocumentTemplate(
        id: "en/dmca/counter-notice-forward", version: "2026.12", language: "en", title: "Counter-notification received",
        html: head("Counter-notification received", language: "en") + """
            <p class="right meta">{{issued}}<br>Reference {{requestNumber}}</p>
            <p>Dear {{complainant}},</p>
            <h1>Counter-notification received</h1>
            <p>On {{received}} {{organization}} received a counter-notification under 17 U.S.C. 512(g) from {{requester}} concerning material removed on your notice{{#reference}} ({{reference}}){{/reference}}:</p>
            <ul>{{#locations}}<li>{{.}}</li>{{/locations}}</ul>
            <p>A copy of the counter-notification is enclosed.</p>
            <p>Unless you notify us that you have filed an action seeking a court order to restrain the subscriber from engaging in infringing activity relating to this material, we will restore it or cease disabling access to it <strong>not earlier than {{earliest}} and not later than {{latest}}</strong>.</p>
            <p>Please quote reference {{requestNumber}}. Contact: {{contact}}</p>
            <p>{{organization}}</p>
            </body></html>
            """)

    /// DSA Art. 17 statement of reasons.
    public static let dsaStatementOfReasons = LegalDocumentTemplate(
        id: "en/dsa/statement-of-reasons", version: "2026.12", language: "en", title: "Statement of reasons (DSA Article 17)",
        html: head("Statement of reasons", language: "en") + """
            <p class="right meta">{{issued}}<br>Reference {{requestNumber}}</p>
            <p>To {{recipient}},</p>
            <h1>Statement of reasons</h1>
            <p>This statement is given under Article 17 of Regulation (EU) 2022/2065 (Digital Services Act).</p>
            <dl>
            <dt>Content concerned</dt><dd>{{#locations}}{{.}}<br>{{/locations}}</dd>
            <dt>Decision</dt><dd>{{#actioned}}Access to the content has been removed or disabled.{{/actioned}}{{#declined}}No restriction has been applied.{{/declined}}</dd>
            <dt>Facts and circumstances</dt><dd>A notice received on {{received}} under Article 16{{#statement}}, stating: {{statement}}{{/statement}}.</dd>
            <dt>Grounds</dt><dd>{{grounds}}</dd>
            <dt>Automated means</dt><dd>{{automated}}</dd>
            <dt>Redress</dt><dd>You may contact us at {{contact}} quoting {{requestNumber}}, use an out-of-court dispute settlement body certified under Article 21 where available, or seek judicial redress.</dd>
            </dl>
            <p>{{organization}}</p>
            </body></html>
            """)

    /// DSA Art. 16(5) decision to the notifier.
    public static let dsaDecision = LegalDocumentTemplate(
        id: "en/dsa/decision", version: "2026.12", language: "en", title: "Decision on your notice (DSA Article 16)",
        html: head("Decision on your notice", language: "en") + """
            <p class="right meta">{{issued}}<br>Reference {{requestNumber}}</p>
            <p>To {{recipient}},</p>
            <h1>Decision on your notice</h1>
            <p>We received your notice on {{received}}{{#reference}} ({{reference}}){{/reference}} concerning:</p>
            <ul>{{#locations}}<li>{{.}}</li>{{/locations}}</ul>
            <p>{{#actioned}}We have removed or disabled access to the content.{{/actioned}}{{#declined}}We have decided not to restrict the content.{{/declined}} Grounds: {{grounds}}</p>
            <p>{{automated}}</p>
            <p>You may contact us at {{contact}} quoting {{requestNumber}}, or seek redress through an out-of-court dispute settlement body or the courts.</p>
            <p>{{organization}}</p>
            </body></html>
            """)

    /// The letters added for the rest of the track (`LegalLetter`).
    static let letters = [
        correctionRequest, reminder, noticeAfterDisclosure, takedownInquiry, takedownAnswer, dmcaRemoval, dmcaCounterNoticeForward,
        dsaStatementOfReasons, dsaDecision,
    ]
}
