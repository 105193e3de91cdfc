import FramePacking
import Testing

/// Several parts in one frame: what goes in comes out, and nothing malformed comes out at all.
@Suite("Frame packing")
struct FramePackTests {
    @Test("parts, empty parts and no parts survive a round trip")
    func roundTrip() {
        for parts: [[UInt8]] in [[], [[]], [[1, 2, 3], [], [255]], [Array(repeating: 7, count: 70_000)]] {
            #expect(FramePack.unpack(FramePack.pack(parts), maxParts: 8) == parts)
        }
    }

    @Test("the layout is a big-endian count, then each part's big-endian length and bytes")
    func layout() {
        #expect(FramePack.pack([[0xAB], []]) == [0, 0, 0, 2, 0, 0, 0, 1, 0xAB, 0, 0, 0, 0])
    }

    @Test("a truncated, padded, overlong or too-many-parts pack is refused")
    func malformed() {
        let good = FramePack.pack([[1, 2], [3]])
        #expect(FramePack.unpack(Array(good.dropLast()), maxParts: 8) == nil)
        #expect(FramePack.unpack(good + [0], maxParts: 8) == nil)
        #expect(FramePack.unpack([0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF], maxParts: 8) == nil)
        #expect(FramePack.unpack(good, maxParts: 1) == nil)
        #expect(FramePack.unpack([0, 0], maxParts: 8) == nil)
    }
}
