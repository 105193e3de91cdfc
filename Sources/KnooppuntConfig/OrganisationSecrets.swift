import Foundation
import KnooppuntProtocol
import StrictJSON
import ZeroMQ

/// An organisation's secret keys, from `DIR/keys/ORG.json` (owner-only).
public struct OrganisationSecrets: Sendable {
    public var curve: CurveKeyPair
    public var signing: SigningKey

    public static func generate() throws -> OrganisationSecrets {
        OrganisationSecrets(curve: try CurveKeyPair.generate(), signing: .generate())
    }

    public var json: JSONValue {
        [
            "curveSecretKey": .string(curve.secretKey),
            "signingSecretKey": .string(Hex.encode(signing.rawRepresentation)),
        ]
    }

    public var publicKeys: OrganisationKeys {
        OrganisationKeys(curvePublicKey: curve.publicKey, signingPublicKey: signing.publicKey)
    }

    public static func load(from url: URL) throws -> OrganisationSecrets {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw ConfigError("\(url.path) not found") }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigError(
                "\(url.path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 on it"
            )
        }
        guard let data = FileManager.default.contents(atPath: url.path),
            let value = try? JSONParser.parse([UInt8](data)),
            let curveSecret = value["curveSecretKey"]?.stringValue,
            let signingHex = value["signingSecretKey"]?.stringValue, let signingBytes = Hex.decode(signingHex)
        else { throw ConfigError("\(url.path) is not a key file") }
        do {
            return OrganisationSecrets(
                curve: try CurveKeyPair(secretKey: curveSecret),
                signing: try SigningKey(rawRepresentation: signingBytes))
        } catch {
            throw ConfigError("\(url.path): \(error)")
        }
    }

    public func save(to url: URL) throws {
        try DataFolder.writeSecret(Data(JSONWriter.canonical(json)), to: url)
    }
}
