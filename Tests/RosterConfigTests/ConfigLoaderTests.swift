import Foundation
import RosterModel
import Testing

@testable import RosterConfig

private let organization = """
  apiVersion: roster/v1
  kind: Organization
  name: Northwind
  platform: integration-hub
  tier: professional
  """

private func load(_ files: [String: String]) -> LoadedConfig {
  ConfigLoader.load(files.keys.sorted().map { ConfigFile(path: $0, text: files[$0] ?? "") })
}

/// The diagnostics as `file:line:column rule` strings, which is what a user sees first.
private func places(_ loaded: LoadedConfig) -> [String] {
  loaded.diagnostics.map { d in "\(d.location.map(\.description) ?? "-") \(d.rule.id)" }
}

@Suite("Configuration documents")
struct ConfigLoaderTests {
  @Test("documents in any layout, several per file, load into one model")
  func loads() throws {
    let loaded = load([
      "org.yaml": organization,
      "people/team.yaml": """
      apiVersion: roster/v1
      kind: UserList
      users:
        - email: ada@northwind.example
          roles: [administrator]
        - email: bob@northwind.example
          twoFactor: true
          roles:
            - role: manager
      ---
      apiVersion: roster/v1
      kind: User
      email: cy@northwind.example
      roles: [read-only]
      """,
    ])
    #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
    let model = try #require(loaded.model)
    #expect(loaded.documentCount == 3)
    #expect(model.users.count == 3)
    #expect(model.user("bob@northwind.example")?.twoFactorEnrolled == true)
    #expect(model.bindings.count == 3)
    #expect(model.tier?.name == "professional")
  }

