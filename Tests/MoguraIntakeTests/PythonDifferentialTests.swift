import Foundation
import MoguraCore
import MoguraTesting
import Testing

@testable import MoguraIntake

/// Every mail fixture parsed by Mogura and by Python's `email` package (policy.default): the decoded Subject, the
/// From address and the plain-text body must agree, except where the fixture's expectation lists the difference
/// with its reason.
@Suite("Intake against Python's email package", .serialized)
struct PythonDifferentialTests {
    static let python = TestEnvironment.which("python3")

    static let program = #"""
        import email, email.policy, json, sys
        from email.headerregistry import Address
        out = {}
        for path in sys.argv[1:]:
            result = {}
            try:
                message = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
                subject = message["subject"]
                result["subject"] = None if subject is None else str(subject)
                sender = message["from"]
                try:
                    result["from"] = sender.addresses[0].addr_spec.lower() if sender is not None and sender.addresses else None
                except Exception:
                    result["from"] = None
                body = message.get_body(preferencelist=("plain",))
                result["body"] = None if body is None else body.get_content()
            except Exception as error:
                result["error"] = repr(error)
            out[path] = result
        print(json.dumps(out))
        """#

    @Test(.enabled(if: python != nil || TestEnvironment.isCI, "python3 is not on PATH"))
    func mailFixturesAgreeWithPython() throws {
        let mails = FixtureCorpusTests.fixtures.filter { $0.0.hasSuffix(".eml") }
        #expect(mails.count >= 60)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python ?? "/usr/bin/python3")
        process.arguments = ["-c", Self.program] + mails.map(\.0)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let answers = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])

        var differences: [String] = []
        var compared = 0
        var allowed = 0
        for (path, expectedPath) in mails {
            let name = (path as NSString).lastPathComponent
            let expectation = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: expectedPath))) as? [String: Any]
            let allowlist = expectation?["python"] as? [String: String] ?? [:]
            if allowlist["skip"] != nil { continue }
            let answer = answers[path] ?? [:]
            let ours = try? MIMEParser().parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
            let mine: [String: String?] = [
                "subject": ours?.headers["Subject"],
                "from": ours?.headers["From"].flatMap(MailReports.address)?.description,
                "body": ours.flatMap(Self.plainBody),
            ]
            for field in ["subject", "from", "body"] {
                let theirs = (answer[field] as? String).map(Self.normalize)
                let mineValue = mine[field].flatMap { $0 }.map(Self.normalize)
                compared += 1
                if theirs != mineValue {
                    if allowlist[field] != nil {
                        allowed += 1
                    } else {
                        differences.append(
                            "\(name) \(field): Mogura \(mineValue.map { "\"\($0.prefix(120))\"" } ?? "nil"), Python \(theirs.map { "\"\($0.prefix(120))\"" } ?? "nil")"
                        )
                    }
                }
            }
        }
        #expect(compared > 150)
        #expect(
            differences.isEmpty,
            Comment(rawValue: "\(differences.count) unexplained differences (\(allowed) allowlisted):\n" + differences.joined(separator: "\n")))
    }

    /// The first text/plain part outside attached messages, decoded, as Python's get_body(("plain",)) finds it.
    static func plainBody(_ message: ParsedMessage) -> String? {
        func find(_ entity: MIMEEntity) -> MIMEEntity? {
            switch entity.body {
            case .leaf:
                return entity.contentType.value == "text/plain" && !entity.isAttachment ? entity : nil
            case .multipart(let parts):
                for part in parts { if let found = find(part) { return found } }
                return nil
            case .message:
                return nil
            }
        }
        return find(message.root)?.text?.text
    }

    /// Line ends as LF; no trailing line ends or spaces; no leading spaces (Python keeps the folding whitespace of a
    /// header whose first line was empty).
    static func normalize(_ text: String) -> String {
        var result = text.replacingOccurrences(of: "\r\n", with: "\n")
        while result.hasPrefix(" ") || result.hasPrefix("\t") { result.removeFirst() }
        while result.hasSuffix("\n") || result.hasSuffix(" ") { result.removeLast() }
        return result
    }
}
