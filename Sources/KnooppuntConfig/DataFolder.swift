import Foundation
import KnooppuntDomain
import KnooppuntProtocol

/// The layout of a network's data folder (`--dir`, default `./var`): the public network
/// configuration, the secret keys, and one owner-only folder per process with its store,
/// lock file, local socket and log.
///
/// ```
/// DIR/network.json            endpoints and public keys (no secrets)
/// DIR/keys/ORG.json           an organisation's secret keys (0600, folder 0700)
/// DIR/keys/node-server.json   the node's CURVE server key (0600)
/// DIR/node/                   store.sqlite, control.ipc, lock, node.log
/// DIR/VR09/                   store.sqlite, operator.ipc, lock, daemon.log
/// ```
public struct DataFolder: Sendable {
    public let root: URL

    public init(_ path: String) {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    public var networkFile: URL { root.appendingPathComponent("network.json") }
    public var keysFolder: URL { root.appendingPathComponent("keys", isDirectory: true) }
    public func keyFile(_ organisation: OrganisationCode) -> URL {
        keysFolder.appendingPathComponent("\(organisation).json")
    }
    public var nodeServerKeyFile: URL { keysFolder.appendingPathComponent("node-server.json") }

    /// The primary node's folder (`node`); the backup's is `node-backup`, a third replica's
    /// `node-third`.
    public var nodeFolder: URL { folder(of: .primary) }
    public func folder(of role: PairRole) -> URL {
        root.appendingPathComponent(role == .primary ? "node" : "node-\(role.rawValue)", isDirectory: true)
    }
    public func daemonFolder(_ organisation: OrganisationCode) -> URL {
        root.appendingPathComponent(organisation.rawValue, isDirectory: true)
    }

    /// The primary node's store.
    public var nodeStore: URL { store(of: .primary) }
    public func store(of role: PairRole) -> URL { folder(of: role).appendingPathComponent("store.sqlite") }
    /// `ipc://` endpoint of the primary node's local status socket.
    public var nodeControlEndpoint: String { controlEndpoint(of: .primary) }
    public func controlEndpoint(of role: PairRole) -> String {
        "ipc://" + folder(of: role).appendingPathComponent("control.ipc").path
    }
    public func daemonStore(_ organisation: OrganisationCode) -> URL {
        daemonFolder(organisation).appendingPathComponent("store.sqlite")
    }
    /// `ipc://` endpoint where operators' tools hand a daemon their documents.
    public func operatorEndpoint(_ organisation: OrganisationCode) -> String {
        "ipc://" + daemonFolder(organisation).appendingPathComponent("operator.ipc").path
    }
    public func lockFile(in folder: URL) -> URL { folder.appendingPathComponent("lock") }
    public var clusterLockFile: URL { root.appendingPathComponent("cluster.lock") }

    /// Creates a folder readable by its owner only (0700), including missing parents.
    public static func makeOwnerOnly(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        guard chmod(url.path, 0o700) == 0 else {
            throw ConfigError("cannot restrict \(url.path) to its owner: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a file readable by its owner only (0600), atomically.
    public static func writeSecret(_ data: Data, to url: URL) throws {
        let temporary = url.appendingPathExtension("tmp")
        guard
            FileManager.default.createFile(
                atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600])
        else { throw ConfigError("cannot write \(temporary.path)") }
        guard rename(temporary.path, url.path) == 0 else {
            throw ConfigError("cannot move \(temporary.path) into place: \(String(cString: strerror(errno)))")
        }
    }
}

/// A configuration problem a person has to fix; the message says what and where.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// A stable name for the kind of mistake (e.g. `hosts.badPort`), where one is given.
    public let code: String?
    public init(_ message: String, code: String? = nil) {
        self.message = message
        self.code = code
    }
    public var description: String { code.map { "\(message) [\($0)]" } ?? message }
}
