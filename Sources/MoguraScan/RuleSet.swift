import Foundation

/// One signature or heuristic that held in a file (or in a layer decoding revealed).
public struct ScanMatch: Hashable, Sendable, Codable {
    public var rule: String
    public var category: ScanCategory
    public var score: Int
    public var description: String
    /// Byte offset in the file; for a decoded layer, where the encoded text starts.
    public var offset: Int
    /// A short, printable piece of the text around the match (of the layer, for decoded layers).
    public var excerpt: String
    /// The decoding steps that revealed it, outermost first (empty: the file as it is).
    public var layers: [String]
}

/// Rules compiled for scanning: every literal of every rule in one automaton, each rule's regex compiled once.
public final class ScanRuleSet: @unchecked Sendable {
    // @unchecked: `Regex` values are immutable once compiled and are only read here.
    public let rules: [ScanRule]
    let matcher: LiteralMatcher
    let anyLiterals: [[Int]]
    let allLiterals: [[Int]]
    let noneLiterals: [[Int]]
    let nearLiterals: [[Int]]
    let regexes: [[ICUPattern]]
    /// Matchers (ICU clones) for the workers, one set per file being scanned, reused.
    private let matcherPool = MatcherPool()
    /// Per rule, how far a match may reach around a literal (before, after), or nil when its regexes read the
    /// whole text (anchors, unbounded gaps, several regexes).
    let reach: [(before: Int, after: Int)?]
    /// Literals that make each kind of decoding worth trying: decoder calls, escape runs, chr() chains.
    let callTriggers: [Int]
    let escapeTriggers: [Int]
    let chrTriggers: [Int]
    /// Whether any rule reads files of no known kind.
    public let readsOtherFiles: Bool
    /// Per file kind (php, web, neither): whether a rule that looks at it also reads binary files.
    let readsBinary: [ScanFileKind?: Bool]
    /// A digest of the rules, so cached results of other rules are not reused.
    public let fingerprint: String

    /// Decoding stops at this depth (a layer inside a layer inside …).
    public var maximumDepth = 4
    /// The most bytes all layers of one file may decode to.
    public var decodeBudget = 16 << 20

    public init(_ rules: [ScanRule]) throws {
        var literals: [[UInt8]] = []
        var index: [String: Int] = [:]
        func id(_ literal: String) -> Int {
            let key = literal.lowercased()
            if let existing = index[key] { return existing }
            literals.append(Array(key.utf8))
            index[key] = literals.count - 1
            return literals.count - 1
        }
        self.rules = rules
        anyLiterals = rules.map { $0.any.map(id) }
        allLiterals = rules.map { $0.all.map(id) }
        noneLiterals = rules.map { $0.none.map(id) }
        nearLiterals = rules.map { $0.near.map(id) }
        callTriggers = ScanDecoders.functions.keys.sorted().map { id($0) }
        escapeTriggers = ["\\x", "\\1"].map(id)  // octal escapes of printable characters start with 1 (\101–\176)
        chrTriggers = [id("chr(")]
        matcher = LiteralMatcher(literals)
        regexes = try rules.map { rule in try rule.regexes.map { try ICUPattern($0) } }
        reach = rules.map { rule in rule.regexes.count == 1 ? Self.reach(of: rule.regexes[0]) : nil }
        readsOtherFiles = rules.contains { $0.files == .any }
        var readsBinary: [ScanFileKind?: Bool] = [:]
        for kind in [ScanFileKind.php, .web, nil] { readsBinary[kind] = rules.contains { $0.binary && $0.files.covers(kind) } }
        self.readsBinary = readsBinary
        var hasher = Hasher64()
        for rule in rules {
            hasher.add(
                "\(rule.id)|\(rule.category)|\(rule.score)|\(rule.any)|\(rule.all)|\(rule.none)|\(rule.near)|\(rule.regexes)|\(rule.files)|\(rule.decoded)|\(rule.binary)"
            )
        }
        fingerprint = String(hasher.value, radix: 16)
    }

    /// Whether a rule that looks at files of this kind also reads binary ones.
    public func readsBinaryFiles(of kind: ScanFileKind?) -> Bool { readsBinary[kind] ?? false }

