import Foundation
import RosterConfig
import RosterModel
import Testing

@testable import RosterPlan

private func model(_ users: String, tenants: String = "", org: String = "name: Northwind") throws -> AccessModel {
  let text = """
    apiVersion: roster/v1
    kind: Organization
    \(org)
    platform: integration-hub
    \(tenants)
    ---
    apiVersion: roster/v1
    kind: UserList
    users:
    \(users)
    """
  let loaded = ConfigLoader.load([ConfigFile(path: "org.yaml", text: text)])
  #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
  return try #require(loaded.model)
}

private let ada = """
    - email: ada@northwind.example
      roles: [administrator]
  """

@Suite("diff, order and apply")
struct DifferTests {
  @Test("the same state gives no changes; a snapshot rebuilds the same model")
  func noChanges() throws {
    let a = try model(ada)
    #expect(Differ.diff(current: a.snapshot, desired: a.snapshot).isEmpty)
    let rebuilt = try AccessModel(snapshot: a.snapshot, catalog: a.catalog)
    #expect(rebuilt.snapshot == a.snapshot)
  }

  @Test("the desired state made a kind at a time from the model gives the changes of the whole snapshot")
  func streamedDiff() throws {
    let before = try model(
      """
          - email: ada@northwind.example
            roles: [administrator]
          - email: bob@northwind.example
            name: Bob
      """)
    let after = try model(
      """
          - email: ada@northwind.example
            roles: [administrator]
          - email: bob@northwind.example
            name: Robert
          - email: cy@northwind.example
            roles: [administrator]
      """)
    for (current, desired) in [(before, after), (after, before), (before, before)] {
      let whole = Differ.diff(current: current.snapshot, desired: desired.snapshot)
      let streamed = Differ.diff(current: current.snapshot, desired: { desired.snapshotTable($0) })
      #expect(streamed.changes == whole)
      let keyed = Differ.diff(
        current: current.snapshot, desired: { desired.snapshotTable($0) },
        relationKeys: { desired.forEachRelationKey($0, part: $1, $2) })
      #expect(keyed.changes == whole && keyed.desiredCounts == streamed.desiredCounts)
      #expect(streamed.desiredCounts == ObjectKind.allCases.map(desired.snapshot.count))
      #expect(
        Differ.leadsToDesired(streamed.changes, current: current.snapshot, desiredCounts: streamed.desiredCounts)
          == (whole.isEmpty || Differ.leadsToDesired(whole, current: current.snapshot, desired: desired.snapshot)))
    }
    let changes = Differ.diff(current: before.snapshot, desired: { after.snapshotTable($0) }).changes
    #expect(changes.map(\.address).contains("user cy@northwind.example"))
    #expect(changes.contains { $0.address == "user bob@northwind.example" && $0.action == .update })
    #expect(try before.snapshot.applying(changes) == after.snapshot)
  }

  @Test("a relation kind's keys taken in shares (as the differ takes them on several cores) are each key once")
  func relationKeysInShares() throws {
    let example = try exampleModel("automation-cloud")
    for kind in [ObjectKind.membership, .binding] {
      var whole: [String] = []
      example.forEachRelationKey(kind) { whole.append(String(decoding: $0, as: UTF8.self)) }
      #expect(Set(whole) == Set(example.snapshot.objects(kind).map(\.key)) && whole.count > 3)
      for count in 1...4 {
        var shared: [String] = []
        for share in 0..<count {
          example.forEachRelationKey(kind, part: Part(share, of: count)) {
            shared.append(String(decoding: $0, as: UTF8.self))
          }
        }
        #expect(shared == whole)
      }
    }
    let empty = try model(ada)
    let plan = Differ.diff(
      current: empty.snapshot, desired: { example.snapshotTable($0) },
      relationKeys: { example.forEachRelationKey($0, part: $1, $2) })
    #expect(plan.changes == Differ.diff(current: empty.snapshot, desired: example.snapshot))
  }

  @Test("relations compared key by key as they come give the changes a table of them gives")
  func relationKeysDiff() throws {
    func binding(_ principal: String, _ role: String) -> String {
      StateKey.binding(principal: principal, role: role, scope: "organization")
    }
    let (kept, gone, auto, added, noted) = (
      binding("user:ada@x.example", "admin"), binding("user:bob@x.example", "reader"),
      binding("user:auto@x.example", "reader"), binding("user:cy@x.example", "reader"),
      binding("user:dee@x.example", "reader")
    )
    let (adopted, left) = ("Ops\u{1F}user:ada@x.example", "Ops\u{1F}user:bob@x.example")
    var current = StateSnapshot()
    for key in [kept, gone, auto] { current.insert(.relation(.binding, key: key)) }
    // A binding whose row holds a field of its own beside its key's parts.
    current.insert(
      StateObject(
        kind: .binding, key: noted,
        fields: [
          "principal": .string("user:dee@x.example"), "role": .string("reader"), "scope": .string("organization"),
          "note": .string("by hand"),
        ]))
    for key in [adopted, left] { current.insert(.relation(.membership, key: key)) }
    var wanted = StateSnapshot()
    for key in [kept, added, noted] { wanted.insert(.relation(.binding, key: key)) }
    wanted.insert(.relation(.membership, key: adopted))
    let desired = wanted
    var applied = AppliedState()
    applied.recordUnwritten(.membership, adopted)
    let unmanaged: Set<String> = [StateObject.id(.binding, auto)]

    let byTable = Differ.diff(
      current: current, desired: { desired.objects($0) }, unmanaged: unmanaged, applied: applied)
    let byKeys = Differ.diff(
      current: current, desired: { desired.objects($0) },
      relationKeys: { kind, part, body in
        let objects = Array(desired.objects(kind))
        for i in part.indices(of: objects) {
          var key = objects[i].key
          key.withUTF8(body)
        }
      }, unmanaged: unmanaged, applied: applied)
    #expect(byKeys.changes == byTable.changes)
    #expect(byKeys.desiredCounts == byTable.desiredCounts)
    #expect(
      byKeys.changes.map { "\($0.action.rawValue) \($0.address)" } == [
        "create binding user:cy@x.example → reader at organization",
        "adopt membership user:ada@x.example in group 'Ops'",
        "update binding user:dee@x.example → reader at organization",
        "delete binding user:bob@x.example → reader at organization",
        "delete membership user:bob@x.example in group 'Ops'",
      ])
    #expect(byKeys.changes[2].fields == [FieldChange(field: "note", before: .string("by hand"), after: nil)])
  }

  @Test("field by field: an update names each field with its value before and after")
  func fieldLevel() throws {
    let before = try model(ada)
    let after = try model(
      """
        - email: ada@northwind.example
          name: Ada Okafor
          twoFactor: true
          roles: [administrator]
      """)
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    #expect(changes.count == 1)
    #expect(changes[0].action == .update)
    #expect(changes[0].address == "user ada@northwind.example")
    #expect(
      changes[0].fields == [
        FieldChange(field: "name", before: nil, after: .string("Ada Okafor")),
        FieldChange(field: "twoFactor", before: .bool(false), after: .bool(true)),
      ])
  }

  @Test("order: what is referred to is created first and removed last; the organisation's settings change last")
  func order() throws {
    let before = try model(
      ada + "\n" + """
          - email: old@northwind.example
            roles:
              - role: manager
                scope: tenant/old
        """, tenants: "---\napiVersion: roster/v1\nkind: Tenant\nname: old")
    let after = try model(
      ada + "\n" + """
          - email: new@northwind.example
            roles:
              - role: manager
                scope: tenant/new
        """, tenants: "---\napiVersion: roster/v1\nkind: Tenant\nname: new", org: "name: Northwind Trading")
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    #expect(
      changes.map { "\($0.action.rawValue) \($0.address)" } == [
        "create tenant new",
        "create user new@northwind.example",
        "create binding user:new@northwind.example → manager at tenant/new",
        "update organization organization",
        "delete binding user:old@northwind.example → manager at tenant/old",
        "delete user old@northwind.example",
        "delete tenant old",
      ])
    // Applied in that order, the snapshot reaches the desired state exactly.
    #expect(try before.snapshot.applying(changes) == after.snapshot)
    #expect(Differ.leadsToDesired(changes, current: before.snapshot, desired: after.snapshot))
  }

  @Test("objects Roster did not create are left alone")
  func unmanaged() throws {
    let before = try model(
      ada + "\n" + """
          - email: auto@northwind.example
            source: directory
        """)
    let after = try model(ada)
    let unmanaged: Set<String> = [StateObject.id(.user, "auto@northwind.example")]
    let kept = Differ.diff(current: before.snapshot, desired: after.snapshot, unmanaged: unmanaged)
    #expect(kept.isEmpty)
    #expect(Differ.diff(current: before.snapshot, desired: after.snapshot).count == 1)
    // The state after such a plan is not the desired one (the plan reuses the desired model only
    // when it is): the count says so without comparing every object.
    #expect(!Differ.leadsToDesired(kept, current: before.snapshot, desired: after.snapshot))
    #expect(try before.snapshot.applying(kept) != after.snapshot)
    let removed = Differ.diff(current: before.snapshot, desired: after.snapshot)
    #expect(Differ.leadsToDesired(removed, current: before.snapshot, desired: after.snapshot))
    #expect(try before.snapshot.applying(removed) == after.snapshot)
  }

  @Test("drift and adoption visit only what differs from what Roster wrote, and agree with the whole comparison")
  func driftFromWhatDiffers() throws {
    let written = try model(
      ada + "\n" + """
          - email: bob@northwind.example
          - email: cy@northwind.example
        """)
    // Outside Roster: bob enrolled 2FA, and dee was provisioned.
    var now = written.snapshot
    var bob = try #require(now.object(.user, "bob@northwind.example"))
    bob.fields["twoFactor"] = .bool(true)
    now.insert(bob)
    now.insert(
      StateObject(kind: .user, key: "dee@northwind.example", fields: ["email": .string("dee@northwind.example")]))
    var applied = AppliedState()
    applied.recordChanged(try #require(written.snapshot.object(.user, "bob@northwind.example")))
    applied.recordUnwritten(.user, "dee@northwind.example")
    #expect(applied.snapshot(over: now) == written.snapshot)

    let drift = Differ.drift(current: now, applied: applied)
    #expect(
      drift.map { "\($0.action.rawValue) \($0.address)" } == [
        "create user dee@northwind.example", "update user bob@northwind.example",
      ])
    #expect(drift == Differ.diff(current: applied.snapshot(over: now), desired: now))
    #expect(Differ.drift(current: written.snapshot, applied: AppliedState()).isEmpty)

    // A configuration that states bob and dee as they are now adopts both.
    let changes = Differ.diff(current: now, desired: now, applied: applied)
    #expect(
      changes.map { "\($0.action.rawValue) \($0.address)" } == [
        "adopt user bob@northwind.example", "adopt user dee@northwind.example",
      ])
  }

  @Test("previously: a renamed object is renamed, keeping its fields, not removed and created again")
  func rename() throws {
    let before = try model(
      ada + "\n" + """
          - email: bob@northwind.example
            twoFactor: true
        """)
    let after = try model(
      ada + "\n" + """
          - email: robert@northwind.example
            twoFactor: true
        """)
    let renames: [ObjectKind: [String: String]] = [.user: ["robert@northwind.example": "bob@northwind.example"]]
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot, renames: renames)
    #expect(changes.map(\.action) == [.rename])
    #expect(changes[0].address == "user robert@northwind.example (renamed from bob@northwind.example)")
    #expect(
      changes[0].fields == [
        FieldChange(
          field: "email", before: .string("bob@northwind.example"), after: .string("robert@northwind.example"))
      ])
    #expect(try before.snapshot.applying(changes) == after.snapshot)
    #expect(Differ.leadsToDesired(changes, current: before.snapshot, desired: after.snapshot))
    #expect(Differ.diff(current: before.snapshot, desired: after.snapshot).map(\.action) == [.create, .delete])
  }

  @Test("fullyManaged: unmanaged objects of a fully managed kind are removed after all")
  func fullyManaged() throws {
    let before = try model(
      ada + "\n" + """
          - email: auto@northwind.example
            source: directory
        """)
    let after = try model(ada, org: "name: Northwind\nfullyManaged: [user]")
    let unmanaged: Set<String> = [StateObject.id(.user, "auto@northwind.example")]
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot, unmanaged: unmanaged)
    #expect(changes.map { "\($0.action.rawValue) \($0.address)" }.contains("delete user auto@northwind.example"))
  }

  @Test("a change that no longer fits the state is refused, naming the object and the field")
  func conflicts() throws {
    let before = try model(ada)
    let after = try model(
      """
        - email: ada@northwind.example
          twoFactor: true
          roles: [administrator]
      """)
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    let moved = try before.snapshot.applying(changes)
    let error = #expect(throws: ApplyConflict.self) { try moved.applying(changes) }
    #expect(error?.description == "user ada@northwind.example: 'twoFactor' is true, not false as planned")
  }

  @Test("a plan's digest covers its content; an edited plan is not intact; the file round-trips")
  func digest() throws {
    let changes = Differ.diff(current: StateSnapshot(), desired: try model(ada).snapshot)
    let plan = Plan(
      lineage: "l", serial: 3, source: "config", commit: nil, actor: "ada", changes: changes, drift: [],
      catalogSource: nil)
    #expect(plan.isIntact)
    #expect(plan.summary == "Plan: 3 to add, 0 to change, 0 to remove.")
    let read = try Plan.read(plan.fileData())
    #expect(read == plan && read.isIntact)
    #expect(plan.fileData() == plan.fileData(), "the same plan gives the same bytes")
    var edited = plan
    edited.serial = 4
    #expect(!edited.isIntact)
    // Each kind of file that is not a usable plan is told apart.
    func refusal(_ text: String) -> String? {
      guard case .failure(let error) = Result(catching: { try Plan.read(Data(text.utf8)) }) else { return nil }
      return "\(error)"
    }
    #expect(refusal(#"{"formatVersion": "9"}"#)?.contains("plan format version 9 is not supported") == true)
    #expect(refusal(#"{"changes": []}"#) == "not a Roster plan file (no formatVersion)")
    #expect(refusal("not json") == "not a Roster plan file (no formatVersion)")
    #expect(refusal(#"{"formatVersion": "1", "serial": "three"}"#)?.hasPrefix("the plan file is damaged: ") == true)
  }
}

