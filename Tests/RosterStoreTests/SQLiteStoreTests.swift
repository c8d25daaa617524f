import Foundation
import GRDB
import RosterModel
import RosterStore
import RosterTestSupport
import Testing

private func record(_ operation: String) -> AuditRecord {
  AuditRecord(
    actor: "ada", time: "2026-01-01T00:00:00Z", operation: operation, source: nil, commit: nil, planDigest: nil,
    changes: "[]")
}

private func user(_ email: String, twoFactor: Bool = false) -> StateObject {
  StateObject(
    kind: .user, key: email,
    fields: [
      "email": .string(email), "source": .string("local"), "twoFactor": .bool(twoFactor), "disabled": .bool(false),
    ])
}

private let organization = StateObject(
  kind: .organization, key: "organization",
  fields: [
    "name": .string("Northwind"), "platform": .string("integration-hub"), "signInMode": .string("password"),
    "requireTwoFactor": .bool(false), "autoProvisioning": .bool(false), "minAdmins": .number(1),
    "maxRemovalRatio": .number(0.25),
  ])

@Suite("the SQLite state store")
struct SQLiteStoreTests {
  func makeStore() throws -> (SQLiteStateStore, TemporaryFolder) {
    let folder = try TemporaryFolder()
    let store = try SQLiteStateStore(path: folder.path + "/nested/state.sqlite")
    try store.initialize(
      lineage: "lineage-1", snapshot: StateSnapshot([organization, user("ada@x.example")]), catalogSource: nil,
      audit: record("init"))
    return (store, folder)
  }

