import Foundation
import GRPCCore
import GRPCProtobuf

/// Keys and values: range, put, transaction, delete, compaction.
extension EtcdClient {
    /// How a range orders what it finds.
    public enum RangeOrder: Sendable, Hashable {
        /// By key, ascending (etcd's default).
        case key
        /// By create revision, ascending: the first is the oldest key (the election's holder).
        case createRevision
    }

    /// Reads `keys`: at `revision` (nil: the newest), only those changed at or after
    /// `minModRevision`, at most `limit` (nil: all), ordered by `order`.
    public func range(
        _ keys: EtcdKeys, revision: Int64? = nil, minModRevision: Int64? = nil, limit: Int? = nil,
        order: RangeOrder = .key
    ) async throws -> EtcdRange {
        var request = EtcdWire.rangeRequest(keys)
        if let revision { request.revision = revision }
        if let minModRevision { request.minModRevision = minModRevision }
        if let limit { request.limit = Int64(limit) }
        if order == .createRevision {
            request.sortOrder = .ascend
            request.sortTarget = .create
        }
        let reply = try await call(EtcdWire.range, request)
        return EtcdRange(
            keyValues: try reply.kvs.map(EtcdWire.keyValue), revision: reply.header.revision, more: reply.more
        )
    }

    /// The key's value and revisions, or nil when it does not exist.
    public func get(_ key: String) async throws -> EtcdKeyValue? {
        try await range(.key(key)).keyValues.first
    }

    /// Writes `value` at `key` (attached to `lease` when given); returns the revision of the write.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8], lease: Int64? = nil) async throws -> Int64 {
        var request = WirePutRequest()
        request.key = EtcdWire.bytes(key)
        request.value = Data(value)
        request.lease = lease ?? 0
        return try await call(EtcdWire.put, request).header.revision
    }

    /// Runs `success` when every compare holds, `failure` otherwise, atomically. After a
    /// timeout the call may be sent to another member again: a transaction that must not run
    /// twice needs compares that the first run makes false (the fence's do).
    public func txn(
        compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []
    ) async throws -> EtcdTxnResult {
        try await txn(EtcdTxnRequest(compare: compare, success: success, failure: failure))
    }

    /// Runs a transaction encoded before (``EtcdTxnRequest``): a caller that sends several in
    /// a row encodes them in its own order, so none waits on another's encoding.
    public func txn(_ request: EtcdTxnRequest) async throws -> EtcdTxnResult {
        let reply = try await call(EtcdWire.txn, request.wire)
        let results = try reply.responses.map { response -> EtcdOperationResult in
            switch response.response {
            case .responseRange(let range): .range(try range.kvs.map(EtcdWire.keyValue))
            case .responseDeleteRange(let delete): .delete(deleted: delete.deleted)
            case .responsePut, nil: .put
            }
        }
        return EtcdTxnResult(succeeded: reply.succeeded, revision: reply.header.revision, results: results)
    }

    /// Deletes `keys`; returns how many were deleted.
    @discardableResult
    public func delete(_ keys: EtcdKeys) async throws -> Int64 {
        try await call(EtcdWire.deleteRange, EtcdWire.deleteRequest(keys)).deleted
    }

    /// Forgets every revision before `revision` (reads and watches from older revisions then
    /// fail with ``EtcdError/Code/compacted``). `physical` waits until the space is free for reuse.
    public func compact(to revision: Int64, physical: Bool = true) async throws {
        var request = WireCompactionRequest()
        request.revision = revision
        request.physical = physical
        _ = try await call(EtcdWire.compact, request)
    }
}

/// Leases: grant, keep alive, revoke.
extension EtcdClient {
    /// A new lease of at least `ttl` (whole seconds; etcd may raise it to its minimum).
    public func grantLease(ttl: Duration) async throws -> EtcdLease {
        let seconds = max(1, ttl.components.seconds + (ttl.components.attoseconds > 0 ? 1 : 0))
        var request = WireLeaseGrantRequest()
        request.ttl = seconds
        let reply = try await call(EtcdWire.leaseGrant, request)
        if !reply.error.isEmpty { throw EtcdError.fromServer(reply.error) }
        return EtcdLease(id: reply.id, ttl: .seconds(reply.ttl))
    }

