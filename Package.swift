// swift-tools-version:6.0
import PackageDescription

// No package dependencies, by design: the toolchain (stdlib, FoundationEssentials,
// Synchronization, Dispatch, Glibc, Swift Testing) is all Touchtone builds on.
let package = Package(
    name: "Touchtone",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Touchtone", targets: ["Touchtone"]),
        .library(name: "TouchtoneServer", targets: ["TouchtoneServer"]),
        .library(name: "TouchtoneTesting", targets: ["TouchtoneTesting"]),
        .library(name: "TouchtoneCommandLine", targets: ["TouchtoneCommandLine"]),
        .executable(name: "touchtone", targets: ["touchtone"]),
    ],
    targets: [
        // The pure core: protocol models, DSL, compiler, engine, session store.
        .target(name: "Touchtone"),
        // System calls Glibc does not export (epoll, eventfd, accept4).
        .target(name: "CTouchtoneSystem"),
        .target(name: "TouchtoneServer", dependencies: ["Touchtone", "CTouchtoneSystem"]),
        .target(name: "TouchtoneTesting", dependencies: ["Touchtone", "TouchtoneServer"]),
        // The `touchtone` command line (serve, check, graph, call) for any routing table.
        .target(name: "TouchtoneCommandLine", dependencies: ["Touchtone", "TouchtoneServer"]),
        // The user's flows and routing table, in the top-level Flows/ folder.
        .target(name: "Flows", dependencies: ["Touchtone"], path: "Flows"),
        .executableTarget(name: "touchtone", dependencies: ["Flows", "TouchtoneCommandLine"]),
        // Prints speed and memory figures; run with `swift run -c release touchtone-bench`.
        .executableTarget(name: "touchtone-bench", dependencies: ["Touchtone", "TouchtoneCommandLine"]),
        .testTarget(name: "TouchtoneTests", dependencies: ["Touchtone"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TouchtoneTestingTests", dependencies: ["TouchtoneTesting", "Touchtone"], exclude: ["Golden"]),
        .testTarget(name: "TouchtoneServerTests", dependencies: ["TouchtoneServer", "Touchtone", "TouchtoneTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TouchtoneCommandLineTests", dependencies: ["TouchtoneCommandLine", "TouchtoneServer", "Touchtone", "TouchtoneTesting"]),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "TouchtoneTesting", "Touchtone", "TouchtoneCommandLine"]),
    ],
    swiftLanguageModes: [.v6]
)
