import StrictJSON

/// Where one national node (alone, or one replica on etcd) listens.
public struct NodeAddress: Sendable, Hashable {
    /// For daemons to connect to, e.g. `tcp://127.0.0.1:7402`.
    public var endpoint: String
    /// Where the node binds (often `tcp://*:7402` on a real host).
    public var bind: String
    /// For the peer node to connect to (replication and pair state).
    public var pairEndpoint: String
    public var pairBind: String
    /// Base port of the read-only CHP endpoint (snapshot on P, updates on P+1); nil = off.
    public var chpBasePort: Int?

    public init(
        endpoint: String, bind: String, pairEndpoint: String, pairBind: String, chpBasePort: Int? = nil
    ) {
        self.endpoint = endpoint
        self.bind = bind
        self.pairEndpoint = pairEndpoint
        self.pairBind = pairBind
        self.chpBasePort = chpBasePort
    }

    /// A node on one host at `host`, with its ports from `base`: CHP on base and base+1, the
    /// node endpoint on base+2, the pair endpoint on base+3 (named in network.json, unused since the pair was retired).
    public static func local(host: String = "127.0.0.1", base: Int, chp: Bool) -> NodeAddress {
        NodeAddress(
            endpoint: "tcp://\(host):\(base + 2)", bind: "tcp://\(host):\(base + 2)",
            pairEndpoint: "tcp://\(host):\(base + 3)", pairBind: "tcp://\(host):\(base + 3)",
            chpBasePort: chp ? base : nil)
    }

    var json: JSONValue {
        [
            "endpoint": .string(endpoint), "bind": .string(bind), "pairEndpoint": .string(pairEndpoint),
            "pairBind": .string(pairBind), "chpBasePort": chpBasePort.map { .integer(Int64($0)) } ?? .null,
        ]
    }

    init(json: JSONValue, fail: (String) -> ConfigError) throws {
        guard let endpoint = json["endpoint"]?.stringValue, let bind = json["bind"]?.stringValue,
            let pairEndpoint = json["pairEndpoint"]?.stringValue, let pairBind = json["pairBind"]?.stringValue
        else { throw fail("a node needs endpoint, bind, pairEndpoint and pairBind") }
        var chp: Int?
        if let port = json["chpBasePort"], port != .null {
            guard let number = port.integerValue, (1...65_534).contains(number) else {
                throw fail("chpBasePort must be a port")
            }
            chp = Int(number)
        }
        self.init(
            endpoint: endpoint, bind: bind, pairEndpoint: pairEndpoint, pairBind: pairBind, chpBasePort: chp)
    }
}
