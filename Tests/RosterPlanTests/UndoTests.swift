import Foundation
import RosterConfig
import RosterModel
import Synchronization
import Testing

@testable import RosterPlan

/// The model of an example's configuration (`examples/NAME`).
func exampleModel(_ name: String) throws -> AccessModel {
  let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appending(path: "examples/\(name)")
  let loaded = ConfigLoader.load(try ConfigDirectory.read(folder.path))
  #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
  return try #require(loaded.model)
}

/// `snapshot` without the relations (memberships and bindings) whose place in their table,
/// counted in key order, `drop` says.
private func without(_ snapshot: StateSnapshot, _ drop: (Int) -> Bool) throws -> StateSnapshot {
  var removals: [Change] = []
  for kind in [ObjectKind.membership, .binding] {
    let keys = snapshot.all.filter { $0.kind == kind }.map(\.key)
    for (place, key) in keys.enumerated() where drop(place) {
      removals.append(.relation(.delete, kind: kind, key: key))
    }
  }
  return try snapshot.applying(removals)
}

/// Every account's access to every permission at every scope, as one list to compare.
private func everyAnswer(_ model: AccessModel) -> [String] {
  let authorizer = Authorizer(model)
  return model.allScopes.flatMap { scope in
    model.catalog.permissions.flatMap { permission in
      authorizer.whoCan(permission.id, at: scope).map { "\(scope) \(permission.id) \($0.0) \($0.1)" }.sorted()
    }
  }
}

/// `snapshot` without the principals `drop` names, and without every membership and binding of
/// theirs (a group's own members included).
private func without(_ snapshot: StateSnapshot, principals drop: Set<PrincipalID>) -> StateSnapshot {
  func dropped(_ text: String) -> Bool {
    guard let principal = PrincipalID(canonical: text) else { return false }
    if case .user(let email) = principal { return drop.contains(.user(email.userKey)) }
    return drop.contains(principal)
  }
  var result = snapshot
  for object in snapshot.all {
    let gone: Bool
    switch object.kind {
    case .user: gone = drop.contains(.user(object.key))
    case .group: gone = drop.contains(.group(object.key))
    case .membership:
      let values = object.relationValues ?? []
      gone = drop.contains(.group(values[0])) || dropped(values[1])
    case .binding: gone = dropped(object.relationValues?[0] ?? "")
    default: gone = false
    }
    if gone { result.remove(object.kind, object.key) }
  }
  return result
}

/// Expects `undone` to be the model built from `current`, the state `changes` start from: the
/// same state, the same groups of each member, the same answer to every question, and the same
/// findings of the rules and access impact (which it returns).
private func expectBuilt(
  _ undone: AccessModel, current: StateSnapshot, after: AccessModel, changes: [Change]
) throws -> [ImpactEntry] {
  let catalog = after.catalog
  let built = try AccessModel(snapshot: current, catalog: catalog)
  #expect(undone.snapshot == built.snapshot)
  #expect(undone.groupsByMember == built.groupsByMember)
  #expect(everyAnswer(undone) == everyAnswer(built))
  let actor = built.users.values.map(\.email).min() ?? ""
  func findings(_ model: AccessModel) -> [SafetyFinding] {
    Safety.check(
      changes, current: current, catalog: catalog, actor: actor, overrides: [], model: Lazy(value: model),
      result: after)
  }
  #expect(findings(undone) == findings(built))
  let impact = Impact.compute(changes: changes, before: undone, after: after)
  #expect(impact == Impact.compute(changes: changes, before: built, after: after))
  return impact
}

@Suite("the current state's model from the desired one")
struct UndoTests {
  @Test(
    "undoing a plan's memberships and bindings gives the model of the state it starts from",
    arguments: ["integration-hub", "packaging", "automation-cloud"])
  func undoingRelations(_ name: String) throws {
    let model = try exampleModel(name)
    let (whole, catalog) = (model.snapshot, model.catalog)
    // The plan makes a third of the relations and takes another third away.
    let current = try without(whole) { $0 % 3 == 0 }
    let desired = try without(whole) { $0 % 3 == 1 }
    let changes = Differ.diff(current: current, desired: desired)
    // (Integration Hub has no groups.)
    if whole.count(.membership) > 0 {
      #expect(changes.contains { $0.kind == .membership && $0.action == .create })
      #expect(changes.contains { $0.kind == .membership && $0.action == .delete })
    }
    #expect(changes.contains { $0.kind == .binding && $0.action == .create })
    #expect(changes.contains { $0.kind == .binding && $0.action == .delete })
    let after = try AccessModel(snapshot: desired, catalog: catalog)
    let undone = try #require(after.undoing(changes))
    #expect(undone.snapshot != after.snapshot)
    #expect(!(try expectBuilt(undone, current: current, after: after, changes: changes)).isEmpty)
  }

