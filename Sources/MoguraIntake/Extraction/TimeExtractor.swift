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
///
/// A hand-written scanner over UTF-8 bytes: the same patterns as regular expressions took most of intake's time.
public enum TimeExtractor {
    /// How much text is searched.
    public static let maximumScan = 32 * 1024

    /// Every time found, in order of appearance.
    public static func times(in text: String, parser: TimestampParser) -> [TimestampParser.Result] {
        let bytes = Array(text.utf8.prefix(maximumScan))
        var found: [TimestampParser.Result] = []
        var i = 0
        while i < bytes.count {
            var scanner = DateScanner(bytes: bytes, position: i)
            if let (text, end) = scanner.dateAt() {
                if let result = try? parser.parse(text) { found.append(result) }
                i = end
                continue
            }
            i += 1
        }
        return found
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

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func monthNumber(_ name: String) -> Int? {
        months.firstIndex(of: String(name.lowercased().prefix(3))).map { $0 + 1 }
    }
}

/// Reads one date at a position, if one starts there, and returns it in ``TimestampParser``'s form.
struct DateScanner {
    let bytes: [UInt8]
    var position: Int

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    /// Consumes `text` if it is next (exact bytes).
    private mutating func take(_ text: StaticString) -> Bool {
        let length = text.utf8CodeUnitCount
        guard position + length <= bytes.count else { return false }
        let matches = text.withUTF8Buffer { bytes[position..<(position + length)].elementsEqual($0) }
        if matches { position += length }
        return matches
    }

    /// Consumes ASCII spaces, tabs and the ideographic space.
    private mutating func skipSpaces() {
        while true {
            if let b = peek(), b == 0x20 || b == 0x09 {
                position += 1
            } else if !take("\u{3000}") {
                return
            }
        }
    }

    /// Reads `min`…`max` digits; on failure nothing is consumed.
    private mutating func number(min: Int, max: Int) -> Int? {
        let start = position
        var value = 0
        var count = 0
        while count < max, let b = peek(), Self.isDigit(b) {
            value = value * 10 + Int(b - 0x30)
            count += 1
            position += 1
        }
        // Too few digits, or a longer run of digits, is not this number.
        if count < min || (peek().map(Self.isDigit) ?? false) {
            position = start
            return nil
        }
        return value
    }

    private mutating func word() -> String {
        let start = position
        while let b = peek(), Self.isLetter(b) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// A date starting exactly here, as text for the parser, and where it ends.
    mutating func dateAt() -> (String, Int)? {
        let start = position
        guard let first = peek() else { return nil }
        if start > 0 {
            let before = bytes[start - 1]
            // Inside a longer number, a version string or a word: not a date start.
            if Self.isDigit(first) && (Self.isDigit(before) || before == UInt8(ascii: ".")) { return nil }
            if Self.isLetter(first) && Self.isLetter(before) { return nil }
        }
        if Self.isDigit(first) {
            if let result = yearFirst() { return result }
            position = start
            return rfc5322()
        }
        if first == 0xE4 || first == 0xE5 || first == 0xE6 {
            var year: Int?
            if take("令和") {
                year = 2018
            } else if take("平成") {
                year = 1988
            } else if take("昭和") {
                year = 1925
            }
            guard let base = year else { return nil }
            skipSpaces()
            let offset: Int
            if take("元") {
                offset = 1
            } else if let n = number(min: 1, max: 2) {
                offset = n
            } else {
                return nil
            }
            skipSpaces()
            guard take("年") else { return nil }
            return japanese(year: base + offset)
        }
        if Self.isLetter(first) { return english() }
        return nil
    }

    /// `YYYY-MM-DD…`, `YYYY/MM/DD…`, `YYYY.MM.DD…` or `YYYY年…`.
    private mutating func yearFirst() -> (String, Int)? {
        guard let year = number(min: 4, max: 4) else { return nil }
        skipSpaces()
        if take("年") { return japanese(year: year) }
        guard let separator = peek(), separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") || separator == UInt8(ascii: ".") else {
            return nil
        }
        position += 1
        guard let month = number(min: 1, max: 2), peek() == separator else { return nil }
        position += 1
        guard let day = number(min: 1, max: 2) else { return nil }
        // "2023.1.4.5" is a version, not a date.
        if peek() == separator, let next = peek(1), Self.isDigit(next) { return nil }
        var text = "\(year)-\(Self.two(month))-\(Self.two(day))"
        let afterDate = position
        if let b = peek(), b == UInt8(ascii: "T") || b == UInt8(ascii: " ") || b == 0x09 {
            position += 1
            skipSpaces()
            if let time = clock() {
                text += " " + time
            } else {
                position = afterDate
            }
        }
        let afterTime = position
        skipSpaces()
        if let zone = zone() {
            text += " " + zone
        } else {
            position = afterTime
        }
        return (text, position)
    }

    /// `HH:MM[:SS[.fraction]]`.
    private mutating func clock() -> String? {
        guard let hour = number(min: 1, max: 2), take(":"), let minute = number(min: 2, max: 2) else { return nil }
        var text = "\(Self.two(hour)):\(Self.two(minute))"
        let afterMinute = position
        if take(":") {
            if let second = number(min: 2, max: 2) {
                text += ":\(Self.two(second))"
                if take(".") || take(",") {
                    let fractionStart = position
                    while let b = peek(), Self.isDigit(b), position - fractionStart < 6 { position += 1 }
                    if position > fractionStart { text += "." + String(decoding: bytes[fractionStart..<position], as: UTF8.self) }
                }
            } else {
                position = afterMinute
            }
        }
        return text
    }

