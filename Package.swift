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
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(name: "Storage", dependencies: ["CLMDB"]),
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "bench-eventlog",
            dependencies: ["EventLog", "Storage", "CLMDB"],
            path: "Tools/bench-eventlog"
        ),
        .executableTarget(
            name: "bench-projections",
            dependencies: ["Projections", "Workflows", "Domain", "EventLog", "Storage", "BulkheadCore"],
            path: "Tools/bench-projections"
        ),
        .executableTarget(
            name: "crashtest",
            dependencies: ["Projections", "Domain", "EventLog", "Storage", "BulkheadCore"],
            path: "Tools/crashtest"
        ),
        .executableTarget(
            name: "eventlog-child",
            dependencies: ["EventLog", "BulkheadCore"],
            path: "Tools/eventlog-child"
        ),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "BulkheadCoreTests", dependencies: ["BulkheadCore"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "Storage"]),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "Projections", "EventLog", "BulkheadCore"]),
        .testTarget(name: "ProjectionsTests", dependencies: ["Projections", "Domain", "EventLog", "Storage", "BulkheadCore", "Workflows"]),
        .testTarget(name: "SchemaTests", dependencies: ["Domain", "Projections", "EventLog", "Workflows", "BulkheadCore"]),
        .testTarget(name: "CLITests", dependencies: ["bulkhead"]),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: ["Projections", "Domain", "EventLog", "Storage", "BulkheadCore", "Workflows"],
            exclude: ["README.md"]
        ),
    ]
)
