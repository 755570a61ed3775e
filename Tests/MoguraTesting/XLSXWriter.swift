import Foundation

/// Writes a minimal XLSX workbook (one sheet, inline strings, stored zip entries with CRC-32), as Excel would
/// hand a claimant's list over: enough for tests and benchmarks to feed `ClaimListReader` real spreadsheet bytes.
public enum XLSXWriter {
    /// A workbook whose first sheet holds `rows` (the first row is the heading). Cells that are plain numbers are
    /// written as numbers, everything else as inline strings.
    public static func workbook(_ rows: [[String]]) -> [UInt8] {
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
        sheet += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (rowIndex, row) in rows.enumerated() where !row.isEmpty {  // Excel leaves empty rows out
            sheet += #"<row r="\#(rowIndex + 1)">"#
            for (columnIndex, value) in row.enumerated() where !value.isEmpty {
                let reference = column(columnIndex) + String(rowIndex + 1)
                if Double(value) != nil, !value.contains(where: { $0 == " " || $0 == "-" || $0 == ":" }) {
                    sheet += #"<c r="\#(reference)"><v>\#(value)</v></c>"#
                } else {
                    sheet += #"<c r="\#(reference)" t="inlineStr"><is><t>\#(escape(value))</t></is></c>"#
                }
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        let files: [(String, String)] = [
            (
                "[Content_Types].xml",
                #"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
            ),
            (
                "xl/workbook.xml",
                #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="目録" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        return zip(files.map { ($0.0, Array($0.1.utf8)) })
    }

    static func column(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            n = (n - 1) / 26
        }
        return name
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A zip archive of stored (uncompressed) entries.
    public static func zip(_ files: [(String, [UInt8])]) -> [UInt8] {
        var output: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ value: Int, _ into: inout [UInt8]) { into += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func le32(_ value: UInt32, _ into: inout [UInt8]) { into += (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
        for (name, data) in files {
            let nameBytes = Array(name.utf8)
            let crc = crc32(data)
            let offset = UInt32(output.count)
            le32(0x0403_4B50, &output)
            le16(20, &output); le16(0x0800, &output); le16(0, &output); le16(0, &output); le16(0x21, &output)
            le32(crc, &output); le32(UInt32(data.count), &output); le32(UInt32(data.count), &output)
            le16(nameBytes.count, &output); le16(0, &output)
            output += nameBytes + data
            le32(0x0201_4B50, &central)
            le16(20, &central); le16(20, &central); le16(0x0800, &central); le16(0, &central); le16(0, &central); le16(0x21, &central)
            le32(crc, &central); le32(UInt32(data.count), &central); le32(UInt32(data.count), &central)
            le16(nameBytes.count, &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0, &central); le32(offset, &central)
            central += nameBytes
        }
        let centralOffset = UInt32(output.count)
        output += central
        le32(0x0605_4B50, &output)
        le16(0, &output); le16(0, &output); le16(files.count, &output); le16(files.count, &output)
        le32(UInt32(central.count), &output); le32(centralOffset, &output); le16(0, &output)
        return output
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
