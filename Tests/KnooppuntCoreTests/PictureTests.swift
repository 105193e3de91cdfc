import KnooppuntCore
import KnooppuntDomain
import KnooppuntProtocol
import KnooppuntTestSupport
import Testing

@Suite("Picture and view hashes")
struct PictureTests {
    static let vr09 = View.organisation(Org.vr09)
    static let vr10 = View.organisation(Org.vr10)
    static let police = View.organisation(Org.police)
    static let national = View.organisation(Org.national)
    static let nctv = View.organisation(Org.nctv)

    /// A node that accepted an incident and a sitrep with sections for every audience.
    static func tramAttack(_ network: Network) throws -> TestNode {
        var node = TestNode(network)
        try node.accept(network.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try node.accept(network.seal(Documents.sitrep(), origin: Org.vr09, originSeq: 2))
        return node
    }

    @Test("the police-only section makes the police view differ; views that read the same sections agree")
    func policeOnlySection() throws {
        let network = Network()
        let node = try Self.tramAttack(network)
        let picture = node.picture

        // VR09 reads BRW and the judgement; VR10 only BRW; the police BRW, POL and the judgement;
        // NATIONAL and NCTV BRW and MULTI; the public only the public message.
        let hashes = [Self.vr09, Self.vr10, Self.police, Self.national, .publicView].map {
            picture.hash(for: $0)
        }
        #expect(Set(hashes).count == hashes.count)
        #expect(picture.hash(for: Self.national) == picture.hash(for: Self.nctv))
        #expect(picture.hash(for: Self.vr10) == picture.hash(for: .organisation(Org.vr13)))

        let sitrep = try #require(picture.entries["incident/\(Documents.tramAttack)/sitrep/VR09"])
        let names = sitrep.report.envelope.sections.map(\.name)
        let pol = try #require(names.firstIndex(of: "beeld.POL"))
        #expect(sitrep.report.visibility(for: Self.police)[pol])
        #expect(!sitrep.report.visibility(for: Self.vr09)[pol])
        #expect(!sitrep.report.visibility(for: Self.national)[pol])
    }

    @Test("a view hash equals the sum of entry hashes computed by the formula of the protocol")
    func protocolFormula() throws {
        let network = Network()
        let node = try Self.tramAttack(network)
        for view in [Self.vr09, Self.police, Self.national, .publicView] {
            var expected = ViewHash()
            for entry in node.picture.entries.values {
                expected.add(
                    ViewHash.entryHash(
                        key: entry.key, sequence: entry.sequence, envelope: entry.report.envelopeBytes,
                        visibility: entry.report.visibility(for: view)))
            }
            #expect(node.picture.hash(for: view) == expected, "view \(view)")
        }
    }

    @Test("changing only the police picture changes every view's hash: the envelope signs its digest")
    func policeContentChangesEnvelope() throws {
        // Two networks with the same seed draw the same ids and salts, so the two nodes differ
        // only in the police text.
        let left = Network(seed: 11)
        let right = Network(seed: 11)
        var one = TestNode(left)
        var two = TestNode(right)
        try one.accept(left.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        try two.accept(right.seal(Documents.incident(), origin: Org.vr09, originSeq: 1))
        #expect(Picture.allViews.allSatisfy { one.picture.hash(for: $0) == two.picture.hash(for: $0) })

        let fled = try one.accept(
            left.seal(Documents.sitrep(pol: "Dader gevlucht"), origin: Org.vr09, originSeq: 2))
        let held = try two.accept(
            right.seal(Documents.sitrep(pol: "Dader aangehouden"), origin: Org.vr09, originSeq: 2))
        #expect(fled.report.sections[0] == held.report.sections[0])
        #expect(fled.report.sections[1] != held.report.sections[1])
        for view in Picture.allViews {
            #expect(one.picture.hash(for: view) != two.picture.hash(for: view), "view \(view)")
        }
    }

    @Test("replacing a key removes the old entry's contribution")
    func replaceKey() throws {
        let network = Network()
        var node = try Self.tramAttack(network)
        let incident = try #require(node.picture.entries["incident/\(Documents.tramAttack)"])
        let latest = try node.accept(
            network.seal(Documents.sitrep(brw: "Brand meester"), origin: Org.vr09, originSeq: 3))
        #expect(node.picture.count == 2)

        var fresh = Picture(views: Picture.allViews)
        fresh.apply(incident.update)
        fresh.apply(latest)
        for view in Picture.allViews {
            #expect(node.picture.hash(for: view) == Picture.hash(of: node.picture.entries.values, view: view))
            #expect(node.picture.hash(for: view) == fresh.hash(for: view), "view \(view)")
        }
    }

    @Test("exercise entries never change a view hash")
    func exerciseEntries() throws {
        let network = Network()
        var node = try Self.tramAttack(network)
        let before = Picture.allViews.map { node.picture.hash(for: $0) }

        try node.accept(network.seal(Documents.incident(exercise: true), origin: Org.vr09, originSeq: 3))
        try node.accept(
            network.seal(
                Documents.threat(.national, level: 5, exercise: true), origin: Org.nctv, originSeq: 1))
        #expect(node.picture.count == 4)
        #expect(node.picture.entries["exercise/threat/national"] != nil)
        #expect(Picture.allViews.map { node.picture.hash(for: $0) } == before)

        // Replacing an exercise entry leaves the real hashes alone too.
        try node.accept(
            network.seal(
                Documents.threat(.national, level: 3, exercise: true), origin: Org.nctv, originSeq: 2))
        #expect(Picture.allViews.map { node.picture.hash(for: $0) } == before)
    }

    @Test("a snapshot replace gives the same hashes as applying the updates")
    func snapshotReplace() throws {
        let network = Network()
        var node = try Self.tramAttack(network)
        try node.accept(network.seal(Documents.grip(.grip3), origin: Org.vr09, originSeq: 3))
        try node.accept(network.seal(Documents.sitrep(brw: "Nablussen"), origin: Org.vr09, originSeq: 4))
        try node.accept(network.seal(Documents.threat(.national, level: 4), origin: Org.nctv, originSeq: 1))

        var copy = Picture(views: Picture.allViews)
        // Start from something else: a snapshot replaces, it does not merge.
        copy.apply(node.accepted[0].update)
        copy.replace(
            with: Array(node.picture.entries.values), sequence: node.picture.lastSequence,
            epoch: node.picture.lastEpoch)
        #expect(copy.lastSequence == 5)
        #expect(copy.count == node.picture.count)
        for view in Picture.allViews {
            #expect(copy.hash(for: view) == node.picture.hash(for: view), "view \(view)")
        }
    }

    @Test("a projected report in a mirror's one-view picture hashes like the node's picture for that view")
    func projectedMirror() throws {
        let network = Network()
        var node = try Self.tramAttack(network)
        try node.accept(network.seal(Documents.sitrep(), origin: Org.police, originSeq: 1))
        try node.accept(network.seal(Documents.threat(.national, level: 4), origin: Org.nctv, originSeq: 1))

        for view in [Self.vr09, Self.vr10, Self.police, Self.national, .publicView] {
            var mirror = Picture(views: [view])
            for (update, _) in node.accepted {
                var projected = update
                projected.report = update.report.projected(for: view)
                mirror.apply(projected)
            }
            #expect(mirror.hash(for: view) == node.picture.hash(for: view), "view \(view)")
            #expect(mirror.hash(for: view) != ViewHash())
        }
    }

    @Test("the view hash does not depend on the order entries are added in")
    func orderFree() throws {
        let network = Network()
        let node = try Self.tramAttack(network)
        var random = SeededGenerator(seed: 3)
        let entries = Array(node.picture.entries.values)
        for _ in 0..<5 {
            let shuffled = entries.shuffled(using: &random)
            #expect(Picture.hash(of: shuffled, view: Self.vr09) == node.picture.hash(for: Self.vr09))
        }
    }

    @Test(
        "replacing entries after the tracked views changed, after a snapshot or after content was withheld keeps every hash a fresh count's"
    )
    func replaceAfterChanges() throws {
        let network = Network()
        var node = try Self.tramAttack(network)
        var picture = Picture(views: Picture.allViews)
        for item in node.accepted { picture.apply(item.update) }
        func check(_ when: String) {
            for view in picture.views {
                #expect(
                    picture.hash(for: view) == Picture.hash(of: picture.entries.values, view: view),
                    "\(view) \(when)")
            }
        }
        var originSeq: UInt64 = 3
        func replaceBoth() throws {
            for document in [Documents.incident(), Documents.sitrep(brw: "Brand \(originSeq)")] {
                picture.apply(try node.accept(network.seal(document, origin: Org.vr09, originSeq: originSeq)))
                originSeq += 1
            }
        }
        try replaceBoth()
        check("after replacing both keys")
        // Fewer views, in another order: what each entry added is indexed by the old views.
        picture.track(views: [Self.police, Self.vr09, .publicView])
        try replaceBoth()
        check("after the views changed")
        picture.track(views: Picture.allViews)
        try replaceBoth()
        check("after the views came back")
        picture.replace(
            with: Array(picture.entries.values), sequence: picture.lastSequence, epoch: picture.lastEpoch)
        try replaceBoth()
        check("after a snapshot")
        let latest = try #require(picture.entries.values.max { $0.sequence < $1.sequence })
        picture.withholdContent(of: latest.key)
        try replaceBoth()
        check("after content was withheld")
        #expect(picture.count == 2)
    }

    @Test("a view hash reads back from its hex form")
    func hexRoundTrip() throws {
        let network = Network()
        let node = try Self.tramAttack(network)
        let hash = node.picture.hash(for: Self.police)
        #expect(ViewHash(hex: hash.hex) == hash)
        #expect(hash.hex.count == 64)
    }
}
