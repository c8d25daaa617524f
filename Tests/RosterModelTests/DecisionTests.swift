import Testing

@testable import RosterModel

private let ada = PrincipalID.user("ada@acme.example")
private let bob = PrincipalID.user("bob@acme.example")
private let shared = Scope(tenant: "emea", service: "orchestrator", folders: ["Shared"])
private let finance = Scope(tenant: "emea", service: "orchestrator", folders: ["Finance"])

private func decide(
  _ model: AccessModel, _ principal: PrincipalID, _ permission: String, _ scope: Scope = .organization,
  owner: PrincipalID? = nil
) throws -> Decision {
  try model.decide(AccessQuestion(principal: principal, permission: permission, scope: scope, owner: owner))
}

@Suite("Decisions and their reasons")
struct DecisionTests {
  @Test("a binding applies at its scope and every scope inside it, not beside it")
  func scopeInheritance() throws {
    var model = try tinyModel()
    try model.bind(Binding(principal: ada, role: "runner", scope: Scope(tenant: "emea", service: "orchestrator")))
    let authorizer = Authorizer(model)
    #expect(authorizer.isAllowed(ada, "flows.run", at: shared))
    #expect(authorizer.isAllowed(ada, "flows.run", at: Scope(tenant: "emea", service: "orchestrator")))
    #expect(!authorizer.isAllowed(ada, "flows.run", at: Scope(tenant: "emea")))
    let denied = try decide(model, ada, "flows.run", Scope(tenant: "emea"))
    #expect(denied.outcome == .deny)
    #expect(denied.reasons.map(\.kind) == [.noGrant, .otherScope])
    #expect(denied.reasons[1].message.contains("does not contain tenant/emea"))
  }

  @Test("roles come through a chain of groups, and the reason names the chain")
  func groupChain() throws {
    var model = try tinyModel(tinyCatalog(nesting: .any))
    try model.addGroup(Group(name: "Ops"))
    try model.addGroup(Group(name: "Platform"))
    try model.addMember(ada, to: "Ops")
    try model.addMember(.group("Ops"), to: "Platform")
    try model.bind(Binding(principal: .group("Platform"), role: "editor"))
    let decision = try decide(model, ada, "settings.edit")
    #expect(decision.allowed)
    #expect(decision.reasons.first?.holding?.via == ["Ops", "Platform"])
    #expect(decision.reasons.first?.message.contains("through group 'Ops' in 'Platform'") == true)
    #expect(Authorizer(model).isAllowed(ada, "settings.edit"))
  }

  @Test("default groups: automatic members and wildcard scopes bound only where they exist")
  func defaultGroups() throws {
    var model = try tinyModel()
    try model.addMember(bob, to: "Runners")
    let authorizer = Authorizer(model)
    // ada is local, so she is in Everyone without being listed; bob is a directory user.
    #expect(authorizer.isAllowed(ada, "own.mfa"))
    #expect(!authorizer.isAllowed(bob, "own.mfa"))
    let reason = try decide(model, ada, "own.mfa").reasons.first
    #expect(reason?.holding?.automatic == true)
    #expect(reason?.holding?.source == .defaultGroup)
    // Runners hold runner in every tenant's orchestrator Shared folder: emea has one, apac does not.
    #expect(authorizer.isAllowed(bob, "flows.run", at: shared))
    #expect(!authorizer.isAllowed(bob, "flows.run", at: finance))
    #expect(model.holdings(of: bob).filter { $0.role == "runner" }.map(\.scope) == [shared])
  }

  @Test("tier trumps role: a grant the tier lacks is denied, naming the tier that has it")
  func tier() throws {
    var basic = try tinyModel()
    try basic.bind(Binding(principal: ada, role: "exporter"))
    let denied = try decide(basic, ada, "reports.export")
    #expect(denied.outcome == .deny)
    #expect(denied.reasons.first?.kind == .tier)
    #expect(denied.reasons.first?.message.contains("included in: pro") == true)
    #expect(!Authorizer(basic).isAllowed(ada, "reports.export"))

    var pro = try tinyModel(tier: "pro")
    try pro.bind(Binding(principal: ada, role: "exporter"))
    #expect(try decide(pro, ada, "reports.export").allowed)
    #expect(Authorizer(pro).isAllowed(ada, "reports.export"))
  }

