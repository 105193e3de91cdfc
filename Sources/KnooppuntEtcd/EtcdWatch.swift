import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import Synchronization

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
    /// The most watched bytes (keys and values) received and not yet taken by the reader; the
    /// stream stops reading beyond it, and gRPC's flow control then holds the member back.
    public static let maximumQueuedBytes = 16 * 1024 * 1024
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
        var pendingIndex = 0
        var stream: WatchStream?

        init(client: EtcdClient, keys: EtcdKeys, nextRevision: Int64, idleTimeout: Duration) {
            self.client = client
            self.keys = keys
            self.nextRevision = nextRevision
            self.idleTimeout = idleTimeout
        }

        public mutating func next() async throws -> EtcdWatchEvent? {
            while true {
                if pendingIndex < pending.count {
                    let event = pending[pendingIndex]
                    pendingIndex += 1
                    nextRevision = Swift.max(nextRevision, event.revision + 1)
                    return event
                }
                try Task.checkCancellation()
                if stream == nil { try await connect() }
                guard let current = stream else { continue }
                do {
                    guard let batch = try await current.next() else {
                        // The member ended the stream: go on elsewhere after a pause, so a
                        // member that keeps ending streams cannot make this loop spin.
                        stream = nil
                        client.moveOn(from: current.member)
                        try await Task.sleep(for: EtcdClient.roundPause)
                        continue
                    }
                    // After a reconnect etcd starts at nextRevision: anything older is a repeat.
                    pending = batch.filter { $0.revision >= nextRevision }
                    pendingIndex = 0
                } catch let error as EtcdError where error.isFinal {
                    throw error
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    stream = nil
                    client.moveOn(from: current.member)
                }
            }
        }

        /// Opens the stream at one member after another until one confirms the watch or the
        /// deadline passes.
        mutating func connect() async throws {
            var create = WireWatchCreateRequest()
            (create.key, create.rangeEnd) = EtcdWire.range(keys)
            create.startRevision = nextRevision
            create.progressNotify = true
            var request = WireWatchRequest()
            request.requestUnion = .createRequest(create)
            let deadline = ContinuousClock.now + client.operationTimeout
            var last: (any Error)?
            while ContinuousClock.now < deadline {
                let endpoint = client.currentEndpoint
                let index = client.endpoints.firstIndex(of: endpoint) ?? 0
                do {
                    let opened = try WatchStream(
                        client: client, member: index, request: request, idleTimeout: idleTimeout)
                    // The member's first answer says the watch was created (or why not).
                    guard try await opened.next() != nil else {
                        throw EtcdError(.noQuorum, "\(endpoint) ended the watch at once")
                    }
                    stream = opened
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
    }
}

/// One watch stream at one member: a task runs the gRPC call and hands each answer's events to
/// the reader, in order, as one batch (a created answer or a progress notification is an empty
/// batch). It ends when the member ends the stream, with the member's refusal, or when the
/// member says nothing for the idle timeout. The reader (one task at a time, the watch's
/// iterator) takes batches with ``next()``; dropping the stream cancels its call.
final class WatchStream: @unchecked Sendable {
    let member: Int
    private let task: Task<Void, Never>
    private var batches: AsyncThrowingStream<[EtcdWatchEvent], any Error>.Iterator
    private let queued: Queued

    /// Bytes handed over and not yet taken, and when the member was last heard.
    final class Queued: Sendable {
        struct State {
            var bytes = 0
            var lastHeard = ContinuousClock.now
        }
        let state = Mutex(State())
    }

    init(client: EtcdClient, member: Int, request: WireWatchRequest, idleTimeout: Duration) throws {
        let grpc = try client.member(member)
        let endpoint = client.endpoints[member]
        self.member = member
        let (stream, continuation) = AsyncThrowingStream<[EtcdWatchEvent], any Error>.makeStream()
        let queued = Queued()
        self.queued = queued
        batches = stream.makeAsyncIterator()
        task = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await Self.run(
                            grpc, request: request, endpoint: endpoint, queued: queued, into: continuation)
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: .milliseconds(250))
                            let silent = ContinuousClock.now - queued.state.withLock { $0.lastHeard }
                            if silent > idleTimeout {
                                throw EtcdError(
                                    .noQuorum, "the watch at \(endpoint) heard nothing for \(idleTimeout)")
                            }
                        }
                    }
                    // The call ended (or failed), or the member fell silent: either ends both.
                    try await group.next()
                    group.cancelAll()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: EtcdClient.failure(error, endpoint: endpoint))
            }
        }
    }

    deinit { task.cancel() }

    /// The next answer's events; nil when the member ended the stream.
    func next() async throws -> [EtcdWatchEvent]? {
        guard let batch = try await batches.next() else { return nil }
        let bytes = Self.bytes(of: batch)
        queued.state.withLock { $0.bytes -= bytes }
        return batch
    }

    /// What a batch counts against ``EtcdWatch/maximumQueuedBytes``: its keys and values.
    static func bytes(of events: [EtcdWatchEvent]) -> Int {
        events.reduce(0) { $0 + $1.keyValue.value.count + $1.keyValue.key.utf8.count }
    }

    /// The call itself: the create request, then every answer until the member ends it.
    private static func run(
        _ grpc: GRPCClient<HTTP2ClientTransport.Posix>, request: WireWatchRequest, endpoint: String,
        queued: Queued, into continuation: AsyncThrowingStream<[EtcdWatchEvent], any Error>.Continuation
    ) async throws {
        var options = CallOptions.defaults
        options.maxResponseMessageBytes = EtcdClient.maximumAnswerBytes
        try await grpc.bidirectionalStreaming(
            request: StreamingClientRequest { writer in
                try await writer.write(request)
                // Closing our side could end the watch at some members: keep it open until
                // the call ends.
                while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
            },
            descriptor: EtcdWire.watch, serializer: ProtobufSerializer<WireWatchRequest>(),
            deserializer: ProtobufDeserializer<WireWatchResponse>(), options: options
        ) { response in
            for try await answer in response.messages {
                queued.state.withLock { $0.lastHeard = .now }
                if answer.compactRevision > 0 {
                    throw EtcdError(
                        .compacted,
                        "the watch from revision \(request.createRequest.startRevision) was compacted (up to \(answer.compactRevision))",
                        compactRevision: answer.compactRevision)
                }
                if answer.canceled {
                    let reason = answer.cancelReason.isEmpty ? "no reason" : answer.cancelReason
                    throw EtcdError.fromServer("etcd cancelled the watch: \(reason)")
                }
                let events = try answer.events.map { event in
                    EtcdWatchEvent(
                        kind: event.type == .delete ? .delete : .put,
                        keyValue: try EtcdWire.keyValue(event.kv))
                }
                let bytes = Self.bytes(of: events)
                // Wait for the reader while too much is queued: memory stays bounded and
                // HTTP/2's flow control holds the member back.
                while queued.state.withLock({ $0.bytes }) > EtcdWatch.maximumQueuedBytes {
                    try await Task.sleep(for: .milliseconds(5))
                    queued.state.withLock { $0.lastHeard = .now }
                }
                queued.state.withLock { $0.bytes += bytes }
                continuation.yield(events)
            }
        }
    }
}
