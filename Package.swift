// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Roster",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "roster", targets: ["roster"]),
    .library(name: "RosterModel", targets: ["RosterModel"]),
    .library(name: "RosterConfig", targets: ["RosterConfig"]),
    .library(name: "RosterYAML", targets: ["RosterYAML"]),
    .library(name: "RosterGit", targets: ["RosterGit"]),
    .library(name: "JSONSchema", targets: ["JSONSchema"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
  ],
  targets: [
    // libyaml, the C parser every YAML byte goes through (DESIGN §8).
    .systemLibrary(
      name: "CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"])]
    ),
    // libgit2, through which Roster reads configuration straight from a repository's objects.
    .systemLibrary(
      name: "CGit2",
      pkgConfig: "libgit2",
      providers: [.apt(["libgit2-dev"])]
    ),
    // Open a repository, resolve a ref, read a tree, list changed paths: no checkout needed.
    .target(name: "RosterGit", dependencies: ["CGit2"]),
    // Keys as bytes in one buffer, found through an open-addressed index: the state's tables, the
    // model's users and bindings by principal, and the roles, scopes and patterns' answers.
    .target(name: "KeyBytes"),
    // A general JSON Schema (draft 2020-12) validator: knows nothing of Roster.
    .target(name: "JSONSchema", dependencies: ["KeyBytes"]),
    // A general YAML 1.2 reader over libyaml: positions, core-schema scalars, limits.
    .target(name: "RosterYAML", dependencies: ["CYAML", "JSONSchema"]),
    // Entities, catalogs, invariants and the authorizer: pure Swift, no I/O.
    .target(name: "RosterModel", dependencies: ["KeyBytes"]),
    // Documents → desired state, the shipped catalogs, diagnostics.
    .target(
      name: "RosterConfig",
      dependencies: ["RosterModel", "RosterYAML", "JSONSchema"],
      plugins: ["EmbedFiles"]
    ),
    // Diff, ordering, plans and their digests: pure logic over the model.
    .target(
      name: "RosterPlan",
      dependencies: ["RosterModel", .product(name: "Crypto", package: "swift-crypto")]
    ),
    // The state: SQLite through GRDB or PostgreSQL through postgres-nio, the lock and the
    // hash-chained audit log.
    .target(
      name: "RosterStore",
      dependencies: [
        "RosterModel", "JSONSchema", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "RosterCLI",
      dependencies: [
        "JSONSchema", "RosterConfig", "RosterGit", "RosterModel", "RosterPlan", "RosterStore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(name: "roster", dependencies: ["RosterCLI"]),
    // Build-time helper: embeds catalogs/*.yaml into RosterConfig as string literals.
    .executableTarget(name: "EmbedFilesTool", path: "Sources/EmbedFilesTool"),
    .plugin(
      name: "EmbedFiles",
      capability: .buildTool(),
      dependencies: ["EmbedFilesTool"]
    ),
    // Real processes, temporary folders and git repositories built at test time.
    .target(
      name: "RosterTestSupport", dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
      path: "Tests/RosterTestSupport"),
    .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema"]),
    .testTarget(name: "RosterPlanTests", dependencies: ["RosterPlan", "RosterModel", "RosterConfig"]),
    .testTarget(
      name: "RosterStoreTests",
      dependencies: ["RosterStore", "RosterModel", "RosterTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    .testTarget(name: "RosterGitTests", dependencies: ["RosterGit", "RosterTestSupport"]),
    .testTarget(name: "RosterCLITests", dependencies: ["roster", "RosterTestSupport"]),
    .testTarget(name: "RosterYAMLTests", dependencies: ["RosterYAML", "JSONSchema"]),
    .testTarget(name: "RosterModelTests", dependencies: ["RosterModel", "RosterConfig", "KeyBytes"]),
    .testTarget(
      name: "RosterConfigTests", dependencies: ["RosterConfig", "RosterModel", "JSONSchema", "RosterTestSupport"],
      exclude: ["Fixtures"]),
  ],
  swiftLanguageModes: [.v6]
)
