// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Knooppunt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "knooppunt", targets: ["KnooppuntCLI"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libzmq's C API, linked from the system (Debian: libzmq3-dev).
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // Swift over libzmq: sockets, options, CURVE, ZAP, monitors and the poll-loop thread.
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "KnooppuntCLI",
            dependencies: [
                "ZeroMQ", "CZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "CZeroMQ"]),
    ],
    swiftLanguageModes: [.v6]
)
