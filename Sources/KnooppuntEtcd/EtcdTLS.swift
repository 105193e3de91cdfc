import AsyncHTTPClient
import Foundation
import NIOSSL
import Synchronization

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

    /// The lowest TLS version offered; etcd 3.4 speaks 1.2 and 1.3.
    public static let minimumVersion = TLSVersion.tlsv12

    /// The client configuration: full verification of the member's certificate (chain to the
    /// CA and the host name in its subject alternative names), our certificate offered.
    public func configuration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = Self.minimumVersion
        configuration.certificateVerification = .fullVerification
        do {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(authorityFile))
        } catch {
            throw EtcdError(.tlsMaterial, "the etcd CA certificate \(authorityFile) cannot be read: \(error)")
        }
        do {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map {
                .certificate($0)
            }
        } catch {
            throw EtcdError(
                .tlsMaterial, "the etcd client certificate \(certificateFile) cannot be read: \(error)")
        }
        do {
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        } catch {
            throw EtcdError(.tlsMaterial, "the etcd client key \(keyFile) cannot be read: \(error)")
        }
        return configuration
    }

    /// One HTTP client per TLS material for the process's life: its pooled connections keep
    /// their handshakes, and a client never shut down is never torn down under a running call
    /// (the same reason AsyncHTTPClient's own shared client lives forever). A process uses one
    /// or two materials, so the table stays small.
    private static let clients = Mutex<[EtcdTLS: HTTPClient]>([:])

    /// The HTTP client that speaks TLS with this material (made once, then shared).
    public func httpClient() throws -> HTTPClient {
        if let client = Self.clients.withLock({ $0[self] }) { return client }
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.tlsConfiguration = try self.configuration()
        return Self.clients.withLock { table in
            if let client = table[self] { return client }
            let client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            table[self] = client
            return client
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
