import Foundation
import GRPCNIOTransportHTTP2Posix
import NIOSSL

/// The files that make the node's calls to etcd TLS: the deployment's CA certificate (the
/// only authority whose members are believed) and this replica's client certificate and key
/// (etcd started with `--client-cert-auth` refuses a caller without one it signed). Made by
/// `knooppunt keys init` (DIR/keys/etcd).
public struct EtcdTLS: Sendable, Hashable {
    public var authorityFile: String
    public var certificateFile: String
    public var keyFile: String

    public init(authorityFile: String, certificateFile: String, keyFile: String) {
        self.authorityFile = authorityFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// Reads the three files once, so missing or unreadable material is reported with a clear
    /// ``EtcdError/Code/tlsMaterial`` before the first call instead of as a failed connection.
    public func validate() throws {
        do {
            _ = try NIOSSLCertificate.fromPEMFile(authorityFile)
        } catch {
            throw EtcdError(.tlsMaterial, "the etcd CA certificate \(authorityFile) cannot be read: \(error)")
        }
        do {
            _ = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw EtcdError(
                .tlsMaterial, "the etcd client certificate \(certificateFile) cannot be read: \(error)")
        }
        do {
            _ = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw EtcdError(.tlsMaterial, "the etcd client key \(keyFile) cannot be read: \(error)")
        }
    }

    /// gRPC's TLS for the members: full verification of the member's certificate (chain to the
    /// deployment's CA, and the host name or address in its subject alternative names), our
    /// certificate offered.
    var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        .mTLS(
            certificateChain: [.file(path: certificateFile, format: .pem)],
            privateKey: .file(path: keyFile, format: .pem)
        ) { tls in
            tls.trustRoots = .certificates([.file(path: authorityFile, format: .pem)])
            tls.serverCertificateVerification = .fullVerification
        }
    }

    /// Refuses member URLs that would carry the log in the clear off this machine: `http://`
    /// only to a loopback address, `https://` only with TLS material.
    public static func check(endpoints: [String], tls: EtcdTLS?) throws {
        for endpoint in endpoints {
            guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host
            else {
                throw EtcdError(.insecure, "\(endpoint) is not a URL like https://host:2379")
            }
            switch scheme {
            case "http":
                guard isLoopback(host) else {
                    throw EtcdError(
                        .insecure,
                        "\(endpoint): plain HTTP is for loopback only; use https:// with the deployment's etcd certificates"
                    )
                }
            case "https":
                guard tls != nil else {
                    throw EtcdError(
                        .insecure, "\(endpoint) needs TLS material: the CA, a client certificate and its key")
                }
            default:
                throw EtcdError(.insecure, "\(endpoint): use https:// (or http:// on loopback)")
            }
        }
    }

    /// 127.0.0.0/8, ::1 or localhost (an address, not a name that merely starts with 127.).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, bare, &v6) == 1 else { return false }
        return withUnsafeBytes(of: &v6) { Array($0) } == Array(repeating: 0, count: 15) + [1]
    }
}
