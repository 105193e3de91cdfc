import Foundation
import GRPCNIOTransportHTTP2Posix
import KnooppuntCertificates
import KnooppuntHarness
import Testing

@testable import KnooppuntEtcd

/// Real etcd members started with the TLS flags and the material `knooppunt keys` makes: a
/// replica with the deployment's client certificate commits; a caller without one, or with
/// one from another authority, is refused by etcd itself and commits nothing.
@Suite(
    "etcd over TLS with the deployment's certificates", .serialized,
    .enabled(if: etcdRunnable, Comment(rawValue: etcdMissing)))
struct EtcdTLSTests {
    /// Long enough for a handshake on a busy machine, short enough that refusals end quickly.
    static let refusalTimeout: Duration = .seconds(3)

    @Test(
        "three members with client and peer TLS: the right client certificate commits; none, another CA's, or plain HTTP is refused and commits nothing",
        .timeLimit(.minutes(3)))
    func clientCertificates() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-etcd-tls-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let names = ["etcd1", "etcd2", "etcd3"]
        let files = EtcdTLSFiles(folder: root.appendingPathComponent("keys"))
        try files.prepare(
            members: names.map { ($0, ["127.0.0.1", "localhost"]) }, clients: ["primary"],
            authorityName: "test")
        let other = EtcdTLSFiles(folder: root.appendingPathComponent("other-keys"))
        try other.prepare(members: [], clients: ["primary"], authorityName: "intruder")

        let tls = EtcdCluster.TLS(
            authorityFile: files.authorityCertificate,
            members: names.map { (files.memberCertificate($0), files.memberKey($0)) })
        let cluster = try EtcdCluster(folder: root.appendingPathComponent("etcd"), count: 3, tls: tls)
        do {
            try await offPool { try cluster.start() }
        } catch {
            Issue.record("etcd did not start with TLS: \(cluster.logText(0).suffix(2_000))")
            throw error
        }
        defer { cluster.stopAll() }
        #expect(cluster.clientURLs.allSatisfy { $0.hasPrefix("https://127.0.0.1:") })

        let replica = try EtcdClient(endpoints: cluster.clientURLs, tls: clientTLS(files, "primary"))
        let committed = try await replica.put("/tls/replica", bytes("committed"))
        #expect(committed > 0)
        let answer = try await replica.txn(
            compare: [EtcdCompare(key: "/tls/replica", .modRevision(committed))],
            success: [.put(key: "/tls/fenced", value: bytes("yes"))])
        #expect(answer.succeeded)
        for endpoint in cluster.clientURLs {
            // Every member answers over TLS (the peers replicated over TLS too).
            #expect(try await replica.status(of: endpoint).raftIndex > 0)
        }