    /// Renews the lease once; returns its TTL from now. A lease that expired or was revoked
    /// fails with ``EtcdError/Code/leaseNotFound``. `timeout` shortens the call's deadline
    /// (a holder need not wait for an answer past its lease's end); `perMember` how long one
    /// member may take before the next is asked (a short lease cannot wait on a hung member).
    @discardableResult
    public func keepAlive(
        lease: Int64, timeout: Duration? = nil, perMember: Duration? = nil
    ) async throws -> Duration {
        let (attemptTimeout, limit) = timeouts(within: timeout, perMember: perMember)
        let request = WireLeaseKeepAliveRequest.with { $0.id = lease }
        // etcd's keep-alive is a stream; each renewal here is a stream of one request and the
        // first answer, so a renewal that hangs is left like any other call.
        let ttl = try await failingOver("LeaseKeepAlive", within: limit) { index, remaining in
            let client = try member(index)
            do {
                return try await client.bidirectionalStreaming(
                    request: StreamingClientRequest { writer in try await writer.write(request) },
                    descriptor: EtcdWire.leaseKeepAlive,
                    serializer: ProtobufSerializer<WireLeaseKeepAliveRequest>(),
                    deserializer: ProtobufDeserializer<WireLeaseKeepAliveResponse>(),
                    options: Self.options(timeout: Swift.min(attemptTimeout, remaining))
                ) { response in
                    for try await answer in response.messages { return answer.ttl }
                    throw EtcdError(
                        .noQuorum, "\(self.endpoints[index]) ended the keep-alive without an answer")
                }
            } catch {
                throw Self.failure(error, endpoint: endpoints[index])
            }
        }
        guard ttl > 0 else { throw EtcdError(.leaseNotFound, "lease \(lease) expired or was revoked") }
        return .seconds(ttl)
    }

    /// Ends the lease now; its keys are deleted.
    public func revoke(lease: Int64) async throws {
        var request = WireLeaseRevokeRequest()
        request.id = lease
        _ = try await call(EtcdWire.leaseRevoke, request)
    }

    /// The status of the member calls go to now (the first that answers).
    public func status() async throws -> EtcdStatus {
        Self.status(from: try await call(EtcdWire.status, WireStatusRequest()))
    }

    /// The status of one given member, without moving on to another.
    public func status(of endpoint: String) async throws -> EtcdStatus {
        let index = try memberIndex(endpoint)
        return Self.status(
            from: try await attempt(EtcdWire.status, WireStatusRequest(), at: index, timeout: attemptTimeout))
    }

    /// The alarms raised in the cluster, e.g. `NOSPACE` on each member that reached its space
    /// quota (it stays raised until an operator frees space and disarms it).
    public func alarms() async throws -> [EtcdAlarm] {
        var request = WireAlarmRequest()
        request.action = .get
        return try await call(EtcdWire.alarm, request).alarms.map {
            EtcdAlarm(memberID: $0.memberID, alarm: EtcdWire.alarmName($0.alarm))
        }
    }

    /// Clears an alarm (after a `NOSPACE`: once space was freed by deleting, compacting and
    /// defragmenting every member), so the cluster takes writes again.
    public func disarm(_ alarm: EtcdAlarm) async throws {
        var request = WireAlarmRequest()
        request.action = .deactivate
        request.memberID = alarm.memberID
        request.alarm = EtcdWire.alarmType(alarm.alarm)
        _ = try await call(EtcdWire.alarm, request)
    }

    /// Gives the space that compaction freed in one member's database file back, so the file
    /// shrinks below the space quota. Blocks that member while it runs; call it member by member.
    public func defragment(_ endpoint: String) async throws {
        let index = try memberIndex(endpoint)
        _ = try await attempt(
            EtcdWire.defragment, WireDefragmentRequest(), at: index, timeout: operationTimeout)
    }

    /// The index of a member named by its URL (one of ``endpoints``).
    func memberIndex(_ endpoint: String) throws -> Int {
        guard let index = endpoints.firstIndex(of: Self.trimmed(endpoint)) else {
            throw EtcdError(.rejected, "\(endpoint) is not one of this client's members")
        }
        return index
    }

    static func status(from reply: WireStatusResponse) -> EtcdStatus {
        EtcdStatus(
            memberID: reply.header.memberID, leader: reply.leader, raftIndex: reply.raftIndex,
            raftTerm: reply.raftTerm, dbSize: reply.dbSize, dbSizeInUse: reply.dbSizeInUse,
            version: reply.version, errors: reply.errors)
    }
}

/// A transaction's request, built once when made.
public struct EtcdTxnRequest: Sendable {
    let wire: WireTxnRequest

    public init(compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []) {
        var wire = WireTxnRequest()
        wire.compare = compare.map(EtcdWire.compare)
        wire.success = success.map(EtcdWire.operation)
        wire.failure = failure.map(EtcdWire.operation)
        self.wire = wire
    }
}
