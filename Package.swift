// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-simclr",
    products: [
        .executable(name: "simclr", targets: ["SimCLRCLI"]),
        .library(name: "SimCLR", targets: ["SimCLR"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLibPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CPNGShim", dependencies: ["CLibPNG", "CZlib"]),

        // MARK: Library
        .target(name: "SimCLR", dependencies: ["COpenBLAS", "CPNGShim", "CZlib"]),
        .target(name: "SimCLRTestSupport", dependencies: ["SimCLR"]),

        // MARK: CLI
        .executableTarget(
            name: "SimCLRCLI",
            dependencies: [
                "SimCLR",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Tests
        .testTarget(name: "SimCLRTests", dependencies: ["SimCLR", "SimCLRTestSupport"]),
        .testTarget(name: "SimCLRCLITests", dependencies: ["SimCLRCLI", "SimCLR"]),
    ]
)
