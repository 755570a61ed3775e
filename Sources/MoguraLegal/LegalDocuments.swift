import Crypto
import Foundation
public import MoguraCore
import Mustache

/// A versioned document template: print-ready A4 HTML with Mustache variables (HTML-escaped).
public struct LegalDocumentTemplate: Hashable, Sendable {
    /// `ja/disclosure/opinion-inquiry`.
    public var id: String
    /// `2026.11`: a changed text is a new version; rendered documents name the version they used.
    public var version: String
    public var language: String
    public var title: String
    public var html: String

    public init(id: String, version: String, language: String, title: String, html: String) {
        self.id = id
        self.version = version
        self.language = language
        self.title = title
        self.html = html
    }
}

/// A rendered document as kept: which template and version, for whom, the variables it used, the HTML and its
/// SHA-256 (what was sent can be shown to be what was rendered).
public struct RenderedDocument: Hashable, Sendable, Codable {
    public var templateID: String
    public var templateVersion: String
    public var language: String
    public var title: String
    public var requestNumber: String
    public var recipient: String
    /// The variables, as JSON with sorted keys.
    public var variables: String
    public var html: String
    public var sha256: String
}

/// Renders the legal track's documents in Japanese with dates in both calendars and JST times.
///
/// The 意見照会書 with its 回答書 form and 別紙 row table (one per subscriber), the acknowledgement, the answers to
/// the requester and to police here; the other letters (補正, reminder, notice after disclosure, takedown inquiry
/// and answer, DMCA and DSA in English) in `LegalLetters.swift`.
public struct LegalDocumentRenderer: Sendable {
    /// The provider's name as it signs documents.
    public var organization: String
    /// Where the subscriber answers and asks: address, phone, e-mail.
    public var contact: String
    public var templates: [String: LegalDocumentTemplate]

