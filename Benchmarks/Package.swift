// swift-tools-version: 6.1
// Mogura's benchmarks, in their own package so benchmark-only code never enters the main build.
// Run them with scripts/bench (release build).
import PackageDescription

let package = Package(
    name: "mogura-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "mogura", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "mogura-bench",
            dependencies: [
                .product(name: "MoguraCore", package: "mogura"),
                .product(name: "MoguraResolve", package: "mogura"),
                .product(name: "MoguraStore", package: "mogura"),
                .product(name: "MoguraIntake", package: "mogura"),
                .product(name: "MoguraDesk", package: "mogura"),
                .product(name: "MoguraWeb", package: "mogura"),
                .product(name: "MoguraLegal", package: "mogura"),
                .product(name: "MoguraTesting", package: "mogura"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
