/// A longest-prefix-match table over one address family that respects validity ranges.
///
/// The table flattens the prefix tree into *elementary intervals*: the address space cut at every prefix start
/// and end, each interval labelled with the deepest prefix covering it. A lookup is one search over the interval
/// starts (a sampled first level that stays in cache, then a branch-free binary search inside one block),
/// then a walk up the chain of enclosing prefixes until one has an assignment valid at the requested time. Chains
/// are short in real inventories (an allocation, a customer block, a host), and most prefixes hold one range.
///
/// Memory per prefix, IPv4: at most two interval starts (4 bytes each) and owners (4 bytes each), a parent link
/// and a range offset (8 bytes), plus 20 bytes per validity range: about 44 bytes.
struct PrefixTable<Key: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    /// One prefix with one validity range, as the builder receives it.
    struct Entry {
        var network: Key
        var length: UInt8
        var validFrom: Int64
        var validTo: Int64
        var assignment: Int32
    }

    /// Start of each elementary interval, ascending; the first is always 0.
    private(set) var starts: [Key]
    /// For each interval, the deepest prefix node covering it, or -1.
    private(set) var owners: [Int32]
    /// For each prefix node, the enclosing node, or -1.
    private(set) var parents: [Int32]
    /// For each prefix node, its first validity range; node `n`'s ranges are `rangeStart[n]..<rangeStart[n+1]`.
    private(set) var rangeStart: [Int32]
    /// Validity ranges, sorted by start within a node.
    private(set) var validFrom: [Int64]
    private(set) var validTo: [Int64]
    private(set) var rangeAssignment: [Int32]
    /// Every `sampleStride`-th interval start, for the first level of the search.
    private(set) var samples: [Key]
    private static var sampleStride: Int { 64 }

    /// The number of distinct prefixes.
    var prefixCount: Int { parents.count }

    /// Bytes held by the table's arrays (capacity, not just count, is what the process pays for).
    var memoryFootprint: Int {
        starts.capacity * MemoryLayout<Key>.stride + owners.capacity * 4 + parents.capacity * 4
            + rangeStart.capacity * 4 + validFrom.capacity * 8 + validTo.capacity * 8 + rangeAssignment.capacity * 4
            + samples.capacity * MemoryLayout<Key>.stride
    }

    /// Builds the table. Entries may come in any order; identical prefixes are merged into one node.
    init(entries unsorted: [Entry]) {
        var entries = unsorted
        entries.sort { a, b in
            if a.network != b.network { return a.network < b.network }
            if a.length != b.length { return a.length < b.length }
            return a.validFrom < b.validFrom
        }
        var parents: [Int32] = []
        var rangeStart: [Int32] = []
        var lasts: [Key] = []
        var validFrom: [Int64] = []
        var validTo: [Int64] = []
        var rangeAssignment: [Int32] = []
        validFrom.reserveCapacity(entries.count)
        validTo.reserveCapacity(entries.count)
        rangeAssignment.reserveCapacity(entries.count)
        parents.reserveCapacity(entries.count)
        rangeStart.reserveCapacity(entries.count + 1)
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
        var previousNetwork: Key = 0
        var previousLength: UInt8 = .max
        for entry in entries {
            if entry.network == previousNetwork && entry.length == previousLength {
                // Another validity range of the node just created.
                validFrom.append(entry.validFrom)
                validTo.append(entry.validTo)
                rangeAssignment.append(entry.assignment)
                continue
            }
            previousNetwork = entry.network
            previousLength = entry.length
            let first = entry.network
            let hostBits = Key(Key.bitWidth - Int(entry.length))
            let last: Key = entry.length == 0 ? Key.max : first | ((Key(1) << hostBits) &- 1)
            while let top = stack.last, lasts[Int(top)] < first {
                stack.removeLast()
                emit(lasts[Int(top)] + 1, stack.last ?? -1)
            }
            let node = Int32(parents.count)
            parents.append(stack.last ?? -1)
            rangeStart.append(Int32(validFrom.count))
            lasts.append(last)
            validFrom.append(entry.validFrom)
            validTo.append(entry.validTo)
            rangeAssignment.append(entry.assignment)
            emit(first, node)
            stack.append(node)
        }
        while let top = stack.popLast() {
            let last = lasts[Int(top)]
            if last == Key.max { break }
            emit(last + 1, stack.last ?? -1)
        }
        rangeStart.append(Int32(validFrom.count))

        var samples: [Key] = []
        samples.reserveCapacity(starts.count / Self.sampleStride + 1)
        var index = 0
        while index < starts.count {
            samples.append(starts[index])
            index += Self.sampleStride
        }
        self.starts = starts
        self.owners = owners
        self.parents = parents
        self.rangeStart = rangeStart
        self.validFrom = validFrom
        self.validTo = validTo
        self.rangeAssignment = rangeAssignment
        self.samples = samples
    }

    /// The assignment of the longest prefix containing `address` that is valid at `time`, or -1.
    func lookup(_ address: Key, at time: Int64) -> Int32 {
        var node = owners.withUnsafeBufferPointer { owners in
            owners[intervalIndex(address)]
        }
        while node >= 0 {
            let found = assignment(ofNode: Int(node), at: time)
            if found >= 0 { return found }
            node = parents[Int(node)]
        }
        return -1
    }

    /// The nodes covering `address`, deepest first (for diagnostics and tests).
    func chain(_ address: Key) -> [Int32] {
        var result: [Int32] = []
        var node = owners[intervalIndex(address)]
        while node >= 0 {
            result.append(node)
            node = parents[Int(node)]
        }
        return result
    }

    /// Index of the last interval whose start is ≤ `address`.
    func intervalIndex(_ address: Key) -> Int {
        let block = samples.withUnsafeBufferPointer { Self.lastNotAbove(address, in: $0) }
        let lower = block * Self.sampleStride
        let upper = Swift.min(lower + Self.sampleStride, starts.count)
        return starts.withUnsafeBufferPointer { starts in
            lower + Self.lastNotAbove(address, in: UnsafeBufferPointer(rebasing: starts[lower..<upper]))
        }
    }

    /// Branch-free binary search: the index of the last element ≤ `key`, given that the first element is ≤ `key`.
    @inline(__always)
    static func lastNotAbove(_ key: Key, in buffer: UnsafeBufferPointer<Key>) -> Int {
        var base = 0
        var length = buffer.count
        while length > 1 {
            let half = length / 2
            base = buffer[base + half] <= key ? base + half : base
            length -= half
        }
        return base
    }

    @inline(__always)
    private func assignment(ofNode node: Int, at time: Int64) -> Int32 {
        let lower = Int(rangeStart[node])
        let upper = Int(rangeStart[node + 1])
        // Ranges of one prefix never overlap (the import refuses that), and they are sorted by start: the
        // candidate is the last range starting at or before `time`.
        var index = upper - 1
        if upper - lower > 8 {
            var low = lower
            var high = upper
            while low < high {
                let middle = (low + high) / 2
                if validFrom[middle] <= time { low = middle + 1 } else { high = middle }
            }
            index = low - 1
            if index < lower { return -1 }
        } else {
            while index >= lower && validFrom[index] > time { index -= 1 }
            if index < lower { return -1 }
        }
        return time < validTo[index] ? rangeAssignment[index] : -1
    }
}
