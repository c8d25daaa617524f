import Foundation
import RosterTestSupport
import Testing

/// (example, platform, the first administrator `roster init` appoints).
private let examples = [
  ("integration-hub", "integration-hub", "ada@northwind.example"),
  ("packaging", "packaging", "breakglass@fabrikam.example"),
  ("automation-cloud", "automation-cloud", "ana.silva@contoso.example"),
]

/// A new state for Northwind on integration-hub, with ada@northwind.example its administrator.
private func initNorthwind(_ state: String) throws {
  try initOrganization(state, name: "Northwind", domain: "northwind.example")
}

/// Northwind's configuration in `folder`: ada, its administrator, and the users in `others`
/// (lines of the users' list).
private func writeNorthwind(in folder: TemporaryFolder, others: String) throws -> String {
  try writeOrganization(in: folder, name: "Northwind", domain: "northwind.example", readers: 0, others: others)
}

/// Northwind initialised in `location`, and its configuration with bob (a manager) beside ada
/// applied by ada: the apply's arguments, to run again.
private func applyNorthwindWithBob(_ location: TestState) throws -> [String] {
  try initNorthwind(location.location)
  let config = try writeNorthwind(
    in: location.folder, others: "  - email: bob@northwind.example\n    roles: [manager]\n")
  let apply = [
    "apply", "--config", config, "--state", location.location, "--auto-approve", "--actor", "ada@northwind.example",
  ]
  let applied = try roster(apply)
  #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
  return apply
}

/// A new state for organisation `name` on integration-hub, with ada@DOMAIN its administrator.
private func initOrganization(_ state: String, name: String, domain: String) throws {
  let result = try roster([
    "init", "--organization", name, "--platform", "integration-hub", "--admin", "ada@\(domain)", "--state", state,
  ])
  #expect(result.status == 0, "\(result.stderr)")
}

/// Writes `folder/config`: an integration-hub organisation with ada@DOMAIN its administrator,
/// `readers` read-only users user0@DOMAIN, user1@DOMAIN, …, and `others` (UserList items);
/// returns the folder's path. Written again, it replaces the configuration.
private func writeOrganization(
  in folder: TemporaryFolder, name: String, domain: String, readers: Int, others: String = ""
) throws -> String {
  let config = folder.path + "/config"
  try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
  var users = "apiVersion: roster/v1\nkind: UserList\nusers:\n  - email: ada@\(domain)\n    roles: [administrator]\n"
  for i in 0..<readers { users += "  - email: user\(i)@\(domain)\n    roles: [read-only]\n" }
  users += others
  try users.write(toFile: config + "/users.yaml", atomically: true, encoding: .utf8)
  try "apiVersion: roster/v1\nkind: Organization\nname: \(name)\nplatform: integration-hub\n".write(
    toFile: config + "/org.yaml", atomically: true, encoding: .utf8)
  return config
}

/// A throw-away state with an example applied to it.
private func appliedState(_ example: String, platform: String, admin: String) throws -> (TemporaryFolder, String) {
  let folder = try TemporaryFolder("roster-state")
  let state = folder.path + "/state.sqlite"
  let initialized = try roster([
    "init", "--organization", "Example", "--platform", platform, "--admin", admin, "--state", state,
  ])
  #expect(initialized.status == 0, "\(initialized.stderr)")
  let applied = try roster([
    "apply", "--config", packageRoot.appending(path: "examples/\(example)").path, "--state", state,
    "--auto-approve", "--actor", admin, "--confirm-sign-in-change",
  ])
  #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
  return (folder, state)
}

@Suite("init, plan, apply, export: the GitOps workflow on the embedded store")
struct WorkflowTests {
  @Test("for every example: apply, then export, and the export plans to no changes", arguments: examples)
  func exportPlansToNothing(example: String, platform: String, admin: String) throws {
    let (folder, state) = try appliedState(example, platform: platform, admin: admin)
    defer { folder.remove() }
    let again = try roster([
      "plan", "--config", packageRoot.appending(path: "examples/\(example)").path, "--state", state,
      "--detailed-exitcode",
    ])
    #expect(again.status == 0, "the example itself plans to nothing once applied: \(again.stdout)")
    let exported = folder.path + "/exported"
    let export = try roster(["export", "--state", state, exported])
    #expect(export.status == 0, "\(export.stderr)")
    let plan = try roster(["plan", "--config", exported, "--state", state, "--detailed-exitcode"])
    #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
    #expect(plan.stdout.contains("No changes."))
    let validate = try roster(["validate", "--config", exported])
    #expect(validate.status == 0, "\(validate.stdout)")
  }