extension AppliedState {
  /// The whole state as Roster last wrote it, given the state as it is: what drift and adoption
  /// are checked against.
  func snapshot(over current: StateSnapshot) -> StateSnapshot {
    var written = current
    for (kind, keys) in unwritten { for key in keys { written.remove(kind, key) } }
    for object in changed.all { written.insert(object) }
    return written
  }
}

/// JSON as Foundation's encoder writes it canonically (or pretty-printed, as plan files are):
/// what the hand-written encoding must equal.
private func viaEncoder<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
  return try encoder.encode(value)
}

@Suite("canonical JSON of changes and plans")
struct CanonicalJSONTests {
  @Test(
    "changes, findings and impact are written byte for byte as JSONEncoder writes them, whatever their text; so is the plan digest"
  )
  func sameBytesAsJSONEncoder() throws {
    let texts = [
      "plain", "zoë \u{1F600}", "quote \" and \\ back", "line\nbreak\ttab\u{1}", "a/b", "", "\u{7F}\u{2028}",
      // Every control character, each escaped its own way.
      String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self),
    ]
    var changes: [Change] = []
    for (i, text) in texts.enumerated() {
      changes.append(
        Change(
          action: .update, kind: .user, key: "u\(i)@x.example",
          fields: [
            FieldChange(field: "name", before: .string(text), after: nil),
            FieldChange(field: "twoFactor", before: .bool(false), after: .bool(true)),
          ]))
      changes.append(
        Change(
          action: .rename, kind: .group, key: text,
          fields: [FieldChange(field: "description", before: nil, after: .list([text, "x"]))],
          from: "old " + text))
    }
    changes.append(
      Change(
        action: .update, kind: .organization, key: "organization",
        fields: [
          FieldChange(field: "maxRemovalRatio", before: .number(0.25), after: .number(1)),
          FieldChange(field: "minAdmins", before: .number(3), after: .number(1e20)),
        ]))
    changes.append(Change(action: .delete, kind: .binding, key: "user:a\u{1F}admin\u{1F}organization", fields: []))
    #expect(Data(Plan.canonicalText(changes).utf8) == (try viaEncoder(changes)))

