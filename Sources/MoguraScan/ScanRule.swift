import Foundation
import Yams

/// What a finding is about.
public enum ScanCategory: String, Hashable, Sendable, Codable, CaseIterable {
    case webshell
    case mailer
    case backdoor
    case phishingKit = "phishing-kit"
    case obfuscation
    case dropper
    case defacement
    case suspicious
}

/// Which files a rule looks at, by name.
public enum ScanFileKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// PHP sources (php, phtml, php3–php8, phar, inc) and PHP's per-directory configuration (.htaccess, .user.ini).
    case php
    /// PHP and what a browser runs or renders: html, htm, shtml, js, svg.
    case web
    /// Every file.
    case any

    /// The kind of a file name: php, web or neither (nil).
    public static func of(_ name: some StringProtocol) -> ScanFileKind? {
        if name == ".htaccess" || name == ".user.ini" { return .php }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "php", "phtml", "php3", "php4", "php5", "php7", "php8", "phar", "inc", "phps", "pht", "htaccess": return .php
        case "html", "htm", "shtml", "js", "svg", "xhtml": return .web
        default: return nil
        }
    }

    /// Whether a rule for this kind applies to a file of kind `file` (nil: neither php nor web).
    func covers(_ file: ScanFileKind?) -> Bool {
        switch self {
        case .any: true
        case .web: file != nil
        case .php: file == .php
        }
    }
}

/// One signature: literals that select it cheaply, an optional regular expression that confirms it.
///
/// Rules live in YAML files (Mogura's own in `rules/`, an operator's beside them); docs/scan.md describes the
/// format. Every rule names at least one literal (`any` or `all`), so a file that holds none of them costs the rule
/// nothing: the literals of all rules are found in one pass, and a rule's regex runs only where they hold.
public struct ScanRule: Hashable, Sendable {
    public var id: String
    public var category: ScanCategory
    public var score: Int
    public var description: String
    /// At least one must occur (ASCII case-insensitive).
    public var any: [String]
    /// Every one must occur.
    public var all: [String]
    /// None may occur.
    public var none: [String]
    /// At least one must occur within the regex's reach of an `any`/`all` literal: the regex then reads only the
    /// windows where both are close (a hint that also narrows the rule: a rule anchored on `include` with
    /// `near: ["$_GET", …]` tries its regex only where a request variable is close to an include).
    public var near: [String]
    /// Each must match somewhere (only tried when the literal conditions hold).
    public var regexes: [String]
    public var files: ScanFileKind
    /// Also applied to the layers decoding reveals.
    public var decoded: Bool
    /// Also applied to binary files (a NUL byte in the first 8 KiB); other rules never see them.
    public var binary: Bool
    /// Where the rule was read from (`file:line`), for errors and `--list-rules`.
    public var source: String

    public init(
        id: String, category: ScanCategory, score: Int, description: String, any: [String] = [], all: [String] = [],
        none: [String] = [], near: [String] = [], regexes: [String] = [], files: ScanFileKind = .web, decoded: Bool = true, binary: Bool = false,
        source: String = ""
    ) {
        self.id = id
        self.category = category
        self.score = score
        self.description = description
        self.any = any
        self.all = all
        self.none = none
        self.near = near
        self.regexes = regexes
        self.files = files
        self.decoded = decoded
        self.binary = binary
        self.source = source
    }
}

/// What went wrong in the scanner (a rule file, the cache, the quarantine), with where and why.
public struct ScanError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension ScanRule {
    /// `regex:` as one string or a list of them.
    private struct OneOrMany: Decodable {
        var values: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                values = [one]
            } else {
                values = try container.decode([String].self)
            }
        }
    }

    private struct Document: Decodable {
        var id: String
        var category: String
        var score: Int
        var description: String
        var any: [String]?
        var all: [String]?
        var none: [String]?
        var near: [String]?
        var regex: OneOrMany?
        var files: String?
        var decoded: Bool?
        var binary: Bool?
    }

    /// Reads the rules of one YAML file (a list of rules).
    /// - Throws: `ScanError` naming the file, the rule and what is wrong.
    public static func load(yaml text: String, name: String) throws -> [ScanRule] {
        let documents: [Document]
        do {
            documents = try YAMLDecoder().decode([Document].self, from: text)
        } catch {
            throw ScanError("\(name): not a list of rules: \(error)")
        }
        return try documents.enumerated().map { index, document in
            let place = "\(name): rule \(index + 1) (\(document.id))"
            guard !document.id.isEmpty, document.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw ScanError("\(place): the id must be letters, digits, - and _")
            }
            guard let category = ScanCategory(rawValue: document.category) else {
                throw ScanError(
                    "\(place): category \"\(document.category)\" is not one of \(ScanCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard (1...100).contains(document.score) else { throw ScanError("\(place): the score is 1 to 100") }
            let files = try document.files.map { text in
                guard let kind = ScanFileKind(rawValue: text) else { throw ScanError("\(place): files is php, web or any") }
                return kind
            }
            let any = document.any ?? []
            let all = document.all ?? []
            guard !(any.isEmpty && all.isEmpty) else {
                throw ScanError("\(place): name at least one literal in any or all (the regex alone cannot select files fast)")
            }
            if document.near != nil && document.regex == nil {
                throw ScanError("\(place): near needs a regex (it says where the regex looks)")
            }
            for literal in any + all + (document.none ?? []) + (document.near ?? []) where literal.utf8.count < 3 {
                throw ScanError("\(place): the literal \"\(literal)\" is too short (3 bytes at least)")
            }
            for regex in document.regex?.values ?? [] {
                do {
                    _ = try ICUPattern(regex)
                } catch {
                    throw ScanError("\(place): \(error)")
                }
            }
            return ScanRule(
                id: document.id, category: category, score: document.score, description: document.description, any: any, all: all,
                none: document.none ?? [], near: document.near ?? [], regexes: document.regex?.values ?? [], files: files ?? .web,
                decoded: document.decoded ?? true,
                binary: document.binary ?? false, source: name)
        }
    }

    /// Reads every `*.yml`/`*.yaml` file of a directory (sorted by name), or one file.
    public static func load(path: String) throws -> [ScanRule] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ScanError("\(path): no such rule file or directory")
        }
        let files: [String]
        if isDirectory.boolValue {
            files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
        } else {
            files = [path]
        }
        var rules: [ScanRule] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw ScanError("\(file): cannot be read") }
            rules += try load(yaml: String(decoding: data, as: UTF8.self), name: file)
        }
        var seen: Set<String> = []
        for rule in rules where !seen.insert(rule.id).inserted {
            throw ScanError("\(rule.source): the rule id \(rule.id) is used twice")
        }
        return rules
    }
}
