/// A longest-prefix-match table over one address family that respects validity ranges.
///
/// The table flattens the prefix tree into *elementary intervals*: the address space cut at every prefix start
/// and end, each interval labelled with the deepest prefix covering it. A lookup finds the interval holding the
/// address, then walks up the chain of enclosing prefixes until one has an assignment valid at the requested time.
/// Chains are short in real inventories (an allocation, a customer block, a host).
///
/// Layout, chosen so a lookup touches few cache lines:
/// - each prefix is a 24-byte ``Node`` holding its parent and, in the common case of one validity range, the
///   range itself; prefixes that changed hands keep their ranges in ``extraRanges``;
/// - IPv4 intervals are packed as `start << 32 | node` in one `UInt64` array, found through a directory indexed by
///   the address's top 16 bits and a branch-free binary search inside that /16;
/// - IPv6 intervals keep starts and owners apart, found through a sampled first level (every 64th start, small
///   enough to stay in cache) and a branch-free binary search inside one block.
struct PrefixTable<Key: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    /// One prefix with one validity range, as the builder receives it.
    struct Entry {
        var network: Key
        var length: UInt8
        var validFrom: Int64
        var validTo: Int64
        var assignment: Int32
    }

    /// A prefix. With one validity range, `[from, to)` → `assignment`. With several, `assignment` is
    /// `-(first + 1)` for the first of them in ``extraRanges`` and `from` holds their count.
    struct Node {
        var from: Int64
        var to: Int64
        var assignment: Int32
        var parent: Int32
    }

    /// One of several validity ranges of a prefix.
    struct Range {
        var from: Int64
        var to: Int64
        var assignment: Int32
    }

    private(set) var nodes: [Node] = []
    private(set) var extraRanges: [Range] = []
    /// Generic interval search (IPv6): interval starts, their deepest nodes, and every 64th start.
    private var starts: [Key] = []
    private var owners: [Int32] = []
    private var samples: [Key] = []
    /// IPv4 interval search: `start << 32 | UInt32(bitPattern: node)`, and for each /16 the index of the last
    /// interval starting at or before it (65,537 entries).
    private var packed: [UInt64] = []
    private var directory: [Int32] = []
    private static var sampleStride: Int { 64 }
    private static var isIPv4: Bool { Key.bitWidth == 32 }

    /// The number of distinct prefixes.
    var prefixCount: Int { nodes.count }

    /// The number of elementary intervals.
    var intervalCount: Int { Self.isIPv4 ? packed.count : starts.count }

    /// Bytes held by the table's arrays (capacity, not just count, is what the process pays for).
    var memoryFootprint: Int {
        nodes.capacity * MemoryLayout<Node>.stride + extraRanges.capacity * MemoryLayout<Range>.stride
            + starts.capacity * MemoryLayout<Key>.stride + owners.capacity * 4 + samples.capacity * MemoryLayout<Key>.stride
            + packed.capacity * 8 + directory.capacity * 4
    }

    /// Builds the table. Entries may come in any order; identical prefixes are merged into one node.
    init(entries unsorted: [Entry]) {
        var entries = unsorted
        entries.sort { a, b in
            if a.network != b.network { return a.network < b.network }
            if a.length != b.length { return a.length < b.length }
            return a.validFrom < b.validFrom
        }
        var nodes: [Node] = []
        var extraRanges: [Range] = []
        var lasts: [Key] = []
        nodes.reserveCapacity(entries.count)
        lasts.reserveCapacity(entries.count)
        var starts: [Key] = [0]
        var owners: [Int32] = [-1]
        starts.reserveCapacity(entries.count * 2 + 1)
        owners.reserveCapacity(entries.count * 2 + 1)

        // Records that from `start` on, `owner` is the deepest prefix; merges with what is already there.
        func emit(_ start: Key, _ owner: Int32) {
            if starts[starts.count - 1] == start {
                owners[owners.count - 1] = owner
                if owners.count >= 2 && owners[owners.count - 2] == owner {
                    starts.removeLast()
                    owners.removeLast()
                }
            } else if owners[owners.count - 1] != owner {
                starts.append(start)
                owners.append(owner)
            }
        }

        var stack: [Int32] = []
        var index = 0
        while index < entries.count {
            let entry = entries[index]
            // All ranges of this prefix: entries[index..<end].
            var end = index + 1
            while end < entries.count && entries[end].network == entry.network && entries[end].length == entry.length { end += 1 }
            let first = entry.network
            let hostBits = Key(Key.bitWidth - Int(entry.length))
            let last: Key = entry.length == 0 ? Key.max : first | ((Key(1) << hostBits) &- 1)
            while let top = stack.last, lasts[Int(top)] < first {
                stack.removeLast()
                emit(lasts[Int(top)] + 1, stack.last ?? -1)
            }
            let node = Int32(nodes.count)
            if end - index == 1 {
                nodes.append(Node(from: entry.validFrom, to: entry.validTo, assignment: entry.assignment, parent: stack.last ?? -1))
            } else {
                nodes.append(Node(from: Int64(end - index), to: 0, assignment: -Int32(extraRanges.count) - 1, parent: stack.last ?? -1))
                for range in entries[index..<end] {
                    extraRanges.append(Range(from: range.validFrom, to: range.validTo, assignment: range.assignment))
                }
            }
            lasts.append(last)
            emit(first, node)
            stack.append(node)
            index = end
        }
        while let top = stack.popLast() {
            let last = lasts[Int(top)]
            if last == Key.max { break }
            emit(last + 1, stack.last ?? -1)
        }
        self.nodes = nodes
        self.extraRanges = extraRanges

        if Self.isIPv4 {
            var packed: [UInt64] = []
            packed.reserveCapacity(starts.count)
            for (start, owner) in zip(starts, owners) {
                packed.append(UInt64(start) << 32 | UInt64(UInt32(bitPattern: owner)))
            }
            var directory = [Int32](repeating: 0, count: 65_537)
            var interval = 0
            for bucket in 0..<65_536 {
                let bucketStart = UInt64(bucket) << 16
                while interval + 1 < packed.count && packed[interval + 1] >> 32 <= bucketStart { interval += 1 }
                directory[bucket] = Int32(interval)
            }
            directory[65_536] = Int32(packed.count - 1)
            self.packed = packed
            self.directory = directory
        } else {
            var samples: [Key] = []
            samples.reserveCapacity(starts.count / Self.sampleStride + 1)
            var position = 0
            while position < starts.count {
                samples.append(starts[position])
                position += Self.sampleStride
            }
            self.starts = starts
            self.owners = owners
            self.samples = samples
        }
    }

    /// The assignment of the longest prefix containing `address` that is valid at `time`, or -1.
    @inline(__always)
    func lookup(_ address: Key, at time: Int64) -> Int32 {
        var node = deepestNode(address)
        return nodes.withUnsafeBufferPointer { nodes in
            while node >= 0 {
                let candidate = nodes[Int(node)]
                if candidate.assignment >= 0 {
                    if candidate.from <= time && time < candidate.to { return candidate.assignment }
                } else {
                    let found = assignment(inExtraRangesOf: candidate, at: time)
                    if found >= 0 { return found }
                }
                node = candidate.parent
            }
            return -1
        }
    }

    /// The nodes covering `address`, deepest first (for diagnostics and tests).
    func chain(_ address: Key) -> [Int32] {
        var result: [Int32] = []
        var node = deepestNode(address)
        while node >= 0 {
            result.append(node)
            node = nodes[Int(node)].parent
        }
        return result
    }

    /// The deepest prefix node containing `address`, or -1.
    @inline(__always)
    private func deepestNode(_ address: Key) -> Int32 {
        if Self.isIPv4 {
            let value = UInt64(truncatingIfNeeded: address)
            let bucket = Int(value >> 16)
            return directory.withUnsafeBufferPointer { directory in
                let lower = Int(directory[bucket])
                let upper = Int(directory[bucket + 1]) + 1
                return packed.withUnsafeBufferPointer { packed in
                    let found = Self.lastNotAbove(value << 32 | 0xFFFF_FFFF, in: UnsafeBufferPointer(rebasing: packed[lower..<upper]))
                    return Int32(truncatingIfNeeded: packed[lower + found])
                }
            }
        }
        let block = samples.withUnsafeBufferPointer { Self.lastNotAbove(address, in: $0) }
        let lower = block * Self.sampleStride
        let upper = Swift.min(lower + Self.sampleStride, starts.count)
        let interval = starts.withUnsafeBufferPointer { starts in
            lower + Self.lastNotAbove(address, in: UnsafeBufferPointer(rebasing: starts[lower..<upper]))
        }
        return owners[interval]
    }

    /// Branch-free binary search: the index of the last element ≤ `key`, given that the first element is ≤ `key`.
    @inline(__always)
    static func lastNotAbove<T: Comparable>(_ key: T, in buffer: UnsafeBufferPointer<T>) -> Int {
        var base = 0
        var length = buffer.count
        while length > 1 {
            let half = length / 2
            base = buffer[base + half] <= key ? base + half : base
            length -= half
        }
        return base
    }

    private func assignment(inExtraRangesOf node: Node, at time: Int64) -> Int32 {
        let lower = Int(-node.assignment - 1)
        let upper = lower + Int(node.from)
        // Ranges of one prefix never overlap (the import refuses that) and are sorted by start: the candidate is
        // the last range starting at or before `time`.
        var low = lower
        var high = upper
        while low < high {
            let middle = (low + high) / 2
            if extraRanges[middle].from <= time { low = middle + 1 } else { high = middle }
        }
        guard low > lower else { return -1 }
        let range = extraRanges[low - 1]
        return time < range.to ? range.assignment : -1
    }
}