    let plan = Plan(
      lineage: "l \"1\"", serial: 7, source: "repo@abc", commit: "abc", actor: "ada", changes: changes,
      drift: Array(changes.prefix(3)), catalogSource: nil,
      findings: [
        SafetyFinding(.massRemoval, "\"changes\":[] in a message", hint: "drift"),
        SafetyFinding(.lockout, texts[3], change: texts[1], overridden: true), SafetyFinding(.selfChange, ""),
      ],
      overrides: ["--x"],
      impact: texts.map { text in
        ImpactEntry(principals: ["user:" + text, "robot:b"], scope: text, gained: [text], lost: [], cause: text)
      } + [ImpactEntry(principals: [], scope: "organization", gained: [], lost: ["a", "b/c"], cause: "\"impact\":[]")])
    var unsealed = plan
    unsealed.digest = ""
    #expect(plan.digest == sha256Hex(try viaEncoder(unsealed)))
    #expect(plan.isIntact)
    // The plan file, pretty-printed: every list of changes, field and value, empty ones too.
    #expect(plan.fileData() == (try viaEncoder(plan, pretty: true)) + Data("\n".utf8))
    var bare = plan
    bare.changes = []
    bare.drift = [Change(action: .adopt, kind: .user, key: "zoe@x.example", fields: [])]
    bare.findings = []
    bare.impact = []
    #expect(bare.fileData() == (try viaEncoder(bare, pretty: true)) + Data("\n".utf8))
  }

  @Test("a whole organisation's first plan is written as JSONEncoder writes it, and so is its file")
  func firstPlanOfAnExample() throws {
    let changes = Differ.diff(current: StateSnapshot(), desired: try model(ada).snapshot)
    #expect(Data(Plan.canonicalText(changes).utf8) == (try viaEncoder(changes)))
    let plan = Plan(
      lineage: "l", serial: 1, source: "config", commit: nil, actor: "ada", changes: changes, drift: [],
      catalogSource: nil)
    #expect(plan.fileData() == (try viaEncoder(plan, pretty: true)) + Data("\n".utf8))
  }

  @Test("the state as `show` prints it is written as JSONEncoder writes it: escapes, empty fields, lists, relations")
  func stateAsShown() throws {
    var objects = try model(ada).snapshot.all
    objects.append(StateObject(kind: .robot, key: "bare \"bot\"", fields: [:]))
    objects.append(
      StateObject(
        kind: .role, key: "r\\1",
        fields: ["levels": .list([]), "name": .string("line\nbreak"), "permissions": .list(["a/b", "zoë"])]))
    struct Shown: Encodable {
      var lineage: String
      var objects: [StateObject]
      var serial: Int
    }
    var text = Data()
    StateJSON.write(lineage: "l \"1\"", serial: 4, objects: objects) { text.append($0) }
    let expected = try viaEncoder(Shown(lineage: "l \"1\"", objects: objects, serial: 4), pretty: true)
    #expect(text == expected + Data("\n".utf8))
    text = Data()
    StateJSON.write(lineage: "l", serial: 1, objects: []) { text.append($0) }
    #expect(text == (try viaEncoder(Shown(lineage: "l", objects: [], serial: 1), pretty: true)) + Data("\n".utf8))
  }

  @Test("a relation created or removed changes its key's parts: read from its key, equal to them written out")
  func relationChanges() throws {
    let key = StateKey.binding(principal: "user:ada@x.example", role: "admin", scope: "organization")
    let created = Change.relation(.create, kind: .binding, key: key)
    let written = Change(
      action: .create, kind: .binding, key: key,
      fields: [
        FieldChange(field: "principal", before: nil, after: .string("user:ada@x.example")),
        FieldChange(field: "role", before: nil, after: .string("admin")),
        FieldChange(field: "scope", before: nil, after: .string("organization")),
      ])
    #expect(created.fields == written.fields)
    #expect(created == written && created.hashValue == written.hashValue)
    let removed = Change.relation(.delete, kind: .membership, key: "Ops\u{1F}user:ada@x.example")
    #expect(removed.fields.map(\.field) == ["group", "member"])
    #expect(removed.fields.allSatisfy { $0.after == nil } && removed.fields[0].before == .string("Ops"))
    // Written out and read back, as a plan file does.
    let decoded = try JSONDecoder().decode([Change].self, from: JSONEncoder().encode([created, removed]))
    #expect(decoded == [created, removed])
    #expect(try viaEncoder([created]) == Data(Plan.canonicalText([written]).utf8))
    // Fields that are not the key's parts are kept.
    var other = written
    other.fields[2].after = .string("tenant/t1")
    #expect(other != created && other.fields[2].after == .string("tenant/t1"))
  }

  @Test("a change's address names a relation by its parts, whatever they hold; a key without them as it is")
  func addresses() {
    let binding = StateKey.binding(principal: "user:zoë@x.example", role: "rôle", scope: "tenant/t1/folder/Ünï")
    #expect(
      Change.relation(.create, kind: .binding, key: binding).address
        == "binding user:zoë@x.example → rôle at tenant/t1/folder/Ünï")
    #expect(
      Change.relation(.delete, kind: .membership, key: "Ops ☃\u{1F}group:Ünï").address
        == "membership group:Ünï in group 'Ops ☃'")
    #expect(Change.relation(.delete, kind: .membership, key: "\u{1F}").address == "membership  in group ''")
    #expect(Change.relation(.create, kind: .binding, key: "\u{1F}\u{1F}").address == "binding  →  at ")
    // Parts too few or too many: the key as it is.
    #expect(Change.relation(.create, kind: .binding, key: "a\u{1F}b").address == "binding a\u{1F}b")
    #expect(Change.relation(.delete, kind: .membership, key: "a\u{1F}b\u{1F}c").address == "membership a\u{1F}b\u{1F}c")
    #expect(Change.relation(.delete, kind: .membership, key: "Ops").address == "membership Ops")
    #expect(
      Change(action: .rename, kind: .user, key: "b@x", fields: [], from: "a@x").address == "user b@x (renamed from a@x)"
    )
  }

  @Test("an object created or removed whole lists its fields from the object's: equal to them written out")
  func wholeChanges() throws {
    let fields: Fields = [
      "email": .string("ada@x.example \"A\""), "twoFactor": .bool(true), "groups": .list(["a", "b"]),
    ]
    let created = Change.whole(.create, kind: .user, key: "ada@x.example", fields: fields)
    let written = Change(
      action: .create, kind: .user, key: "ada@x.example",
      fields: fields.map { FieldChange(field: $0.key, before: nil, after: $0.value) })
    #expect(created.fields.map(\.field) == ["email", "groups", "twoFactor"])
    #expect(created == written && created.hashValue == written.hashValue)
    let removed = Change.whole(.delete, kind: .user, key: "ada@x.example", fields: fields)
    #expect(removed.fields.allSatisfy { $0.after == nil } && removed.fields[2].before == .bool(true))
    #expect(removed != created)
    let decoded = try JSONDecoder().decode([Change].self, from: JSONEncoder().encode([created, removed]))
    #expect(decoded == [created, removed])
    #expect(try viaEncoder([created, removed]) == Data(Plan.canonicalText([written, removed]).utf8))
    // Applied to nothing, it is the object; to a state, it is checked and applied field by field.
    let after = try StateSnapshot().applying([created])
    #expect(after.object(.user, "ada@x.example")?.fields == fields)
    #expect(try after.applying([removed]).count(.user) == 0)
    var edited = created
    edited.fields[0].after = .string("other@x.example")
    #expect(edited != created && edited.fields[0].after == .string("other@x.example"))

    // An object with no fields, created whole, is the change written out with none, hash included.
    let bare = Change.whole(.create, kind: .robot, key: "nightly", fields: [:])
    let listed = Change(action: .create, kind: .robot, key: "nightly", fields: [])
    #expect(bare == listed && bare.hashValue == listed.hashValue)
    // Text that differs in its bytes but not as text is no change (é whole, or e and an accent).
    var whole = StateSnapshot()
    whole.insert(StateObject(kind: .user, key: "ada@x.example", fields: ["name": .string("Andr\u{E9}")]))
    var composed = StateSnapshot()
    composed.insert(StateObject(kind: .user, key: "ada@x.example", fields: ["name": .string("Andre\u{301}")]))
    #expect(Differ.diff(current: whole, desired: composed).isEmpty)

    // A rename keeps its key before through any change of its fields, and through its file.
    var renamed = Change(
      action: .rename, kind: .user, key: "ada@x.example",
      fields: [FieldChange(field: "email", before: .string("ad@x.example"), after: .string("ada@x.example"))],
      from: "ad@x.example")
    renamed.fields.append(FieldChange(field: "name", before: nil, after: .string("Ada")))
    #expect(renamed.from == "ad@x.example" && renamed.fields.count == 2)
    #expect(try JSONDecoder().decode(Change.self, from: JSONEncoder().encode(renamed)) == renamed)
    #expect(Change(action: .rename, kind: .user, key: "b", fields: [], from: "a").from == "a")
    #expect(renamed != Change(action: .update, kind: .user, key: "ada@x.example", fields: renamed.fields))
  }

  @Test("a plan's digest, taken over its text in pieces, is the digest of JSONEncoder's whole text")
  func digestOfALargePlan() throws {
    // Far more than the 64 KiB pieces the digest is taken in, with changes in both lists.
    let changes = (0..<3_000).map { i in
      Change(
        action: .create, kind: .user, key: "user\(i)@x.example",
        fields: [FieldChange(field: "email", before: nil, after: .string("user\(i)@x.example \"quoted\""))])
    }
    let plan = Plan(
      lineage: "l", serial: 1, source: "repo", commit: nil, actor: "ada", changes: changes,
      drift: Array(changes.suffix(1_000)), catalogSource: nil)
    var unsealed = plan
    unsealed.digest = ""
    #expect(try viaEncoder(unsealed).count > 4 << 16)
    #expect(plan.digest == sha256Hex(try viaEncoder(unsealed)))
  }
}

