import KnooppuntDomain
import StrictJSON

/// The read-only Clustered Hashmap Protocol endpoint (ZeroMQ RFC 12) for the public view
/// (docs/PROTOCOL.md §9): always 5 frames, sequence as 8 bytes big-endian.
public enum CHP {
    /// KVPUB/KVSYNC frames for one picture entry in the public view.
    public static func entry(_ update: Update, withUUID: Bool) -> [[UInt8]] {
        let envelope = update.report.envelope
        let properties =
            "epoch=\(update.epoch)\norigin=\(envelope.origin)\ntype=\(envelope.type.rawValue)\n"
            + "created=\(envelope.created.rfc3339)\nexercise=\(envelope.exercise)\n"
        return [
            Array("/\(envelope.key)".utf8), sequenceFrame(update.sequence), withUUID ? envelope.id.bytes : [],
            Array(properties.utf8),
            JSONWriter.canonical(update.report.projected(for: .publicView).visibleJSON),
        ]
    }

    public static func kthxbai(sequence: SequenceNumber, subtree: [UInt8]) -> [[UInt8]] {
        [Array("KTHXBAI".utf8), sequenceFrame(sequence), [], [], subtree]
    }

    public static func hugz() -> [[UInt8]] { [Array("HUGZ".utf8), sequenceFrame(0), [], [], []] }

    public static func sequenceFrame(_ sequence: SequenceNumber) -> [UInt8] {
        withUnsafeBytes(of: sequence.bigEndian) { Array($0) }
    }

    /// Reads an 8-byte big-endian sequence frame.
    public static func sequence(_ frame: [UInt8]) -> SequenceNumber? {
        guard frame.count == 8 else { return nil }
        return frame.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Reads an ICANHAZ request: ["ICANHAZ?", subtree]. Nil for anything else.
    public static func icanhaz(_ frames: [[UInt8]]) -> [UInt8]? {
        guard frames.count == 2, frames[0] == Array("ICANHAZ?".utf8), frames[1].count <= 256 else {
            return nil
        }
        return frames[1]
    }
}
