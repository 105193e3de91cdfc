/// Writes JSON in one canonical form: object keys sorted by their UTF-8 bytes, no insignificant
/// whitespace, minimal string escapes, integers as integers, doubles in Swift's shortest
/// round-trip form. Equal values always give equal bytes, so digests and signatures over the
/// bytes are stable.
public enum JSONWriter {
    public static func canonical(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output, pretty: false, indent: 0)
        return output
    }

    /// The canonical form of an object whose members the caller lists already in canonical
    /// order (keys ascending by their UTF-8 bytes): the same bytes as ``canonical(_:)`` of that
    /// object, without building and sorting a dictionary. For rows hashed one by one on a hot
    /// path (the audit chain).
    public static func canonicalObject(_ members: KeyValuePairs<String, JSONValue>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        writeObject(members.lazy.map { ($0.key, $0.value) }, into: &output, pretty: false, indent: 0)
        return output
    }

    /// ``canonicalObject(_:)`` with the member named `key` written as `canonicalValue`: its
    /// value's canonical form, which the caller holds already (an audit row keeps its detail's
    /// canonical bytes for its hash and for the store, and writes them once).
    public static func canonicalObject(
        _ members: KeyValuePairs<String, JSONValue>, writing canonicalValue: [UInt8], for key: String
    ) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        writeObject(
            members.lazy.map { ($0.key, $0.value) }, into: &output, pretty: false, indent: 0,
            canonical: (key, canonicalValue))
        return output
    }

    /// Indented with two spaces and keys sorted: for people (examples, `--json` output).
    public static func pretty(_ value: JSONValue) -> String {
        var output: [UInt8] = []
        write(value, into: &output, pretty: true, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8], pretty: Bool, indent: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): writeInteger(number, into: &out)
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 {
                // Keep a visible fraction so the value reads back as a number, not an integer.
                out.append(contentsOf: String(Int64(number)).utf8)
                out.append(contentsOf: ".0".utf8)
            } else {
                out.append(contentsOf: "\(number)".utf8)
            }
        case .string(let text): writeString(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, indent + 1) }
                write(item, into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty && !items.isEmpty { newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            // Sorted as pairs: each value is taken with its key, not looked up again by it.
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            writeObject(sorted.lazy.map { ($0.key, $0.value) }, into: &out, pretty: pretty, indent: indent)
        }
    }

    /// An object's members in the order given, which must be canonical (checked in debug builds).
    /// `canonical`: a member whose value is written as the bytes given.
    static func writeObject(
        _ members: some Sequence<(String, JSONValue)>, into out: inout [UInt8], pretty: Bool, indent: Int,
        canonical: (key: String, value: [UInt8])? = nil
    ) {
        out.append(UInt8(ascii: "{"))
        var previous: String?
        for (key, value) in members {
            assert(
                previous.map { $0.utf8.lexicographicallyPrecedes(key.utf8) } ?? true,
                "members in canonical order")
            if previous != nil { out.append(UInt8(ascii: ",")) }
            previous = key
            if pretty { newline(&out, indent + 1) }
            writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            if pretty { out.append(UInt8(ascii: " ")) }
            if let canonical, canonical.key == key {
                out.append(contentsOf: canonical.value)
            } else {
                write(value, into: &out, pretty: pretty, indent: indent + 1)
            }
        }
        if pretty && previous != nil { newline(&out, indent) }
        out.append(UInt8(ascii: "}"))
    }

    /// Decimal digits without a String in between (integers are most of a row's fields).
    static func writeInteger(_ number: Int64, into out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned, so Int64.min has one too.
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits, written backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: buffer[(20 - count)..<20])
        }
    }

    static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
