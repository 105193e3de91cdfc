import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import StrictJSON
import SwiftASN1
import Testing
import X509

@Suite("etcd TLS material")
struct EtcdCertificatesTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-tls-\(UUID().uuidString.prefix(8))")
    }

    @Test(
        "a member's certificate: signed by the CA, server and client use, every name and address, the stated validity"
    )
    func memberCertificate() throws {
        let authority = try EtcdAuthority.generate(name: "NL", now: now)
        let ca = authority.certificate
        #expect(ca.issuer == ca.subject)
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(ca.notValidAfter.timeIntervalSince(now) == EtcdAuthority.authorityValidity)

        let member = try authority.issueMember(
            name: "primary", names: ["knooppunt-a.lcms.example", "10.0.0.1", "[2001:db8::1]"], now: now)
        let certificate = member.certificate
        #expect(certificate.issuer == ca.subject)
        #expect(ca.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(certificate.notValidAfter.timeIntervalSince(now) == EtcdAuthority.certificateValidity)
        #expect(now.timeIntervalSince(certificate.notValidBefore) == EtcdAuthority.clockSkewAllowance)
        #expect(try certificate.extensions.basicConstraints == .notCertificateAuthority)
        let usages = try #require(try certificate.extensions.extendedKeyUsage)
        #expect(usages.contains(.serverAuth) && usages.contains(.clientAuth))
        let names = try #require(try certificate.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("knooppunt-a.lcms.example")))
        #expect(names.contains(.ipAddress(ASN1OctetStringBytes.v4([10, 0, 0, 1]))))
        #expect(names.count == 3)

        let client = try authority.issueClient(name: "primary", now: now)
        #expect(ca.publicKey.isValidSignature(client.certificate.signature, for: client.certificate))
        #expect(try client.certificate.extensions.extendedKeyUsage.map(Array.init) == [.clientAuth])
        #expect(try client.certificate.extensions.subjectAlternativeNames == nil)

        // Another authority's certificate does not verify under this one.
        let other = try EtcdAuthority.generate(name: "NL", now: now)
        #expect(!ca.publicKey.isValidSignature(other.certificate.signature, for: other.certificate))

        #expect(throws: EtcdCertificateError.self) {
            try authority.issueMember(name: "x", names: [], now: now)
        }
        let bad = #expect(throws: EtcdCertificateError.self) {
            try authority.issueMember(name: "x", names: ["bad name!"], now: now)
        }
        #expect(bad?.code == .badName)
    }

    @Test("the PEM files read back; a key that is not the certificate's is refused")
    func pemRoundTrip() throws {
        let authority = try EtcdAuthority.generate(name: "NL", now: now)
        let again = try EtcdAuthority(certificatePEM: try authority.certificatePEM, keyPEM: authority.keyPEM)
        #expect(again.certificate == authority.certificate)
        let stranger = try EtcdAuthority.generate(name: "NL", now: now)
        let mismatch = #expect(throws: EtcdCertificateError.self) {
            try EtcdAuthority(certificatePEM: try authority.certificatePEM, keyPEM: stranger.keyPEM)
        }
        #expect(mismatch?.code == .keyMismatch)
        let malformed = #expect(throws: EtcdCertificateError.self) {
            try EtcdAuthority(certificatePEM: "not PEM", keyPEM: authority.keyPEM)
        }
        #expect(malformed?.code == .malformed)
    }

    @Test(
        "prepare makes every file owner-only, keeps what exists on a second run, refuses half pairs and orphans"
    )
    func prepareKeepsAndRefuses() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = EtcdTLSFiles(folder: root.appendingPathComponent("etcd"))
        let members = [("primary", ["a.example"]), ("backup", ["b.example"]), ("third", ["c.example"])]
        let clients = ["primary", "backup", "third"]
        let first = try files.prepare(members: members, clients: clients, authorityName: "NL", now: now)
        #expect(first.created.count == 2 + 2 * 3 + 2 * 3 && first.kept.isEmpty)
        for name in first.created {
            let path = files.folder.appendingPathComponent(name).path
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        let folderMode = try FileManager.default.attributesOfItem(atPath: files.folder.path)[
            .posixPermissions]
        #expect(folderMode as? Int == 0o700)
        let before = try Data(contentsOf: files.memberCertificate("backup"))

        let second = try files.prepare(members: members, clients: clients, authorityName: "NL", now: now)
        #expect(second.created.isEmpty && second.kept.count == first.created.count)
        #expect(try Data(contentsOf: files.memberCertificate("backup")) == before)

        // A lost member key: only a person can say whether the certificate is still wanted.
        try FileManager.default.removeItem(at: files.memberKey("third"))
        let half = #expect(throws: EtcdCertificateError.self) {
            try files.prepare(members: members, clients: clients, authorityName: "NL", now: now)
        }
        #expect(half?.code == .incomplete)
        // Both gone: made again, signed by the kept CA.
        try FileManager.default.removeItem(at: files.memberCertificate("third"))
        let third = try files.prepare(members: members, clients: clients, authorityName: "NL", now: now)
        #expect(third.created == ["member-third.pem", "member-third-key.pem"])
        let authority = try EtcdAuthority(
            certificatePEM: String(contentsOf: files.authorityCertificate, encoding: .utf8),
            keyPEM: String(contentsOf: files.authorityKey, encoding: .utf8))
        let remade = try Certificate(
            pemEncoded: String(contentsOf: files.memberCertificate("third"), encoding: .utf8))
        #expect(authority.certificate.publicKey.isValidSignature(remade.signature, for: remade))

        // Certificates without their CA: never a new CA beside them.
        try FileManager.default.removeItem(at: files.authorityKey)
        try FileManager.default.removeItem(at: files.authorityCertificate)
        let orphans = #expect(throws: EtcdCertificateError.self) {
            try files.prepare(members: members, clients: clients, authorityName: "NL", now: now)
        }
        #expect(orphans?.code == .incomplete)
    }

    @Test(
        "export gives one host the CA certificate and its own member's and replica's files, never the CA key")
    func exportOneHost() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = EtcdTLSFiles(folder: root.appendingPathComponent("etcd"))
        try files.prepare(
            members: [("primary", ["a"]), ("backup", ["b"]), ("third", ["c"])],
            clients: ["primary", "backup", "third"], authorityName: "NL", now: now)
        let target = EtcdTLSFiles(folder: root.appendingPathComponent("host-b/keys/etcd"))
        let written = try files.export("backup", to: target)
        #expect(written.count == 5)
        let present = try FileManager.default.contentsOfDirectory(atPath: target.folder.path).sorted()
        #expect(
            present == [
                "ca.pem", "client-backup-key.pem", "client-backup.pem", "member-backup-key.pem",
                "member-backup.pem",
            ])
        #expect(
            try Data(contentsOf: target.memberKey("backup")) == Data(contentsOf: files.memberKey("backup")))
        let missing = #expect(throws: EtcdCertificateError.self) {
            try files.export("fourth", to: EtcdTLSFiles(folder: root.appendingPathComponent("host-d")))
        }
        #expect(missing?.code == .incomplete)
    }

    @Test(
        "rotate gives every member and replica a new certificate and key from the kept CA; the old ones move aside; no CA key, no rotation"
    )
    func rotateKeepsTheAuthority() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = EtcdTLSFiles(folder: root.appendingPathComponent("etcd"))
        let members = [("primary", ["a.example"]), ("backup", ["b.example"]), ("third", ["c.example"])]
        let clients = ["primary", "backup", "third"]
        let made = try files.prepare(members: members, clients: clients, authorityName: "NL", now: now)
        let leaves = made.created.filter { $0.hasPrefix("member-") || $0.hasPrefix("client-") }
        func contents(_ folder: URL, _ names: [String]) throws -> [String: Data] {
            try Dictionary(
                uniqueKeysWithValues: names.map {
                    ($0, try Data(contentsOf: folder.appendingPathComponent($0)))
                })
        }
        let before = try contents(files.folder, made.created)

        let later = now + 600 * 86_400
        let rotation = try files.rotate(members: members, clients: clients, now: later)
        #expect(Set(rotation.created) == Set(leaves))
        #expect(rotation.retired.lastPathComponent == "retired-20280513T141320Z")
        #expect(rotation.validUntil == later + EtcdAuthority.certificateValidity)
        let after = try contents(files.folder, made.created)
        for name in made.created {
            if leaves.contains(name) {
                #expect(after[name] != before[name], "\(name) is new")
            } else {
                #expect(after[name] == before[name], "\(name) (the CA) stays")
            }
        }
        // The replaced files, byte for byte, owner-only, for a host not switched yet.
        #expect(try contents(rotation.retired, leaves) == before.filter { leaves.contains($0.key) })
        let mode = try FileManager.default.attributesOfItem(atPath: rotation.retired.path)[.posixPermissions]
        #expect(mode as? Int == 0o700)
        // Signed by the same CA, for the same names, valid from now.
        let authority = try EtcdAuthority(
            certificatePEM: String(contentsOf: files.authorityCertificate, encoding: .utf8),
            keyPEM: String(contentsOf: files.authorityKey, encoding: .utf8))
        for name in ["primary", "backup", "third"] {
            for url in [files.memberCertificate(name), files.clientCertificate(name)] {
                let certificate = try Certificate(pemEncoded: String(contentsOf: url, encoding: .utf8))
                #expect(
                    authority.certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
                #expect(certificate.notValidBefore == later - EtcdAuthority.clockSkewAllowance)
            }
        }
        let member = try Certificate(
            pemEncoded: String(contentsOf: files.memberCertificate("backup"), encoding: .utf8))
        #expect(try member.extensions.subjectAlternativeNames?.contains(.dnsName("b.example")) == true)

        // A host's copy holds no CA key: rotation happens where `keys init` ran.
        let host = EtcdTLSFiles(folder: root.appendingPathComponent("host-b/keys/etcd"))
        try files.export("backup", to: host)
        let refused = #expect(throws: EtcdCertificateError.self) {
            try host.rotate(members: [("backup", ["b.example"])], clients: ["backup"], now: later)
        }
        #expect(refused?.code == .incomplete)
        #expect(try Data(contentsOf: host.memberKey("backup")) == after["member-backup-key.pem"])
    }

    @Test(
        "a certificate's dates as a replica checks them at start: valid, ending within 30 days, ended, not valid yet"
    )
    func validityAtStart() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = EtcdTLSFiles(folder: root.appendingPathComponent("etcd"))
        try files.prepare(members: [], clients: ["primary"], authorityName: "NL", now: now)
        let client = files.clientCertificate("primary")
        let end = now + EtcdAuthority.certificateValidity
        let day: TimeInterval = 86_400
        #expect(try EtcdCertificateValidity.check(client, now: now + day) == .valid(until: end))
        #expect(try EtcdCertificateValidity.check(client, now: end - 31 * day) == .valid(until: end))
        #expect(try EtcdCertificateValidity.check(client, now: end - 29 * day) == .endsSoon(end))
        #expect(try EtcdCertificateValidity.check(client, now: end) == .ended(end))
        let start = now - EtcdAuthority.clockSkewAllowance
        #expect(try EtcdCertificateValidity.check(client, now: start - 1) == .notYetValid(from: start))
        // The CA outlives the certificates it signs.
        #expect(
            try EtcdCertificateValidity.check(files.authorityCertificate, now: end)
                == .valid(until: now + EtcdAuthority.authorityValidity))
        let unreadable = #expect(throws: EtcdCertificateError.self) {
            try EtcdCertificateValidity.check(files.clientKey("primary"), now: now)
        }
        #expect(unreadable?.code == .malformed)
    }

    @Test(
        "the hosts file: three replicas get an etcd member each, with ports and names; mistakes carry codes")
    func hostsFile() throws {
        let value: JSONValue = [
            "primary": ["host": "knooppunt-a.lcms.example", "etcd": ["addresses": ["10.0.0.1"]]],
            "backup": ["host": "knooppunt-b.lcms.example", "listen": "10.0.0.2"],
            "third": [
                "host": "knooppunt-c.lcms.example", "etcd": ["client_port": 12_379, "peer_port": 12_380],
            ],
        ]
        let file = try HostsFile.parse(value, source: "hosts.yaml")
        #expect(file.etcdMembers.map(\.name) == ["primary", "backup", "third"])
        #expect(file.etcdMembers[0].clientURL == "https://knooppunt-a.lcms.example:2379")
        #expect(
            file.etcdMembers[0].certificateNames == [
                "knooppunt-a.lcms.example", "10.0.0.1", "localhost", "127.0.0.1",
            ])
        #expect(file.etcdMembers[1].certificateNames.contains("10.0.0.2"))
        #expect(file.etcdMembers[2].peerURL == "https://knooppunt-c.lcms.example:12380")

        let alone = try HostsFile.parse(["primary": ["host": "a"]], source: "hosts.yaml")
        #expect(alone.etcdMembers.isEmpty)

        let cases: [(JSONValue, String)] = [
            (
                ["primary": ["host": "a", "etcd": ["client_port": 2379]]],
                "hosts.etcdNeedsThree"
            ),
            (
                [
                    "primary": ["host": "a", "etcd": ["client_port": 0]], "backup": ["host": "b"],
                    "third": ["host": "c"],
                ],
                "hosts.badPort"
            ),
            (
                [
                    "primary": ["host": "a", "etcd": ["peers": 1]], "backup": ["host": "b"],
                    "third": ["host": "c"],
                ],
                "hosts.unknownKey"
            ),
            (
                [
                    "primary": ["host": "a", "etcd": ["addresses": "x"]], "backup": ["host": "b"],
                    "third": ["host": "c"],
                ],
                "hosts.badAddresses"
            ),
            (["primary": ["host": "a"], "third": ["host": "c"]], "hosts.thirdWithoutBackup"),
        ]
        for (value, code) in cases {
            let error = #expect(throws: ConfigError.self) { try HostsFile.parse(value, source: "hosts.yaml") }
            #expect(error?.code == code, "\(String(describing: error))")
        }
    }
}

/// An IP address as the bytes of a subject alternative name.
enum ASN1OctetStringBytes {
    static func v4(_ bytes: [UInt8]) -> ASN1OctetString { ASN1OctetString(contentBytes: ArraySlice(bytes)) }
}
