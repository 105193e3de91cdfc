import Foundation
import KnooppuntConfig
import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

@Suite("Rate limit and log budget")
struct RateLimitTests {
    @Test("a flood from one organisation is cut at its burst, refills at its rate, and never touches another")
    func perPeerBucket() {
        var limiter = RateLimiter<OrganisationCode>(rate: 100, burst: 10)
        func allowed(_ count: Int, _ organisation: OrganisationCode, at now: ContinuousClock.Instant) -> Int {
            var allowed = 0
            for _ in 0..<count where limiter.allow(organisation, now: now) { allowed += 1 }
            return allowed
        }
        let start = ContinuousClock.now
        #expect(allowed(50, Org.vr09, at: start) == 10)
        #expect(allowed(1, Org.vr10, at: start) == 1)
        // 100 per second: after 55 ms, five more (not six).
        #expect(allowed(50, Org.vr09, at: start + .milliseconds(55)) == 5)
        // A long pause refills up to the burst, not beyond.
        #expect(allowed(50, Org.vr09, at: start + .seconds(60)) == 10)
    }

    @Test("fair share: one message of each sender in turn, each sender's own order kept")
    func fairShare() {
        // A flooder's backlog first, then two others' single messages.
        let read = ["F1", "F2", "F3", "F4", "A1", "F5", "B1", "A2"]
        let order = FairShare.interleave(read) { $0.prefix(1) }
        #expect(order == ["F1", "A1", "B1", "F2", "A2", "F3", "F4", "F5"])
        for sender in ["F", "A", "B"] {
            #expect(order.filter { $0.hasPrefix(sender) } == read.filter { $0.hasPrefix(sender) })
        }
        #expect(FairShare.interleave(["F1", "F2"]) { $0.prefix(1) } == ["F1", "F2"])
        #expect(FairShare.interleave([String]()) { $0 }.isEmpty)
    }

    @Test("log lines beyond the budget are counted and reported with the next line that passes")
    func logBudget() {
        var budget = LogBudget(limit: 3, interval: .seconds(60))
        let start = ContinuousClock.now
        let taken = (0..<10).map { _ in budget.take(now: start) }
        #expect(taken.prefix(3).allSatisfy { $0 == 0 })
        #expect(taken.dropFirst(3).allSatisfy { $0 == nil })
        let nextWindow = budget.take(now: start + .seconds(61))
        let after = budget.take(now: start + .seconds(61))
        #expect(nextWindow == 7)
        #expect(after == 0)
    }
}

@Suite("Key rotation")
struct KeyRotationTests {
    @Test(
        "rotating one organisation's keys changes only its keys, keeps the old signing key as retired, 0600")
    func rotate() throws {
        let folder = try TemporaryFolder()
        let data = DataFolder(folder.url.path)
        let address = NodeAddress(
            endpoint: "tcp://127.0.0.1:7400", bind: "tcp://127.0.0.1:7400",
            pairEndpoint: "tcp://127.0.0.1:7401",
            pairBind: "tcp://127.0.0.1:7401")
        let before = try data.prepareNetwork(primary: address, backup: nil)
        #expect(before.nodeAuditPublicKey != nil)

        let rotation = try data.rotateKeys(of: Org.vr09)
        let after = try NetworkConfig.load(from: data.networkFile)
        let old = try #require(before.organisations[Org.vr09])
        let new = try #require(after.organisations[Org.vr09])
        #expect(new.curvePublicKey != old.curvePublicKey)
        #expect(new.signingPublicKey != old.signingPublicKey)
        #expect(new.retiredSigningPublicKeys == [old.signingPublicKey])
        #expect(rotation.current == new)
        for code in OrganisationCode.all where code != Org.vr09 {
            #expect(after.organisations[code] == before.organisations[code])
        }
        #expect(after.nodeCurvePublicKey == before.nodeCurvePublicKey)
        #expect(after.nodeAuditPublicKey == before.nodeAuditPublicKey)
        let secrets = try OrganisationSecrets.load(from: data.keyFile(Org.vr09))
        #expect(secrets.publicKeys.curvePublicKey == new.curvePublicKey)
        var info = stat()
        #expect(stat(data.keyFile(Org.vr09).path, &info) == 0)
        #expect(info.st_mode & 0o077 == 0)

        // `keys init` again keeps the rotated keys and the retired one.
        let again = try data.prepareNetwork(primary: address, backup: nil)
        #expect(again.organisations[Org.vr09] == new)

        // A report sealed with the retired key still verifies; one forged with a stranger's does not.
        let network = Network()
        let retired = SigningKeySet(
            current: new.signingPublicKey, retired: [network.signingKeys[Org.vr09]!.publicKey])
        let sealed = network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1)
        #expect(retired.verifies(sealed))
        #expect(!SigningKeySet(current: new.signingPublicKey).verifies(sealed))
    }
}
