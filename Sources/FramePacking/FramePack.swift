/// Several parts in one ZeroMQ frame: a 4-byte big-endian count, then each part as a 4-byte
/// big-endian length and its bytes.
///
/// Why not ZeroMQ multipart: libzmq 4.3 can hand a receiver the first parts of a multipart
/// message whose sender died in the middle of it and then abort the receiving process
/// (`Assertion failed: !_more (src/fq.cpp:112)`, seen here when a peer was SIGKILLed while
/// sending). A single frame arrives whole or not at all, so a crash on one side can never take
/// down the other.
public enum FramePack {
    public static func pack(_ parts: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + parts.reduce(0) { $0 + 4 + $1.count })
        append(UInt32(parts.count), to: &out)
        for part in parts {
            append(UInt32(part.count), to: &out)
            out.append(contentsOf: part)
        }
        return out
    }

    /// The parts, or nil when the bytes are not a well-formed pack of at most `maxParts` parts.
    public static func unpack(_ bytes: [UInt8], maxParts: Int) -> [[UInt8]]? {
        bytes.withUnsafeBufferPointer { buffer -> [[UInt8]]? in
            var index = 0
            func read() -> Int? {
                guard index + 4 <= buffer.count else { return nil }
                let value =
                    UInt32(buffer[index]) << 24 | UInt32(buffer[index + 1]) << 16 | UInt32(buffer[index + 2])
                    << 8
                    | UInt32(buffer[index + 3])
                index += 4
                return Int(value)
            }
            guard let count = read(), count <= maxParts else { return nil }
            var parts: [[UInt8]] = []
            parts.reserveCapacity(count)
            for _ in 0..<count {
                guard let length = read(), length <= buffer.count - index else { return nil }
                parts.append(Array(buffer[index..<(index + length)]))
                index += length
            }
            return index == buffer.count ? parts : nil
        }
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(value >> 24))
        out.append(UInt8(value >> 16 & 0xFF))
        out.append(UInt8(value >> 8 & 0xFF))
        out.append(UInt8(value & 0xFF))
    }
}
