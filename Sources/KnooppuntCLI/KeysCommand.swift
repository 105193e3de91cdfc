import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntProtocol

/// Keys for a real deployment: generated once on an administrator's machine, then each host
/// gets the shared network.json and only its own secret.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate a deployment's keys and hand each host what it needs.",
        discussion: """
            `keys init` generates, for every organisation, a CURVE key pair and an Ed25519 signing \
            key, and the national node's CURVE server key; secrets go to DIR/keys (owner-only, 0600), \
            public keys into DIR/network.json with the node addresses from the hosts file. Existing \
            keys are kept, never overwritten. With three replicas (primary, backup, third) it also \
            makes etcd's TLS material in DIR/keys/etcd: the deployment's etcd CA (ECDSA P-256), one \
            certificate per etcd member (server and peer use, for its host's names and addresses) \
            and one client certificate per replica. `keys export` writes the folder one host needs: \
            network.json and that host's secret key, nothing else; a replica's host also gets the CA \
            certificate and its own member's and replica's certificates and keys. `keys rotate ORG` replaces one \
            organisation's keys while the network runs; `keys rotate --etcd` renews etcd's member and \
            replica certificates from the same CA. See deploy/README.md.
            """,
        subcommands: [KeysInitCommand.self, KeysExportCommand.self, KeysRotateCommand.self])
}

struct KeysInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate every key of a deployment and its network.json.",
        discussion: """
            Example:
              knooppunt keys init --hosts deploy/network.example.yaml --dir ./deployment
            """)

    @Option(
        help:
            "Where the national node runs: three replicas, or one node alone (YAML or JSON; see deploy/network.example.yaml)."
    )
    var hosts: String

    @OptionGroup var folder: FolderOption

    func run() throws {
        let file = try HostsFile.load(from: URL(fileURLWithPath: hosts))
        let data = folder.folder
        let existing = OrganisationCode.all.filter {
            FileManager.default.fileExists(atPath: data.keyFile($0).path)
        }.count
        let network = try data.prepareNetwork(
            primary: file.primary, backup: file.backup, third: file.third, chpHost: file.chpHost)
        let created = OrganisationCode.all.count - existing
        let tls = try prepareEtcdMaterial(file, data)
        print("network: \(data.networkFile.path)")
        print("  primary node: \(network.primary.endpoint)")
        if let backup = network.backup, let third = network.third {
            print("  backup replica: \(backup.endpoint)")
            print("  third replica: \(third.endpoint) (every replica runs with --etcd)")
        } else {
            print("  no replicas: the primary serves alone, without etcd")
        }
        print(
            "keys: \(data.keysFolder.path) (owner-only): \(created) organisations' keys generated, \(existing) kept"
        )
        if let tls { printEtcdMaterial(tls, file) }
        print(
            "next: `knooppunt keys export HOST --dir \(folder.dir) --to FOLDER` for each host (node\(tls == nil ? "" : " --replica ROLE"), NATIONAL, VR01…)"
        )
    }
}

struct KeysExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the folder one host needs: network.json and its own secret key.",
        discussion: """
            HOST is `node` (the national node: the server key), NATIONAL (the desk and \
            `watch`), NCTV, POLICE or a region VR01…VR25. For the replicas on etcd, `node \
            --replica ROLE` adds keys/etcd/: the CA certificate (not its key) and that host's \
            member's and replica's certificates and keys, no other host's. Copy the folder to the host as its data \
            folder (e.g. /var/lib/knooppunt) over a channel you trust; it holds a secret.

            Example:
              knooppunt keys export VR09 --dir ./deployment --to ./hosts/vr09
              knooppunt keys export node --replica backup --dir ./deployment --to ./hosts/knooppunt-b
            """)

    @Argument(help: "node, NATIONAL, NCTV, POLICE or VR01…VR25.")
    var host: String

    @OptionGroup var folder: FolderOption

    @Option(help: "The folder to write (created owner-only; must not exist yet).")
    var to: String

    @Option(help: "With node, on etcd: this host's replica and etcd member (primary, backup or third).")
    var replica: PairRole?

    func run() throws {
        let data = folder.folder
        let secret: URL
        let isNode = host.lowercased() == "node"
        if isNode {
            secret = data.nodeServerKeyFile
            try checkReplica(data)
        } else if replica != nil {
            throw ValidationError("--replica goes with node only")
        } else if let code = OrganisationCode.inNetwork(host.uppercased()) {
            secret = data.keyFile(code)
        } else {
            throw ValidationError("\(host): use node, NATIONAL, NCTV, POLICE or a region code VR01…VR25")
        }
        guard FileManager.default.fileExists(atPath: data.networkFile.path),
            FileManager.default.fileExists(atPath: secret.path)
        else {
            throw ValidationError("no keys in \(data.root.path): run `knooppunt keys init` first")
        }
        let target = DataFolder(to)
        guard !FileManager.default.fileExists(atPath: target.root.path) else {
            throw ValidationError("\(target.root.path) exists already; export into a new folder")
        }
        try DataFolder.makeOwnerOnly(target.root)
        try DataFolder.makeOwnerOnly(target.keysFolder)
        try FileManager.default.copyItem(at: data.networkFile, to: target.networkFile)
        let copy = target.keysFolder.appendingPathComponent(secret.lastPathComponent)
        try DataFolder.writeSecret(try Data(contentsOf: secret), to: copy)
        let etcdFiles = try exportEtcdMaterial(data, to: target)
        let files = ["keys/\(secret.lastPathComponent)"] + etcdFiles.map { "keys/\($0)" }
        print("\(target.root.path): network.json and \(files.joined(separator: ", ")) (owner-only)")
    }
}

