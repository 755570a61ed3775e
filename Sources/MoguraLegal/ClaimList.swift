import Foundation
public import MoguraCore
import MoguraIntake

/// One row of a claimant's list (目録, one "ID"): the cells as written, and what Mogura read from them.
///
/// Nothing of the input is lost: ``cells`` keeps every cell's text under its column's heading, so a person can
/// compare the row Mogura resolved with the row the claimant sent.
public struct ClaimRow: Hashable, Sendable, Codable {
    /// What the claimant's monitor saw of the peer (strongest last).
    public enum Observation: String, Hashable, Sendable, Codable {
        /// Only a handshake: the peer answered for the info hash.
        case handshake
        /// The peer announced pieces (bitfield / have).
        case bitfield
        /// The peer unchoked the monitor (ready to send).
        case unchoke
        /// Data was received (a piece, ideally with its hash checked).
        case piece
    }

    /// Where the row is in the file (the header is line 1 of a CSV; rows of a sheet count from its first row).
    public var line: Int
    /// The claimant's own row number (No. column), or the line.
    public var rowNumber: String
    /// Every cell as written, by column heading.
    public var cells: [String: String]
    public var address: IPAddress?
    public var port: UInt16?
    public var time: Timestamp?
    /// The time was written without a zone and read in the default (JST).
    public var zoneAssumed: Bool
    /// The time has seconds (a row without them cannot pick out one NAT session).
    public var hasSeconds: Bool
    /// The info hash as lower-case hex (a base32 v1 hash is converted).
    public var infoHash: String?
    public var fileName: String?
    public var fileSize: Int64?
    public var observation: Observation?
    /// Why the row cannot be resolved (no address, no time); empty for a usable row.
    public var errors: [String]
    /// What weakens the row as evidence without stopping its lookup.
    public var warnings: [String]

    public var isValid: Bool { errors.isEmpty }

    /// The key rows are de-duplicated by: address, port, second and info hash.
    public var dedupeKey: String? {
        guard let address, let time else { return nil }
        return "\(address.unmapped)|\(port.map(String.init) ?? "-")|\(time.microseconds / 1_000_000)|\(infoHash ?? "-")"
    }
}

/// Reads a claimant's list from CSV (UTF-8 or Shift_JIS/CP932, as Excel writes it) or XLSX, finding the columns
/// by their headings in Japanese or English (IPアドレス / IP, ポート番号 / port, 日時 / timestamp, ハッシュ / info hash,
/// ファイル名 / file, サイズ / size, No., 観測 / evidence).
///
/// Each row is validated and normalised — the address parsed, the port checked, the time read with its zone (a
/// heading like `日時(UTC)` gives the zone of the column; a time with none is read in JST and flagged), the info
/// hash normalised — and keeps its raw cells. Limits: ``maximumBytes`` of input, ``maximumRows`` rows; an XLSX
/// may expand to at most ``maximumExpandedBytes``.
public struct ClaimListReader: Sendable {
    public var parser = TimestampParser()
    public var maximumBytes = 256 << 20
    public var maximumRows = 1_000_000
    public var maximumExpandedBytes = 512 << 20

    public init() {}

    /// The columns Mogura understands, with the headings that name them (compared without case, spaces or
    /// full-width forms).
    enum Column: CaseIterable {
        case number, address, port, time, infoHash, fileName, fileSize, observation

        static let headings: [Column: [String]] = [
            .number: ["no", "no.", "番号", "#", "行", "行番号", "id"],
            .address: [
                "ip", "ipアドレス", "ipaddress", "address", "発信元ip", "発信元ipアドレス", "送信元ip", "送信元ipアドレス", "peerip", "sourceip",
                "接続元ipアドレス", "ip(発信元)",
            ],
            .port: ["port", "ポート", "ポート番号", "発信元ポート", "発信元ポート番号", "送信元ポート", "送信元ポート番号", "peerport", "sourceport", "接続元ポート番号"],
            .time: ["日時", "発信日時", "タイムスタンプ", "timestamp", "time", "date", "datetime", "date/time", "観測日時", "通信日時", "確認日時", "検出日時"],
            .infoHash: ["hash", "infohash", "info_hash", "ハッシュ", "ハッシュ値", "btih", "infohash(btih)"],
            .fileName: ["file", "filename", "ファイル名", "作品名", "title", "タイトル"],
            .fileSize: ["size", "filesize", "ファイルサイズ", "サイズ"],
            .observation: ["evidence", "observation", "観測", "観測内容", "証拠種別", "検出方法", "status", "message", "通信内容"],
        ]
    }

