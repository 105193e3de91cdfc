import Crypto
import Foundation
import HummingbirdBcrypt

/// Password hashing (bcrypt, from hummingbird-auth) and the random secrets of accounts.
///
/// Hashing is slow on purpose (cost 12 takes about a quarter of a second here): callers on a
/// server run it on a thread pool, never on an event loop or the concurrency pool.
public struct PasswordHasher: Sendable {
    /// bcrypt's log2 rounds for new hashes. 12 is the common recommendation; tests use the
    /// minimum (4) to stay fast.
    public static let standardCost: UInt8 = 12
    public let cost: UInt8

    public init(cost: UInt8 = PasswordHasher.standardCost) {
        precondition((4...31).contains(cost), "bcrypt cost is 4…31")
        self.cost = cost
    }

    public func hash(_ password: String) -> String { Bcrypt.hash(password, cost: cost) }

    public func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }
}

/// Random secrets: generated passwords and personal API tokens.
public enum Secrets {
    /// Letters and digits without look-alikes (0/O, 1/l/I), so a password read off a file
    /// can be typed.
    static let passwordAlphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    /// 20 characters of 57: about 116 bits.
    public static let generatedPasswordLength = 20
    /// Tokens start with this, so a leaked one is easy to recognise (and to search logs for).
    public static let tokenPrefix = "kpt_"

    public static func password() -> String {
        var random = SystemRandomNumberGenerator()
        return String(
            (0..<generatedPasswordLength).map { _ in passwordAlphabet.randomElement(using: &random)! })
    }

    /// 32 random bytes, hex, with ``tokenPrefix``.
    public static func token() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return tokenPrefix + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// What the store keeps of a token: its SHA-256, hex. A token has 256 random bits, so a
    /// plain hash is enough (no salt, no slow hash) and lets the store look it up directly.
    public static func tokenDigest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
