import Foundation
import RosterConfig
import RosterModel
import Testing

@testable import RosterPlan

/// A model from configuration text (several documents).
private func model(_ text: String) throws -> AccessModel {
  let loaded = ConfigLoader.load([ConfigFile(path: "org.yaml", text: text)])
  #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
  return try #require(loaded.model)
}

/// The safety findings of the plan from `before` to `after`, made by `actor`.
private func findings(
  _ before: AccessModel, _ after: AccessModel, actor: String, overrides: Set<String> = [Safety.confirmSignInChange]
) -> [SafetyFinding] {
  let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
  return Safety.check(changes, current: before.snapshot, catalog: before.catalog, actor: actor, overrides: overrides)
}

private func blocking(_ found: [SafetyFinding]) -> [String] { found.filter(\.blocks).map(\.rule) }

/// Robopack with a local administrator, a directory user and an Entra ID group.
private func packaging(signIn: String = "password", extra: String = "", groupMembers: String = "[]") -> String {
  """
  apiVersion: roster/v1
  kind: Organization
  name: Fabrikam
  platform: packaging
  signIn:
    mode: \(signIn)
    provider: entra-id
  ---
  apiVersion: roster/v1
  kind: UserList
  users:
    - email: ada@fabrikam.example
      roles: [organisation-administrator]
    - email: grace@fabrikam.example
      source: directory
  \(extra)
  ---
  apiVersion: roster/v1
  kind: Group
  name: Robopack Administrators
  source: directory
  directoryId: 6f1c2a7e
  members: \(groupMembers)
  roles: [organisation-administrator]
  """
}

/// Patchworks with an administrator, a manager and a user; tier as given.
private func hub(tier: String = "professional", extra: String = "", twoFactor: Bool = false) -> String {
  """
  apiVersion: roster/v1
  kind: Organization
  name: Northwind
  platform: integration-hub
  tier: \(tier)
  signIn:
    mode: password
    requireTwoFactor: \(twoFactor)
  ---
  apiVersion: roster/v1
  kind: UserList
  users:
    - email: ada@northwind.example
      roles: [administrator]
    - email: bob@northwind.example
      roles: [manager]
    - email: cy@northwind.example
      roles: [user]
  \(extra)
  """
}

@Suite("safety rules: each refuses what it must and lets the near miss through")
struct SafetyTests {
  @Test("RST101 lockout: managed login with no directory administrator is refused, naming who could sign in")
  func lockout() throws {
    let before = try model(packaging())
    let after = try model(packaging(signIn: "managed"))
    let found = findings(before, after, actor: "ada@fabrikam.example")
    #expect(blocking(found) == ["RST101"])
    let lockout = try #require(found.first { $0.rule == "RST101" })
    #expect(lockout.message.contains("0 of the required 1 administrators can sign in: nobody"))
    #expect(lockout.hint?.contains("under managed login only directory users can sign in") == true)
    #expect(lockout.hint?.contains("ada@fabrikam.example is local") == true)
  }

  @Test("RST101 near miss: the Entra ID administrators group has a member before the switch")
  func lockoutNearMiss() throws {
    let before = try model(packaging())
    let after = try model(packaging(signIn: "managed", groupMembers: "[grace@fabrikam.example]"))
    #expect(blocking(findings(before, after, actor: "ada@fabrikam.example")).isEmpty)
  }

  @Test("RST102 last administrator: removing the only administrator's role, or the group that gives it")
  func lastAdministrator() throws {
    let before = try model(hub())
    let demoted = try model(hub().replacingOccurrences(of: "roles: [administrator]", with: "roles: [manager]"))
    let found = findings(before, demoted, actor: "bob@northwind.example")
    #expect(found.contains { $0.rule == "RST102" && $0.message.contains("ada@northwind.example") })

    let viaGroup = try model(packaging(groupMembers: "[grace@fabrikam.example]"))
    let noAdmins = try model(
      packaging(groupMembers: "[]").replacingOccurrences(
        of: "roles: [organisation-administrator]\n  - email: grace", with: "roles: []\n  - email: grace"))
    #expect(findings(viaGroup, noAdmins, actor: "grace@fabrikam.example").contains { $0.rule == "RST102" })
  }

