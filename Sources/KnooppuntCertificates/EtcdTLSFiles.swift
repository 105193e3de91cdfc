import Foundation
import KnooppuntConfig

/// Where a deployment's etcd TLS material lives: `DIR/keys/etcd/`, owner-only like every
/// other secret.
///
/// ```
/// ca.pem                 the deployment's etcd CA certificate (every member and replica)
/// ca-key.pem             its key: the administrator's machine only, never exported
/// member-NAME.pem, -key.pem   etcd member NAME's certificate and key (server and peer)
/// client-NAME.pem, -key.pem   replica NAME's client certificate and key
/// ```
///
/// Members and replicas are named after the replica's role (`primary`, `backup`, `third`), so
/// one host's files share one name.
public struct EtcdTLSFiles: Sendable {
    public let folder: URL

    public init(folder: URL) { self.folder = folder }
    /// The material in a data folder (`DIR/keys/etcd`).
    public init(_ data: DataFolder) {
        folder = data.keysFolder.appendingPathComponent("etcd", isDirectory: true)
    }

    public var authorityCertificate: URL { folder.appendingPathComponent("ca.pem") }
    public var authorityKey: URL { folder.appendingPathComponent("ca-key.pem") }
    public func memberCertificate(_ name: String) -> URL {
        folder.appendingPathComponent("member-\(name).pem")
    }
    public func memberKey(_ name: String) -> URL { folder.appendingPathComponent("member-\(name)-key.pem") }
    public func clientCertificate(_ name: String) -> URL {
        folder.appendingPathComponent("client-\(name).pem")
    }
    public func clientKey(_ name: String) -> URL { folder.appendingPathComponent("client-\(name)-key.pem") }

    /// Whether this folder holds the deployment's CA certificate.
    public var exists: Bool { FileManager.default.fileExists(atPath: authorityCertificate.path) }

    /// What ``prepare(members:clients:authorityName:now:)`` did.
    public struct Outcome: Sendable, Equatable {
        /// Files written now (certificates and keys).
        public var created: [String] = []
        /// Files that were there and stay as they are.
        public var kept: [String] = []
    }

