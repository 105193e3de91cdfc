import KnooppuntDomain
import StrictJSON

/// Reads JSON written by ``JSONWriter/canonical(_:)``, member by member, giving up (nil or
/// false) at the first byte that is not in that form.
struct CanonicalScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    /// Digits an Int64 may have; a longer number (or a larger one) is the strict reader's.
    static let maxIntegerDigits = 19

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func take(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// The bytes between the quotes of a string without escapes or control characters.
    mutating func rawString() -> UnsafeBufferPointer<UInt8>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return UnsafeBufferPointer(rebasing: bytes[start..<index])
            }
            guard byte >= 0x20, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// A string without escapes, in valid UTF-8.
    mutating func string() -> String? {
        guard let raw = rawString() else { return nil }
        if raw.allSatisfy({ $0 < 0x80 }) { return String(decoding: raw, as: UTF8.self) }
        return String(validating: raw, as: UTF8.self)
    }

    /// A non-negative integer as the canonical writer writes it (no sign, no leading zero).
    mutating func integer() -> Int64? {
        let start = index
        var value: Int64 = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            guard index - start < Self.maxIntegerDigits else { return nil }
            let (tens, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = tens.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        return value
    }

    mutating func bool() -> Bool? {
        if take("true") { return true }
        if take("false") { return false }
        return nil
    }

    /// Reads an object, handing each member's key to `member` (which reads the value): keys
    /// strictly ascending by their bytes, so none repeats. False when the object is not in
    /// canonical form or `member` gives up.
    mutating func object(_ member: (inout CanonicalScanner, UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        var previous: UnsafeBufferPointer<UInt8>?
        repeat {
            guard let key = rawString(), take(UInt8(ascii: ":")) else { return false }
            if let previous, !previous.lexicographicallyPrecedes(key) { return false }
            previous = key
            guard member(&self, key) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// Reads an array of at most `max` items, each read by `item`.
    mutating func array(max: Int, _ item: (inout CanonicalScanner) -> Bool) -> Bool {
        guard take(UInt8(ascii: "[")) else { return false }
        if take(UInt8(ascii: "]")) { return true }
        var count = 0
        repeat {
            count += 1
            guard count <= max, item(&self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]"))
    }

    /// The text of a string field checked as FieldReader checks it (length, not blank).
    mutating func text(max: Int, _ context: DecodeContext) -> String? {
        string().flatMap {
            FieldReader.string(.string($0), path: "", max: max, allowEmpty: false, context: context)
        }
    }

    /// A time checked as FieldReader checks it (RFC 3339 with an offset).
    mutating func timestamp(_ context: DecodeContext) -> Timestamp? {
        string().flatMap { FieldReader.timestamp(.string($0), path: "", context: context) }
    }

    /// Exactly `count` bytes as lowercase hex (what FieldReader's length check and ``Hex``
    /// accept together).
    mutating func hex(bytes count: Int) -> [UInt8]? {
        guard let raw = rawString(), raw.count == 2 * count else { return nil }
        return Hex.decode(utf8: raw)
    }
}
