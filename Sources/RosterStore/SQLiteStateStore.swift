import Foundation
import GRDB
import GRDBSQLite
import JSONSchema
import RosterModel

/// The state in one SQLite file, through GRDB: a table per object kind, a row per object, so an
/// apply writes only the rows it changes.
public final class SQLiteStateStore: StateStore, Sendable {
  public let location: String
  private let queue: DatabaseQueue

  /// Opens (creating when missing) the state file at `path`, with its folder, and migrates it.
  public init(path: String) throws(StoreError) {
    location = path
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      var configuration = Configuration()
      // Another process may be writing: wait for it rather than fail at once.
      configuration.busyMode = .timeout(30)
      queue = try DatabaseQueue(path: path, configuration: configuration)
      if try queue.read({ try Self.migrator.hasBeenSuperseded($0) }) {
        throw StoreError(
          .tooNew,
          "cannot open the state at \(path): it was written by a newer Roster (its schema has migrations this "
            + "Roster does not know); use that Roster, or a newer one")
      }
      try Self.migrator.migrate(queue)
    } catch let error as StoreError {
      throw error
    } catch let error as DatabaseError {
      throw Self.mapped(error, "cannot open the state at \(path)")
    } catch {
      throw StoreError(.database, "cannot open the state at \(path): \(error)")
    }
  }

  /// The schema's versions, in order. A newer Roster adds migrations; it never edits one.
  static let migrator: DatabaseMigrator = {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(sql: "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
      for layout in TableLayout.all { try db.execute(sql: layout.createSQL(for: .sqlite)) }
      try db.execute(
        sql: """
          CREATE TABLE audit (
            sequence INTEGER PRIMARY KEY, serial INTEGER NOT NULL, record TEXT NOT NULL,
            previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
          """)
      try db.execute(
        sql: """
          CREATE TABLE lock (
            one INTEGER PRIMARY KEY CHECK (one = 1), id TEXT NOT NULL, holder TEXT NOT NULL,
            operation TEXT NOT NULL, created TEXT NOT NULL)
          """)
    }
    // The audit record last: an apply's record is written into its row in pieces, and SQLite
    // leaves a row's zero-filled tail unmade in memory only when it is the last column.
    migrator.registerMigration("v2") { db in
      try db.execute(
        sql: """
          CREATE TABLE audit_v2 (
            sequence INTEGER PRIMARY KEY, serial INTEGER NOT NULL, previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL, record TEXT NOT NULL);
          INSERT INTO audit_v2 (sequence, serial, previous_hash, hash, record)
            SELECT sequence, serial, previous_hash, hash, record FROM audit;
          DROP TABLE audit;
          ALTER TABLE audit_v2 RENAME TO audit
          """)
    }
    return migrator
  }()

  static func mapped(_ error: DatabaseError, _ doing: String) -> StoreError {
    switch error.resultCode {
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return StoreError(.locked, "\(doing): the state file is busy (another process is writing it)")
    case .SQLITE_NOTADB, .SQLITE_CORRUPT:
      return StoreError(.database, "\(doing): the file is not a Roster state (or is damaged)")
    case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
      return StoreError(.database, "\(doing): the file cannot be written (\(error.message ?? "permission denied"))")
    default:
      return StoreError(.database, "\(doing): \(error.message ?? "\(error.resultCode)")")
    }
  }

  private func read<T>(_ doing: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
    do {
      return try queue.read(body)
    } catch let error as StoreError {
      throw error
    } catch let error as DatabaseError {
      throw Self.mapped(error, doing)
    } catch {
      throw StoreError(.database, "\(doing): \(error)")
    }
  }

  /// Runs `body` in one IMMEDIATE transaction: it holds SQLite's write lock from the start, so two
  /// processes never interleave their reads and writes.
  private func write<T>(_ doing: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
    do {
      return try queue.writeWithoutTransaction { db in
        var result: T?
        try db.inTransaction(.immediate) {
          result = try body(db)
          return .commit
        }
        guard let result else { throw StoreError(.database, "\(doing): nothing was written") }
        return result
      }
    } catch let error as StoreError {
      throw error
    } catch let error as DatabaseError {
      throw Self.mapped(error, doing)
    } catch {
      throw StoreError(.database, "\(doing): \(error)")
    }
  }

  private static func meta(_ db: Database) throws -> [String: String] {
    var values: [String: String] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta") {
      values[row["key"]] = row["value"]
    }
    return values
  }

  // MARK: Reading

  public func load() throws(StoreError) -> StoredState {
    try read("cannot read the state at \(location)") { db in
      let meta = try Self.meta(db)
      let (lineage, serial) = try StoredRows.identity(meta, location: location)
      var reading = StoredRows.Reading()
      for layout in TableLayout.all {
        let rows = try Int.fetchOne(db, sql: layout.countSQL) ?? 0
        reading.reserve(layout, rows, keyBytes: layout.keyRoom(rows: rows))
        try Self.readRows(layout, db, into: &reading)
      }
      return reading.state(meta, lineage: lineage, serial: serial)
    }
  }

  /// Reads a table's rows through SQLite's own calls: each row as an object (a relation as its
  /// key alone, its fields being the key's parts; any other with its fields set in name order),
  /// with its `applied` text as bytes, valid only during `body` (read in place: a state's
  /// 235,000 rows were 235,000 strings made to be compared and dropped).
  private static func readRows(_ layout: TableLayout, _ db: Database, into reading: inout StoredRows.Reading) throws {
    let statement = try db.makeStatement(sql: layout.selectSQL)
    // The statement is finalized when released: kept until every row is read.
    defer { withExtendedLifetime(statement) {} }
    let handle = statement.sqliteStatement
    let first = layout.extraKeyColumns.count
    let keyColumns = layout.keyPositions.map(Int32.init)
    let appliedColumn = Int32(first + layout.columns.count)
    let relation = StateObject.relationFields(layout.kind) != nil
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
      guard let text = sqlite3_column_text(handle, column) else { return nil }
      return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
    }
    func text(_ column: Int32) -> String? { bytes(column).map { String(decoding: $0, as: UTF8.self) } }
    var fields = FieldsWriter()
    // A relation's parts, each read from SQLite once (its key and the comparison of its text
    // each read every part again: a third of the calls into SQLite reading a state).
    var parts: [UnsafeBufferPointer<UInt8>] = []
    parts.reserveCapacity(keyColumns.count)
    while true {
      let code = sqlite3_step(handle)
      if code == SQLITE_DONE { return }
      guard code == SQLITE_ROW else {
        throw DatabaseError(
          resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
          sql: layout.selectSQL)
      }
      // A relation's columns are its key's parts, read where SQLite holds them.
      if relation {
        parts.removeAll(keepingCapacity: true)
        for column in keyColumns { parts.append(bytes(column) ?? UnsafeBufferPointer(start: nil, count: 0)) }
        reading.addRelation(layout.kind, parts: parts.count, { parts[$0] }, applied: bytes(appliedColumn))
        continue
      }
      let key =
        keyColumns.count == 1
        ? text(keyColumns[0]) ?? "" : .joining(keyColumns.map { text($0) ?? "" }, separator: "\u{1F}")
      // Written field by field into storage kept from row to row, then copied at its size.
      for i in layout.columnsByField {
        let column = Int32(first + i)
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { continue }
        let name = layout.columns[i].fieldName
        switch layout.columns[i].type {
        case .text:
          if let value = bytes(column) { fields.field(name, string: value) }
        case .bool: fields.field(name, sqlite3_column_int64(handle, column) != 0)
        case .integer: fields.field(name, .number(Double(sqlite3_column_int64(handle, column))))
        case .real: fields.field(name, .number(sqlite3_column_double(handle, column)))
        case .list:
          if let list = bytes(column).flatMap({ try? JSONDecoder().decode([String].self, from: Data($0)) }) {
            fields.field(name, .list(list))
          }
        }
      }
      reading.add(StateObject(kind: layout.kind, key: key, fields: fields.finish()), applied: bytes(appliedColumn))
    }
  }

  private static func databaseValue(_ value: FieldValue?, _ column: Column) -> (any DatabaseValueConvertible)? {
    guard let value else { return nil }
    switch (column.type, value) {
    case (.text, .string(let s)): return s
    case (.bool, .bool(let b)): return b ? 1 : 0
    case (.integer, .number(let n)): return Int64(n)
    case (.real, .number(let n)): return n
    case (.list, .list(let l)): return StoredRows.text(l)
    default: return value.description
    }
  }

  // MARK: Writing

  public func initialize(
    lineage: String, snapshot: StateSnapshot, catalogSource: String?, audit: AuditRecord
  ) throws(StoreError) {
    try write("cannot create the state at \(location)") { db in
      if try Self.meta(db)["lineage"] != nil {
        throw StoreError(.alreadyInitialized, "\(location) already holds a state; `roster plan` and `apply` change it")
      }
      try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('lineage', ?), ('serial', '1')", arguments: [lineage])
      if let catalogSource {
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('catalog_source', ?)", arguments: [catalogSource])
      }
      for object in snapshot.all {
        try Self.write(StoredChange(kind: object.kind, key: object.key, fields: object.fields, exists: false), db)
      }
      try Self.appendAudit(audit, serial: 1, db)
    }
  }

  public func apply(
    _ changes: some RandomAccessCollection<StoredChange>, lineage: String, serial: Int, audit: AuditRecordSource
  ) throws(StoreError) -> Int {
    try write("cannot apply to the state at \(location)") { db in
      try StoredRows.check(try Self.meta(db), lineage: lineage, serial: serial, location: location)
      for change in changes { try Self.write(change, db) }
      let next = serial + 1
      try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'serial'", arguments: [String(next)])
      try Self.appendAudit(audit, serial: next, db)
      return next
    }
  }

  private static func write(_ change: StoredChange, _ db: Database) throws {
    let layout = TableLayout.of(change.kind)
    let keyValues = layout.keyValues(change.key)
    // Statements are prepared once per shape and reused: 10,000 rows are 10,000 executions, not
    // 10,000 parses.
    guard let fields = change.fields else {
      try db.cachedStatement(sql: layout.sqliteDelete).execute(arguments: StatementArguments(keyValues))
      guard db.changesCount == 1 else { throw StoreError(.conflict, "\(change.kind.rawValue) \(change.key) is gone") }
      return
    }
    let applied = StoredRows.appliedText(change, fields: fields)
    let values = zip(layout.values(of: fields), layout.columns).map { databaseValue($0, $1) }
    if change.exists {
      try db.cachedStatement(sql: layout.sqliteUpdate).execute(
        arguments: StatementArguments(values + [applied] + keyValues))
      guard db.changesCount == 1 else { throw StoreError(.conflict, "\(change.kind.rawValue) \(change.key) is gone") }
    } else {
      let extraValues: [(any DatabaseValueConvertible)?] = layout.extraKeyColumns.map { name in
        keyValues[layout.keyColumns.firstIndex(of: name) ?? 0]
      }
      try db.cachedStatement(sql: layout.sqliteInsert).execute(
        arguments: StatementArguments(extraValues + values + [applied]))
    }
  }

  private static func appendAudit(_ record: AuditRecord, serial: Int, _ db: Database) throws {
    try appendAudit(AuditRecordSource(record), serial: serial, db)
  }

  /// Appends an entry, its record's text written into the row as it is made: an apply's record
  /// (every change) can be tens of megabytes, and neither Roster nor SQLite holds it whole. The
  /// text is made twice, once for its hash and length and once into the row. SQLite's blob
  /// writes leave the value a BLOB of the text's UTF-8 bytes, which reads back as the same text.
  private static func appendAudit(_ source: AuditRecordSource, serial: Int, _ db: Database) throws {
    let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1")
    let sequence = ((last?["sequence"] as Int?) ?? 0) + 1
    let previous = (last?["hash"] as String?) ?? ""
    var length = 0
    let hash = AuditChain.hash(previous: previous, sequence: sequence, serial: serial) { piece in
      StoredRows.auditText(source) { text in
        length += text.count
        piece(text)
      }
    }
    try db.execute(
      sql: "INSERT INTO audit (sequence, serial, previous_hash, hash, record) VALUES (?, ?, ?, ?, zeroblob(?))",
      arguments: [sequence, serial, previous, hash, length])
    var blob: OpaquePointer?
    defer { sqlite3_blob_close(blob) }
    var code = sqlite3_blob_open(db.sqliteConnection, "main", "audit", "record", Int64(sequence), 1, &blob)
    var offset: Int32 = 0
    StoredRows.auditText(source) { text in
      guard code == SQLITE_OK else { return }
      code = sqlite3_blob_write(blob, text.baseAddress, Int32(text.count), offset)
      offset += Int32(text.count)
    }
    guard code == SQLITE_OK, Int(offset) == length else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
    // The head is kept with the state too, so deleting entries from the end shows.
    try db.execute(
      sql:
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      arguments: [hash])
  }

  public func readAudit() throws(StoreError) -> AuditLog {
    try read("cannot read the audit log at \(location)") { db in
      let meta = try Self.meta(db)
      // Each row read where it is (a cursor's rows are not copied): a first apply's record is
      // tens of megabytes, made into one string here and no more.
      var entries: [AuditEntry] = []
      let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit ORDER BY sequence")
      while let row = try rows.next() {
        entries.append(
          AuditEntry(
            sequence: row["sequence"], serial: row["serial"], recordText: row["record"],
            previousHash: row["previous_hash"], hash: row["hash"]))
      }
      let (_, serial) = try StoredRows.identity(meta, location: location)
      return AuditLog(entries: entries, serial: serial, head: meta["audit_head"])
    }
  }

  public func importState(_ state: StoredState, log: [AuditEntry]) throws(StoreError) {
    try write("cannot copy the state into \(location)") { db in
      if try Self.meta(db)["lineage"] != nil {
        throw StoreError(.alreadyInitialized, "\(location) already holds a state; copy into an empty one")
      }
      let meta =
        [("lineage", state.lineage), ("serial", String(state.serial))]
        + [("catalog_source", state.catalogSource), ("audit_head", state.auditHead)].compactMap { key, value in
          value.map { (key, $0) }
        }
      for (key, value) in meta {
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
      }
      for change in StoredRows.importing(state) { try Self.write(change, db) }
      for entry in log {
        try db.execute(
          sql: "INSERT INTO audit (sequence, serial, record, previous_hash, hash) VALUES (?, ?, ?, ?, ?)",
          arguments: [entry.sequence, entry.serial, entry.recordText, entry.previousHash, entry.hash])
      }
    }
  }

  // MARK: Locking

  public func lock(holder: String, operation: String, timeout: Double) throws(StoreError) -> LockInfo {
    let deadline = Date().addingTimeInterval(timeout)
    let id = UUID().uuidString.lowercased()
    let created = ISO8601DateFormatter().string(from: Date())
    while true {
      let held: LockInfo? = try write("cannot take the state lock at \(location)") { db in
        if let row = try Row.fetchOne(db, sql: "SELECT * FROM lock") {
          return LockInfo(id: row["id"], holder: row["holder"], operation: row["operation"], created: row["created"])
        }
        try db.execute(
          sql: "INSERT INTO lock (one, id, holder, operation, created) VALUES (1, ?, ?, ?, ?)",
          arguments: [id, holder, operation, created])
        return nil
      }
      guard let held else { return LockInfo(id: id, holder: holder, operation: operation, created: created) }
      if Date() >= deadline {
        throw StoreError(
          .locked,
          "the state is locked: \(held). Wait for it to finish, or if that process is gone, run "
            + "`roster force-unlock \(held.id)`")
      }
      Thread.sleep(forTimeInterval: 0.05)
    }
  }

  public func unlock(_ id: String) throws(StoreError) {
    try write("cannot release the state lock at \(location)") { db in
      try db.execute(sql: "DELETE FROM lock WHERE id = ?", arguments: [id])
    }
  }

  public func forceUnlock(_ id: String, actor: String, time: String) throws(StoreError) -> LockInfo {
    try write("cannot release the state lock at \(location)") { db in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM lock") else {
        throw StoreError(.unknownLock, "the state at \(location) is not locked")
      }
      let info = LockInfo(id: row["id"], holder: row["holder"], operation: row["operation"], created: row["created"])
      guard info.id == id else {
        throw StoreError(.unknownLock, "the state is locked by \(info.id), not \(id): \(info)")
      }
      try db.execute(sql: "DELETE FROM lock WHERE id = ?", arguments: [id])
      let serial = try Self.meta(db)["serial"].flatMap(Int.init) ?? 0
      try Self.appendAudit(
        AuditRecord(
          actor: actor, time: time, operation: "force-unlock", source: nil, commit: nil, planDigest: nil,
          changes: "[]", overrides: ["released \(info)"]), serial: serial, db)
      return info
    }
  }
}
