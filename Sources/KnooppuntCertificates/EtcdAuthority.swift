import Crypto
import Foundation
import SwiftASN1
import X509

/// The private certificate authority of one deployment's etcd: it signs one certificate per
/// etcd member (server and peer use) and one per node replica (client use), and etcd trusts
/// only what it signed (`--trusted-ca-file`, `--client-cert-auth`). ECDSA P-256 throughout:
/// what etcd's Go TLS and the node's BoringSSL both verify quickly.
public struct EtcdAuthority {
    /// How long the authority's own certificate is valid. Longer than every certificate it
    /// signs, so renewing a member's certificate never needs a new authority.
    public static let authorityValidity: TimeInterval = 10 * 365 * 24 * 3_600
    /// How long a member's or a replica's certificate is valid; `keys init` on an existing
    /// folder keeps them, and `keys rotate --etcd` renews them (``EtcdTLSFiles/rotate(for:now:)``).
    public static let certificateValidity: TimeInterval = 2 * 365 * 24 * 3_600
    /// How far into the past a new certificate is valid from: hosts whose clocks run a little
    /// behind the administrator's still accept it at once.
    public static let clockSkewAllowance: TimeInterval = 3_600
    /// Random bytes in a serial number (RFC 5280 allows up to 20 octets).
    static let serialNumberBytes = 16

    public let certificate: Certificate
    let key: P256.Signing.PrivateKey

    /// A new authority with a fresh key, named `name` (e.g. the network's name).
    public static func generate(name: String, now: Date = Date()) throws -> EtcdAuthority {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Knooppunt")
            CommonName("\(name) etcd CA")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let certificate = try Certificate(
            version: .v3, serialNumber: randomSerialNumber(), publicKey: publicKey,
            notValidBefore: now - clockSkewAllowance, notValidAfter: now + authorityValidity,
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return EtcdAuthority(certificate: certificate, key: key)
    }

    /// The authority from its two PEM files' text (`ca.pem`, `ca-key.pem`).
    public init(certificatePEM: String, keyPEM: String) throws {
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
        } catch {
            throw EtcdCertificateError(
                .malformed, "the etcd CA certificate is not a PEM certificate: \(error)")
        }
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        } catch {
            throw EtcdCertificateError(.malformed, "the etcd CA key is not a P-256 PEM key: \(error)")
        }
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw EtcdCertificateError(.keyMismatch, "the etcd CA key does not belong to its certificate")
        }
    }

    init(certificate: Certificate, key: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.key = key
    }

    public var certificatePEM: String { get throws { try certificate.serializeAsPEM().pemString } }
    public var keyPEM: String { key.pemRepresentation }

    /// An etcd member's certificate: server use for its clients and both uses for its peers
    /// (a member dials the others with it), valid for every name in `names` (host names and
    /// addresses the others and the replicas reach it by).
    public func issueMember(name: String, names: [String], now: Date = Date()) throws -> IssuedCertificate {
        guard !names.isEmpty else {
            throw EtcdCertificateError(
                .noNames, "etcd member \(name) needs at least one host name or address")
        }
        return try issue(
            commonName: "etcd member \(name)", usages: [.serverAuth, .clientAuth],
            alternativeNames: try names.map(Self.generalName), now: now)
    }

    /// A node replica's client certificate: it proves the replica to etcd, nothing else.
    public func issueClient(name: String, now: Date = Date()) throws -> IssuedCertificate {
        try issue(
            commonName: "knooppunt replica \(name)", usages: [.clientAuth], alternativeNames: [], now: now)
    }

    func issue(
        commonName: String, usages: [ExtendedKeyUsage.Usage], alternativeNames: [GeneralName], now: Date
    ) throws -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = try DistinguishedName {
            OrganizationName("Knooppunt")
            CommonName(commonName)
        }
        let authorityKeyIdentifier = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let notAfter = min(now + Self.certificateValidity, certificate.notValidAfter)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage(usages)
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
            if !alternativeNames.isEmpty { SubjectAlternativeNames(alternativeNames) }
        }
        let issued = try Certificate(
            version: .v3, serialNumber: Self.randomSerialNumber(), publicKey: publicKey,
            notValidBefore: now - Self.clockSkewAllowance, notValidAfter: notAfter,
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(self.key))
        return IssuedCertificate(certificate: issued, key: key)
    }

    /// A host name or an IPv4/IPv6 address (brackets allowed) as a subject alternative name.
    static func generalName(_ text: String) throws -> GeneralName {
        let bare = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v4) { ArraySlice($0) }))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: withUnsafeBytes(of: &v6) { ArraySlice($0) }))
        }
        guard !bare.isEmpty, bare.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
            throw EtcdCertificateError(.badName, "\(text) is neither a host name nor an address")
        }
        return .dnsName(bare.lowercased())
    }

    static func randomSerialNumber() -> Certificate.SerialNumber {
        var bytes = (0..<serialNumberBytes).map { _ in UInt8.random(in: 0...255) }
        // Positive and without a leading zero octet, as DER's INTEGER wants.
        bytes[0] = (bytes[0] & 0x7F) | 0x01
        return Certificate.SerialNumber(bytes: bytes)
    }
}

/// One certificate the authority signed and its new private key.
public struct IssuedCertificate {
    public let certificate: Certificate
    let key: P256.Signing.PrivateKey

    public var certificatePEM: String { get throws { try certificate.serializeAsPEM().pemString } }
    public var keyPEM: String { key.pemRepresentation }
}

/// TLS material that could not be made or read. The code is stable; the message says which
/// file and why.
public struct EtcdCertificateError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = "tls.\(name)" }
        /// A file is not the PEM certificate or P-256 key it should be.
        public static let malformed = Code("malformed")
        /// A key does not belong to the certificate beside it.
        public static let keyMismatch = Code("keyMismatch")
        /// A member has no host name or address to put in its certificate.
        public static let noNames = Code("noNames")
        /// A name is neither a host name nor an address.
        public static let badName = Code("badName")
        /// A member's or replica's files are there without the authority that signed them, or
        /// only one of a certificate and its key is there.
        public static let incomplete = Code("incomplete")
        /// A file could not be written or read.
        public static let io = Code("io")
        public var description: String { name }
    }

    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}
