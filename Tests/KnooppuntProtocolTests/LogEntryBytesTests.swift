import FramePacking
import KnooppuntDomain
import KnooppuntProtocol
import Testing

/// The log entries in etcd, compressed: what goes in comes out, entries written before
/// compression are still read, and nothing else is taken for an entry.
@Suite("Log entry bytes")
struct LogEntryBytesTests {
    /// A packed message like a commit's: a header and items that share their structure.
    static func packed(items: Int) -> [UInt8] {
        var random = SeededRandom(seed: UInt64(items))
        let parts = (0..<items).map { n in
            Array("{\"id\":\"r\(n)\",\"origin\":\"VR09\",\"type\":\"sitrep\",\"text\":\"".utf8)
                + (0..<40).map { _ in UInt8.random(in: 97...122, using: &random) } + Array("\"}".utf8)
        }
        return FramePack.pack([Array("REPLICATE".utf8), Array("3".utf8)] + parts)
    }

    @Test("a compressed entry reads back as the packed message it was made of", arguments: [1, 10, 500])
    func roundTrip(items: Int) throws {
        let packed = Self.packed(items: items)
        let value = LogEntryBytes.value(ofPacked: packed)
        #expect(try #require(LogEntryBytes.packed(value)) == packed)
        #expect(LogEntryBytes.parts(value) == FramePack.unpack(packed, maxParts: LogMessage.maxParts))
        if items == 500 { #expect(value.count * 2 < packed.count, "500 similar items compress") }
    }

    @Test("bytes that do not compress are stored as the plain pack, never larger")
    func incompressible() throws {
        var random = SeededRandom(seed: 7)
        let noise = (0..<4_096).map { _ in UInt8.random(in: 0...255, using: &random) }
        let packed = FramePack.pack([Array("REPLICATE".utf8), noise])
        #expect(LogEntryBytes.value(ofPacked: packed) == packed)
        #expect(try #require(LogEntryBytes.packed(packed)) == packed)
    }

    @Test("an entry written before compression (a plain pack) is read as it is")
    func plainPack() throws {
        let packed = Self.packed(items: 3)
        #expect(try #require(LogEntryBytes.packed(packed)) == packed)
        #expect(LogEntryBytes.parts(packed)?.count == 5)
    }

    @Test("a damaged frame (any byte changed), a cut frame or other bytes are not an entry")
    func damaged() {
        let value = LogEntryBytes.value(ofPacked: Self.packed(items: 50))
        var flipped = value
        flipped[value.count / 2] ^= 0xFF
        let cut = Array(value.prefix(value.count - 3))
        for bad in [flipped, cut, [0x28, 0xB5, 0x2F, 0xFD], [1, 2, 3]] {
            #expect(LogEntryBytes.parts(bad) == nil, "\(bad.count) bytes")
        }
        // Every single flipped byte: the frame's checksum (or its structure) says so.
        for index in stride(from: 0, to: value.count, by: 7) {
            var damaged = value
            damaged[index] ^= 0x20
            #expect(LogEntryBytes.parts(damaged) == nil, "byte \(index) of \(value.count)")
        }
    }

    @Test("a frame that would expand past the limit is refused before it is expanded")
    func expansionLimit() {
        let huge = [UInt8](repeating: 0, count: LogEntryBytes.maximumPackedBytes + 1)
        let value = LogEntryBytes.value(ofPacked: huge)
        #expect(value.count < 1_024, "zeros compress to almost nothing")
        #expect(LogEntryBytes.packed(value) == nil)
        let atLimit = LogEntryBytes.value(
            ofPacked: [UInt8](repeating: 0, count: LogEntryBytes.maximumPackedBytes))
        #expect(LogEntryBytes.packed(atLimit)?.count == LogEntryBytes.maximumPackedBytes)
    }
}
