// swift-tools-version: 6.1
// Paystream: a Kafka-driven payment platform. Layers (arrows point down only):
//   1 C shims (system libraries)  ->  2 clients (Kafka, Postgres, Redis, Cryptography)
//   -> 3 domain core (PaystreamCore)  ->  4 adapters (EventBus, LedgerStore)
//   -> 5 services (PaystreamRuntime)  ->  6 executables (Sources/Executables/*)
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Paystream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "paystream", targets: ["paystream"]),
        .executable(name: "paystream-api", targets: ["paystream-api"]),
        .executable(name: "paystream-worker", targets: ["paystream-worker"]),
        .executable(name: "paystream-scheduler", targets: ["paystream-scheduler"]),
        .executable(name: "paystream-dlq", targets: ["paystream-dlq"]),
        .executable(name: "paystream-sim", targets: ["paystream-sim"]),
        .executable(name: "paystream-broker", targets: ["paystream-broker"]),
        .executable(name: "paystream-bench", targets: ["paystream-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // 1. C shims: only the client modules import these.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),

        // 2. Clients: generic, know nothing about payments, never show a C type.
        .target(name: "BlockingIO", swiftSettings: strict),
        .target(
            name: "Kafka",
            dependencies: ["CRdKafka", "BlockingIO", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "BlockingIO", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "Redis",
            dependencies: ["CHiredis", "BlockingIO", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(name: "Cryptography", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "QRCode", dependencies: ["CQREncode"], swiftSettings: strict),

        // 3. Domain core: pure Swift, no I/O.
        .target(name: "PaystreamCore", swiftSettings: strict),

        // 4. Adapters: the event bus (topics/ registry over Kafka) and the ledger store (PostgreSQL).
        .target(name: "EventBus", dependencies: ["Kafka", "PaystreamCore"], swiftSettings: strict),
        .target(
            name: "LedgerStore", dependencies: ["Postgres", "PaystreamCore"],
            resources: [.copy("Migrations")], swiftSettings: strict),

        // Channels: WeChat Pay v3, Alipay and Bill99 clients and notify verifiers behind one protocol.
        .target(
            name: "Channels",
            dependencies: [
                "Cryptography", "PaystreamCore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Risk rules: a YAML rules file, counters in Redis.
        .target(
            name: "Risk",
            dependencies: ["PaystreamCore", "Redis", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The channel sandbox (SIMULATED WeChat Pay, Alipay, Bill99), served by paystream-sim.
        .target(
            name: "ChannelSandbox",
            dependencies: [
                "Cryptography", "PaystreamCore", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // External and internal reconciliation: the channels' bills against the ledger, the ledger's invariants;
        // runs, items and resolutions stored append-only.
        .target(
            name: "Reconciliation",
            dependencies: ["Channels", "LedgerStore", "Postgres", "PaystreamCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),

        // 5. Services: configuration, logging, metrics, lifecycle and the roles' wiring.
        .target(
            name: "PaystreamRuntime",
            dependencies: [
                "Kafka", "Postgres", "Redis", "EventBus", "LedgerStore", "PaystreamCore", "BlockingIO", "Cryptography",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),

        // The HTTP API (Hummingbird): recharge, scan-to-collect, withdrawals with review, refunds, channel notifies,
        // and the payout and refund dispatchers.
        .target(
            name: "PaystreamAPI",
            dependencies: [
                "PaystreamRuntime", "Channels", "Risk", "QRCode", "Cryptography", "Reconciliation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),

        // 6. Executables: one thin main per role.
        .executableTarget(
            name: "paystream", dependencies: ["PaystreamAPI", "PaystreamRuntime"],
            path: "Sources/Executables/paystream", swiftSettings: strict),
        .executableTarget(
            name: "paystream-api", dependencies: ["PaystreamAPI", "PaystreamRuntime"],
            path: "Sources/Executables/paystream-api", swiftSettings: strict),
        .executableTarget(
            name: "paystream-worker", dependencies: ["PaystreamRuntime"],
            path: "Sources/Executables/paystream-worker", swiftSettings: strict),
        .executableTarget(
            name: "paystream-scheduler", dependencies: ["PaystreamAPI", "PaystreamRuntime"],
            path: "Sources/Executables/paystream-scheduler", swiftSettings: strict),
        .executableTarget(
            name: "paystream-dlq", dependencies: ["PaystreamRuntime"],
            path: "Sources/Executables/paystream-dlq", swiftSettings: strict),
        .executableTarget(
            name: "paystream-sim", dependencies: ["PaystreamRuntime", "ChannelSandbox"],
            path: "Sources/Executables/paystream-sim", swiftSettings: strict),
        .executableTarget(
            name: "paystream-broker", dependencies: ["PaystreamRuntime"],
            path: "Sources/Executables/paystream-broker", swiftSettings: strict),
        .executableTarget(
            name: "paystream-bench", dependencies: ["PaystreamRuntime"],
            path: "Sources/Executables/paystream-bench", swiftSettings: strict),

        // Tests: clients against the real services (URLs from the environment set by deploy/local/test).
        .target(name: "TestSupport", dependencies: ["Kafka", "Postgres", "Redis", "LedgerStore"], path: "Tests/TestSupport",
                swiftSettings: strict),
        .testTarget(name: "BlockingIOTests", dependencies: ["BlockingIO"], swiftSettings: strict),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "EventBus", "BlockingIO", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "LedgerStore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CryptographyTests", dependencies: ["Cryptography", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PaystreamCoreTests", dependencies: ["PaystreamCore"], swiftSettings: strict),
        .testTarget(
            name: "ChannelsTests", dependencies: ["Channels", "ChannelSandbox", "TestSupport"], exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(name: "ChannelSandboxTests", dependencies: ["ChannelSandbox", "Cryptography", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RiskTests", dependencies: ["Risk", "QRCode", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LedgerTests", dependencies: ["LedgerStore", "PaystreamCore", "TestSupport"], swiftSettings: strict),
        // The API's parts that need no services (tested through @testable import); the API itself, over HTTP
        // with every service, is in PaymentFlowTests.
        .testTarget(name: "PaystreamAPITests", dependencies: ["PaystreamAPI", "Channels", "PaystreamCore", "EventBus", "Kafka", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "ReconciliationTests",
            dependencies: ["Reconciliation", "Channels", "LedgerStore", "PaystreamCore", "Postgres", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PaymentFlowTests",
            dependencies: [
                "PaystreamCore", "LedgerStore", "Postgres", "Kafka", "Redis", "QRCode", "Cryptography", "TestSupport", "PaystreamRuntime", "EventBus",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "PaystreamRuntime", "EventBus", "LedgerStore", "PaystreamCore", "Kafka", "Postgres", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
    ]
)
