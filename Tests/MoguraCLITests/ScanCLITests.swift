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
}
