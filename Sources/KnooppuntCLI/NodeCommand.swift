import ArgumentParser
import Dispatch
import Foundation
import KnooppuntConfig
import KnooppuntNode
import KnooppuntProtocol

extension PairRole: ExpressibleByArgument {}

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a national node: one replica on etcd, or one node alone.",
        discussion: """
            Accepts reports from the daemons, makes each durable before acknowledging it, and \
            streams the picture to every organisation in its own view. Reads DIR/network.json and \
            the node's server key. The node reloads network.json and DIR/policy.yaml when they \
            change (within seconds, or at once on SIGHUP) and records the change in its audit log.

            With --etcd the node is one replica of the national node on etcd: it campaigns for the \
            active role through etcd, commits every batch through a fenced etcd transaction and \
            acknowledges only what etcd committed; a follower applies the log from etcd to its own \
            store. --role names its addresses and store: primary (DIR/node), backup \
            (DIR/node-backup), third (DIR/node-third). A network.json with replicas (a backup) \
            runs every node with --etcd; one without a backup runs the primary alone, without \
            etcd (a laptop, the smallest tests).

            Examples:
              knooppunt node --dir ./var
              knooppunt node --dir ./var --role primary --etcd http://127.0.0.1:2379,http://127.0.0.1:2381
              knooppunt node --dir ./var --role third --etcd http://127.0.0.1:2379,http://127.0.0.1:2381

            On more than one host the members are reached over TLS: https:// URLs, the \
            deployment's etcd CA and this replica's client certificate, by default from \
            DIR/keys/etcd (ca.pem, client-ROLE.pem, client-ROLE-key.pem, written by `knooppunt keys \
            export node --replica ROLE`), or named with --etcd-ca, --etcd-cert and --etcd-key. \
            Plain http:// is accepted on loopback only.
              knooppunt node --dir /var/lib/knooppunt --role backup --etcd https://kp-a:2379,https://kp-b:2379,https://kp-c:2379
              knooppunt node --role third --etcd https://kp-c:2379 --etcd-ca ca.pem --etcd-cert c.pem --etcd-key c-key.pem
            """)

    @OptionGroup var folder: FolderOption
    @OptionGroup var log: LogOptions
    @Option(help: "Which replica this node is on etcd: primary, backup or third (alone: primary).")
    var role: PairRole = .primary
    @Option(name: .long, help: .hidden) var parentPid: Int32?
    @Option(name: .long, help: "Messages queued for one party before it is caught up from the log instead.")
    var sendHighWaterMark: Int32 = 20_000
    @Option(
        name: .long, help: "A party further behind than this many updates gets a snapshot instead of the log."
    )
    var catchUpLimit: UInt64 = 10_000
    @Option(
        name: .long,
        help: "Messages per second one organisation may send; beyond that (and the burst) E500 rateLimited.")
    var peerMessageRate: Double = 2_000
    @Option(name: .long, help: "Messages one organisation may send at once before its rate applies.")
    var peerMessageBurst: Double = 4_000
    @Option(
        name: .long,
        help:
            "Messages of one organisation waiting to be decided; more are refused as they are read (E500 rateLimited)."
    )
    var backlogPerOrganisation: Int = 1_024
    @Option(
        name: .long,
        help: "etcd members' client URLs, comma-separated: run as one replica on etcd.")
    var etcd: String?
    @Option(name: .long, help: "The network's name in etcd's keys (/knooppunt/NAME/...), with --etcd.")
    var etcdNetwork: String = "NL"
    @OptionGroup var etcdTLS: EtcdTLSOptions
    @Option(
        name: .long,
        help: "Seconds between looks for signals whose retention ended (their content is then deleted).")
    var signalExpiryInterval: Int = 10
    @Option(
        name: .long,
        help:
            "Seconds between writes of audit rows that no batch of reports carries (deliveries, refusal counts); a clean stop writes them at once."
    )
    var auditFlushSeconds: Int = 1

    func validate() throws {
        guard peerMessageRate > 0, peerMessageBurst >= 1 else {
            throw ValidationError("--peer-message-rate must be above 0 and --peer-message-burst at least 1")
        }
        guard (1...3_600).contains(auditFlushSeconds) else {
            throw ValidationError("--audit-flush-seconds must be 1…3600")
        }
        guard (1...3_600).contains(signalExpiryInterval) else {
            throw ValidationError("--signal-expiry-interval must be 1…3600 seconds")
        }
        guard backlogPerOrganisation >= 1 else {
            throw ValidationError("--backlog-per-organisation must be at least 1")
        }
        guard QuorumOptions.isValidNetworkName(etcdNetwork) else {
            throw ValidationError("--etcd-network must be one non-empty path segment (no '/')")
        }
        guard etcdEndpoints.map({ !$0.isEmpty }) ?? true else {
            throw ValidationError("--etcd needs at least one member URL, e.g. http://127.0.0.1:2379")
        }
        guard role == .primary || etcd != nil else {
            throw ValidationError(
                "--role \(role.rawValue) runs only as a replica on etcd: add --etcd URL,URL,… (the pair without etcd is retired)"
            )
        }
    }

    var etcdEndpoints: [String]? {
        etcd.map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "knooppunt.node.\(role.rawValue)")
        let network = try folder.network()
        guard network.node(role) != nil else {
            throw ValidationError("\(folder.folder.networkFile.path) has no \(role.rawValue) node")
        }
        let nodeFolder = folder.folder.folder(of: role)
        try DataFolder.makeOwnerOnly(nodeFolder)
        let lock = try LockFile(folder.folder.lockFile(in: nodeFolder))
        var options = NodeOptions(folder: folder.folder, network: network, logger: logger)
        options.role = role
        options.sendHighWaterMark = sendHighWaterMark
        options.catchUpLimit = catchUpLimit
        options.peerMessageRate = peerMessageRate
        options.peerMessageBurst = peerMessageBurst
        options.backlogPerOrganisation = backlogPerOrganisation
        options.signalExpiryInterval = .seconds(signalExpiryInterval)
        options.auditFlushInterval = .seconds(auditFlushSeconds)
        if let endpoints = etcdEndpoints {
            var quorum = QuorumOptions(endpoints: endpoints, networkName: etcdNetwork)
            quorum.tls = try etcdTLS.material(folder.folder, role: role, endpoints: endpoints)
            try EtcdTLSOptions.checkValidity(quorum.tls, logger: logger)
            options.quorum = quorum
        }
        let server = try NodeServer(options: options)
        // SIGHUP: read network.json and the policy again now (a rotated key, an edited policy).
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler { server.reload() }
        reload.resume()
        defer { reload.cancel() }
        try await ServiceRunner.run(
            DaemonService(
                start: { try server.start() }, drain: { await server.drain() }, stop: { server.stop() }),
            parentPID: parentPid,
            logger: logger)
        withExtendedLifetime(lock) {}
    }
}
