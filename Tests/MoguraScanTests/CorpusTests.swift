import Foundation
import MoguraScan
import MoguraTesting
import Testing

/// Mogura's shipped rules against the project's own corpus (Tests/Fixtures/scan): inert samples of each threat
/// family, and benign look-alikes that must stay clean at the default threshold. The counts are printed.
@Suite("Scanner: rules against the corpus")
struct CorpusTests {
    struct Expectation: Decodable {
        var path: String
        var expect: String
        var category: String?
        var note: String?
    }

    static let root = TestEnvironment.repositoryRoot + "/Tests/Fixtures/scan"

    static func scan(_ relative: String, rules: ScanRuleSet) throws -> (score: Int, matches: [ScanMatch]) {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/" + relative)))
        let name = relative.split(separator: "/").last ?? ""
        let matches = rules.scan(bytes, kind: ScanFileKind.of(name), binary: bytes.prefix(8_000).contains(0))
        return (matches.reduce(0) { $0 + $1.score }, matches)
    }

    @Test func everyThreatIsFoundAndEveryLookAlikeStaysClean() throws {
        let rules = try ScanRuleSet(try ScanRule.load(path: TestEnvironment.repositoryRoot + "/rules"))
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/expectations.json"))
        let expectations = try JSONDecoder().decode([Expectation].self, from: data)
        var detected = 0
        var missed: [String] = []
        var wrongCategory: [String] = []
        var falsePositives: [String] = []
        var clean = 0
        for expectation in expectations {
            let (score, matches) = try Self.scan(expectation.path, rules: rules)
            let flagged = score >= ScanOptions().threshold
            if expectation.expect == "finding" {
                if flagged {
                    detected += 1
                    let strongest = matches.max { $0.score < $1.score }
                    if let category = expectation.category, strongest?.category.rawValue != category,
                        !matches.contains(where: { $0.category.rawValue == category && $0.score >= 10 })
                    {
                        wrongCategory.append("\(expectation.path): \(strongest?.category.rawValue ?? "-") instead of \(category)")
                    }
                } else {
                    missed.append("\(expectation.path) (score \(score): \(matches.map(\.rule).joined(separator: ", ")))")
                }
            } else {
                if flagged {
                    falsePositives.append("\(expectation.path) (score \(score): \(matches.map(\.rule).joined(separator: ", ")))")
                } else {
                    clean += 1
                }
            }
        }
        let threats = expectations.filter { $0.expect == "finding" }.count
        let benign = expectations.count - threats
        print("scanner corpus: \(detected) of \(threats) threats detected, \(clean) of \(benign) look-alikes clean")
        #expect(threats >= 30 && benign >= 25, "the corpus has \(threats) threats and \(benign) look-alikes")
        #expect(missed.isEmpty, "missed: \(missed.joined(separator: "; "))")
        #expect(falsePositives.isEmpty, "false positives: \(falsePositives.joined(separator: "; "))")
        #expect(wrongCategory.isEmpty, "categories: \(wrongCategory.joined(separator: "; "))")
    }

    /// The samples whose payload only shows after decoding are found through the layers.
    @Test func payloadsBehindEncodingsAreFoundInTheirLayers() throws {
        let rules = try ScanRuleSet(try ScanRule.load(path: TestEnvironment.repositoryRoot + "/rules"))
        let threats = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/threats").sorted()
        var layered: [String] = []
        for name in threats {
            let (_, matches) = try Self.scan("threats/" + name, rules: rules)
            if matches.contains(where: { !$0.layers.isEmpty && $0.score >= 10 }) { layered.append(name) }
        }
        print("scanner corpus: \(layered.count) threats found inside decoded layers: \(layered.joined(separator: ", "))")
        #expect(layered.count >= 3)
    }

    /// Regexes read windows around their literals; a match near a later occurrence, past a long gap, after many
    /// occurrences (the whole-text fallback) or behind a `near` hint is still found, at its own offset.
    @Test func windowedRegexesFindWhatTheWholeTextHolds() throws {
        let rules = try ScanRuleSet([
            ScanRule(
                id: "include-request", category: .backdoor, score: 20, description: "d", any: ["include"], near: ["$_GET", "$_POST"],
                regexes: ["(?i)include\\s*\\(\\s*\\$_(GET|POST)"], files: .php)
        ])
        func scan(_ text: String) -> [ScanMatch] { rules.scan(Array(text.utf8), kind: .php, binary: false) }
        let padding = String(repeating: "// nothing to see here\n", count: 800)
        let late = "<?php include('a.php');\n" + padding + "include($_GET['x']);"
        #expect(scan(late).first?.offset == late.utf8.count - "include($_GET['x']);".utf8.count)
        let many = "<?php " + String(repeating: "include('b.php');\n", count: 200) + "include( $_POST['y'] );"
        #expect(scan(many).first?.offset == many.utf8.count - "include( $_POST['y'] );".utf8.count)
        #expect(scan("<?php include('a.php');\n" + padding + "echo $_GET['q'];").isEmpty, "the request variable is far away")
        #expect(scan("<?php include('a.php'); include($_COOKIE['z']);").isEmpty, "no near literal")
    }

