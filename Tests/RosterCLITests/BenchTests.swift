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
}
