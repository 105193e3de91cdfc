import CZeroMQ
import Logging
import Synchronization

/// One admitted CURVE client key.
public struct ZAPEntry: Sendable, Equatable {
    /// The identity the connection gets: every message from it carries this as "User-Id".
    public var identity: String
    /// ZAP domains (endpoints) the key may use; nil admits it on every domain.
    public var domains: Set<String>?

    public init(identity: String, domains: Set<String>? = nil) {
        self.identity = identity
        self.domains = domains
    }
}

/// A connection the ZAP handler refused, for the log and the security counters.
public struct ZAPRefusal: Sendable, CustomStringConvertible {
    public let domain: String
    public let peerAddress: String
    public let mechanism: String
    /// The client's CURVE public key in Z85, when it offered one.
    public let publicKey: String?
    public let reason: String

    public var description: String {
        "refused \(mechanism) client \(publicKey ?? "-") from \(peerAddress) on domain \(domain): \(reason)"
    }
}

/// The ZeroMQ Authentication Protocol (RFC 27) handler for one context.
///
/// libzmq asks `inproc://zeromq.zap.01` in the socket's own context about every new connection
/// to a CURVE server socket. Without a handler there, a CURVE server admits *every* client
/// (encryption without authentication), so a node creates this before it binds anything.
/// Admitted clients get their allowlisted identity as "User-Id" on every message.
public final class ZAPHandler: Sendable {
    public static let endpoint = "inproc://zeromq.zap.01"

    private let loop: PollLoop
    private let allowlist: Mutex<[[UInt8]: ZAPEntry]>
    private let refusalCount = Atomic<Int>(0)
    private let onRefusal: @Sendable (ZAPRefusal) -> Void

    /// Binds the handler in `context` and starts its thread.
    /// - Parameter onRefusal: called on the handler's thread for every refused connection
    ///   (the default logs it at warning level with the peer address).
    public init(
        context: ZMQContext, logger: Logger, allowlist: [String: ZAPEntry] = [:],
        onRefusal: (@Sendable (ZAPRefusal) -> Void)? = nil
    ) throws {
        var keys: [[UInt8]: ZAPEntry] = [:]
        for (z85, entry) in allowlist {
            guard let key = Z85.decode(z85), key.count == 32 else {
                throw ZMQError(
                    operation: "ZAP allowlist: \(entry.identity) has no valid Z85 public key", errno: EINVAL)
            }
            keys[key] = entry
        }
        self.allowlist = Mutex(keys)
        self.onRefusal = onRefusal ?? { refusal in logger.warning("\(refusal)") }
        self.loop = PollLoop(name: "zap", context: context, logger: logger)
        try loop.start { [self] loop in
            let socket = try loop.socket(.rep, name: "zap")
            try socket.set(.linger(.zero))
            try socket.bind(Self.endpoint)
            loop.register(socket) { socket, _ in self.serve(socket, logger: loop.logger) }
        }
    }

    /// Admits `publicKey` (Z85) with `entry`, replacing any earlier entry for the key.
    public func allow(publicKey: String, _ entry: ZAPEntry) throws {
        guard let key = Z85.decode(publicKey), key.count == 32 else {
            throw ZMQError(operation: "ZAP allow \(entry.identity): not a Z85 public key", errno: EINVAL)
        }
        allowlist.withLock { $0[key] = entry }
    }

    /// Replaces the whole allowlist (a reloaded configuration). Keys that are not valid Z85 are
    /// skipped and returned, so the caller can report them. Existing connections stay up until
    /// they reconnect: ZAP is asked only at the handshake.
    @discardableResult
    public func replace(allowlist entries: [String: ZAPEntry]) -> [String] {
        var keys: [[UInt8]: ZAPEntry] = [:]
        var invalid: [String] = []
        for (z85, entry) in entries {
            guard let key = Z85.decode(z85), key.count == 32 else {
                invalid.append(entry.identity)
                continue
            }
            keys[key] = entry
        }
        allowlist.withLock { $0 = keys }
        return invalid
    }

    /// Stops admitting `publicKey`. Existing connections stay up until they reconnect.
    public func revoke(publicKey: String) {
        guard let key = Z85.decode(publicKey) else { return }
        _ = allowlist.withLock { $0.removeValue(forKey: key) }
    }

    /// Connections refused so far.
    public var refusals: Int { refusalCount.load(ordering: .relaxed) }

    /// Stops the handler's thread. Call before terminating the context.
    public func stop() { loop.shutdown() }

    private func serve(_ socket: ZMQSocket, logger: Logger) {
        // A REP socket holds one request at a time: answer each before reading the next.
        for _ in 0..<64 {
            guard let request = try? socket.receive(dontWait: true, maxFrames: 8) else { return }
            let reply = decide(request.frames)
            do {
                try socket.send(reply)
            } catch {
                logger.error("ZAP reply failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// RFC 27 request: version, request id, domain, address, identity, mechanism, credentials...
    func decide(_ frames: [[UInt8]]) -> [[UInt8]] {
        guard frames.count >= 6, String(decoding: frames[0], as: UTF8.self) == "1.0" else {
            return reply(
                requestId: frames.count > 1 ? frames[1] : [], status: "500", text: "malformed ZAP request")
        }
        let requestId = frames[1]
        let domain = String(decoding: frames[2], as: UTF8.self)
        let address = String(decoding: frames[3], as: UTF8.self)
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        func refuse(_ reason: String, key: [UInt8]?) -> [[UInt8]] {
            refusalCount.add(1, ordering: .relaxed)
            onRefusal(
                ZAPRefusal(
                    domain: domain, peerAddress: address, mechanism: mechanism,
                    publicKey: key.flatMap { Z85.encode($0) }, reason: reason))
            return reply(requestId: requestId, status: "400", text: reason)
        }
        guard mechanism == "CURVE" else { return refuse("only CURVE clients are admitted", key: nil) }
        guard frames.count == 7, frames[6].count == 32 else { return refuse("no CURVE public key", key: nil) }
        let key = frames[6]
        guard let entry = allowlist.withLock({ $0[key] }) else {
            return refuse("key not on the allowlist", key: key)
        }
        if let domains = entry.domains, !domains.contains(domain) {
            return refuse("\(entry.identity) may not use \(domain)", key: key)
        }
        return reply(requestId: requestId, status: "200", text: "OK", userId: entry.identity)
    }

    private func reply(requestId: [UInt8], status: String, text: String, userId: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), requestId, Array(status.utf8), Array(text.utf8), Array(userId.utf8), []]
    }
}
