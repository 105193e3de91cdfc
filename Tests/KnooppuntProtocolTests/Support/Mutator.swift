import KnooppuntDomain
import KnooppuntProtocol
import StrictJSON

/// Builds malformed inputs from valid ones: byte edits (flip, set, insert, delete, duplicate,
/// splice from another input, truncate), JSON edits (drop, replace, splice a field from another
/// document, add an unknown field, wrap) and frame edits (swap, drop, duplicate, splice).
struct Mutator {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    /// Bytes that matter to JSON, UTF-8 and our number frames.
    static let interestingBytes: [UInt8] = [
        0x00, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x2C, 0x2D, 0x2E, 0x30, 0x31, 0x39, 0x3A, 0x5B, 0x5C, 0x5D, 0x65,
        0x7B,
        0x7D, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF4, 0xF5, 0xFF,
    ]

    static let tokens: [[UInt8]] = [
        "\"", "null", "true", "-0", "1e999", "99999999999999999999", "\\u0000", "\\ud800", "{}", "[]",
        "\"x\":1,", ",", "0.5", "\"\"", "\u{FEFF}", "\u{2028}", "KNP1", "-", "00",
    ].map { Array($0.utf8) }

    /// Values a field may be replaced by: every JSON type, limits, codes and near-misses.
    static let values: [JSONValue] = [
        .null, true, false, 0, -1, 1, 5, 6, 17, .integer(Int64.max), .integer(Int64.min), .number(5),
        .number(-0.5),
        .number(1e300), "", " ", "\u{A0}", "x", "public", "partners", "police", "national", "VR09", "VR26",
        "NCTV",
        "POLICE", "GM0344", "GM9999", "PV26", "PV32", "grip-2013", "3", "RIJK", "sitrep", "incident",
        "beeld.BRW",
        "2019-03-18T10:45:00+01:00", "2019-03-18T10:45:00", "2019-02-29T10:45:00Z", "VR09-20190318-01",
        "6f1c2a9e-3b7d-4c8e-9a1f-2d3e4f5a6b7c", "6F1C2A9E-3B7D-4C8E-9A1F-2D3E4F5A6B7C",
        .string(String(repeating: "a", count: 32)), .string(String(repeating: "0", count: 64)),
        .string(String(repeating: "y", count: 4001)), [], [:], ["parties": ["VR09"]], ["parties": []],
        ["VR09"],
    ]

