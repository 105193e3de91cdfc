import KnooppuntDomain

/// The product's SplitMix64: every random choice of these tests replays from its seed.
typealias SeededGenerator = SeededRandom

extension RandomNumberGenerator {
    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    mutating func pick<C: Collection>(_ collection: C) -> C.Element {
        collection.randomElement(using: &self)!
    }
}
