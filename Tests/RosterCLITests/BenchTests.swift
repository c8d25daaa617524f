import Foundation
import RosterTestSupport
import Testing

@Suite("the benchmark's generator")
struct BenchTests {
  @Test("the same seed writes the same bytes, another seed others, 1,000 users a file; the result validates")
  func deterministic() throws {
    let folder = try TemporaryFolder("roster-bench")
    defer { folder.remove() }
    let arguments = ["bench", "generate", "--users", "1500", "--groups", "40", "--tenants", "5", "--seed", "3"]
    #expect(try roster(arguments + [folder.path + "/a"]).status == 0)
    #expect(try roster(arguments + [folder.path + "/b"]).status == 0)
    let diff = try run("/usr/bin/diff", ["-r", folder.path + "/a", folder.path + "/b"])
    #expect(diff.status == 0, "\(diff.stdout)")
    let other = try roster(Array(arguments.dropLast()) + ["4", folder.path + "/c"])
    #expect(other.status == 0)
    #expect(
      try run("/usr/bin/diff", ["-rq", folder.path + "/a", folder.path + "/c"]).status == 1, "another seed differs")
    let validate = try roster(["validate", "--config", folder.path + "/a"])
    #expect(validate.status == 0, "\(validate.stdout)")
    #expect(validate.stdout.hasSuffix("valid\n"))
    let users = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/a/users")
    #expect(users.sorted() == ["users-000.yaml", "users-001.yaml"], "1,000 users a file")
  }

  @Test("bench checks asks every question it is told to, across its batches, and the same seed gets the same answers")
  func checks() throws {
    let folder = try TemporaryFolder("roster-bench")
    defer { folder.remove() }
    let config = folder.path + "/config"
    let generate = ["bench", "generate", "--users", "300", "--groups", "10", "--tenants", "3", config]
    #expect(try roster(generate).status == 0)
    /// The report's numbers by name: `checks N allowed N seconds S ...`.
    func report(_ count: Int, seed: Int) throws -> [String: String] {
      let result = try roster(["bench", "checks", "--config", config, "--count", String(count), "--seed", String(seed)])
      #expect(result.status == 0, "\(result.stderr)")
      let words = result.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
      return Dictionary(
        uniqueKeysWithValues: stride(from: 0, to: words.count - 1, by: 2).map { (words[$0], words[$0 + 1]) })
    }
    // More than one batch of 65,536, the last one partial.
    let first = try report(150_000, seed: 7)
    #expect(first["checks"] == "150000")
    #expect(first["accounts"] == "300")
    let allowed = Int(first["allowed"] ?? "") ?? 0
    #expect(allowed > 0 && allowed < 150_000, "some questions are allowed and some denied: \(first)")
    #expect(try report(150_000, seed: 7)["allowed"] == first["allowed"])
    #expect(try report(150_000, seed: 8)["allowed"] != first["allowed"])
  }
}