    /// Makes what is missing of the CA, each member's certificate (valid for `names`) and each
    /// client's certificate; keeps every file that exists, never overwriting one. A member's
    /// certificate and key are made or kept together: one without the other is refused
    /// (``EtcdCertificateError/Code/incomplete``), as is new material without the CA's key.
    @discardableResult
    public func prepare(
        members: [(name: String, names: [String])], clients: [String], authorityName: String,
        now: Date = Date()
    ) throws -> Outcome {
        try DataFolder.makeOwnerOnly(folder)
        var outcome = Outcome()
        let authority: EtcdAuthority
        switch try pair(authorityCertificate, authorityKey) {
        case .both:
            authority = try EtcdAuthority(
                certificatePEM: try read(authorityCertificate), keyPEM: try read(authorityKey))
            outcome.kept += [authorityCertificate.lastPathComponent, authorityKey.lastPathComponent]
        case .neither:
            let leaves = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
                ($0.hasPrefix("member-") || $0.hasPrefix("client-")) && $0.hasSuffix(".pem")
            }
            guard leaves.isEmpty else {
                throw EtcdCertificateError(
                    .incomplete,
                    "\(folder.path) holds \(leaves.sorted().joined(separator: ", ")) but not the CA that signed them: restore ca.pem and ca-key.pem, or move the folder away to start anew"
                )
            }
            authority = try EtcdAuthority.generate(name: authorityName, now: now)
            try write(try authority.certificatePEM, to: authorityCertificate, &outcome)
            try write(authority.keyPEM, to: authorityKey, &outcome)
        }
        for member in members {
            let (certificate, key) = (memberCertificate(member.name), memberKey(member.name))
            if try pair(certificate, key) == .both {
                outcome.kept += [certificate.lastPathComponent, key.lastPathComponent]
                continue
            }
            let issued = try authority.issueMember(name: member.name, names: member.names, now: now)
            try write(try issued.certificatePEM, to: certificate, &outcome)
            try write(issued.keyPEM, to: key, &outcome)
        }
        for client in clients {
            let (certificate, key) = (clientCertificate(client), clientKey(client))
            if try pair(certificate, key) == .both {
                outcome.kept += [certificate.lastPathComponent, key.lastPathComponent]
                continue
            }
            let issued = try authority.issueClient(name: client, now: now)
            try write(try issued.certificatePEM, to: certificate, &outcome)
            try write(issued.keyPEM, to: key, &outcome)
        }
        return outcome
    }

    /// What ``rotate(members:clients:now:)`` did.
    public struct Rotation: Sendable, Equatable {
        /// Where the replaced certificates and keys went (owner-only), for a host not switched
        /// yet or a step back.
        public var retired: URL
        /// The files written now.
        public var created: [String]
        /// When the new certificates end (the CA's own end when that comes first).
        public var validUntil: Date
    }

    /// New certificates and keys for every member and replica named, from the deployment's CA,
    /// which stays: the files they replace move to `retired-<UTC time>/` in this folder. Old and
    /// new are signed by the same CA, so members and replicas on either trust each other, and
    /// the hosts can switch one at a time while the quorum keeps committing. Refused
    /// (``EtcdCertificateError/Code/incomplete``) without the CA's key: rotation happens on the
    /// administrator's machine that ran `keys init`.
    public func rotate(
        members: [(name: String, names: [String])], clients: [String], now: Date = Date()
    )
        throws -> Rotation
    {
        guard try pair(authorityCertificate, authorityKey) == .both else {
            throw EtcdCertificateError(
                .incomplete,
                "\(folder.path) holds no etcd CA key: rotate on the administrator's machine that ran `knooppunt keys init`"
            )
        }
        let retired = folder.appendingPathComponent("retired-\(Self.stamp(now))", isDirectory: true)
        guard !FileManager.default.fileExists(atPath: retired.path) else {
            throw EtcdCertificateError(.io, "\(retired.path) exists already: rotate again in a second")
        }
        try DataFolder.makeOwnerOnly(retired)
        let leaves =
            members.flatMap { [memberCertificate($0.name), memberKey($0.name)] }
            + clients.flatMap { [clientCertificate($0), clientKey($0)] }
        for file in leaves where FileManager.default.fileExists(atPath: file.path) {
            do {
                try FileManager.default.moveItem(
                    at: file, to: retired.appendingPathComponent(file.lastPathComponent))
            } catch {
                throw EtcdCertificateError(.io, "cannot move \(file.path) to \(retired.path): \(error)")
            }
        }
        let outcome = try prepare(members: members, clients: clients, authorityName: "", now: now)
        let authority = try EtcdAuthority(
            certificatePEM: try read(authorityCertificate), keyPEM: try read(authorityKey))
        return Rotation(
            retired: retired, created: outcome.created,
            validUntil: min(now + EtcdAuthority.certificateValidity, authority.certificate.notValidAfter))
    }

    /// ``rotate(members:clients:now:)`` for every member and replica of a hosts file.
    public func rotate(for hosts: HostsFile, now: Date = Date()) throws -> Rotation {
        let rotation = try rotate(
            members: hosts.etcdMembers.map { ($0.name, $0.certificateNames) },
            clients: hosts.etcdMembers.map(\.name), now: now)
        try writeEnvironments(for: hosts)
        return rotation
    }

    /// UTC, to the second, safe in a file name: 20261206T141503Z.
    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// The material of a quorum deployment's hosts file: a member and a replica per host.
    @discardableResult
    public func prepare(for hosts: HostsFile, authorityName: String, now: Date = Date()) throws -> Outcome {
        let outcome = try prepare(
            members: hosts.etcdMembers.map { ($0.name, $0.certificateNames) },
            clients: hosts.etcdMembers.map(\.name), authorityName: authorityName, now: now)
        try writeEnvironments(for: hosts)
        return outcome
    }

    /// Copies what the host of member and replica `name` needs into `target`: the CA's
    /// certificate (not its key), the member's and the replica's certificate and key, and the
    /// member's environment file where there is one. Returns the files' names.
    @discardableResult
    public func export(_ name: String, to target: EtcdTLSFiles) throws -> [String] {
        var files = [
            (authorityCertificate, target.authorityCertificate),
            (memberCertificate(name), target.memberCertificate(name)),
            (memberKey(name), target.memberKey(name)),
            (clientCertificate(name), target.clientCertificate(name)),
            (clientKey(name), target.clientKey(name)),
        ]
        for (source, _) in files where !FileManager.default.fileExists(atPath: source.path) {
            throw EtcdCertificateError(
                .incomplete,
                "\(source.path) is missing: run `knooppunt keys init` with a hosts file naming \(name)")
        }
        if FileManager.default.fileExists(atPath: memberEnvironment(name).path) {
            files.append((memberEnvironment(name), target.memberEnvironment(name)))
        }
        try DataFolder.makeOwnerOnly(target.folder)
        for (source, destination) in files {
            try DataFolder.writeSecret(try Data(contentsOf: source), to: destination)
        }
        return files.map { "etcd/\($0.1.lastPathComponent)" }
    }

    enum Presence { case both, neither }

    /// Both files or neither; one alone is a half-made pair that only a person can sort out.
    func pair(_ certificate: URL, _ key: URL) throws -> Presence {
        let manager = FileManager.default
        switch (manager.fileExists(atPath: certificate.path), manager.fileExists(atPath: key.path)) {
        case (true, true): return .both
        case (false, false): return .neither
        case (true, false), (false, true):
            throw EtcdCertificateError(
                .incomplete,
                "only one of \(certificate.lastPathComponent) and \(key.lastPathComponent) is in \(folder.path): remove it to make both again"
            )
        }
    }

    func read(_ url: URL) throws -> String {
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw EtcdCertificateError(.io, "cannot read \(url.path): \(error)")
        }
    }

    func write(_ text: String, to url: URL, _ outcome: inout Outcome) throws {
        try DataFolder.writeSecret(Data(text.utf8), to: url)
        outcome.created.append(url.lastPathComponent)
    }
}
