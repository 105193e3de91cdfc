import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// etcd's v3 API over gRPC: the methods the node calls and the mapping between its messages
/// (``proto/etcd.proto``, generated into `Generated/etcd.pb.swift`) and this module's types.
///
/// Why gRPC and not etcd's JSON gateway: the gateway decodes each request's JSON, base64 and
/// all, and calls the member's own gRPC server over loopback; for a log entry of about 1 MB
/// that tripled the members' CPU per write (docs/BENCHMARKS.md, "etcd over gRPC").
enum EtcdWire {
    /// One unary method of etcd's API.
    struct Method<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
        let descriptor: MethodDescriptor

        init(_ service: String, _ method: String) {
            descriptor = MethodDescriptor(fullyQualifiedService: "etcdserverpb.\(service)", method: method)
        }
    }

    static let range = Method<WireRangeRequest, WireRangeResponse>("KV", "Range")
    static let put = Method<WirePutRequest, WirePutResponse>("KV", "Put")
    static let deleteRange = Method<WireDeleteRangeRequest, WireDeleteRangeResponse>("KV", "DeleteRange")
    static let txn = Method<WireTxnRequest, WireTxnResponse>("KV", "Txn")
    static let compact = Method<WireCompactionRequest, WireCompactionResponse>("KV", "Compact")
    static let leaseGrant = Method<WireLeaseGrantRequest, WireLeaseGrantResponse>("Lease", "LeaseGrant")
    static let leaseRevoke = Method<WireLeaseRevokeRequest, WireLeaseRevokeResponse>("Lease", "LeaseRevoke")
    static let status = Method<WireStatusRequest, WireStatusResponse>("Maintenance", "Status")
    static let alarm = Method<WireAlarmRequest, WireAlarmResponse>("Maintenance", "Alarm")
    static let defragment = Method<WireDefragmentRequest, WireDefragmentResponse>("Maintenance", "Defragment")
    /// Streaming: one request and one answer per keep-alive.
    static let leaseKeepAlive = MethodDescriptor(
        fullyQualifiedService: "etcdserverpb.Lease", method: "LeaseKeepAlive")
    /// Streaming: one create request, then the changes.
    static let watch = MethodDescriptor(fullyQualifiedService: "etcdserverpb.Watch", method: "Watch")

    static func bytes(_ text: String) -> Data { Data(text.utf8) }

    /// `key` and `range_end` for a set of keys: a prefix ends at the prefix with its last byte
    /// raised by one (bytes of 0xFF dropped first), as etcd's own clients compute it; "from a
    /// key on" ends at the single zero byte, which etcd reads as "to the end". An empty
    /// `range_end` means the key alone.
    static func range(_ keys: EtcdKeys) -> (key: Data, end: Data) {
        switch keys {
        case .key(let key):
            return (bytes(key), Data())
        case .prefix(let prefix):
            var end = Array(prefix.utf8)
            while let last = end.last, last == 0xFF { end.removeLast() }
            guard let last = end.last else { return (Data([0]), Data([0])) }
            end[end.count - 1] = last + 1
            return (bytes(prefix), Data(end))
        case .from(let key):
            return (bytes(key), Data([0]))
        case .between(let first, let end):
            return (bytes(first), bytes(end))
        }
    }

    static func rangeRequest(_ keys: EtcdKeys) -> WireRangeRequest {
        var request = WireRangeRequest()
        (request.key, request.rangeEnd) = range(keys)
        return request
    }

    static func deleteRequest(_ keys: EtcdKeys) -> WireDeleteRangeRequest {
        var request = WireDeleteRangeRequest()
        (request.key, request.rangeEnd) = range(keys)
        return request
    }

    static func compare(_ compare: EtcdCompare) -> WireCompare {
        var wire = WireCompare()
        wire.key = bytes(compare.key)
        switch compare.result {
        case .equal: wire.result = .equal
        case .notEqual: wire.result = .notEqual
        case .greater: wire.result = .greater
        case .less: wire.result = .less
        }
        switch compare.target {
        case .createRevision(let revision):
            wire.target = .create
            wire.targetUnion = .createRevision(revision)
        case .modRevision(let revision):
            wire.target = .mod
            wire.targetUnion = .modRevision(revision)
        case .version(let version):
            wire.target = .version
            wire.targetUnion = .version(version)
        case .value(let value):
            wire.target = .value
            wire.targetUnion = .value(Data(value))
        case .lease(let lease):
            wire.target = .lease
            wire.targetUnion = .lease(lease)
        }
        return wire
    }

    static func operation(_ operation: EtcdOperation) -> WireRequestOp {
        var wire = WireRequestOp()
        switch operation {
        case .put(let key, let value, let lease):
            var put = WirePutRequest()
            put.key = bytes(key)
            put.value = Data(value)
            put.lease = lease ?? 0
            wire.request = .requestPut(put)
        case .delete(let keys):
            wire.request = .requestDeleteRange(deleteRequest(keys))
        case .range(let keys):
            wire.request = .requestRange(rangeRequest(keys))
        }
        return wire
    }

    /// A key of the node is text; one that is not UTF-8 was not written by a node.
    static func keyValue(_ wire: WireKeyValue) throws -> EtcdKeyValue {
        guard let key = String(data: wire.key, encoding: .utf8) else {
            throw EtcdError(.malformedAnswer, "a key that is not UTF-8 text")
        }
        return EtcdKeyValue(
            key: key, value: [UInt8](wire.value), createRevision: wire.createRevision,
            modRevision: wire.modRevision, version: wire.version, lease: wire.lease)
    }

    static func alarmName(_ alarm: WireAlarmType) -> String {
        switch alarm {
        case .none: "NONE"
        case .nospace: "NOSPACE"
        case .corrupt: "CORRUPT"
        case .UNRECOGNIZED(let value): "ALARM \(value)"
        }
    }

    static func alarmType(_ name: String) -> WireAlarmType {
        switch name {
        case "NOSPACE": .nospace
        case "CORRUPT": .corrupt
        default: .none
        }
    }
}
