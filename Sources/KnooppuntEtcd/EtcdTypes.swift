/// A key and its value as etcd holds them. Keys of the node are text (`/knooppunt/…`); values
/// are bytes.
public struct EtcdKeyValue: Sendable, Hashable {
    public let key: String
    public let value: [UInt8]
    /// The revision that created this key (since its last deletion); 0 means it does not exist.
    public let createRevision: Int64
    /// The revision of its last change.
    public let modRevision: Int64
    /// How many times it was written since its creation.
    public let version: Int64
    /// The lease it is attached to; 0 for none.
    public let lease: Int64

    public init(
        key: String, value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64
    ) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// Keys read by one range: the keys and the store's revision when they were read.
public struct EtcdRange: Sendable, Hashable {
    public let keyValues: [EtcdKeyValue]
    /// The store's revision the read saw.
    public let revision: Int64
    /// More keys matched than the limit let through.
    public let more: Bool
}

/// Which keys a range, a delete or a watch covers.
public enum EtcdKeys: Sendable, Hashable {
    /// Exactly this key.
    case key(String)
    /// Every key that starts with this prefix.
    case prefix(String)
    /// Every key from this one on (in byte order), to the end of the key space.
    case from(String)
    /// Every key from the first up to the second (exclusive), in byte order.
    case between(String, String)
}

/// One condition of a transaction: `target(key) result value`, as etcd compares it (a key
/// that does not exist has create and mod revision 0).
public struct EtcdCompare: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case createRevision(Int64)
        case modRevision(Int64)
        case version(Int64)
        case value([UInt8])
        case lease(Int64)
    }
    public enum Result: String, Sendable, Hashable {
        case equal = "EQUAL"
        case notEqual = "NOT_EQUAL"
        case greater = "GREATER"
        case less = "LESS"
    }

    public let key: String
    public let target: Target
    public let result: Result

    public init(key: String, _ target: Target, _ result: Result = .equal) {
        self.key = key
        self.target = target
        self.result = result
    }
}

/// One operation in a transaction's branch.
public enum EtcdOperation: Sendable, Hashable {
    /// Writes `value` at `key`, attached to `lease` when not nil.
    case put(key: String, value: [UInt8], lease: Int64? = nil)
    case delete(EtcdKeys)
    case range(EtcdKeys)
}

/// What one operation of the branch that ran gave back.
public enum EtcdOperationResult: Sendable, Hashable {
    case put
    /// How many keys were deleted.
    case delete(deleted: Int64)
    case range([EtcdKeyValue])
}

/// The answer to a transaction: which branch ran and the store's revision after it.
public struct EtcdTxnResult: Sendable, Hashable {
    /// True when every compare held and the success branch ran.
    public let succeeded: Bool
    /// The store's revision after the transaction (the revision of its writes when it wrote).
    public let revision: Int64
    /// One result per operation of the branch that ran, in order.
    public let results: [EtcdOperationResult]

    public init(succeeded: Bool, revision: Int64, results: [EtcdOperationResult]) {
        self.succeeded = succeeded
        self.revision = revision
        self.results = results
    }

    /// Itself when the success branch ran; ``EtcdError/Code/txnFailed`` naming `what` otherwise
    /// (for a caller to whom a failed compare is an error, not an answer).
    @discardableResult
    public func requireSucceeded(_ what: String) throws -> EtcdTxnResult {
        guard succeeded else {
            throw EtcdError(.txnFailed, "\(what): a compare did not hold at revision \(revision)")
        }
        return self
    }

    /// The keys read by the `index`-th operation, when it was a range.
    public func keyValues(at index: Int) -> [EtcdKeyValue]? {
        guard results.indices.contains(index), case .range(let keyValues) = results[index] else { return nil }
        return keyValues
    }
}

/// A lease granted by etcd: keys attached to it are deleted when it expires or is revoked.
public struct EtcdLease: Sendable, Hashable {
    public let id: Int64
    /// The time to live etcd granted (it may raise a requested TTL to its minimum).
    public let ttl: Duration
}

/// One member's own view, from `maintenance/status`.
public struct EtcdStatus: Sendable, Hashable {
    public let memberID: UInt64
    /// The member that leads the cluster in this member's view; 0 when it knows none.
    public let leader: UInt64
    public let raftIndex: UInt64
    public let raftTerm: UInt64
    /// The size of the member's database file, and the part of it in use.
    public let dbSize: Int64
    public let dbSizeInUse: Int64
    public let version: String
    /// Alarms and errors the member reports (e.g. the NOSPACE alarm).
    public let errors: [String]

    public var isLeader: Bool { leader != 0 && leader == memberID }
}

/// One change seen by a watch.
public struct EtcdWatchEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case put
        case delete
    }
    public let kind: Kind
    /// The key after the change (for a delete: the key, and its mod revision is the delete's).
    public let keyValue: EtcdKeyValue
    public var revision: Int64 { keyValue.modRevision }
}

/// An alarm a member raised (`NOSPACE`: its database reached the space quota; `CORRUPT`).
public struct EtcdAlarm: Sendable, Hashable {
    public let memberID: UInt64
    public let alarm: String
}
