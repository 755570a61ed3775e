// swift-tools-version: 6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "mogura",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mogura", targets: ["mogura"]),
        .library(name: "MoguraCore", targets: ["MoguraCore"]),
        .library(name: "MoguraStore", targets: ["MoguraStore"]),
        .library(name: "MoguraResolve", targets: ["MoguraResolve"]),
        .library(name: "MoguraIntake", targets: ["MoguraIntake"]),
        .library(name: "MoguraDesk", targets: ["MoguraDesk"]),
        .library(name: "MoguraWeb", targets: ["MoguraWeb"]),
        .library(name: "MoguraScan", targets: ["MoguraScan"]),
        .library(name: "MoguraLegal", targets: ["MoguraLegal"]),
        // Test support, a product only so the benchmark package can generate the same data as the tests.
        .library(name: "MoguraTesting", targets: ["MoguraTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .target(name: "MoguraCore", swiftSettings: upcoming),
        .target(
            name: "MoguraStore",
            dependencies: [
                "MoguraCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: upcoming
        ),
        .target(name: "MoguraResolve", dependencies: ["MoguraCore"], swiftSettings: upcoming),
        .target(
            name: "MoguraScan",
            dependencies: [
                "MoguraCore",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: upcoming,
            // ICU's C API for regexes with a deadline (ICUPattern.swift): the ICU Foundation ships in the toolchain.
            linkerSettings: [.linkedLibrary("_FoundationICU")]
        ),
        .target(
            name: "MoguraLegal",
            dependencies: [
                "MoguraCore", "MoguraStore", "MoguraResolve", "MoguraIntake",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MoguraDesk",
            dependencies: [
                "MoguraCore", "MoguraIntake", "MoguraStore", "MoguraResolve",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MoguraMail",
            dependencies: [
                "MoguraCore", "MoguraIntake",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MoguraIntake",
            dependencies: [
                "MoguraCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MoguraWeb",
            dependencies: [
                "MoguraCore", "MoguraStore", "MoguraResolve", "MoguraIntake", "MoguraDesk", "MoguraLegal",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "mogura",
            dependencies: [
                "MoguraCore", "MoguraStore", "MoguraResolve", "MoguraIntake", "MoguraDesk", "MoguraMail", "MoguraWeb", "MoguraScan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "MoguraTesting",
            dependencies: [
                "MoguraCore", "MoguraStore", "MoguraResolve",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/MoguraTesting",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "MoguraMailTests",
            dependencies: [
                "MoguraMail", "MoguraTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ], swiftSettings: upcoming),
        .testTarget(name: "MoguraIntakeTests", dependencies: ["MoguraIntake", "MoguraTesting"], swiftSettings: upcoming),
        .testTarget(name: "MoguraCoreTests", dependencies: ["MoguraCore", "MoguraTesting"], swiftSettings: upcoming),
        .testTarget(
            name: "MoguraLegalTests",
            dependencies: [
                "MoguraLegal", "MoguraResolve", "MoguraStore", "MoguraTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ], swiftSettings: upcoming),
        .testTarget(
            name: "MoguraStoreTests",
            dependencies: [
                "MoguraStore", "MoguraMail", "MoguraTesting", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: upcoming),
        .testTarget(
            name: "MoguraResolveTests", dependencies: ["MoguraResolve", "MoguraTesting"], swiftSettings: upcoming),
        .testTarget(name: "MoguraCLITests", dependencies: ["mogura", "MoguraTesting"], swiftSettings: upcoming),
        .testTarget(
            name: "MoguraScanTests",
            dependencies: [
                "MoguraScan", "MoguraTesting", .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming),
        .testTarget(
            name: "MoguraWebTests",
            dependencies: [
                "MoguraWeb", "MoguraDesk", "MoguraLegal", "MoguraTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ], swiftSettings: upcoming),
        .testTarget(
            name: "MoguraDeskTests",
            dependencies: [
                "MoguraDesk", "MoguraMail", "MoguraTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ], swiftSettings: upcoming),
    ],
    swiftLanguageModes: [.v6]
)
