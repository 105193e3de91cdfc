import CZstd
import FramePacking

/// The bytes of one log entry in etcd: its packed REPLICATE message (``LogMessage``),
/// compressed with Zstandard.
///
/// Why: etcd's CPU grows with the bytes it carries (about 20 µs per KB of entry over its three
/// members), a fifth to a quarter of what a report cost the quorum on shared cores
/// (docs/BENCHMARKS.md, "The log in etcd compressed"). Each byte of an entry goes through raft
/// to every member, into each member's WAL and database, and out to every watching replica;
/// the reports of one commit share their structure (envelope keys, codes, proofs), so a whole
/// entry compresses several times over at little CPU.
///
/// An entry written before compression (a packed message as it is) is still read: a pack
/// starts with its part count (at most ``LogMessage/maxParts``, so a zero byte), never with
/// Zstandard's frame magic.
public enum LogEntryBytes {
    /// Zstandard's level: its fastest regular level, since the active compresses every entry
    /// on its loop and the followers read every one.
    static let level: Int32 = 1
    /// The largest packed message an entry may expand to: a commit packs at most
    /// 1 MiB (the fence's limit), so anything far larger is not an entry of ours.
    public static let maximumPackedBytes = 4 * 1_024 * 1_024
    /// The first bytes of a Zstandard frame (its magic number, little-endian).
    static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// The value stored in etcd for a packed message: its frame, with its content's checksum
    /// (a damaged entry is refused, never read as other reports), or the pack itself when that
    /// is no larger.
    public static func value(ofPacked packed: [UInt8]) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { return packed }
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        let bound = ZSTD_compressBound(packed.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { destination in
            packed.withUnsafeBytes { source in
                ZSTD_compress2(context, destination.baseAddress, bound, source.baseAddress, source.count)
            }
        }
        // Compressing into a buffer of the bound cannot fail. If it did, or if the frame is no
        // smaller (bytes that do not compress), the plain pack is stored: a valid entry as
        // well, and never over the commit's byte limit the pack was measured against.
        guard ZSTD_isError(written) == 0, written < packed.count else { return packed }
        out.removeSubrange(written...)
        return out
    }

    /// The packed message of a stored value, or nil when it is neither a pack nor a frame
    /// that expands to at most ``maximumPackedBytes``.
    public static func packed(_ value: [UInt8]) -> [UInt8]? {
        guard value.count >= magic.count, value.prefix(magic.count).elementsEqual(magic) else { return value }
        return value.withUnsafeBytes { source -> [UInt8]? in
            let size = ZSTD_getFrameContentSize(source.baseAddress, source.count)
            // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest values: over the limit too.
            guard size <= UInt64(maximumPackedBytes) else { return nil }
            var out = [UInt8](repeating: 0, count: Int(size))
            let read = out.withUnsafeMutableBytes { destination in
                ZSTD_decompress(destination.baseAddress, destination.count, source.baseAddress, source.count)
            }
            guard ZSTD_isError(read) == 0, read == Int(size) else { return nil }
            return out
        }
    }

    /// The REPLICATE message of a stored value: what every reader of the log decodes (the
    /// replicas, the chaos checker, the tests).
    public static func message(_ value: [UInt8]) throws(Problem) -> LogMessage {
        guard let parts = parts(value) else {
            throw Problem(.wrongFrameCount, field: "log entry", "not a packed message, plain or compressed")
        }
        return try LogMessage.decode(parts)
    }

    /// The parts of a stored value's packed message (nil as for ``packed(_:)``, or when the
    /// message is not a pack of at most ``LogMessage/maxParts`` parts).
    public static func parts(_ value: [UInt8]) -> [[UInt8]]? {
        packed(value).flatMap { FramePack.unpack($0, maxParts: LogMessage.maxParts) }
    }
}
