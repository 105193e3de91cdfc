import ArgumentParser
import Foundation
import KnooppuntConfig
import KnooppuntDomain

/// Keys for a real deployment: generated once on an administrator's machine, then each host
/// gets the shared network.json and only its own secret.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate a deployment's keys and hand each host what it needs.",
        discussion: """
            `keys init` generates, for every organisation, a CURVE key pair and an Ed25519 signing \
            key, and the node pair's CURVE server key; secrets go to DIR/keys (owner-only, 0600), \
            public keys into DIR/network.json with the node addresses from the hosts file. Existing \
            keys are kept, never overwritten. `keys export` writes the folder one host needs: \
            network.json and that host's secret key, nothing else. See deploy/README.md.
            """,
        subcommands: [KeysInitCommand.self, KeysExportCommand.self])
}

struct KeysInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate every key of a deployment and its network.json.",
        discussion: """
            Example:
              knooppunt keys init --hosts deploy/network.example.yaml --dir ./deployment
            """)

    @Option(help: "Where the node pair runs (YAML or JSON; see deploy/network.example.yaml).")
    var hosts: String

    @OptionGroup var folder: FolderOption

    func run() throws {
        let file = try HostsFile.load(from: URL(fileURLWithPath: hosts))
        let data = folder.folder
        let existing = OrganisationCode.all.filter {
            FileManager.default.fileExists(atPath: data.keyFile($0).path)
        }.count
        let network = try data.prepareNetwork(
            primary: file.primary, backup: file.backup, chpHost: file.chpHost)
        let created = OrganisationCode.all.count - existing
        print("network: \(data.networkFile.path)")
        print("  primary node: \(network.primary.endpoint) (pair \(network.primary.pairEndpoint))")
        if let backup = network.backup {
            print("  backup node:  \(backup.endpoint) (pair \(backup.pairEndpoint))")
        } else {
            print("  no backup node: the primary serves alone")
        }
        print(
            "keys: \(data.keysFolder.path) (owner-only): \(created) organisations' keys generated, \(existing) kept"
        )
        print(
            "next: `knooppunt keys export HOST --dir \(folder.dir) --to FOLDER` for each host (node, NATIONAL, VR01…)"
        )
    }
}

struct KeysExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the folder one host needs: network.json and its own secret key.",
        discussion: """
            HOST is `node` (both nodes of the pair: the server key), NATIONAL (the desk and \
            `watch`), NCTV, POLICE or a region VR01…VR25. Copy the folder to the host as its data \
            folder (e.g. /var/lib/knooppunt) over a channel you trust; it holds a secret.

            Example:
              knooppunt keys export VR09 --dir ./deployment --to ./hosts/vr09
            """)

    @Argument(help: "node, NATIONAL, NCTV, POLICE or VR01…VR25.")
    var host: String

    @OptionGroup var folder: FolderOption

    @Option(help: "The folder to write (created owner-only; must not exist yet).")
    var to: String

    func run() throws {
        let data = folder.folder
        let secret: URL
        if host.lowercased() == "node" {
            secret = data.nodeServerKeyFile
        } else if let code = OrganisationCode(host.uppercased()) {
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
        print("\(target.root.path): network.json and keys/\(secret.lastPathComponent) (owner-only)")
    }
}