  @Test("plan's access impact: five permissions and how many more by default, every one with --impact full")
  func planImpactLists() throws {
    let location = try TestState(.sqlite)
    defer { location.remove() }
    _ = try applyNorthwindWithBob(location)
    // bob, a manager, goes: he loses every permission of the role.
    let config = try writeNorthwind(in: location.folder, others: "")
    let base = ["plan", "--config", config, "--state", location.location, "--actor", "ada@northwind.example"]
    func lostList(_ arguments: [String]) throws -> (count: Int, list: String) {
      let lines = try roster(base + arguments).stdout.split(separator: "\n").map(String.init)
      let entry = try #require(lines.firstIndex { $0.hasPrefix("  user:bob@northwind.example lose ") }, "\(lines)")
      let count = try #require(Int(lines[entry].split(separator: " ")[2]), "\(lines[entry])")
      #expect(lines[entry].hasSuffix(" at organization, through role 'manager' at organization removed"))
      let list = try #require(lines[entry + 1].split(separator: "      - ", maxSplits: 1).last.map(String.init))
      return (count, list)
    }
    let summary = try lostList([])
    let full = try lostList(["--impact", "full"])
    #expect(summary.count == full.count && full.count > 5)
    // Every title quoted, in the same order; the summary's first five, then how many more.
    let titles = full.list.dropFirst().dropLast().components(separatedBy: "', '")
    #expect(titles.count == full.count, "\(full.list)")
    let five = titles.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
    #expect(summary.list == five + " and \(full.count - 5) more")
  }

  @Test("plan: + ~ - with fields, the summary line, detailed exit codes, and the same bytes every time")
  func planOutput() throws {
    let folder = try TemporaryFolder("roster-state")
    defer { folder.remove() }
    let state = folder.path + "/state.sqlite"
    try initNorthwind(state)
    let config = packageRoot.appending(path: "examples/integration-hub").path
    let base = ["--state", state, "--actor", "ada@northwind.example", "--confirm-sign-in-change"]
    let plan = try roster(["plan", "--config", config, "--detailed-exitcode"] + base)
    #expect(plan.status == 2)
    #expect(plan.stdout.contains("  + user bob@northwind.example\n      disabled: false\n"))
    #expect(plan.stdout.contains("  ~ organization organization\n      name: \"Northwind\" → \"Northwind Trading\""))
    #expect(plan.stdout.contains("Plan: 14 to add, 2 to change, 0 to remove."), "\(plan.stdout)")
    let first = try roster(["plan", "--config", config, "--format", "json"] + base)
    let second = try roster(["plan", "--config", config, "--format", "json"] + base)
    #expect(first.stdout == second.stdout, "deterministic")
    #expect(first.stdout.contains("\"formatVersion\" : \"1\""))
    let markdown = try roster(["plan", "--config", config, "--format", "markdown"] + base)
    #expect(markdown.stdout.hasPrefix("### Roster plan\n\n**Plan: 14 to add, 2 to change, 0 to remove.**"))
    #expect(markdown.stdout.contains("<details><summary>Changes (16)</summary>"))

    // The plan given as JSON is sealed (a plan only shown is not): saved as it was printed, it
    // is applied. Then a user taken out of the configuration: a removal, with its binding first.
    let printed = folder.path + "/printed.json"
    try first.stdout.write(toFile: printed, atomically: true, encoding: .utf8)
    let applied = try roster(["apply", printed, "--state", state])
    #expect(applied.status == 0, "\(applied.stderr)")
    let copy = folder.path + "/config"
    try FileManager.default.copyItem(atPath: config, toPath: copy)
    try? FileManager.default.removeItem(atPath: copy + "/tests")  // its access tests name cy
    let staff = copy + "/people/staff.yaml"
    let text = try String(contentsOfFile: staff, encoding: .utf8)
    let kept = text.replacingOccurrences(
      of: #"(?m)^  - email: cy@northwind\.example\n(    .*\n)*"#, with: "", options: .regularExpression)
    #expect(kept != text)
    try kept.write(toFile: staff, atomically: true, encoding: .utf8)
    let removal = try roster(["plan", "--config", copy, "--detailed-exitcode"] + base)
    #expect(removal.status == 2, "\(removal.stdout)\(removal.stderr)")
    #expect(
      removal.stdout.contains(
        "  - binding user:cy@northwind.example → user at organization\n  - user cy@northwind.example"),
      "\(removal.stdout)")
    #expect(removal.stdout.contains("Plan: 0 to add, 0 to change, 2 to remove."))
  }

