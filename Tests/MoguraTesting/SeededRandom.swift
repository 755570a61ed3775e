/// A small, fast, seedable generator (SplitMix64) so property tests are repeatable: a failure prints its seed,
/// and `MOGURA_TEST_SEED=<seed>` replays it.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// A generator seeded from `MOGURA_TEST_SEED` if set, else from `fallback`.
    public static func fromEnvironment(fallback: UInt64) -> SeededRandom {
        SeededRandom(seed: TestEnvironment.seed ?? fallback)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random 128-bit value.
    public mutating func next128() -> UInt128 {
        UInt128(next()) << 64 | UInt128(next())
    }

    /// Random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
