import Foundation
import KnooppuntDomain

enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let capSchema = root.appendingPathComponent("config/cap/cap12.xsd")
}

struct XMLLintError: Error, CustomStringConvertible {
    let description: String
}

/// Validates documents against the CAP 1.2 schema with xmllint (Debian: libxml2-utils, which
/// `scripts/setup.sh test` installs).
enum XMLLint {
    static let executable: String? = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/bin/xmllint"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Nil when the alert is valid, xmllint's complaint otherwise.
    static func problems(_ xml: String) throws -> String? {
        guard let executable else {
            throw XMLLintError(
                description:
                    "xmllint is missing: install libxml2-utils (`scripts/setup.sh test`, or apt-get install libxml2-utils)"
            )
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cap-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--noout", "--schema", Repository.capSchema.path, file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : output
    }
}

/// Reads CAP XML back the simple way (the alerts are ours, one element per line), independent
/// of the writer.
enum CAPText {
    static func values(_ tag: String, in xml: String) -> [String] {
        xml.split(separator: "\n").compactMap { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("<\(tag)>"), text.hasSuffix("</\(tag)>") else { return nil }
            return String(text.dropFirst(tag.count + 2).dropLast(tag.count + 3))
        }
    }

    /// Every `<polygon>` as a ring of points (CAP: "lat,lon" pairs separated by spaces).
    static func polygons(in xml: String) -> [[GeoPoint]] {
        values("polygon", in: xml).map { text in
            text.split(separator: " ").map { pair in
                let numbers = pair.split(separator: ",").map { Double($0)! }
                return GeoPoint(latitude: numbers[0], longitude: numbers[1])
            }
        }
    }
}
