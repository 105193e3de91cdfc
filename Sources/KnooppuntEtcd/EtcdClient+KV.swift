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
        var body = EtcdWire.fields(keys)
        if let revision { body["revision"] = .string(String(revision)) }
        if let minModRevision { body["min_mod_revision"] = .string(String(minModRevision)) }
        if let limit { body["limit"] = .string(String(limit)) }
        if order == .createRevision {
            body["sort_order"] = "ASCEND"
            body["sort_target"] = "CREATE"
        }
        let reply = try await call("/v3/kv/range", body)
        return EtcdRange(
            keyValues: try reply.keyValues(), revision: try reply.headerRevision(), more: reply.bool("more"))
    }

    /// The key's value and revisions, or nil when it does not exist.
    public func get(_ key: String) async throws -> EtcdKeyValue? {
        try await range(.key(key)).keyValues.first
    }

    /// Writes `value` at `key` (attached to `lease` when given); returns the revision of the write.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8], lease: Int64? = nil) async throws -> Int64 {
        var body: EtcdWire.Body = [
            "key": .string(EtcdWire.base64(key)), "value": .string(EtcdWire.base64(value)),
        ]
        if let lease { body["lease"] = .string(String(lease)) }
        return try await call("/v3/kv/put", body).headerRevision()
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
        let reply = try await call("/v3/kv/txn", encoded: request.bytes)
        let results = try reply.objects("responses").map { response -> EtcdOperationResult in
            if let range = response.object("response_range") { return .range(try range.keyValues()) }
            if let delete = response.object("response_delete_range") {
                return .delete(deleted: try delete.int("deleted"))
            }
            return .put
        }
        return EtcdTxnResult(
            succeeded: reply.bool("succeeded"), revision: try reply.headerRevision(), results: results)
    }

    /// Deletes `keys`; returns how many were deleted.
    @discardableResult
    public func delete(_ keys: EtcdKeys) async throws -> Int64 {
        try await call("/v3/kv/deleterange", EtcdWire.fields(keys)).int("deleted")
    }

    /// Forgets every revision before `revision` (reads and watches from older revisions then
    /// fail with ``EtcdError/Code/compacted``). `physical` waits until the space is free for reuse.
    public func compact(to revision: Int64, physical: Bool = true) async throws {
        _ = try await call(
            "/v3/kv/compaction", ["revision": .string(String(revision)), "physical": .bool(physical)])
    }
}

/// Leases: grant, keep alive, revoke.
extension EtcdClient {
    /// A new lease of at least `ttl` (whole seconds; etcd may raise it to its minimum).
    public func grantLease(ttl: Duration) async throws -> EtcdLease {
        let seconds = max(1, ttl.components.seconds + (ttl.components.attoseconds > 0 ? 1 : 0))
        let reply = try await call("/v3/lease/grant", ["TTL": .string(String(seconds))])
        return EtcdLease(id: try reply.int("ID"), ttl: .seconds(try reply.int("TTL")))
    }

    /// Renews the lease once; returns its TTL from now. A lease that expired or was revoked
    /// fails with ``EtcdError/Code/leaseNotFound``. `timeout` shortens the call's deadline
    /// (a holder need not wait for an answer past its lease's end); `perMember` how long one
    /// member may take before the next is asked (a short lease cannot wait on a hung member).
    @discardableResult
    public func keepAlive(
        lease: Int64, timeout: Duration? = nil, perMember: Duration? = nil
    ) async throws -> Duration {
        // The gateway streams keep-alive answers; one request gives one answer and the end.
        let reply = try await call(
            "/v3/lease/keepalive", ["ID": .string(String(lease))], within: timeout, perMember: perMember)
        let result = reply.object("result") ?? reply
        let ttl = try result.int("TTL")
        guard ttl > 0 else { throw EtcdError(.leaseNotFound, "lease \(lease) expired or was revoked") }
        return .seconds(ttl)
    }

    /// Ends the lease now; its keys are deleted.
    public func revoke(lease: Int64) async throws {
        _ = try await call("/v3/lease/revoke", ["ID": .string(String(lease))])
    }

    /// The status of the member calls go to now (the first that answers).
    public func status() async throws -> EtcdStatus {
        try Self.status(from: try await call("/v3/maintenance/status", [:]))
    }

    /// The status of one given member, without moving on to another.
    public func status(of endpoint: String) async throws -> EtcdStatus {
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        let reply = try await attempt(
            trimmed, "/v3/maintenance/status", EtcdWire.encode([:]), timeout: attemptTimeout)
        return try Self.status(from: reply)
    }

    /// The alarms raised in the cluster, e.g. `NOSPACE` on each member that reached its space
    /// quota (it stays raised until an operator frees space and disarms it).
    public func alarms() async throws -> [EtcdAlarm] {
        try await call("/v3/maintenance/alarm", ["action": "GET"]).objects("alarms").map {
            EtcdAlarm(memberID: try $0.uint("memberID"), alarm: $0.string("alarm") ?? "NONE")
        }
    }

    /// Clears an alarm (after a `NOSPACE`: once space was freed by deleting, compacting and
    /// defragmenting every member), so the cluster takes writes again.
    public func disarm(_ alarm: EtcdAlarm) async throws {
        _ = try await call(
            "/v3/maintenance/alarm",
            [
                "action": "DEACTIVATE", "memberID": .string(String(alarm.memberID)),
                "alarm": .string(alarm.alarm),
            ])
    }

    /// Gives the space that compaction freed in one member's database file back, so the file
    /// shrinks below the space quota. Blocks that member while it runs; call it member by member.
    public func defragment(_ endpoint: String) async throws {
        let trimmed = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        _ = try await attempt(
            trimmed, "/v3/maintenance/defragment", EtcdWire.encode([:]), timeout: operationTimeout)
    }

    static func status(from reply: EtcdReply) throws -> EtcdStatus {
        EtcdStatus(
            memberID: try reply.object("header")?.uint("member_id") ?? 0, leader: try reply.uint("leader"),
            raftIndex: try reply.uint("raftIndex"), raftTerm: try reply.uint("raftTerm"),
            dbSize: try reply.int("dbSize"), dbSizeInUse: try reply.int("dbSizeInUse"),
            version: reply.string("version") ?? "", errors: reply.fields["errors"] as? [String] ?? [])
    }
}

/// A transaction's request, encoded once when made.
public struct EtcdTxnRequest: Sendable {
    let bytes: [UInt8]

    public init(compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []) {
        bytes = EtcdWire.encode([
            "compare": .array(compare.map { .object(EtcdWire.compare($0)) }),
            "success": .array(success.map { .object(EtcdWire.operation($0)) }),
            "failure": .array(failure.map { .object(EtcdWire.operation($0)) }),
        ])
    }
}
