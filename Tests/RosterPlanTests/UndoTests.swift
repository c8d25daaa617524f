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
    let built = try AccessModel(snapshot: current, catalog: catalog)
    let undone = try #require(after.undoing(changes))
    #expect(undone.snapshot == built.snapshot)
    #expect(undone.snapshot != after.snapshot)
    #expect(undone.groupsByMember == built.groupsByMember)
    #expect(everyAnswer(undone) == everyAnswer(built))
    // What the rules find and what the impact says are the same either way.
    let actor = built.users.values.map(\.email).min() ?? ""
    func findings(_ model: AccessModel) -> [SafetyFinding] {
      Safety.check(
        changes, current: current, catalog: catalog, actor: actor, overrides: [], model: Lazy(value: model),
        result: after)
    }
    #expect(findings(undone) == findings(built))
    let impact = Impact.compute(changes: changes, before: undone, after: after)
    #expect(!impact.isEmpty)
    #expect(impact == Impact.compute(changes: changes, before: built, after: after))
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
      action: .update, kind: .user, key: user.userKey,
      fields: [FieldChange(field: "name", before: nil, after: .string("Someone"))])
    #expect(model.undoing([renamed]) == nil)
    // A binding the plan would make that the model does not hold.
    let unheld = Change.relation(
      .create, kind: .binding, key: StateKey.binding(Binding(principal: .user(user), role: "nobody")))
    #expect(model.undoing([unheld]) == nil)
    // Adoptions change no value: nothing to undo.
    let adopted = Change(action: .adopt, kind: .user, key: user.userKey, fields: [])
    #expect(model.undoing([adopted])?.snapshot == model.snapshot)
  }
}
