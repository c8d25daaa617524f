import Synchronization
import Testing

@testable import RosterModel

/// A small catalog built in code, so the invariants are tested apart from the shipped ones.
func tinyCatalog(
  nesting: GroupNesting = .none, maxOrgRoles: Int? = nil, customLevels: [ScopeLevel] = [.service, .folder]
) throws -> PlatformCatalog {
  var catalog = try PlatformCatalog(
    name: "tiny", title: "Tiny",
    scopeLevels: [
      ScopeLevelInfo(level: .organization), ScopeLevelInfo(level: .tenant), ScopeLevelInfo(level: .service),
      ScopeLevelInfo(level: .folder),
    ],
    rules: PlatformRules(
      maxOrganizationRolesPerPrincipal: maxOrgRoles, groupNesting: nesting, customRoleLevels: customLevels,
      principals: [.user, .group, .robot, .app]))
  try catalog.addService(Service(name: "orchestrator", title: "Orchestrator"))
  try catalog.addService(Service(name: "ai-center", title: "AI Center"))
  try catalog.addFeature(Feature(name: "pro", title: "Pro features"))
  try catalog.addTier(Tier(name: "basic", features: []))
  try catalog.addTier(Tier(name: "pro", features: ["pro"]))
  try catalog.setDefaultTier("basic")
  try catalog.addPermission(Permission(id: "settings.edit", title: "Edit settings"))
  try catalog.addPermission(Permission(id: "flows.run", title: "Run flows", level: .folder, service: "orchestrator"))
  try catalog.addPermission(Permission(id: "flows.edit", title: "Edit flows", level: .folder, service: "orchestrator"))
  try catalog.addPermission(
    Permission(id: "models.train", title: "Train models", level: .service, service: "ai-center"))
  try catalog.addPermission(Permission(id: "reports.export", title: "Export reports", feature: "pro"))
  try catalog.addPermission(Permission(id: "own.mfa", title: "Enable own MFA", condition: .ownAccount))
  try catalog.addRole(
    Role(id: "admin", name: "Admin", levels: [.organization], administrator: true, allPermissions: true))
  try catalog.addRole(
    Role(id: "member", name: "Member", levels: [.organization], assignment: .membership, grants: [Grant("own.mfa")]))
  try catalog.addRole(
    Role(
      id: "runner", name: "Runner", levels: [.tenant, .service, .folder],
      grants: [Grant("flows.run"), Grant("flows.edit", condition: .own)]))
  try catalog.addRole(
    Role(
      id: "tenant-admin", name: "Tenant Admin", levels: [.tenant], bindableTo: [.user, .group],
      services: ["orchestrator"], allPermissions: true,
      limitations: [Limitation(permissions: ["models.train"], note: "does not reach AI Center")]))
  try catalog.addRole(
    Role(id: "exporter", name: "Exporter", levels: [.organization], grants: [Grant("reports.export")]))
  try catalog.addRole(Role(id: "editor", name: "Editor", levels: [.organization], grants: [Grant("settings.edit")]))
  try catalog.addDefaultGroup(
    DefaultGroup(name: "Everyone", automaticMembers: .localUsers, roles: [GroupRole(role: "member")]))
  try catalog.addDefaultGroup(
    DefaultGroup(
      name: "Runners",
      roles: [
        GroupRole(role: "runner", scope: try ScopePattern(parsing: "tenant/*/service/orchestrator/folder/Shared"))
      ]))
  try catalog.validateComplete()
  return catalog
}

func tinyModel(_ catalog: PlatformCatalog? = nil, tier: String? = nil) throws -> AccessModel {
  var model = try AccessModel(
    organization: Organization(name: "Acme", platform: "tiny", tier: tier), catalog: catalog ?? tinyCatalog())
  try model.addTenant(
    Tenant(name: "emea", services: [TenantService(name: "orchestrator", folders: [["Shared"], ["Finance"]])]))
  try model.addTenant(Tenant(name: "apac", services: [TenantService(name: "ai-center")]))
  try model.addUser(User(email: "ada@acme.example"))
  try model.addUser(User(email: "bob@acme.example", source: .directory))
  return model
}

