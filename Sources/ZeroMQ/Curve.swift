import CZeroMQ

/// A CURVE key pair in Z85 text (40 characters each), as libzmq and our key files hold them.
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String

    /// A fresh key pair from libzmq (libsodium's randomness).
    public static func generate() throws -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&publicKey, &secretKey) != 0 { throw ZMQError.last("generate CURVE key pair") }
        return CurveKeyPair(
            publicKey: publicKey.withUnsafeBufferPointer { String(cString: $0.baseAddress!) },
            secretKey: secretKey.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// The pair for a known secret key (its public key is derived from it).
    public init(secretKey: String) throws {
        guard Z85.decode(secretKey)?.count == 32 else {
            throw ZMQError(operation: "read CURVE secret key: not a 40-character Z85 key", errno: EINVAL)
        }
        var publicKey = [CChar](repeating: 0, count: 41)
        if zmq_curve_public(&publicKey, secretKey) != 0 { throw ZMQError.last("derive CURVE public key") }
        self.secretKey = secretKey
        self.publicKey = publicKey.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The 32 bytes of the public key, as ZAP requests carry it.
    public var publicKeyBytes: [UInt8] { Z85.decode(publicKey)! }
}

/// ZeroMQ's Z85 text encoding (RFC 32): 4 bytes become 5 printable characters.
public enum Z85 {
    /// Encodes bytes whose count is a multiple of 4; nil otherwise.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard zmq_z85_encode(&text, bytes, bytes.count) != nil else { return nil }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Decodes Z85 text whose length is a multiple of 5; nil when it is not valid Z85.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count % 5 == 0 else { return nil }
        // zmq_z85_decode does not reject every character outside the alphabet: check first.
        let alphabet = Set(
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
        guard utf8.allSatisfy({ alphabet.contains($0) }) else { return nil }
        var bytes = [UInt8](repeating: 0, count: utf8.count * 4 / 5)
        guard zmq_z85_decode(&bytes, text) != nil else { return nil }
        return bytes
    }
}
