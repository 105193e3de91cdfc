import Foundation
import StrictJSON
import Testing

@testable import KnooppuntEtcd

/// The gateway's encoding and the stream's framing, without etcd.
@Suite("etcd JSON gateway encoding")
struct EtcdWireTests {
    func decoded(_ field: JSONValue?) -> [UInt8] {
        Array(Data(base64Encoded: field?.stringValue ?? "") ?? Data())
    }

    @Test(
        "a prefix ends at the prefix with its last byte raised; 0xFF bytes are dropped first; 'from' ends at the zero byte"
    )
    func rangeEnds() {
        let prefix = EtcdWire.fields(.prefix("/knooppunt/NL/log/"))
        #expect(decoded(prefix["key"]) == Array("/knooppunt/NL/log/".utf8))
        #expect(decoded(prefix["range_end"]) == Array("/knooppunt/NL/log0".utf8))
        #expect(EtcdWire.fields(.key("/a"))["range_end"] == nil)
        #expect(decoded(EtcdWire.fields(.from("/a"))["range_end"]) == [0])
        let between = EtcdWire.fields(.between("/l/01", "/l/05"))
        #expect(
            decoded(between["key"]) == Array("/l/01".utf8)
                && decoded(between["range_end"]) == Array("/l/05".utf8))
        let high = EtcdWire.fields(.prefix("a\u{FF}"))  // UTF-8 C3 BF: the last byte is not 0xFF
        #expect(decoded(high["range_end"]) == [0x61, 0xC3, 0xC0])
    }

    @Test("a compare and the operations use etcd's field names, with 64-bit numbers as decimal strings")
    func txnFields() {
        let compare = EtcdWire.compare(EtcdCompare(key: "/k", .createRevision(9_007_199_254_740_993)))
        #expect(compare["target"] == "CREATE" && compare["result"] == "EQUAL")
        #expect(compare["create_revision"] == "9007199254740993")
        let put = EtcdWire.operation(.put(key: "/k", value: [1, 2], lease: 42))["request_put"]?.objectValue
        #expect(put?["lease"] == "42" && decoded(put?["value"]) == [1, 2])
        #expect(EtcdWire.operation(.delete(.prefix("/p")))["request_delete_range"] != nil)
    }

    @Test("a transaction encoded ahead reads back as etcd's fields, every value byte intact")
    func encodedTxn() throws {
        let value = (0...255).map { UInt8($0) }
        let request = EtcdTxnRequest(
            compare: [EtcdCompare(key: "/k", .modRevision(5))],
            success: [.put(key: "/log/1", value: value, lease: nil)], failure: [.range(.key("/k"))])
        let parsed = try JSONParser.parse(request.bytes)
        #expect(parsed["compare"]?.arrayValue?.first?["mod_revision"] == "5")
        let put = try #require(parsed["success"]?.arrayValue?.first?["request_put"])
        #expect(decoded(put["key"]) == Array("/log/1".utf8) && decoded(put["value"]) == value)
        #expect(decoded(parsed["failure"]?.arrayValue?.first?["request_range"]?["key"]) == Array("/k".utf8))
    }

    @Test("answers: missing numbers are 0, strings and numbers both read, a wrong kind is a malformed answer")
    func replies() throws {
        let reply = try EtcdReply(
            json: Array(#"{"header":{"revision":"7"},"count":3,"kvs":[{"key":"L2E="}]}"#.utf8))
        #expect(try reply.headerRevision() == 7 && reply.int("count") == 3 && reply.int("more") == 0)
        let keyValue = try #require(try reply.keyValues().first)
        #expect(keyValue.key == "/a" && keyValue.value == [] && keyValue.createRevision == 0)
        let bad = try EtcdReply(json: Array(#"{"revision":"seven"}"#.utf8))
        #expect(throws: EtcdError.self) { try bad.int("revision") }
        #expect(throws: EtcdError.self) { try EtcdReply(json: Array("<html>".utf8)) }
    }

    @Test("etcd's error texts map to stable codes; only transient ones are retried on another member")
    func errorCodes() {
        let quota = EtcdError.fromServer("etcdserver: mvcc: database space exceeded", httpStatus: 429)
        #expect(quota.code == .spaceQuotaExceeded && quota.isFinal)
        #expect(
            EtcdError.fromServer("etcdserver: mvcc: required revision has been compacted").code == .compacted)
        #expect(EtcdError.fromServer("etcdserver: requested lease not found").code == .leaseNotFound)
        let tooMany = EtcdError.fromServer("etcdserver: too many operations in txn request", httpStatus: 400)
        #expect(
            tooMany.code == .tooManyOperations && tooMany.isFinal && tooMany.message.contains("--max-txn-ops")
        )
        for transient in [
            "etcdserver: request timed out", "etcdserver: no leader", "etcdserver: leader changed",
        ] {
            let error = EtcdError.fromServer(transient)
            #expect(error.code == .noQuorum && !error.isFinal, "\(transient)")
        }
        let other = EtcdError.fromServer("etcdserver: permission denied", httpStatus: 400)
        #expect(other.code == .rejected && other.isFinal && other.message.contains("HTTP 400"))
        #expect(EtcdError.Code.noQuorum.description == "etcd.noQuorum")
    }

    @Test("the stream splitter yields whole objects however the chunks fall, braces inside strings included")
    func splitter() throws {
        let messages = [#"{"result":{"a":"}{\"x"}}"#, #"{"result":{"events":[{"kv":{}}]}}"#, "{}"]
        let stream = Array((messages.joined(separator: "\n") + "\n").utf8)
        for size in [1, 2, 3, 7, 64, stream.count] {
            var splitter = JSONObjectSplitter(limit: 1_024)
            var found: [String] = []
            var offset = 0
            while offset < stream.count {
                let chunk = Array(stream[offset..<min(offset + size, stream.count)])
                found += try splitter.feed(chunk).map { String(decoding: $0, as: UTF8.self) }
                offset += size
            }
            #expect(found == messages, "chunks of \(size)")
        }
        var small = JSONObjectSplitter(limit: 8)
        #expect(throws: EtcdError.self) { try small.feed(Array(#"{"a":"0123456789"#.utf8)) }
    }
}