  @Test(
    "undoing users and groups a plan makes, takes away and changes gives the model of the state it starts from",
    arguments: ["integration-hub", "automation-cloud"])
  func undoingPrincipals(_ name: String) throws {
    let model = try exampleModel(name)
    let (whole, catalog) = (model.snapshot, model.catalog)
    let users = whole.all.filter { $0.kind == .user }.map(\.key)
    let groups = whole.all.filter { $0.kind == .group }.map(\.key)
    func every(_ keys: [String], _ place: Int, _ principal: (String) -> PrincipalID) -> Set<PrincipalID> {
      Set(keys.enumerated().filter { $0.offset % 4 == place }.map { principal($0.element) })
    }
    // The plan makes a quarter of the users (and of the groups), with their memberships and
    // bindings, takes another quarter away, and changes a third quarter's fields.
    let current = without(
      whole, principals: every(users, 0, PrincipalID.user).union(every(groups, 0, PrincipalID.group)))
    var desired = without(
      whole, principals: every(users, 1, PrincipalID.user).union(every(groups, 1, PrincipalID.group)))
    for object in whole.all where object.kind == .user || object.kind == .group {
      let keys = object.kind == .user ? users : groups
      guard keys.firstIndex(of: object.key).map({ $0 % 4 == 2 }) == true else { continue }
      var fields = object.fields
      if object.kind == .user {
        fields["disabled"] = .bool(!(fields["disabled"]?.bool ?? false))
        fields["name"] = .string("Changed")
      } else {
        fields["description"] = .string("Changed")
      }
      desired.insert(StateObject(kind: object.kind, key: object.key, fields: fields))
    }
    let changes = Differ.diff(current: current, desired: desired)
    for (kind, action) in [(ObjectKind.user, Change.Action.create), (.user, .delete), (.user, .update)] {
      #expect(changes.contains { $0.kind == kind && $0.action == action }, "\(kind) \(action)")
    }
    if !groups.isEmpty {
      for action in [Change.Action.create, .delete, .update] {
        #expect(changes.contains { $0.kind == .group && $0.action == action }, "group \(action)")
      }
    }
    let after = try AccessModel(snapshot: desired, catalog: catalog)
    let undone = try #require(after.undoing(changes))
    _ = try expectBuilt(undone, current: current, after: after, changes: changes)
  }

  @Test("undoing custom roles a plan defines, takes away and changes gives the model of the state it starts from")
  func undoingRoles() throws {
    let model = try exampleModel("automation-cloud")
    let whole = model.snapshot
    let reviewer = try #require(whole.object(.role, "finance-reviewer"))
    // Where the reviewer is bound: the roles the plan defines and takes away are bound there too.
    let held = try #require(model.bindingsByPrincipal.values.flatMap { $0 }.first { $0.role == reviewer.key })
    func role(_ id: String, _ permissions: [String]) -> StateObject {
      var fields = reviewer.fields
      fields["name"] = .string(id)
      fields["permissions"] = .list(permissions)
      return StateObject(kind: .role, key: id, fields: fields)
    }
    func bound(_ id: String) -> StateObject {
      .relation(.binding, key: StateKey.binding(Binding(principal: held.principal, role: id, scope: held.scope)))
    }
    var current = whole
    current.insert(role("old-role", ["orchestrator.folder.view"]))
    current.insert(bound("old-role"))
    var desired = whole
    desired.insert(role(reviewer.key, ["orchestrator.folder.view", "orchestrator.automations.run"]))
    desired.insert(role("new-role", ["orchestrator.folder.view"]))
    desired.insert(bound("new-role"))
    let changes = Differ.diff(current: current, desired: desired)
    for action in [Change.Action.create, .update, .delete] {
      #expect(changes.contains { $0.kind == .role && $0.action == action }, "role \(action)")
    }
    let after = try AccessModel(snapshot: desired, catalog: model.catalog)
    let undone = try #require(after.undoing(changes))
    #expect(undone.customRoles[reviewer.key]?.grants.count == 1)
    #expect(!(try expectBuilt(undone, current: current, after: after, changes: changes)).isEmpty)
  }

