// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "my-ivr",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../touchtone")  // or .package(url: "<the repository's URL>", branch: "main")
    ],
    targets: [
        // Your flows and routing table.
        .target(name: "MyFlows", dependencies: [.product(name: "Touchtone", package: "touchtone")]),
        // `my-ivr serve`, `check`, `graph` and `call` for them.
        .executableTarget(
            name: "my-ivr",
            dependencies: [
                "MyFlows", .product(name: "TouchtoneCommandLine", package: "touchtone"),
            ]),
        .testTarget(
            name: "MyFlowsTests",
            dependencies: [
                "MyFlows", .product(name: "TouchtoneTesting", package: "touchtone"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