  @Test("a Markdown plan that would pass 65,000 characters is summarised by kind, to fit a comment")
  func markdownSummary() throws {
    let folder = try TemporaryFolder("roster-state")
    defer { folder.remove() }
    let state = folder.path + "/state.sqlite"
    try initNorthwind(state)
    let config = try writeOrganization(in: folder, name: "Northwind", domain: "northwind.example", readers: 2_000)
    let plan = try roster([
      "plan", "--config", config, "--state", state, "--actor", "ada@northwind.example", "--format", "markdown",
    ])
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(plan.stdout.utf8.count <= 65_000)
    #expect(plan.stdout.hasPrefix("### Roster plan\n\n**Plan: 4000 to add, 0 to change, 0 to remove.**"))
    #expect(plan.stdout.contains("| user | 2000 | 0 | 0 |"))
    #expect(plan.stdout.contains("| binding | 2000 | 0 | 0 |"))
  }

  @Test("a stale plan and an edited plan are refused, and the state stays exactly as it was")
  func staleAndTampered() throws {
    let folder = try TemporaryFolder("roster-state")
    defer { folder.remove() }
    let state = folder.path + "/state.sqlite"
    try initNorthwind(state)
    let config = packageRoot.appending(path: "examples/integration-hub").path
    let planFile = folder.path + "/plan.json"
    let safe = ["--actor", "ada@northwind.example", "--confirm-sign-in-change"]
    // A file already there, longer than the plan, is replaced whole.
    try String(repeating: "old text ", count: 100_000).write(toFile: planFile, atomically: true, encoding: .utf8)
    #expect(try roster(["plan", "--config", config, "--state", state, "-out", planFile] + safe).status == 0)
    let nowhere = try roster(
      ["plan", "--config", config, "--state", state, "-out", folder.path + "/no/plan.json"] + safe)
    #expect(nowhere.status == 1)
    #expect(nowhere.stderr.contains("cannot write the plan to \(folder.path)/no/plan.json: No such file or directory"))

    var text = try String(contentsOfFile: planFile, encoding: .utf8)
    #expect(!text.contains("old text") && text.hasSuffix("}\n"))
    text = text.replacingOccurrences(of: "Bob Marsh", with: "Mallory")
    let edited = folder.path + "/edited.json"
    try text.write(toFile: edited, atomically: true, encoding: .utf8)
    let tampered = try roster(["apply", edited, "--state", state])
    #expect(tampered.status == 1)
    #expect(tampered.stderr.contains("was changed after it was made"))

    let before = try roster(["show", "--state", state, "--format", "json"])
    #expect(try roster(["apply", planFile, "--state", state]).status == 0)
    let stale = try roster(["apply", planFile, "--state", state])
    #expect(stale.status == 1)
    #expect(stale.stderr.contains("the plan is stale: it was made at serial 1, but the state is now at serial 2"))
    let after = try roster(["show", "--state", state, "--format", "json"])
    #expect(before.stdout != after.stdout)
    #expect(try roster(["show", "--state", state, "--format", "json"]).stdout == after.stdout)
    #expect(try roster(["audit", "verify", "--state", state]).status == 0)
  }