    /// A pattern that backtracks exponentially on crafted text stops at the file's time limit instead of holding a
    /// worker for minutes; the rule counts as not matched and is named, and a quick rule in the same file still
    /// matches.
    @Test func aBacktrackingRegexGivesUpAtTheTimeLimit() throws {
        let rules = try ScanRuleSet([
            ScanRule(id: "quick", category: .webshell, score: 5, description: "d", any: ["<?php"], files: .php),
            ScanRule(id: "redos", category: .suspicious, score: 20, description: "d", any: ["aaaa"], regexes: ["(a+)+b"], files: .php),
        ])
        let crafted = Array(("<?php $x = \"" + String(repeating: "a", count: 40) + "\";").utf8)
        let clock = ContinuousClock()
        let started = clock.now
        let (matches, timedOut) = rules.examine(crafted, kind: .php, binary: false, timeLimit: 0.3)
        let elapsed = clock.now - started
        #expect(timedOut == ["redos"])
        #expect(matches.map(\.rule) == ["quick"])
        #expect(elapsed < .seconds(10), "without the limit this takes minutes: \(elapsed)")
        // With room to finish on ordinary text, nothing times out and the pattern matches.
        let fine = rules.examine(Array("<?php $x = 'aaaab';".utf8), kind: .php, binary: false, timeLimit: 5)
        #expect(fine.timedOut.isEmpty && fine.matches.map(\.rule) == ["quick", "redos"])
    }

    @Test func badRuleFilesAreRefusedWithTheirPlace() {
        let cases: [(String, String)] = [
            ("- id: x\n  category: nonsense\n  score: 5\n  description: d\n  any: [\"abcd\"]\n", "category \"nonsense\""),
            ("- id: x\n  category: backdoor\n  score: 500\n  description: d\n  any: [\"abcd\"]\n", "score is 1 to 100"),
            ("- id: x\n  category: backdoor\n  score: 5\n  description: d\n  regex: 'eval'\n", "at least one literal"),
            ("- id: x\n  category: backdoor\n  score: 5\n  description: d\n  any: [\"ab\"]\n", "too short"),
            ("- id: x\n  category: backdoor\n  score: 5\n  description: d\n  any: [\"abcd\"]\n  regex: '(unclosed'\n", "does not compile"),
            ("- id: x\n  category: backdoor\n  score: 5\n  description: d\n  any: [\"abcd\"]\n  files: exe\n", "php, web or any"),
            ("not: a list\n", "not a list of rules"),
            ("- id: x\n  category: backdoor\n  score: 5\n  description: d\n  any: [\"abcd\"]\n  near: [\"efgh\"]\n", "near needs a regex"),
        ]
        for (text, reason) in cases {
            #expect {
                _ = try ScanRule.load(yaml: text, name: "my.yml")
            } throws: { error in
                "\(error)".contains("my.yml") && "\(error)".contains(reason)
            }
        }
    }
}

/// A real PHP application stays clean: WordPress from Debian's package (scripts/test unpacks it and sets
/// MOGURA_TEST_WORDPRESS).
@Suite(
    "Scanner: a real CMS tree",
    .enabled(
        if: ProcessInfo.processInfo.environment["MOGURA_TEST_WORDPRESS"] != nil || TestEnvironment.isCI,
        "MOGURA_TEST_WORDPRESS is not set; scripts/test fetches Debian's wordpress package"))
struct RealTreeTests {
    @Test func wordPressHasNoFindingAtTheDefaultThreshold() throws {
        let root = try #require(ProcessInfo.processInfo.environment["MOGURA_TEST_WORDPRESS"], "scripts/test sets MOGURA_TEST_WORDPRESS")
        let rules = try ScanRuleSet(try ScanRule.load(path: TestEnvironment.repositoryRoot + "/rules"))
        let flagged = FlaggedFiles()
        let summary = TreeScanner(rules: rules, options: ScanOptions()).run(paths: [root]) { flagged.add($0) }
        print("scanner on WordPress: \(summary.files) files, \(summary.scanned) scanned (\(summary.bytes >> 20) MiB), \(summary.flagged) flagged")
        #expect(summary.scanned > 1_000, "the tree is WordPress: \(summary.scanned) files scanned")
        #expect(summary.errors.isEmpty, "\(summary.errors.prefix(5))")
        #expect(flagged.all.isEmpty, "false positives: \(flagged.all.map { "\($0.path): \($0.matches.map(\.rule))" })")
    }
}

final class FlaggedFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [ScanFileResult] = []
    func add(_ result: ScanFileResult) { lock.withLock { results.append(result) } }
    var all: [ScanFileResult] { lock.withLock { results } }
}