  @Test("a state reads back exactly as written, at serial 1, every object managed")
  func roundTrip() throws {
    let (store, folder) = try makeStore()
    defer { folder.remove() }
    let state = try store.load()
    #expect(state.lineage == "lineage-1" && state.serial == 1)
    #expect(state.current == StateSnapshot([organization, user("ada@x.example")]))
    #expect(state.applied == state.current)
    #expect(state.unmanaged.isEmpty)
    #expect(throws: StoreError.self) {
      try store.initialize(lineage: "x", snapshot: StateSnapshot(), catalogSource: nil, audit: record("init"))
    }
  }

  @Test("apply writes the changed rows, bumps the serial, and refuses another lineage or a stale serial")
  func applyAndStale() throws {
    let (store, folder) = try makeStore()
    defer { folder.remove() }
    let change = StoredChange(
      kind: .user, key: "ada@x.example", fields: user("ada@x.example", twoFactor: true).fields, exists: true)
    #expect(try store.apply([change], lineage: "lineage-1", serial: 1, audit: record("apply")) == 2)
    #expect(try store.load().current.object(.user, "ada@x.example")?.fields["twoFactor"] == .bool(true))
    let stale = #expect(throws: StoreError.self) {
      try store.apply([change], lineage: "lineage-1", serial: 1, audit: record("apply"))
    }
    #expect(stale?.kind == .stale)
    let other = #expect(throws: StoreError.self) {
      try store.apply([change], lineage: "lineage-2", serial: 2, audit: record("apply"))
    }
    #expect(other?.kind == .stale)
    #expect(try store.load().serial == 2, "a refused apply writes nothing")
  }

  @Test("a failing write inside apply rolls the whole apply back")
  func atomic() throws {
    let (store, folder) = try makeStore()
    defer { folder.remove() }
    let before = try store.load()
    let good = StoredChange(kind: .user, key: "bob@x.example", fields: user("bob@x.example").fields, exists: false)
    let gone = StoredChange(kind: .user, key: "nobody@x.example", fields: nil, exists: true)
    #expect(throws: StoreError.self) {
      try store.apply([good, gone], lineage: "lineage-1", serial: 1, audit: record("apply"))
    }
    let after = try store.load()
    #expect(after.current == before.current && after.serial == 1)
    #expect(try store.auditLog().count == 1)
  }

  @Test("rows written outside Roster show as drift and as unmanaged")
  func drift() throws {
    let (store, folder) = try makeStore()
    defer { folder.remove() }
    let queue = try DatabaseQueue(path: store.location)
    try queue.write { db in
      try db.execute(sql: "UPDATE users SET two_factor = 1 WHERE key = 'ada@x.example'")
      try db.execute(
        sql:
          "INSERT INTO users (key, email, source, two_factor, disabled) VALUES ('auto@x.example', 'auto@x.example', 'directory', 0, 0)"
      )
    }
    let state = try store.load()
    #expect(state.current.object(.user, "ada@x.example")?.fields["twoFactor"] == .bool(true))
    #expect(state.applied.object(.user, "ada@x.example")?.fields["twoFactor"] == .bool(false))
    #expect(state.unmanaged == [StateObject.id(.user, "auto@x.example")])
  }

  @Test("the lock: a second taker waits, then fails naming the holder; force-unlock frees it and is audited")
  func locking() throws {
    let (store, folder) = try makeStore()
    defer { folder.remove() }
    let held = try store.lock(holder: "ada (pid 1)", operation: "apply", timeout: 0)
    let started = Date()
    let error = #expect(throws: StoreError.self) { try store.lock(holder: "bob", operation: "apply", timeout: 0.3) }
    #expect(Date().timeIntervalSince(started) >= 0.3, "it waited for the timeout")
    #expect(error?.kind == .locked)
    #expect(error?.description.contains("held by ada (pid 1)") == true)
    #expect(error?.description.contains("roster force-unlock \(held.id)") == true)
    #expect(throws: StoreError.self) { try store.forceUnlock("wrong-id", actor: "bob", time: "t") }
    _ = try store.forceUnlock(held.id, actor: "bob", time: "t")
    let again = try store.lock(holder: "bob", operation: "apply", timeout: 0)
    try store.unlock(again.id)
    #expect(try store.auditLog().last?.record.operation == "force-unlock")
  }

  @Test("the audit chain detects an edited, an inserted and a deleted entry, and says which")
  func auditChain() throws {
    let (store, folder) = try makeStore()
    defer { folder.remove() }
    for serial in 1...3 {
      _ = try store.apply([], lineage: "lineage-1", serial: serial, audit: record("apply \(serial)"))
    }
    #expect(AuditChain.verify(try store.auditLog()).isEmpty)
    let queue = try DatabaseQueue(path: store.location)

    try queue.write { db in
      try db.execute(sql: "UPDATE audit SET record = replace(record, 'ada', 'eve') WHERE sequence = 2")
    }
    #expect(AuditChain.verify(try store.auditLog()) == ["entry 2: its content does not match its hash (it was edited)"])
    try queue.write { db in
      try db.execute(sql: "UPDATE audit SET record = replace(record, 'eve', 'ada') WHERE sequence = 2")
      try db.execute(sql: "DELETE FROM audit WHERE sequence = 3")
    }
    let deleted = AuditChain.verify(try store.auditLog())
    #expect(deleted.contains { $0.hasPrefix("entry 4: expected entry 3 here; an entry was deleted") }, "\(deleted)")

    var entries = try store.auditLog()
    entries.insert(entries[1], at: 1)
    #expect(!AuditChain.verify(entries).isEmpty, "a copied entry breaks the chain")
  }

  @Test("a file that is not a state is refused with what it is")
  func notAState() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.path + "/junk.sqlite"
    try Data(String(repeating: "not sqlite ", count: 200).utf8).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: StoreError.self) { try SQLiteStateStore(path: path) }
    #expect(error?.description.contains("not a Roster state") == true, "\(String(describing: error))")
    let empty = try SQLiteStateStore(path: folder.path + "/empty.sqlite")
    let none = #expect(throws: StoreError.self) { try empty.load() }
    #expect(none?.kind == .notInitialized)
  }
}
