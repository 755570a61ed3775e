import Foundation
import MoguraTesting
import Testing

/// `mogura scan` as an operator runs it: exit codes, JSON findings, the summary, symbolic links, size and binary
/// limits, the cache and --since.
@Suite("mogura scan", .serialized, .tags(.process))
struct ScanCLITests {
    static let rules = """
        - id: eval-post
          category: backdoor
          score: 20
          description: eval of POST data
          any: ["eval"]
          all: ["$_post"]
          regex: '(?i)eval\\s*\\(\\s*\\$_POST'
          files: php
        - id: shell-title
          category: webshell
          score: 30
          description: a file manager's title
          any: ["Mini Shell"]
        """

    static func tree() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        _ = try directory.write("rules.yml", rules)
        try FileManager.default.createDirectory(atPath: directory.file("www/uploads"), withIntermediateDirectories: true)
        _ = try directory.write("www/index.php", "<?php echo 'hello';")
        _ = try directory.write("www/uploads/x.php", "<?php eval( $_POST['c'] );")
        _ = try directory.write("www/uploads/shell.html", "<title>Mini Shell</title>")
        _ = try directory.write("www/big.php", String(repeating: "// padding\n", count: 2_000) + "<?php eval($_POST[1]);")
        try Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0] + Array("<?php eval($_POST[1]);".utf8)).write(
            to: URL(fileURLWithPath: directory.file("www/image.php")))
        // A link out of the tree, to a file that would be flagged: never followed.
        _ = try directory.write("outside.php", "<?php eval($_POST['z']);")
        try FileManager.default.createSymbolicLink(atPath: directory.file("www/link.php"), withDestinationPath: directory.file("outside.php"))
        return directory
    }

    @Test func findingsAsJSONWithExitCodeOneAndLimitsRespected() throws {
        let directory = try Self.tree()
        let result = try CommandRunner.run([
            "scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), "--format", "json", "--max-size", "10K", directory.file("www"),
        ])
        #expect(result.status == 1, "\(result.standardError)")
        let objects = result.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let paths = Set(objects.compactMap { $0["path"] as? String })
        #expect(paths == [directory.file("www/uploads/x.php"), directory.file("www/uploads/shell.html")])
        let eval = objects.first { $0["rule"] as? String == "eval-post" }
        #expect(eval?["category"] as? String == "backdoor")
        #expect(eval?["score"] as? Int == 20)
        #expect(eval?["offset"] as? Int == 6)
        #expect((eval?["excerpt"] as? String)?.contains("eval( $_POST") == true)
        #expect((eval?["sha256"] as? String)?.count == 64)
        #expect(result.standardError.contains("1 binary"), "the PNG-headed file is skipped: \(result.standardError)")
        #expect(result.standardError.contains("1 too large"), "\(result.standardError)")
        #expect(result.standardError.contains("1 links or special files"), "\(result.standardError)")
    }

    @Test func aCleanTreeExitsZeroAndErrorsExitTwo() throws {
        let directory = try Self.tree()
        let clean = try CommandRunner.run(["scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), directory.file("www/index.php")])
        #expect(clean.status == 0, "\(clean.standardError)")
        #expect(clean.standardOutput.isEmpty)
        let missing = try CommandRunner.run(["scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), directory.file("nowhere")])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("nowhere"))
        _ = try directory.write("bad.yml", "- id: x\n  category: nonsense\n  score: 5\n  description: d\n  any: [\"abcd\"]\n")
        let badRules = try CommandRunner.run(["scan", "--no-builtin-rules", "--rules", directory.file("bad.yml"), directory.file("www")])
        #expect(badRules.status == 2)
        #expect(badRules.standardError.contains("bad.yml") && badRules.standardError.contains("nonsense"), "\(badRules.standardError)")
    }

    @Test func theCacheSkipsUnchangedFilesAndStillReportsWhatWasFlagged() throws {
        let directory = try Self.tree()
        let arguments = [
            "scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), "--cache", directory.file("cache"), directory.file("www"),
        ]
        let first = try CommandRunner.run(arguments)
        #expect(first.status == 1)
        #expect(first.standardError.contains("0 unchanged since the cached sweep"))
        let second = try CommandRunner.run(arguments)
        #expect(second.status == 1)
        #expect(
            second.standardOutput == first.standardOutput
                || Set(second.standardOutput.split(separator: "\n")) == Set(first.standardOutput.split(separator: "\n")))
        #expect(second.standardError.contains(", 0 scanned"), "nothing read again: \(second.standardError)")
        // A changed file is read again.
        _ = try directory.write("www/index.php", "<?php eval($_POST['new']);")
        let third = try CommandRunner.run(arguments)
        #expect(third.standardError.contains(", 1 scanned"), "\(third.standardError)")
        #expect(third.standardOutput.contains("www/index.php"))
    }

    @Test func sinceLimitsTheSweepToRecentFiles() throws {
        let directory = try Self.tree()
        let old = Date(timeIntervalSinceNow: -10 * 86_400)
        for file in ["www/uploads/x.php", "www/uploads/shell.html", "www/index.php", "www/big.php", "www/image.php"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: directory.file(file))
        }
        _ = try directory.write("www/new.php", "<?php eval($_POST['fresh']);")
        let result = try CommandRunner.run([
            "scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), "--since", "1d", directory.file("www"),
        ])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("www/new.php"))
        #expect(!result.standardOutput.contains("uploads/x.php"))
        #expect(result.standardError.contains("5 older than --since"), "\(result.standardError)")
    }

    @Test func flaggedFilesAreQuarantinedAndRestoredAsTheyWere() throws {
        let directory = try Self.tree()
        let target = directory.file("www/uploads/x.php")
        let original = try Data(contentsOf: URL(fileURLWithPath: target))
        chmod(target, 0o640)
        let modified = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: target)
        let vault = directory.file("quarantine")
        let scan = try CommandRunner.run([
            "scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), "--quarantine", vault, directory.file("www"),
        ])
        #expect(scan.status == 1, "\(scan.standardError)")
        #expect(scan.standardError.contains("3 quarantined"), "\(scan.standardError)")
        #expect(!FileManager.default.fileExists(atPath: target), "moved aside")
        let list = try CommandRunner.run(["quarantine", "list", "--directory", vault, "--format", "json"])
        #expect(list.status == 0)
        let records = list.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let record = try #require(records.first { $0["path"] as? String == target })
        #expect((record["rules"] as? [String]) == ["eval-post"])
        #expect((record["sha256"] as? String)?.count == 64)
        // Something put at the path meanwhile blocks the restore.
        _ = try directory.write("www/uploads/x.php", "new")
        let blocked = try CommandRunner.run(["quarantine", "restore", try #require(record["id"] as? String), "--directory", vault])
        #expect(blocked.status != 0)
        #expect(blocked.standardError.contains("something is there now"))
        try FileManager.default.removeItem(atPath: target)
        let restore = try CommandRunner.run(["quarantine", "restore", try #require(record["id"] as? String), "--directory", vault])
        #expect(restore.status == 0, "\(restore.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == original)
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect((attributes[.modificationDate] as? Date).map { abs($0.timeIntervalSince(modified)) < 1 } == true)
        let after = try CommandRunner.run(["quarantine", "list", "--directory", vault])
        #expect(!after.standardOutput.contains(target))
    }

    @Test func mogurasOwnRulesFindTheCorpusThreats() throws {
        let result = try CommandRunner.run(["scan", TestEnvironment.repositoryRoot + "/Tests/Fixtures/scan/threats"])
        #expect(result.status == 1, "\(result.standardError)")
        let list = try CommandRunner.run(["scan", "--list-rules"])
        #expect(list.status == 0)
        #expect(list.standardOutput.split(separator: "\n").count >= 30)
    }

    /// The whole path into the desk: the inventory maps home directories to services, the sweep files a report
    /// per flagged file, `mogura work` opens one case per account and the playbook suspends web publishing through
    /// a connector; a second sweep the same day files nothing twice; an unmapped home goes to triage.
    @Test func flaggedFilesBecomeReportsAttributedToTheAccountAndSuspendItsWebsite() throws {
        let directory = try TemporaryDirectory(prefix: "mogura-scan-report")
        let home = directory.file("home")
        for account in ["alice/www/wp-content/uploads", "bob/public_html", "carol", "dave/www"] {
            try FileManager.default.createDirectory(atPath: "\(home)/\(account)", withIntermediateDirectories: true)
        }
        _ = try directory.write("home/alice/www/wp-content/uploads/x.php", "<?php eval( $_POST['c'] );")
        _ = try directory.write("home/alice/www/wp-content/uploads/y.php", "<?php @eval($_POST['d']);")
        _ = try directory.write("home/alice/www/index.php", "<?php echo 'hello';")
        _ = try directory.write("home/bob/public_html/m.php", "<title>Mini Shell</title>")
        _ = try directory.write("home/carol/shell.php", "<title>Mini Shell</title>")
        _ = try directory.write("home/dave/www/index.php", "<?php echo 'clean';")
        _ = try directory.write("rules.yml", Self.rules)
        _ = try directory.write(
            "inventory.json",
            """
            {"customers": [{"id": "c1", "name": "Alice", "emails": ["alice@customer.example"], "language": "en", "timezone": "UTC"},
                           {"id": "c2", "name": "Bob", "emails": ["bob@customer.example"]}],
             "services": [{"id": "web-alice", "customer": "c1", "kind": "shared-hosting"}, {"id": "web-bob", "customer": "c2", "kind": "shared-hosting"},
                          {"id": "web-dave", "customer": "c2", "kind": "shared-hosting"}],
             "assignments": [{"service": "web-alice", "path": "\(home)/alice"}, {"service": "web-bob", "path": "web01:\(home)/bob/"},
                             {"service": "web-dave", "path": "web02:\(home)/carol"}]}
            """)
        _ = try directory.write(
            "mogura.yml",
            """
            playbooks:
              - name: web
                categories: [webshell, mailer]
                steps:
                  - action: suspend-web
                  - action: notify
            connectors:
              suspend-web:
                command:
                  argv: [/bin/sh, -c, "cat >> \(directory.file("calls.jsonl")); echo web publishing off"]
              resume:
                command:
                  argv: [/bin/sh, -c, "cat >> \(directory.file("calls.jsonl")); echo back on"]
            """)
        let data = ["--data-dir", directory.file("data")]
        let config = ["--config", directory.file("mogura.yml")]
        let scan = ["scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), "--report", "--host", "web01", home] + data
        #expect(try CommandRunner.run(["inventory", "import", directory.file("inventory.json")] + data).status == 0)

        let first = try CommandRunner.run(scan)
        #expect(first.status == 1, "flagged files still exit 1: \(first.standardError)")
        #expect(first.standardError.contains("filed 4 report(s) into the desk (0 already filed today)"), "\(first.standardError)")
        let again = try CommandRunner.run(scan)
        #expect(again.standardError.contains("filed 0 report(s) into the desk (4 already filed today)"), "\(again.standardError)")

        let work = try CommandRunner.run(["work"] + config + data)
        #expect(work.status == 0, "\(work.standardError)")
        #expect(work.standardOutput.contains("Correlated 4 report(s): 3 into cases (2 opened, 0 reopened)"), "\(work.standardOutput)")
        #expect(work.standardOutput.contains("1 to triage"), "carol's home is web02's, not web01's: \(work.standardOutput)")
        let cases = try CommandRunner.run(["case", "list", "--format", "json"] + data)
        let listed = cases.standardOutput.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let subjects = listed.map { "\($0["subject"] ?? "")" }
        #expect(listed.count == 2 && listed.allSatisfy { $0["state"] as? String == "suspended" }, "\(cases.standardOutput)")
        #expect(subjects.contains { $0.contains("web-alice") } && subjects.contains { $0.contains("web-bob") }, "\(subjects)")
        let triage = try CommandRunner.run(["case", "triage"] + data)
        #expect(triage.standardOutput.contains("path:web01:\(home)/carol/shell.php"), "\(triage.standardOutput)")

        let calls = try String(contentsOfFile: directory.file("calls.jsonl"), encoding: .utf8)
        #expect(calls.components(separatedBy: #""event":"action.suspend-web""#).count - 1 == 2, "\(calls)")
        #expect(calls.contains(#""key":"web-alice""#) && calls.contains(#""key":"web-bob""#))
        let show = try CommandRunner.run(["case", "show", "1"] + data)
        #expect(show.standardOutput.contains("\(home)/alice/www/wp-content/uploads/x.php"), "\(show.standardOutput)")

        // Resolving with a resume tells the connector what it undoes.
        let resolve = try CommandRunner.run(["case", "resolve", "1", "--approve-resume"] + config + data)
        #expect(resolve.status == 0, "\(resolve.standardError)")
        #expect(try CommandRunner.run(["work"] + config + data).status == 0)
        let after = try String(contentsOfFile: directory.file("calls.jsonl"), encoding: .utf8)
        #expect(after.contains(#""event":"action.resume""#) && after.contains(#""undoes":"suspend-web""#), "\(after)")
        #expect(try CommandRunner.run(["audit", "verify"] + data).status == 0)
    }

    @Test func reportingNeedsAReachableStoreAndAHostNeedsReport() throws {
        let directory = try Self.tree()
        let unused = try CommandRunner.run([
            "scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), "--host", "web01", directory.file("www"),
        ])
        #expect(unused.status == 64 && unused.standardError.contains("--host names this server for --report"), "\(unused.standardError)")
        let badHost = try CommandRunner.run(["scan", "--report", "--host", "we b", directory.file("www")])
        #expect(badHost.status == 64 && badHost.standardError.contains("not a server name"), "\(badHost.standardError)")
        let unreachable = try CommandRunner.run([
            "scan", "--no-builtin-rules", "--rules", directory.file("rules.yml"), "--report", "--database", "postgres://mogura@127.0.0.1:1/none",
            directory.file("www"),
        ])
        #expect(unreachable.status == 2 && unreachable.standardError.contains("Error: "), "\(unreachable.standardError)")
        #expect(unreachable.standardOutput.isEmpty, "the sweep does not start when its findings could not be filed")
    }
}