    /// Reads a list; XLSX is recognised by its zip signature, anything else is read as CSV.
    /// - Throws: `LegalError` for input over the limits, a damaged XLSX, or no recognisable address and time columns.
    public func read(_ bytes: [UInt8], name: String = "list") throws(LegalError) -> [ClaimRow] {
        guard bytes.count <= maximumBytes else { throw LegalError("\(name): larger than \(maximumBytes >> 20) MiB") }
        let table: [[String]]
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            table = try XLSXTable.read(bytes, limit: maximumExpandedBytes, maximumRows: maximumRows + 1, name: name)
        } else {
            table = try csvTable(bytes, name: name)
        }
        return try rows(table, name: name)
    }

    func csvTable(_ bytes: [UInt8], name: String) throws(LegalError) -> [[String]] {
        var input = bytes
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { input.removeFirst(3) }
        let text = CharsetDecoder.decode(input, declared: nil).text
        var reader = CSVReader(bytes: Array(text.utf8))
        var table: [[String]] = []
        do {
            while let record = try reader.next() {
                table.append(record.fields)
                guard table.count <= maximumRows + 1 else { throw LegalError("\(name): more than \(maximumRows) rows") }
            }
        } catch let error as CSVReader.SyntaxError {
            throw LegalError("\(name):\(error.line): \(error.reason)")
        } catch {
            throw error as! LegalError
        }
        return table
    }

    /// Normalises a heading for matching: NFKC (full-width to ASCII), lower case, no spaces or brackets' zone.
    static func key(_ heading: String) -> String {
        heading.precomposedStringWithCompatibilityMapping.lowercased().filter { !$0.isWhitespace }
    }

    /// The zone a heading declares for its times: `日時(UTC)`, `time (JST)`, `timestamp[+09:00]`.
    static func declaredZone(_ heading: String) -> TimeZone? {
        let text = key(heading)
        // Japan first: 日時(JST), 日時(UTC+9), 日時(GMT+09:00) are all Japanese time.
        for marker in ["jst", "日本時間", "+09:00", "+0900", "utc+9", "gmt+9", "utc+09", "gmt+09"] where text.contains(marker) {
            return TimeZone(identifier: "Asia/Tokyo")
        }
        if text.contains("utc") || text.contains("gmt") {
            // Another offset after UTC/GMT is not guessed at: the column counts as undeclared (JST assumed and flagged).
            if let range = text.range(of: #"(utc|gmt)[+-]"#, options: .regularExpression), range.upperBound < text.endIndex { return nil }
            return TimeZone(identifier: "UTC")
        }
        return nil
    }

    func rows(_ table: [[String]], name: String) throws(LegalError) -> [ClaimRow] {
        guard let header = table.first else { throw LegalError("\(name): empty") }
        var columns: [Column: Int] = [:]
        var timeZone: TimeZone?
        for (index, heading) in header.enumerated() {
            let normalised = Self.key(heading)
            // A heading with a zone in brackets still names its column: 日時(JST) is 日時.
            let bare = normalised.replacingOccurrences(of: #"[\(\[（【].*[\)\]）】]"#, with: "", options: .regularExpression)
            for column in Column.allCases where columns[column] == nil {
                if Column.headings[column]!.contains(normalised) || Column.headings[column]!.contains(bare) {
                    columns[column] = index
                    if column == .time { timeZone = Self.declaredZone(heading) }
                    break
                }
            }
        }
        guard columns[.address] != nil, columns[.time] != nil else {
            throw LegalError(
                "\(name): no IP address and time columns in the heading row (\(header.joined(separator: ", "))); "
                    + "expected headings such as IPアドレス / IP and 日時 / timestamp")
        }
        var timeParser = parser
        if let timeZone { timeParser.defaultZone = timeZone }
        var result: [ClaimRow] = []
        result.reserveCapacity(table.count - 1)
        for (offset, record) in table.dropFirst().enumerated() {
            if record.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            var cells: [String: String] = [:]
            for (index, heading) in header.enumerated() where index < record.count {
                cells[heading.isEmpty ? "column \(index + 1)" : heading] = record[index]
            }
            for index in header.count..<max(header.count, record.count) { cells["column \(index + 1)"] = record[index] }
            func cell(_ column: Column) -> String? {
                guard let index = columns[column], index < record.count else { return nil }
                let text = record[index].trimmingCharacters(in: .whitespacesAndNewlines)
                return text.isEmpty ? nil : text
            }
            var row = ClaimRow(
                line: offset + 2, rowNumber: cell(.number) ?? String(offset + 1), cells: cells, zoneAssumed: false, hasSeconds: false,
                errors: [], warnings: [])
            read(into: &row, address: cell(.address), port: cell(.port), time: cell(.time), parser: timeParser, zoneDeclared: timeZone != nil)
            if let hash = cell(.infoHash) {
                if let normalised = Self.infoHash(hash) {
                    row.infoHash = normalised
                } else {
                    row.warnings.append("info hash \"\(hash)\" is not a BitTorrent info hash")
                }
            }
            row.fileName = cell(.fileName)
            if let size = cell(.fileSize) {
                row.fileSize = Int64(size.filter { $0.isNumber })
            }
            if let seen = cell(.observation) { row.observation = Self.observation(seen) }
            result.append(row)
        }
        return result
    }

    func read(into row: inout ClaimRow, address: String?, port: String?, time: String?, parser: TimestampParser, zoneDeclared: Bool) {
        if let address {
            do { row.address = try IPAddress(address).unmapped } catch { row.errors.append("address \"\(address)\": \(error.reason)") }
        } else {
            row.errors.append("no IP address")
        }
        if let port {
            if let value = UInt16(port.filter { !$0.isWhitespace }), value > 0 {
                row.port = value
            } else {
                row.errors.append("port \"\(port)\" is not 1–65535")
            }
        } else {
            row.warnings.append("no source port")
        }
        guard let time else {
            row.errors.append("no time")
            return
        }
        if let serial = Double(time), serial > 20_000, serial < 80_000 {
            // An Excel date serial (days since 1899-12-30), with no zone: read in the column's or default zone.
            // Rounded to the second: a serial printed with 15 significant digits lands a microsecond early.
            let seconds = ((serial - 25_569) * 86_400).rounded()
            let local = Timestamp(microseconds: Int64(seconds) * 1_000_000)
            let offset = parser.defaultZone.secondsFromGMT(for: local.date)
            row.time = Timestamp(microseconds: local.microseconds - Int64(offset) * 1_000_000)
            row.zoneAssumed = !zoneDeclared
            row.hasSeconds = true
        } else {
            let text = Self.westernised(time)
            do {
                let parsed = try parser.parse(text)
                row.time = parsed.timestamp
                row.zoneAssumed = parsed.zoneAssumed && !zoneDeclared
                row.hasSeconds = Self.hasSeconds(text)
            } catch {
                row.errors.append("time \(error.description)")
                return
            }
        }
        if row.zoneAssumed { row.warnings.append("the time has no zone; read as JST") }
        if !row.hasSeconds { row.warnings.append("the time has no seconds") }
    }

    /// `2025年1月5日 12時34分56秒` → `2025-1-5 12:34:56`; other text unchanged.
    static func westernised(_ text: String) -> String {
        guard text.contains("年") || text.contains("時") else { return text }
        var result = ""
        for character in text.precomposedStringWithCompatibilityMapping {
            switch character {
            case "年", "月": result.append("-")
            case "日": result.append(" ")
            case "時", "分": result.append(":")
            case "秒": break
            default: result.append(character)
            }
        }
        while result.hasSuffix(":") { result.removeLast() }
        return result.replacingOccurrences(of: "  ", with: " ").trimmingCharacters(in: .whitespaces)
    }

    static func hasSeconds(_ text: String) -> Bool {
        guard let space = text.firstIndex(where: { $0 == " " || $0 == "T" }) else { return false }
        return text[space...].filter { $0 == ":" }.count >= 2
    }

    /// A v1 info hash (40 hex or 32 base32) or v2 (64 hex), as lower-case hex; `urn:btih:` removed.
    static func infoHash(_ text: String) -> String? {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.lowercased().hasPrefix("urn:btih:") { value = String(value.dropFirst(9)) }
        if (value.count == 40 || value.count == 64), value.allSatisfy(\.isHexDigit) { return value.lowercased() }
        guard value.count == 32 else { return nil }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits: UInt64 = 0
        var count = 0
        var hex = ""
        for character in value.uppercased() {
            guard let index = alphabet.firstIndex(of: character) else { return nil }
            bits = bits << 5 | UInt64(index)
            count += 5
            while count >= 4 {
                count -= 4
                hex.append(String((bits >> UInt64(count)) & 0xF, radix: 16))
            }
        }
        return hex.count == 40 ? hex : nil
    }

    static func observation(_ text: String) -> ClaimRow.Observation? {
        let lower = text.lowercased()
        if lower.contains("piece") || lower.contains("download") || text.contains("ダウンロード") || text.contains("受信") { return .piece }
        if lower.contains("unchoke") || text.contains("アンチョーク") { return .unchoke }
        if lower.contains("bitfield") || lower.contains("have") { return .bitfield }
        if lower.contains("handshake") || text.contains("ハンドシェイク") { return .handshake }
        return nil
    }
}

/// The first sheet of an XLSX workbook as rows of cell text (shared and inline strings, numbers as written;
/// cells placed by their reference, so skipped empty cells keep the columns straight).
enum XLSXTable {
    static func read(_ bytes: [UInt8], limit: Int, maximumRows: Int, name: String) throws(LegalError) -> [[String]] {
        let entries: [String: [UInt8]]
        do {
            entries = Dictionary(try Archives.zipEntries(bytes, limit: limit), uniquingKeysWith: { first, _ in first })
        } catch {
            throw LegalError("\(name): not a readable XLSX file: \(error)")
        }
        let sheetPath =
            entries.keys.filter { $0.hasPrefix("xl/worksheets/sheet") && $0.hasSuffix(".xml") }.sorted {
                $0.count == $1.count ? $0 < $1 : $0.count < $1.count
            }.first
        guard let sheetPath, let sheet = entries[sheetPath] else { throw LegalError("\(name): the workbook has no worksheet") }
        var shared: [String] = []
        if let strings = entries["xl/sharedStrings.xml"] {
            do {
                let root = try SimpleXML.parse(strings)
                // <si><t>text</t></si> or rich text <si><r><t>a</t></r><r><t>b</t></r></si>.
                shared = root.children.filter { $0.name == "si" }.map { item in
                    if let plain = item.children.first(where: { $0.name == "t" }) { return plain.text }
                    return item.children.filter { $0.name == "r" }.compactMap { $0.children.first { $0.name == "t" }?.text }.joined()
                }
            } catch {
                throw LegalError("\(name): the shared strings cannot be read: \(error)")
            }
        }
        let root: SimpleXML.Element
        do { root = try SimpleXML.parse(sheet) } catch { throw LegalError("\(name): the worksheet cannot be read: \(error)") }
        guard let data = root.child("sheetData") else { return [] }
        var table: [[String]] = []
        for row in data.children where row.name == "row" {
            // Excel leaves empty rows out; a row's `r` keeps the sheet's numbering.
            if let number = row.attributes["r"].flatMap(Int.init), number > table.count + 1, number <= maximumRows + 1 {
                while table.count < number - 1 { table.append([]) }
            }
            var cells: [String] = []
            for cell in row.children where cell.name == "c" {
                let column = cell.attributes["r"].flatMap(columnIndex) ?? cells.count
                guard column < 16_384 else { continue }
                let value: String
                switch cell.attributes["t"] {
                case "s": value = Int(cell.value("v") ?? "").flatMap { shared.indices.contains($0) ? shared[$0] : nil } ?? ""
                case "inlineStr": value = cell.child("is/t")?.text ?? ""
                default: value = cell.child("v")?.text ?? ""
                }
                while cells.count < column { cells.append("") }
                if cells.count == column { cells.append(value) } else { cells[column] = value }
            }
            table.append(cells)
            guard table.count <= maximumRows else { throw LegalError("\(name): more than \(maximumRows - 1) rows") }
        }
        return table
    }

    /// `C12` → 2.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard scalar.value >= 65 && scalar.value <= 90 else { break }
            index = index * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters > 0 ? index - 1 : nil
    }
}
