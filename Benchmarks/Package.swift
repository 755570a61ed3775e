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
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
