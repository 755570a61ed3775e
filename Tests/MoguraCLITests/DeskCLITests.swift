import Foundation
import MoguraTesting
import Testing

/// The desk's commands as an operator uses them: work, case list/show/approve/resolve/send-back/close/triage,
/// config check, notices export.
@Suite("mogura work, case, config and notices", .serialized, .tags(.process))
struct DeskCLITests {
    static let inventory = """
        {"customers": [{"id": "c1", "name": "Example Shop", "emails": ["owner@customer.example"], "language": "en", "timezone": "UTC"}],
         "services": [{"id": "s1", "customer": "c1", "kind": "shared-hosting"}],
         "assignments": [{"service": "s1", "prefix": "203.0.113.0/24"}, {"service": "s1", "domain": "shop.example.jp"}]}
        """

    func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(arguments)
    }

    @Test func anOperatorWorksACaseFromTheCommandLine() throws {
        let directory = try TemporaryDirectory(prefix: "mogura-desk-cli")
        let data = ["--data-dir", directory.file("data")]
        try Self.inventory.write(toFile: directory.file("inventory.json"), atomically: true, encoding: .utf8)
        // Suspension needs approval here, through a command connector that records the call.
        try """
        playbooks:
          - name: careful
            steps:
              - action: notify
              - action: suspend
                approval: true
        connectors:
          suspend:
            command:
              argv: [/bin/sh, -c, "cat >> \(directory.file("calls.jsonl")); echo suspended"]
          resume:
            command:
              argv: [/bin/sh, -c, "cat >> \(directory.file("calls.jsonl")); echo resumed"]
        """.write(toFile: directory.file("mogura.yml"), atomically: true, encoding: .utf8)
        let config = ["--config", directory.file("mogura.yml")]
        try "From: r@example.org\nSubject: spam\nMessage-ID: <c1@example.org>\n\nSpam from 203.0.113.9, please stop.\n".write(
            toFile: directory.file("complaint.eml"), atomically: true, encoding: .utf8)

        #expect(try run(["inventory", "import", directory.file("inventory.json")] + data).status == 0)
        #expect(try run(["ingest", directory.file("complaint.eml")] + data).status == 0)
        let work = try run(["work"] + config + data)
        #expect(work.status == 0, "\(work.standardError)")
        #expect(work.standardOutput.contains("Correlated 1 report(s): 1 into cases (1 opened, 0 reopened)"))
        #expect(work.standardOutput.contains("Ran 2 action attempt(s)"))  // acknowledgement, notice; the suspension waits

        let list = try run(["case", "list"] + data)
        #expect(list.standardOutput.contains("     1  notified         spam               service:s1"))
        let show = try run(["case", "show", "1"] + data)
        #expect(show.standardOutput.contains("NEEDS APPROVAL (mogura case approve 3)"), "\(show.standardOutput)")
        let json = try run(["case", "show", "1", "--format", "json"] + data)
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect((object?["actions"] as? [Any])?.count == 3)

        let wrong = try run(["case", "approve", "99"] + config + data)
        #expect(wrong.status == 1 && wrong.standardError.contains("there is no action 99"))
        let approve = try run(["case", "approve", "3"] + config + data)
        #expect(approve.status == 0 && approve.standardOutput.contains("Approved action 3 (suspend) of case 1"))
        #expect(try run(["work"] + config + data).standardOutput.contains("Ran 1 action attempt(s)"))
        #expect(try run(["case", "show", "1"] + data).standardOutput.contains("state     suspended"))

        let resolve = try run(["case", "resolve", "1", "--approve-resume"] + config + data)
        #expect(resolve.status == 0 && resolve.standardOutput.contains("Resume planned (action 4); it runs now."), "\(resolve.standardOutput)")
        #expect(try run(["work"] + config + data).status == 0)
        let calls = try String(contentsOfFile: directory.file("calls.jsonl"), encoding: .utf8)
        #expect(calls.contains(#""event":"action.suspend""#) && calls.contains(#""event":"action.resume""#))
        #expect(try run(["case", "list"] + data).standardOutput.contains("No cases in"))
        #expect(try run(["case", "list", "--all"] + data).standardOutput.contains("resolved"))
        let sendBack = try run(["case", "send-back", "1"] + config + data)
        #expect(sendBack.status == 1 && sendBack.standardError.contains("case 1 is resolved, not in review"))
        #expect(try run(["case", "close", "1"] + config + data).standardOutput.contains("Closed case 1."))
        #expect(try run(["case", "triage"] + data).standardOutput.contains("Nothing waits in triage."))
        #expect(try run(["audit", "verify"] + data).status == 0)
    }

    @Test func configCheckExplainsOrPointsAtTheMistake() throws {
        let directory = try TemporaryDirectory(prefix: "mogura-config")
        let good = try CommandRunner.run(
            ["config", "check", "--config", TestEnvironment.repositoryRoot + "/docs/mogura.example.yml"],
            environment: ["MOGURA_WEBHOOK_SECRET": "a long enough example secret"])
        #expect(good.status == 0, "\(good.standardError)")
        #expect(good.standardOutput.contains("  default: (default), acknowledges reporters"))
        #expect(good.standardOutput.contains("    3. suspend after 3d"))
        #expect(good.standardOutput.contains("suspend: webhook https://panel.example.net/hooks/mogura (timeout 30 s)"))
        #expect(good.standardOutput.contains("Templates: acknowledge.en.mustache"))
        try "playbooks:\n  - name: x\n    steps:\n      - action: notify\n        after: soon\n".write(
            toFile: directory.file("bad.yml"), atomically: true, encoding: .utf8)
        let bad = try run(["config", "check", "--config", directory.file("bad.yml")])
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("bad.yml: playbooks[0].steps[0].after: \"soon\" is not a duration"), "\(bad.standardError)")
        let missing = try run(["config", "check", "--config", directory.file("nope.yml")])
        #expect(missing.status == 1 && missing.standardError.contains("nope.yml: cannot read the file"))
    }

    @Test func noticeTemplatesExportForEditing() throws {
        let directory = try TemporaryDirectory(prefix: "mogura-notices")
        let first = try run(["notices", "export", directory.path])
        #expect(first.status == 0 && first.standardOutput.components(separatedBy: "written").count - 1 == 6)
        #expect(try String(contentsOfFile: directory.file("warn.ja.mustache"), encoding: .utf8).contains("{{deadline}}"))
        #expect(try run(["notices", "export", directory.path]).standardOutput.contains("kept"))
    }
}
