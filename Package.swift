// swift-tools-version:6.0
// Galley: PicKitchen's backend in Swift. No SwiftPM dependencies: the C libraries
// come from Debian through the system library targets below.
import PackageDescription

/// One set of flags for every Swift target, so the whole package builds the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Galley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "APIGateway", targets: ["APIGateway"]),
        .executable(name: "EmojiWorker", targets: ["EmojiWorker"]),
        .executable(name: "WebhookWorker", targets: ["WebhookWorker"]),
        .executable(name: "RewardWorker", targets: ["RewardWorker"]),
        .executable(name: "FakeDashScope", targets: ["FakeDashScope"]),
        .library(name: "Shared", targets: ["Shared"]),
    ],
    targets: [
        // C bindings: the bottom layer.
        // hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM prohibits with a warning;
        // the header needs no include path beyond /usr/include, so hiredis goes without pkgConfig.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Everything the executables share.
        .target(
            name: "Shared",
            dependencies: ["CHiredis", "CLibPQ", "CMicroHTTPD", "CCrypto"],
            resources: [.embedInCode("Migrations")],
            swiftSettings: swiftSettings
        ),

        // Thin executables: main.swift only wires things together.
        .executableTarget(name: "APIGateway", dependencies: ["Shared"], swiftSettings: swiftSettings),
        .executableTarget(name: "EmojiWorker", dependencies: ["Shared"], swiftSettings: swiftSettings),
        .executableTarget(name: "WebhookWorker", dependencies: ["Shared"], swiftSettings: swiftSettings),
        .executableTarget(name: "RewardWorker", dependencies: ["Shared"], swiftSettings: swiftSettings),
        .executableTarget(name: "FakeDashScope", dependencies: ["Shared"], swiftSettings: swiftSettings),

        .testTarget(
            name: "SharedTests",
            // The executables are dependencies so they are built before the tests that run them.
            dependencies: ["Shared", "APIGateway", "EmojiWorker", "FakeDashScope"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
