// swift-tools-version:6.0
// Galley: PicKitchen's backend in Swift. No SwiftPM dependencies: the C libraries
// come from Debian through the system library targets below.
//
// Layers, bottom to top; a target imports only from the layers below it, so an
// upward import does not compile (docs/architecture.md draws the graph):
//   C bindings → GalleyCore → Postgres / Redis / HTTP / Storage → GalleyRuntime
//   → Ledger → Emoji / Webhooks / Rewards → Gateway → executables.
import PackageDescription

/// One set of flags for every Swift target, so the whole package builds the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// A library target of this package with the shared flags.
func library(_ name: String, _ dependencies: [Target.Dependency], resources: [Resource]? = nil,
             plugins: [Target.PluginUsage]? = nil) -> Target {
    .target(name: name, dependencies: dependencies, resources: resources, swiftSettings: swiftSettings, plugins: plugins)
}

/// A thin executable: its `main.swift` names the services it runs.
func executable(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, swiftSettings: swiftSettings)
}

/// Every library module: what the test layers and their support library may import.
let allModules: [Target.Dependency] = [
    "GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyHTTP", "GalleyStorage", "GalleyRuntime", "GalleyLedger",
    "GalleyEmoji", "GalleyWebhooks", "GalleyRewards", "GalleyGateway", "GalleyTesting", "GalleyHTTPClient", "GalleyPayments",
    "GalleyAdmin", "GalleyConsole",
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
        .executable(name: "galleyctl", targets: ["galleyctl"]),
    ],
    targets: [
        // C bindings: the bottom layer.
        // hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM prohibits with a warning;
        // the header needs no include path beyond /usr/include, so hiredis goes without pkgConfig.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Core: JSON, logging, metrics, threads for blocking calls, time, signals, crypto,
        // environment reading. Nothing here talks to a server.
        // Optimized in debug builds too: JSON parsing of every request body lives here, and
        // the hostile-input tests (issue 12) hold its time bound in the build tests run.
        .target(name: "GalleyCore", dependencies: ["CCrypto"],
                swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),

        // Clients and servers, each over its C library.
        library("GalleyPostgres", ["GalleyCore", "CLibPQ"]),
        library("GalleyRedis", ["GalleyCore", "CHiredis"]),
        library("GalleyHTTP", ["GalleyCore", "CMicroHTTPD"]),
        // Outbound HTTP: one client over a libcurl multi handle (docs/architecture.md, "Outbound HTTP").
        library("GalleyHTTPClient", ["GalleyCore", "CCurl"]),
        library("GalleyStorage", ["GalleyCore", "GalleyHTTPClient"]),

        // Writes the git commit into GalleyRuntime for `--version` and galley_build_info
        // (Plugins/GalleyBuildInfo says how; no dependency, a shell and git only).
        .plugin(name: "GalleyBuildInfo", capability: .buildTool()),

        // The fleet's settings, business config, schema and process bootstrap.
        library("GalleyRuntime", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyHTTP", "GalleyStorage"],
                resources: [.embedInCode("Schema/Migrations")], plugins: ["GalleyBuildInfo"]),

        // The domain: the one place points move, then each worker's logic.
        library("GalleyLedger", ["GalleyCore", "GalleyPostgres"]),
        library("GalleyEmoji", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyStorage", "GalleyRuntime", "GalleyLedger",
                                 "GalleyHTTPClient"]),
        library("GalleyWebhooks", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyRuntime", "GalleyLedger"]),
        library("GalleyRewards", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyRuntime", "GalleyLedger"]),
        // WeChat Pay API v3: the signed client (RSA, AES-GCM from libcrypto) and the orders it pays (docs/payments.md).
        library("GalleyPayments", ["GalleyCore", "CCrypto", "GalleyHTTPClient", "GalleyPostgres", "GalleyRedis", "GalleyRuntime",
                                   "GalleyLedger"]),
        // Operator actions for the console and galleyctl (issue 14): one domain API, no HTTP.
        library("GalleyAdmin", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyRuntime", "GalleyLedger",
                                "GalleyWebhooks", "GalleyRewards"]),
        // The operator console's pages (issue 14): HTML over GalleyAdmin, its CSS and JS embedded.
        library("GalleyConsole", ["GalleyCore", "GalleyHTTP", "GalleyRuntime", "GalleyAdmin"], resources: [.embedInCode("Assets")]),
        library("GalleyGateway", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyHTTP", "GalleyStorage",
                                  "GalleyRuntime", "GalleyLedger", "GalleyEmoji", "GalleyWebhooks", "GalleyPayments",
                                  "GalleyAdmin", "GalleyConsole"]),

        // Stand-ins for paid outside services: tests, demos and benchmarks only, never
        // linked into a production executable.
        library("GalleyTesting", ["GalleyCore", "GalleyHTTP", "GalleyEmoji"]),

        // Thin executables.
        executable("APIGateway", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyHTTP", "GalleyStorage",
                                  "GalleyRuntime", "GalleyEmoji", "GalleyGateway"]),
        executable("EmojiWorker", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyHTTP", "GalleyStorage",
                                   "GalleyRuntime", "GalleyLedger", "GalleyEmoji"]),
        executable("WebhookWorker", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyHTTP",
                                     "GalleyRuntime", "GalleyLedger", "GalleyWebhooks", "GalleyPayments"]),
        executable("RewardWorker", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyHTTP",
                                    "GalleyRuntime", "GalleyLedger", "GalleyRewards"]),
        executable("FakeDashScope", ["GalleyCore", "GalleyHTTP", "GalleyRuntime", "GalleyTesting"]),
        // The operators' command line over GalleyAdmin (docs/galleyctl.md).
        executable("galleyctl", ["GalleyCore", "GalleyPostgres", "GalleyRedis", "GalleyRuntime", "GalleyAdmin"]),
        // bench/httpclient.sh's load generator (libcurl client vs URLSession); not shipped.
        executable("HTTPClientBench", ["GalleyCore", "GalleyHTTPClient"]),

        // Tests in layers (README, "Tests"): unit (no services, parallel), integration (real
        // PostgreSQL and Redis, in process), end-to-end (real Galley processes). The support
        // library holds what more than one layer uses; it keeps Swift 6's public imports
        // (no InternalImportsByDefault) so its package API can name any module's types.
        .target(name: "GalleyTestSupport",
                dependencies: allModules,
                path: "Tests/GalleyTestSupport",
                swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .testTarget(name: "GalleyUnitTests", dependencies: allModules + ["GalleyTestSupport"],
                    path: "Tests/GalleyUnitTests", swiftSettings: swiftSettings),
        .testTarget(name: "GalleyIntegrationTests", dependencies: allModules + ["GalleyTestSupport"],
                    path: "Tests/GalleyIntegrationTests", swiftSettings: swiftSettings),
        // Only this layer runs the executables, so only it depends on them (built before it runs).
        .testTarget(name: "GalleyEndToEndTests",
                    dependencies: allModules + ["GalleyTestSupport",
                                                "APIGateway", "EmojiWorker", "WebhookWorker", "RewardWorker", "FakeDashScope",
                                                "galleyctl"],
                    path: "Tests/GalleyEndToEndTests", swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
