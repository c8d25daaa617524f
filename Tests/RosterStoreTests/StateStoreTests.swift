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

/// An initialized store of `kind` and where it is.
private func makeStore(_ kind: StoreKind) throws -> (any StateStore, TestState) {
  let state = try TestState(kind)
  let store = try openStateStore(state.location)
  try store.initialize(
    lineage: "lineage-1", snapshot: StateSnapshot([organization, user("ada@x.example")]), catalogSource: nil,
    audit: record("init"))
  return (store, state)
}

/// `store`'s state and audit log copied into a new store of `kind`, and where that store is.
private func copyState(of store: any StateStore, into kind: StoreKind) throws -> (any StateStore, TestState) {
  let target = try TestState(kind)
  let copy = try openStateStore(target.location)
  try copy.importState(try store.load(), log: try store.auditLog())
  return (copy, target)
}

/// The same suite runs against every store: SQLite, and PostgreSQL when the tests run beside a
/// server (`make test` starts one).
@Suite("the state store, SQLite and PostgreSQL")
struct StateStoreTests {
  @Test("a state reads back exactly as written, at serial 1, every object managed", arguments: StoreKind.available)
  func roundTrip(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
    let loaded = try store.load()
    #expect(loaded.lineage == "lineage-1" && loaded.serial == 1)
    #expect(loaded.current == StateSnapshot([organization, user("ada@x.example")]))
    #expect(loaded.applied.isEmpty, "every object is as Roster wrote it")
    #expect(loaded.unmanaged.isEmpty)
    #expect(throws: StoreError.self) {
      try store.initialize(lineage: "x", snapshot: StateSnapshot(), catalogSource: nil, audit: record("init"))
    }
    // Text that JSON escapes, or that is not ASCII, still reads back as Roster wrote it.
    var odd = user("zoë@x.example")
    odd.fields["name"] = .string("Zoë \"Zed\" O\\Brien\n\u{1}")
    let serial = try store.apply(
      [StoredChange(kind: .user, key: odd.key, fields: odd.fields, exists: false)], lineage: "lineage-1", serial: 1,
      audit: record("apply"))
    #expect(serial == 2)
    let again = try store.load()
    #expect(again.current.object(.user, odd.key) == odd)
    #expect(again.applied.isEmpty, "every object is as Roster wrote it")
  }

  @Test(
    "apply writes the changed rows, bumps the serial, and refuses another lineage or a stale serial",
    arguments: StoreKind.available)
  func applyAndStale(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
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

  @Test("a failing write inside apply rolls the whole apply back", arguments: StoreKind.available)
  func atomic(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
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

  @Test(
    "runs of inserts, updates and deletes write every row; a row gone from under a run is refused by its key",
    arguments: StoreKind.available)
  func runs(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
    func binding(_ i: Int) -> StateObject {
      .relation(
        .binding, key: StateKey.binding(principal: "user:u\(i)@x.example", role: "reader", scope: "organization"))
    }
    func write(_ object: StateObject, exists: Bool) -> StoredChange {
      StoredChange(kind: object.kind, key: object.key, fields: object.fields, exists: exists)
    }
    func remove(_ object: StateObject) -> StoredChange {
      StoredChange(kind: object.kind, key: object.key, fields: nil, exists: true)
    }
    let users = (0..<6).map { user("u\($0)@x.example") }
    let bindings = (0..<6).map(binding)
    var serial = try store.apply(
      users.map { write($0, exists: false) } + bindings.map { write($0, exists: false) }, lineage: "lineage-1",
      serial: 1, audit: record("add"))
    // Three users changed (one gaining a name, one losing 2FA's true, one both), two removed; three
    // bindings removed, one (three key columns) written again as it is.
    var changed = [user("u0@x.example", twoFactor: true), user("u1@x.example"), user("u2@x.example", twoFactor: true)]
    changed[1].fields["name"] = .string("Ü \"one\"")
    changed[2].fields["directoryId"] = .string("d-2")
    serial = try store.apply(
      changed.map { write($0, exists: true) } + users[3...4].map(remove) + bindings[0...2].map(remove)
        + [write(bindings[5], exists: true)], lineage: "lineage-1", serial: serial, audit: record("change"))
    let expected = StateSnapshot(
      [organization, user("ada@x.example")] + changed + [users[5]] + bindings[3...5])
    let written = try store.load()
    #expect(written.current == expected)
    #expect(written.applied.isEmpty, "every row is as Roster wrote it")

    // A run with one row gone (updated, or removed with a three-column key): refused by that
    // row's key, nothing of the run or of the apply written.
    let gone = [
      changed.map { write($0, exists: true) } + [write(user("gone@x.example"), exists: true)],
      [remove(bindings[3]), remove(binding(9)), remove(bindings[4])],
    ]
    for (run, key) in zip(gone, ["user gone@x.example", "binding " + binding(9).key]) {
      let refused = #expect(throws: StoreError.self) {
        try store.apply(run, lineage: "lineage-1", serial: serial, audit: record("change"))
      }
      #expect(refused?.kind == .conflict)
      #expect(refused?.description == "\(key) is gone")
      let after = try store.load()
      #expect(after.current == expected && after.serial == serial)
    }
  }

  @Test("rows written outside Roster show as drift and as unmanaged", arguments: StoreKind.available)
  func drift(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
    try state.execute("UPDATE users SET two_factor = true WHERE key = 'ada@x.example'")
    try state.execute(
      "INSERT INTO users (key, email, source, two_factor, disabled) "
        + "VALUES ('auto@x.example', 'auto@x.example', 'directory', false, false)")
    let loaded = try store.load()
    #expect(loaded.current.object(.user, "ada@x.example")?.fields["twoFactor"] == .bool(true))
    #expect(loaded.applied.changed.object(.user, "ada@x.example")?.fields["twoFactor"] == .bool(false))
    #expect(loaded.unmanaged == [StateObject.id(.user, "auto@x.example")])
  }

  @Test(
    "a relation reads back as its key; one changed outside Roster shows what Roster wrote of it",
    arguments: StoreKind.available)
  func relationDrift(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
    let key = StateKey.membership(group: "Ops", member: .user("ada@x.example"))
    let membership = StateObject(
      kind: .membership, key: key, fields: ["group": .string("Ops"), "member": .string("user:ada@x.example")])
    _ = try store.apply(
      [StoredChange(kind: .membership, key: key, fields: membership.fields, exists: false)], lineage: "lineage-1",
      serial: 1, audit: record("apply"))
    // One whose parts are written with escapes in its text.
    let quoted = StateKey.membership(group: "Q\"uote\\d\tOps", member: .user("ada@x.example"))
    _ = try store.apply(
      [
        StoredChange(
          kind: .membership, key: quoted, fields: StateObject.relation(.membership, key: quoted).fields, exists: false)
      ],
      lineage: "lineage-1", serial: 2, audit: record("apply"))
    let written = try store.load()
    #expect(written.current.object(.membership, key) == membership)
    #expect(written.current.object(.membership, key)?.isKeyOnly == true)
    #expect(written.current.object(.membership, quoted)?.fields["group"] == .string("Q\"uote\\d\tOps"))
    #expect(written.applied.isEmpty)

    try state.execute("UPDATE memberships SET member = 'user:bob@x.example' WHERE member = 'user:ada@x.example'")
    let moved = StateKey.membership(group: "Ops", member: .user("bob@x.example"))
    let loaded = try store.load()
    #expect(loaded.current.object(.membership, moved)?.fields["member"] == .string("user:bob@x.example"))
    #expect(loaded.applied.changed.object(.membership, moved)?.fields["member"] == .string("user:ada@x.example"))

    // A relation Roster did not write (no `applied` text) is read as its key, and unmanaged.
    try state.execute("INSERT INTO memberships (group_name, member) VALUES ('Ops', 'user:cy@x.example')")
    let added = StateKey.membership(group: "Ops", member: .user("cy@x.example"))
    let withAdded = try store.load()
    #expect(withAdded.current.object(.membership, added)?.isKeyOnly == true)
    #expect(withAdded.unmanaged.contains(StateObject.id(.membership, added)))
    #expect(withAdded.applied.changed.object(.membership, added) == nil)
  }

  @Test(
    "the lock: a second taker waits, then fails naming the holder; force-unlock frees it and is audited",
    arguments: StoreKind.available)
  func locking(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
    let held = try store.lock(holder: "ada (pid 1)", operation: "apply", timeout: 0)
    // Another process: its own connection or file handle.
    let other = try openStateStore(state.location)
    let started = Date()
    let error = #expect(throws: StoreError.self) { try other.lock(holder: "bob", operation: "apply", timeout: 0.3) }
    #expect(Date().timeIntervalSince(started) >= 0.3, "it waited for the timeout")
    #expect(error?.kind == .locked)
    #expect(error?.description.contains("held by ada (pid 1)") == true)
    #expect(error?.description.contains("roster force-unlock \(held.id)") == true)
    #expect(throws: StoreError.self) { try other.forceUnlock("wrong-id", actor: "bob", time: "t") }
    _ = try other.forceUnlock(held.id, actor: "bob", time: "t")
    let again = try other.lock(holder: "bob", operation: "apply", timeout: 0)
    try other.unlock(again.id)
    #expect(try other.auditLog().last?.record().operation == "force-unlock")
  }

  @Test(
    "the audit chain detects an edited, an inserted and a deleted entry, and says which",
    arguments: StoreKind.available)
  func auditChain(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
    for serial in 1...3 {
      _ = try store.apply([], lineage: "lineage-1", serial: serial, audit: record("apply \(serial)"))
    }
    #expect(AuditChain.verify(try store.auditLog()).isEmpty)
    try state.execute("UPDATE audit SET record = replace(record, 'ada', 'eve') WHERE sequence = 2")
    #expect(AuditChain.verify(try store.auditLog()) == ["entry 2: its content does not match its hash (it was edited)"])
    try state.execute("UPDATE audit SET record = replace(record, 'eve', 'ada') WHERE sequence = 2")
    #expect(AuditChain.verify(try store.auditLog()).isEmpty)
    // The text as stored is what the hash covers: a change that reads back as the same record
    // is an edit too, and a record that does not read at all is one, not a log that cannot be read.
    let original = try store.auditLog()[1]
    try state.execute("UPDATE audit SET record = ' ' || record WHERE sequence = 2")
    #expect(try store.auditLog()[1].record() == (try original.record()))
    #expect(AuditChain.verify(try store.auditLog()) == ["entry 2: its content does not match its hash (it was edited)"])
    try state.execute("UPDATE audit SET record = 'not a record' WHERE sequence = 2")
    #expect(AuditChain.verify(try store.auditLog()) == ["entry 2: its content does not match its hash (it was edited)"])
    #expect(throws: StoreError.self) { try store.auditLog()[1].summary() }
    let quoted = original.recordText.replacingOccurrences(of: "'", with: "''")
    try state.execute("UPDATE audit SET record = '\(quoted)' WHERE sequence = 2")
    #expect(AuditChain.verify(try store.auditLog()).isEmpty)
    try state.execute("DELETE FROM audit WHERE sequence = 3")
    let deleted = AuditChain.verify(try store.auditLog())
    #expect(deleted.contains { $0.hasPrefix("entry 4: expected entry 3 here; an entry was deleted") }, "\(deleted)")

    var entries = try store.auditLog()
    entries.insert(entries[1], at: 1)
    #expect(!AuditChain.verify(entries).isEmpty, "a copied entry breaks the chain")
  }

  @Test(
    "an apply's record is stored as JSONEncoder writes it, whatever its changes hold, and the chain holds over it",
    arguments: [
      #"[{"action":"create","key":"Zoë \"Z\" O\\Brien/ops","kind":"group"}]"#, "tab\there", "", "\\\"",
      // Every control character, each escaped its own way.
      String(decoding: (0..<0x20).map { UInt8($0) } + Array("\u{7F}\u{2028}".utf8), as: UTF8.self),
      // Longer than the pieces the record is written in (64 KiB), an escape across their borders.
      String(repeating: "ab\"c\\d\né", count: 20_000),
    ])
  func auditRecordText(changes: String) throws {
    let (store, state) = try makeStore(.sqlite)
    defer { state.remove() }
    let audit = AuditRecord(
      actor: #"ada "the admin" \ 1/2"#, time: "2026-01-01T00:00:00Z", operation: "apply", source: "git",
      commit: nil, planDigest: "sha256:1", changes: changes, overrides: ["--allow-mass-removal"])
    _ = try store.apply([], lineage: "lineage-1", serial: 1, audit: audit)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let stored = try DatabaseQueue(path: state.location).read {
      try String.fetchOne($0, sql: "SELECT record FROM audit WHERE sequence = 2")
    }
    #expect(stored == String(decoding: try encoder.encode(audit), as: UTF8.self))
    // The same changes handed over in pieces of three bytes (an escape or a character split
    // between two) are stored the same.
    var shell = audit
    shell.changes = ""
    let bytes = Array(changes.utf8)
    _ = try store.apply(
      [], lineage: "lineage-1", serial: 2,
      audit: AuditRecordSource(shell) { piece in
        for start in stride(from: 0, to: bytes.count, by: 3) {
          bytes[start..<min(start + 3, bytes.count)].withUnsafeBufferPointer(piece)
        }
      })
    let pieced = try DatabaseQueue(path: state.location).read {
      try String.fetchOne($0, sql: "SELECT record FROM audit WHERE sequence = 3")
    }
    #expect(pieced == stored)
    let log = try store.auditLog()
    #expect(try log.map { try $0.record() }.suffix(2) == [audit, audit])
    #expect(try log.last?.summary() == shell, "the record but its changes")
    #expect(AuditChain.verify(log).isEmpty)
  }

  @Test("a state written before the audit record was its table's last column reads back, its chain whole, and grows")
  func auditTableMigrated() throws {
    let (store, state) = try makeStore(.sqlite)
    defer { state.remove() }
    var audit = record("apply")
    audit.changes = "[\"user bob@x.example\"]"
    _ = try store.apply([], lineage: "lineage-1", serial: 1, audit: audit)
    let log = try store.auditLog()
    // The file as the first schema left it: the record between the serial and the hashes.
    try state.execute(
      """
      CREATE TABLE audit_v1 (
        sequence INTEGER PRIMARY KEY, serial INTEGER NOT NULL, record TEXT NOT NULL,
        previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
      INSERT INTO audit_v1 SELECT sequence, serial, record, previous_hash, hash FROM audit;
      DROP TABLE audit;
      ALTER TABLE audit_v1 RENAME TO audit;
      DELETE FROM grdb_migrations WHERE identifier = 'v2'
      """)
    let reopened = try openStateStore(state.location)
    #expect(try reopened.auditLog() == log)
    _ = try reopened.apply([], lineage: "lineage-1", serial: 2, audit: record("apply"))
    let grown = try reopened.auditLog()
    #expect(grown.count == 3)
    #expect(Array(grown.prefix(2)) == log)
    #expect(AuditChain.verify(grown).isEmpty)
    let columns = try DatabaseQueue(path: state.location).read { try $0.columns(in: "audit").map(\.name) }
    #expect(columns.last == "record")
  }

  @Test("a file that is not a state is refused with what it is")
  func notAState() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.path + "/junk.sqlite"
    try Data(String(repeating: "not sqlite ", count: 200).utf8).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: StoreError.self) { try SQLiteStateStore(path: path) }
    #expect(error?.description.contains("not a Roster state") == true, "\(String(describing: error))")
  }

  @Test("an empty store has no state yet, and says to run roster init", arguments: StoreKind.available)
  func empty(kind: StoreKind) throws {
    let state = try TestState(kind)
    defer { state.remove() }
    let none = #expect(throws: StoreError.self) { try openStateStore(state.location).load() }
    #expect(none?.kind == .notInitialized)
    #expect(none?.description.contains("roster init") == true)
  }

  @Test(
    "a lock whose holder has gone: PostgreSQL frees it with the holder's connection; SQLite keeps it for force-unlock",
    arguments: StoreKind.available)
  func holderGone(kind: StoreKind) throws {
    let (store, state) = try makeStore(kind)
    defer { state.remove() }
    var held: LockInfo?
    do {
      let holder = try openStateStore(state.location)
      held = try holder.lock(holder: "ci job 41", operation: "apply", timeout: 0)
    }  // The holder's store is gone, as when a CI job is cancelled.
    switch kind {
    case .postgres:
      let taken = try store.lock(holder: "ci job 42", operation: "apply", timeout: 5)
      try store.unlock(taken.id)
    case .sqlite:
      let error = #expect(throws: StoreError.self) {
        try store.lock(holder: "ci job 42", operation: "apply", timeout: 0)
      }
      #expect(error?.description.contains("ci job 41") == true)
      _ = try store.forceUnlock(held?.id ?? "", actor: "ops", time: "t")
      try store.unlock(try store.lock(holder: "ci job 42", operation: "apply", timeout: 0).id)
    }
  }

  @Test("a state written by a newer Roster is refused, saying so", arguments: StoreKind.available)
  func newerSchema(kind: StoreKind) throws {
    let (_, state) = try makeStore(kind)
    defer { state.remove() }
    switch kind {
    case .sqlite: try state.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
    case .postgres: try state.execute("UPDATE roster_schema SET version = 99")
    }
    let error = #expect(throws: StoreError.self) { try openStateStore(state.location) }
    #expect(error?.kind == .tooNew)
    #expect(error?.description.contains("newer") == true, "\(String(describing: error))")
  }

  @Test(
    "a state copied into another store reads back identical: drift, unmanaged rows and the audit chain too",
    arguments: StoreKind.available.flatMap { from in StoreKind.available.map { (from, $0) } })
  func copy(from: StoreKind, to: StoreKind) throws {
    let (store, state) = try makeStore(from)
    defer { state.remove() }
    let change = StoredChange(kind: .user, key: "bob@x.example", fields: user("bob@x.example").fields, exists: false)
    _ = try store.apply([change], lineage: "lineage-1", serial: 1, audit: record("apply"))
    try state.execute("UPDATE users SET two_factor = true WHERE key = 'bob@x.example'")
    try state.execute(
      "INSERT INTO users (key, email, source, two_factor, disabled) "
        + "VALUES ('auto@x.example', 'auto@x.example', 'directory', false, false)")
    let source = try store.load()
    let (copy, target) = try copyState(of: store, into: to)
    defer { target.remove() }
    let copied = try copy.load()
    #expect(copied.lineage == "lineage-1" && copied.serial == 2)
    #expect(copied.current == source.current && copied.applied == source.applied)
    #expect(copied.unmanaged == [StateObject.id(.user, "auto@x.example")])
    #expect(copied.auditHead == source.auditHead)
    #expect(try copy.auditLog() == (try store.auditLog()))
    #expect(AuditChain.verify(try copy.auditLog()).isEmpty)
    // The copy goes on from where the source was.
    let next = StoredChange(kind: .user, key: "bob@x.example", fields: nil, exists: true)
    #expect(try copy.apply([next], lineage: "lineage-1", serial: 2, audit: record("apply")) == 3)
    #expect(AuditChain.verify(try copy.auditLog()).isEmpty)
    let refused = #expect(throws: StoreError.self) { try copy.importState(source, log: []) }
    #expect(refused?.kind == .alreadyInitialized, "a store that holds a state is not overwritten")
  }

  @Test(
    "a state of 30,000 rows is copied whole: more rows than are sent ahead of their answers",
    arguments: StoreKind.available)
  func largeCopy(to: StoreKind) throws {
    let (store, state) = try makeStore(.sqlite)
    defer { state.remove() }
    let users = (0..<30_000).map { user("u\($0)@x.example", twoFactor: $0 % 3 == 0) }
    let writes = users.map { StoredChange(kind: .user, key: $0.key, fields: $0.fields, exists: false) }
    _ = try store.apply(writes, lineage: "lineage-1", serial: 1, audit: record("apply"))
    let source = try store.load()
    let (copy, target) = try copyState(of: store, into: to)
    defer { target.remove() }
    let copied = try copy.load()
    #expect(copied.current.count(.user) == 30_001)
    #expect(copied.current == source.current && copied.applied == source.applied)
  }
}

