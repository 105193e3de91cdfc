import AsyncHTTPClient

extension EtcdClient {
    /// Every change to `keys` from `revision` on, in revision order, as an async sequence. When
    /// the member it reads from fails, the watch goes on at another member from the last
    /// revision it delivered plus one, so nothing is skipped or repeated. A start revision that
    /// was compacted away ends it with ``EtcdError/Code/compacted``; finding no member within
    /// ``operationTimeout`` ends it with ``EtcdError/Code/unreachable`` or ``EtcdError/Code/noQuorum``.
    ///
    /// A member that hangs with its connection open (a paused process, a cut link) is noticed
    /// by silence: the watch asks for progress notifications, and a stream that says nothing
    /// for `idleTimeout` is left for another member. Members must therefore send them more
    /// often (`--experimental-watch-progress-notify-interval`, which ``EtcdCluster`` sets to
    /// 1 s); at etcd's default of 10 minutes a quiet watch merely reconnects every `idleTimeout`.
    public func watch(
        _ keys: EtcdKeys, from revision: Int64, idleTimeout: Duration = EtcdWatch.defaultIdleTimeout
    ) -> EtcdWatch {
        EtcdWatch(client: self, keys: keys, startRevision: revision, idleTimeout: idleTimeout)
    }
}

/// The changes to a set of keys from a revision on (see ``EtcdClient/watch(_:from:)``).
public struct EtcdWatch: AsyncSequence, Sendable {
    public typealias Element = EtcdWatchEvent
    /// The largest single message of the stream (one response's events).
    public static let maximumMessageBytes = 16 * 1024 * 1024
    /// How long a stream may stay silent before its member counts as hung: five progress
    /// notifications of a member started by ``EtcdCluster`` (every second).
    public static let defaultIdleTimeout: Duration = .seconds(5)

    let client: EtcdClient
    let keys: EtcdKeys
    let startRevision: Int64
    let idleTimeout: Duration

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, keys: keys, nextRevision: startRevision, idleTimeout: idleTimeout)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let client: EtcdClient
        let keys: EtcdKeys
        let idleTimeout: Duration
        /// The first revision not yet delivered: where a reconnect starts.
        public private(set) var nextRevision: Int64
        var pending: [EtcdWatchEvent] = []
        var stream: StreamReader?
        /// The member the stream reads from.
        var connected = 0
        var splitter = JSONObjectSplitter(limit: EtcdWatch.maximumMessageBytes)

        init(client: EtcdClient, keys: EtcdKeys, nextRevision: Int64, idleTimeout: Duration) {
            self.client = client
            self.keys = keys
            self.nextRevision = nextRevision
            self.idleTimeout = idleTimeout
        }

        public mutating func next() async throws -> EtcdWatchEvent? {
            while true {
                if !pending.isEmpty {
                    let event = pending.removeFirst()
                    nextRevision = Swift.max(nextRevision, event.revision + 1)
                    return event
                }
                try Task.checkCancellation()
                if stream == nil { try await connect() }
                guard let reader = stream else { continue }
                do {
                    guard let chunk = try await reader.next(within: idleTimeout) else {
                        // The member ended the stream: go on elsewhere after a pause, so a
                        // member that keeps ending streams cannot make this loop spin.
                        stream = nil
                        client.moveOn(from: connected)
                        try await Task.sleep(for: EtcdClient.roundPause)
                        continue
                    }
                    for message in try splitter.feed(chunk) {
                        try receive(message)
                    }
                } catch let error as EtcdError where error.isFinal {
                    throw error
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    stream = nil
                    client.moveOn(from: connected)
                }
            }
        }

        /// Opens the stream at one member after another until one answers or the deadline passes.
        mutating func connect() async throws {
            var body = EtcdWire.fields(keys)
            body["start_revision"] = .string(String(nextRevision))
            body["progress_notify"] = true
            let bytes = EtcdWire.encode(["create_request": .object(body)])
            let deadline = ContinuousClock.now + client.operationTimeout
            var last: (any Error)?
            while ContinuousClock.now < deadline {
                let endpoint = client.currentEndpoint
                let index = client.endpoints.firstIndex(of: endpoint) ?? 0
                do {
                    let timeout = Swift.min(client.attemptTimeout, deadline - .now)
                    let response = try await client.open(endpoint, "/v3/watch", bytes, timeout: timeout)
                    guard response.status.code == 200 else {
                        let text = try? await response.body.collect(upTo: 4096).readableBytesView
                        throw EtcdError.fromServer(
                            text.map { String(decoding: $0, as: UTF8.self) } ?? "watch refused",
                            httpStatus: Int(response.status.code))
                    }
                    stream = StreamReader(response.body.makeAsyncIterator())
                    connected = index
                    splitter = JSONObjectSplitter(limit: EtcdWatch.maximumMessageBytes)
                    return
                } catch let error as EtcdError where error.isFinal {
                    throw error
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    last = error
                    client.moveOn(from: index)
                    try await Task.sleep(for: EtcdClient.roundPause)
                }
            }
            throw EtcdError(
                .unreachable,
                "no etcd member took the watch within \(client.operationTimeout): \(last.map { "\($0)" } ?? "")"
            )
        }

        /// One message of the stream: created, events, or the watch cancelled by the server.
        mutating func receive(_ bytes: [UInt8]) throws {
            let message = try EtcdReply(json: bytes)
            if let text = message.errorText { throw EtcdError.fromServer(text) }
            guard let result = message.object("result") else { return }
            let compacted = try result.int("compact_revision")
            if compacted > 0 {
                throw EtcdError(
                    .compacted, "the watch from revision \(nextRevision) was compacted (up to \(compacted))",
                    compactRevision: compacted)
            }
            if result.bool("canceled") {
                throw EtcdError(
                    .rejected, "etcd cancelled the watch: \(result.string("cancel_reason") ?? "no reason")")
            }
            for event in result.objects("events") {
                guard let keyValue = event.object("kv") else { continue }
                let kind: EtcdWatchEvent.Kind = event.string("type") == "DELETE" ? .delete : .put
                let change = EtcdWatchEvent(kind: kind, keyValue: try keyValue.keyValue())
                // After a reconnect etcd starts at nextRevision: anything older is a repeat.
                if change.revision >= nextRevision { pending.append(change) }
            }
        }
    }
}