  @Test("undoing tenants a plan makes, takes away and changes gives the model of the state it starts from")
  func undoingTenants() throws {
    let model = try exampleModel("automation-cloud")
    let whole = model.snapshot
    // A role held at a tenant, bound at the tenants the plan makes and takes away.
    let held = try #require(model.bindingsByPrincipal.values.flatMap { $0 }.first { $0.scope.level == .tenant })
    func tenant(_ name: String) throws -> [StateObject] {
      let scope = try Scope(parsing: "tenant/\(name)")
      return [
        StateObject(kind: .tenant, key: name, fields: ["services": .list([])]),
        .relation(.binding, key: StateKey.binding(Binding(principal: held.principal, role: held.role, scope: scope))),
      ]
    }
    // A tenant the plan gives one more folder.
    let widened = try #require(model.tenants.values.first { $0.services.contains { $0.name == "orchestrator" } })
    var fields = try #require(whole.object(.tenant, widened.name)).fields
    fields["services"] = .list((fields["services"]?.list ?? []) + ["orchestrator/Added"])
    var current = whole
    for object in try tenant("old-tenant") { current.insert(object) }
    var desired = whole
    for object in try tenant("new-tenant") { desired.insert(object) }
    desired.insert(StateObject(kind: .tenant, key: widened.name, fields: fields))
    let changes = Differ.diff(current: current, desired: desired)
    for action in [Change.Action.create, .update, .delete] {
      #expect(changes.contains { $0.kind == .tenant && $0.action == action }, "tenant \(action)")
    }
    let after = try AccessModel(snapshot: desired, catalog: model.catalog)
    let undone = try #require(after.undoing(changes))
    #expect(undone.tenants["new-tenant"] == nil && undone.tenants["old-tenant"] != nil)
    // The holder's access at the tenant only the current state has is lost, and at the one only
    // the desired state has, gained (the scopes numbered apart from the desired state's).
    let impact = try expectBuilt(undone, current: current, after: after, changes: changes)
    let old = impact.filter { $0.scope == "tenant/old-tenant" }
    let new = impact.filter { $0.scope == "tenant/new-tenant" }
    #expect(!old.isEmpty && old.allSatisfy { $0.gained.isEmpty && !$0.lost.isEmpty }, "\(impact)")
    #expect(!new.isEmpty && new.allSatisfy { !$0.gained.isEmpty && $0.lost.isEmpty }, "\(impact)")
  }

  @Test("a tenant is not taken away while bound inside, nor changed so that a binding inside it would be refused")
  func tenantsInUse() throws {
    let model = try exampleModel("automation-cloud")
    let folder = try #require(model.bindingsByPrincipal.values.flatMap { $0 }.first { $0.scope.level == .folder }).scope
    let name = try #require(folder.tenant)
    var changed = model
    #expect(throws: ModelError.self) { try changed.removeTenant(name) }
    // Without the folder's service, the binding there would be refused.
    var narrowed = try #require(model.tenants[name])
    narrowed.services.removeAll { $0.name == folder.service }
    #expect(throws: ModelError.self) { try changed.replaceTenant(narrowed) }
    #expect(changed.snapshot == model.snapshot)
  }

  @Test("a custom role is not taken away while bound, nor changed so that a binding of it would be refused")
  func rolesInUse() throws {
    let model = try exampleModel("automation-cloud")
    let reviewer = try #require(model.customRoles["finance-reviewer"])
    var changed = model
    #expect(throws: ModelError.self) { try changed.removeRole(reviewer.id) }
    // Bound at folders, it cannot become a service-level role alone.
    var narrowed = reviewer
    narrowed.levels = [.service]
    #expect(throws: ModelError.self) { try changed.replaceRole(narrowed) }
    #expect(changed.snapshot == model.snapshot)
    var widened = reviewer
    widened.grants.append(Grant("orchestrator.automations.run"))
    try changed.replaceRole(widened)
    #expect(changed.customRoles[reviewer.id]?.grants.count == 2)
    #expect(changed.bindingCount == model.bindingCount)
  }