  @Test("every problem at once, each at its file, line and column, with a stable rule id")
  func everyError() {
    let loaded = load([
      "org.yaml": organization,
      "users.yaml": """
      apiVersion: roster/v1
      kind: User
      email: ada@northwind.example
      twoFactor: yes
      nickname: Ada
      roles:
        - role: mananger
      ---
      apiVersion: roster/v1
      kind: Usr
      email: x@northwind.example
      ---
      apiVersion: roster/v1
      kind: User
      name: no email
      ---
      apiVersion: roster/v1
      kind: User
      email: ADA@northwind.example
      """,
    ])
    #expect(loaded.model == nil)
    #expect(
      places(loaded) == [
        "users.yaml:4:12 RST014", "users.yaml:5:1 RST011", "users.yaml:7:5 RST012", "users.yaml:10:7 RST010",
        "users.yaml:13:1 RST013", "users.yaml:19:8 RST017",
      ])
    let texts = loaded.diagnostics.map(\.description)
    #expect(texts[0].contains("YAML 1.2 reads 'yes' as a string"))
    #expect(texts[2] == "users.yaml:7:5: error[RST012]: unknown role 'mananger' (did you mean 'manager'?)")
    #expect(texts[3].contains("did you mean 'User'?"))
  }

  @Test("a broken file is reported and the other files are still checked")
  func syntaxErrorDoesNotHideOthers() {
    let loaded = load([
      "org.yaml": organization,
      "a.yaml": "apiVersion: roster/v1\nkind: User\nemail: [unclosed\n",
      "b.yaml": "apiVersion: roster/v1\nkind: Group\nname: Ops\n",
    ])
    #expect(loaded.diagnostics.map(\.rule) == [.yamlSyntax, .platformRule])
    #expect(loaded.diagnostics[1].message.contains("has no groups"))
  }

  @Test("a user refused as a duplicate has its roles left unread; the users around it are read whole")
  func duplicateUserInList() {
    let loaded = load([
      "org.yaml": organization,
      "users.yaml": """
      apiVersion: roster/v1
      kind: UserList
      extra: 1
      users:
        - email: ada@northwind.example
          roles: [manager]
        - email: Ada@northwind.example
          roles: [mananger]
        - email: bob@northwind.example
          roles: [mananger]
          twoFactor: maybe
      """,
    ])
    #expect(
      places(loaded) == [
        "users.yaml:3:1 RST011", "users.yaml:7:12 RST017", "users.yaml:10:13 RST012", "users.yaml:11:16 RST014",
      ])
    #expect(loaded.documentCount == 2)
  }

  @Test("many files are taken in their order, however they are read: the later of two definitions is the duplicate")
  func manyFilesInOrder() throws {
    var files = ["org.yaml": organization]
    for i in 0..<80 {
      let email = i == 7 || i == 63 ? "dup@northwind.example" : "u\(i)@northwind.example"
      files[String(format: "people/p%03d.yaml", i)] = "apiVersion: roster/v1\nkind: User\nemail: \(email)\n"
    }
    files["people/p020.yaml"] = "apiVersion: roster/v1\nkind: User\nemail: [unclosed\n"
    files["people/p050.yaml"] = "apiVersion: roster/v1\nkind: User\nemail: x@northwind.example\nnmae: X\n"
    let loaded = load(files)
    #expect(
      places(loaded) == [
        "people/p020.yaml:4:1 RST001", "people/p050.yaml:4:1 RST011", "people/p063.yaml:3:8 RST017",
      ])
    #expect(loaded.documentCount == 80)
    #expect(loaded.fileCount == 81)
    // The same files in the other order: the other definition is the second.
    let reversed = ConfigLoader.load(files.keys.sorted().reversed().map { ConfigFile(path: $0, text: files[$0] ?? "") })
    #expect(
      places(reversed) == [
        "people/p007.yaml:3:8 RST017", "people/p020.yaml:4:1 RST001", "people/p050.yaml:4:1 RST011",
      ])
    // And the same answer, word for word, every time.
    for _ in 0..<5 { #expect(load(files).diagnostics == loaded.diagnostics) }
  }

  @Test("references: members, roles and scopes must exist")
  func references() {
    let loaded = load([
      "org.yaml": """
      apiVersion: roster/v1
      kind: Organization
      name: Acme
      platform: tiny
      """,
      "platform.yaml": tinyPlatform,
      "people.yaml": """
      apiVersion: roster/v1
      kind: Group
      name: Ops
      members: [ada@acme.example, eve@acme.example, robot:nightly]
      roles:
        - role: runner
          scope: tenant/mars
        - role: runner
          scope: tenant/emea/service/orchestrator/folder/HR
        - role: runner
          scope: tenant/emea/team/x
      ---
      apiVersion: roster/v1
      kind: User
      email: ada@acme.example
      ---
      apiVersion: roster/v1
      kind: Tenant
      name: emea
      services:
        - name: orchestrator
          folders: [Shared]
      """,
    ])
    #expect(
      places(loaded) == [
        "people.yaml:4:29 RST015", "people.yaml:4:47 RST015", "people.yaml:6:5 RST016", "people.yaml:8:5 RST016",
        "people.yaml:11:12 RST016",
      ])
  }

  @Test("a custom platform catalog from the organisation's repository")
  func customPlatform() throws {
    let loaded = load([
      "org.yaml": "apiVersion: roster/v1\nkind: Organization\nname: Acme\nplatform: tiny\n",
      "catalog/tiny.yaml": tinyPlatform,
      "users.yaml": """
      apiVersion: roster/v1
      kind: User
      email: ada@acme.example
      roles: [{role: runner, scope: tenant/emea}]
      ---
      apiVersion: roster/v1
      kind: Tenant
      name: emea
      services: [orchestrator]
      """,
    ])
    #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
    let model = try #require(loaded.model)
    #expect(model.catalog.name == "tiny")
    #expect(
      Authorizer(model).isAllowed(
        .user("ada@acme.example"), "flows.run", at: Scope(tenant: "emea", service: "orchestrator")))
  }

  @Test("a custom platform may not take a shipped platform's name")
  func shadowing() {
    let loaded = load([
      "org.yaml": organization,
      "p.yaml": tinyPlatform.replacingOccurrences(of: "name: tiny", with: "name: integration-hub"),
    ])
    #expect(loaded.diagnostics.contains { $0.rule == .invalidCatalog && $0.message.contains("shipped with Roster") })
  }

  @Test("exactly one Organization, naming a known platform")
  func organizationRules() {
    #expect(
      load(["a.yaml": "apiVersion: roster/v1\nkind: Tenant\nname: x\n"]).diagnostics.map(\.rule) == [.organizationCount]
    )
    let two = load(["a.yaml": organization + "\n---\n" + organization])
    #expect(places(two) == ["a.yaml:7:1 RST020"])
    let unknown = load(["a.yaml": "apiVersion: roster/v1\nkind: Organization\nname: A\nplatform: integration-hbu\n"])
    #expect(unknown.diagnostics.first?.rule == .unknownPlatform)
    #expect(unknown.diagnostics.first?.hint == "did you mean 'integration-hub'?")
  }

  @Test("apiVersion is required and must be roster/v1")
  func apiVersion() {
    let loaded = load([
      "org.yaml": organization,
      "x.yaml": "kind: User\nemail: a@b.c\n---\napiVersion: roster/v2\nkind: User\nemail: a@b.c\n",
    ])
    #expect(places(loaded) == ["x.yaml:1:1 RST010", "x.yaml:4:13 RST010"])
  }

  @Test("duplicate keys and alias bombs in configuration are reported as such")
  func hostileYAML() {
    var bomb = "apiVersion: roster/v1\nkind: User\nemail: a@b.c\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
    for i in 1...8 {
      bomb += "x\(i): &x\(i) [" + Array(repeating: "*x\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
    }
    let loaded = load(["org.yaml": organization + "\ntier: standard\n", "bomb.yaml": bomb])
    #expect(loaded.diagnostics.map(\.rule) == [.yamlLimit, .duplicateKey])
  }

  @Test("a directory is read recursively, skipping hidden folders and non-YAML files")
  func directory() throws {
    let root = FileManager.default.temporaryDirectory.appending(path: "roster-config-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(
      at: root.appending(path: "people/.hidden"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: root.appending(path: ".git"), withIntermediateDirectories: true)
    try organization.write(to: root.appending(path: "org.yaml"), atomically: true, encoding: .utf8)
    try "apiVersion: roster/v1\nkind: User\nemail: a@northwind.example\n".write(
      to: root.appending(path: "people/a.yml"), atomically: true, encoding: .utf8)
    try "not: [yaml".write(to: root.appending(path: "people/.hidden/x.yaml"), atomically: true, encoding: .utf8)
    try "not: [yaml".write(to: root.appending(path: ".git/config.yaml"), atomically: true, encoding: .utf8)
    try "notes".write(to: root.appending(path: "README.md"), atomically: true, encoding: .utf8)
    let files = try ConfigDirectory.read(root.path)
    #expect(files.map { String($0.path.dropFirst(root.path.count + 1)) } == ["org.yaml", "people/a.yml"])
    let loaded = ConfigLoader.load(files)
    #expect(loaded.diagnostics.isEmpty)
    #expect(loaded.model?.users.count == 1)
    #expect(throws: ConfigDirectory.ReadError.self) { try ConfigDirectory.read(root.path + "/missing") }
  }
}

/// A small custom platform, written as a user would.
let tinyPlatform = """
  apiVersion: roster/v1
  kind: Platform
  name: tiny
  title: Tiny
  scopeLevels:
    - level: organization
    - level: tenant
    - level: service
    - level: folder
  services:
    - name: orchestrator
      title: Orchestrator
  permissions:
    - id: flows.run
      title: Run flows
      level: folder
      service: orchestrator
    - id: settings.edit
      title: Edit settings
  roles:
    - id: admin
      name: Admin
      levels: [organization]
      administrator: true
      permissions: ["*"]
    - id: runner
      name: Runner
      levels: [tenant, service, folder]
      permissions: [flows.run]
  rules:
    groupNesting: none
    principals: [user, group, robot]
  """
