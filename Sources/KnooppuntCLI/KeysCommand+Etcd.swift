import ArgumentParser
import Foundation
import KnooppuntCertificates
import KnooppuntConfig

// etcd's TLS material in `keys init` and `keys export`: made beside the other keys for three
// replicas, handed to each replica's host for its own member and replica only.
extension KeysInitCommand {
    /// The name in the deployment's etcd CA certificate.
    static let authorityName = "Knooppunt NL"

    /// Makes what is missing of the etcd material when the hosts file names three replicas;
    /// nil for one node alone (no etcd).
    func prepareEtcdMaterial(_ file: HostsFile, _ data: DataFolder) throws -> EtcdTLSFiles.Outcome? {
        guard !file.etcdMembers.isEmpty else { return nil }
        do {
            return try EtcdTLSFiles(data).prepare(for: file, authorityName: Self.authorityName)
        } catch let error as EtcdCertificateError {
            throw ValidationError(error.description)
        }
    }

    func printEtcdMaterial(_ outcome: EtcdTLSFiles.Outcome, _ file: HostsFile) {
        let path = EtcdTLSFiles(folder.folder).folder.path
        print(
            "etcd TLS: \(path) (owner-only): \(outcome.created.count) files made, \(outcome.kept.count) kept; certificates valid \(Int(EtcdAuthority.certificateValidity / 86_400)) days"
        )
        for member in file.etcdMembers {
            print(
                "  etcd member \(member.name): \(member.clientURL) (peers \(member.peerURL)), names \(member.certificateNames.joined(separator: ", "))"
            )
        }
        print("  the replicas' --etcd: \(file.etcdMembers.map(\.clientURL).joined(separator: ","))")
    }
}

extension KeysExportCommand {
    /// `--replica` is needed exactly when the folder holds etcd material.
    func checkReplica(_ data: DataFolder) throws {
        let files = EtcdTLSFiles(data)
        if files.exists, replica == nil {
            throw ValidationError(
                "\(data.root.path) holds etcd TLS material: name the host's replica with --replica primary, backup or third"
            )
        }
        if !files.exists, let replica {
            throw ValidationError(
                "--replica \(replica.rawValue): \(data.root.path) holds no etcd material (the hosts file named no third replica)"
            )
        }
    }

    /// Copies the replica's etcd files into the new folder; their names under keys/.
    func exportEtcdMaterial(_ data: DataFolder, to target: DataFolder) throws -> [String] {
        guard let replica else { return [] }
        do {
            return try EtcdTLSFiles(data).export(replica.rawValue, to: EtcdTLSFiles(target))
        } catch let error as EtcdCertificateError {
            throw ValidationError(error.description)
        }
    }
}

extension KeysRotateCommand {
    /// `keys rotate --etcd`: every member's and replica's certificate anew, the CA kept.
    func rotateEtcd() throws {
        let file = try HostsFile.load(from: URL(fileURLWithPath: hosts ?? ""))
        guard !file.etcdMembers.isEmpty else {
            throw ValidationError(
                "\(hosts ?? "") names no third replica: one node alone has no etcd to rotate")
        }
        let files = EtcdTLSFiles(folder.folder)
        let rotation: EtcdTLSFiles.Rotation
        do {
            rotation = try files.rotate(for: file)
        } catch let error as EtcdCertificateError {
            throw ValidationError(error.description)
        }
        let names = file.etcdMembers.map(\.name)
        let until = EtcdCertificateValidity.day(rotation.validUntil)
        print(
            "etcd TLS: new certificates and keys for members and replicas \(names.joined(separator: ", ")) in \(files.folder.path) (owner-only), valid until \(until); the CA stays"
        )
        print("  the files they replace: \(rotation.retired.path)")
        print("next, one replica host at a time (old and new trust each other: same CA):")
        print(
            "  1. knooppunt keys export node --replica ROLE --dir \(folder.dir) --to FOLDER; install FOLDER/keys/etcd/ on the host"
        )
        print("  2. systemctl restart knooppunt-etcd@ROLE; wait for curl -s http://127.0.0.1:2381/health")
        print("  3. systemctl restart knooppunt-replica@ROLE")
    }
}
