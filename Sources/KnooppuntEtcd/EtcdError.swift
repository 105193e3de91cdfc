/// A call to etcd that did not do what was asked. The code is stable (the node maps it to its
/// own refusals and logs it); the message says what happened, with etcd's own words when etcd
/// answered.
///
/// The code is a small open set (a struct, not a public enum) so new cases can be added
/// without breaking callers that switch over it.
public struct EtcdError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The stable name, e.g. `etcd.noQuorum`.
        public let name: String
        private init(_ name: String) { self.name = "etcd.\(name)" }

        /// No member could be reached at all (connection refused, no route): nothing was done.
        public static let unreachable = Code("unreachable")
        /// Members were reached but none answered within the deadline, or they answered that
        /// they have no leader or timed out themselves: no majority is there to commit. A write
        /// that ends so may or may not have been committed; its compares decide a retry.
        public static let noQuorum = Code("noQuorum")
        /// The revision asked for (a watch's start, a range's read revision) was compacted away.
        public static let compacted = Code("compacted")
        /// etcd's database reached its space quota (`--quota-backend-bytes`) and the NOSPACE
        /// alarm is raised: every write is refused, reads still work, until an operator
        /// compacts, defragments and disarms.
        public static let spaceQuotaExceeded = Code("spaceQuotaExceeded")
        /// The lease does not exist (expired or revoked).
        public static let leaseNotFound = Code("leaseNotFound")
        /// A transaction's compares did not hold where the caller required them to.
        public static let txnFailed = Code("txnFailed")
        /// The elected key is gone or was never the lowest: this campaigner does not hold the role.
        public static let leadershipLost = Code("leadershipLost")
        /// The transaction has more operations than the member's `--max-txn-ops`: a member
        /// configured below what the node needs (its message names the flag to raise).
        public static let tooManyOperations = Code("tooManyOperations")
        /// etcd refused the request for another reason (its message says which).
        public static let rejected = Code("rejected")
        /// The TLS material (CA, client certificate, key) could not be read.
        public static let tlsMaterial = Code("tlsMaterial")
        /// A member URL would send the log in the clear off this machine (plain HTTP beyond
        /// loopback), or asks for TLS without material.
        public static let insecure = Code("insecure")
        /// etcd's answer could not be read (a key that is not text, a message over the limit).
        public static let malformedAnswer = Code("malformedAnswer")

        public var description: String { name }
    }

    public let code: Code
    public let message: String
    /// For ``Code/compacted``: the revision etcd has compacted up to, when it said so.
    public let compactRevision: Int64?

    public init(_ code: Code, _ message: String, compactRevision: Int64? = nil) {
        self.code = code
        self.message = message
        self.compactRevision = compactRevision
    }

    public var description: String { "\(code): \(message)" }
}

extension EtcdError {
    /// Maps etcd's error text (a gRPC status message, `etcdserver: …`) to a code. etcd's messages are its
    /// stable interface here: the gRPC codes alone do not tell quota from other refusals.
    static func fromServer(_ text: String) -> EtcdError {
        if text.contains("database space exceeded") { return EtcdError(.spaceQuotaExceeded, text) }
        if text.contains("required revision has been compacted") { return EtcdError(.compacted, text) }
        if text.contains("requested lease not found") { return EtcdError(.leaseNotFound, text) }
        if text.contains("too many operations in txn request") {
            return EtcdError(
                .tooManyOperations,
                "\(text): start every etcd member with --max-txn-ops 512 or more (deploy/README.md)")
        }
        if isTransient(text) { return EtcdError(.noQuorum, text) }
        return EtcdError(.rejected, text)
    }

    /// Answers a member gives when it cannot get a majority to agree right now; another member
    /// (or the same one a moment later) may.
    static func isTransient(_ text: String) -> Bool {
        let transient = [
            "request timed out", "no leader", "leader changed", "too many requests", "server stopped",
            "not capable", "timed out", "connection lost", "unhealthy cluster",
        ]
        return transient.contains { text.contains($0) }
    }

    /// Retrying on another member cannot help with these: the cluster itself decided, or this
    /// client cannot speak to any member safely (its TLS material, its URLs).
    var isFinal: Bool {
        [
            .spaceQuotaExceeded, .compacted, .leaseNotFound, .tooManyOperations, .rejected, .txnFailed,
            .tlsMaterial, .insecure,
        ].contains(code)
    }
}