    /// A zone: `Z`, `±HH:MM`, `±HHMM`, a known abbreviation, or 日本時間.
    private mutating func zone() -> String? {
        let start = position
        if take("(日本時間)") || take("日本時間") { return "JST" }
        guard let b = peek() else { return nil }
        if b == UInt8(ascii: "+") || b == UInt8(ascii: "-") {
            position += 1
            let sign = b == UInt8(ascii: "+") ? "+" : "-"
            if let packed = number(min: 4, max: 4) {
                return sign + Self.two(packed / 100) + ":" + Self.two(packed % 100)
            }
            guard let hours = number(min: 2, max: 2), take(":"), let minutes = number(min: 2, max: 2) else {
                position = start
                return nil
            }
            return sign + Self.two(hours) + ":" + Self.two(minutes)
        }
        if b == UInt8(ascii: "Z"), !(peek(1).map(Self.isLetter) ?? false) {
            position += 1
            return "Z"
        }
        let name = word()
        switch name {
        case "JST", "UTC", "GMT": return name
        case "UT": return "UTC"
        case "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT": return TimeExtractor.zoneText(name)
        default:
            position = start
            return nil
        }
    }

    /// After `YYYY年`: `M月D日`, an optional `(曜)`, an optional time (`午後4時32分`, `04:32`), an optional zone.
    private mutating func japanese(year: Int) -> (String, Int)? {
        skipSpaces()
        guard let month = number(min: 1, max: 2) else { return nil }
        skipSpaces()
        guard take("月") else { return nil }
        skipSpaces()
        guard let day = number(min: 1, max: 2) else { return nil }
        skipSpaces()
        guard take("日") else { return nil }
        var text = "\(year)-\(Self.two(month))-\(Self.two(day))"
        var end = position
        // A weekday in brackets: (木), （木）, (Thu).
        skipSpaces()
        if take("(") {
            var count = 0
            while let b = peek(), b != UInt8(ascii: ")"), count < 12 {
                position += 1
                count += 1
            }
            if take(")") { end = position } else { position = end }
        } else {
            position = end
        }
        skipSpaces()
        var meridiem: String?
        if take("午前") || take("AM") || take("am") {
            meridiem = "am"
        } else if take("午後") || take("PM") || take("pm") {
            meridiem = "pm"
        }
        skipSpaces()
        let timeStart = position
        if var hour = number(min: 1, max: 2) {
            skipSpaces()
            var minute = 0
            var second: Int?
            if take("時") {
                skipSpaces()
                if let m = number(min: 1, max: 2) {
                    minute = m
                    skipSpaces()
                    _ = take("分")
                    skipSpaces()
                    if let s = number(min: 1, max: 2) {
                        second = s
                        _ = take("秒")
                    }
                }
            } else if take(":"), let m = number(min: 2, max: 2) {
                minute = m
                if take(":"), let s = number(min: 2, max: 2) { second = s }
            } else {
                hour = -1
            }
            if hour >= 0 && hour < 24 && minute < 60 {
                if meridiem == "pm" && hour < 12 { hour += 12 }
                if meridiem == "am" && hour == 12 { hour = 0 }
                text += " \(Self.two(hour)):\(Self.two(minute))" + (second.map { ":\(Self.two($0))" } ?? "")
                end = position
            } else {
                position = timeStart
            }
        }
        position = end
        skipSpaces()
        if let zone = zone() {
            text += " " + zone
            end = position
        }
        return (text, end)
    }

    /// RFC 5322: `D Mon YYYY HH:MM[:SS] [zone]` (the weekday before it is not needed).
    private mutating func rfc5322() -> (String, Int)? {
        guard let day = number(min: 1, max: 2) else { return nil }
        skipSpaces()
        let name = word()
        guard name.count >= 3, let month = TimeExtractor.monthNumber(name) else { return nil }
        skipSpaces()
        guard let year = number(min: 4, max: 4) else { return nil }
        skipSpaces()
        guard let time = clock() else { return nil }
        var text = "\(year)-\(Self.two(month))-\(Self.two(day)) \(time)"
        var end = position
        skipSpaces()
        if let zone = zone() {
            text += " " + zone
            end = position
        }
        return (text, end)
    }

    /// `June 22, 2023 [at] 4:32 [PM] [zone]`.
    private mutating func english() -> (String, Int)? {
        let name = word()
        guard name.count >= 3, let month = TimeExtractor.monthNumber(name) else { return nil }
        let full = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
        guard name.count == 3 || full[month - 1].hasPrefix(name.lowercased()) else { return nil }
        _ = take(".")
        skipSpaces()
        guard let day = number(min: 1, max: 2) else { return nil }
        _ = take(",")
        skipSpaces()
        guard let year = number(min: 4, max: 4) else { return nil }
        var text = "\(year)-\(Self.two(month))-\(Self.two(day))"
        var end = position
        _ = take(",")
        skipSpaces()
        _ = take("at ")
        skipSpaces()
        if var hour = number(min: 1, max: 2), take(":"), let minute = number(min: 2, max: 2) {
            var second: Int?
            if take(":") { second = number(min: 2, max: 2) }
            let afterTime = position
            skipSpaces()
            let meridiem = word().lowercased()
            if meridiem == "pm" && hour < 12 { hour += 12 }
            if meridiem == "am" && hour == 12 { hour = 0 }
            if meridiem != "am" && meridiem != "pm" { position = afterTime }
            if hour < 24 {
                text += " \(Self.two(hour)):\(Self.two(minute))" + (second.map { ":\(Self.two($0))" } ?? "")
                end = position
            }
        }
        position = end
        skipSpaces()
        if let zone = zone() {
            text += " " + zone
            end = position
        }
        return (text, end)
    }
}
