// swift-tools-version:6.0
import PackageDescription

/// Herald: one executable (`herald`) over small modules. Dependencies point down only:
/// C modules → one wrapper each → HeraldCore / HeraldStore / HeraldQueue → HeraldWeb / HeraldScheduler → herald.
let package = Package(
    name: "Herald",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "herald", targets: ["herald"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C libraries: a module map and a one-line shim each (research/ecosystem.md §1.2).
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // hiredis.pc carries -D_FILE_OFFSET_BITS=64, which SwiftPM rejects with a warning; the headers need no flags.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark", providers: [.apt(["libcmark-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CXlsxWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CPangoCairo", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // One thin wrapper per C library; only the wrapper imports its C module.
        .target(name: "FastCGI", dependencies: ["CFastCGI"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Redis", dependencies: ["CHiredis"]),
        .target(name: "Markdown", dependencies: ["CCmark"]),
        .target(name: "Crypto", dependencies: ["CSodium"]),
        .target(name: "PangoCairo", dependencies: ["CPangoCairo"]),
        .target(name: "XlsxWriter", dependencies: ["CXlsxWriter"]),
        .target(name: "Zlib", dependencies: ["CZlib"]),
        .target(name: "Curl", dependencies: ["CCurl"]),

        // Herald itself.
        .target(name: "HeraldCore"),
        // Counters, gauges and histograms in the Prometheus text format, and the metrics Herald's processes export.
        .target(name: "HeraldMetrics"),
        .target(
            name: "HeraldStore",
            dependencies: ["HeraldCore", "Postgres", "Crypto"],
            resources: [.copy("Migrations")]
        ),
        // The Redis key layout and what lives under it (streams, heartbeats, breakers), shared by every process.
        .target(name: "HeraldQueue", dependencies: ["HeraldCore", "Redis"]),
        // `herald doctor`: the checks of a deployment (configuration, PostgreSQL, Redis, data folder, artifacts).
        .target(name: "HeraldDoctor", dependencies: ["HeraldCore", "HeraldStore", "HeraldQueue", "Postgres", "Redis"]),
        .target(name: "HeraldRender", dependencies: ["HeraldCore", "PangoCairo", "Markdown", "XlsxWriter", "Zlib", .product(name: "Mustache", package: "swift-mustache")]),
        .target(name: "HeraldDelivery", dependencies: ["HeraldCore", "HeraldStore", "HeraldRender", "Curl", "Crypto", "Markdown"]),
        .target(
            name: "HeraldWeb",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldQueue", "HeraldRender", "HeraldDelivery", "HeraldMetrics", "FastCGI", "Postgres", "Redis", "Crypto", "Markdown",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "HeraldScheduler",
            dependencies: ["HeraldCore", "HeraldStore", "HeraldQueue", "HeraldRender", "HeraldDelivery", "HeraldMetrics", "Postgres", "Redis", "Crypto",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldQueue", "HeraldDoctor", "HeraldWeb", "HeraldScheduler", "HeraldMetrics", "HeraldRender", "HeraldDelivery", "FastCGI", "Postgres", "Redis", "Crypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Tests: one target per module, plus integration tests against real nginx, PostgreSQL and Redis.
        .target(name: "TestSupport", dependencies: ["Postgres", "Redis"], path: "Tests/TestSupport"),
        .executableTarget(
            name: "FastCGITestServer",
            dependencies: ["HeraldWeb", "FastCGI"],
            path: "Tests/FastCGITestServer"
        ),
        // Renders an export (or a zip) in a process of its own, so that its peak memory can be measured alone.
        .executableTarget(name: "RenderProbe", dependencies: ["HeraldRender"], path: "Tests/RenderProbe"),
        // deploy/bench-export.sh's measured program: PostgreSQL → ReportQueryRunner.stream → one renderer → a file.
        .executableTarget(name: "ExportProbe", dependencies: ["HeraldStore", "HeraldRender", "Postgres"], path: "Tests/ExportProbe"),
        // deploy/bench-delivery.sh's measured program: the real channels (DeliveryChannels.make) delivering N times.
        .executableTarget(name: "DeliveryProbe", dependencies: ["HeraldDelivery", "HeraldCore"], path: "Tests/DeliveryProbe"),
        .testTarget(name: "CLibrariesTests", dependencies: ["CCurl", "CPangoCairo", "CCmark", "CFastCGI"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "TestSupport"]),
        .testTarget(name: "MarkdownTests", dependencies: ["Markdown"]),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto"]),
        .testTarget(name: "XlsxWriterTests", dependencies: ["XlsxWriter"]),
        .testTarget(name: "ZlibTests", dependencies: ["Zlib"]),
        .testTarget(name: "HeraldCoreTests", dependencies: ["HeraldCore"]),
        .testTarget(name: "HeraldMetricsTests", dependencies: ["HeraldMetrics"]),
        .testTarget(name: "HeraldStoreTests", dependencies: ["HeraldStore", "HeraldCore", "HeraldQueue", "Crypto", "Postgres", "Redis", "TestSupport"]),
        .testTarget(
            name: "HeraldWebTests",
            dependencies: ["HeraldWeb", "HeraldMetrics", "HeraldStore", "HeraldCore", "HeraldQueue", "FastCGI", "Postgres", "Redis", "Crypto", "TestSupport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "HeraldRenderTests", dependencies: ["HeraldRender"], exclude: ["Checkers"]),
        .testTarget(name: "HeraldDeliveryTests", dependencies: ["HeraldDelivery", "HeraldCore", "HeraldStore", "Curl", "Crypto", "Postgres", "TestSupport"]),
        .testTarget(name: "CurlTests", dependencies: ["Curl", "TestSupport"]),
        .testTarget(name: "HeraldDoctorTests", dependencies: ["HeraldDoctor"]),
        .testTarget(name: "HeraldQueueTests", dependencies: ["HeraldQueue", "Redis", "TestSupport"]),
        .testTarget(name: "HeraldSchedulerTests", dependencies: ["HeraldScheduler", "HeraldStore", "Postgres", "Crypto", "Redis", "TestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "Postgres", "Redis", "HeraldCore", "HeraldQueue", "HeraldStore"]),
    ]
)