/// Asserts that a mutation is refused with the given kind, and returns the message.
@discardableResult
func expectRefused(
  _ kind: ModelError.Kind, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> String {
  do {
    try body()
    Issue.record("expected a \(kind) refusal", sourceLocation: sourceLocation)
    return ""
  } catch let error as ModelError {
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    return error.description
  } catch {
    Issue.record("expected a ModelError, got \(error)", sourceLocation: sourceLocation)
    return ""
  }
}

@Suite("Model invariants")
struct ModelInvariantTests {
  @Test("names are unique: users (case-insensitively), groups, tenants, robots")
  func duplicates() throws {
    var model = try tinyModel()
    expectRefused(.duplicate) { try model.addUser(User(email: "ADA@acme.example")) }
    try model.addGroup(Group(name: "Ops"))
    expectRefused(.duplicate) { try model.addGroup(Group(name: "Ops")) }
    let message = expectRefused(.duplicate) { try model.addGroup(Group(name: "Everyone")) }
    #expect(message.contains("default group"))
    expectRefused(.duplicate) { try model.addTenant(Tenant(name: "emea")) }
    try model.addRobot(RobotAccount(name: "nightly"))
    expectRefused(.duplicate) { try model.addRobot(RobotAccount(name: "nightly")) }
  }

  @Test("a binding is held once, however many a principal holds; a refused one changes nothing")
  func duplicateBindings() throws {
    var model = try tinyModel()
    // 60 tenants: ada is bound at each, past the point where her bindings are indexed.
    for i in 0..<60 {
      try model.addTenant(Tenant(name: "t\(i)"))
      try model.bind(Binding(principal: .user("ada@acme.example"), role: "runner", scope: Scope(tenant: "t\(i)")))
    }
    try model.bind(Binding(principal: .user("bob@acme.example"), role: "runner", scope: Scope(tenant: "t0")))
    for i in [0, 30, 31, 32, 59] {
      let again = Binding(principal: .user("ADA@acme.example"), role: "runner", scope: Scope(tenant: "t\(i)"))
      let message = expectRefused(.duplicate) { try model.bind(again) }
      #expect(message.contains("already holds 'runner' at tenant/t\(i)"))
    }
    expectRefused(.duplicate) {
      try model.bind(Binding(principal: .user("bob@acme.example"), role: "runner", scope: Scope(tenant: "t0")))
    }
    #expect(model.bindings.count == 61)
    #expect(model.bindingsByPrincipal[.user("ada@acme.example")]?.count == 60)
    #expect(model.bindingsByPrincipal[.user("bob@acme.example")]?.count == 1)
  }

  @Test("a binding taken away is gone, however many its principal holds, and can be made again")
  func unbinding() throws {
    var model = try tinyModel(tinyCatalog(maxOrgRoles: 1))
    let ada = PrincipalID.user("ada@acme.example")
    // 40 tenants: ada's bindings are past the point where they are indexed.
    for i in 0..<40 {
      try model.addTenant(Tenant(name: "t\(i)"))
      try model.bind(Binding(principal: ada, role: "runner", scope: Scope(tenant: "t\(i)")))
    }
    try model.bind(Binding(principal: ada, role: "editor"))
    let original = model
    // Named in another case, as a configuration may.
    try model.unbind(Binding(principal: .user("ADA@acme.example"), role: "runner", scope: Scope(tenant: "t7")))
    try model.unbind(Binding(principal: ada, role: "editor"))
    #expect(model.bindingCount == 39)
    #expect(!model.bindings.contains { $0.scope == Scope(tenant: "t7") || $0.role == "editor" })
    let decisions = Authorizer(model)
    #expect(!decisions.isAllowed(ada, "flows.run", at: Scope(tenant: "t7")))
    #expect(decisions.isAllowed(ada, "flows.run", at: Scope(tenant: "t8")))
    // Taken away once only; what is not held is refused, and changes nothing.
    let gone = Binding(principal: ada, role: "runner", scope: Scope(tenant: "t7"))
    let message = expectRefused(.unknownReference) { try model.unbind(gone) }
    #expect(message.contains("holds no 'runner' at tenant/t7"))
    expectRefused(.unknownReference) { try model.unbind(Binding(principal: .user("bob@acme.example"), role: "runner")) }
    #expect(model.bindingCount == 39)
    // The organisation's one role per account is free again for another role; the tenant's
    // binding can be made again, and only once.
    try model.bind(Binding(principal: ada, role: "exporter"))
    try model.bind(gone)
    expectRefused(.duplicate) { try model.bind(gone) }
    try model.unbind(Binding(principal: ada, role: "exporter"))
    try model.bind(Binding(principal: ada, role: "editor"))
    #expect(model.bindings == original.bindings)
    #expect(Set(model.bindingsByPrincipal[ada] ?? []) == Set(original.bindingsByPrincipal[ada] ?? []))
  }

  @Test("a member taken out of a group is out of it, and can be added again")
  func removingMembers() throws {
    var model = try tinyModel(tinyCatalog(nesting: .any))
    let (ada, bob) = (PrincipalID.user("ada@acme.example"), PrincipalID.user("bob@acme.example"))
    for name in ["Ops", "Leads"] { try model.addGroup(Group(name: name)) }
    try model.addMember(ada, to: "Ops")
    try model.addMember(bob, to: "Ops")
    try model.addMember(.group("Leads"), to: "Ops")
    try model.bind(Binding(principal: .group("Ops"), role: "runner", scope: Scope(tenant: "emea")))
    #expect(model.groupsByMember[ada] == ["Ops"])
    #expect(model.groupsByMember(of: [ada]) == [ada: ["Ops"], .group("Leads"): ["Ops"]])
    try model.removeMember(.user("Ada@acme.example"), from: "Ops")
    #expect(model.groups["Ops"]?.members == [bob, .group("Leads")])
    // The index of members and the side-by-side hashes made before are not kept, and the groups
    // of a few are found after it (the members' hashes moved with them).
    #expect(model.groupsByMember[ada] == nil && model.groupsByMember[bob] == ["Ops"])
    #expect(model.groupsByMember(of: [bob]) == [bob: ["Ops"], .group("Leads"): ["Ops"]])
    #expect(!Authorizer(model).isAllowed(ada, "flows.run", at: Scope(tenant: "emea")))
    expectRefused(.unknownReference) { try model.removeMember(ada, from: "Ops") }
    expectRefused(.unknownReference) { try model.removeMember(ada, from: "Nobody") }
    // Out of Ops, Leads may take Ops in without a cycle.
    expectRefused(.platformRule) { try model.addMember(.group("Ops"), to: "Leads") }
    try model.removeMember(.group("Leads"), from: "Ops")
    try model.addMember(.group("Ops"), to: "Leads")
    #expect(model.groupsByMember(of: [ada]) == [.group("Ops"): ["Leads"]])
    try model.addMember(ada, to: "Ops")
    #expect(model.groupsByMember[ada] == ["Ops"] && model.groupsByMember[.group("Ops")] == ["Leads"])
    #expect(model.groupsByMember(of: [ada]) == [ada: ["Ops"], .group("Ops"): ["Leads"]])
  }

  @Test("the groups of a few members are found however their names are written")
  func groupsOfFewMembers() throws {
    var model = try tinyModel()
    // A robot named with a combining accent (and one with the Kelvin sign, which is K), asked for
    // with the accent composed (and with K): the same names, in other bytes.
    try model.addRobot(RobotAccount(name: "ze\u{301}ta"))
    try model.addRobot(RobotAccount(name: "\u{212A}ilo"))
    for (index, name) in ["Ops", "Staff", "Night"].enumerated() {
      try model.addGroup(Group(name: name))
      try model.addMember(.user(index == 2 ? "bob@acme.example" : "ada@acme.example"), to: name)
    }
    try model.addMember(.robot("ze\u{301}ta"), to: "Night")
    try model.addMember(.robot("\u{212A}ilo"), to: "Ops")
    let asked: Set<PrincipalID> = [.user("ADA@acme.example"), .robot("z\u{E9}ta"), .robot("Kilo")]
    let few = model.groupsByMember(of: asked)
    #expect(few[.user("ada@acme.example")] == ["Ops", "Staff"])
    #expect(few[.robot("z\u{E9}ta")] == ["Night"] && few[.robot("Kilo")] == ["Ops"])
    #expect(few[.user("bob@acme.example")] == nil)
    for principal in asked { #expect(few[principal] == model.groupsByMember[principal], "\(principal)") }
  }

  @Test("a refused mutation leaves the model as it was")
  func refusedChangesNothing() throws {
    var model = try tinyModel()
    try model.addGroup(Group(name: "Ops"))
    let before = model.bindings
    expectRefused(.unknownReference) { try model.bind(Binding(principal: .group("Ops"), role: "nope")) }
    expectRefused(.unknownReference) {
      try model.bind(Binding(principal: .group("Ops"), role: "runner", scope: Scope(tenant: "mars")))
    }
    #expect(model.bindings == before)
    #expect(model.groups["Ops"]?.members == [])
  }

  @Test("unknown role names come with a suggestion")
  func suggestion() throws {
    var model = try tinyModel()
    do {
      try model.bind(Binding(principal: .user("ada@acme.example"), role: "runer", scope: Scope(tenant: "emea")))
      Issue.record("expected a refusal")
    } catch {
      #expect(error.kind == .unknownReference)
      #expect(error.suggestion == "runner")
      #expect(error.referenceKind == "role")
    }
  }

  @Test("a role is bound only at its levels")
  func levels() throws {
    var model = try tinyModel()
    let message = expectRefused(.roleBinding) {
      try model.bind(Binding(principal: .user("ada@acme.example"), role: "tenant-admin"))
    }
    #expect(message.contains("only at tenant"))
    try model.bind(Binding(principal: .user("ada@acme.example"), role: "tenant-admin", scope: Scope(tenant: "emea")))
  }

  @Test("scopes must exist: tenant, service in that tenant, folder in that service")
  func scopes() throws {
    var model = try tinyModel()
    let ada = PrincipalID.user("ada@acme.example")
    expectRefused(.unknownReference) {
      try model.bind(Binding(principal: ada, role: "runner", scope: Scope(tenant: "apac", service: "orchestrator")))
    }
    expectRefused(.unknownReference) {
      try model.bind(
        Binding(principal: ada, role: "runner", scope: Scope(tenant: "emea", service: "orchestrator", folders: ["HR"])))
    }
    try model.bind(
      Binding(
        principal: ada, role: "runner", scope: Scope(tenant: "emea", service: "orchestrator", folders: ["Finance"])))
  }

  @Test("membership roles cannot be bound directly; the message names the group that gives them")
  func membershipOnly() throws {
    var model = try tinyModel()
    let message = expectRefused(.roleBinding) {
      try model.bind(Binding(principal: .user("ada@acme.example"), role: "member"))
    }
    #expect(message.contains("'Everyone'"))
  }

  @Test("bindableTo limits the principal kinds")
  func bindableTo() throws {
    var model = try tinyModel()
    try model.addRobot(RobotAccount(name: "nightly"))
    expectRefused(.roleBinding) {
      try model.bind(Binding(principal: .robot("nightly"), role: "tenant-admin", scope: Scope(tenant: "emea")))
    }
  }

  @Test("a role restricted to some services is not bound in another")
  func serviceRestriction() throws {
    var model = try tinyModel()
    try model.addTenant(Tenant(name: "us", services: [TenantService(name: "ai-center")]))
    // tenant-admin may only be bound at tenant level anyway; the restriction shows in checks.
    try model.bind(Binding(principal: .user("ada@acme.example"), role: "tenant-admin", scope: Scope(tenant: "us")))
    let authorizer = Authorizer(model)
    #expect(
      !authorizer.isAllowed(.user("ada@acme.example"), "models.train", at: Scope(tenant: "us", service: "ai-center")))
  }

  @Test("group nesting follows the platform: none, directory groups only, any; never a cycle")
  func nesting() throws {
    var none = try tinyModel()
    try none.addGroup(Group(name: "A"))
    try none.addGroup(Group(name: "B", source: .directory))
    expectRefused(.platformRule) { try none.addMember(.group("B"), to: "A") }

    var directory = try tinyModel(tinyCatalog(nesting: .directoryGroups))
    try directory.addGroup(Group(name: "Local"))
    try directory.addGroup(Group(name: "Dir", source: .directory))
    let message = expectRefused(.platformRule) { try directory.addMember(.group("Local"), to: "Everyone") }
    #expect(message.contains("local group"))
    try directory.addMember(.group("Dir"), to: "Everyone")

    var any = try tinyModel(tinyCatalog(nesting: .any))
    try any.addGroup(Group(name: "A"))
    try any.addGroup(Group(name: "B"))
    try any.addGroup(Group(name: "C"))
    try any.addMember(.group("B"), to: "A")
    try any.addMember(.group("C"), to: "B")
    expectRefused(.platformRule) { try any.addMember(.group("A"), to: "C") }
    expectRefused(.platformRule) { try any.addMember(.group("A"), to: "A") }
  }

  @Test("members must exist and appear once; applications cannot be members")
  func members() throws {
    var model = try tinyModel()
    try model.addGroup(Group(name: "Ops"))
    expectRefused(.unknownReference) { try model.addMember(.user("eve@acme.example"), to: "Ops") }
    try model.addMember(.user("ADA@acme.example"), to: "Ops")
    #expect(model.groups["Ops"]?.members == [.user("ada@acme.example")])
    expectRefused(.duplicate) { try model.addMember(.user("ada@acme.example"), to: "Ops") }
    try model.addApp(ExternalApp(name: "ci"))
    expectRefused(.platformRule) { try model.addMember(.app("ci"), to: "Ops") }
    // A large group refuses a repeat just the same.
    try model.addGroup(Group(name: "Staff"))
    for i in 0..<50 {
      try model.addUser(User(email: "u\(i)@acme.example"))
      try model.addMember(.user("u\(i)@acme.example"), to: "Staff")
    }
    for i in [0, 31, 32, 49] {
      let message = expectRefused(.duplicate) { try model.addMember(.user("U\(i)@acme.example"), to: "Staff") }
      #expect(message.contains("user:u\(i)@acme.example is listed twice in group 'Staff'"))
    }
    #expect(model.groups["Staff"]?.members.count == 50)
    // Members whose names are not ASCII share one hash (0): each is compared whole, so two
    // such members are both listed and either's repeat is refused.
    try model.addGroup(Group(name: "Zürich"))
    for email in ["zoë@acme.example", "zoé@acme.example"] {
      try model.addUser(User(email: email))
      try model.addMember(.user(email), to: "Zürich")
    }
    expectRefused(.duplicate) { try model.addMember(.user("zoé@acme.example"), to: "Zürich") }
    #expect(model.groups["Zürich"]?.members == [.user("zoë@acme.example"), .user("zoé@acme.example")])
    #expect(model.groupsByMember[.user("u7@acme.example")] == ["Staff"])
    // So does a member of many groups, added in no particular order; its groups stay in name order.
    let names = (0..<40).map { String(format: "team-%02d", ($0 * 17) % 40) }
    for name in names {
      try model.addGroup(Group(name: name))
      try model.addMember(.user("u7@acme.example"), to: name)
    }
    for name in ["team-00", "team-17", "team-39", "Staff"] {
      expectRefused(.duplicate) { try model.addMember(.user("u7@acme.example"), to: name) }
    }
    #expect(model.groupsByMember[.user("u7@acme.example")] == ["Staff"] + names.sorted())
    #expect(model.groups["team-17"]?.members == [.user("u7@acme.example")])
  }

  @Test("one organisation-level role per account where the platform says so")
  func oneOrganizationRole() throws {
    var model = try tinyModel(tinyCatalog(maxOrgRoles: 1))
    let ada = PrincipalID.user("ada@acme.example")
    try model.bind(Binding(principal: ada, role: "editor"))
    let message = expectRefused(.platformRule) { try model.bind(Binding(principal: ada, role: "exporter")) }
    #expect(message.contains("already holds organization-level role 'editor'"))
    // Tenant-level roles are not counted.
    try model.bind(Binding(principal: ada, role: "runner", scope: Scope(tenant: "emea")))
  }

  @Test("users added to one part of a model and groups to the other, put together, are the model adding both gives")
  func partedPrincipals() throws {
    var start = try tinyModel(tinyCatalog(nesting: .any, maxOrgRoles: 1))
    try start.addUser(User(email: "first@acme.example"))
    try start.addGroup(Group(name: "before"))
    let usersBefore = start.users.count
    var users = start
    var others = users.parting()
    // The other part holds no users, this one no groups: each changes only its own tables.
    #expect(others.users.isEmpty && users.groups.isEmpty)
    for i in 0..<200 { try users.addUser(User(email: "u\(i)@acme.example")) }
    for i in 0..<20 { try others.addGroup(Group(name: "g\(i)")) }
    _ = expectRefused(.duplicate) { try others.addGroup(Group(name: "before")) }
    users.takePrincipals(of: others)

    var oneByOne = start
    for i in 0..<200 { try oneByOne.addUser(User(email: "u\(i)@acme.example")) }
    for i in 0..<20 { try oneByOne.addGroup(Group(name: "g\(i)")) }
    #expect(users.snapshot == oneByOne.snapshot)
    #expect(users.users == oneByOne.users && users.groups == oneByOne.groups)
    // The model it started from is unchanged.
    #expect(start.users.count == usersBefore && start.groups["g0"] == nil)
  }

  @Test("members and bindings made together, on two cores, are what making them one by one gives, refusals included")
  func relateTogether() throws {
    var start = try tinyModel(tinyCatalog(nesting: .any, maxOrgRoles: 1))
    for i in 0..<300 { try start.addUser(User(email: "u\(i)@acme.example")) }
    for i in 0..<30 { try start.addGroup(Group(name: "g\(i)")) }
    // Members as written: some unknown, some twice, some in a cycle of groups.
    var members: [(member: String, group: String)] = []
    for i in 0..<1_500 { members.append(("u\((i * 7) % 310)@acme.example", "g\(i % 30)")) }
    for i in 0..<29 { members.append(("group:g\(i + 1)", "g\(i)")) }
    members.append(("group:g0", "g29"))
    // Bindings: some twice, a second organisation-level role, unknown roles and tenants.
    var bindings: [Binding] = []
    for i in 0..<1_500 {
      let principal: PrincipalID = i % 5 == 0 ? .group("g\(i % 30)") : .user("u\((i * 11) % 305)@acme.example")
      let scope =
        i % 4 == 0 ? Scope(tenant: i % 40 == 0 ? "mars" : "emea") : Scope(tenant: "emea", service: "orchestrator")
      bindings.append(
        Binding(
          principal: principal,
          role: i % 9 == 0 ? (i % 2 == 0 ? "editor" : "exporter") : i % 97 == 0 ? "runer" : "runner",
          scope: i % 9 == 0 ? .organization : scope))
    }
    // Members as written: `group:NAME` or an email.
    // A second organisation-level role for one user, which this platform refuses.
    bindings += [
      Binding(principal: .user("u1@acme.example"), role: "editor"),
      Binding(principal: .user("u1@acme.example"), role: "exporter"),
    ]
    @Sendable func principal(_ text: String) -> PrincipalID {
      text.hasPrefix("group:") ? .group(String(text.dropFirst(6))) : .user(text)
    }
    func relate(
      _ model: inout AccessModel, _ members: [(member: String, group: String)], _ bindings: [Binding], found: Bool,
      scopes: Set<Scope>? = nil
    ) -> (members: [(place: Int, refusal: ModelError)], bindings: [(place: Int, refusal: ModelError)]) {
      model.relate(
        members: GroupMembers(members), resolve: { text, _ throws(ModelError) in principal(text) }, bindings: bindings,
        found: found, scopes: scopes)
    }
    func expectSame(_ a: [(place: Int, refusal: ModelError)], _ b: [(place: Int, refusal: ModelError)]) {
      #expect(a.map(\.place) == b.map(\.place))
      #expect(a.map(\.refusal) == b.map(\.refusal))
    }

    var together = start
    let (memberRefusals, bindingRefusals) = relate(&together, members, bindings, found: false)
    var oneByOne = start
    var expectedMembers: [(place: Int, refusal: ModelError)] = []
    for (place, item) in members.enumerated() {
      do throws(ModelError) {
        try oneByOne.addMember(principal(item.member), to: item.group)
      } catch { expectedMembers.append((place, error)) }
    }
    var expectedBindings: [(place: Int, refusal: ModelError)] = []
    for (place, binding) in bindings.enumerated() {
      do throws(ModelError) { try oneByOne.bind(binding) } catch { expectedBindings.append((place, error)) }
    }

    expectSame(memberRefusals, expectedMembers)
    expectSame(bindingRefusals, expectedBindings)
    // Every kind of refusal was met, on both sides, and most were made.
    #expect(Set(memberRefusals.map(\.refusal.kind)) == [.unknownReference, .duplicate, .platformRule])
    #expect(Set(bindingRefusals.map(\.refusal.kind)) == [.unknownReference, .duplicate, .platformRule])
    #expect(members.count - memberRefusals.count > 900)
    #expect(bindings.count - bindingRefusals.count > 500)
    #expect(together.groups == oneByOne.groups)
    #expect(together.groupsByMember == oneByOne.groupsByMember)
    #expect(together.bindings == oneByOne.bindings)
    #expect(together.bindingsByPrincipal == oneByOne.bindingsByPrincipal)
    // The model it started from is unchanged.
    #expect(start.bindings.isEmpty && start.groups["g0"]?.members == [])

    // Given as found (as the loader gives them: principals that exist, as they are written in
    // the model), the members and bindings that name one are made the same way.
    let foundMembers = members.filter { start.existing(principal($0.member)) == principal($0.member) }
    let foundBindings = bindings.filter { start.existing($0.principal) == $0.principal }
    #expect(foundMembers.count < members.count && foundBindings.count < bindings.count)
    var given = start
    let givenRefusals = relate(&given, foundMembers, foundBindings, found: true)
    var lookedUp = start
    let lookedUpRefusals = relate(&lookedUp, foundMembers, foundBindings, found: false)
    expectSame(givenRefusals.members, lookedUpRefusals.members)
    expectSame(givenRefusals.bindings, lookedUpRefusals.bindings)
    #expect(!givenRefusals.members.isEmpty && !givenRefusals.bindings.isEmpty)
    #expect(given.groups == lookedUp.groups && given.groupsByMember == lookedUp.groupsByMember)
    #expect(given.bindings == lookedUp.bindings && given.bindingsByPrincipal == lookedUp.bindingsByPrincipal)

    // Given every binding's scope (as the loader gives the scopes it parsed): checked once each,
    // the same bindings and refusals, whether all exist (none looked up again) or one does not
    // (each binding's checked as before, the unknown tenant refused where it is bound).
    let known = foundBindings.filter { $0.scope.tenant != "mars" }
    for list in [foundBindings, known] {
      var checked = start
      let checkedRefusals = relate(&checked, foundMembers, list, found: true, scopes: Set(list.map(\.scope)))
      var each = start
      let eachRefusals = relate(&each, foundMembers, list, found: true)
      expectSame(checkedRefusals.bindings, eachRefusals.bindings)
      #expect(checked.bindings == each.bindings && checked.bindingsByPrincipal == each.bindingsByPrincipal)
      #expect(
        checkedRefusals.bindings.contains { $0.refusal.message.contains("mars") } == (list.count != known.count))
    }
  }

  @Test("a long run of one group's members refuses each member listed twice in the group, before the run or in it")
  func relateLongRun() throws {
    var start = try tinyModel(tinyCatalog(nesting: .any))
    for i in 0..<200 { try start.addUser(User(email: "u\(i)@acme.example")) }
    try start.addGroup(Group(name: "big"))
    try start.addMember(.user("u0@acme.example"), to: "big")
    // One run of 152 members (those listed are kept as the run goes): u0 was listed before
    // the run, u5 and u120 earlier in it (at its places 4 and 119).
    let texts = (1..<150).map { "u\($0)@acme.example" } + ["u0@acme.example", "u5@acme.example", "u120@acme.example"]
    var together = start
    let (refusals, _) = together.relate(
      members: GroupMembers(texts.map { ($0, "big") }), resolve: { text, _ throws(ModelError) in .user(text) },
      bindings: [], found: true)
    #expect(refusals.map(\.place) == [149, 150, 151])
    #expect(
      refusals.map(\.refusal.message)
        == ["u0", "u5", "u120"].map { "user:\($0)@acme.example is listed twice in group 'big'" })
    #expect(together.groups["big"]?.members.count == 150)
  }

  /// The texts a resolver was asked for, in order.
  final class Asked: Sendable {
    let texts = Mutex<[String]>([])
  }

  @Test("members the resolver refuses, naming no user, or listed twice are refused where written, as one by one")
  func relateMembersResolved() throws {
    var start = try tinyModel(tinyCatalog(nesting: .any))
    for i in 0..<2_000 { try start.addUser(User(email: "u\(i)@acme.example")) }
    for i in 0..<10 { try start.addGroup(Group(name: "g\(i)")) }
    // Some texts the resolver refuses, some name no user, some are listed twice; some users are
    // written in capitals, or with a prefix the resolver does not know.
    var members: [(member: String, group: String)] = []
    for i in 0..<3_000 {
      let user = "u\((i * 13) % 2_050)@acme.example"
      let text =
        i % 211 == 0 ? "nobody \(i)" : i % 17 == 0 ? user.uppercased() : i % 19 == 0 ? "user:" + user : user
      members.append((text, "g\(i % 10)"))
    }
    @Sendable func resolve(_ text: String, _ model: AccessModel) throws(ModelError) -> PrincipalID {
      guard text.contains("@") else { throw ModelError(.unknownReference, "unknown principal '\(text)'") }
      guard let found = model.existing(.user(text)) else {
        throw ModelError(.unknownReference, "unknown user '\(text)'")
      }
      return found
    }
    var together = start
    let (refusals, _) = together.relate(
      members: GroupMembers(members), resolve: resolve, bindings: [], found: true)
    // Emails found by their bytes where they are a user's key, the others resolved: the same,
    // and the resolver asked only for the texts that are not exactly a user's key.
    let asked = Asked()
    var byBytes = start
    let (refusalsByBytes, _) = byBytes.relate(
      members: GroupMembers(members),
      resolve: { text, model throws(ModelError) in
        asked.texts.withLock { $0.append(text) }
        return try resolve(text, model)
      }, usersByKey: true, bindings: [], found: true)
    #expect(refusalsByBytes.map(\.place) == refusals.map(\.place))
    #expect(refusalsByBytes.map(\.refusal) == refusals.map(\.refusal))
    #expect(byBytes.groups == together.groups)
    let texts = asked.texts.withLock { $0 }
    #expect(texts.filter { start.users[$0] != nil }.prefix(5) == [], "users' keys were resolved")
    #expect(texts.count == members.count { start.users[$0.member] == nil })
    var oneByOne = start
    var expected: [(place: Int, refusal: ModelError)] = []
    for (place, item) in members.enumerated() {
      do throws(ModelError) {
        try oneByOne.addMember(try resolve(item.member, oneByOne), to: item.group)
      } catch { expected.append((place, error)) }
    }
    #expect(refusals.map(\.place) == expected.map(\.place))
    #expect(refusals.map(\.refusal) == expected.map(\.refusal))
    // Refused by the resolver, naming no user, and listed twice: each where it was written.
    let why = refusals.map {
      $0.refusal.kind == .duplicate ? "twice" : $0.refusal.message.hasPrefix("unknown principal") ? "resolver" : "user"
    }
    #expect(Set(why) == ["resolver", "user", "twice"])
    #expect(together.groups == oneByOne.groups)
    #expect(together.groupsByMember == oneByOne.groupsByMember)
  }

  @Test("built-in roles are immutable; custom roles only at the allowed levels")
  func customRoles() throws {
    var model = try tinyModel()
    expectRefused(.builtInRole) {
      try model.defineRole(Role(id: "admin", name: "Admin", levels: [.organization], grants: [Grant("flows.run")]))
    }
    let message = expectRefused(.platformRule) {
      try model.defineRole(
        Role(id: "org-thing", name: "Org", levels: [.organization], grants: [Grant("settings.edit")]))
    }
    #expect(message.contains("only at service, folder"))
    expectRefused(.unknownReference) {
      try model.defineRole(Role(id: "x", name: "X", levels: [.folder], grants: [Grant("flows.walk")]))
    }
    try model.defineRole(
      Role(id: "invoice-runner", name: "Invoice runner", levels: [.folder], grants: [Grant("flows.run")]))
    #expect(model.role("invoice-runner")?.builtIn == false)
    var none = try tinyModel(tinyCatalog(customLevels: []))
    expectRefused(.platformRule) {
      try none.defineRole(Role(id: "x", name: "X", levels: [.folder], grants: [Grant("flows.run")]))
    }
  }

  @Test("managed sign-in needs a provider; tiers must exist")
  func organization() throws {
    let catalog = try tinyCatalog()
    expectRefused(.invalidValue) {
      _ = try AccessModel(
        organization: Organization(name: "A", platform: "tiny", signIn: SignInPolicy(mode: .managed)), catalog: catalog)
    }
    expectRefused(.unknownReference) {
      _ = try AccessModel(organization: Organization(name: "A", platform: "tiny", tier: "gold"), catalog: catalog)
    }
  }

  @Test("catalogs refuse dangling references and duplicates")
  func catalogInvariants() throws {
    var catalog = try tinyCatalog()
    expectRefused(.duplicate) { try catalog.addPermission(Permission(id: "flows.run", title: "again")) }
    expectRefused(.unknownReference) {
      try catalog.addRole(Role(id: "r", name: "R", levels: [.organization], grants: [Grant("nope")]))
    }
    expectRefused(.unknownReference) {
      try catalog.addPermission(Permission(id: "p", title: "P", feature: "platinum"))
    }
    expectRefused(.roleBinding) {
      try catalog.addDefaultGroup(DefaultGroup(name: "G", roles: [GroupRole(role: "tenant-admin")]))
    }
    expectRefused(.invalidValue) {
      _ = try PlatformCatalog(
        name: "x", title: "X", scopeLevels: [ScopeLevelInfo(level: .tenant), ScopeLevelInfo(level: .organization)])
    }
  }
}

@Suite("Scopes")
struct ScopeTests {
  @Test(
    "written forms parse and print back",
    arguments: [
      "organization", "tenant/emea", "tenant/emea/service/orchestrator",
      "tenant/emea/service/orchestrator/folder/Shared", "tenant/emea/service/orchestrator/folder/A/folder/B",
    ])
  func roundTrip(text: String) throws {
    #expect(try Scope(parsing: text).description == text)
  }

  @Test(
    "bad forms are refused with the reason",
    arguments: ["tenant", "service/x", "tenant/a/folder/b", "tenant/*", "team/x"])
  func bad(text: String) {
    #expect(throws: ScopeSyntaxError.self) { try Scope(parsing: text) }
  }

  @Test("containment follows the hierarchy")
  func containment() throws {
    let tenant = try Scope(parsing: "tenant/emea")
    let folder = try Scope(parsing: "tenant/emea/service/orchestrator/folder/Shared")
    #expect(Scope.organization.contains(folder))
    #expect(tenant.contains(folder))
    #expect(!folder.contains(tenant))
    #expect(!(try Scope(parsing: "tenant/apac")).contains(folder))
    #expect(folder.selfAndAncestors.count == 4)
  }
}