  @Test("RST102 near miss: demoting one administrator while another stays")
  func lastAdministratorNearMiss() throws {
    let before = try model(packaging(groupMembers: "[grace@fabrikam.example]"))
    let after = try model(
      packaging(groupMembers: "[grace@fabrikam.example]").replacingOccurrences(
        of: "roles: [organisation-administrator]\n  - email: grace", with: "roles: []\n  - email: grace"))
    let found = findings(before, after, actor: "grace@fabrikam.example")
    #expect(!found.contains { $0.rule == "RST102" || $0.rule == "RST101" }, "\(found)")
  }

  @Test("RST103 no self-change: the actor cannot change its own roles; someone else's it can")
  func selfChange() throws {
    let before = try model(hub())
    let own = try model(hub().replacingOccurrences(of: "roles: [manager]", with: "roles: [user]"))
    let found = findings(before, own, actor: "bob@northwind.example")
    #expect(found.contains { $0.rule == "RST103" && $0.message.contains("their own role") })
    #expect(!findings(before, own, actor: "ada@northwind.example").contains { $0.rule == "RST103" })
  }

  @Test("a membership adopted as it is gives and takes no role: no self-change, no delegation question")
  func adoptedMembership() throws {
    var state = try exampleModel("automation-cloud")
    let finance = Scope(tenant: "production", service: "orchestrator", folders: ["Finance"])
    let (lena, ann) = (PrincipalID.user("lena@contoso.example"), PrincipalID.user("ann@contoso.example"))
    for user in [lena, ann] { try state.addUser(User(email: user.name)) }
    try state.addGroup(Group(name: "Finance Admins"))
    try state.bind(Binding(principal: .group("Finance Admins"), role: "folder-administrator", scope: finance))
    try state.addMember(lena, to: "Finance Admins")
    let key = StateKey.membership(group: "Finance Admins", member: lena)
    let adopt = Change(action: .adopt, kind: .membership, key: key, fields: [])
    for actor in [lena, ann] {
      let found = Safety.check(
        [adopt], current: state.snapshot, catalog: state.catalog, actor: actor.name, overrides: [])
      #expect(!found.contains { $0.rule == "RST103" || $0.rule == "RST104" }, "\(found)")
    }
    // Taken away, the same membership is Lena's own role change, and beyond Ann's rights.
    let removal = Change.relation(.delete, kind: .membership, key: key)
    let own = Safety.check([removal], current: state.snapshot, catalog: state.catalog, actor: lena.name, overrides: [])
    #expect(own.contains { $0.rule == "RST103" && $0.message.contains("revoke their own role") }, "\(own)")
    let other = Safety.check([removal], current: state.snapshot, catalog: state.catalog, actor: ann.name, overrides: [])
    #expect(other.contains { $0.rule == "RST104" }, "\(other)")
  }

  @Test("RST104 delegation: a manager may not create a manager, and is told only what it lacks; it may create a user")
  func delegation() throws {
    let before = try model(hub())
    let manager = try model(hub(extra: "  - email: dee@northwind.example\n    roles: [manager]"))
    let found = findings(before, manager, actor: "bob@northwind.example")
    let refusal = try #require(found.first { $0.rule == "RST104" })
    #expect(refusal.message.contains("needs 'Create a company user with a [manager role]'"))
    #expect(refusal.hint?.contains("lacks 'Create a company user with a [manager role]'") == true)

    let user = try model(hub(extra: "  - email: dee@northwind.example\n    roles: [user]"))
    #expect(blocking(findings(before, user, actor: "bob@northwind.example")).isEmpty)
    let unknown = findings(before, user, actor: "ci-bot")
    #expect(unknown.first { $0.rule == "RST104" }?.message.contains("not an account of the organisation") == true)
  }

  @Test("RST104 delegation: every change asking the same question gets the answer, each its own finding")
  func delegationRepeated() throws {
    let before = try model(hub())
    let extra = ["dee": "manager", "eve": "manager", "fay": "user", "gus": "user"].sorted { $0.key < $1.key }
      .map { "  - email: \($0.key)@northwind.example\n    roles: [\($0.value)]" }.joined(separator: "\n")
    let after = try model(
      hub(extra: extra).replacingOccurrences(
        of: "bob@northwind.example\n    roles: [manager]", with: "bob@northwind.example\n    roles: [user]"))
    let found = findings(before, after, actor: "bob@northwind.example")
    let refused = found.filter { $0.rule == "RST104" }.compactMap(\.change)
    #expect(refused.count == 2 && refused.allSatisfy { $0.contains("dee@") || $0.contains("eve@") }, "\(found)")
    #expect(found.contains { $0.rule == "RST103" && $0.message.contains("their own role") }, "\(found)")
    #expect(!found.contains { $0.change?.contains("fay@") == true || $0.change?.contains("gus@") == true })
  }

