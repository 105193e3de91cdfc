import ArgumentParser
import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntEtcd
import KnooppuntProtocol
import Logging

/// How a replica finds its TLS material for `https://` etcd members: the three options, or
/// else its data folder's DIR/keys/etcd (what `knooppunt keys export node --replica ROLE`
/// wrote): ca.pem, client-ROLE.pem and client-ROLE-key.pem.
struct EtcdTLSOptions: ParsableArguments {
    @Option(
        name: .customLong("etcd-ca"),
        help: ArgumentHelp(
            "The deployment's etcd CA certificate (PEM); default DIR/keys/etcd/ca.pem with https:// members.",
            valueName: "file"))
    var authority: String?
    @Option(
        name: .customLong("etcd-cert"),
        help: ArgumentHelp(
            "This replica's etcd client certificate; default DIR/keys/etcd/client-ROLE.pem.",
            valueName: "file"))
    var certificate: String?
    @Option(
        name: .customLong("etcd-key"),
        help: ArgumentHelp(
            "Its private key (owner-only); default DIR/keys/etcd/client-ROLE-key.pem.", valueName: "file"))
    var key: String?

    /// The material for `endpoints`, checked: nil for loopback `http://` members without
    /// options; refused when a member would be reached in the clear off this machine or the
    /// files cannot be read.
    func material(_ data: DataFolder, role: PairRole, endpoints: [String]) throws -> EtcdTLS? {
        let given = [authority, certificate, key].compactMap { $0 }
        var tls: EtcdTLS?
        if !given.isEmpty {
            guard let authority, let certificate, let key else {
                throw ValidationError("--etcd-ca, --etcd-cert and --etcd-key go together")
            }
            tls = EtcdTLS(authorityFile: authority, certificateFile: certificate, keyFile: key)
        } else if endpoints.contains(where: { $0.lowercased().hasPrefix("https://") }) {
            let files = EtcdTLSFiles(data)
            guard files.exists else {
                throw ValidationError(
                    "https:// etcd members need TLS material: \(files.authorityCertificate.path) is missing (`knooppunt keys export node --replica \(role.rawValue)`), or give --etcd-ca, --etcd-cert and --etcd-key"
                )
            }
            tls = EtcdTLS(
                authorityFile: files.authorityCertificate.path,
                certificateFile: files.clientCertificate(role.rawValue).path,
                keyFile: files.clientKey(role.rawValue).path)
        }
        do {
            try EtcdTLS.check(endpoints: endpoints, tls: tls)
            try tls?.validate()
        } catch let error as EtcdError {
            throw ValidationError(error.description)
        }
        return tls
    }

    /// The CA and client certificates of `tls`, checked for their dates: an ended one, or one
    /// not valid yet, refuses the start with what to do; one ending within
    /// ``EtcdCertificateValidity/warningPeriod`` is logged as a warning.
    static func checkValidity(_ tls: EtcdTLS?, logger: Logger, now: Date = Date()) throws {
        guard let tls else { return }
        for path in [tls.authorityFile, tls.certificateFile] {
            let finding: EtcdCertificateValidity.Finding
            do {
                finding = try EtcdCertificateValidity.check(URL(fileURLWithPath: path), now: now)
            } catch let error as EtcdCertificateError {
                throw ValidationError(error.description)
            }
            switch finding {
            case .valid: continue
            case .endsSoon(let end):
                logger.warning(
                    "an etcd certificate ends soon: renew it with `knooppunt keys rotate --etcd` and roll it out (deploy/README.md)",
                    metadata: ["file": "\(path)", "ends": "\(EtcdCertificateValidity.day(end))"])
            case .ended(let end):
                throw ValidationError(
                    "\(path) ended on \(EtcdCertificateValidity.day(end)); etcd refuses it. Renew with `knooppunt keys rotate --etcd` on the administrator's machine and install the host's new keys/etcd/ files (deploy/README.md)"
                )
            case .notYetValid(let start):
                throw ValidationError(
                    "\(path) is valid only from \(start); is this host's clock right?")
            }
        }
    }
}
