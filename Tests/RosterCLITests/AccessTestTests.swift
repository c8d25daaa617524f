import Foundation
import RosterTestSupport
import Testing

private let tests = """
  apiVersion: roster/v1
  kind: AccessTest
  name: tier trumps role
  cases:
    - principals: [bob@northwind.example, jack@northwind.example]
      permissions: ["Create custom scripts"]
      expect: allow
    - principals: [dee@northwind.example]
      permissions: [custom-scripts.create]
      expect: allow
  whoCan:
    - permission: company-profile.delete
      principals: [ada@northwind.example]
  mustNotGrant:
    - permission: company-profile.delete
      except:
        principals: [ada@northwind.example]
  """

/// The integration-hub example with an AccessTest document added.
private func config(_ text: String) throws -> TemporaryFolder {
  let folder = try TemporaryFolder("roster-config")
  try FileManager.default.copyItem(
    at: packageRoot.appending(path: "examples/integration-hub"), to: folder.url.appending(path: "config"))
  // The example's own access tests are left out: these tests state their own.
  try? FileManager.default.removeItem(at: folder.url.appending(path: "config/tests"))
  try text.write(to: folder.url.appending(path: "config/tests.yaml"), atomically: true, encoding: .utf8)
  return folder
}

@Suite("roster test and guardrails")
struct AccessTestTests {
  @Test("a failing case shows the actual decision's reasons; exit 1; JUnit names every assertion")
  func failures() throws {
    let folder = try config(tests)
    defer { folder.remove() }
    let result = try roster(["test", "--config", folder.path + "/config"])
    #expect(result.status == 1)
    #expect(
      result.stdout.contains(
        "FAIL tier trumps role: user:dee@northwind.example allow 'Create custom scripts' at organization\n"
          + "     expected allow, got deny\n       - no role held by user:dee@northwind.example"))
    #expect(result.stdout.contains("1 access test, 5 assertions: 4 passed, 1 failed"))
    #expect(result.stdout.contains("untested roles: patchworks-support, read-only, user"))
    let junit = try roster(["test", "--config", folder.path + "/config", "--format", "junit"])
    #expect(junit.stdout.contains("<testsuites name=\"roster test\" tests=\"5\" failures=\"1\">"))
    #expect(junit.stdout.contains("<failure message=\"expected allow, got deny\">"))
    let passing = try roster(["test", "--config", folder.path + "/config", "--filter", "no such test"])
    #expect(passing.status == 0)
  }

  @Test("an unknown principal, permission or scope in an AccessTest is a validation error at its place")
  func references() throws {
    let folder = try config(tests.replacingOccurrences(of: "jack@northwind.example]", with: "jak@northwind.example]"))
    defer { folder.remove() }
    let result = try roster(["validate", "--config", folder.path + "/config"])
    #expect(result.status == 1)
    #expect(
      result.stdout.contains("tests.yaml:5:41: error[RST015]: unknown user 'jak@northwind.example'"), "\(result.stdout)"
    )
  }

  @Test("a plan that breaks a mustNotGrant guardrail is refused with who would break it")
  func guardrail() throws {
    let folder = try config(
      """
      apiVersion: roster/v1
      kind: AccessTest
      name: only ada deletes the company
      mustNotGrant:
        - permission: company-profile.delete
          except:
            principals: [ada@northwind.example]
      """)
    defer { folder.remove() }
    let state = folder.path + "/state.sqlite"
    _ = try roster([
      "init", "--organization", "Northwind", "--platform", "integration-hub", "--admin", "ada@northwind.example",
      "--state", state,
    ])
    let base = ["--state", state, "--actor", "ada@northwind.example", "--confirm-sign-in-change"]
    #expect(try roster(["plan", "--config", folder.path + "/config"] + base).status == 0)
    let staff = folder.path + "/config/people/staff.yaml"
    let text = try String(contentsOfFile: staff, encoding: .utf8)
    try text.replacingOccurrences(of: "roles: [manager]", with: "roles: [administrator]")
      .write(toFile: staff, atomically: true, encoding: .utf8)
    let refused = try roster(["plan", "--config", folder.path + "/config"] + base)
    #expect(refused.status == 1)
    #expect(refused.stdout.contains("error[RST109]"), "\(refused.stdout)")
    #expect(refused.stdout.contains("reserves to ada@northwind.example"))
  }
}
