import KnooppuntCore
import KnooppuntDomain
import Testing

/// The active node's catch-up cursor towards its standby, without sockets or stores: the node
/// sends what `nextChunk` says and reports what it sent; the standby's answers come back
/// through `confirmed`.
@Suite("Replication cursor (the standby's catch-up)")
struct ReplicationCursorTests {
    @Test(
        "a standby far behind is streamed in bursts; only the last chunk is final and carries every refusal")
    func streamsInBursts() throws {
        var cursor = ReplicationCursor(burst: 100)
        cursor.start(from: 1)
        let first = try #require(cursor.nextChunk(activeLast: 250, batchCounter: 7))
        #expect(first.range == 1...100)
        #expect(!first.isFinal && first.batch == 0 && first.rejectionsThrough == 100)
        cursor.sent(first, through: 100)
        let second = try #require(cursor.nextChunk(activeLast: 250, batchCounter: 7))
        #expect(second.range == 101...200)
        cursor.sent(second, through: 200)
        let last = try #require(cursor.nextChunk(activeLast: 250, batchCounter: 7))
        #expect(last.range == 201...250)
        #expect(
            last.isFinal && last.batch == 7 && last.rejectionsThrough == nil && last.rejectionsAfter == 200)
        cursor.sent(last, through: 250)
        // Nothing committed since the final chunk: nothing to send again until the standby answers.
        #expect(cursor.nextChunk(activeLast: 250, batchCounter: 7) == nil)
    }

    @Test("a confirmation that matches the active's log exactly puts the standby in sync")
    func exactConfirmation() throws {
        var cursor = ReplicationCursor(burst: 100)
        cursor.start(from: 41)
        let chunk = try #require(cursor.nextChunk(activeLast: 50, batchCounter: 3))
        cursor.sent(chunk, through: 50)
        #expect(
            cursor.confirmed(upTo: 50, batch: 3, activeLast: 50, batchCounter: 3, inSync: false) == .inSync)
        #expect(cursor.confirmedUpTo == 50)
    }

    /// The case chaos found (docs/ARCHITECTURE.md): under steady load every confirmation of the
    /// final chunk arrives after more batches were committed, so waiting for an exact match
    /// chases the tail for as long as reports come. The cursor hands over the short tail instead.
    @Test(
        "under steady load the standby does not chase the tail: the final chunk's confirmation brings the tail and in sync"
    )
    func tailChasing() throws {
        var cursor = ReplicationCursor(burst: 256)
        cursor.start(from: 1)
        var last: SequenceNumber = 1_000
        var batchCounter: UInt64 = 10
        var rounds = 0
        var progress = ReplicationProgress.none
        while rounds < 50 {
            rounds += 1
            if let chunk = cursor.nextChunk(activeLast: last, batchCounter: batchCounter) {
                cursor.sent(chunk, through: chunk.range?.upperBound)
                // The active commits 20 more reports in two batches before the standby answers.
                let answered = (chunk.range?.upperBound ?? chunk.rejectionsAfter, chunk.batch)
                last += 20
                batchCounter += 2
                progress = cursor.confirmed(
                    upTo: answered.0, batch: answered.1, activeLast: last, batchCounter: batchCounter,
                    inSync: false)
                if progress != .none { break }
            }
        }
        guard case .sendTail(let tail) = progress else {
            Issue.record("the standby chased the tail for \(rounds) rounds")
            return
        }
        // The tail is exactly what was committed since the final chunk, and counts as final.
        #expect(tail.range == 1_081...1_100)
        #expect(tail.isFinal && tail.batch == batchCounter && tail.rejectionsThrough == nil)
        #expect(rounds == 5)
        cursor.sent(tail, through: 1_100)
        #expect(cursor.next == 1_101)
    }

    @Test("a tail longer than one burst is not handed over at once: streaming goes on")
    func longTailKeepsStreaming() throws {
        var cursor = ReplicationCursor(burst: 10)
        cursor.start(from: 1)
        let chunk = try #require(cursor.nextChunk(activeLast: 10, batchCounter: 1))
        #expect(chunk.isFinal)
        cursor.sent(chunk, through: 10)
        #expect(cursor.confirmed(upTo: 10, batch: 1, activeLast: 30, batchCounter: 3, inSync: false) == .none)
        let more = try #require(cursor.nextChunk(activeLast: 30, batchCounter: 3))
        #expect(more.range == 11...20 && !more.isFinal)
    }

    @Test("confirmations change nothing once in sync, or before the standby asked; reset forgets the standby")
    func inSyncAndReset() throws {
        var cursor = ReplicationCursor(burst: 10)
        #expect(cursor.nextChunk(activeLast: 5, batchCounter: 1) == nil)
        #expect(cursor.confirmed(upTo: 5, batch: 1, activeLast: 5, batchCounter: 1, inSync: false) == .none)
        cursor.sentLive(activeLast: 5)
        #expect(cursor.confirmed(upTo: 5, batch: 1, activeLast: 5, batchCounter: 1, inSync: true) == .none)
        #expect(cursor.confirmedUpTo == 5)
        cursor.reset()
        #expect(cursor.next == nil && cursor.confirmedUpTo == 0)
    }
}
