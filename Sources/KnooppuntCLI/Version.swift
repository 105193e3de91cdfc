import CJemalloc
import StrictJSON

/// What `knooppunt --version`, `status --json` and `/healthz` say this build is.
enum Version {
    /// The release this tree is (raised with every release, in this one place).
    static let release = "0.14.0"

    /// "knooppunt 0.14.0 (commit 1a2b3c4…, built 2026-12-05T12:00:00Z, protocol KNP/1)".
    static var line: String {
        "knooppunt \(release) (commit \(BuildInfo.commit), built \(BuildInfo.date), protocol \(protocolName))"
    }

    /// The wire protocol, as docs/PROTOCOL.md names it (its frames begin with `KNP1`).
    static let protocolName = "KNP/1"

    /// The same as JSON, for `status --json` and `/healthz`.
    static var json: JSONValue {
        [
            "release": .string(release), "commit": .string(BuildInfo.commit),
            "built": .string(BuildInfo.date),
            "protocol": .string(protocolName), "allocator": .string(allocator),
        ]
    }

    /// The memory allocator serving this process: "jemalloc 5.3.0-0-g…" (its own version
    /// string), which the binary links ahead of libc (Package.swift says why).
    static var allocator: String {
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return "jemalloc" }
        return "jemalloc " + String(cString: version)
    }
}
