import Crypto
import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// What the node last read of its configuration files: enough to notice a change cheaply.
struct ConfigStamp: Equatable {
    var network: FileStamp
    var policy: FileStamp
    /// SHA-256 of network.json as read (hex), for the audit log.
    var networkDigest: String

    init(_ folder: DataFolder) {
        network = FileStamp(folder.networkFile)
        policy = FileStamp(folder.root.appendingPathComponent(WritePolicy.fileName))
        let bytes = FileManager.default.contents(atPath: folder.networkFile.path).map { [UInt8]($0) } ?? []
        networkDigest = Hex.encode(SHA256.hash(data: bytes))
    }
}

extension NodeLoop {
    /// Every few seconds: reload when network.json or policy.yaml changed on disk (a key rotation
    /// copied onto this host needs no signal).
    func checkConfig() {
        let stamp = ConfigStamp(options.folder)
        guard stamp.network != configStamp.network || stamp.policy != configStamp.policy else { return }
        reloadConfig(reason: "the files changed")
    }

    /// Reads network.json and the policy again and applies them: the ZAP allowlist (new keys
    /// admitted, retired ones refused), signing keys (retired ones still verify old reports),
    /// the write policy. Connections made with a retired key are dropped from the stream. A
    /// file that does not load changes nothing.
    func reloadConfig(reason: String) {
        let stamp = ConfigStamp(options.folder)
        configStamp = stamp
        let updated: NetworkConfig
        let policy: WritePolicy
        do {
            updated = try NetworkConfig.load(from: options.folder.networkFile)
            policy = try WritePolicy.load(folder: options.folder.root)
        } catch {
            logger.error(
                "configuration not reloaded: keeping the one in force", metadata: ["error": "\(error)"])
            audit(
                AuditEvent(
                    at: Self.wallClock(), kind: .config, actor: "node",
                    detail: ["reloaded": false, "reason": .string(reason), "error": .string("\(error)")]))
            return
        }
        let changes = keyChanges(from: network, to: updated)
        let policyChanged = policy.digest != coordinator.policy.digest
        guard !changes.isEmpty || policyChanged || updated.nodeCurvePublicKey != network.nodeCurvePublicKey
        else {
            network = updated
            return
        }
        zap.replace(allowlist: NodeServer.allowlist(updated))
        coordinator.reconfigure(signingKeys: updated.signingKeySets, policy: policy)
        network = updated
        // A party connected with a key that is no longer listed gets nothing more; its next
        // message is refused (E303) until it reconnects with its current key.
        for (routing, session) in sessions where changes.keys.contains(session.organisation) {
            sessions.removeValue(forKey: routing)
        }
        let wall = Self.wallClock()
        audit(
            AuditEvent(
                at: wall, kind: .config, actor: "node",
                detail: [
                    "reloaded": true, "reason": .string(reason), "network": .string(stamp.networkDigest),
                    "policy": .string(policy.digest), "policyChanged": .bool(policyChanged),
                    "keysChanged": .array(changes.keys.sorted().map { .string($0.rawValue) }),
                ]))
        for (code, detail) in changes.sorted(by: { $0.key < $1.key }) {
            audit(AuditEvent(at: wall, kind: .keyChanged, actor: code.rawValue, detail: detail))
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "reason": "\(reason)", "keys.changed": "\(changes.keys.sorted().map(\.rawValue))",
                "policy": "\(policy.digest.prefix(12))",
            ])
    }

    /// Per organisation whose keys changed: old and new public keys (and ones added or removed).
    private func keyChanges(from old: NetworkConfig, to new: NetworkConfig) -> [OrganisationCode: JSONValue] {
        var changes: [OrganisationCode: JSONValue] = [:]
        for code in Set(old.organisations.keys).union(new.organisations.keys) {
            let before = old.organisations[code]
            let after = new.organisations[code]
            guard before != after else { continue }
            func signing(_ keys: OrganisationKeys?) -> JSONValue {
                keys.map { .string(Hex.encode($0.signingPublicKey.rawRepresentation)) } ?? .null
            }
            changes[code] = [
                "curve": [
                    "from": before.map { .string($0.curvePublicKey) } ?? .null,
                    "to": after.map { .string($0.curvePublicKey) } ?? .null,
                ],
                "signing": ["from": signing(before), "to": signing(after)],
                "retiredSigningKeys": .integer(Int64(after?.retiredSigningPublicKeys.count ?? 0)),
            ]
        }
        return changes
    }
}