@Suite("access impact")
struct ImpactTests {
  @Test("the impact's texts are ordered as Swift orders strings, by their bytes when both are ASCII")
  func textOrder() {
    var generator = SystemRandomNumberGenerator()
    let pieces = [
      "role 'a'", "role 'b'", "at tenant/", "t1", "t10", "T1", "é", "e\u{301}", "Ω", "z", "", " ", "~", "\u{7F}",
    ]
    let texts = (0..<400).map { _ in
      (0..<Int.random(in: 0...4, using: &generator)).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
    }
    for a in texts.prefix(60) {
      for b in texts {
        let expected = a == b ? 0 : a < b ? -1 : 1
        #expect(String.order(a, a.isASCII, b, b.isASCII) == expected, "\(a) \(b)")
      }
    }
    #expect("tenant/t1 ~\u{7F}".isASCII && !"é".isASCII && !"ascii then é".isASCII)
  }

  @Test("who gains and loses what, where, through which change; only the accounts the change reaches")
  func impact() throws {
    let before = try model(
      ada + "\n" + """
          - email: bob@northwind.example
            roles: [user]
          - email: cy@northwind.example
            roles: [user]
          - email: dee@northwind.example
        """, tenants: "---\napiVersion: roster/v1\nkind: Tenant\nname: emea")
    let after = try model(
      ada + "\n" + """
          - email: bob@northwind.example
            roles: [user]
          - email: cy@northwind.example
          - email: dee@northwind.example
            roles:
              - role: manager
                scope: tenant/emea
        """, tenants: "---\napiVersion: roster/v1\nkind: Tenant\nname: emea")
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    let entries = Impact.compute(changes: changes, before: before, after: after)
    #expect(entries.map(\.principals) == [["user:dee@northwind.example"], ["user:cy@northwind.example"]])
    let dee = try #require(entries.first)
    #expect(dee.scope == "tenant/emea" && dee.cause == "role 'manager' at tenant/emea bound")
    #expect(dee.gained.contains("Run process flow manually") && dee.lost.isEmpty)
    let cy = try #require(entries.last)
    #expect(cy.scope == "organization" && cy.cause == "role 'user' at organization removed")
    #expect(cy.lost.contains("View company profile") && cy.gained.isEmpty)
    #expect(!entries.contains { $0.principals.contains("user:bob@northwind.example") }, "bob is not reached")
  }