  @Test("own: only on resources the principal created")
  func ownership() throws {
    var model = try tinyModel()
    try model.bind(Binding(principal: ada, role: "runner", scope: Scope(tenant: "emea")))
    let authorizer = Authorizer(model)
    #expect(authorizer.isAllowed(ada, "flows.edit", at: shared, owner: ada))
    #expect(!authorizer.isAllowed(ada, "flows.edit", at: shared, owner: bob))
    #expect(!authorizer.isAllowed(ada, "flows.edit", at: shared))
    let other = try decide(model, ada, "flows.edit", shared, owner: bob)
    #expect(other.outcome == .deny)
    #expect(other.reasons.first?.kind == .conditionNotMet)
    #expect(other.reasons.first?.message.contains("the owner is bob@acme.example") == true)
    #expect(try decide(model, ada, "flows.edit", shared, owner: ada).allowed)
  }

  @Test("self: only on the principal's own account")
  func ownAccount() throws {
    let model = try tinyModel()
    let authorizer = Authorizer(model)
    #expect(authorizer.isAllowed(ada, "own.mfa"))
    #expect(authorizer.isAllowed(ada, "own.mfa", owner: ada))
    #expect(!authorizer.isAllowed(ada, "own.mfa", owner: bob))
    #expect(try decide(model, ada, "own.mfa", owner: bob).reasons.first?.kind == .conditionNotMet)
  }

  @Test("an administrator with every permission holds own and self ones unconditionally")
  func administratorUnconditional() throws {
    var model = try tinyModel()
    try model.bind(Binding(principal: bob, role: "admin"))
    // '*' carries each permission's own condition: bob's own MFA only.
    #expect(!Authorizer(model).isAllowed(bob, "own.mfa", owner: ada))
    #expect(Authorizer(model).isAllowed(bob, "settings.edit"))
  }

  @Test("a disabled user is denied everything, and told so")
  func disabled() throws {
    var model = try tinyModel()
    try model.addUser(User(email: "eve@acme.example", disabled: true))
    let eve = PrincipalID.user("eve@acme.example")
    try model.bind(Binding(principal: eve, role: "admin"))
    #expect(!Authorizer(model).isAllowed(eve, "settings.edit"))
    #expect(try decide(model, eve, "settings.edit").reasons.map(\.kind) == [.disabled])
  }

  @Test("a role's documented limitation is given as a reason")
  func limitation() throws {
    var model = try tinyModel()
    try model.bind(Binding(principal: ada, role: "tenant-admin", scope: Scope(tenant: "apac")))
    let scope = Scope(tenant: "apac", service: "ai-center")
    #expect(!Authorizer(model).isAllowed(ada, "models.train", at: scope))
    let decision = try decide(model, ada, "models.train", scope)
    #expect(decision.reasons.contains { $0.kind == .limitation && $0.message.contains("does not reach AI Center") })
  }

  @Test("unknown principals, permissions and scopes are errors, not denials")
  func unknowns() throws {
    let model = try tinyModel()
    #expect(throws: ModelError.self) { try decide(model, .user("eve@acme.example"), "flows.run") }
    #expect(throws: ModelError.self) { try decide(model, ada, "flows.fly") }
    #expect(throws: ModelError.self) { try decide(model, ada, "flows.run", Scope(tenant: "mars")) }
  }

  @Test("who-can lists accounts with their conditions")
  func whoCan() throws {
    var model = try tinyModel()
    try model.bind(Binding(principal: ada, role: "runner", scope: Scope(tenant: "emea")))
    try model.bind(Binding(principal: bob, role: "tenant-admin", scope: Scope(tenant: "emea")))
    let holders = Authorizer(model).whoCan("flows.edit", at: shared)
    #expect(holders.map(\.0) == [ada, bob])
    #expect(holders.map(\.1) == [.ownOnly, .allowed])
  }

