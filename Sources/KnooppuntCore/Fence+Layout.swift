extension Fence {
    /// Where one network's replicated node keeps its state in etcd:
    ///
    /// - `/knooppunt/<network>/log/<sequence, 20 digits>`: one committed entry per global
    ///   sequence; 20 digits keep byte order equal to sequence order for every `UInt64`.
    /// - `/knooppunt/<network>/active/<lease id, hexadecimal>`: the election; the oldest key
    ///   holds the active role, and its create revision is the epoch.
    /// - `/knooppunt/<network>/applied/<replica>`: how far that replica applied the log to its
    ///   own store (``LogTrim/Applied``); the active trims the log up to the lowest.
    public struct Layout: Sendable, Hashable {
        /// The width of a sequence in a log key: every `UInt64` fits.
        public static let sequenceDigits = 20

        public let network: String

        public init(network: String) {
            precondition(!network.isEmpty && !network.contains("/"), "a network name is one path segment")
            self.network = network
        }

        public var root: String { "/knooppunt/\(network)/" }
        public var logPrefix: String { root + "log/" }
        public var activePrefix: String { root + "active/" }
        public var appliedPrefix: String { root + "applied/" }

        /// The key of a replica's applied record; `replica` is one path segment.
        public func appliedKey(_ replica: String) -> String { appliedPrefix + replica }

        /// A replica name made from anything (its node endpoint): characters other than
        /// letters, digits, `.`, `-` and `_` become `_`, so it is one key segment.
        public static func replicaName(_ text: String) -> String {
            String(
                text.map { character in
                    character.isASCII
                        && (character.isLetter || character.isNumber || ".-_".contains(character))
                        ? character : "_"
                })
        }

        public func entryKey(_ sequence: UInt64) -> String {
            let digits = String(sequence)
            return logPrefix + String(repeating: "0", count: Self.sequenceDigits - digits.count) + digits
        }

        /// The sequence a log key names; nil for any other key.
        public func sequence(ofEntryKey key: String) -> UInt64? {
            guard key.hasPrefix(logPrefix) else { return nil }
            let digits = key.dropFirst(logPrefix.count)
            guard digits.count == Self.sequenceDigits, digits.allSatisfy(\.isASCII) else { return nil }
            return UInt64(digits)
        }
    }
}
