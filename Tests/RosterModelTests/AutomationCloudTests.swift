import RosterConfig
import Testing

@testable import RosterModel

/// A tenant with Orchestrator (folders Shared and Finance) and AI Center; one member per default
/// group, one of a custom group, a Tenant Administrator, a robot and an application.
private func automationCloudModel() throws -> AccessModel {
  let text = """
    apiVersion: roster/v1
    kind: Organization
    name: Contoso
    platform: automation-cloud
    ---
    apiVersion: roster/v1
    kind: Tenant
    name: production
    services:
      - name: orchestrator
        folders: [Shared, Finance]
      - ai-center
      - data-service
    ---
    apiVersion: roster/v1
    kind: UserList
    users:
      - email: administrators@contoso.example
      - email: automation-users@contoso.example
      - email: automation-developers@contoso.example
      - email: everyone@contoso.example
      - email: automation-express@contoso.example
      - email: custom@contoso.example
      - email: directory@contoso.example
        source: directory
      # A directory account, so not in Everyone: it holds only the Tenant Administrator role.
      - email: tenant-admin@contoso.example
        source: directory
        roles:
          - role: tenant-administrator
            scope: tenant/production
    ---
    apiVersion: roster/v1
    kind: Group
    name: Administrators
    members: [administrators@contoso.example]
    ---
    apiVersion: roster/v1
    kind: Group
    name: Automation Users
    members: [automation-users@contoso.example]
    ---
    apiVersion: roster/v1
    kind: Group
    name: Automation Developers
    members: [automation-developers@contoso.example]
    ---
    apiVersion: roster/v1
    kind: Group
    name: Automation Express
    members: [automation-express@contoso.example]
    ---
    apiVersion: roster/v1
    kind: Group
    name: Reviewers
    members: [custom@contoso.example]
    ---
    apiVersion: roster/v1
    kind: RobotAccount
    name: invoice-bot
    roles:
      - role: automation-user
        scope: tenant/production/service/orchestrator/folder/Finance
    ---
    apiVersion: roster/v1
    kind: ExternalApp
    name: erp
    roles:
      - role: tenant-administrator
        scope: tenant/production
    """
  let loaded = ConfigLoader.load([ConfigFile(path: "org.yaml", text: text)])
  #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
  return try #require(loaded.model)
}

private let orchestrator = "tenant/production/service/orchestrator"
private let shared = orchestrator + "/folder/Shared"
private let finance = orchestrator + "/folder/Finance"

/// The seed's group table, as questions: (permission, scope) → allowed, for a member of each group.
/// Organisation Administrator: "Accounts and groups: Edit"; User: "portal.pages.view"; service
/// roles: Automation User and Folder Administrator in the Shared folder only, "Allow to be …" at the
/// tenant's Orchestrator.
private let groupTable: [(member: String, allowed: [String: Bool])] = [
  (
    "administrators",
    [
      "accounts-and-groups.edit@organization": true, "portal.pages.view@organization": true,
      "orchestrator.roles.manage@\(orchestrator)": true,
    ]
  ),
  (
    "automation-users",
    [
      "accounts-and-groups.edit@organization": false, "portal.pages.view@organization": true,
      "orchestrator.automations.run@\(shared)": true, "orchestrator.automations.run@\(finance)": false,
      "orchestrator.folder.manage@\(shared)": false, "orchestrator.allow-automation-user@\(orchestrator)": true,
      "orchestrator.allow-folder-administrator@\(orchestrator)": false,
    ]
  ),
  (
    "automation-developers",
    [
      "accounts-and-groups.edit@organization": false, "portal.pages.view@organization": true,
      "orchestrator.automations.run@\(shared)": true, "orchestrator.folder.manage@\(shared)": true,
      "orchestrator.folder.manage@\(finance)": false, "orchestrator.allow-automation-user@\(orchestrator)": true,
      "orchestrator.allow-folder-administrator@\(orchestrator)": true,
    ]
  ),
  (
    "everyone",
    [
      "portal.pages.view@organization": true, "orchestrator.automations.run@\(shared)": false,
      "orchestrator.allow-automation-user@\(orchestrator)": false,
    ]
  ),
  (
    "automation-express",
    [
      "portal.pages.view@organization": true, "orchestrator.automations.run@\(shared)": false,
      "orchestrator.allow-automation-user@\(orchestrator)": true,
    ]
  ),
  ("custom", ["portal.pages.view@organization": true, "orchestrator.automations.run@\(shared)": false]),
  // A directory account in no group is not in Everyone (only local accounts join it).
  ("directory", ["portal.pages.view@organization": false]),
]

