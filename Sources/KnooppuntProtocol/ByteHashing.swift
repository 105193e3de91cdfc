extension Hasher {
    /// Feeds `bytes` as one run with their count. `[UInt8]`'s own `hash(into:)` feeds them one
    /// byte at a time, one call each: hashing a 64-byte signature that way showed in the node's
    /// profile at full load (docs/BENCHMARKS.md, "The rows of each report bound directly").
    mutating func combine(byteRun bytes: [UInt8]) {
        combine(bytes.count)
        bytes.withUnsafeBytes { combine(bytes: $0) }
    }
}

/// Bytes as a set member or dictionary key, hashed as one run (``Hasher/combine(byteRun:)``).
struct HashedBytes: Hashable {
    let bytes: [UInt8]

    func hash(into hasher: inout Hasher) { hasher.combine(byteRun: bytes) }
}