        // No client certificate, but the right CA trusted: etcd ends the handshake.
        let trustOnly = HTTP2ClientTransport.Posix.TransportSecurity.tls { tls in
            tls.trustRoots = .certificates([.file(path: files.authorityCertificate.path, format: .pem)])
            tls.serverCertificateVerification = .fullVerification
        }
        try await expectRefused(cluster, tls: trustOnly, key: "/tls/anonymous", replica: replica)
        #expect(
            cluster.members.indices.contains { cluster.logText($0).contains("didn't provide a certificate") })

        // Another authority's client certificate: etcd does not believe it.
        let foreign = EtcdTLS(
            authorityFile: files.authorityCertificate.path,
            certificateFile: other.clientCertificate("primary").path,
            keyFile: other.clientKey("primary").path
        ).transportSecurity
        try await expectRefused(cluster, tls: foreign, key: "/tls/foreign", replica: replica)
        #expect(cluster.members.indices.contains { cluster.logText($0).contains("unknown authority") })

        // A replica that trusts another authority refuses the members themselves.
        let misled = EtcdTLS(
            authorityFile: other.authorityCertificate.path,
            certificateFile: files.clientCertificate("primary").path,
            keyFile: files.clientKey("primary").path
        ).transportSecurity
        try await expectRefused(cluster, tls: misled, key: "/tls/misled", replica: replica)

        // Plain HTTP to a TLS member is no etcd conversation at all.
        let plain = EtcdClient(
            endpoints: cluster.clientURLs.map { $0.replacingOccurrences(of: "https://", with: "http://") },
            operationTimeout: Self.refusalTimeout)
        await #expect(throws: (any Error).self) { _ = try await plain.put("/tls/plain", bytes("x")) }
        #expect(try await replica.get("/tls/plain") == nil)
        #expect(try await replica.get("/tls/fenced")?.value == bytes("yes"))
        try await offPool { cluster.stopAll() }
    }

    @Test(
        "keys rotate --etcd rolls host by host: members restarted one at a time on new certificates keep committing, for replicas on the old client certificate and on the new",
        .timeLimit(.minutes(3)))
    func rollingRotation() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-etcd-rotate-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let names = ["etcd1", "etcd2", "etcd3"]
        let members = names.map { ($0, ["127.0.0.1", "localhost"]) }
        let files = EtcdTLSFiles(folder: root.appendingPathComponent("keys"))
        try files.prepare(members: members, clients: ["primary"], authorityName: "test")
        let tls = EtcdCluster.TLS(
            authorityFile: files.authorityCertificate,
            members: names.map { (files.memberCertificate($0), files.memberKey($0)) })
        let cluster = try EtcdCluster(folder: root.appendingPathComponent("etcd"), count: 3, tls: tls)
        try await offPool { try cluster.start() }
        defer { cluster.stopAll() }
        // A replica that connected before the rotation and stays connected throughout.
        let running = try EtcdClient(endpoints: cluster.clientURLs, tls: clientTLS(files, "primary"))
        #expect(try await running.put("/rotate/before", bytes("before")) > 0)

        let rotation = try files.rotate(members: members, clients: ["primary"])
        let retired = EtcdTLS(
            authorityFile: files.authorityCertificate.path,
            certificateFile: rotation.retired.appendingPathComponent("client-primary.pem").path,
            keyFile: rotation.retired.appendingPathComponent("client-primary-key.pem").path)
        for index in names.indices {
            // The member starts again on its new certificate, its peers still on their old.
            try await offPool { try cluster.restart(index) }
            let renewed = try EtcdClient(endpoints: cluster.clientURLs, tls: clientTLS(files, "primary"))
            #expect(try await renewed.put("/rotate/new-\(index)", bytes("new")) > 0)
            let notYet = try EtcdClient(endpoints: cluster.clientURLs, tls: retired)
            #expect(try await notYet.put("/rotate/old-\(index)", bytes("old")) > 0)
        }
        #expect(try await running.get("/rotate/new-2")?.value == bytes("new"))
        #expect(try await running.get("/rotate/before")?.value == bytes("before"))
        try await offPool { cluster.stopAll() }
    }

    /// A put through `tls` fails, and the replica sees that nothing was written.
    func expectRefused(
        _ cluster: EtcdCluster, tls: HTTP2ClientTransport.Posix.TransportSecurity, key: String,
        replica: EtcdClient
    ) async throws {
        let client = EtcdClient(
            endpoints: cluster.clientURLs, security: tls, attemptTimeout: Self.refusalTimeout,
            operationTimeout: Self.refusalTimeout)
        let error = await #expect(throws: EtcdError.self) { _ = try await client.put(key, bytes("x")) }
        #expect(error?.code == .unreachable || error?.code == .noQuorum)
        #expect(try await replica.get(key) == nil)
    }

    @Test("plain HTTP is refused off loopback, https needs material; loopback http stays allowed")
    func endpointRules() throws {
        #expect(throws: Never.self) {
            try EtcdTLS.check(endpoints: ["http://127.0.0.1:2379", "http://[::1]:2379"], tls: nil)
        }
        let refused = #expect(throws: EtcdError.self) {
            try EtcdTLS.check(endpoints: ["http://10.0.0.1:2379"], tls: nil)
        }
        #expect(refused?.code == .insecure)
        #expect(throws: EtcdError.self) {
            try EtcdTLS.check(endpoints: ["http://127.example.com:2379"], tls: nil)
        }
        #expect(
            EtcdTLS.isLoopback("127.0.0.53") && EtcdTLS.isLoopback("[::1]") && EtcdTLS.isLoopback("localhost")
        )
        #expect(!EtcdTLS.isLoopback("::2") && !EtcdTLS.isLoopback("128.0.0.1"))
        #expect(throws: EtcdError.self) { try EtcdTLS.check(endpoints: ["https://a.example:2379"], tls: nil) }
        let missing = EtcdTLS(authorityFile: "/nonexistent/ca.pem", certificateFile: "/x", keyFile: "/y")
        let unreadable = #expect(throws: EtcdError.self) { try missing.validate() }
        #expect(unreadable?.code == .tlsMaterial)
    }
}
