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
    /// The signal policy file (DIR/signals.yaml), reloaded like the write policy.
    var signals: FileStamp
    /// SHA-256 of network.json as read (hex), for the audit log.
    var networkDigest: String

    init(_ folder: DataFolder) {
        network = FileStamp(folder.networkFile)
        policy = FileStamp(folder.root.appendingPathComponent(WritePolicy.fileName))
        signals = FileStamp(folder.root.appendingPathComponent(SignalPolicy.fileName))
        let bytes = FileManager.default.contents(atPath: folder.networkFile.path).map { [UInt8]($0) } ?? []
        networkDigest = Hex.encode(SHA256.hash(data: bytes))
    }
}

extension NodeLoop {
    /// Every few seconds: reload when network.json, policy.yaml or signals.yaml changed on disk
    /// (a key rotation copied onto this host needs no signal).
    func checkConfig() {
        let stamp = ConfigStamp(options.folder)
        guard
            stamp.network != configStamp.network || stamp.policy != configStamp.policy
                || stamp.signals != configStamp.signals
        else { return }
        reloadConfig(reason: "the files changed")
    }

    /// Reads network.json and the policy again and applies them: the ZAP allowlist (new keys
    /// admitted, retired ones refused), signing keys (retired ones still verify old reports),
    /// the write policy, and the organisations: an added partner gets a view in the picture
    /// (so its HELLO gets the snapshot of its view), a removed one loses its view and its
    /// connections while its reports stay. Connections made with a retired or removed key are
    /// dropped from the stream. A file that does not load changes nothing.
    ///
    /// Why this is safe with the other threads: the picture, the coordinator's policy and
    /// `network` belong to this poll loop, and every per-report read of the organisations
    /// here (views, `Classification.allows`, the policy's kinds and groups) goes to those
    /// loop-owned values, swapped here between two messages, so no report sees half of a
    /// change and none takes a lock. The process-wide registry (what decoders check a code
    /// against, on any thread) is an immutable value behind a mutex, replaced whole: a reader
    /// gets either the old network or the new one. It is replaced before the picture tracks
    /// the new views, so a partner's first report decodes as soon as its key is admitted.
    func reloadConfig(reason: String) {
        let stamp = ConfigStamp(options.folder)
        configStamp = stamp
        let updated: NetworkConfig
        let policy: WritePolicy
        let signalPolicy: SignalPolicy
        do {
            updated = try NetworkConfig.load(from: options.folder.networkFile)
            policy = try WritePolicy.load(folder: options.folder.root)
            signalPolicy = try SignalPolicy.load(folder: options.folder.root)
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
        let signalPolicyChanged = signalPolicy.digest != coordinator.signalPolicy.digest
        let registry = updated.registry
        let members = registry.changes(from: network.registry)
        let registryChanged = registry != network.registry
        guard
            !changes.isEmpty || policyChanged || signalPolicyChanged || registryChanged
                || updated.nodeCurvePublicKey != network.nodeCurvePublicKey
        else {
            network = updated
            return
        }
        if registryChanged {
            OrganisationRegistry.install(registry)
            picture.track(views: Picture.views(of: registry), registry: registry)
        }
        zap.replace(allowlist: NodeServer.allowlist(updated))
        coordinator.reconfigure(signingKeys: updated.signingKeySets, policy: policy.using(registry))
        // Signals submitted from here on are judged by the new signal policy; accepted ones stay.
        coordinator.signalPolicy = signalPolicy
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
                    "signalPolicy": .string(signalPolicy.digest),
                    "signalPolicyChanged": .bool(signalPolicyChanged),
                    "keysChanged": .array(changes.keys.sorted().map { .string($0.rawValue) }),
                    "organisations": Self.organisationChanges(members, in: registry),
                ]))
        for (code, detail) in changes.sorted(by: { $0.key < $1.key }) {
            audit(AuditEvent(at: wall, kind: .keyChanged, actor: code.rawValue, detail: detail))
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "reason": "\(reason)", "keys.changed": "\(changes.keys.sorted().map(\.rawValue))",
                "policy": "\(policy.digest.prefix(12))",
                "signals.policy": "\(signalPolicy.digest.prefix(12))",
                "organisations.added": "\(members.added.map(\.rawValue))",
                "organisations.removed": "\(members.removed.map(\.rawValue))",
            ])
    }

    /// The audit record's account of the organisations: codes added (with kind and groups),
    /// removed and changed, and how many the network has now.
    static func organisationChanges(
        _ members: RegistryChanges, in registry: OrganisationRegistry
    ) -> JSONValue {
        func described(_ code: OrganisationCode) -> JSONValue {
            let entry = registry.organisation(code)
            return [
                "code": .string(code.rawValue), "kind": .string(entry?.kind.rawValue ?? "other"),
                "groups": .array((entry?.groups ?? []).map { .string($0) }),
            ]
        }
        return [
            "added": .array(members.added.map(described)),
            "removed": .array(members.removed.map(described)),
            "changed": .array(members.changed.map(described)),
            "count": .integer(Int64(registry.codes.count)),
        ]
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