  @Test("apply without a terminal and without --auto-approve refuses, writing nothing")
  func needsConfirmation() throws {
    let folder = try TemporaryFolder("roster-state")
    defer { folder.remove() }
    let state = folder.path + "/state.sqlite"
    try initNorthwind(state)
    let config = packageRoot.appending(path: "examples/integration-hub").path
    let result = try roster([
      "apply", "--config", config, "--state", state, "--actor", "ada@northwind.example", "--confirm-sign-in-change",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.contains("there is no terminal to ask on"))
    let plan = try roster([
      "plan", "--config", config, "--state", state, "--detailed-exitcode", "--actor", "ada@northwind.example",
      "--confirm-sign-in-change",
    ])
    #expect(plan.status == 2, "nothing was applied")
  }

  @Test(
    "two applies from two processes at once: one applies, the other is refused as stale; the chain holds",
    arguments: StoreKind.available)
  func concurrentApplies(kind: StoreKind) throws {
    let location = try TestState(kind)
    defer { location.remove() }
    let state = location.location
    try initNorthwind(state)
    let config = packageRoot.appending(path: "examples/integration-hub").path
    let planFile = location.path + "/plan.json"
    let safe = ["--actor", "ada@northwind.example", "--confirm-sign-in-change"]
    #expect(try roster(["plan", "--config", config, "--state", state, "-out", planFile] + safe).status == 0)
    let results = try [0, 1].map { _ in try startRoster(["apply", planFile, "--state", state, "--lock-timeout", "30"]) }
      .map { try $0.finish() }
    #expect(results.map(\.status).sorted() == [0, 1], "\(results.map(\.stderr))")
    #expect(results.contains { $0.stderr.contains("the plan is stale") })
    let log = try roster(["audit", "log", "--state", state])
    #expect(
      log.stdout.split(separator: "\n").filter { $0.hasPrefix("#") }.count == 2, "init and one apply: \(log.stdout)")
    #expect(try roster(["audit", "verify", "--state", state]).status == 0)
  }

  @Test(
    "two `apply --config` at once: each plans, one writes, the other writes nothing; one apply in the log",
    arguments: StoreKind.available)
  func concurrentConfigApplies(kind: StoreKind) throws {
    let location = try TestState(kind)
    defer { location.remove() }
    let state = location.location
    try initOrganization(state, name: "Big", domain: "big.example")
    // Big enough that both plan before either writes, most times; when one plans after the
    // other wrote, it finds nothing to change.
    let config = try writeOrganization(in: location.folder, name: "Big", domain: "big.example", readers: 3_000)
    let apply = [
      "apply", "--config", config, "--state", state, "--auto-approve", "--actor", "ada@big.example", "--lock-timeout",
      "60", "--impact", "none",
    ]
    let results = try [0, 1].map { _ in try startRoster(apply) }.map { try $0.finish() }
    for result in results where result.status != 0 {
      #expect(result.stderr.contains("the plan is stale"), "\(result.stderr)")
    }
    #expect(results.count { $0.status == 0 && $0.stdout.contains("Apply complete!") } == 1, "\(results)")
    let log = try roster(["audit", "log", "--state", state]).stdout
    #expect(log.split(separator: "\n").filter { $0.hasPrefix("#") }.count == 2, "init and one apply: \(log)")
    #expect(try roster(["audit", "verify", "--state", state]).status == 0)
    let again = try roster(["plan", "--config", config, "--state", state, "--detailed-exitcode"])
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
  }

  @Test("audit log lists each write from its record; a record edited into nonsense is named by log and verify")
  func auditLogRecords() throws {
    let location = try TestState(.sqlite)
    defer { location.remove() }
    let state = location.location
    _ = try applyNorthwindWithBob(location)
    let text = try roster(["audit", "log", "--state", state]).stdout
    #expect(text.contains("#2 serial 2  "), "\(text)")
    #expect(text.contains("apply by ada@northwind.example"), "\(text)")
    let json = try roster(["audit", "log", "--state", state, "--format", "json"]).stdout
    let entries = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    #expect(entries.map { $0["sequence"] as? Int } == [1, 2])
    let record = try #require(entries[1]["record"] as? [String: Any])
    #expect(record["operation"] as? String == "apply")
    #expect((record["changes"] as? String)?.contains("bob@northwind.example") == true, "\(record)")

    try location.execute("UPDATE audit SET record = 'not a record' WHERE sequence = 2")
    let verify = try roster(["audit", "verify", "--state", state])
    #expect(verify.status == 1)
    #expect(verify.stderr.contains("entry 2: its content does not match its hash (it was edited)"), "\(verify.stderr)")
    for format in ["text", "json"] {
      let log = try roster(["audit", "log", "--state", state, "--format", format])
      #expect(log.status == 1)
      #expect(log.stderr.contains("audit entry 2 is not readable"), "\(log.stderr)")
    }
  }