    public init(organization: String, contact: String, templates: [LegalDocumentTemplate] = BuiltInLegalTemplates.all) {
        self.organization = organization
        self.contact = contact
        self.templates = Dictionary(templates.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The 意見照会書 to one subscriber, listing all their rows, with the 回答書 form.
    /// - Parameters:
    ///   - requester: the requester as the masking profile lets the subscriber see them.
    ///   - rights: the rights said to be infringed (著作権（送信可能化権）).
    ///   - items: the sender information requested (氏名, 住所, …).
    ///   - deadline: the reply deadline (``StandardDeadlineRules/opinionInquiryReply``).
    public func opinionInquiry(
        request: LegalRequest, group: SubscriberGroup, rows: [ResolvedRow], requester: String, rights: String, items: [String], deadline: Deadline,
        issued: Timestamp
    ) throws -> RenderedDocument {
        let table: [[String: String]] = group.rows.enumerated().map { position, index in
            let row = rows[index]
            return [
                "no": String(position + 1), "claimRow": row.row.rowNumber, "time": row.row.time.map(JapaneseDate.tableTime) ?? "",
                "address": row.row.address?.description ?? "", "port": row.row.port.map(String.init) ?? "—", "file": row.row.fileName ?? "",
                "hash": row.row.infoHash ?? "",
            ]
        }
        let context: [String: Any] = [
            "organization": organization, "contact": contact, "requestNumber": request.number,
            "issued": JapaneseDate.both(JapaneseDate.day(issued)), "subscriber": group.customerName, "customerID": group.customerID,
            "requester": requester, "rights": rights, "items": items.joined(separator: "、"), "rowCount": String(table.count), "rows": table,
            "deadline": JapaneseDate.both(deadline.lastDay), "deadlineRule": deadline.rule.explanation,
        ]
        return try render("ja/disclosure/opinion-inquiry", context: context, requestNumber: request.number, recipient: group.customerID)
    }

    /// The answer to the requester (発信者情報開示請求に対するご回答): a summary, and a 別紙 with every row's
    /// decision in the claimant's numbering. Names are never in it: a disclosure is sent separately, after the
    /// two-approval rule, as its own record.
    public func answerToRequester(request: LegalRequest, rows: [ResolvedRow], issued: Timestamp) throws -> RenderedDocument {
        let decided = rows.filter { $0.decision != nil || $0.outcome == .duplicate || $0.outcome == .invalid }
        var counts: [String: Int] = [:]
        let table: [[String: String]] = decided.map { row in
            let label: String
            let reason: String
            switch (row.decision, row.outcome) {
            case (let decision?, _): (label, reason) = (decision.japanese, decision.reason)
            case (nil, .duplicate): (label, reason) = ("重複", row.duplicateOf.map { "\($0) と同一" } ?? "")
            default: (label, reason) = ("形式不備", row.reason)
            }
            counts[label, default: 0] += 1
            return [
                "claimRow": row.row.rowNumber, "time": row.row.time.map(JapaneseDate.tableTime) ?? "",
                "address": row.row.address?.description ?? "", "port": row.row.port.map(String.init) ?? "—", "result": label, "reason": reason,
            ]
        }
        let summary: [[String: String]] = counts.sorted { $0.key < $1.key }.map { ["label": $0.key, "count": String($0.value)] }
        let requester = request.requesterName ?? "請求者"
        let context: [String: Any] = [
            "organization": organization, "contact": contact, "requestNumber": request.number, "issued": JapaneseDate.both(JapaneseDate.day(issued)),
            "requester": requester, "received": JapaneseDate.both(JapaneseDate.day(request.receivedAt)), "rowCount": String(table.count),
            "rows": table, "summary": summary,
        ]
        return try render("ja/disclosure/answer-to-requester", context: context, requestNumber: request.number, recipient: "requester")
    }

    /// 受付のお知らせ to the requester: what was received, the request number, what happens next, the fee.
    public func acknowledgement(request: LegalRequest, rowCount: Int, issued: Timestamp) throws -> RenderedDocument {
        let requester = request.parties.first { $0.role == .requester || $0.role == .agent || $0.role == .police }?.name ?? request.claimant ?? "請求者"
        let context: [String: Any] = [
            "organization": organization, "contact": contact, "requestNumber": request.number, "issued": JapaneseDate.both(JapaneseDate.day(issued)),
            "requester": requester, "received": JapaneseDate.both(JapaneseDate.day(request.receivedAt)), "kind": request.kind.title.japanese,
            "rowCount": String(rowCount), "hasRows": rowCount > 0,
            "fee": request.feePerID > 0 ? "\(request.billableIDs)件 × \(request.feePerID)円" : "",
        ]
        return try render("ja/common/acknowledgement", context: context, requestNumber: request.number, recipient: "requester")
    }

    /// 捜査関係事項照会に対する回答書: each item answered, or why not (不存在; 通信の秘密 without a warrant).
    public func policeAnswer(request: LegalRequest, issued: Timestamp) throws -> RenderedDocument {
        let items: [[String: String]] = request.inquiryItems.enumerated().map { index, item in
            let answer: String
            if let given = item.answer {
                answer = given
            } else {
                switch item.itemClass {
                case .communicationSecret where request.warrant == nil: answer = "回答いたしかねます（令状によらない通信の秘密の提供はできません）"
                case .notHeld: answer = "該当する情報を保有しておりません（不存在）"
                default: answer = "回答いたしかねます"
                }
            }
            return ["no": String(index + 1), "label": item.label, "answer": answer]
        }
        let authority = request.parties.first { $0.role == .police || $0.role == .prosecutor }?.name ?? "捜査機関"
        let context: [String: Any] = [
            "organization": organization, "contact": contact, "requestNumber": request.number, "issued": JapaneseDate.both(JapaneseDate.day(issued)),
            "authority": authority, "reference": request.externalReference ?? "", "received": JapaneseDate.both(JapaneseDate.day(request.receivedAt)),
            "items": items, "warrant": request.warrant.map { "\($0.kind)（\($0.court) \($0.number)）" } ?? "",
        ]
        return try render("ja/police/answer", context: context, requestNumber: request.number, recipient: "police")
    }

    /// Renders a template with a context.
    /// - Throws: `LegalError` for an unknown template or one that does not parse.
    public func render(_ id: String, context: [String: Any], requestNumber: String, recipient: String) throws -> RenderedDocument {
        guard let template = templates[id] else { throw LegalError("no document template \(id)") }
        let parsed: MustacheTemplate
        do { parsed = try MustacheTemplate(string: template.html) } catch {
            throw LegalError("the template \(id)@\(template.version) does not parse: \(error)")
        }
        let html = parsed.render(context)
        let variables =
            (try? JSONSerialization.data(withJSONObject: context, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let digest = SHA256.hash(data: Data(html.utf8)).map { String(format: "%02x", $0) }.joined()
        return RenderedDocument(
            templateID: id, templateVersion: template.version, language: template.language, title: template.title, requestNumber: requestNumber,
            recipient: recipient, variables: variables, html: html, sha256: digest)
    }
}

/// The templates Mogura ships. Operators may replace them (a new version id keeps the old documents explainable).
public enum BuiltInLegalTemplates {
    static let style = """
        <style>
        @page { size: A4; margin: 20mm 18mm; }
        body { font-family: "Noto Serif CJK JP", "IPAexMincho", "Hiragino Mincho ProN", serif; font-size: 10.5pt; line-height: 1.7; color: #000; }
        h1 { font-size: 15pt; text-align: center; margin: 8mm 0 6mm; letter-spacing: 0.1em; }
        h2 { font-size: 12pt; margin: 6mm 0 3mm; }
        .right { text-align: right; }
        .meta { margin-bottom: 6mm; }
        .center { text-align: center; }
        table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
        th, td { border: 0.5pt solid #000; padding: 1.2mm 1.5mm; vertical-align: top; word-break: break-all; }
        th { background: #eee; }
        .page { page-break-before: always; }
        .box { border: 0.5pt solid #000; min-height: 30mm; padding: 2mm; }
        .line { border-bottom: 0.5pt solid #000; display: inline-block; min-width: 60mm; }
        dl { display: grid; grid-template-columns: 38mm 1fr; gap: 1mm 3mm; }
        dt { font-weight: bold; }
        dd { margin: 0; }
        </style>
        """

    /// 発信者情報開示請求に係る意見照会書 and its 回答書 (情報流通プラットフォーム対処法6条1項).
    public static let opinionInquiry = LegalDocumentTemplate(
        id: "ja/disclosure/opinion-inquiry", version: "2026.11", language: "ja", title: "発信者情報開示請求に係る意見照会書",
        html: """
            <!DOCTYPE html>
            <html lang="ja"><head><meta charset="utf-8"><title>発信者情報開示請求に係る意見照会書 {{requestNumber}}</title>
            \(style)
            </head><body>
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{subscriber}} 様<br><small>（お客様番号 {{customerID}}）</small></p>
            <p class="right">{{organization}}</p>
            <h1>発信者情報開示請求に係る意見照会書</h1>
            <p>拝啓　時下ますますご清祥のこととお慶び申し上げます。</p>
            <p>当社は、特定電気通信による情報の流通によって発生する権利侵害等への対処に関する法律（情報流通プラットフォーム対処法）第5条第1項に基づき、お客様に係る発信者情報の開示を求める請求を受けました。</p>
            <p>つきましては、同法第6条第1項に基づき、開示に同意されるか否かについてご意見を伺います。末尾の「回答書」にご記入のうえ、下記の回答期限までにご返送ください。開示に同意されない場合は、その理由をご記入ください。</p>
            <p>回答期限までにご回答がない場合、当社は、請求の内容及び当社が保有する資料に基づき開示の可否を判断いたします。ご回答がないことをもって開示に同意されたものとは扱いません。</p>
            <p class="center">記</p>
            <dl>
            <dt>1　請求者</dt><dd>{{requester}}</dd>
            <dt>2　請求番号</dt><dd>{{requestNumber}}</dd>
            <dt>3　侵害されたとする権利</dt><dd>{{rights}}</dd>
            <dt>4　開示を請求されている情報</dt><dd>{{items}}</dd>
            <dt>5　対象となる通信</dt><dd>別紙目録のとおり（{{rowCount}}件）</dd>
            <dt>6　回答期限</dt><dd><strong>{{deadline}}</strong>（必着）</dd>
            <dt>7　お問い合わせ先</dt><dd>{{contact}}</dd>
            </dl>
            <p class="right">以上</p>

            <section class="page">
            <h2>別紙　対象通信目録（請求番号 {{requestNumber}}）</h2>
            <p><small>日時はすべて日本時間です。</small></p>
            <table>
            <thead><tr><th>番号</th><th>請求書の行</th><th>日時（日本時間）</th><th>IPアドレス</th><th>ポート番号</th><th>ファイル名</th><th>ハッシュ値</th></tr></thead>
            <tbody>
            {{#rows}}<tr><td>{{no}}</td><td>{{claimRow}}</td><td>{{time}}</td><td>{{address}}</td><td>{{port}}</td><td>{{file}}</td><td>{{hash}}</td></tr>
            {{/rows}}
            </tbody>
            </table>
            </section>

            <section class="page">
            <h1>回　答　書</h1>
            <p>{{organization}} 御中</p>
            <p>請求番号 {{requestNumber}} の発信者情報開示請求について、次のとおり回答します。</p>
            <p>□ 開示に同意します。</p>
            <p>□ 開示に同意しません。</p>
            <p>□ 一部の情報の開示に同意します（同意する情報：<span class="line"></span>）。</p>
            <h2>開示に同意しない理由</h2>
            <div class="box"></div>
            <h2>添付資料</h2>
            <div class="box" style="min-height: 15mm"></div>
            <p><small>契約者ご本人以外の方（ご家族、同居人、無線LANの第三者利用など）が通信を行った可能性がある場合は、その旨を理由欄にご記入ください。</small></p>
            <p>回答日　令和　　年　　月　　日</p>
            <p>住所　<span class="line"></span></p>
            <p>氏名　<span class="line"></span>　印</p>
            <p class="right"><small>回答期限：{{deadline}}</small></p>
            </section>
            </body></html>
            """)

    /// 発信者情報開示請求に対するご回答, with the per-row 別紙.
    public static let answerToRequester = LegalDocumentTemplate(
        id: "ja/disclosure/answer-to-requester", version: "2026.11", language: "ja", title: "発信者情報開示請求に対するご回答",
        html: """
            <!DOCTYPE html>
            <html lang="ja"><head><meta charset="utf-8"><title>発信者情報開示請求に対するご回答 {{requestNumber}}</title>
            \(style)
            </head><body>
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{requester}} 御中</p>
            <p class="right">{{organization}}</p>
            <h1>発信者情報開示請求に対するご回答</h1>
            <p>{{received}}付けで受け付けた発信者情報開示請求（請求番号 {{requestNumber}}）について、下記のとおり回答いたします。各通信の結果は別紙のとおりです。</p>
            <p>開示する発信者情報は、本書とは別に、所定の手続を経たうえでお送りします。</p>
            <p class="center">記</p>
            <table><thead><tr><th>結果</th><th>件数</th></tr></thead><tbody>
            {{#summary}}<tr><td>{{label}}</td><td>{{count}}</td></tr>
            {{/summary}}
            </tbody></table>
            <p>お問い合わせ先：{{contact}}</p>
            <p class="right">以上</p>
            <section class="page">
            <h2>別紙　通信ごとの回答（{{rowCount}}件、請求番号 {{requestNumber}}）</h2>
            <p><small>日時はすべて日本時間です。番号は請求書の目録の番号です。</small></p>
            <table>
            <thead><tr><th>目録番号</th><th>日時（日本時間）</th><th>IPアドレス</th><th>ポート番号</th><th>結果</th><th>理由</th></tr></thead>
            <tbody>
            {{#rows}}<tr><td>{{claimRow}}</td><td>{{time}}</td><td>{{address}}</td><td>{{port}}</td><td>{{result}}</td><td>{{reason}}</td></tr>
            {{/rows}}
            </tbody>
            </table>
            </section>
            </body></html>
            """)

    /// 受付のお知らせ.
    public static let acknowledgement = LegalDocumentTemplate(
        id: "ja/common/acknowledgement", version: "2026.11", language: "ja", title: "受付のお知らせ",
        html: """
            <!DOCTYPE html>
            <html lang="ja"><head><meta charset="utf-8"><title>受付のお知らせ {{requestNumber}}</title>
            \(style)
            </head><body>
            <p class="right meta">{{issued}}<br>請求番号 {{requestNumber}}</p>
            <p>{{requester}} 御中</p>
            <p class="right">{{organization}}</p>
            <h1>受付のお知らせ</h1>
            <p>{{received}}付けでお送りいただいた{{kind}}を、請求番号 {{requestNumber}} として受け付けました。今後のお問い合わせ、追加資料のご提出の際は、この番号をお書き添えください。</p>
            {{#hasRows}}<p>目録記載の通信 {{rowCount}}件を受け付けました。</p>{{/hasRows}}
            {{#fee}}<p>手数料：{{fee}}</p>{{/fee}}
            <p>当社は、請求の内容を確認のうえ、法令及びガイドラインに従って対応いたします。内容の確認のため、追加資料をお願いすることがあります。</p>
            <p>お問い合わせ先：{{contact}}</p>
            <p class="right">以上</p>
            </body></html>
            """)

    /// 捜査関係事項照会に対する回答書.
    public static let policeAnswer = LegalDocumentTemplate(
        id: "ja/police/answer", version: "2026.11", language: "ja", title: "捜査関係事項照会に対する回答書",
        html: """
            <!DOCTYPE html>
            <html lang="ja"><head><meta charset="utf-8"><title>捜査関係事項照会に対する回答書 {{requestNumber}}</title>
            \(style)
            </head><body>
            <p class="right meta">{{issued}}<br>当社整理番号 {{requestNumber}}</p>
            <p>{{authority}} 御中</p>
            <p class="right">{{organization}}</p>
            <h1>捜査関係事項照会に対する回答書</h1>
            <p>{{received}}付け{{#reference}}（{{reference}}）{{/reference}}の捜査関係事項照会書について、下記のとおり回答いたします。</p>
            {{#warrant}}<p>提示された令状：{{warrant}}</p>{{/warrant}}
            <p class="center">記</p>
            <table><thead><tr><th>番号</th><th>照会事項</th><th>回答</th></tr></thead><tbody>
            {{#items}}<tr><td>{{no}}</td><td>{{label}}</td><td>{{answer}}</td></tr>
            {{/items}}
            </tbody></table>
            <p>お問い合わせ先：{{contact}}</p>
            <p class="right">以上</p>
            </body></html>
            """)

    public static let all = [opinionInquiry, answerToRequester, acknowledgement, policeAnswer] + letters
}
