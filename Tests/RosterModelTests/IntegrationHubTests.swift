import RosterConfig
import Testing

@testable import RosterModel

/// One user per role of the seed, on the given tier.
func integrationHubModel(tier: String) throws -> AccessModel {
  let text = """
    apiVersion: roster/v1
    kind: Organization
    name: Northwind
    platform: integration-hub
    tier: \(tier)
    ---
    apiVersion: roster/v1
    kind: UserList
    users:
      - email: administrator@northwind.example
        roles: [administrator]
      - email: manager@northwind.example
        roles: [manager]
      - email: user@northwind.example
        roles: [user]
      - email: read-only@northwind.example
        roles: [read-only]
      - email: nobody@northwind.example
    """
  let loaded = ConfigLoader.load([ConfigFile(path: "org.yaml", text: text)])
  #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
  return try #require(loaded.model)
}

private func account(_ role: String) -> PrincipalID { .user("\(role)@northwind.example") }

@Suite("integration-hub: the seed's task matrix")
struct IntegrationHubTests {
  static let model = try? integrationHubModel(tier: "professional")

  @Test("the shipped catalog loads without a diagnostic")
  func loads() {
    #expect(BuiltinCatalogs.diagnostics("integration-hub").isEmpty)
    #expect(BuiltinCatalogs.catalog("integration-hub") != nil)
  }

  @Test("every task row of the seed is a permission, and nothing else is")
  func completeness() throws {
    let catalog = try #require(BuiltinCatalogs.catalog("integration-hub"))
    #expect(catalog.permissions.count == integrationHubSeedMatrix.count)
    #expect(Set(catalog.permissions.map(\.title)) == Set(integrationHubSeedMatrix.map(\.title)))
  }

  @Test("each row × each role: allowed exactly where the seed says", arguments: integrationHubSeedMatrix)
  func row(_ row: SeedTaskRow) throws {
    let model = try #require(Self.model)
    guard case .found(let permission) = model.catalog.findPermission(row.title) else {
      Issue.record("no permission titled '\(row.title)'")
      return
    }
    #expect(permission.title == row.title)
    #expect(permission.section == row.section)
    let authorizer = Authorizer(model)
    for role in integrationHubSeedRoles {
      let allowed = authorizer.isAllowed(account(role), permission.id)
      #expect(allowed == row.allowed.contains(role), "\(role): '\(row.title)'")
    }
    #expect(authorizer.isAllowed(.operator, permission.id) == row.allowed.contains("patchworks support"))
    #expect(!authorizer.isAllowed(account("nobody"), permission.id))
  }

  @Test("Bob: a manager on the standard tier views custom scripts but cannot create or change them")
  func bob() throws {
    let model = try integrationHubModel(tier: "standard")
    let authorizer = Authorizer(model)
    let bob = account("manager")
    #expect(authorizer.isAllowed(bob, "custom-scripts.list"))
    #expect(authorizer.isAllowed(bob, "custom-scripts.view"))
    for denied in ["custom-scripts.create", "custom-scripts.update"] {
      #expect(!authorizer.isAllowed(bob, denied))
      let decision = try model.decide(AccessQuestion(principal: bob, permission: denied))
      #expect(decision.reasons.first?.kind == .tier)
      #expect(decision.reasons.first?.message.contains("'standard'") == true)
      #expect(decision.reasons.first?.message.contains("included in: professional") == true)
    }
  }

  @Test("Jack: a manager on the professional tier views, creates and updates custom scripts")
  func jack() throws {
    let authorizer = Authorizer(try integrationHubModel(tier: "professional"))
    for allowed in ["custom-scripts.list", "custom-scripts.create", "custom-scripts.update"] {
      #expect(authorizer.isAllowed(account("manager"), allowed))
    }
  }

  @Test("own-account rows apply to one's own account only")
  func ownAccount() throws {
    let model = try #require(Self.model)
    let authorizer = Authorizer(model)
    let mfa = try #require(model.catalog.permissions.first { $0.title == "Enable/disable own MFA" })
    #expect(authorizer.isAllowed(account("read-only"), mfa.id))
    #expect(!authorizer.isAllowed(account("administrator"), mfa.id, owner: account("user")))
  }
}

@Suite("integration-hub: who may create, elevate and reduce which role")
struct IntegrationHubDelegationTests {
  static let model = try? integrationHubModel(tier: "standard")

  private func decide(_ actor: PrincipalID, _ operation: DelegationOperation, _ role: String, from: String? = nil)
    throws -> DelegationDecision
  {
    let model = try #require(Self.model)
    // The target is someone else: self-changes are refused by their own rule (tested below).
    let target = account("nobody")
    return model.mayMake(
      RoleChange(actor: actor, target: target, operation: operation, role: role, from: from),
      authorizer: Authorizer(model))
  }

  @Test(
    "the seed's create, elevate and reduce rows",
    arguments: [
      // (actor, operation, role, from, allowed)
      ("manager", DelegationOperation.create, "user", nil, true),
      ("manager", .create, "read-only", nil, true),
      ("manager", .create, "manager", nil, false),
      ("administrator", .create, "manager", nil, true),
      ("administrator", .create, "administrator", nil, false),
      ("operator", .create, "administrator", nil, true),
      ("manager", .elevate, "user", "read-only", true),
      ("manager", .elevate, "manager", "user", false),
      ("administrator", .elevate, "manager", "user", true),
      ("administrator", .elevate, "administrator", "manager", false),
      ("operator", .elevate, "administrator", "manager", true),
      ("manager", .reduce, "read-only", "user", true),
      ("administrator", .reduce, "manager", "administrator", false),
      ("operator", .reduce, "manager", "administrator", true),
      ("user", .elevate, "user", "read-only", false),
    ] as [(String, DelegationOperation, String, String?, Bool)])
  func rows(actor: String, operation: DelegationOperation, role: String, from: String?, allowed: Bool) throws {
    let actorID: PrincipalID = actor == "operator" ? .operator : account(actor)
    let decision = try decide(actorID, operation, role, from: from)
    #expect(decision.allowed == allowed, "\(decision.message)")
    if !allowed { #expect(!decision.missing.isEmpty, "a refusal names what the actor lacks") }
  }

  @Test("nobody elevates or reduces their own role, not even the administrator")
  func noSelfChange() throws {
    let model = try #require(Self.model)
    let admin = account("administrator")
    for operation in [DelegationOperation.elevate, .reduce] {
      let decision = model.mayMake(
        RoleChange(actor: admin, target: admin, operation: operation, role: "manager", from: "administrator"),
        authorizer: Authorizer(model))
      #expect(!decision.allowed)
      #expect(decision.message.contains("their own role"))
    }
  }
}
