import Crypto
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// When a signal's content is deleted (issue 18): one rule, applied by every store that holds
/// the content (the active node, its standby or replicas, the sender's and the recipients'
/// daemons), each on its own clock, so a store that was down deletes when it is back.
///
/// The content expires `retentionDays` after the node committed the signal, or, for an
/// exercise signal that states it, `exerciseRetentionSeconds` after. The rule reads only what
/// the holder already has: the signal's own content and the commit time in its update.
public enum SignalRetention {
    static let millisecondsPerDay: Int64 = 86_400_000

    /// When the content of a signal committed at `committedAt` expires (ms since 1970), from
    /// the signal section's content; nil when the content is not held or not readable.
    public static func expiresAt(content: JSONValue, exercise: Bool, committedAt: Int64) -> Int64? {
        guard let days = content["retentionDays"]?.integerValue else { return nil }
        if exercise, let seconds = content["exerciseRetentionSeconds"]?.integerValue {
            return committedAt + seconds * 1_000
        }
        return committedAt + days * millisecondsPerDay
    }

    /// A signal whose content has expired, as its holder has it.
    public struct Expired: Sendable {
        public let entry: PictureEntry
        /// When its content expired (ms since 1970).
        public let expiredAt: Int64
        /// SHA-256 of the section bytes deleted (hex): the tombstone's digest.
        public let contentDigest: String

        /// The report as it stays: the signed envelope (with each section's salted digest).
        public var withheld: SealedReport { entry.report.withholdingAllSections() }
    }

    /// Every signal in `picture` whose content is still held and has expired at `now`, in
    /// the order of expiry (then of sequence): the order every holder deletes in.
    public static func expired(in picture: Picture, now: Int64) -> [Expired] {
        var found: [Expired] = []
        for entry in picture.entries.values where entry.report.envelope.type == .signal {
            let held = entry.report.heldContent
            guard let section = held.first, let content = try? JSONParser.parse(section),
                let expiresAt = expiresAt(
                    content: content, exercise: entry.isExercise, committedAt: entry.committedAt),
                expiresAt <= now
            else { continue }
            var hasher = SHA256()
            for bytes in held { hasher.update(data: bytes) }
            found.append(
                Expired(
                    entry: entry, expiredAt: expiresAt, contentDigest: Hex.encode(Array(hasher.finalize()))))
        }
        return found.sorted { ($0.expiredAt, $0.entry.sequence) < ($1.expiredAt, $1.entry.sequence) }
    }
}
