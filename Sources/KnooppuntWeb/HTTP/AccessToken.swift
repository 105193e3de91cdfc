import Foundation
import KnooppuntConfig
import KnooppuntProtocol

/// The desk's access token: every write through the API must carry it as
/// `Authorization: Bearer <token>`. It lives in `DIR/desk/token` (0600), made on first start;
/// whoever may read that file may act as a desk officer. Personal logins replace it later.
public struct AccessToken: Sendable {
    public let value: String

    public init(value: String) { self.value = value }

    /// Reads the token at `path`, or makes a new one there (32 random bytes, hex). Refuses a
    /// file that others may read.
    public static func loadOrCreate(at path: String) throws -> AccessToken {
        if FileManager.default.fileExists(atPath: path) {
            var info = stat()
            guard stat(path, &info) == 0 else { throw ConfigError("cannot read \(path)") }
            guard info.st_mode & 0o077 == 0 else {
                throw ConfigError(
                    "\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 on it"
                )
            }
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(
                    in: .whitespacesAndNewlines),
                text.count >= 32
            else { throw ConfigError("\(path) does not hold an access token (at least 32 characters)") }
            return AccessToken(value: text)
        }
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let token = AccessToken(value: Hex.encode(bytes))
        try DataFolder.writeSecret(Data((token.value + "\n").utf8), to: URL(fileURLWithPath: path))
        return token
    }

    /// Whether an `Authorization` header carries this token. Compares in constant time, so
    /// the answer's timing does not reveal how much of a guess was right.
    public func accepts(authorization header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let offered = Array(header.dropFirst("Bearer ".count).utf8)
        let expected = Array(value.utf8)
        var difference = UInt8(offered.count == expected.count ? 0 : 1)
        for index in expected.indices {
            difference |= expected[index] ^ (index < offered.count ? offered[index] : 0)
        }
        return difference == 0
    }
}
