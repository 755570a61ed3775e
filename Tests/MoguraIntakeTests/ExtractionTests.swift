import Foundation
import MoguraCore
import MoguraTesting
import Testing

@testable import MoguraIntake

@Suite("Free-text extraction")
struct ExtractionTests {
    let tokyo = TimestampParser(defaultZone: TimeZone(identifier: "Asia/Tokyo")!)

    @Test(arguments: [
        ("受信日時：2023年6月22日 4時32分", "2023-06-21T19:32:00Z", true),
        ("2023年6月22日(木) 午後4時32分 JST", "2023-06-22T07:32:00Z", false),
        ("令和5年6月22日 午前4時32分頃", "2023-06-21T19:32:00Z", true),
        ("令和元年5月1日", "2019-04-30T15:00:00Z", true),
        ("平成31年4月30日 23時59分", "2019-04-30T14:59:00Z", true),
        ("昭和64年1月7日", "1989-01-06T15:00:00Z", true),
        ("2023年6月22日 04:32:10 (日本時間)", "2023-06-21T19:32:10Z", false),
        ("2023年6月22日 12時", "2023-06-22T03:00:00Z", true),
        ("午後12時の件ではなく 2023年6月22日 午後12時30分", "2023-06-22T03:30:00Z", true),
        ("at 2023/06/22 04:32 JST we saw", "2023-06-21T19:32:00Z", false),
        ("log: 2023-06-22T04:32:10Z sshd", "2023-06-22T04:32:10Z", false),
        ("log: 2023-06-22T04:32:10.250+09:00", "2023-06-21T19:32:10.25Z", false),
        ("2023-06-22 04:32:10 UTC", "2023-06-22T04:32:10Z", false),
        ("2023-06-22", "2023-06-21T15:00:00Z", true),
        ("Date: Thu, 22 Jun 2023 04:32:10 +0900", "2023-06-21T19:32:10Z", false),
        ("22 Jun 2023 04:32 GMT", "2023-06-22T04:32:00Z", false),
        ("Thu, 22 Jun 2023 04:32:10 -0700 (PDT)", "2023-06-22T11:32:10Z", false),
        ("1 Dec 2023 00:00:00 EST", "2023-12-01T05:00:00Z", false),
        ("First seen June 21, 2023 3:15 PM UTC.", "2023-06-21T15:15:00Z", false),
        ("on Jan 5, 2024 at 12:05 AM PST", "2024-01-05T08:05:00Z", false),
        ("September 30, 2023", "2023-09-29T15:00:00Z", true),
    ])
    func findsTimes(text: String, expected: String, assumed: Bool) throws {
        let found = try #require(TimeExtractor.times(in: text, parser: tokyo).first, "\(text)")
        #expect(found.timestamp.description == expected, "\(text)")
        #expect(found.zoneAssumed == assumed, "\(text)")
    }

    @Test(arguments: [
        "version 2023.1.4.5 build", "call 2023 times", "ID 12345678", "2023-13-45", "June 2023", "price 2023/99/99",
        "1.2.3.4", "令和", "年月日",
    ])
    func findsNoTimeWhereThereIsNone(text: String) {
        #expect(TimeExtractor.times(in: text, parser: tokyo).isEmpty, "\(text)")
    }

    @Test func findsSeveralTimesInOrder() {
        let text = "最初 2023/06/20 10:00 JST、次に Thu, 22 Jun 2023 04:32:10 +0000、最後に 2023年6月23日 9時"
        let times = TimeExtractor.times(in: text, parser: tokyo).map(\.timestamp.description)
        #expect(times == ["2023-06-20T01:00:00Z", "2023-06-22T04:32:10Z", "2023-06-23T00:00:00Z"])
    }

    @Test func indicatorsInProse() throws {
        let text = TextNormalizer.normalize(
            "ＩＰ：１９２．０．２．１ から hxxps://bad[.]example[.]jp/x?a=1。連絡先 admin[@]example.com。"
                + "See http://example.net/path), also [2001:db8::5]:8443 and 198.51.100.7:25, not version 1.2.3.4.5 or index.php.")
        let found = IndicatorExtractor.extract(text).map(\.description)
        #expect(
            found == [
                "ip:192.0.2.1", "url:https://bad.example.jp/x?a=1", "email:admin@example.com", "url:http://example.net/path",
                "ip_port:[2001:db8::5]:8443", "ip_port:198.51.100.7:25",
            ])
    }

    @Test func classifierKeywordsAndTracks() {
        #expect(Classifier.classify(subject: "フィッシングサイトの報告", text: "").category == .phishing)
        #expect(Classifier.classify(subject: "", text: "SSH brute force attack").category == .bruteForce)
        let legal = Classifier.classify(subject: "発信者情報開示請求", text: "著作権侵害")
        #expect(legal.category == .copyright && legal.track == .legal)
        let nothing = Classifier.classify(subject: "hello", text: "how are you")
        #expect(nothing.category == .other && nothing.confidence == 0)
        #expect(Classifier.language("これは日本語の文章です") == "ja")
        #expect(Classifier.language("This is English.") == "en")
        #expect(Classifier.language("Это русский текст") == nil)
    }
}