  @Test("a principal is not taken away while it holds a binding or is a member of a group")
  func principalsInUse() throws {
    let model = try exampleModel("automation-cloud")
    // A member that holds no binding of its own, and a user bound to a role in no group.
    let member = try #require(
      model.groups.values.filter { !$0.isDefault }.flatMap(\.members).first { model.bindingsByPrincipal[$0] == nil })
    let binding = try #require(
      model.bindingsByPrincipal.first { $0.key.kind == .user && model.groupsByMember[$0.key] == nil }?.value.first)
    let free = try #require(
      model.users.values.first { user in
        model.bindingsByPrincipal[.user(user.email)] == nil && model.groupsByMember[.user(user.email)] == nil
      })
    var held = model
    #expect(throws: ModelError.self) { try held.removePrincipals([member]) }
    #expect(throws: ModelError.self) { try held.removePrincipals([binding.principal]) }
    // All or none: a user that could go stays when another in the same call cannot.
    #expect(throws: ModelError.self) { try held.removePrincipals([.user(free.email), member]) }
    #expect(held.snapshot == model.snapshot)
    // A user with neither goes.
    try held.removePrincipals([.user(free.email)])
    #expect(held.users[free.email.userKey] == nil && held.users.count == model.users.count - 1)
  }

  @Test("a role replaced where the platform allows one per account is bound again once the new one is gone")
  func replacedRole() throws {
    func hub(_ role: String) throws -> AccessModel {
      let loaded = ConfigLoader.load([
        ConfigFile(
          path: "org.yaml",
          text: """
            apiVersion: roster/v1
            kind: Organization
            name: Northwind
            platform: integration-hub
            ---
            apiVersion: roster/v1
            kind: UserList
            users:
              - email: ada@northwind.example
                roles: [administrator]
              - email: bob@northwind.example
                roles: [\(role)]
            """)
      ])
      #expect(!loaded.diagnostics.hasErrors, "\(loaded.diagnostics)")
      return try #require(loaded.model)
    }
    let (before, after) = (try hub("manager"), try hub("user"))
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    #expect(changes.map(\.action) == [.create, .delete])
    let undone = try #require(after.undoing(changes))
    #expect(undone.snapshot == before.snapshot)
  }

  @Test("a value made lazily is made once when two threads ask for it at once")
  func lazyOnce() {
    let made = Mutex(0)
    for _ in 0..<50 {
      let lazy = Lazy<Int> {
        made.withLock { $0 += 1 }
        usleep(100)
        return 7
      }
      let (a, b) = concurrently({ lazy.value }, { lazy.value })
      #expect(a == 7 && b == 7)
    }
    #expect(made.withLock { $0 } == 50)
  }

  @Test("any other change, or one the model does not fit, is not undone")
  func notUndone() throws {
    let model = try exampleModel("integration-hub")
    let user = try #require(model.users.values.map(\.email).min())
    let renamed = Change(
      action: .rename, kind: .user, key: user.userKey, fields: [], from: "someone@example.com")
    #expect(model.undoing([renamed]) == nil)
    // A user the plan would change that the model does not hold.
    let unknown = Change(
      action: .update, kind: .user, key: "nobody@example.com",
      fields: [FieldChange(field: "name", before: nil, after: .string("Someone"))])
    #expect(model.undoing([unknown]) == nil)
    // A binding the plan would make that the model does not hold.
    let unheld = Change.relation(
      .create, kind: .binding, key: StateKey.binding(Binding(principal: .user(user), role: "nobody")))
    #expect(model.undoing([unheld]) == nil)
    // Adoptions change no value: nothing to undo.
    let adopted = Change(action: .adopt, kind: .user, key: user.userKey, fields: [])
    #expect(model.undoing([adopted])?.snapshot == model.snapshot)
  }
}