  /// An organisation on a catalog of `permissions` (id, title), with a role granting each listed
  /// group of them and `all` granting every one; `bindings` as (email, role, scope).
  private func organisation(
    _ permissions: [(String, String)], roles: [String: [String]], bindings: [(String, String, String)]
  ) throws -> AccessModel {
    var catalog = try PlatformCatalog(
      name: "mini", title: "Mini", scopeLevels: [ScopeLevelInfo(level: .organization), ScopeLevelInfo(level: .tenant)])
    try catalog.addTier(Tier(name: "basic", features: []))
    try catalog.setDefaultTier("basic")
    for (id, title) in permissions { try catalog.addPermission(Permission(id: id, title: title)) }
    for (role, granted) in roles.sorted(by: { $0.key < $1.key }) {
      try catalog.addRole(
        Role(id: role, name: role, levels: [.organization, .tenant], grants: granted.map { Grant($0) }))
    }
    try catalog.addRole(
      Role(id: "all", name: "All", levels: [.organization], administrator: true, allPermissions: true))
    try catalog.validateComplete()
    var model = try AccessModel(organization: Organization(name: "Mini", platform: "mini"), catalog: catalog)
    try model.addTenant(Tenant(name: "t1"))
    for email in Set(bindings.map(\.0)).sorted() { try model.addUser(User(email: email)) }
    for (email, role, scope) in bindings {
      try model.bind(Binding(principal: .user(email), role: role, scope: try Scope(parsing: scope)))
    }
    return model
  }

