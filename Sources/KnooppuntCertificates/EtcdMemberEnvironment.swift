import Foundation
import KnooppuntConfig

/// The host-specific settings of one etcd member and its replica, as a systemd environment
/// file (`keys/etcd/member-NAME.env`): the deployment's units are the same on every host and
/// take the member's name, URLs, the initial cluster and the replicas' `--etcd` from it.
/// Written by `keys init` from the hosts file (again on every run: addresses may change, like
/// network.json's), exported with the member's certificates.
public enum EtcdMemberEnvironment {
    /// The token that keeps a new member from joining another deployment's cluster by mistake.
    public static let clusterToken = "knooppunt-NL"
    /// The port of a member's `/health` and `/metrics`, on loopback only and without TLS (the
    /// client port needs a client certificate): one above the peer port.
    public static func metricsPort(_ member: EtcdMemberHost) -> Int { member.peerPort + 1 }

    /// The file's text for `member` among `members`. The variables do not start with `ETCD_`:
    /// etcd reads those itself and refuses one that a flag also sets.
    public static func text(for member: EtcdMemberHost, in members: [EtcdMemberHost]) -> String {
        let listen = member.listen == "*" ? "0.0.0.0" : member.listen
        let lines = [
            "# etcd member \(member.name) and its replica; written by `knooppunt keys init`.",
            "KNOOPPUNT_ETCD_NAME=\(member.name)",
            "KNOOPPUNT_ETCD_LISTEN_CLIENT=https://\(listen):\(member.clientPort)",
            "KNOOPPUNT_ETCD_ADVERTISE_CLIENT=\(member.clientURL)",
            "KNOOPPUNT_ETCD_LISTEN_PEER=https://\(listen):\(member.peerPort)",
            "KNOOPPUNT_ETCD_ADVERTISE_PEER=\(member.peerURL)",
            "KNOOPPUNT_ETCD_METRICS=http://127.0.0.1:\(metricsPort(member))",
            "KNOOPPUNT_ETCD_INITIAL_CLUSTER="
                + members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ","),
            "KNOOPPUNT_ETCD_ENDPOINTS=" + members.map(\.clientURL).joined(separator: ","),
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}

extension EtcdTLSFiles {
    public func memberEnvironment(_ name: String) -> URL {
        folder.appendingPathComponent("member-\(name).env")
    }

    /// Writes every member's environment file (owner-only like the rest of the folder).
    public func writeEnvironments(for hosts: HostsFile) throws {
        try DataFolder.makeOwnerOnly(folder)
        for member in hosts.etcdMembers {
            let text = EtcdMemberEnvironment.text(for: member, in: hosts.etcdMembers)
            try DataFolder.writeSecret(Data(text.utf8), to: memberEnvironment(member.name))
        }
    }
}
