import Foundation
import StrictJSON

/// etcd's JSON gateway (grpc-gateway over the v3 API): keys and values are base64, 64-bit
/// numbers are decimal strings, fields at their default (0, false, empty) are left out.
///
/// Requests are written with the project's own JSON writer (StrictJSON, bytes in, bytes out):
/// Foundation's `JSONSerialization` took half of the active replica's CPU at full load, most
/// of it walking the base64 of the log entries character by character (docs/BENCHMARKS.md,
/// the quorum's section).
enum EtcdWire {
    /// One request's fields.
    typealias Body = [String: JSONValue]

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// `key` and `range_end` for a set of keys: a prefix ends at the prefix with its last byte
    /// raised by one (bytes of 0xFF dropped first), as etcd's own clients compute it; "from a
    /// key on" ends at the single zero byte, which etcd reads as "to the end".
    static func fields(_ keys: EtcdKeys) -> Body {
        switch keys {
        case .key(let key):
            return ["key": .string(base64(key))]
        case .prefix(let prefix):
            var end = Array(prefix.utf8)
            while let last = end.last, last == 0xFF { end.removeLast() }
            guard let last = end.last else {
                return ["key": .string(base64([0])), "range_end": .string(base64([0]))]
            }
            end[end.count - 1] = last + 1
            return ["key": .string(base64(prefix)), "range_end": .string(base64(end))]
        case .from(let key):
            return ["key": .string(base64(key)), "range_end": .string(base64([0]))]
        case .between(let first, let end):
            return ["key": .string(base64(first)), "range_end": .string(base64(end))]
        }
    }

    static func encode(_ body: Body) -> [UInt8] { JSONWriter.canonical(.object(body)) }

    static func compare(_ compare: EtcdCompare) -> Body {
        var fields: Body = ["key": .string(base64(compare.key)), "result": .string(compare.result.rawValue)]
        switch compare.target {
        case .createRevision(let revision):
            fields["target"] = "CREATE"
            fields["create_revision"] = .string(String(revision))
        case .modRevision(let revision):
            fields["target"] = "MOD"
            fields["mod_revision"] = .string(String(revision))
        case .version(let version):
            fields["target"] = "VERSION"
            fields["version"] = .string(String(version))
        case .value(let value):
            fields["target"] = "VALUE"
            fields["value"] = .string(base64(value))
        case .lease(let lease):
            fields["target"] = "LEASE"
            fields["lease"] = .string(String(lease))
        }
        return fields
    }

    static func operation(_ operation: EtcdOperation) -> Body {
        switch operation {
        case .put(let key, let value, let lease):
            var put: Body = ["key": .string(base64(key)), "value": .string(base64(value))]
            if let lease { put["lease"] = .string(String(lease)) }
            return ["request_put": .object(put)]
        case .delete(let keys):
            return ["request_delete_range": .object(fields(keys))]
        case .range(let keys):
            return ["request_range": .object(fields(keys))]
        }
    }
}

/// One JSON object of an answer, read leniently where etcd leaves defaults out and strictly
/// where a field is there but of the wrong kind.
struct EtcdReply {
    let fields: [String: Any]

    init(_ fields: [String: Any]) { self.fields = fields }

    init(json bytes: [UInt8]) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
            let fields = object as? [String: Any]
        else {
            throw EtcdError(
                .malformedAnswer, "not a JSON object: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        self.fields = fields
    }

    func object(_ name: String) -> EtcdReply? { (fields[name] as? [String: Any]).map(EtcdReply.init) }
    func objects(_ name: String) -> [EtcdReply] {
        (fields[name] as? [[String: Any]] ?? []).map(EtcdReply.init)
    }
    func string(_ name: String) -> String? { fields[name] as? String }
    func bool(_ name: String) -> Bool { (fields[name] as? Bool) ?? false }

    /// A 64-bit number, sent as a decimal string (or, leniently, a JSON number); 0 when absent.
    func int(_ name: String) throws -> Int64 {
        switch fields[name] {
        case nil: return 0
        case let text as String:
            guard let value = Int64(text) else {
                throw EtcdError(.malformedAnswer, "\(name) is not a number: \(text)")
            }
            return value
        case let number as NSNumber: return number.int64Value
        default: throw EtcdError(.malformedAnswer, "\(name) is not a number")
        }
    }

    func uint(_ name: String) throws -> UInt64 {
        switch fields[name] {
        case nil: return 0
        case let text as String:
            guard let value = UInt64(text) else {
                throw EtcdError(.malformedAnswer, "\(name) is not a number: \(text)")
            }
            return value
        case let number as NSNumber: return number.uint64Value
        default: throw EtcdError(.malformedAnswer, "\(name) is not a number")
        }
    }

    func bytes(_ name: String) throws -> [UInt8] {
        guard let text = fields[name] as? String else { return [] }
        guard let data = Data(base64Encoded: text) else {
            throw EtcdError(.malformedAnswer, "\(name) is not base64")
        }
        return Array(data)
    }

    /// The store revision of the answer's header.
    func headerRevision() throws -> Int64 { try object("header")?.int("revision") ?? 0 }

    func keyValue() throws -> EtcdKeyValue {
        EtcdKeyValue(
            key: String(decoding: try bytes("key"), as: UTF8.self), value: try bytes("value"),
            createRevision: try int("create_revision"), modRevision: try int("mod_revision"),
            version: try int("version"), lease: try int("lease"))
    }

    func keyValues() throws -> [EtcdKeyValue] { try objects("kvs").map { try $0.keyValue() } }

    /// The gateway's error object (`{"error": "...", "code": N}`, or in a stream
    /// `{"error": {"message": ...}}`), when the answer is one.
    var errorText: String? {
        if let text = fields["error"] as? String { return text }
        if let nested = object("error") { return nested.string("message") ?? "\(nested.fields)" }
        return nil
    }
}