  @Test("apply --config whose plan keeps a relation to a removed user is refused as leaving an invalid organisation")
  func configApplyChecksInvariants() throws {
    let location = try TestState(.sqlite)
    defer { location.remove() }
    let state = location.location
    let apply = try applyNorthwindWithBob(location)
    // bob's binding counts as one Roster did not write (as if made outside it), so it is left
    // alone when bob goes: the state the plan leads to would bind a user that is not there.
    try location.execute("UPDATE bindings SET applied = NULL WHERE principal = 'user:bob@northwind.example'")
    _ = try writeNorthwind(in: location.folder, others: "")
    let refused = try roster(apply)
    #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("would leave an invalid organisation"), "\(refused.stderr)")
    let shown = try roster(["show", "--state", state, "--format", "json"])
    #expect(shown.stdout.contains("bob@northwind.example"), "\(shown.stdout)\(shown.stderr)")
  }

  @Test("a saved plan that changes one object twice is refused, though its digest was made again")
  func planChangingTwice() throws {
    let location = try TestState(.sqlite)
    defer { location.remove() }
    let state = location.location
    try initNorthwind(state)
    let config = try writeNorthwind(
      in: location.folder, others: "  - email: cy@northwind.example\n    roles: [manager]\n")
    let planFile = location.path + "/plan.json"
    #expect(
      try roster(["plan", "--config", config, "--state", state, "--actor", "ada@northwind.example", "-out", planFile])
        .status == 0)
    // cy created, then changed: each change fits the state the one before leaves.
    let edit = """
      import hashlib, json, sys
      plan = json.load(open(sys.argv[1]))
      create = next(c for c in plan["changes"] if c["kind"] == "user" and c["action"] == "create")
      update = {"action": "update", "kind": "user", "key": create["key"], "fields": [{"field": "name", "after": "Cy"}]}
      plan["changes"].insert(plan["changes"].index(create) + 1, update)
      plan["digest"] = ""
      text = json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
      plan["digest"] = hashlib.sha256(text.encode()).hexdigest()
      json.dump(plan, open(sys.argv[1], "w"), ensure_ascii=False)
      """
    let python = ProcessInfo.processInfo.environment["ROSTER_PYTHON"] ?? "python3"
    let edited = try run("/usr/bin/env", [python, "-c", edit, planFile])
    #expect(edited.status == 0, "\(edited.stderr)")
    let before = try roster(["show", "--state", state, "--format", "json"]).stdout
    let refused = try roster(["apply", planFile, "--state", state])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("the plan changes user cy@northwind.example twice"), "\(refused.stderr)")
    #expect(try roster(["show", "--state", state, "--format", "json"]).stdout == before)
  }

  @Test("apply --config checks its plan again if the state changed outside Roster while it waited for the lock")
  func configApplyChecksAgain() throws {
    let location = try TestState(.sqlite)
    defer { location.remove() }
    let state = location.location
    try initNorthwind(state)
    // ada, the administrator, adds cy as a manager: an administrator's right.
    let config = try writeNorthwind(
      in: location.folder, others: "  - email: cy@northwind.example\n    roles: [manager]\n")
    let apply = [
      "apply", "--config", config, "--state", state, "--auto-approve", "--actor", "ada@northwind.example",
      "--lock-timeout", "60",
    ]
    // While the apply waits for a lock another holds, ada's role is taken away outside Roster
    // (no serial moves): ada may no longer add a manager.
    try location.execute(
      "INSERT INTO lock (one, id, holder, operation, created) VALUES (1, 'test', 'a test', 'apply', '2026-01-01')")
    let running = try startRoster(apply)
    Thread.sleep(forTimeInterval: 3)
    try location.execute("DELETE FROM bindings WHERE principal = 'user:ada@northwind.example'")
    try location.execute("DELETE FROM lock")
    let refused = try running.finish()
    #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stdout.contains("+ user cy@northwind.example"), "it planned before: \(refused.stdout)")
    #expect(refused.stderr.contains("not applied") && refused.stderr.contains("RST104"), "\(refused.stderr)")
    let shown = try roster(["show", "--state", state, "--format", "json"]).stdout
    #expect(!shown.contains("cy@northwind.example") && shown.contains("\"serial\" : 1"), "nothing written: \(shown)")
  }

  @Test(
    "a rename is applied as one: the old row goes, the new one keeps its fields, from a saved plan and from --config",
    arguments: StoreKind.available, [true, false])
  func renameApplied(kind: StoreKind, saved: Bool) throws {
    let location = try TestState(kind)
    defer { location.remove() }
    let state = location.location
    try initOrganization(state, name: "Small", domain: "small.example")
    let config = try writeOrganization(in: location.folder, name: "Small", domain: "small.example", readers: 3)
    let actor = ["--actor", "ada@small.example"]
    #expect(try roster(["apply", "--config", config, "--state", state, "--auto-approve"] + actor).status == 0)
    // user1 becomes rina, keeping two-factor sign-in and gaining a role; user2 goes.
    try """
    apiVersion: roster/v1
    kind: UserList
    users:
      - email: ada@small.example
        roles: [administrator]
      - email: user0@small.example
        roles: [read-only]
      - email: rina@small.example
        previously: user1@small.example
        roles: [user]
    """.write(toFile: config + "/users.yaml", atomically: true, encoding: .utf8)
    let planFile = location.path + "/plan.json"
    let plan = try roster(["plan", "--config", config, "--state", state, "-out", planFile] + actor)
    #expect(plan.stdout.contains("~ user rina@small.example (renamed from user1@small.example)"), "\(plan.stdout)")
    let applied =
      saved
      ? try roster(["apply", planFile, "--state", state])
      : try roster(["apply", "--config", config, "--state", state, "--auto-approve"] + actor)
    #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
    let shown = try roster(["show", "--state", state, "--format", "json"]).stdout
    #expect(shown.contains("rina@small.example") && !shown.contains("user1@small.example"), "\(shown)")
    #expect(!shown.contains("user2@small.example"), "\(shown)")
    #expect(try roster(["audit", "verify", "--state", state]).status == 0)
    let again = try roster(["plan", "--config", config, "--state", state, "--detailed-exitcode"] + actor)
    #expect(again.status == 0, "the state is the configuration: \(again.stdout)\(again.stderr)")
  }

  @Test(
    "an apply killed with SIGKILL leaves the state exactly before or exactly after, and the chain holds",
    arguments: StoreKind.available)
  func killedMidway(kind: StoreKind) throws {
    let location = try TestState(kind)
    defer { location.remove() }
    let state = location.location
    try initOrganization(state, name: "Big", domain: "big.example")
    // A configuration big enough that applying it takes a while.
    let folder = location.folder
    let config = try writeOrganization(in: folder, name: "Big", domain: "big.example", readers: 10_000)
    let planFile = folder.path + "/plan.json"
    #expect(
      try roster(["plan", "--config", config, "--state", state, "-out", planFile, "--actor", "ada@big.example"]).status
        == 0)
    let before = try roster(["show", "--state", state, "--format", "json"]).stdout

    // How long a whole apply takes here, on a copy: the kills below land before, during and
    // near the end of the transaction.
    let copy = try location.sibling("copy")
    #expect(try roster(["migrate-state", "--from", state, "--to", copy]).status == 0)
    let started = Date()
    #expect(try roster(["apply", planFile, "--state", copy]).status == 0)
    let duration = Date().timeIntervalSince(started)

    var outcomes: [String] = []
    for fraction in [0.5, 0.8, 0.95] {
      let running = try startRoster(["apply", planFile, "--state", state])
      Thread.sleep(forTimeInterval: duration * fraction)
      kill(running.process.processIdentifier, SIGKILL)
      _ = try running.finish()
      let shown = try roster(["show", "--state", state, "--format", "json"]).stdout
      #expect(try roster(["audit", "verify", "--state", state]).status == 0, "the chain holds after a kill")
      if shown == before {
        outcomes.append("before")
        // Killed before the commit. SQLite keeps the lock it took, and force-unlock frees it;
        // PostgreSQL frees it with the killed process's connection.
        let blocked = try roster(["apply", planFile, "--state", state, "--lock-timeout", "10"])
        if blocked.status != 0, let id = lockID(in: blocked.stderr) {
          #expect(kind == .sqlite, "no lock outlives its holder on PostgreSQL: \(blocked.stderr)")
          #expect(blocked.stderr.contains("the state is locked"))
          #expect(try roster(["force-unlock", id, "--state", state]).status == 0)
        } else {
          #expect(blocked.status == 0, "\(blocked.stderr)")
          outcomes.append("applied afterwards")
          break
        }
      } else {
        outcomes.append("after")
        #expect(shown.contains("\"serial\" : 2"), "exactly after")
        #expect(shown.contains("user9999@big.example"))
        break
      }
    }
    #expect(!outcomes.isEmpty)
  }

  @Test(
    "migrate-state copies a state into an empty store, verified; plans against the copy see no change",
    arguments: StoreKind.available)
  func migrateState(kind: StoreKind) throws {
    let (folder, state) = try appliedState(
      "integration-hub", platform: "integration-hub", admin: "ada@northwind.example")
    defer { folder.remove() }
    let target = try TestState(kind)
    defer { target.remove() }
    let copied = try roster(["migrate-state", "--from", "sqlite:" + state, "--to", target.location])
    #expect(copied.status == 0, "\(copied.stderr)")
    #expect(copied.stdout.contains("at serial 2") && copied.stdout.contains("2 audit entries"), "\(copied.stdout)")
    #expect(
      try roster(["show", "--state", target.location, "--format", "json"]).stdout
        == (try roster(["show", "--state", state, "--format", "json"]).stdout))
    let plan = try roster([
      "plan", "--config", packageRoot.appending(path: "examples/integration-hub").path, "--state", target.location,
      "--detailed-exitcode",
    ])
    #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
    #expect(try roster(["audit", "verify", "--state", target.location]).status == 0)
    let again = try roster(["migrate-state", "--from", state, "--to", target.location])
    #expect(again.status == 1 && again.stderr.contains("already holds a state"), "\(again.stderr)")
  }
}

