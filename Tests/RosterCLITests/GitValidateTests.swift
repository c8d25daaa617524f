import Foundation
import RosterTestSupport
import Testing

/// The `roster` binary this package built, run as a user runs it.
func roster(_ arguments: [String], in directory: URL? = nil) throws -> ProcessResult {
  let built = packageRoot.appending(path: ".build/debug/roster").path
  let binary = ProcessInfo.processInfo.environment["ROSTER_BIN"] ?? built
  guard FileManager.default.isExecutableFile(atPath: binary) else {
    throw TestFailure("no roster binary at \(binary): run `swift build` first, or set ROSTER_BIN")
  }
  return try run(binary, arguments, in: directory)
}

@Suite("roster validate and check on a git repository")
struct GitValidateTests {
  /// A repository whose first commit holds the integration-hub example under config/, and whose
  /// second commit breaks it in three places.
  static func repository() throws -> TestRepository {
    let repo = try TestRepository()
    try repo.copy(packageRoot.appending(path: "examples/integration-hub"), to: "config")
    try repo.commit([:], message: "the example")
    try repo.git(["tag", "-a", "good", "-m", "a valid configuration"])
    try repo.commit(
      [
        "config/people/typo.yaml": """
        apiVersion: roster/v1
        kind: User
        email: x@northwind.example
        roles: [mananger]
        """,
        "config/people/broken.yaml": "apiVersion: roster/v1\nkind: Group\nname: [unclosed\n",
        "config/people/extra.yaml": "apiVersion: roster/v1\nkind: User\nemail: y@northwind.example\ncolour: red\n",
      ], message: "three mistakes")
    return repo
  }

  @Test("validate at two refs of one repository: the tag is valid, the broken commit shows every error in place")
  func twoRefs() throws {
    let repo = try Self.repository()
    defer { repo.folder.remove() }
    let good = try roster(["validate", "--repo", repo.path, "--ref", "good", "--path", "config"])
    #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
    #expect(good.stdout.hasSuffix("valid\n"))

    let bad = try roster(["validate", "--repo", repo.path, "--ref", "main", "--path", "config"])
    #expect(bad.status == 1)
    let lines = bad.stdout.split(separator: "\n").map(String.init)
    #expect(lines.contains { $0.hasPrefix("config/people/broken.yaml:4:1: error[RST001]") }, "\(lines)")
    #expect(lines.contains { $0.hasPrefix("config/people/extra.yaml:4:1: error[RST011]") }, "\(lines)")
    #expect(
      lines.contains("config/people/typo.yaml:4:9: error[RST012]: unknown role 'mananger' (did you mean 'manager'?)"),
      "\(lines)")
    #expect(lines.last?.hasSuffix("3 errors, 0 warnings") == true, "\(lines)")

    let previous = try roster(["validate", "--repo", repo.path, "--ref", "HEAD~1", "--path", "config"])
    #expect(previous.status == 0, "HEAD~1 is the valid commit")
  }

  @Test("check answers from a commit, in a bare repository too")
  func checkAtRef() throws {
    let repo = try Self.repository()
    defer { repo.folder.remove() }
    let bare = try TemporaryFolder("roster-bare")
    defer { bare.remove() }
    try repo.git(["clone", "-q", "--bare", repo.path, bare.path + "/r.git"])
    let result = try roster([
      "check", "--repo", bare.path + "/r.git", "--ref", "good", "--path", "config",
      "--principal", "bob@northwind.example", "--permission", "Create custom scripts", "--format", "json",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("\"decision\" : \"allow\""))
  }

  @Test("wrong repository, ref and option combinations are clear errors with exit code 1 or 64")
  func errors() throws {
    let repo = try Self.repository()
    defer { repo.folder.remove() }
    let ref = try roster(["validate", "--repo", repo.path, "--ref", "nope"])
    #expect(ref.status == 1)
    #expect(ref.stderr.contains("'nope' is not a branch, tag or commit"))
    let both = try roster(["validate", "--repo", repo.path, "--config", "."])
    #expect(both.status == 64)
    #expect(both.stderr.contains("give either --config or --repo, not both"))
    let alone = try roster(["validate", "--ref", "main"])
    #expect(alone.status == 64)
  }
}

/// Starts `roster` without waiting for it.
func startRoster(_ arguments: [String]) throws -> RunningProcess {
  let built = packageRoot.appending(path: ".build/debug/roster").path
  return try start(ProcessInfo.processInfo.environment["ROSTER_BIN"] ?? built, arguments)
}

@Suite("SARIF for code scanning")
struct SARIFTests {
  @Test("validate --format sarif has SARIF 2.1.0's required structure, one result per finding, each placed")
  func structure() throws {
    let repo = try GitValidateTests.repository()
    defer { repo.folder.remove() }
    let result = try roster(["validate", "--repo", repo.path, "--path", "config", "--format", "sarif"])
    #expect(result.status == 1)
    let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(log["version"] as? String == "2.1.0")
    #expect((log["$schema"] as? String)?.contains("sarif-2.1.0") == true)
    let runs = try #require(log["runs"] as? [[String: Any]])
    #expect(runs.count == 1)
    let driver = try #require((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
    #expect(driver["name"] as? String == "roster")
    let rules = try #require(driver["rules"] as? [[String: Any]])
    let results = try #require(runs[0]["results"] as? [[String: Any]])
    #expect(results.count == 3)
    for item in results {
      let ruleID = try #require(item["ruleId"] as? String)
      let index = try #require(item["ruleIndex"] as? Int)
      #expect(rules[index]["id"] as? String == ruleID, "ruleIndex points at its rule")
      #expect(["error", "warning", "note"].contains(item["level"] as? String ?? ""))
      #expect(((item["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
      let location = try #require((item["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
      let uri = try #require((location["artifactLocation"] as? [String: Any])?["uri"] as? String)
      #expect(uri.hasPrefix("config/people/"), "a path relative to the repository: \(uri)")
      let region = try #require(location["region"] as? [String: Any])
      #expect((region["startLine"] as? Int ?? 0) >= 1 && (region["startColumn"] as? Int ?? 0) >= 1)
    }
  }
}

@Suite("a configuration directory")
struct DirectoryTests {
  @Test("a symbolic link is reported and not followed; it fails the run only with --strict")
  func symlinks() throws {
    let folder = try TemporaryFolder("roster-config")
    defer { folder.remove() }
    let config = folder.path + "/config"
    try FileManager.default.copyItem(
      atPath: packageRoot.appending(path: "examples/integration-hub").path, toPath: config)
    try FileManager.default.createSymbolicLink(atPath: config + "/outside.yaml", withDestinationPath: "/etc/passwd")
    let result = try roster(["validate", "--config", config])
    #expect(result.status == 0)
    #expect(result.stdout.contains("outside.yaml:1:1: warning[RST005]: '\(config)/outside.yaml' is a symbolic link"))
    #expect(result.stdout.contains("valid (1 warning)"))
    #expect(try roster(["validate", "--config", config, "--strict"]).status == 1)
  }
}
