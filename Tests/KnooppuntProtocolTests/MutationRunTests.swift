import Foundation
import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON
import Testing

/// Feeds each decoder inputs made by mutating valid messages, and checks that every input
/// gives a value or typed problems (the process surviving is the "no crash" half), that
/// every problem names a field and says something, and that whatever is accepted re-encodes
/// to the same value.
///
/// 100,000 inputs per decoder with `KNOOPPUNT_LONG_TESTS=1`; 10,000 by default, so the
/// default suite stays fast in a debug build on two cores. Seeds are fixed: a run replays.
@Suite("Mutation run")
struct MutationRunTests {
    static let count = ProcessInfo.processInfo.environment["KNOOPPUNT_LONG_TESTS"] == "1" ? 100_000 : 10_000

    /// What happened to the inputs of one decoder.
    struct Tally {
        let decoder: String
        var inputs = 0
        /// Passed framing / JSON syntax and reached the decoder of the message body.
        var reached = 0
        var accepted = 0
        var codes: [ErrorCode: Int] = [:]
        var failures: [String] = []
        let started = ContinuousClock.now

        init(_ decoder: String) { self.decoder = decoder }

        mutating func refused(_ problems: [Problem], reached: Bool) {
            inputs += 1
            if reached { self.reached += 1 }
            for problem in problems {
                codes[problem.code, default: 0] += 1
                if problem.field.isEmpty || problem.message.isEmpty {
                    fail("a problem without field or message: \(problem)")
                }
            }
            if problems.isEmpty { fail("a refusal without problems") }
        }

        mutating func accepted(_ roundTrips: Bool, _ what: @autoclosure () -> String) {
            inputs += 1
            reached += 1
            accepted += 1
            if !roundTrips { fail("accepted but does not re-encode to itself: \(what().prefix(300))") }
        }

        mutating func fail(_ message: String) {
            if failures.count < 5 { failures.append(message) }
        }

