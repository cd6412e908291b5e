// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Bulkhead",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bulkhead", targets: ["bulkhead"]),
        .library(name: "EventLog", targets: ["EventLog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(name: "Storage", dependencies: ["CLMDB", "BulkheadCore"]),
        .target(name: "BulkheadCore"),
        .target(
            name: "Domain",
            dependencies: ["BulkheadCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "EventLog",
            dependencies: [
                "Storage",
                "BulkheadCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),
        .target(name: "Projections", dependencies: ["Domain", "EventLog", "Storage", "BulkheadCore"]),
        .target(
            name: "Workflows",
            dependencies: ["Projections", "Domain", "EventLog", "Storage", "BulkheadCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "bulkhead",
            dependencies: [
                "EventLog",
                "Domain",
                "Projections",
                "Workflows",
                "Service",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Service",
            dependencies: [
                "Projections", "Domain", "EventLog", "Workflows", "BulkheadCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "bench-http",
            dependencies: [
                "Service", "EventLog", "Domain", "Projections", "BulkheadCore", "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/bench-http"
        ),
        .executableTarget(
            name: "bench-eventlog",
            dependencies: ["EventLog", "Storage", "CLMDB", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/bench-eventlog"
        ),
        .executableTarget(
            name: "bench-projections",
            dependencies: [
                "Projections", "Workflows", "Domain", "EventLog", "Storage", "BulkheadCore", "CLMDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/bench-projections"
        ),
        .executableTarget(
            name: "crashtest",
            dependencies: [
                "Projections", "Domain", "EventLog", "Storage", "BulkheadCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/crashtest"
        ),
        .executableTarget(
            name: "projections-child",
            dependencies: ["Projections", "Domain", "EventLog", "BulkheadCore"],
            path: "Tools/projections-child"
        ),
        .executableTarget(
            name: "eventlog-child",
            dependencies: ["EventLog", "BulkheadCore"],
            path: "Tools/eventlog-child"
        ),
        .target(
            name: "FuzzHarness",
            dependencies: ["EventLog", "Domain", "Projections", "Workflows", "BulkheadCore"]
        ),
        .executableTarget(name: "fuzz-envelope", dependencies: ["FuzzHarness"], path: "Tools/fuzz-envelope"),
        .executableTarget(name: "fuzz-command", dependencies: ["FuzzHarness"], path: "Tools/fuzz-command"),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "BulkheadCoreTests", dependencies: ["BulkheadCore"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "Storage"]),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "Projections", "EventLog", "BulkheadCore"]),
        .testTarget(name: "ProjectionsTests", dependencies: ["Projections", "Domain", "EventLog", "Storage", "BulkheadCore", "Workflows"]),
        .testTarget(name: "SchemaTests", dependencies: ["Domain", "Projections", "EventLog", "Workflows", "BulkheadCore"]),
        .testTarget(name: "CLITests", dependencies: ["bulkhead", "EventLog", "Storage", "BulkheadCore"]),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: ["Projections", "Domain", "EventLog", "Storage", "BulkheadCore", "Workflows"],
            exclude: ["README.md"]
        ),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzHarness"]),
        .testTarget(
            name: "ServiceTests",
            dependencies: [
                "Service", "Projections", "Domain", "EventLog", "Workflows", "BulkheadCore", "Storage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["check-openapi.py"]
        ),
    ]
)
