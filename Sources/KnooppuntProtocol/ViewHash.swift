import Crypto
import KnooppuntDomain

/// The hash of one view of the picture (docs/PROTOCOL.md §6): the sum of its entry hashes
/// modulo 2²⁵⁶. Order-free, so the node and every mirror can keep it up to date in constant
/// time per change, and equal hashes mean equal pictures.
public struct ViewHash: Sendable, Hashable, CustomStringConvertible {
    /// Little-endian 64-bit limbs.
    private var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    public static func == (a: ViewHash, b: ViewHash) -> Bool {
        a.limbs.0 == b.limbs.0 && a.limbs.1 == b.limbs.1 && a.limbs.2 == b.limbs.2 && a.limbs.3 == b.limbs.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(limbs.0)
        hasher.combine(limbs.1)
        hasher.combine(limbs.2)
        hasher.combine(limbs.3)
    }

    /// entryHash = SHA-256("KNP1" ‖ key ‖ 0x00 ‖ sequence (8 bytes BE) ‖ SHA-256(envelope) ‖ visibility).
    public static func entryHash(
        key: String, sequence: SequenceNumber, envelope: [UInt8], visibility: [Bool]
    )
        -> [UInt8]
    {
        entryHash(
            key: key, sequence: sequence, envelopeDigest: Array(SHA256.hash(data: envelope)),
            visibility: visibility)
    }

    /// ``entryHash(key:sequence:envelope:visibility:)`` from the envelope's SHA-256, which a
    /// picture keeps per entry. Computed for every view class of every report the node
    /// commits, so its parts are fed to SHA-256 without an array each.
    public static func entryHash(
        key: String, sequence: SequenceNumber, envelopeDigest: [UInt8], visibility: [Bool]
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: protocolSignature)
        var key = key
        key.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: sequence.bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: envelopeDigest)
        hasher.update(data: visibility.map { $0 ? 1 : 0 })
        return Array(hasher.finalize())
    }

    public mutating func add(_ entry: [UInt8]) { combine(ViewHash(entry: entry).limbs, subtract: false) }
    public mutating func remove(_ entry: [UInt8]) { combine(ViewHash(entry: entry).limbs, subtract: true) }

    /// The hash of a view holding only the entry with this entry hash. Adding it to another
    /// view's hash is ``add(_:)-([UInt8])`` of the entry hash, without reading its bytes again:
    /// the picture reads an entry's hash once and adds it to every view that sees it so.
    public init(entry: [UInt8]) {
        precondition(entry.count == 32, "an entry hash has 32 bytes")
        // Read the digest as a big-endian 256-bit number: limb 3 is its most significant part.
        func limb(_ i: Int) -> UInt64 {
            var value: UInt64 = 0
            for byte in entry[(24 - i * 8)..<(32 - i * 8)] { value = value << 8 | UInt64(byte) }
            return value
        }
        limbs = (limb(0), limb(1), limb(2), limb(3))
    }

    /// Adds the entries `other` sums (one entry, from ``init(entry:)``).
    public mutating func add(_ other: ViewHash) { combine(other.limbs, subtract: false) }
    /// Removes the entries `other` sums (one entry, from ``init(entry:)``).
    public mutating func remove(_ other: ViewHash) { combine(other.limbs, subtract: true) }

    private mutating func combine(_ other: (UInt64, UInt64, UInt64, UInt64), subtract: Bool) {
        var carry = false
        func step(_ a: UInt64, _ b: UInt64) -> UInt64 {
            if subtract {
                let (d1, o1) = a.subtractingReportingOverflow(b)
                let (d2, o2) = d1.subtractingReportingOverflow(carry ? 1 : 0)
                carry = o1 || o2
                return d2
            }
            let (s1, o1) = a.addingReportingOverflow(b)
            let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
            carry = o1 || o2
            return s2
        }
        limbs.0 = step(limbs.0, other.0)
        limbs.1 = step(limbs.1, other.1)
        limbs.2 = step(limbs.2, other.2)
        limbs.3 = step(limbs.3, other.3)
    }

    /// 64 hex digits, most significant first.
    public var hex: String {
        var bytes: [UInt8] = []
        for limb in [limbs.3, limbs.2, limbs.1, limbs.0] {
            bytes += withUnsafeBytes(of: limb.bigEndian) { Array($0) }
        }
        return Hex.encode(bytes)
    }

    public var description: String { hex }

    /// Parses 64 hex digits.
    public init?(hex: String) {
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
        func limb(_ i: Int) -> UInt64 {
            var value: UInt64 = 0
            for byte in bytes[(24 - i * 8)..<(32 - i * 8)] { value = value << 8 | UInt64(byte) }
            return value
        }
        limbs = (limb(0), limb(1), limb(2), limb(3))
    }
}
