public import MoguraCore

/// Finds times in normalised free text (see ``TextNormalizer``), English and Japanese:
///
/// - `2023年6月22日 4時32分`, `令和5年6月22日(木) 午後4時32分`, `2023年6月22日 04:32 JST` (和暦: 令和, 平成, 昭和, 元年);
/// - `2023/06/22 04:32 JST`, ISO 8601 `2023-06-22T04:32:00+09:00`;
/// - RFC 5322 `Thu, 22 Jun 2023 04:32:00 +0900`;
/// - `June 22, 2023 4:32 PM UTC`.
///
/// A time without a zone is read in the parser's default zone and flagged as assumed. Only the first
/// ``maximumScan`` bytes of a text are searched: the times that matter open a complaint.
public enum TimeExtractor {
    /// How much text is searched.
    public static let maximumScan = 32 * 1024

    /// Every time found, in order of appearance.
    public static func times(in text: String, parser: TimestampParser) -> [TimestampParser.Result] {
        let scanned = text.utf8.count > maximumScan ? String(decoding: Array(text.utf8.prefix(maximumScan)), as: UTF8.self) : text
        var found: [(String.Index, TimestampParser.Result)] = []
        for match in scanned.matches(of: japanese) {
            guard let result = japaneseTime(match.output, parser: parser) else { continue }
            found.append((match.range.lowerBound, result))
        }
        for match in scanned.matches(of: numeric) where !found.contains(where: { $0.0 == match.range.lowerBound }) {
            let o = match.output
            var text = "\(o[1].substring!)-\(o[2].substring!)-\(o[3].substring!)"
            if let hour = o[4].substring, let minute = o[5].substring {
                text += " \(hour):\(minute)" + (o[6].substring.map { ":\($0)" } ?? "") + (o[7].substring.map { ".\($0)" } ?? "")
            }
            if let zone = o[8].substring { text += " " + zoneText(String(zone)) }
            if let result = try? parser.parse(text) { found.append((match.range.lowerBound, result)) }
        }
        for match in scanned.matches(of: rfc5322) {
            let o = match.output
            guard let month = monthNumber(String(o[2].substring!)) else { continue }
            var text = "\(o[3].substring!)-\(month)-\(o[1].substring!) \(o[4].substring!):\(o[5].substring!)"
            if let seconds = o[6].substring { text += ":\(seconds)" }
            if let zone = o[7].substring { text += " " + zoneText(String(zone)) }
            if let result = try? parser.parse(text) { found.append((match.range.lowerBound, result)) }
        }
        for match in scanned.matches(of: english) {
            let o = match.output
            guard let month = monthNumber(String(o[1].substring!)) else { continue }
            var text = "\(o[3].substring!)-\(month)-\(o[2].substring!)"
            if var hour = o[4].substring.flatMap({ Int($0) }), let minute = o[5].substring {
                if let meridiem = o[7].substring?.lowercased() {
                    if meridiem == "pm" && hour < 12 { hour += 12 }
                    if meridiem == "am" && hour == 12 { hour = 0 }
                }
                text += " \(hour):\(minute)" + (o[6].substring.map { ":\($0)" } ?? "")
            }
            if let zone = o[8].substring { text += " " + zoneText(String(zone)) }
            if let result = try? parser.parse(text) { found.append((match.range.lowerBound, result)) }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }

    nonisolated(unsafe) static let japanese = try! Regex(
        #"(?:(令和|平成|昭和)\s*(\d{1,2}|元)|(\d{4}))\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:\s*\([^)]{1,4}\))?(?:\s*(午前|午後|AM|PM|am|pm)?\s*(\d{1,2})\s*(?:時|:)\s*(\d{1,2})?\s*分?(?:\s*:?\s*(\d{1,2})\s*秒?)?)?\s*(JST|UTC|GMT|\(日本時間\)|日本時間)?"#
    )
    nonisolated(unsafe) static let numeric = try! Regex(
        #"(?:^|[^\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z(?![a-z])|[+-]\d{2}:?\d{2}|JST|UTC|GMT)?"#
    )
    nonisolated(unsafe) static let rfc5322 = try! Regex(
        #"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|UT|GMT|UTC|JST|[ECMP][SD]T)?"#
    )
    nonisolated(unsafe) static let english = try! Regex(
        #"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM|am|pm)?)?\s*(UTC|GMT|JST|[ECMP][SD]T)?"#
    )

    private static func japaneseTime(_ o: AnyRegexOutput, parser: TimestampParser) -> TimestampParser.Result? {
        var year: Int
        if let era = o[1].substring, let number = o[2].substring {
            let n = number == "元" ? 1 : Int(number) ?? 0
            switch era {
            case "令和": year = 2018 + n
            case "平成": year = 1988 + n
            default: year = 1925 + n
            }
        } else if let western = o[3].substring.flatMap({ Int($0) }) {
            year = western
        } else {
            return nil
        }
        guard let month = o[4].substring.flatMap({ Int($0) }), let day = o[5].substring.flatMap({ Int($0) }) else { return nil }
        var text = "\(year)-\(month)-\(day)"
        if var hour = o[7].substring.flatMap({ Int($0) }) {
            let meridiem = o[6].substring.map(String.init)
            if (meridiem == "午後" || meridiem?.lowercased() == "pm") && hour < 12 { hour += 12 }
            if (meridiem == "午前" || meridiem?.lowercased() == "am") && hour == 12 { hour = 0 }
            let minute = o[8].substring.flatMap { Int($0) } ?? 0
            text += " \(hour):" + (minute < 10 ? "0\(minute)" : "\(minute)")
            if let second = o[9].substring.flatMap({ Int($0) }) { text += ":" + (second < 10 ? "0\(second)" : "\(second)") }
        }
        if let zone = o[10].substring { text += " " + zoneText(String(zone)) }
        return try? parser.parse(text)
    }

    /// Zone words to what ``TimestampParser`` reads.
    static func zoneText(_ zone: String) -> String {
        switch zone {
        case "日本時間", "(日本時間)": "JST"
        case "UT": "UTC"
        case "EST": "-05:00"
        case "EDT": "-04:00"
        case "CST": "-06:00"
        case "CDT": "-05:00"
        case "MST": "-07:00"
        case "MDT": "-06:00"
        case "PST": "-08:00"
        case "PDT": "-07:00"
        default:
            if zone.count == 5, let sign = zone.first, sign == "+" || sign == "-" {
                String(zone.prefix(3)) + ":" + String(zone.suffix(2))
            } else {
                zone
            }
        }
    }

    static func monthNumber(_ name: String) -> Int? {
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].firstIndex(of: String(name.lowercased().prefix(3))).map {
            $0 + 1
        }
    }
}