  @Test("RST104 delegation: a right held at a folder allows at that folder and inside it, and at no other")
  func delegationByScope() throws {
    var before = try exampleModel("automation-cloud")
    let folder = { (path: String) in
      Scope(tenant: "production", service: "orchestrator", folders: path.components(separatedBy: "/"))
    }
    let people = ["lena", "ann", "bea", "cal", "dan", "eli"].map { "\($0)@contoso.example" }
    for email in people { try before.addUser(User(email: email)) }
    try before.bind(Binding(principal: .user(people[0]), role: "folder-administrator", scope: folder("Finance")))
    // Lena, a Folder Administrator of Finance, makes five people Automation Users: in Finance,
    // in the folder inside it (twice), and in HR (twice, each refused on its own).
    var after = before
    for (email, path) in zip(people.dropFirst(), ["Finance", "Finance/Invoices", "HR", "Finance/Invoices", "HR"]) {
      try after.bind(Binding(principal: .user(email), role: "automation-user", scope: folder(path)))
    }
    let refused = findings(before, after, actor: people[0]).filter { $0.rule == "RST104" }
    #expect(
      refused.compactMap(\.change).sorted()
        == ["cal", "eli"].map {
          "binding user:\($0)@contoso.example → automation-user at tenant/production/service/orchestrator/folder/HR"
        }, "\(refused)")
    #expect(refused.allSatisfy { $0.message.contains("at tenant/production/service/orchestrator/folder/HR") })
    // Held in HR instead, the same right allows there, and in Finance and inside it no more.
    var heldInHR = before
    try heldInHR.unbind(Binding(principal: .user(people[0]), role: "folder-administrator", scope: folder("Finance")))
    try heldInHR.bind(Binding(principal: .user(people[0]), role: "folder-administrator", scope: folder("HR")))
    var afterHeldInHR = heldInHR
    for (email, path) in zip(people.dropFirst(), ["HR", "Finance", "Finance/Invoices"]) {
      try afterHeldInHR.bind(Binding(principal: .user(email), role: "automation-user", scope: folder(path)))
    }
    let outside = findings(heldInHR, afterHeldInHR, actor: people[0]).filter { $0.rule == "RST104" }
    #expect(outside.count == 2 && outside.allSatisfy { $0.message.contains("folder/Finance") }, "\(outside)")
  }

  @Test("RST104 delegation: defining or changing a custom role needs every permission it grants")
  func customRole() throws {
    let org = """
      apiVersion: roster/v1
      kind: Organization
      name: Contoso
      platform: automation-cloud
      ---
      apiVersion: roster/v1
      kind: User
      email: eve@contoso.example
      ---
      apiVersion: roster/v1
      kind: Group
      name: Administrators
      members: [ana@contoso.example]
      ---
      apiVersion: roster/v1
      kind: User
      email: ana@contoso.example
      """
    let role = """
      ---
      apiVersion: roster/v1
      kind: Role
      id: reviewer
      name: Reviewer
      levels: [folder]
      permissions: [orchestrator.folder.view, orchestrator.folder.assign-roles]
      """
    let before = try model(org)
    let after = try model(org + "\n" + role)
    let refused = findings(before, after, actor: "eve@contoso.example")
    #expect(refused.contains { $0.rule == "RST104" && $0.message.contains("may not define role 'Reviewer'") })
    #expect(!findings(before, after, actor: "ana@contoso.example").contains { $0.rule == "RST104" })
  }

  @Test("RST105 ineffective grant: a manager on the standard tier is warned, naming the tier that has the feature")
  func ineffective() throws {
    let before = try model(hub(tier: "standard"))
    let after = try model(hub(tier: "standard", extra: "  - email: dee@northwind.example\n    roles: [manager]"))
    let warning = try #require(findings(before, after, actor: "ada@northwind.example").first { $0.rule == "RST105" })
    #expect(warning.severity == "warning" && !warning.blocks)
    #expect(warning.message.contains("tier 'standard' lacks"))
    #expect(warning.hint == "the feature is included in: professional")
    let professional = try model(hub())
    let near = try model(hub(extra: "  - email: dee@northwind.example\n    roles: [manager]"))
    #expect(!findings(professional, near, actor: "ada@northwind.example").contains { $0.rule == "RST105" })
  }

  @Test("RST106 mass removal: over a quarter of the users needs the override; a few removals do not")
  func massRemoval() throws {
    let many = (1...12).map { "  - email: u\($0)@northwind.example" }.joined(separator: "\n")
    let few = (1...4).map { "  - email: u\($0)@northwind.example" }.joined(separator: "\n")
    let before = try model(hub(extra: many))
    let after = try model(hub(extra: few))
    let refused = findings(before, after, actor: "ada@northwind.example")
    #expect(refused.first { $0.rule == "RST106" }?.message.contains("removes 8 of 15 users") == true)
    #expect(blocking(refused) == ["RST106"])
    let allowed = findings(
      before, after, actor: "ada@northwind.example", overrides: [Safety.allowMassRemoval, Safety.confirmSignInChange])
    #expect(allowed.contains { $0.rule == "RST106" && $0.overridden } && blocking(allowed).isEmpty)
    let some = try model(hub(extra: (1...8).map { "  - email: u\($0)@northwind.example" }.joined(separator: "\n")))
    #expect(!findings(before, some, actor: "ada@northwind.example").contains { $0.rule == "RST106" })
  }

  @Test("RST107 sign-in change: turning on 2FA needs --confirm-sign-in-change; RST108 warns of who must enrol")
  func signIn() throws {
    let before = try model(hub())
    let after = try model(hub(twoFactor: true))
    let refused = findings(before, after, actor: "ada@northwind.example", overrides: [])
    #expect(blocking(refused) == ["RST107"])
    #expect(
      refused.first { $0.rule == "RST107" }?.message
        == "the plan changes how people sign in: requireTwoFactor false → true")
    let confirmed = findings(before, after, actor: "ada@northwind.example")
    #expect(blocking(confirmed).isEmpty)
    #expect(confirmed.contains { $0.rule == "RST108" && $0.message.contains("ada@northwind.example has not enrolled") })
  }

  @Test("the current state's model is made only for changes that can take rights away or change roles")
  func currentModelOnlyWhenNeeded() throws {
    let before = try model(hub(twoFactor: true))
    // A user without roles added and another renamed: nobody's rights change.
    let after = try model(
      hub(extra: "  - email: dee@northwind.example", twoFactor: true).replacingOccurrences(
        of: "- email: cy@northwind.example", with: "- email: cy@northwind.example\n    name: Cy Young"))
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    #expect(
      changes.map { "\($0.action.rawValue) \($0.address)" } == [
        "create user dee@northwind.example", "update user cy@northwind.example",
      ])
    func check(_ current: Lazy<AccessModel?>) -> [SafetyFinding] {
      Safety.check(
        changes, current: before.snapshot, catalog: before.catalog, actor: "ada@northwind.example", overrides: [],
        model: current)
    }
    let lazy = Lazy<AccessModel?> { before }
    let found = check(lazy)
    #expect(!lazy.isMade)
    // The same findings as with the model at hand: ada, an administrator, has not enrolled 2FA.
    #expect(found == check(Lazy(value: before)))
    #expect(found.map(\.rule) == ["RST108"])
    // A rename reaches no one's access either.
    let renameOnly = changes.filter { $0.action == .update }
    let forImpact = Lazy<AccessModel?> { before }
    #expect(Impact.compute(changes: renameOnly, before: forImpact, after: after).isEmpty)
    #expect(!forImpact.isMade)

    // Demoting bob is a role change: the rules need the current state, and find it allowed.
    let demoted = try model(hub(twoFactor: true).replacingOccurrences(of: "roles: [manager]", with: "roles: [user]"))
    let demotion = Differ.diff(current: before.snapshot, desired: demoted.snapshot)
    let needed = Lazy<AccessModel?> { before }
    let decided = Safety.check(
      demotion, current: before.snapshot, catalog: before.catalog, actor: "ada@northwind.example", overrides: [],
      model: needed)
    #expect(needed.isMade)
    #expect(blocking(decided).isEmpty)
  }

  @Test(
    "the administrator census agrees with the explained holdings on every example",
    arguments: ["integration-hub", "packaging", "automation-cloud"])
  func censusOnExamples(_ example: String) throws {
    let model = try exampleModel(example)
    let census = Safety.census(model)
    #expect(!census.holders.isEmpty)
    #expect(census.holders == administratorsByHoldings(model))
  }

  @Test("property: random plans that pass every rule never leave a state where no administrator can sign in")
  func neverLockedOut() throws {
    let start = try model(
      packaging(extra: (1...4).map { "  - email: p\($0)@fabrikam.example" }.joined(separator: "\n")))
    let catalog = start.catalog
    var random = SplitMix(seed: 20_261_125)
    var accepted = 0
    var refused = 0
    for _ in 0..<12 {
      var current = start.snapshot
      for _ in 0..<12 {
        var desired = current
        for _ in 0..<random.next(3) + 1 { mutate(&desired, &random) }
        let changes = Differ.diff(current: current, desired: desired)
        guard !changes.isEmpty, let built = try? desired.applying([]),
          (try? AccessModel(snapshot: built, catalog: catalog)) != nil
        else { continue }
        let found = Safety.check(
          changes, current: current, catalog: catalog, actor: "ada@fabrikam.example",
          overrides: [Safety.allowMassRemoval, Safety.confirmSignInChange])
        guard found.filter(\.blocks).isEmpty else {
          refused += 1
          continue
        }
        accepted += 1
        current = try current.applying(changes)
        let model = try AccessModel(snapshot: current, catalog: catalog)
        let census = Safety.census(model)
        #expect(!census.canSignIn.isEmpty, "an accepted plan locked everyone out: \(changes.map(\.address))")
        #expect(census.holders == administratorsByHoldings(model), "the census agrees with the explained holdings")
      }
    }
    #expect(accepted > 20 && refused > 5, "the test exercised both outcomes (\(accepted) accepted, \(refused) refused)")
  }
}