struct KeysRotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace one organisation's keys, or etcd's certificates, without stopping the network.",
        discussion: """
            Generates a new CURVE key pair and signing key for ORG, writes the secret to \
            DIR/keys/ORG.json (owner-only) and the public keys to DIR/network.json; the old signing \
            key stays listed as retired, so the reports it signed keep verifying. Then:
              1. copy network.json to both node hosts (and every other host); a node reloads it \
            within seconds (or at once on SIGHUP), admits the new CURVE key, refuses the old one \
            (E303 retiredKey on a connection made with it) and writes the change to its audit log;
              2. `knooppunt keys export ORG --to FOLDER` and install the new secret on ORG's host, \
            then restart its daemon. Its queued reports stay queued meanwhile and go out after. \
            The other daemons read the new network.json within seconds, so their mirrors verify \
            reports signed with the new key. Nobody else's keys change.

            With --etcd instead of ORG (replicas on etcd): new certificates and keys for every etcd \
            member and every replica, from the deployment's etcd CA, which stays; the old files move \
            to DIR/keys/etcd/retired-TIME/. Old and new are signed by the same CA, so the hosts \
            switch one at a time while the quorum keeps committing: export the host's folder again \
            (`keys export node --replica ROLE`), install its keys/etcd/ files, restart its etcd \
            member, wait until it is healthy, restart its replica, then the next host.

            Examples:
              knooppunt keys rotate VR09 --dir ./deployment
              knooppunt keys rotate --etcd --hosts deploy/network.example.yaml --dir ./deployment
            """)

    @Argument(help: "The organisation: NATIONAL, NCTV, POLICE or VR01…VR25 (not with --etcd).")
    var organisation: OrganisationCode?

    @Flag(help: "Renew etcd's member and replica certificates instead (replicas on etcd).")
    var etcd = false

    @Option(help: "With --etcd: the hosts file `keys init` read (the members' names and addresses).")
    var hosts: String?

    @OptionGroup var folder: FolderOption

    func validate() throws {
        switch (organisation, etcd) {
        case (nil, false): throw ValidationError("name the organisation (e.g. VR09), or give --etcd")
        case (_?, true): throw ValidationError("give an organisation or --etcd, not both")
        case (nil, true) where hosts == nil:
            throw ValidationError("--etcd needs --hosts: the hosts file that `keys init` read")
        case (_?, false) where hosts != nil: throw ValidationError("--hosts goes with --etcd only")
        default: break
        }
    }

    func run() throws {
        guard let organisation else {
            try rotateEtcd()
            return
        }
        let rotation = try folder.folder.rotateKeys(of: organisation)
        print("\(organisation): new keys in \(folder.folder.keyFile(organisation).path) (owner-only)")
        print("  CURVE public key \(rotation.previous.curvePublicKey) -> \(rotation.current.curvePublicKey)")
        print(
            "  retired signing keys kept for verification: \(rotation.current.retiredSigningPublicKeys.count)"
        )
        print(
            "next: copy \(folder.folder.networkFile.path) to the node hosts, then install \(organisation)'s new secret"
        )
    }
}
