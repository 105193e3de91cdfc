// libFuzzer target for the KNP/1 decoders. Built and run by scripts/fuzz.sh.
//
// The first byte of an input picks the decoder, the rest is its input; message decoders
// split the rest into frames at every 0xFE byte (a byte UTF-8 text never contains). Besides
// "no crash, no sanitizer report", each decoder checks that what it accepts encodes back to
// the same value, and stops the process (a finding) when it does not.
//
// With KNOOPPUNT_FUZZ_SEEDS=DIR and KNOOPPUNT_FUZZ_EXAMPLES=docs/examples set, the binary
// writes a seed corpus (every example, sealed reports, one message of each command) to DIR
// and exits, so the corpus follows the code instead of living in git as binary files.

import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum DecoderFuzzer {
    static let codec = DocumentCodec()
    static let messages = MessageCodec()

    static func check(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition { fatalError("invariant broken: \(what())") }
    }

    static func frames(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        bytes.split(separator: 0xFE, omittingEmptySubsequences: false).map(Array.init)
    }

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let body = input.dropFirst()
        switch selector % 7 {
        case 0:
            if let value = try? JSONParser.parse(Array(body)) {
                check(
                    (try? JSONParser.parse(JSONWriter.canonical(value))) == value, "JSON canonical round trip"
                )
            }
        case 1, 2:
            let format: DocumentReader.Format = selector % 7 == 1 ? .json : .yaml
            if let value = try? DocumentReader.read(Array(body), format: format),
                let document = try? codec.decode(value)
            {
                check((try? codec.decode(codec.encode(document))) == document, "document round trip")
            }
        case 3:
            if let envelope = try? Envelope.decode(Array(body), reference: codec.reference) {
                check(
                    (try? Envelope.decode(envelope.canonicalBytes, reference: codec.reference)) == envelope,
                    "envelope round trip")
            }
        case 4:
            if let message = try? messages.decodeClient(frames(body)) {
                check(
                    (try? messages.decodeClient(MessageCodec.encode(message))) == message,
                    "client message round trip")
            }
        case 5:
            if let message = try? messages.decodeServer(frames(body)) {
                check(
                    (try? messages.decodeServer(MessageCodec.encode(message))) == message,
                    "server message round trip")
            }
        default:
            if let timestamp = Timestamp(rfc3339: String(decoding: body, as: UTF8.self)) {
                check(Timestamp(rfc3339: timestamp.rfc3339) == timestamp, "timestamp round trip")
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    DecoderFuzzer.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Writes the seed corpus (see the file header).
enum SeedCorpus {
    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    static func write(_ bytes: [UInt8], to path: String) {
        guard let file = fopen(path, "wb") else { return }
        _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }

    static func frames(_ selector: UInt8, _ frames: [[UInt8]]) -> [UInt8] {
        [selector] + Array(frames.joined(separator: [0xFE]))
    }

    /// A report sealed with salts chosen so no frame holds the 0xFE separator byte.
    static func seal(_ document: ReportDocument, key: SigningKey) -> SealedReport {
        var seed: UInt64 = 1
        while true {
            var random = SplitMix(state: seed)
            let id = ReportID.random(using: &random)
            let sealed = SealedReport.seal(
                document, id: id, origin: OrganisationCode("VR09")!, originSeq: 7,
                created: Timestamp(rfc3339: "2025-06-11T10:52:00+02:00")!, signingKey: key,
                codec: DecoderFuzzer.codec, random: &random)
            if !sealed.frames.joined().contains(0xFE) { return sealed }
            seed += 1
        }
    }

    static func run(directory: String, examples: String) {
        let key = try! SigningKey(rawRepresentation: Array(repeating: 9, count: 32))
        var seeds: [(String, [UInt8])] = []
        let names = [
            "incident.json", "grip.json", "sitrep.json", "threat.json", "ack-request.yaml", "ack.yaml",
            "measure.yaml",
        ]
        for name in names {
            guard let bytes = readFile(examples + "/" + name) else { continue }
            seeds.append(("doc-\(name)", [name.hasSuffix(".json") ? 1 : 2] + bytes))
            seeds.append(("json-\(name)", [0] + bytes))
            guard let value = try? DocumentReader.read(bytes),
                let document = try? DecoderFuzzer.codec.decode(value)
            else { continue }
            let sealed = seal(document, key: key)
            seeds.append(("envelope-\(name)", [3] + sealed.envelopeBytes))
            seeds.append(("submit-\(name)", frames(4, MessageCodec.encode(ClientMessage.submit(sealed)))))
            let update = Update(sequence: 12, epoch: 2, committedAt: 1_749_631_920_000, report: sealed)
            seeds.append(("update-\(name)", frames(5, MessageCodec.encode(ServerMessage.update(update)))))
            let entry = Update(
                sequence: 12, epoch: 2, committedAt: 1_749_631_920_000,
                report: sealed.projected(for: .publicView))
            seeds.append(("entry-\(name)", frames(5, MessageCodec.encode(ServerMessage.entry(entry)))))
        }
        let id = ReportID("6f1c2a9e-3b7d-4c8e-9a1f-2d3e4f5a6b7c")!
        let client: [ClientMessage] = [
            .hello(applied: 41, epoch: 2, role: .region), .fetch(from: 5, to: 9),
            .status(
                DaemonStatus(
                    applied: 42, epoch: 2, viewHash: String(repeating: "0", count: 64), outboxBacklog: 1,
                    oldestQueuedMs: 1500, pid: 4242, sentAt: 1_749_631_920_000)),
        ]
        let server: [ServerMessage] = [
            .ack(Ack(reportID: id, epoch: 2, sequence: 12, originSeq: 7, duplicate: true)),
            .error(reportID: id, code: .outOfOrder, message: "expected 6", detail: ["expected": 6]),
            .snapshot(sequence: 12, epoch: 2, count: 3),
            .snapEnd(sequence: 12, epoch: 2, viewHash: String(repeating: "a", count: 64)),
            .heartbeat(
                Heartbeat(
                    role: .active, epoch: 2, lastSequence: 12, nodeTime: 1_749_631_920_000, degraded: true)),
            .welcome(epoch: 2, lastSequence: 12, nextOriginSeq: 8),
        ]
        for (index, message) in client.enumerated() {
            seeds.append(("client-\(index)", frames(4, MessageCodec.encode(message))))
        }
        for (index, message) in server.enumerated() {
            seeds.append(("server-\(index)", frames(5, MessageCodec.encode(message))))
        }
        for (index, time) in [
            "2019-03-18T10:45:00+01:00", "2024-02-29T23:59:59.999Z", "1970-01-01t00:00:00-23:59",
        ]
        .enumerated() {
            seeds.append(("time-\(index)", [6] + Array(time.utf8)))
        }
        for (name, bytes) in seeds { write(bytes, to: directory + "/" + name) }
        print("wrote \(seeds.count) seeds to \(directory)")
    }
}

/// SplitMix64, for reproducible salts and ids in the seeds.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    if let directory = getenv("KNOOPPUNT_FUZZ_SEEDS"), let examples = getenv("KNOOPPUNT_FUZZ_EXAMPLES") {
        SeedCorpus.run(directory: String(cString: directory), examples: String(cString: examples))
        exit(0)
    }
    return 0
}
