/// Why a text is not acceptable JSON, with the byte offset where the problem starts.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not valid UTF-8 (RFC 8259 requires it).
        case invalidUTF8
        /// Not JSON at this point.
        case syntax
        /// Nested deeper than the parser's limit.
        case tooDeep
        /// An object names the same key twice.
        case duplicateKey(String)
        /// A string or number longer than the parser's limit.
        case tooLong
        /// A number outside what we represent (Int64 or a finite Double).
        case numberOutOfRange
    }

    public let kind: Kind
    public let offset: Int
    public let message: String

    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 JSON parser: UTF-8 only, no comments, no trailing commas, no duplicate
/// keys, no NaN, bounded depth and lengths. Every input gives a value or a ``JSONSyntaxError``.
public struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    public static let maxDepth = 32
    /// Longest string, in bytes, accepted.
    public static let maxStringBytes = 1 << 20

    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            var parser = Cursor(bytes: buffer)
            try parser.validateUTF8()
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else {
                throw parser.error(.syntax, "unexpected text after the JSON value")
            }
            return value
        }
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The members of the objects being read, innermost last: an object's members are
        /// gathered here and put into a dictionary sized for them once it closes, instead of a
        /// dictionary that grows (and hashes every key again) member by member. One buffer
        /// serves every object of the text.
        var members: [(key: String, value: JSONValue, offset: Int)] = []

        func error(_ kind: JSONSyntaxError.Kind, _ message: String) -> JSONSyntaxError {
            JSONSyntaxError(kind: kind, offset: index, message: message)
        }

        mutating func validateUTF8() throws(JSONSyntaxError) {
            var i = 0
            let n = bytes.count
            while i < n {
                let b0 = bytes[i]
                if b0 < 0x80 {
                    i += 1
                    continue
                }
                let length: Int
                let minimum: UInt32
                var scalar: UInt32
                switch b0 {
                case 0xC2...0xDF:
                    length = 2
                    minimum = 0x80
                    scalar = UInt32(b0 & 0x1F)
                case 0xE0...0xEF:
                    length = 3
                    minimum = 0x800
                    scalar = UInt32(b0 & 0x0F)
                case 0xF0...0xF4:
                    length = 4
                    minimum = 0x10000
                    scalar = UInt32(b0 & 0x07)
                default:
                    throw JSONSyntaxError(kind: .invalidUTF8, offset: i, message: "invalid UTF-8 byte")
                }
                guard i + length <= n else {
                    throw JSONSyntaxError(kind: .invalidUTF8, offset: i, message: "truncated UTF-8 sequence")
                }
                for k in 1..<length {
                    let b = bytes[i + k]
                    guard b & 0xC0 == 0x80 else {
                        throw JSONSyntaxError(
                            kind: .invalidUTF8, offset: i, message: "invalid UTF-8 sequence")
                    }
                    scalar = scalar << 6 | UInt32(b & 0x3F)
                }
                guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
                    throw JSONSyntaxError(kind: .invalidUTF8, offset: i, message: "invalid UTF-8 sequence")
                }
                i += length
            }
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            guard index < bytes.count else { throw error(.syntax, "unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw error(.syntax, "expected a JSON value")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error(.syntax, "expected \(literal)") }
            let start = literal.utf8Start
            for k in 0..<count where bytes[index + k] != start[k] {
                throw error(.syntax, "expected \(literal)")
            }
            index += count
        }

        mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            guard depth <= JSONParser.maxDepth else {
                throw error(.tooDeep, "nested deeper than \(JSONParser.maxDepth)")
            }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object([:])
            }
            let first = members.count
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw error(.syntax, "expected a quoted object key")
                }
                let keyOffset = index
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw error(.syntax, "expected ':'")
                }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                members.append((key, value, keyOffset))
                skipWhitespace()
                guard index < bytes.count else {
                    throw error(.syntax, "unexpected end of input in an object")
                }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw error(.syntax, "expected ',' or '}'") }
                index += 1
                return .object(try closeObject(from: first))
            }
        }

        /// The members gathered since `first`, as one object (taken off the buffer).
        mutating func closeObject(from first: Int) throws(JSONSyntaxError) -> [String: JSONValue] {
            var object = [String: JSONValue](minimumCapacity: members.count - first)
            for member in members[first...] {
                guard object.updateValue(member.value, forKey: member.key) == nil else {
                    throw JSONSyntaxError(
                        kind: .duplicateKey(member.key), offset: member.offset,
                        message: "duplicate key \"\(member.key.prefix(40))\"")
                }
            }
            members.removeSubrange(first...)
            return object
        }

        mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            guard depth <= JSONParser.maxDepth else {
                throw error(.tooDeep, "nested deeper than \(JSONParser.maxDepth)")
            }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw error(.syntax, "unexpected end of input in an array") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw error(.syntax, "expected ',' or ']'") }
                index += 1
                return .array(array)
            }
        }

        mutating func parseString() throws(JSONSyntaxError) -> String {
            index += 1  // opening quote
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    guard index - start <= JSONParser.maxStringBytes else {
                        throw error(.tooLong, "string too long")
                    }
                    let text = String(
                        decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if b == UInt8(ascii: "\\") { break }
                guard b >= 0x20 else { throw error(.syntax, "control character in a string") }
                index += 1
            }
            var scalars: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    index += 1
                    guard scalars.count <= JSONParser.maxStringBytes else {
                        throw error(.tooLong, "string too long")
                    }
                    return String(decoding: scalars, as: UTF8.self)
                }
                guard b >= 0x20 else { throw error(.syntax, "control character in a string") }
                if b != UInt8(ascii: "\\") {
                    scalars.append(b)
                    index += 1
                    continue
                }
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error(.syntax, "unpaired surrogate escape") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error(.syntax, "unpaired surrogate escape")
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw error(.syntax, "unpaired surrogate escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else {
                        throw error(.syntax, "invalid \\u escape")
                    }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error(.syntax, "invalid escape sequence")
                }
            }
            throw error(.syntax, "unterminated string")
        }

        mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error(.syntax, "short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[index]
                let digit: UInt32
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - 48)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - 87)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - 55)
                default: throw error(.syntax, "invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw error(.syntax, "incomplete number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[index]) {
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    index += 1
                }
            } else {
                throw error(.syntax, "invalid number")
            }
            var isInteger = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                let digitsStart = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    index += 1
                }
                guard index > digitsStart else { throw error(.syntax, "invalid number") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
                {
                    index += 1
                }
                let digitsStart = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    index += 1
                }
                guard index > digitsStart else { throw error(.syntax, "invalid number") }
            }
            guard index - start <= 64 else { throw error(.tooLong, "number too long") }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if isInteger {
                guard let value = Int64(text) else {
                    throw JSONSyntaxError(
                        kind: .numberOutOfRange, offset: start, message: "integer out of range")
                }
                return .integer(value)
            }
            guard let value = Double(text), value.isFinite else {
                throw JSONSyntaxError(kind: .numberOutOfRange, offset: start, message: "number out of range")
            }
            return .number(value)
        }
    }
}
