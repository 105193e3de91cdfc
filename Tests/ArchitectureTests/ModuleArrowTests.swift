import Foundation
import Testing

/// The allowed arrows between modules are written once, in the table at the top of
/// docs/ARCHITECTURE.md. These tests hold the code and Package.swift to that table: a module
/// imports only what it declares, it declares exactly what the table allows, and the pure
/// modules stay free of sockets, SQLite and the file system.
@Suite("Module arrows")
struct ModuleArrowTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Modules of the toolchain that any module may import.
    static let system: Set<String> = [
        "Foundation", "FoundationEssentials", "Dispatch", "Glibc", "Musl", "Darwin", "Synchronization",
        "_Concurrency",
    ]

    /// Decisions and values only: no ZeroMQ, no SQLite, no reading or writing files.
    static let pure: Set<String> = [
        "FramePacking", "StrictJSON", "KnooppuntDomain", "KnooppuntProtocol", "KnooppuntCore",
        "KnooppuntWorkflows",
    ]
    static let forbiddenInPure: Set<String> = [
        "ZeroMQ", "CZeroMQ", "GRDB", "KnooppuntStore", "KnooppuntConfig",
    ]
    static let fileSystemCalls = [
        "FileManager", "FileHandle", "fopen(", "contentsOfFile", "Data(contentsOf", "opendir(", "unlink(",
        ".write(to: URL", ".write(to: url",
    ]

    @Test("every module imports only modules it declares in Package.swift")
    func importsAreDeclared() throws {
        let declared = try Self.packageDependencies()
        for module in try Self.sourceModules() {
            let allowed = declared[module] ?? []
            for (file, name) in try Self.imports(of: module) where !Self.system.contains(name) {
                #expect(allowed.contains(name), "\(file) imports \(name), which \(module) does not declare")
            }
        }
    }

    @Test("Package.swift declares exactly the arrows docs/ARCHITECTURE.md allows, for every module")
    func packageMatchesTheDocument() throws {
        let table = try Self.documentedArrows()
        let declared = try Self.packageDependencies()
        for module in try Self.sourceModules() {
            let documented = try #require(table[module], "docs/ARCHITECTURE.md has no row for \(module)")
            #expect(
                declared[module] == documented,
                "\(module): Package.swift \(declared[module]?.sorted() ?? []) ≠ docs \(documented.sorted())")
        }
        for module in table.keys {
            #expect(
                try Self.sourceModules().contains(module),
                "docs/ARCHITECTURE.md names \(module), which is gone")
        }
    }

    @Test("every library module has a test target of its own, named after it")
    func everyLibraryHasTests() throws {
        let targets = try Self.packageDependencies()
        for module in try Self.sourceModules() where !["KnooppuntCLI", "BuildInfoTool"].contains(module) {
            #expect(targets["\(module)Tests"] != nil, "\(module) has no test target \(module)Tests")
        }
    }

    @Test("domain, protocol, core and workflows: no ZeroMQ, no store, no file system")
    func pureModulesDoNoIO() throws {
        for module in Self.pure {
            for (file, name) in try Self.imports(of: module) {
                #expect(!Self.forbiddenInPure.contains(name), "\(file) imports \(name)")
            }
            for file in try Self.swiftFiles(in: module) {
                let text = try String(contentsOf: file, encoding: .utf8)
                for call in Self.fileSystemCalls where text.contains(call) {
                    Issue.record("\(file.lastPathComponent) in \(module) uses \(call)")
                }
            }
        }
    }

    @Test("the checks can fail: an undeclared import and a file-system call are both seen")
    func checksCanFail() throws {
        let text =
            "import GRDB\n@testable import ZeroMQ\nlet data = FileManager.default.contents(atPath: x)\n"
        #expect(Self.importedNames(text) == ["GRDB", "ZeroMQ"])
        #expect(Self.fileSystemCalls.contains { text.contains($0) })
        let row = try #require(
            Self.arrows(inTableRow: "| `KnooppuntCore` | machines | `KnooppuntDomain`, `Crypto` |"))
        #expect(row.0 == "KnooppuntCore" && row.1 == ["KnooppuntDomain", "Crypto"])
    }

    // MARK: Reading the tree

    static func sourceModules() throws -> Set<String> {
        let sources = root.appendingPathComponent("Sources")
        let names = try FileManager.default.contentsOfDirectory(atPath: sources.path)
        // CZeroMQ, CJemalloc and CZstd are system libraries' module maps, not Swift code.
        return Set(names.filter { !["CZeroMQ", "CJemalloc", "CZstd"].contains($0) && !$0.hasPrefix(".") })
    }

    static func swiftFiles(in module: String) throws -> [URL] {
        let folder = root.appendingPathComponent("Sources").appendingPathComponent(module)
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            return []
        }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    static func imports(of module: String) throws -> [(file: String, name: String)] {
        try swiftFiles(in: module).flatMap { file in
            importedNames(try String(contentsOf: file, encoding: .utf8)).map { (file.lastPathComponent, $0) }
        }
    }

    /// The module names of `import X`, `@testable import X`, `public import X`, `import struct X.Y`.
    static func importedNames(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
            guard let index = words.firstIndex(of: "import"),
                words.prefix(index).allSatisfy({
                    ["public", "internal", "package", "private", "fileprivate"].contains($0)
                }), index + 1 < words.count
            else { return nil }
            let kinds: Set<Substring> = [
                "struct", "class", "enum", "protocol", "func", "var", "let", "typealias",
            ]
            let target =
                kinds.contains(words[index + 1]) && index + 2 < words.count
                ? words[index + 2] : words[index + 1]
            return String(target.split(separator: ".").first ?? target)
        }
    }

    /// Each target's direct dependencies, from `swift package dump-package`.
    static func packageDependencies() throws -> [String: Set<String>] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arrows-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Its own scratch folder: the running `swift test` holds the lock on .build.
        process.arguments = ["swift", "package", "--scratch-path", scratch.path, "dump-package"]
        process.currentDirectoryURL = root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let package = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var result: [String: Set<String>] = [:]
        for target in package["targets"] as? [[String: Any]] ?? [] {
            guard let name = target["name"] as? String else { continue }
            var names: Set<String> = []
            for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                for value in dependency.values {
                    if let first = (value as? [Any])?.first as? String { names.insert(first) }
                }
            }
            result[name] = names
        }
        return result
    }

    /// The table "Modules and the arrows between them" in docs/ARCHITECTURE.md.
    static func documentedArrows() throws -> [String: Set<String>] {
        let text = try String(
            contentsOf: root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        var result: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            if let (module, arrows) = arrows(inTableRow: String(line)) { result[module] = Set(arrows) }
        }
        return result
    }

    /// `| `Module` | what | `A`, `B` |` → ("Module", ["A", "B"]); "—" for none.
    static func arrows(inTableRow line: String) -> (String, [String])? {
        let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard cells.count >= 5 else { return nil }
        func names(_ cell: String) -> [String] {
            cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter {
                $0.offset % 2 == 1
            }.map { String($0.element) }
        }
        guard let module = names(cells[1]).first else { return nil }
        return (module, names(cells[3]))
    }
}