@Suite("PostgreSQL: its URL and its errors")
struct PostgresErrorTests {
  @Test("a URL is read as libpq reads it, and printed without its password")
  func location() throws {
    let url = try PostgresLocation(
      "postgres://ci:s3cret@db.internal:6543/roster?sslmode=require", environment: [:])
    #expect(url.user == "ci" && url.password == "s3cret" && url.host == "db.internal" && url.port == 6543)
    #expect(url.database == "roster" && url.tls == .require)
    #expect(url.description == "postgres://ci@db.internal:6543/roster?sslmode=require")
    let defaults = try PostgresLocation(
      "postgresql:///?host=/var/run/postgresql", environment: ["PGUSER": "ops", "PGPASSWORD": "pw", "PGPORT": "5433"])
    #expect(defaults.socketFolder == "/var/run/postgresql" && defaults.port == 5433)
    #expect(defaults.user == "ops" && defaults.password == "pw" && defaults.database == "ops")
    #expect(defaults.server == "/var/run/postgresql/.s.PGSQL.5433")
    #expect(throws: StoreError.self) { try PostgresLocation("postgres://a@b/c?sslmode=maybe", environment: [:]) }
    #expect(throws: StoreError.self) { try PostgresLocation("postgres://a@b/c?timeout=3", environment: [:]) }
  }

