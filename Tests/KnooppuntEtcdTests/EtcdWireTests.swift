import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@testable import KnooppuntEtcd

/// etcd's gRPC messages as this client builds and reads them, and its error mapping, without etcd.
@Suite("etcd gRPC messages")
struct EtcdWireTests {
    @Test(
        "a prefix ends at the prefix with its last byte raised; 0xFF bytes are dropped first; 'from' ends at the zero byte"
    )
    func rangeEnds() {
        let prefix = EtcdWire.range(.prefix("/knooppunt/NL/log/"))
        #expect(
            prefix.key == Data("/knooppunt/NL/log/".utf8) && prefix.end == Data("/knooppunt/NL/log0".utf8))
        #expect(EtcdWire.range(.key("/a")).end.isEmpty)
        #expect(EtcdWire.range(.from("/a")).end == Data([0]))
        let between = EtcdWire.range(.between("/l/01", "/l/05"))
        #expect(between.key == Data("/l/01".utf8) && between.end == Data("/l/05".utf8))
        let high = EtcdWire.range(.prefix("a\u{FF}"))  // UTF-8 C3 BF: the last byte is not 0xFF
        #expect(high.end == Data([0x61, 0xC3, 0xC0]))
        #expect(EtcdWire.range(.prefix("")) == (Data([0]), Data([0])))
    }

    @Test("a compare and the operations carry etcd's targets and 64-bit numbers intact")
    func txnFields() {
        let compare = EtcdWire.compare(EtcdCompare(key: "/k", .createRevision(9_007_199_254_740_993)))
        #expect(compare.target == .create && compare.result == .equal)
        #expect(compare.targetUnion == .createRevision(9_007_199_254_740_993))
        #expect(EtcdWire.compare(EtcdCompare(key: "/k", .modRevision(3), .less)).result == .less)
        guard
            case .requestPut(let put) = EtcdWire.operation(.put(key: "/k", value: [1, 2], lease: 42)).request
        else {
            Issue.record("a put is a request_put")
            return
        }
        #expect(put.lease == 42 && put.value == Data([1, 2]) && put.key == Data("/k".utf8))
        guard case .requestDeleteRange(let delete) = EtcdWire.operation(.delete(.prefix("/p"))).request else {
            Issue.record("a delete is a request_delete_range")
            return
        }
        #expect(delete.rangeEnd == Data("/q".utf8))
    }

    @Test(
        "a transaction built ahead encodes to etcd's field numbers and reads back with every value byte intact"
    )
    func encodedTxn() throws {
        let value = (0...255).map { UInt8($0) }
        let request = EtcdTxnRequest(
            compare: [EtcdCompare(key: "/k", .modRevision(5))],
            success: [.put(key: "/log/1", value: value, lease: nil)], failure: [.range(.key("/k"))])
        let bytes: [UInt8] = try request.wire.serializedBytes()
        // Field 1 (compare) comes first, length-delimited: tag 0x0A.
        #expect(bytes.first == 0x0A)
        let parsed = try WireTxnRequest(serializedBytes: bytes)
        #expect(parsed.compare.first?.targetUnion == .modRevision(5))
        guard case .requestPut(let put) = parsed.success.first?.request else {
            Issue.record("the success branch holds the put")
            return
        }
        #expect(put.key == Data("/log/1".utf8) && [UInt8](put.value) == value)
        guard case .requestRange(let range) = parsed.failure.first?.request else {
            Issue.record("the failure branch holds the range")
            return
        }
        #expect(range.key == Data("/k".utf8))
    }

    @Test("a key that is not UTF-8 is a malformed answer; alarms keep their names")
    func answers() throws {
        var wire = WireKeyValue()
        wire.key = Data("/a".utf8)
        wire.modRevision = 7
        let keyValue = try EtcdWire.keyValue(wire)
        #expect(keyValue.key == "/a" && keyValue.value == [] && keyValue.modRevision == 7)
        wire.key = Data([0xFF, 0xFE])
        #expect(throws: EtcdError.self) { try EtcdWire.keyValue(wire) }
        #expect(EtcdWire.alarmName(.nospace) == "NOSPACE" && EtcdWire.alarmType("NOSPACE") == .nospace)
    }

    @Test("etcd's error texts map to stable codes; only transient ones are retried on another member")
    func errorCodes() {
        let quota = EtcdError.fromServer("etcdserver: mvcc: database space exceeded")
        #expect(quota.code == .spaceQuotaExceeded && quota.isFinal)
        #expect(
            EtcdError.fromServer("etcdserver: mvcc: required revision has been compacted").code == .compacted)
        #expect(EtcdError.fromServer("etcdserver: requested lease not found").code == .leaseNotFound)
        let tooMany = EtcdError.fromServer("etcdserver: too many operations in txn request")
        #expect(
            tooMany.code == .tooManyOperations && tooMany.isFinal && tooMany.message.contains("--max-txn-ops")
        )
        for transient in [
            "etcdserver: request timed out", "etcdserver: no leader", "etcdserver: leader changed",
        ] {
            let error = EtcdError.fromServer(transient)
            #expect(error.code == .noQuorum && !error.isFinal, "\(transient)")
        }
        let other = EtcdError.fromServer("etcdserver: permission denied")
        #expect(other.code == .rejected && other.isFinal)
        #expect(EtcdError.Code.noQuorum.description == "etcd.noQuorum")
    }

    @Test("gRPC failures: etcd's refusals by their text, a deadline is no quorum, anything else unreachable")
    func transportFailures() {
        func code(_ error: RPCError) -> EtcdError.Code? {
            (EtcdClient.failure(error, endpoint: "http://127.0.0.1:1") as? EtcdError)?.code
        }
        #expect(
            code(RPCError(code: .resourceExhausted, message: "etcdserver: mvcc: database space exceeded"))
                == .spaceQuotaExceeded)
        #expect(code(RPCError(code: .unavailable, message: "etcdserver: no leader")) == .noQuorum)
        #expect(code(RPCError(code: .unavailable, message: "etcdserver: something new")) == .noQuorum)
        #expect(code(RPCError(code: .deadlineExceeded, message: "timed out")) == .noQuorum)
        #expect(code(RPCError(code: .unavailable, message: "connection refused")) == .unreachable)
    }

    @Test("a client made to fail says why at once at every call, and never speaks without TLS")
    func failingClient() async {
        let client = EtcdClient(
            endpoints: ["https://127.0.0.1:1"], failingWith: EtcdError(.tlsMaterial, "the key is gone"))
        let started = ContinuousClock.now
        let error = await #expect(throws: EtcdError.self) { _ = try await client.put("/k", [1]) }
        #expect(error?.code == .tlsMaterial && error?.message == "the key is gone")
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}