    /// The matches in one file's bytes (and in the layers decoding reveals).
    /// - Parameters:
    ///   - kind: the file's kind by name (nil: neither PHP nor web).
    ///   - binary: whether the file looked binary (only `binary: true` rules then apply).
    public func scan(_ bytes: [UInt8], kind: ScanFileKind?, binary: Bool) -> [ScanMatch] {
        examine(bytes, kind: kind, binary: binary).matches
    }

    /// The matches in one file's bytes, and the rules whose regexes gave up at the time limit.
    /// - Parameters:
    ///   - kind: the file's kind by name (nil: neither PHP nor web).
    ///   - binary: whether the file looked binary (only `binary: true` rules then apply).
    ///   - timeLimit: seconds of regex matching the file may take in all; a regex still running then stops, and
    ///     its rule counts as not matched and is named in `timedOut` (the file was not fully examined).
    public func examine(_ bytes: [UInt8], kind: ScanFileKind?, binary: Bool, timeLimit: Double = 2) -> (matches: [ScanMatch], timedOut: [String]) {
        let matchers = matcherPool.take(orMake: { regexes.map { $0.map { $0.matcher() } } })
        defer { matcherPool.give(matchers) }
        var work = Work(
            budget: decodeBudget, deadline: DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeLimit) * 1e9), matchers: matchers)
        var matches: [ScanMatch] = []
        scan(bytes, kind: kind, binary: binary, layers: [], baseOffset: nil, work: &work, into: &matches)
        // One match per rule: the first found (the file's own text before decoded layers).
        var seen: Set<String> = []
        var timed: Set<String> = []
        return (matches.filter { seen.insert($0.rule).inserted }, work.timedOut.filter { timed.insert($0).inserted })
    }

    /// What one file may still spend: bytes of decoded layers, and time for regexes.
    struct Work {
        var budget: Int
        var deadline: UInt64
        /// This file's matchers, per rule and regex.
        var matchers: [[ICUMatcher]]
        var timedOut: [String] = []
    }

    private func scan(
        _ bytes: [UInt8], kind: ScanFileKind?, binary: Bool, layers: [String], baseOffset: Int?, work: inout Work,
        into matches: inout [ScanMatch]
    ) {
        let found = bytes.withUnsafeBytes { matcher.occurrences(in: $0, maximum: Self.windowsPerLiteral) }
        let first = found.offsets.map { $0.first ?? -1 }
        var text: [UInt16]?
        for (position, rule) in rules.enumerated() {
            guard rule.files.covers(kind), !binary || rule.binary, layers.isEmpty || rule.decoded else { continue }
            let any = anyLiterals[position]
            let all = allLiterals[position]
            let near = nearLiterals[position]
            guard any.isEmpty || any.contains(where: { first[$0] >= 0 }), all.allSatisfy({ first[$0] >= 0 }),
                !noneLiterals[position].contains(where: { first[$0] >= 0 }), near.isEmpty || near.contains(where: { first[$0] >= 0 })
            else { continue }
            var offset = (any + all).map { first[$0] }.filter { $0 >= 0 }.min() ?? 0
            if !regexes[position].isEmpty {
                guard let matched = regexMatch(position, bytes: bytes, found: found, text: &text, work: &work) else { continue }
                offset = matched
            }
            matches.append(
                ScanMatch(
                    rule: rule.id, category: rule.category, score: rule.score, description: rule.description,
                    offset: baseOffset ?? offset, excerpt: Self.excerpt(bytes, around: offset), layers: layers))
        }
        if kind == .php {
            for (name, offset) in ScanDecoders.splitNames(in: bytes).prefix(1) {
                matches.append(
                    ScanMatch(
                        rule: "split-function-name", category: .obfuscation, score: 15,
                        description: "the function name \(name) assembled from string pieces", offset: baseOffset ?? offset,
                        excerpt: Self.excerpt(bytes, around: offset), layers: layers))
            }
        }
        let calls = callTriggers.contains { first[$0] >= 0 }
        let escapes = escapeTriggers.contains { first[$0] >= 0 }
        let chr = chrTriggers.contains { first[$0] >= 0 }
        guard layers.count < maximumDepth, work.budget > 0, calls || escapes || chr else { return }
        for layer in ScanDecoders.layers(of: bytes, limit: min(work.budget, 4 << 20), calls: calls, escapes: escapes, chr: chr) {
            work.budget -= layer.bytes.count
            if work.budget <= 0 { break }
            let steps = layers + layer.steps
            // A chain of two or more decoders that ends in text is itself a sign: code that hides what it runs.
            if layer.steps.count >= 2 || (layer.steps.first.map { $0 != "escapes" && $0 != "chr" } ?? false),
                ScanDecoders.looksLikeText(layer.bytes), Self.looksLikeCode(layer.bytes)
            {
                matches.append(
                    ScanMatch(
                        rule: "decoded-code", category: .obfuscation, score: min(4 * layer.steps.count, 12),
                        description: "code hidden behind \(layer.steps.joined(separator: ", then "))",
                        offset: baseOffset ?? layer.offset, excerpt: Self.excerpt(layer.bytes, around: 0), layers: steps))
            }
            scan(layer.bytes, kind: .php, binary: false, layers: steps, baseOffset: baseOffset ?? layer.offset, work: &work, into: &matches)
        }
    }

    /// Occurrences of a literal beyond this many make the rule's regexes read the whole file.
    static let windowsPerLiteral = 64
    /// Bytes around a literal's occurrence that a regex reads at least (before, after); a regex's bounded gaps
    /// (`{0,2000}`) widen the after side.
    static let window = (before: 512, after: 1_024)

    /// Whether the rule's regexes match, and where (the last one's match: the part that does the harm).
    ///
    /// A single regex without anchors reads only windows around the occurrences of the rule's literals, as YARA
    /// reads around its atoms: a file holding `eval` once pays for 6 KiB of regex, not the whole file. Anchored
    /// regexes, lists of regexes ("each anywhere in the file"), literals found more often than
    /// ``windowsPerLiteral`` and windows covering most of the file read the whole text.
    private func regexMatch(_ position: Int, bytes: [UInt8], found: LiteralMatcher.Occurrences, text: inout [UInt16]?, work: inout Work) -> Int? {
        let literals = anyLiterals[position] + allLiterals[position]
        var ranges: [Range<Int>] = []
        let near = nearLiterals[position]
        if let reach = reach[position], !literals.contains(where: { found.overflowed[$0] }) {
            let nearEnds = near.contains(where: { found.overflowed[$0] }) ? [] : near.flatMap { found.offsets[$0] }
            let ends = literals.flatMap { found.offsets[$0] }.sorted()
            for end in ends {
                // With `near`, only where a near literal is within reach too.
                if !nearEnds.isEmpty, !nearEnds.contains(where: { $0 >= end - reach.before - reach.after && $0 <= end + reach.after + reach.before })
                {
                    continue
                }
                let range = max(0, end - reach.before)..<min(bytes.count, end + reach.after)
                if let last = ranges.last, last.upperBound >= range.lowerBound {
                    ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
                } else {
                    ranges.append(range)
                }
            }
            if !nearEnds.isEmpty && ranges.isEmpty { return nil }
            if ranges.reduce(0, { $0 + $1.count }) * 2 > bytes.count { ranges = [] }
        }
        if ranges.isEmpty {
            // ICU works on UTF-16; Latin-1 keeps every byte one unit, so offsets stay byte offsets and no byte
            // sequence is refused (PHP sources are bytes, not always valid UTF-8).
            if text == nil { text = bytes.map { UInt16($0) } }
            var offset = 0
            for index in regexes[position].indices {
                let outcome = text!.withUnsafeBufferPointer { work.matchers[position][index].firstMatch(in: $0, deadline: work.deadline) }
                guard let location = record(outcome, rule: position, work: &work) else { return nil }
                offset = location
            }
            return offset
        }
        let matcher = work.matchers[position][0]
        for range in ranges {
            let window = bytes[range].map { UInt16($0) }
            let outcome = window.withUnsafeBufferPointer { matcher.firstMatch(in: $0, deadline: work.deadline) }
            if outcome == .timedOut {
                _ = record(outcome, rule: position, work: &work)
                return nil
            }
            if case .found(let location) = outcome { return range.lowerBound + location }
        }
        return nil
    }

    /// The offset of a match, or nil; a search still running at the file's deadline stopped there and its rule is
    /// recorded as timed out (not matched). Crafted input can make a backtracking pattern take exponential time;
    /// the deadline keeps one file from holding a worker.
    private func record(_ outcome: ICUMatcher.Outcome, rule position: Int, work: inout Work) -> Int? {
        switch outcome {
        case .found(let location): return location
        case .none: return nil
        case .timedOut:
            work.timedOut.append(rules[position].id)
            return nil
        }
    }

    /// How far around a literal a pattern's match can reach: the default window, widened on the after side by
    /// every bounded repetition of 100 or more (`{0,2000}`); nil (read the whole text) when the pattern has an
    /// anchor (`^`, `$`, `\A`, `\Z`, `\z`, `\G`) or an unbounded repetition of a class that crosses lines
    /// (`[\s\S]*`, `.*` with `(?s)`, `[^…]*`, `[^…]+`).
    static func reach(of pattern: String) -> (before: Int, after: Int)? {
        let characters = Array(pattern)
        var inClass = false
        var classStart = 0
        var negatedClass = false
        var escaped = false
        var index = 0
        while index < characters.count {
            let character = characters[index]
            defer { index += 1 }
            if escaped {
                escaped = false
                if !inClass && "AZzG".contains(character) { return nil }
                continue
            }
            switch character {
            case "\\":
                escaped = true
            case "[" where !inClass:
                inClass = true
                classStart = index
                negatedClass = index + 1 < characters.count && characters[index + 1] == "^"
            case "]" where inClass && index > classStart + 1:
                inClass = false
                let next = index + 1 < characters.count ? characters[index + 1] : " "
                let body = String(characters[(classStart + 1)..<index])
                if next == "*" || next == "+", negatedClass || body.contains("\\s\\S") || body.contains("\\S\\s") { return nil }
            case "^", "$":
                if !inClass { return nil }
            default:
                break
            }
        }
        if pattern.contains("(?s") { return nil }
        var after = window.after
        let bounds = /\{(\d*),(\d+)\}/
        for match in pattern.matches(of: bounds) {
            if let maximum = Int(match.output.2), maximum >= 100 { after += maximum }
        }
        return (window.before, after)
    }

    /// Words that mark PHP or shell code in a decoded layer.
    static let codeMarkers = LiteralMatcher(
        ["<?php", "eval", "$_", "system", "exec", "function", "base64_decode", "assert", "include", "mail("].map { Array($0.utf8) })

    /// PHP or shell the decoded text seems to hold (in its first 64 KiB).
    static func looksLikeCode(_ bytes: [UInt8]) -> Bool {
        codeMarkers.firstOccurrences(in: Array(bytes.prefix(65_536))).contains { $0 >= 0 }
    }

    /// Up to 120 printable characters around `offset`, on one line.
    static func excerpt(_ bytes: [UInt8], around offset: Int) -> String {
        let start = max(0, min(offset, bytes.count) - 40)
        let end = min(bytes.count, start + 120)
        var text = ""
        for byte in bytes[start..<end] {
            switch byte {
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x09, 0x0A, 0x0D: text += " "
            default: text += "."
            }
        }
        return text
    }
}

/// FNV-1a, 64 bits: a stable digest (Swift's Hasher is seeded per process) of rules and scan settings.
struct Hasher64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ text: String) {
        for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
}

/// Sets of matchers waiting for the next file: a worker takes one per file and gives it back, so each set is used
/// by one thread at a time and there are about as many sets as workers.
final class MatcherPool: @unchecked Sendable {
    // @unchecked: `idle` is only touched under `lock`.
    private let lock = NSLock()
    private var idle: [[[ICUMatcher]]] = []

    func take(orMake make: () -> [[ICUMatcher]]) -> [[ICUMatcher]] {
        lock.withLock { idle.popLast() } ?? make()
    }

    func give(_ set: [[ICUMatcher]]) {
        lock.withLock { idle.append(set) }
    }
}