  @Test("the compiled tables and the explained decision agree on every question")
  func fastAndSlowAgree() throws {
    var model = try tinyModel(tinyCatalog(nesting: .any), tier: "pro")
    try model.addGroup(Group(name: "Ops"))
    try model.addGroup(Group(name: "Leads"))
    try model.addMember(ada, to: "Ops")
    try model.addMember(.group("Ops"), to: "Leads")
    try model.addMember(bob, to: "Runners")
    try model.addRobot(RobotAccount(name: "nightly"))
    try model.bind(Binding(principal: .group("Leads"), role: "exporter"))
    try model.bind(Binding(principal: .robot("nightly"), role: "runner", scope: finance))
    try model.bind(Binding(principal: bob, role: "tenant-admin", scope: Scope(tenant: "apac")))
    try model.bind(Binding(principal: ada, role: "runner", scope: Scope(tenant: "emea", service: "orchestrator")))
    // One principal holding something at many scopes, bound in no particular order: the tables
    // find each scope among its own.
    try model.addRobot(RobotAccount(name: "sweeper"))
    for scope in [finance, Scope(tenant: "apac"), .organization, shared, Scope(tenant: "emea")] {
      try model.bind(
        Binding(principal: .robot("sweeper"), role: scope == .organization ? "exporter" : "runner", scope: scope))
    }
    let authorizer = Authorizer(model)
    // Tables of two principals (one named with another case) answer for those two as the whole
    // tables do, and deny every other.
    let chosen: Set<PrincipalID> = [.user("Ada@Acme.example"), .robot("sweeper")]
    let some = Authorizer(model, only: chosen)
    let principals: [PrincipalID] = [ada, bob, .robot("nightly"), .robot("sweeper"), .group("Ops")]
    var checked = 0
    var allowedToOthers = 0
    for principal in principals {
      for permission in model.catalog.permissions {
        for scope in model.allScopes {
          for owner in [nil, ada, bob] {
            let fast = authorizer.isAllowed(principal, permission.id, at: scope, owner: owner)
            let slow = try decide(model, principal, permission.id, scope, owner: owner).allowed
            #expect(fast == slow, "\(principal) \(permission.id) \(scope) owner \(String(describing: owner))")
            // All of a principal's permissions at once say what one question with itself as
            // the owner says.
            if owner == nil {
              let number = try #require(model.catalog.permissionNumber(permission.id))
              let all = authorizer.permissions(of: principal, at: scope)
              let ownerItself = authorizer.isAllowed(principal, permission.id, at: scope, owner: principal)
              #expect(
                (all[number / 64] & (1 << UInt64(number % 64)) != 0) == ownerItself,
                "\(principal) \(permission.id) \(scope)")
            }
            let chosenOne = principal == ada || principal == .robot("sweeper")
            if !chosenOne && fast { allowedToOthers += 1 }
            #expect(
              some.isAllowed(principal, permission.id, at: scope, owner: owner) == (chosenOne && fast),
              "only \(chosen): \(principal) \(permission.id) \(scope) owner \(String(describing: owner))")
            checked += 1
          }
        }
      }
    }
    #expect(some.whoCan("flows.run", at: shared).map(\.0) == [ada, .robot("sweeper")])
    #expect(checked == 5 * 6 * model.allScopes.count * 3)
    // The groups of a few principals, found without the whole index, give each the holdings the
    // whole index gives (Ada's through Ops and, nested, Leads).
    for principal in principals + [.user("Ada@Acme.example")] {
      let few = model.groupsByMember(of: [principal])
      #expect(model.holdings(of: principal, memberOf: few) == model.holdings(of: principal), "\(principal)")
    }
    #expect(model.holdings(of: ada).contains { $0.via == ["Ops", "Leads"] && $0.role == "exporter" })
    #expect(allowedToOthers > 0, "the principals left out hold something the tables of two must deny")
  }
}