/// The lock id from a "locked" error (`roster force-unlock ID`).
private func lockID(in text: String) -> String? {
  guard let range = text.range(of: "roster force-unlock ") else { return nil }
  return String(text[range.upperBound...].prefix { !$0.isWhitespace && $0 != "`" })
}

@Suite("the seed's warning, end to end from git")
struct ManagedLoginTests {
  @Test("switching to Entra Managed login before the administrators' group has members is refused")
  func managedLoginWithoutMembers() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    try repo.copy(packageRoot.appending(path: "examples/packaging"), to: "config")
    try repo.commit([:], message: "Fabrikam on Robopack")
    let folder = try TemporaryFolder("roster-state")
    defer { folder.remove() }
    let state = folder.path + "/state.sqlite"
    let admin = ["--actor", "breakglass@fabrikam.example"]
    _ = try roster([
      "init", "--organization", "Fabrikam", "--platform", "packaging", "--admin", "breakglass@fabrikam.example",
      "--state", state,
    ])
    let first = try roster(
      [
        "apply", "--repo", repo.path, "--path", "config", "--state", state, "--auto-approve",
        "--confirm-sign-in-change",
      ]
        + admin)
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")

    // The change the seed warns about: managed login, and the Entra ID group emptied.
    let org = try String(contentsOfFile: repo.path + "/config/organization.yaml", encoding: .utf8)
    let groups = try String(contentsOfFile: repo.path + "/config/groups/entra-id.yaml", encoding: .utf8)
    try repo.commit(
      [
        "config/organization.yaml": org.replacingOccurrences(
          of: "mode: password", with: "mode: managed\n  provider: entra-id"),
        "config/groups/entra-id.yaml": groups.replacingOccurrences(
          of: "members: [kim.nakamura@fabrikam.example]", with: "members: []"),
      ], message: "Switch to Entra Managed login")
    let before = try roster(["show", "--state", state, "--format", "json"]).stdout
    let plan = try roster(
      ["plan", "--repo", repo.path, "--ref", "main", "--path", "config", "--state", state, "--confirm-sign-in-change"]
        + admin)
    #expect(plan.status == 1)
    #expect(plan.stdout.contains("error[RST101]"), "\(plan.stdout)")
    #expect(plan.stdout.contains("under managed login only directory users can sign in"))
    #expect(plan.stderr.contains("the plan is refused"))
    let apply = try roster(
      [
        "apply", "--repo", repo.path, "--path", "config", "--state", state, "--auto-approve",
        "--confirm-sign-in-change",
      ]
        + admin)
    #expect(apply.status == 1)
    #expect(try roster(["show", "--state", state, "--format", "json"]).stdout == before, "nothing was written")
  }
}