@Suite("automation-cloud: default groups, Tenant Administrator, robots and applications")
struct AutomationCloudTests {
  static let model = try? automationCloudModel()

  @Test("the shipped catalog loads; the organisation-level roles are fixed and come only through groups")
  func catalog() throws {
    #expect(BuiltinCatalogs.diagnostics("automation-cloud").isEmpty)
    let catalog = try #require(BuiltinCatalogs.catalog("automation-cloud"))
    #expect(
      catalog.defaultGroups.map(\.name) == [
        "Administrators", "Automation Users", "Automation Developers", "Everyone", "Automation Express",
      ])
    for id in ["organization-administrator", "user"] {
      let role = try #require(catalog.role(id))
      #expect(role.levels == [.organization] && role.assignment == .membership && role.builtIn)
    }
    #expect(catalog.customGroupRoles == ["user"])
    #expect(catalog.rules.customRoleLevels == [.service, .folder], "no new roles at the organisation level")
  }

  @Test("the seed's group table, row by row", arguments: groupTable.map(\.member))
  func groupRow(_ member: String) throws {
    let authorizer = Authorizer(try #require(Self.model))
    let row = try #require(groupTable.first { $0.member == member })
    for (question, expected) in row.allowed {
      let parts = question.split(separator: "@", maxSplits: 1).map(String.init)
      let scope = try Scope(parsing: parts[1])
      #expect(
        authorizer.isAllowed(.user("\(member)@contoso.example"), parts[0], at: scope) == expected,
        "\(member): \(question)")
    }
  }

  @Test("organisation-level roles cannot be bound directly, and local groups cannot join default groups")
  func membershipOnly() {
    let loaded = ConfigLoader.load([
      ConfigFile(
        path: "org.yaml",
        text: """
          apiVersion: roster/v1
          kind: Organization
          name: Contoso
          platform: automation-cloud
          ---
          apiVersion: roster/v1
          kind: User
          email: ada@contoso.example
          roles: [organization-administrator]
          ---
          apiVersion: roster/v1
          kind: Group
          name: Local Team
          ---
          apiVersion: roster/v1
          kind: Group
          name: Administrators
          members: [group:Local Team]
          """)
    ])
    let rules = loaded.diagnostics.map(\.rule.id)
    #expect(rules.contains("RST030"), "\(loaded.diagnostics)")
    #expect(rules.contains("RST031"), "\(loaded.diagnostics)")
    #expect(loaded.model == nil)
  }

  @Test("Tenant Administrator: manages its tenant, with the seed's listed limitations as reasons")
  func tenantAdministrator() throws {
    let model = try #require(Self.model)
    let authorizer = Authorizer(model)
    let admin = PrincipalID.user("tenant-admin@contoso.example")
    let tenant = try Scope(parsing: "tenant/production")
    #expect(authorizer.isAllowed(admin, "tenant.services.view", at: tenant))
    #expect(authorizer.isAllowed(admin, "tenant.roles.assign", at: tenant))
    #expect(authorizer.isAllowed(admin, "orchestrator.roles.manage", at: try Scope(parsing: orchestrator)))
    let limits: [(String, String, String)] = [
      ("tenant.services.manage", "tenant/production", "cannot add or remove services"),
      ("ai-center.access", "tenant/production/service/ai-center", "Only the following services support"),
      ("tenants.create", "tenant/production", "cannot access organization-level menus"),
    ]
    for (permission, scope, note) in limits {
      let decision = try model.decide(
        AccessQuestion(principal: admin, permission: permission, scope: try Scope(parsing: scope)))
      #expect(decision.outcome == .deny, "\(permission)")
      #expect(decision.reasons.contains { $0.kind == .limitation && $0.message.contains(note) }, "\(decision.reasons)")
    }
  }

  @Test("robot accounts and external applications hold roles like accounts")
  func robotsAndApps() throws {
    let authorizer = Authorizer(try #require(Self.model))
    #expect(
      authorizer.isAllowed(.robot("invoice-bot"), "orchestrator.automations.run", at: try Scope(parsing: finance)))
    #expect(
      !authorizer.isAllowed(.robot("invoice-bot"), "orchestrator.automations.run", at: try Scope(parsing: shared)))
    #expect(authorizer.isAllowed(.app("erp"), "tenant.roles.assign", at: try Scope(parsing: "tenant/production")))
  }
}