/// The administrators as `explain` finds them: every holding of every active user.
private func administratorsByHoldings(_ model: AccessModel) -> [String] {
  let adminRoles = Set(model.allRoles.filter(\.administrator).map(\.id))
  return model.users.values.filter { user in
    !user.disabled
      && model.holdings(of: .user(user.email)).contains { adminRoles.contains($0.role) && $0.scope == .organization }
  }.map(\.email).sorted { $0.lowercased() < $1.lowercased() }
}

/// One random edit of the desired state: sign-in mode, a user's source or disabled flag, an
/// administrator binding or membership added or removed.
private func mutate(_ snapshot: inout StateSnapshot, _ random: inout SplitMix) {
  let users = snapshot.objects(.user).keys.sorted()
  let user = users[random.next(users.count)]
  switch random.next(6) {
  case 0:
    var org = snapshot.object(.organization, "organization")
    let managed = org?.fields["signInMode"] == .string("managed")
    org?.fields["signInMode"] = .string(managed ? "password" : "managed")
    org?.fields["signInProvider"] = .string("entra-id")
    if let org { snapshot.insert(org) }
  case 1:
    var object = snapshot.object(.user, user)
    let directory = object?.fields["source"] == .string("directory")
    object?.fields["source"] = .string(directory ? "local" : "directory")
    if let object { snapshot.insert(object) }
  case 2:
    if var object = snapshot.object(.user, user) {
      let disabled = object.fields["disabled"]?.bool ?? false
      object.fields["disabled"] = .bool(!disabled)
      snapshot.insert(object)
    }
  case 3, 4:
    let binding = Binding(principal: .user(user), role: "organisation-administrator")
    let key = StateKey.binding(binding)
    if snapshot.object(.binding, key) != nil {
      snapshot.remove(.binding, key)
    } else {
      snapshot.insert(
        StateObject(
          kind: .binding, key: key,
          fields: [
            "principal": .string("user:\(user)"), "role": .string("organisation-administrator"),
            "scope": .string("organization"),
          ]))
    }
  default:
    let key = StateKey.membership(group: "Robopack Administrators", member: .user(user))
    if snapshot.object(.membership, key) != nil {
      snapshot.remove(.membership, key)
    } else {
      snapshot.insert(
        StateObject(
          kind: .membership, key: key,
          fields: ["group": .string("Robopack Administrators"), "member": .string("user:\(user)")]))
    }
  }
}

/// A small seeded random generator, so the property test is the same every run.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next(_ bound: Int) -> Int {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Int(z % UInt64(bound))
  }
}
