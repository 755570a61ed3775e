/// Many literals found in one pass over bytes, ASCII case-insensitively: an Aho-Corasick automaton compiled to a
/// full transition table (a deterministic automaton), so each input byte costs one table load.
///
/// Written here: no maintained Swift package offers multi-pattern byte search. The table holds, per state, 256
/// `Int32` entries; a negative entry means "the next state ends a literal" (its bitwise complement is the state),
/// so the inner loop tests one sign bit instead of a second table. Upper-case input bytes share the lower-case
/// transitions, so folding costs nothing at scan time.
public struct LiteralMatcher: Sendable {
    private let table: [Int32]
    /// Per state, the literals ending there (through suffix links too).
    private let outputs: [[Int32]]
    /// The number of literals.
    public let count: Int

    /// - Parameter literals: the byte strings to find (ASCII letters match either case).
    public init(_ literals: [[UInt8]]) {
        count = literals.count
        func fold(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        // The trie, with sparse children while building.
        var children: [[UInt8: Int32]] = [[:]]
        var ends: [[Int32]] = [[]]
        for (index, literal) in literals.enumerated() {
            var state: Int32 = 0
            for byte in literal.map(fold) {
                if let next = children[Int(state)][byte] {
                    state = next
                } else {
                    children.append([:])
                    ends.append([])
                    let next = Int32(children.count - 1)
                    children[Int(state)][byte] = next
                    state = next
                }
            }
            if !literal.isEmpty { ends[Int(state)].append(Int32(index)) }
        }
        // Breadth first: suffix links, outputs through them, and the full transition table.
        let states = children.count
        var table = [Int32](repeating: 0, count: states * 256)
        var fail = [Int32](repeating: 0, count: states)
        var queue: [Int32] = []
        for byte in 0..<256 {
            if let next = children[0][UInt8(byte)] {
                table[byte] = next
                queue.append(next)
            }
        }
        var head = 0
        while head < queue.count {
            let state = Int(queue[head])
            head += 1
            ends[state] += ends[Int(fail[state])]
            for byte in 0..<256 {
                if let next = children[state][UInt8(byte)] {
                    fail[Int(next)] = table[Int(fail[state]) * 256 + byte]
                    table[state * 256 + byte] = next
                    queue.append(next)
                } else {
                    table[state * 256 + byte] = table[Int(fail[state]) * 256 + byte]
                }
            }
        }
        // Upper-case bytes go where their lower-case ones go; states that end a literal are marked negative.
        for state in 0..<states {
            for upper in 0x41...0x5A { table[state * 256 + upper] = table[state * 256 + (upper | 0x20)] }
        }
        for index in table.indices where !ends[Int(table[index])].isEmpty { table[index] = ~table[index] }
        self.table = table
        self.outputs = ends
    }

    /// Where each literal occurs (offsets of its last byte), up to `maximum` per literal; a literal with more
    /// occurrences has its list cut at `maximum` and `overflowed` set.
    public struct Occurrences: Sendable {
        public var offsets: [[Int]]
        public var overflowed: [Bool]
        /// The first occurrence of each literal, -1 where it does not occur.
        public func first(_ literal: Int) -> Int { offsets[literal].first ?? -1 }
    }

    /// Every occurrence of each literal, up to `maximum` per literal.
    public func occurrences(in bytes: UnsafeRawBufferPointer, maximum: Int = 32) -> Occurrences {
        var offsets = [[Int]](repeating: [], count: count)
        var overflowed = [Bool](repeating: false, count: count)
        guard count > 0, !bytes.isEmpty else { return Occurrences(offsets: offsets, overflowed: overflowed) }
        table.withUnsafeBufferPointer { table in
            var state = 0
            var index = 0
            let end = bytes.count
            let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            while index < end {
                let entry = table[state &<< 8 | Int(base[index])]
                if entry >= 0 {
                    state = Int(entry)
                } else {
                    state = Int(~entry)
                    for literal in outputs[state] {
                        if offsets[Int(literal)].count < maximum {
                            offsets[Int(literal)].append(index)
                        } else {
                            overflowed[Int(literal)] = true
                        }
                    }
                }
                index &+= 1
            }
        }
        return Occurrences(offsets: offsets, overflowed: overflowed)
    }

    /// The first offset (of the literal's last byte) of each literal in `bytes`, -1 where it does not occur.
    public func firstOccurrences(in bytes: [UInt8]) -> [Int] {
        bytes.withUnsafeBytes { occurrences(in: $0, maximum: 1) }.offsets.map { $0.first ?? -1 }
    }
}
