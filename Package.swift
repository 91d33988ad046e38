// swift-tools-version:6.1
import PackageDescription

/// Catalog: a pre-forked FastCGI REST service. See README.md (and docs/) for the architecture.
///
/// `Core` holds everything the service means (HTTP values, routing, JSON, PostgreSQL,
/// domain modules) and never touches processes or sockets; `FCGIApp` holds everything
/// about running it (command line, pre-fork master, FastCGI worker loop).
let package = Package(
    name: "catalog",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "catalog", targets: ["FCGIApp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Our own C: the scoreboard's shared-memory layout and atomics, and the system
        // calls Swift cannot make directly (prctl, epoll, descriptor passing).
        .target(name: "CScoreboard"),
        .target(name: "CProcess"),
        // The master's decisions (spawn, retire, reload, timeouts, back-off, stop) as a
        // pure state machine: events in, actions out; no system calls, unit-tested alone.
        .target(name: "ProcessPool", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(
            name: "Core",
            dependencies: [
                "CLibPQ",
                "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .executableTarget(
            name: "FCGIApp",
            dependencies: [
                "Core",
                "CFastCGI",
                "CScoreboard",
                "CProcess",
                "ProcessPool",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers the test targets share (not shipped: only the test targets depend on it).
        .target(name: "TestSupport", dependencies: ["Core"], path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["Core", "TestSupport"]),
        .testTarget(name: "FCGIAppTests", dependencies: ["Core", "TestSupport"]),
        // Every route's behaviour in-process: `CatalogService.respond(to:)` against the real
        // PostgreSQL, no nginx and no worker (FCGIAppTests keep what needs those).
        .testTarget(
            name: "RouteTests",
            dependencies: ["Core", "TestSupport", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(name: "PoolStateMachineTests", dependencies: ["ProcessPool", "TestSupport"]),
    ]
)
