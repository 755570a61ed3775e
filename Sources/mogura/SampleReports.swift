import Foundation

/// Complaints `mogura demo` feeds through the pipeline: an English spam complaint about a shared-hosting address,
/// a Japanese phishing report about a customer's shop, a Japanese complaint about spam from a hijacked mail
/// account, and a complaint about an address that is not the provider's (it goes to triage). Message-IDs are fixed,
/// so running the demo again stores nothing twice.
enum SampleReports {
    static func all(date: Date) -> [(name: String, bytes: [UInt8])] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let stamp = formatter.string(from: date)
        let mails = [
            (
                "spam-complaint.eml",
                """
                From: Alice Example <alice@mail.example.org>
                To: abuse@example.net
                Subject: Spam from 203.0.113.7
                Message-ID: <demo-spam-1@mail.example.org>
                Date: \(stamp)

                Hello, your server 203.0.113.7 has been sending us spam all morning. Please make it stop.
                """
            ),
            (
                "phishing-report.eml",
                """
                From: 鈴木 一郎 <suzuki@mail.example.org>
                To: abuse@example.net
                Subject: フィッシングサイトの報告
                Message-ID: <demo-phish-1@mail.example.org>
                Date: \(stamp)
                Content-Type: text/plain; charset=UTF-8

                銀行を装ったフィッシングサイトを見つけました。
                https://shop.example.net/bank/login.php
                対応をお願いします。
                """
            ),
            (
                "account-spam.eml",
                """
                From: 田中 <tanaka@mail.example.org>
                To: abuse@example.net
                Subject: 迷惑メールの送信元について
                Message-ID: <demo-account-1@mail.example.org>
                Date: \(stamp)
                Content-Type: text/plain; charset=UTF-8

                info@example.jp から大量の迷惑メールが届いています。アカウントが乗っ取られているのではないでしょうか。
                """
            ),
            (
                "not-ours.eml",
                """
                From: Bob <bob@mail.example.org>
                To: abuse@example.net
                Subject: Spam from 8.8.8.8
                Message-ID: <demo-other-1@mail.example.org>
                Date: \(stamp)

                Spam came from 8.8.8.8.
                """
            ),
        ]
        return mails.map { ($0.0, Array($0.1.replacingOccurrences(of: "\n", with: "\r\n").utf8)) }
    }
}
