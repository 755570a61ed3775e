import Foundation
import MoguraCore
import MoguraTesting
import Testing

/// Differential tests against Python's standard library, an independent implementation of the same RFCs.
@Suite("Python oracles", .serialized)
struct OracleTests {
    static let python = TestEnvironment.which("python3")

    /// Runs a Python program that reads lines on stdin and writes one answer per line.
    static func ask(_ program: String, _ lines: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python ?? "/usr/bin/python3")
        process.arguments = ["-c", program]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test(.enabled(if: python != nil || TestEnvironment.isCI, "python3 is not on PATH"))
    func ipv6CanonicalFormMatchesPython() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x5059_0006)
        var addresses: [IPv6Address] = []
        for _ in 0..<3_000 {
            var value = random.next128()
            for group in 0..<8 where random.next() % 2 == 0 { value &= ~(UInt128(0xffff) << UInt128(16 * group)) }
            let address = IPv6Address(value)
            if address.mappedIPv4 == nil { addresses.append(address) }  // Python 3.11 prints mapped addresses in hex
        }
        let fullForms = addresses.map { $0.groups.map { String($0, radix: 16) }.joined(separator: ":") }
        let answers = try Self.ask(
            "import sys, ipaddress\nfor line in sys.stdin: print(ipaddress.IPv6Address(line.strip()).compressed)", fullForms)
        #expect(answers.count == addresses.count)
        for (address, answer) in zip(addresses, answers) {
            #expect(address.description == answer, "\(address.groups)")
        }
    }

    @Test(.enabled(if: python != nil || TestEnvironment.isCI, "python3 is not on PATH"))
    func punycodeMatchesPython() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x5059_0007)
        // Hiragana, katakana, kanji, Latin-1, Cyrillic and ASCII mixed, as in real Japanese and European names.
        let ranges: [ClosedRange<UInt32>] = [0x3041...0x3096, 0x30A1...0x30FA, 0x4E00...0x9FA5, 0xE0...0xFF, 0x430...0x44F, 0x61...0x7A, 0x30...0x39]
        var labels: [String] = []
        for _ in 0..<2_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<(1 + random.next() % 12) {
                let range = ranges[Int(random.next() % UInt64(ranges.count))]
                scalars.append(Unicode.Scalar(range.lowerBound + UInt32(random.next() % UInt64(range.count)))!)
            }
            labels.append(String(scalars))
        }
        let answers = try Self.ask(
            "import sys\nfor line in sys.stdin: print(line.rstrip('\\n').encode('punycode').decode('ascii'))", labels)
        #expect(answers.count == labels.count)
        for (label, answer) in zip(labels, answers) {
            #expect(Punycode.encode(label.unicodeScalars) == answer, "\(label)")
            #expect(Punycode.decode(Substring(answer)) == label)
        }
    }
}