    mutating func bytes(_ input: [UInt8], donors: [[UInt8]]) -> [UInt8] {
        var data = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) { data = byteStep(data, donors: donors) }
        return data
    }

    private mutating func position(in data: [UInt8]) -> Int { Int.random(in: 0...data.count, using: &rng) }

    private mutating func range(in data: [UInt8]) -> Range<Int> {
        let start = Int.random(in: 0...data.count, using: &rng)
        let length = Int.random(in: 0...min(16, data.count - start), using: &rng)
        return start..<(start + length)
    }

    private mutating func byteStep(_ input: [UInt8], donors: [[UInt8]]) -> [UInt8] {
        var data = input
        switch Int.random(in: 0..<9, using: &rng) {
        case 0 where !data.isEmpty:
            data[Int.random(in: 0..<data.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        case 1 where !data.isEmpty:
            data[Int.random(in: 0..<data.count, using: &rng)] = rng.pick(Self.interestingBytes)
        case 2: data.insert(rng.pick(Self.interestingBytes), at: position(in: data))
        case 3: data.removeSubrange(range(in: data))
        case 4:
            let slice = Array(data[range(in: data)])
            data.insert(contentsOf: slice, at: position(in: data))
        case 5:
            let donor = rng.pick(donors)
            let slice = Array(donor[range(in: donor)])
            data.replaceSubrange(range(in: data), with: slice)
        case 6: data.insert(contentsOf: rng.pick(Self.tokens), at: position(in: data))
        case 7: data.removeSubrange(position(in: data)..<data.count)
        default:
            let a = range(in: data)
            let replacement = (0..<a.count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            data.replaceSubrange(a, with: replacement)
        }
        return data
    }

    mutating func json(_ input: JSONValue, donors: [JSONValue]) -> JSONValue {
        var value = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) { value = jsonStep(value, donors: donors) }
        return value
    }

    private mutating func jsonStep(_ value: JSONValue, donors: [JSONValue]) -> JSONValue {
        let paths = value.allPaths
        let path = rng.pick(paths)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !path.isEmpty:
            return value.setting(path, to: nil)
        case 1:
            return value.setting(path, to: rng.pick(Self.values))
        case 2:
            // Splice: a field from another document at the same or another place.
            let donor = rng.pick(donors)
            let donorPath = rng.pick(donor.allPaths)
            let target = rng.chance(0.5) ? donorPath : path
            return value.setting(target, to: donor.value(at: donorPath))
        case 3:
            // An unknown (or repeated-elsewhere) field next to the chosen one.
            let parent = Array(path.dropLast())
            let name = rng.pick(["extra", "type", "classification", "id", "code", "items", "text", "BRW"])
            return value.setting(parent + [.key(name)], to: rng.pick(Self.values))
        case 4:
            let inner = value.value(at: path) ?? .null
            return value.setting(path, to: rng.chance(0.5) ? .array([inner]) : .object(["value": inner]))
        default:
            guard case .string(let text)? = value.value(at: path) else {
                return value.setting(path, to: .null)
            }
            let edited =
                rng.chance(0.5) ? text + rng.pick(["\n", " ", "\u{301}", "0", "Z"]) : String(text.dropLast())
            return value.setting(path, to: .string(edited))
        }
    }

    /// `messages` are other valid messages (for spliced frames), `frameDonors` their frames
    /// and `jsonDonors` JSON values to splice fields from.
    mutating func frames(
        _ input: [[UInt8]], messages: [[[UInt8]]], frameDonors: [[UInt8]], jsonDonors: [JSONValue]
    ) -> [[UInt8]] {
        var frames = input
        for _ in 0..<Int.random(in: 1...2, using: &rng) {
            let index = frames.isEmpty ? 0 : Int.random(in: 0..<frames.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0 where frames.count > 1:
                frames.swapAt(index, Int.random(in: 0..<frames.count, using: &rng))
            case 1 where !frames.isEmpty: frames.remove(at: index)
            case 2 where !frames.isEmpty: frames.insert(frames[index], at: index)
            case 3:
                let donor = rng.pick(messages)
                if let frame = donor.randomElement(using: &rng) {
                    frames.insert(frame, at: Int.random(in: 0...frames.count, using: &rng))
                }
            case 4 where !frames.isEmpty:
                // A JSON frame (envelope, STATUS, ERROR detail) edited as JSON, so it still parses.
                if let value = try? JSONParser.parse(frames[index]) {
                    frames[index] = JSONWriter.canonical(json(value, donors: jsonDonors))
                } else {
                    frames[index] = bytes(frames[index], donors: frameDonors)
                }
            case 5 where !frames.isEmpty: frames[index] = []
            case 6: frames = Array(frames.prefix(Int.random(in: 0...frames.count, using: &rng)))
            default:
                if !frames.isEmpty { frames[index] = bytes(frames[index], donors: frameDonors) }
            }
        }
        return frames
    }
}

/// Inputs made from valid envelopes, for the runs that feed envelope readers: 150 random
/// envelopes, each input one of them with JSON edits (written again in canonical form) or byte
/// edits, half and half. Seeds are fixed: a run replays.
struct EnvelopeMutations {
    let values: [JSONValue]
    let corpus: [[UInt8]]
    var mutator: Mutator

    init(envelopeSeed: UInt64, mutatorSeed: UInt64) {
        var rng = SeededGenerator(seed: envelopeSeed)
        let envelopes = (0..<150).map { _ in RandomDocuments.sealed(using: &rng).envelope }
        values = envelopes.map(\.json)
        corpus = envelopes.map(\.canonicalBytes)
        mutator = Mutator(seed: mutatorSeed)
    }

    /// The `index`th input (envelopes taken in turn).
    mutating func input(_ index: Int) -> [UInt8] {
        let base = index % values.count
        return mutator.rng.chance(0.5)
            ? JSONWriter.canonical(mutator.json(values[base], donors: values))
            : mutator.bytes(corpus[base], donors: corpus)
    }
}