/// The body of a watch's answer, read chunk by chunk with a limit on silence. The iterator is
/// used by one read at a time (the child task of ``next(within:)``, awaited before the next
/// read), which is what makes handing it to that task safe.
final class StreamReader: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator

    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }

    /// The next chunk, nil at the end of the stream; throws when nothing came within `idle`.
    func next(within idle: Duration) async throws -> [UInt8]? {
        try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try await self.iterator.next().map { Array($0.readableBytesView) } }
            group.addTask {
                try await Task.sleep(for: idle)
                throw EtcdError(.noQuorum, "the watch heard nothing for \(idle)")
            }
            defer { group.cancelAll() }
            // The first child to finish decides; the other is cancelled (an abandoned read
            // ends with the stream, which is dropped after a timeout).
            guard let first = try await group.next() else { return nil }
            return first
        }
    }
}

/// Cuts a byte stream of concatenated JSON objects (the gateway's streaming answers, one object
/// per message, however the chunks fall) into whole objects.
struct JSONObjectSplitter {
    let limit: Int
    private var buffer: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var scanned = 0

    init(limit: Int) { self.limit = limit }

    mutating func feed(_ bytes: [UInt8]) throws -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var objects: [[UInt8]] = []
        var start = 0
        var index = scanned
        while index < buffer.count {
            let byte = buffer[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") {
                if depth == 0 { start = index }
                depth += 1
            } else if byte == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 {
                    objects.append(Array(buffer[start...index]))
                    start = index + 1
                }
            } else if depth == 0 {
                start = index + 1  // whitespace between objects
            }
            index += 1
        }
        buffer.removeFirst(min(start, buffer.count))
        scanned = buffer.count
        guard buffer.count <= limit else {
            throw EtcdError(.malformedAnswer, "a watch message is larger than \(limit) bytes")
        }
        return objects
    }
}
