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
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "CMPIShim", dependencies: ["CMPI"]),

        // MARK: Library
        .target(name: "SimCLR", dependencies: ["COpenBLAS", "CPNGShim", "CZlib"]),
        .target(name: "SimCLRTestSupport", dependencies: ["SimCLR"]),
        // Open MPI behind the library's `Communicator`: only the CLI links it.
        .target(name: "SimCLRMPI", dependencies: ["SimCLR", "CMPIShim"]),

        // MARK: CLI
        .executableTarget(
            name: "SimCLRCLI",
            dependencies: [
                "SimCLR", "SimCLRMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Tests
        .testTarget(name: "SimCLRTests", dependencies: ["SimCLR", "SimCLRTestSupport"]),
        .testTarget(name: "SimCLRCLITests", dependencies: ["SimCLRCLI", "SimCLR"]),
    ]
)