        func report() {
            let seconds =
                Double((ContinuousClock.now - started).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - started).components.seconds)
            let top = codes.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key.label)×\($0.value)" }
            print(
                "mutation run, \(decoder): \(inputs) inputs, \(reached) reached the body decoder, \(accepted) accepted, "
                    + String(format: "%.1f s", seconds) + "; most frequent: \(top.joined(separator: " "))")
            #expect(failures.isEmpty, "\(decoder): \(failures.joined(separator: "\n"))")
            #expect(inputs == MutationRunTests.count)
        }
    }

    @Test("document JSON: every mutated document gives a document or typed problems")
    func documents() {
        var rng = SeededGenerator(seed: 101)
        let documents =
            ReportType.allCases.map(Fixtures.sample)
            + (0..<200).map { _ in RandomDocuments.document(using: &rng) }
        let values = documents.map(Fixtures.codec.encode)
        let corpus = values.map(JSONWriter.canonical)
        var mutator = Mutator(seed: 102)
        var tally = Tally("document JSON")
        for index in 0..<Self.count {
            let base = index % values.count
            let input =
                mutator.rng.chance(0.5)
                ? JSONWriter.canonical(mutator.json(values[base], donors: values))
                : mutator.bytes(corpus[base], donors: corpus)
            let value: JSONValue
            do {
                value = try DocumentReader.read(input, format: .json)
            } catch {
                tally.refused(error.problems, reached: false)
                continue
            }
            do {
                let document = try Fixtures.codec.decode(value)
                let again = try? Fixtures.codec.decode(Fixtures.codec.encode(document))
                tally.accepted(again == document, "\(document)")
            } catch {
                tally.refused(error.problems, reached: true)
            }
        }
        tally.report()
    }

    /// Problems the envelope decoder reports before it reads any field.
    static let envelopeSyntax: Set<ErrorCode> = [
        .frameTooLarge, .invalidJSON, .invalidUTF8, .tooDeep, .duplicateKey, .tooLong, .outOfRange,
    ]

    @Test("envelope: every mutated envelope gives an envelope or typed problems")
    func envelopes() {
        var inputs = EnvelopeMutations(envelopeSeed: 201, mutatorSeed: 202)
        var tally = Tally("envelope")
        for index in 0..<Self.count {
            let input = inputs.input(index)
            do {
                let envelope = try Envelope.decode(input, reference: Fixtures.reference)
                let again = try? Envelope.decode(envelope.canonicalBytes, reference: Fixtures.reference)
                tally.accepted(again == envelope, "\(envelope)")
            } catch {
                let first = error.first
                let syntax = first.field == "envelope" && Self.envelopeSyntax.contains(first.code)
                tally.refused(error.problems, reached: !syntax)
            }
        }
        tally.report()
    }

    /// Frames after the command that each command takes.
    static let toNodeFrames: [String: ClosedRange<Int>] = [
        "HELLO": 3...3, "SUBMIT": 3...62, "FETCH": 2...2, "STATUS": 1...1,
    ]
    static let toDaemonFrames: [String: ClosedRange<Int>] = [
        "ACK": 5...5, "ERROR": 4...4, "UPDATE": 6...62, "ENTRY": 6...62, "SNAPSHOT": 3...3, "SNAPEND": 3...3,
        "HEARTBEAT": 5...5, "WELCOME": 3...3,
    ]

    /// Whether the frames pass framing: protocol frame, a known command, its frame count.
    static func framed(_ frames: [[UInt8]], _ commands: [String: ClosedRange<Int>]) -> Bool {
        guard frames.count >= 2, frames.count <= WireLimits.maxFrames, frames[0] == Array("KNP1".utf8),
            let command = String(validating: frames[1], as: UTF8.self), let range = commands[command]
        else { return false }
        return range.contains(frames.count - 2)
    }

    static func corpus(_ messages: [[[UInt8]]]) -> (frames: [[UInt8]], json: [JSONValue]) {
        let frames = messages.flatMap { $0 }
        let json = frames.filter { $0.first == UInt8(ascii: "{") }.compactMap { try? JSONParser.parse($0) }
        return (frames, json)
    }

    @Test("daemon to node: every mutated message gives a message or a typed problem")
    func toNode() {
        var rng = SeededGenerator(seed: 301)
        let messages = (0..<200).map { _ in MessageCodec.encode(RandomDocuments.clientMessage(using: &rng)) }
        let (frameDonors, jsonDonors) = Self.corpus(messages)
        var mutator = Mutator(seed: 302)
        var tally = Tally("daemon-to-node messages")
        for index in 0..<Self.count {
            let input = mutator.frames(
                messages[index % messages.count], messages: messages, frameDonors: frameDonors,
                jsonDonors: jsonDonors)
            do {
                let message = try Fixtures.messages.decodeClient(input)
                let again = try? Fixtures.messages.decodeClient(MessageCodec.encode(message))
                tally.accepted(again == message, "\(message)")
            } catch {
                tally.refused([error], reached: Self.framed(input, Self.toNodeFrames))
            }
        }
        tally.report()
    }

    @Test("node to daemon: every mutated message gives a message or a typed problem")
    func toDaemon() {
        var rng = SeededGenerator(seed: 401)
        let messages = (0..<200).map { _ in MessageCodec.encode(RandomDocuments.serverMessage(using: &rng)) }
        let (frameDonors, jsonDonors) = Self.corpus(messages)
        var mutator = Mutator(seed: 402)
        var tally = Tally("node-to-daemon messages")
        for index in 0..<Self.count {
            let input = mutator.frames(
                messages[index % messages.count], messages: messages, frameDonors: frameDonors,
                jsonDonors: jsonDonors)
            do {
                let message = try Fixtures.messages.decodeServer(input)
                let again = try? Fixtures.messages.decodeServer(MessageCodec.encode(message))
                tally.accepted(again == message, "\(message)")
            } catch {
                tally.refused([error], reached: Self.framed(input, Self.toDaemonFrames))
            }
        }
        tally.report()
    }
}
