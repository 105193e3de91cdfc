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
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // libzmq's C API, linked from the system (Debian: libzmq3-dev).
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // jemalloc, the allocator of every knooppunt process (Debian: libjemalloc-dev); see the
        // executable's target.
        .systemLibrary(
            name: "CJemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        // Zstandard (Debian: libzstd-dev): the log entries in etcd are compressed with it.
        .systemLibrary(
            name: "CZstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // Several parts in one frame: atomic delivery even when a sender dies mid-message.
        .target(name: "FramePacking"),
        // Swift over libzmq: sockets, options, CURVE, ZAP, monitors and the poll-loop thread.
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ", "FramePacking", .product(name: "Logging", package: "swift-log")]
        ),
        // A strict JSON parser and canonical writer (no duplicate keys, bounded depth, sorted output).
        .target(name: "StrictJSON"),
        // The crisis domain as value types without I/O, and the reference data of the Netherlands.
        .target(name: "KnooppuntDomain", dependencies: ["StrictJSON"]),
        // KNP/1: documents, envelopes, signatures, frames and error codes (docs/PROTOCOL.md).
        .target(
            name: "KnooppuntProtocol",
            dependencies: [
                "KnooppuntDomain", "StrictJSON", "FramePacking", "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // State machines without I/O: the picture, the node's coordinator, outbox and mirror.
        .target(
            name: "KnooppuntCore",
            dependencies: [
                "KnooppuntDomain", "KnooppuntProtocol", "StrictJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // SQLite stores (GRDB, WAL, synchronous=FULL): the node's log, a daemon's outbox and mirror.
        .target(
            name: "KnooppuntStore",
            dependencies: [
                "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol", "StrictJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The data folder, the network configuration, keys and lock files (ZeroMQ for CURVE keys only).
        .target(
            name: "KnooppuntConfig",
            dependencies: ["KnooppuntDomain", "KnooppuntProtocol", "KnooppuntCore", "StrictJSON", "ZeroMQ"]
        ),
        // Every party that talks to the node: following the active node, submitting from a
        // durable outbox, the operator and control sockets' codecs and conversations.
        .target(
            name: "KnooppuntClient",
            dependencies: [
                "ZeroMQ", "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol", "KnooppuntStore",
                "KnooppuntConfig", "StrictJSON", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The national node: submits, group commit, the per-organisation picture stream, CHP.
        .target(
            name: "KnooppuntNode",
            dependencies: [
                "ZeroMQ", "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol", "KnooppuntStore",
                "KnooppuntConfig", "KnooppuntEtcd", "FramePacking",
                "StrictJSON", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // A daemon (safety region, NCTV, police): durable outbox, mirror, operator socket.
        .target(
            name: "KnooppuntDaemon",
            dependencies: [
                "ZeroMQ", "KnooppuntClient", "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol",
                "KnooppuntStore",
                "KnooppuntConfig",
                "StrictJSON", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // HTTP for people: the national desk, operator screens, the JSON API, /metrics, /healthz.
        .target(
            name: "KnooppuntWeb",
            dependencies: [
                "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol", "KnooppuntConfig", "StrictJSON",
                "ZeroMQ", "KnooppuntWorkflows", "KnooppuntStore", "KnooppuntClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The pages, scripts and style sheets, compiled into the binary (`PackageResources`).
            resources: [.embedInCode("Resources")]
        ),
        // Crisis workflows built on the domain: CAP 1.2 export, exercise replay, the timeline.
        .target(
            name: "KnooppuntWorkflows",
            dependencies: [
                "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol", "StrictJSON",
            ]
        ),
        // Services that run beside the network: the alert service and its hooks, the exercise
        // runner, the workflow publisher, the offline readers of a data folder.
        .target(
            name: "KnooppuntServices",
            dependencies: [
                "KnooppuntClient", "KnooppuntConfig", "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol",
                "KnooppuntStore", "KnooppuntWorkflows", "StrictJSON", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The local network of real processes: start, supervise, wait until ready, pause, stop;
        // free ports, the layout of a network of N regions, logs, STATUS through the client.
        .target(
            name: "KnooppuntHarness",
            dependencies: [
                "KnooppuntClient", "KnooppuntConfig", "KnooppuntDomain", "KnooppuntProtocol", "StrictJSON",
                // The local etcd members' certificates (LocalEtcd).
                "KnooppuntCertificates",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The calls the node makes to etcd over its v3 gRPC API: kv, txn, leases, watch, status,
        // and the election of the active replica.
        .target(
            name: "KnooppuntEtcd",
            dependencies: [
                // etcd's v3 API over gRPC, its messages generated from proto/etcd.proto.
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                // Reading the TLS material early, for a clear error.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The deployment's etcd TLS material: its CA, one certificate per member and per replica.
        .target(
            name: "KnooppuntCertificates",
            dependencies: [
                "KnooppuntConfig",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Chaos: a real network under seeded faults and load, and the offline checker.
        .target(
            name: "KnooppuntChaos",
            dependencies: [
                "ZeroMQ", "KnooppuntConfig", "KnooppuntStore", "KnooppuntCore", "KnooppuntProtocol",
                "KnooppuntDomain", "KnooppuntHarness", "KnooppuntClient", "KnooppuntCertificates",
                "StrictJSON", "FramePacking",
            ]
        ),
        // The build's identity (git commit, build date) for `knooppunt --version`.
        .executableTarget(name: "BuildInfoTool"),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool(), dependencies: ["BuildInfoTool"]),
        // Benchmarks: the node (direct or through daemons) and the Swift ZeroMQ layer against C.
        .target(
            name: "KnooppuntBench",
            dependencies: [
                "ZeroMQ", "CZeroMQ", "KnooppuntClient", "KnooppuntConfig", "KnooppuntDomain",
                "KnooppuntProtocol", "KnooppuntStore", "KnooppuntHarness", "KnooppuntCertificates",
                "StrictJSON",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "KnooppuntCLI",
            dependencies: [
                "ZeroMQ", "KnooppuntDomain", "KnooppuntProtocol", "KnooppuntCore",
                "KnooppuntStore",
                "KnooppuntConfig", "KnooppuntNode", "KnooppuntDaemon", "KnooppuntClient", "StrictJSON",
                "KnooppuntWeb", "KnooppuntServices",
                "KnooppuntWorkflows", "KnooppuntChaos", "KnooppuntHarness", "KnooppuntBench",
                "KnooppuntEtcd", "KnooppuntCertificates",
                // jemalloc serves malloc and free in every knooppunt process (the binary links
                // it ahead of libc). The node's loop allocates what a pass reads and another
                // thread frees it (OffLoopRelease): glibc's malloc locks the loop's arena for
                // each such free and the threads waited on each other; with jemalloc the node
                // spends about a tenth less CPU per durable report (docs/BENCHMARKS.md).
                "CJemalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            plugins: ["BuildInfoPlugin"]
        ),
        // Fixtures shared by the test targets: a network of signing keys, the Utrecht documents,
        // a node's decisions without I/O, temporary folders.
        .target(
            name: "KnooppuntTestSupport",
            dependencies: ["KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol", "StrictJSON"],
            path: "Tests/Support"
        ),
        // The allowed arrows between modules (docs/ARCHITECTURE.md) held against the code.
        .testTarget(name: "ArchitectureTests"),
        .testTarget(
            name: "KnooppuntHarnessTests",
            dependencies: [
                "KnooppuntHarness", "KnooppuntConfig", "KnooppuntDomain", "KnooppuntProtocol", "StrictJSON",
            ]
        ),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "CZeroMQ"]),
        // Real etcd members started by the harness (run serialized within the suite).
        .testTarget(
            name: "KnooppuntEtcdTests",
            dependencies: [
                "KnooppuntEtcd", "KnooppuntCore", "KnooppuntHarness", "KnooppuntCertificates", "StrictJSON",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "KnooppuntCertificatesTests",
            dependencies: [
                "KnooppuntCertificates", "KnooppuntConfig", "StrictJSON",
                // The deployment's units are held against the harness's etcd flags.
                "KnooppuntHarness",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(name: "FramePackingTests", dependencies: ["FramePacking"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "KnooppuntDomainTests", dependencies: ["KnooppuntDomain"]),
        .testTarget(
            name: "KnooppuntConfigTests",
            dependencies: [
                "KnooppuntConfig", "KnooppuntCore", "KnooppuntDomain", "KnooppuntProtocol", "StrictJSON",
            ]),
        .testTarget(name: "KnooppuntChaosTests", dependencies: ["KnooppuntChaos"]),
        .testTarget(name: "KnooppuntBenchTests", dependencies: ["KnooppuntBench", "StrictJSON"]),
        // The node and a daemon in the test's own process, on real sockets and stores.
        .testTarget(
            name: "KnooppuntNodeTests",
            dependencies: [
                "KnooppuntNode", "KnooppuntClient", "KnooppuntConfig", "KnooppuntDomain", "KnooppuntHarness",
                "KnooppuntProtocol", "KnooppuntCore", "KnooppuntTestSupport", "FramePacking", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "KnooppuntDaemonTests",
            dependencies: [
                "KnooppuntDaemon", "KnooppuntNode", "KnooppuntClient", "KnooppuntConfig", "KnooppuntDomain",
                "KnooppuntHarness", "KnooppuntProtocol", "KnooppuntStore", "StrictJSON",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "KnooppuntStoreTests",
            dependencies: [
                "KnooppuntStore", "KnooppuntCore", "KnooppuntProtocol", "KnooppuntDomain", "StrictJSON",
                "KnooppuntTestSupport",
                // Audit tests edit a store behind its back, as an attacker with file access would.
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "KnooppuntServicesTests",
            dependencies: [
                "KnooppuntServices", "KnooppuntConfig", "KnooppuntDomain", "KnooppuntProtocol",
                "KnooppuntStore",
                "KnooppuntWorkflows", "StrictJSON", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "KnooppuntCoreTests",
            dependencies: [
                "KnooppuntCore", "KnooppuntProtocol", "KnooppuntDomain", "StrictJSON", "KnooppuntConfig",
                "KnooppuntTestSupport",
            ]
        ),
        // Real processes: the built `knooppunt` binary, real sockets and stores (run serialized).
        .testTarget(
            name: "KnooppuntSystemTests",
            dependencies: [
                "ZeroMQ", "KnooppuntConfig", "KnooppuntStore", "KnooppuntProtocol", "KnooppuntDomain",
                "KnooppuntDaemon", "KnooppuntChaos", "KnooppuntHarness", "KnooppuntClient",
                "KnooppuntEtcd", "KnooppuntCore", "FramePacking", "StrictJSON", "KnooppuntCertificates",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The client library without sockets: codecs and the follower's and outbox's decisions.
        .testTarget(
            name: "KnooppuntClientTests",
            dependencies: [
                "KnooppuntClient", "KnooppuntCore", "KnooppuntProtocol", "KnooppuntDomain", "KnooppuntStore",
                "StrictJSON", "ZeroMQ", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "KnooppuntWebTests",
            dependencies: [
                "KnooppuntWeb", "KnooppuntHarness", "KnooppuntStore", "KnooppuntCore", "KnooppuntProtocol",
                "KnooppuntDomain",
                // A partner comes from a real network.json (DeskPartnerTests).
                "KnooppuntConfig",
                "StrictJSON",
                // docs/openapi.yaml is read with Yams and compared with the routers' routes.
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "KnooppuntWorkflowsTests",
            dependencies: [
                "KnooppuntWorkflows", "KnooppuntCore", "KnooppuntProtocol", "KnooppuntDomain", "StrictJSON",
            ]
        ),
        // A real headless browser against a running network (run serialized, after the other real-process tests).
        .testTarget(
            name: "KnooppuntBrowserTests",
            dependencies: [
                "KnooppuntConfig", "KnooppuntDomain", "KnooppuntHarness", "KnooppuntProtocol", "StrictJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "KnooppuntProtocolTests",
            dependencies: [
                "KnooppuntProtocol", "KnooppuntDomain", "StrictJSON", "KnooppuntConfig", "FramePacking",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
