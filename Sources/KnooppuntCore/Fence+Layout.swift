extension Fence {
    /// Where one network's replicated node keeps its state in etcd:
    ///
    /// - `/knooppunt/<network>/log/<sequence, 20 digits>`: one committed entry per global
    ///   sequence; 20 digits keep byte order equal to sequence order for every `UInt64`.
    /// - `/knooppunt/<network>/active/<lease id, hexadecimal>`: the election; the oldest key
    ///   holds the active role, and its create revision is the epoch.
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
