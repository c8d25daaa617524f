import ArgumentParser
import Foundation
import RosterConfig
import RosterModel

/// Tools for `make bench` (docs/performance.md): a synthetic organisation, and timed checks.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Benchmark helpers: generate a synthetic organisation; time authorization checks.",
    shouldDisplay: false,
    subcommands: [Generate.self, Checks.self])

  struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "generate",
      abstract: "Write a synthetic automation-cloud organisation as a configuration directory.",
      discussion: """
        Deterministic by seed: the same arguments write the same bytes. Users in UserList files \\
        of 1,000, each bound to one or two roles at a tenant, service or folder; groups (one in ten \\
        a directory group) with about twenty members each and a role; custom folder roles; every \\
        tenant with Orchestrator (folders Shared and four more) and Data Service.
        """)

    @Option(help: "Users.") var users = 50_000
    @Option(help: "Groups.") var groups = 5_000
    @Option(help: "Tenants.") var tenants = 200
    @Option(help: "Seed of the generator.") var seed: UInt64 = 1
    @Argument(help: ArgumentHelp("The directory to write.", valueName: "OUT")) var out: String

    func run() throws {
      var random = SeededRandom(seed)
      let root = URL(fileURLWithPath: out)
      let fm = FileManager.default
      for folder in ["tenants", "users", "groups"] {
        try fm.createDirectory(at: root.appending(path: folder), withIntermediateDirectories: true)
      }
      func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: root.appending(path: name))
      }
      try write(
        "organization.yaml",
        """
        apiVersion: roster/v1
        kind: Organization
        name: Synthetic
        platform: automation-cloud
        signIn:
          mode: password
        safety:
          minAdmins: 1

        """)
      let folders = ["Shared", "Finance", "HR", "Sales", "Operations"]
      for t in 0..<tenants {
        try write(
          "tenants/tenant-\(pad(t, 4)).yaml",
          """
          apiVersion: roster/v1
          kind: Tenant
          name: tenant-\(pad(t, 4))
          services:
            - name: orchestrator
              folders: [\(folders.joined(separator: ", "))]
            - data-service

          """)
      }
      let customRoles = (0..<10).map { "custom-\($0)" }
      var roles = ""
      for (i, id) in customRoles.enumerated() {
        roles += """
          apiVersion: roster/v1
          kind: Role
          id: \(id)
          name: Custom role \(i)
          levels: [folder]
          permissions: [orchestrator.folder.view\(i % 2 == 0 ? ", orchestrator.automations.run" : "")]
          ---

          """
      }
      try write("roles.yaml", String(roles.dropLast(4)))
      // A binding: a role at a scope of the level it may be bound at.
      func binding() -> String {
        let tenant = "tenant/tenant-\(pad(random.next(tenants), 4))"
        let folder = "\(tenant)/service/orchestrator/folder/\(folders[random.next(5)])"
        switch random.next(10) {
        case 0: return "{role: tenant-administrator, scope: \(tenant)}"
        case 1: return "{role: administrator, scope: \(tenant)/service/data-service}"
        case 2: return "{role: allow-to-be-automation-user, scope: \(tenant)/service/orchestrator}"
        case 3, 4: return "{role: folder-administrator, scope: \(folder)}"
        case 5, 6: return "{role: \(customRoles[random.next(customRoles.count)]), scope: \(folder)}"
        default: return "{role: automation-user, scope: \(folder)}"
        }
      }
      var members = Array(repeating: [String](), count: groups)
      for file in 0..<((users + 999) / 1000) {
        var text = "apiVersion: roster/v1\nkind: UserList\nusers:\n"
        for u in (file * 1000)..<min(users, file * 1000 + 1000) {
          let email = "user\(pad(u, 6))@synthetic.example"
          let directory = random.next(3) == 0
          text += "  - email: \(email)\n"
          if directory { text += "    source: directory\n    directoryId: d-\(pad(u, 6))\n" }
          if random.next(4) == 0 { text += "    twoFactor: true\n" }
          // user000000 is the administrator who applies: only in Administrators, so that no plan
          // changes its own roles.
          guard u > 0 else { continue }
          var bound = Set<String>()
          for _ in 0..<(1 + random.next(2)) { bound.insert(binding()) }
          text += "    roles:\n" + bound.sorted().map { "      - \($0)\n" }.joined()
          if groups > 0 {
            for g in Set([random.next(groups), random.next(groups)]).sorted() { members[g].append(email) }
          }
        }
        try write("users/users-\(pad(file, 3)).yaml", text)
      }
      var text = """
        apiVersion: roster/v1
        kind: Group
        name: Administrators
        members: [user000000@synthetic.example]

        """
      for g in 0..<groups {
        let directory = g % 10 == 0
        text += "---\napiVersion: roster/v1\nkind: Group\nname: group-\(pad(g, 5))\n"
        if directory { text += "source: directory\ndirectoryId: g-\(pad(g, 5))\n" }
        text += "members:\n" + members[g].map { "  - \($0)\n" }.joined()
        text += "roles:\n  - \(binding())\n"
        if g % 1000 == 999 || g == groups - 1 {
          try write("groups/groups-\(pad(g / 1000, 2)).yaml", text)
          text = ""
        }
      }
      if groups == 0 { try write("groups/groups-00.yaml", text) }
    }
  }

  struct Checks: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "checks", abstract: "Time authorization checks on one core: throughput, p50 and p99 latency.")

    @OptionGroup var source: ConfigOptions
    @Option(help: "Checks to time.") var count = 1_000_000
    @Option(help: "Seed of the questions.") var seed: UInt64 = 7

    func run() throws {
      let model = try source.loadModel()
      let compileStart = DispatchTime.now().uptimeNanoseconds
      let authorizer = Authorizer(model)
      let compileSeconds = Double(DispatchTime.now().uptimeNanoseconds - compileStart) / 1e9
      var random = SeededRandom(seed)
      let accounts = model.users.values.map { PrincipalID.user($0.email) }.sorted()
      let scopes = model.allScopes
      let permissions = model.catalog.permissions.count
      // Questions as compiled numbers, made before timing, a batch at a time (2,000,000 at once
      // would weigh more than the model they ask about): a check is then one lookup walk.
      struct Question {
        var principal: Int32
        var permission: Int
        var scope: Int32
      }
      var batch: [Question] = []
      batch.reserveCapacity(min(count, 65_536))
      var asked = 0
      var allowed = 0
      var nanoseconds: UInt64 = 0
      let timedOneByOne = min(count, 200_000)
      var latencies: [UInt64] = []
      latencies.reserveCapacity(timedOneByOne)
      var remaining = count
      while remaining > 0 {
        let size = min(remaining, 65_536)
        remaining -= size
        batch.removeAll(keepingCapacity: true)
        for _ in 0..<size {
          guard let p = authorizer.number(of: accounts[random.next(accounts.count)]),
            let s = authorizer.number(of: scopes[random.next(scopes.count)])
          else { continue }
          batch.append(Question(principal: p, permission: random.next(permissions), scope: s))
        }
        asked += batch.count
        let start = DispatchTime.now().uptimeNanoseconds
        for q in batch
        where authorizer.access(principal: q.principal, permission: q.permission, scope: q.scope) != .denied {
          allowed += 1
        }
        nanoseconds += DispatchTime.now().uptimeNanoseconds - start
        // The latency of each of the first 200,000, one at a time.
        for q in batch.prefix(timedOneByOne - latencies.count) {
          let t0 = DispatchTime.now().uptimeNanoseconds
          if authorizer.access(principal: q.principal, permission: q.permission, scope: q.scope) != .denied {
            allowed += 0
          }
          latencies.append(DispatchTime.now().uptimeNanoseconds - t0)
        }
      }
      let seconds = Double(nanoseconds) / 1e9
      latencies.sort()
      let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
      let p99 = latencies.isEmpty ? 0 : latencies[latencies.count * 99 / 100]
      Console.out(
        "checks \(asked) allowed \(allowed) seconds \(String(format: "%.4f", seconds)) "
          + "per_second \(Int(Double(asked) / max(seconds, 1e-9))) p50_ns \(p50) p99_ns \(p99) "
          + "compile_seconds \(String(format: "%.3f", compileSeconds)) accounts \(accounts.count) "
          + "scopes \(scopes.count)")
    }
  }
}

/// SplitMix64: small, fast and the same on every machine, so generated data is repeatable.
struct SeededRandom {
  var state: UInt64
  init(_ seed: UInt64) { state = seed }

  mutating func next(_ bound: Int) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Int(z % UInt64(bound))
  }
}

/// `7` → `0007`.
func pad(_ n: Int, _ width: Int) -> String {
  let text = String(n)
  return String(repeating: "0", count: max(0, width - text.count)) + text
}
