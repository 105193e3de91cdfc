/// The unique id of one report: a lowercase UUID (8-4-4-4-12 hex). Retries reuse it, so the
/// node can recognise a report it has already accepted.
public struct ReportID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 36 else { return nil }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
            } else {
                guard (48...57).contains(c) || (97...102).contains(c) else { return nil }
            }
        }
        rawValue = text
    }

    /// A fresh random (version 4) id.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReportID {
        ReportID(uuid: randomBytes(using: &generator), version: 4)
    }

    /// A fresh id that sorts by the moment it was made (version 7, RFC 9562): the Unix time in
    /// milliseconds in its first 48 bits, then 74 random bits. Every store indexes reports by
    /// id: ids made in time order are inserted at the end of that index, so a commit of many
    /// reports rewrites a few index pages instead of about one page per report. The time it
    /// reveals is the envelope's `created` already.
    public static func timeOrdered<G: RandomNumberGenerator>(
        at millisecondsSinceEpoch: Int64, using generator: inout G
    ) -> ReportID {
        var bytes = randomBytes(using: &generator)
        let time = UInt64(clamping: millisecondsSinceEpoch)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: time >> (8 * (5 - index))) }
        return ReportID(uuid: bytes, version: 7)
    }

    private static func randomBytes<G: RandomNumberGenerator>(using generator: inout G) -> [UInt8] {
        (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The id of 16 UUID bytes with `version` and the RFC 9562 variant set.
    private init(uuid: [UInt8], version: UInt8) {
        var bytes = uuid
        bytes[6] = bytes[6] & 0x0F | version << 4
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let h = Array(hex)
        let text =
            String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20])
            + "-"
            + String(h[20..<32])
        rawValue = text
    }

    public static func random() -> ReportID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// The 16 bytes of the UUID (the CHP "UUID" frame).
    public var bytes: [UInt8] {
        let hex = Array(rawValue.utf8.filter { $0 != UInt8(ascii: "-") })
        return stride(from: 0, to: 32, by: 2).map { i in
            func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
            return nibble(hex[i]) << 4 | nibble(hex[i + 1])
        }
    }

    public var description: String { rawValue }
    public static func < (a: ReportID, b: ReportID) -> Bool { a.rawValue < b.rawValue }
}

/// An incident's id, chosen by the organisation that opens it, e.g. `VR09-20190318-01`:
/// 3–64 characters of letters, digits, `-`, `_` and `.`.
public struct IncidentID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ text: String) {
        let utf8 = text.utf8
        guard (3...64).contains(utf8.count),
            utf8.allSatisfy({
                (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45
                    || $0 == 95
                    || $0 == 46
            })
        else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }
    public static func < (a: IncidentID, b: IncidentID) -> Bool { a.rawValue < b.rawValue }
}

/// The node's global sequence: one strictly increasing number over every accepted report,
/// continuing across epochs (never reused, never restarted).
public typealias SequenceNumber = UInt64

/// A national node's term of office: rises and is persisted on every takeover; fences an old
/// active node.
public typealias Epoch = UInt64

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