  @Test("a server that is not there: SQLSTATE 08001 and what to check")
  func unreachable() throws {
    // A port nothing listens on: bound, then closed.
    let error = #expect(throws: StoreError.self) {
      try openStateStore("postgres://roster@127.0.0.1:1/roster?sslmode=disable")
    }
    #expect(error?.kind == .unreachable)
    #expect(error?.description.contains("SQLSTATE 08001") == true, "\(String(describing: error))")
    #expect(error?.description.contains("Is the server running") == true)
  }

  @Test(
    "a wrong password, a missing password, an unknown database: the SQLSTATE and what to do",
    .enabled(if: PostgresTestServer.passwordURL != nil))
  func refused() throws {
    let right = try #require(PostgresTestServer.passwordURL)
    _ = try openStateStore(right)
    let wrong = right.replacingOccurrences(of: ":right-password@", with: ":wrong@")
    let password = #expect(throws: StoreError.self) { try openStateStore(wrong) }
    #expect(password?.description.contains("SQLSTATE 28P01") == true, "\(String(describing: password))")
    #expect(password?.description.contains("PGPASSWORD") == true)
    #expect(password?.description.contains("wrong") == false, "the password is not printed")
    let none = right.replacingOccurrences(of: ":right-password@", with: "@")
    let missing = #expect(throws: StoreError.self) { try openStateStore(none) }
    #expect(missing?.description.contains("wants a password") == true, "\(String(describing: missing))")
    let database = #expect(throws: StoreError.self) {
      try openStateStore(try PostgresTestServer.url(of: "no_such_database"))
    }
    #expect(database?.description.contains("SQLSTATE 3D000") == true, "\(String(describing: database))")
    #expect(database?.description.contains("createdb no_such_database") == true)
  }

  @Test(
    "a role that may only read opens the state and reads it; its apply is refused with SQLSTATE 42501",
    .enabled(if: PostgresTestServer.url != nil))
  func readOnlyRole() throws {
    let (store, state) = try makeStore(.postgres)
    defer { state.remove() }
    let role = "reader_" + UUID().uuidString.lowercased().prefix(8)
    try state.execute(
      "CREATE ROLE \(role) LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)")
    defer { try? state.execute("DROP OWNED BY \(role); DROP ROLE \(role)") }
    let url = state.location.replacingOccurrences(of: "postgres://postgres@", with: "postgres://\(role)@")
    let reader = try openStateStore(url)
    #expect(try reader.load().current == (try store.load().current))
    let refused = #expect(throws: StoreError.self) {
      try reader.apply([], lineage: "lineage-1", serial: 1, audit: record("apply"))
    }
    #expect(refused?.description.contains("SQLSTATE 42501") == true, "\(String(describing: refused))")
    #expect(try store.load().serial == 1)
  }
}
