import Foundation
import KnooppuntEtcd
import KnooppuntHarness
import Testing

extension SystemTests {
    @Test(
        "three etcd members: with one killed writes commit and a watch goes on at another member; with two killed a write fails as no quorum within the client's deadline; with one back writes commit again; a paused member is passed over by calls and by a watch",
        .enabled(
            if: etcdRunnable, "etcd is not installed (scripts/setup.sh test installs Debian's etcd-server)"),
        .timeLimit(.minutes(5)))
    func etcdQuorum() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "knooppunt-etcd-quorum-\(UUID().uuidString.prefix(8))")
        let cluster = try EtcdCluster(folder: folder, count: 3)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(at: folder)
        }
        try await offPool { try cluster.start(timeout: TimeScale.seconds(60)) }
        let client = EtcdClient(endpoints: cluster.clientURLs)
        // The watch reads from the first member: killing it makes the watch move on.
        let watcher = EtcdClient(endpoints: cluster.clientURLs)
        #expect(watcher.currentEndpoint == cluster.clientURLs[0])

        let start = try await client.put("/q/start", [])
        var changes = watcher.watch(.prefix("/q/k"), from: start + 1).makeAsyncIterator()
        let one = try await client.put("/q/k1", Array("1".utf8))
        #expect(try await changes.next()?.revision == one)

        // One of three gone: a majority is left, writes commit (a new leader may be elected first).
        cluster.kill(0)
        let two = try await client.put("/q/k2", Array("2".utf8))
        let moved = try await changes.next()
        #expect(
            moved?.revision == two && moved?.keyValue.key == "/q/k2",
            "the watch did not go on at another member")
        #expect(watcher.currentEndpoint != cluster.clientURLs[0])

        // Two of three gone: no majority, the write fails within the named deadline.
        cluster.kill(1)
        let began = ContinuousClock.now
        let refused = await #expect(throws: EtcdError.self) { try await client.put("/q/k3", Array("3".utf8)) }
        let took = ContinuousClock.now - began
        #expect(refused?.code == .noQuorum, "\(String(describing: refused))")
        // The deadline plus one member's attempt timeout is the most the call may take; the
        // margin is for a busy machine, not for the client.
        #expect(took < client.operationTimeout + client.attemptTimeout + TimeScale.seconds(5), "took \(took)")
        #expect(took >= client.operationTimeout - .seconds(1), "gave up after \(took), before its deadline")

        // One back: a majority again, writes commit.
        try await offPool { try cluster.restart(1, timeout: TimeScale.seconds(60)) }
        let four = try await client.put("/q/k4", Array("4".utf8))
        #expect(four > two)

        // All three back, then one paused (a hung machine that keeps its sockets): passed over.
        try await offPool { try cluster.restart(0, timeout: TimeScale.seconds(60)) }
        let pausedFirst = [cluster.clientURLs[2], cluster.clientURLs[0], cluster.clientURLs[1]]
        // A watch that reads from the member about to hang: it hears nothing (no progress
        // notification) for its idle timeout and goes on at another member.
        let hungWatcher = EtcdClient(endpoints: pausedFirst)
        var hung = hungWatcher.watch(.prefix("/q/k"), from: four).makeAsyncIterator()
        #expect(try await hung.next()?.revision == four)
        cluster.pause(2)
        let paused = EtcdClient(endpoints: pausedFirst)
        let five = try await paused.put("/q/k5", Array("5".utf8))
        #expect(five > four)
        #expect(paused.currentEndpoint != cluster.clientURLs[2])
        let afterPause = try await hung.next()
        #expect(afterPause?.revision == five && afterPause?.keyValue.key == "/q/k5")
        #expect(hungWatcher.currentEndpoint != cluster.clientURLs[2])
        cluster.resume(2)
        try await offPool { try cluster.waitUntilHealthy(timeout: TimeScale.seconds(60)) }

        let keys = try await client.range(.prefix("/q/k")).keyValues.map(\.key)
        #expect(
            keys == ["/q/k1", "/q/k2", "/q/k4", "/q/k5"]
                || keys == ["/q/k1", "/q/k2", "/q/k3", "/q/k4", "/q/k5"])
        var rest: [String] = []
        while rest.last != "/q/k5", let event = try await changes.next() { rest.append(event.keyValue.key) }
        #expect(rest.filter { $0 != "/q/k3" } == ["/q/k4", "/q/k5"])
        let status = try await client.status(of: cluster.clientURLs[2])
        #expect(status.leader != 0 && status.raftIndex > 0)
    }
}