  @Test("the accounts reached, compared in parts on two threads at once, give the entries compared in one run")
  func parts() throws {
    let permissions = [("p1", "One"), ("p2", "Two"), ("p3", "Three")]
    let roles = ["r1": ["p1", "p2"], "r2": ["p3"]]
    let emails = (0..<40).map { "u\($0 < 10 ? "0" : "")\($0)@x.example" }
    let before = try organisation(
      permissions, roles: roles,
      bindings: emails.map { ($0, "r1", "organization") } + emails.prefix(10).map { ($0, "r2", "tenant/t1") })
    let after = try organisation(
      permissions, roles: roles,
      bindings: emails.enumerated().map { ($1, $0 % 3 == 0 ? "r2" : "r1", $0 % 2 == 0 ? "organization" : "tenant/t1") })
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    func entries(partsFrom: Int, partSize: Int = 16) -> [ImpactEntry] {
      Impact.compute(
        changes: changes, before: Lazy<AccessModel?>(value: before), after: after, partsFrom: partsFrom,
        partSize: partSize)
    }
    let whole = entries(partsFrom: .max)
    // Entries whose accounts come from several parts (u00-u15, u16-u31, u32-u39) among them.
    #expect(
      whole.count > 2
        && whole.contains { $0.principals.contains { $0 < "user:u20" } && $0.principals.contains { $0 > "user:u20" } },
      "\(whole)")
    for from in [2, 3, 40] { #expect(entries(partsFrom: from) == whole) }
    for size in [1, 7, 39, 40] { #expect(entries(partsFrom: 2, partSize: size) == whole) }
  }

  @Test(
    "permissions compared across catalogs that number them differently; titles two permissions share counted once, in order"
  )
  func impactAcrossCatalogs() throws {
    let before = try organisation(
      [
        ("p.read", "Read things"), ("p.write", "Write things"), ("p.share", "Shared title"),
        ("p.other", "Shared title"),
      ],
      roles: ["reader": ["p.read", "p.share"], "writer": ["p.write", "p.other"]],
      bindings: [("ada@mini.example", "reader", "organization"), ("ada@mini.example", "writer", "tenant/t1")])
    let after = try organisation(
      [
        ("p.new", "Brand new"), ("p.other", "Shared title"), ("p.write", "Write things"), ("p.read", "Read things"),
        ("p.share", "Shared title"),
      ],
      roles: ["reader": ["p.read", "p.share"], "writer": ["p.write", "p.other", "p.new"]],
      bindings: [("ada@mini.example", "writer", "tenant/t1"), ("bob@mini.example", "all", "organization")])
    let changes = Differ.diff(current: before.snapshot, desired: after.snapshot)
    let entries = Impact.compute(changes: changes, before: before, after: after)
    let expected = [
      ImpactEntry(
        principals: ["user:bob@mini.example"], scope: "organization",
        gained: ["Brand new", "Read things", "Shared title", "Write things"], lost: [],
        cause: "role 'all' at organization bound"),
      // At the organisation ada loses both permissions titled alike, named once; in the tenant,
      // where she keeps one of them, what the organisation reports is not repeated.
      ImpactEntry(
        principals: ["user:ada@mini.example"], scope: "organization", gained: [],
        lost: ["Read things", "Shared title"],
        cause: "role 'reader' at organization removed"),
      ImpactEntry(
        principals: ["user:ada@mini.example"], scope: "tenant/t1", gained: ["Brand new"], lost: [],
        cause: "role 'reader' at organization removed"),
    ]
    #expect(entries == expected)
  }
}
