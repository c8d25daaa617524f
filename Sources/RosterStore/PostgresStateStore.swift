import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import RosterModel

/// The state in a PostgreSQL database, through postgres-nio, for teams that share one state
/// across CI runners and operators. The same tables as the SQLite store (a table per object kind,
/// a row per object, `applied` beside each row), the same meta, audit log and serial checks.
///
/// - Reads run in one REPEATABLE READ, READ ONLY transaction: every table from one snapshot.
/// - Writes run in one transaction that first locks the `serial` row (`SELECT … FOR UPDATE`): two
///   applies never interleave, and the second sees the first's serial and is refused as stale.
/// - The state lock is a session advisory lock: the server releases it when the holder's
///   connection ends, so a cancelled CI job leaves no lock behind. Who holds it is kept in
///   `lock_holder`, with the holder's server process id.
public final class PostgresStateStore: StateStore, Sendable {
  public let location: String
  private let url: PostgresLocation
  private let connection: PostgresConnection
  private let logger = Logger(label: "roster.state", factory: { _ in SwiftLogNoOpLogHandler() })

  /// The advisory lock's key ("Roster" in ASCII); pg_locks shows it as classid 0x526F, objid 0x73746572.
  static let lockKey: Int64 = 0x526F_7374_6572

  /// The schema's versions, in order: a newer Roster appends, it never edits one.
  static let migrations: [[String]] = [
    [
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    ] + TableLayout.all.map { $0.createSQL(for: .postgres) } + [
      """
      CREATE TABLE audit (
        sequence BIGINT PRIMARY KEY, serial BIGINT NOT NULL, record TEXT NOT NULL,
        previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
      """,
      """
      CREATE TABLE lock_holder (
        one INTEGER PRIMARY KEY CHECK (one = 1), id TEXT NOT NULL, holder TEXT NOT NULL,
        operation TEXT NOT NULL, created TEXT NOT NULL, backend_pid INTEGER NOT NULL)
      """,
    ]
  ]

  /// Connects to the server and brings the schema up to date (refusing a schema newer than this
  /// Roster knows).
  public init(_ url: PostgresLocation) throws(StoreError) {
    self.url = url
    location = url.description
    let doing = "cannot open the state at \(url)"
    do {
      var configuration: PostgresConnection.Configuration
      if let folder = url.socketFolder {
        configuration = .init(
          unixSocketPath: "\(folder)/.s.PGSQL.\(url.port)", username: url.user, password: url.password,
          database: url.database)
      } else {
        configuration = .init(
          host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
          tls: try Self.tls(url.tls))
      }
      configuration.options.connectTimeout = .seconds(10)
      connection = try PostgresConnection.connect(
        on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 1, logger: logger
      ).wait()
    } catch {
      throw Self.mapped(error, doing, url)
    }
    try migrate(doing)
  }

  deinit {
    try? connection.close().wait()
  }

  private static func tls(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
    var configuration = TLSConfiguration.makeClientConfiguration()
    switch mode {
    case .disable: return .disable
    case .verifyFull: return .require(try NIOSSLContext(configuration: configuration))
    case .prefer, .require:
      // As libpq: encrypted, but the server's certificate is not checked (verify-full checks it).
      configuration.certificateVerification = .none
      let context = try NIOSSLContext(configuration: configuration)
      return mode == .prefer ? .prefer(context) : .require(context)
    }
  }

  /// Brings the schema up to date. A state that is up to date is only read, so a role that may
  /// only read (a service answering checks) can open it.
  private func migrate(_ doing: String) throws(StoreError) {
    let known = Self.migrations.count
    func version() throws -> Int? {
      guard try run("SELECT to_regclass('roster_schema') IS NOT NULL").rows.first?.decode(Bool.self) == true else {
        return nil
      }
      let version = try run("SELECT version FROM roster_schema").rows.first.map { try $0.decode(Int.self) }
      if let version, version > known {
        throw StoreError(
          .tooNew,
          "\(doing): it has schema version \(version), newer than this Roster knows (\(known)): "
            + "use the Roster that wrote it, or a newer one")
      }
      return version
    }
    let found: Int?
    do {
      found = try version()
    } catch {
      throw Self.mapped(error, doing, url)
    }
    guard found != known else { return }
    try transaction(doing) {
      // One migrator at a time, however many processes open a new database at once.
      try run("SELECT pg_advisory_xact_lock(\(Self.lockKey + 1))")
      try run("CREATE TABLE IF NOT EXISTS roster_schema (version INTEGER NOT NULL)")
      let current = try version()
      for step in Self.migrations.dropFirst(current ?? 0) {
        for sql in step { try run(PostgresQuery(unsafeSQL: sql)) }
      }
      if current == nil {
        try run("INSERT INTO roster_schema (version) VALUES (\(known))")
      } else if current != known {
        try run("UPDATE roster_schema SET version = \(known)")
      }
    }
  }

  // MARK: Talking to the server

  @discardableResult
  private func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
    try connection.query(query, logger: logger).wait()
  }

  /// Runs `body` in one transaction (`begin` says which kind), committing when it returns and
  /// rolling back when it throws; errors come back as StoreErrors that say what was being done.
  @discardableResult
  private func transaction<T>(
    _ doing: String, begin: PostgresQuery = "BEGIN", _ body: () throws -> T
  ) throws(StoreError) -> T {
    do {
      try run(begin)
      do {
        let result = try body()
        try run("COMMIT")
        return result
      } catch {
        _ = try? run("ROLLBACK")
        throw error
      }
    } catch {
      throw Self.mapped(error, doing, url)
    }
  }

  private func meta() throws -> [String: String] {
    var values: [String: String] = [:]
    for row in try run("SELECT key, value FROM meta").rows {
      let (key, value) = try row.decode((String, String).self)
      values[key] = value
    }
    return values
  }

  /// The serial, with its row locked until the transaction ends.
  private func lockedMeta() throws -> [String: String] {
    try run("SELECT value FROM meta WHERE key = 'serial' FOR UPDATE")
    return try meta()
  }

  // MARK: Reading

  public func load() throws(StoreError) -> StoredState {
    try transaction(
      "cannot read the state at \(location)", begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    ) {
      let meta = try meta()
      let (lineage, serial) = try StoredRows.identity(meta, location: location)
      var reading = StoredRows.Reading()
      for layout in TableLayout.all {
        if layout.readsInChunks {
          try readChunks(layout, into: &reading)
          continue
        }
        let keys = layout.keyPositions
        let first = layout.extraKeyColumns.count
        let appliedColumn = first + layout.columns.count
        let rows = try run(PostgresQuery(unsafeSQL: layout.selectSQL)).rows
        reading.reserve(layout, rows.count, keyBytes: layout.keyRoom(rows: rows.count))
        for row in rows {
          let cells = row.makeRandomAccess()
          let keyValues = try keys.map { try cells[$0].decode(String.self) }
          let applied = try cells[appliedColumn].decode(String?.self)
          reading.add(
            layout, keys: keyValues,
            values: try layout.columns.enumerated().map { try Self.value(cells[first + $0], $1) }, applied: applied)
        }
      }
      return reading.state(meta, lineage: lineage, serial: serial)
    }
  }

  /// Reads a table of text and flags (users, groups, memberships, bindings: 235,000 rows at
  /// 50,000 users) a chunk of rows at a time (``TableLayout/chunksSQL``): each column's values
  /// come as one array, read from its bytes in PostgreSQL's binary format, and each row is taken
  /// from those bytes as the SQLite store takes it from its columns (a relation's key and text
  /// written from them, another object's fields in order). Read a row at a time, each row was a
  /// message of its own that postgres-nio made a row of, and most of reading a state.
  private func readChunks(_ layout: TableLayout, into reading: inout StoredRows.Reading) throws {
    let chunks = try run(PostgresQuery(unsafeSQL: layout.chunksSQL)).rows
    let names = layout.insertColumns
    let keyPositions = layout.keyPositions
    let first = layout.extraKeyColumns.count
    let relation = StateObject.relationFields(layout.kind) != nil
    // How many rows: the length of each chunk's first array, from its header.
    let total = chunks.reduce(0) { total, chunk in
      let length = chunk.makeRandomAccess()[0].bytes.flatMap { $0.getInteger(at: $0.readerIndex + 12, as: Int32.self) }
      return total + Int(length ?? 0)
    }
    reading.reserve(layout, total, keyBytes: layout.keyRoom(rows: total))
    // A chunk's arrays, one after another, and where each of their values is (nil: NULL).
    var bytes: [UInt8] = []
    var columns: [[Range<Int>?]] = []
    var key: [UInt8] = []
    var fields = FieldsWriter()
    for chunk in chunks {
      bytes.removeAll(keepingCapacity: true)
      columns.removeAll(keepingCapacity: true)
      for (position, cell) in chunk.makeRandomAccess().enumerated() {
        let start = bytes.count
        cell.bytes.map { buffer in buffer.withUnsafeReadableBytes { bytes.append(contentsOf: $0) } }
        let values = bytes.withUnsafeBytes { Self.arrayElements(UnsafeRawBufferPointer(rebasing: $0[start...])) }?
          .map { $0.map { ($0.lowerBound + start)..<($0.upperBound + start) } }
        let column = names[min(position, names.count - 1)]
        guard cell.format == .binary, let values, values.count == columns.first?.count ?? values.count else {
          throw StoreError(.database, "\(layout.table).\(column) came back in a form Roster does not read")
        }
        guard !keyPositions.contains(position) || !values.contains(nil) else {
          throw StoreError(
            .database,
            "a row of \(layout.table) has no \(column) (NULL), which is part of its key: it was written outside "
              + "Roster; give it one or delete the row")
        }
        columns.append(values)
      }
      guard columns.count == names.count else {
        throw StoreError(.database, "\(layout.table) came back in a form Roster does not read")
      }
      bytes.withUnsafeBufferPointer { all in
        func value(_ column: Int, _ row: Int) -> UnsafeBufferPointer<UInt8>? {
          columns[column][row].map { UnsafeBufferPointer(rebasing: all[$0]) }
        }
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        for row in columns[0].indices {
          let applied = value(names.count - 1, row)
          if relation {
            reading.addRelation(
              layout.kind, parts: keyPositions.count, { value(keyPositions[$0], row) ?? empty }, applied: applied)
            continue
          }
          key.removeAll(keepingCapacity: true)
          for (i, position) in keyPositions.enumerated() {
            if i > 0 { key.append(0x1F) }
            key.append(contentsOf: value(position, row) ?? empty)
          }
          // Written field by field, in order, into storage kept from row to row, then copied at
          // its size; a flag is one byte in the binary format.
          for i in layout.columnsByField {
            guard let value = value(first + i, row) else { continue }
            let name = layout.columns[i].fieldName
            switch layout.columns[i].type {
            case .bool: fields.field(name, value.first.map { $0 != 0 } ?? false)
            default: fields.field(name, string: value)
            }
          }
          reading.add(
            StateObject(kind: layout.kind, key: String(decoding: key, as: UTF8.self), fields: fields.finish()),
            applied: applied)
        }
      }
    }
  }

  /// The values of a one-dimensional array in PostgreSQL's binary format (its dimensions, a
  /// flag, the values' type, each dimension's length and lower bound, then each value as its
  /// length and bytes, -1 for NULL), each as where its bytes are; nil when `bytes` is not such
  /// an array.
  static func arrayElements(_ bytes: UnsafeRawBufferPointer) -> [Range<Int>?]? {
    func int32(at offset: Int) -> Int? {
      guard offset >= 0, offset + 4 <= bytes.count else { return nil }
      return Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
    }
    guard let dimensions = int32(at: 0) else { return nil }
    if dimensions == 0 { return bytes.count == 12 ? [] : nil }
    guard dimensions == 1, let count = int32(at: 12), count >= 0 else { return nil }
    var values: [Range<Int>?] = []
    values.reserveCapacity(count)
    var at = 20
    for _ in 0..<count {
      guard let length = int32(at: at) else { return nil }
      at += 4
      guard length >= 0 else {
        values.append(nil)
        continue
      }
      guard at + length <= bytes.count else { return nil }
      values.append(at..<(at + length))
      at += length
    }
    return at == bytes.count ? values : nil
  }

  private static func value(_ cell: PostgresCell, _ column: Column) throws -> FieldValue? {
    switch column.type {
    case .text: return try cell.decode(String?.self).map(FieldValue.string)
    case .bool: return try cell.decode(Bool?.self).map(FieldValue.bool)
    case .integer: return try cell.decode(Int64?.self).map { .number(Double($0)) }
    case .real: return try cell.decode(Double?.self).map(FieldValue.number)
    case .list: return try cell.decode([String]?.self).map(FieldValue.list)
    }
  }

  private static func bind(_ value: FieldValue?, _ column: Column, _ binds: inout PostgresBindings) throws {
    switch (column.type, value) {
    case (_, nil): binds.appendNull()
    case (.text, .string(let s)?): binds.append(s)
    case (.bool, .bool(let b)?): binds.append(b)
    case (.integer, .number(let n)?): binds.append(Int64(n))
    case (.real, .number(let n)?): binds.append(n)
    case (.list, .list(let l)?): binds.append(l)
    case (_, let value?):
      throw StoreError(.database, "field \(column.field) holds \(value), which its column (\(column.type)) cannot")
    }
  }

  public func readAudit() throws(StoreError) -> AuditLog {
    try transaction(
      "cannot read the audit log at \(location)", begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    ) {
      let meta = try meta()
      let entries = try run("SELECT sequence, serial, record, previous_hash, hash FROM audit ORDER BY sequence").rows
        .map { row in
          let (sequence, serial, text, previous, hash) = try row.decode((Int, Int, String, String, String).self)
          return AuditEntry(sequence: sequence, serial: serial, recordText: text, previousHash: previous, hash: hash)
        }
      let (_, serial) = try StoredRows.identity(meta, location: location)
      return AuditLog(entries: entries, serial: serial, head: meta["audit_head"])
    }
  }

  // MARK: Writing

  public func initialize(
    lineage: String, snapshot: StateSnapshot, catalogSource: String?, audit: AuditRecord
  ) throws(StoreError) {
    try transaction("cannot create the state at \(location)") {
      try refuseExisting()
      try run("INSERT INTO meta (key, value) VALUES ('lineage', \(lineage)), ('serial', '1')")
      if let catalogSource {
        try run("INSERT INTO meta (key, value) VALUES ('catalog_source', \(catalogSource))")
      }
      try write(snapshot.all.map { StoredChange(kind: $0.kind, key: $0.key, fields: $0.fields, exists: false) })
      try appendAudit(audit, serial: 1)
    }
  }

  private func refuseExisting() throws {
    try run("LOCK TABLE meta IN EXCLUSIVE MODE")
    if try meta()["lineage"] != nil {
      throw StoreError(.alreadyInitialized, "\(location) already holds a state; `roster plan` and `apply` change it")
    }
  }

  public func apply(
    _ changes: some RandomAccessCollection<StoredChange>, lineage: String, serial: Int, audit: AuditRecordSource
  ) throws(StoreError) -> Int {
    let text = StoredRows.text(audit)
    return try transaction("cannot apply to the state at \(location)") {
      let meta = try lockedMeta()
      try StoredRows.check(meta, lineage: lineage, serial: serial, location: location)
      try write(changes)
      let next = serial + 1
      try run("UPDATE meta SET value = \(String(next)) WHERE key = 'serial'")
      try appendAudit(text: text, serial: next)
      return next
    }
  }

  public func importState(_ state: StoredState, log: [AuditEntry]) throws(StoreError) {
    try transaction("cannot copy the state into \(location)") {
      try refuseExisting()
      try run("INSERT INTO meta (key, value) VALUES ('lineage', \(state.lineage)), ('serial', \(String(state.serial)))")
      for (key, value) in [("catalog_source", state.catalogSource), ("audit_head", state.auditHead)] {
        if let value { try run("INSERT INTO meta (key, value) VALUES (\(key), \(value))") }
      }
      try write(StoredRows.importing(state))
      for entry in log {
        try run(
          """
          INSERT INTO audit (sequence, serial, record, previous_hash, hash) VALUES
          (\(entry.sequence), \(entry.serial), \(entry.recordText), \(entry.previousHash), \(entry.hash))
          """)
      }
    }
  }

  /// Writes changes in order, each run of one kind of write to one table as one statement: a
  /// multi-row INSERT, or an UPDATE or DELETE joined with the run's rows as VALUES, which gives
  /// back the keys it found, so that a row gone from under the apply is refused by its key.
  /// Statements are sent without waiting for the answers before them (pipelined), and checked as
  /// their answers come, at most about ``rowsInFlight`` rows ahead: a whole state's inserts, sent
  /// at once, were all held in memory at once. (An UPDATE or DELETE for each row, pipelined, took
  /// 10,000 updates about a second more: each statement made, sent, parsed and planned on its
  /// own.)
  private func write(_ changes: some RandomAccessCollection<StoredChange>) throws {
    // Each statement's row count, its answer until it is checked, and until then the rows it
    // must find (those it updates or deletes).
    var pending: [(rows: Int, answer: EventLoopFuture<PostgresQueryResult>?, mustFind: [StoredChange])] = []
    var checked = 0
    var inFlight = 0
    func checkNext() throws {
      guard let answer = pending[checked].answer else { preconditionFailure("each statement is checked once") }
      let (rows, _, run) = pending[checked]
      pending[checked] = (rows, nil, [])
      let result = try answer.wait()
      if let first = run.first, result.rows.count != run.count {
        let layout = TableLayout.of(first.kind)
        var found: Set<String> = []
        for row in result.rows {
          let cells = row.makeRandomAccess()
          found.insert(
            try layout.keyColumns.indices.map { try cells[$0].decode(String.self) }.joined(separator: "\u{1F}"))
        }
        let gone = run.first { !found.contains($0.key) } ?? first
        throw StoreError(.conflict, "\(gone.kind.rawValue) \(gone.key) is gone")
      }
      inFlight -= rows
      checked += 1
    }
    var index = changes.startIndex
    while index < changes.endIndex {
      // The run of writes of one kind into this table, at most as many rows as fit 65,535
      // parameters. Each write is taken as it is found (an apply makes each when asked for it).
      let change = changes[index]
      let layout = TableLayout.of(change.kind)
      let write = Write(change)
      let width =
        switch write {
        case .insert: layout.insertColumns.count
        case .update: layout.keyColumns.count + layout.columns.count + 1
        case .delete: layout.keyColumns.count
        }
      var run = [change]
      index = changes.index(after: index)
      while index < changes.endIndex, run.count < 65_535 / width {
        let next = changes[index]
        guard next.kind == change.kind, Write(next) == write, next.exists == change.exists else { break }
        run.append(next)
        index = changes.index(after: index)
      }
      while inFlight > 0 && inFlight + run.count > Self.rowsInFlight { try checkNext() }
      let query = write == .insert ? try Self.insert(run, layout) : try Self.updateOrDelete(run, write, layout)
      pending.append((run.count, connection.query(query, logger: logger), change.exists ? run : []))
      inFlight += run.count
    }
    while checked < pending.count { try checkNext() }
  }

  /// What a change writes to its row.
  private enum Write {
    case insert, update, delete

    init(_ change: StoredChange) {
      self = change.fields == nil ? .delete : change.exists ? .update : .insert
    }
  }

  /// Rows sent ahead of their answers, at most (one statement may send more, alone).
  static let rowsInFlight = 20_000

  private static func insert(_ changes: [StoredChange], _ layout: TableLayout) throws -> PostgresQuery {
    var binds = PostgresBindings(capacity: changes.count * layout.insertColumns.count)
    var rows: [String] = []
    for change in changes {
      let keyValues = layout.keyValues(change.key)
      for name in layout.extraKeyColumns {
        binds.append(keyValues[layout.keyColumns.firstIndex(of: name) ?? 0])
      }
      try bindWritten(change, layout, &binds)
      let first = binds.count - layout.insertColumns.count + 1
      rows.append("(" + (first..<(binds.count + 1)).map { "$\($0)" }.joined(separator: ", ") + ")")
    }
    let sql =
      "INSERT INTO \(layout.table) (\(layout.insertColumns.joined(separator: ", "))) VALUES "
      + rows.joined(separator: ", ")
    return PostgresQuery(unsafeSQL: sql, binds: binds)
  }

  /// Binds the column values a change writes, in the columns' order, and its `applied` text.
  private static func bindWritten(_ change: StoredChange, _ layout: TableLayout, _ binds: inout PostgresBindings)
    throws
  {
    let fields = change.fields ?? Fields()
    for (value, column) in zip(layout.values(of: fields), layout.columns) { try bind(value, column, &binds) }
    binds.append(StoredRows.appliedText(change, fields: fields))
  }

  /// One UPDATE or DELETE of the rows of `changes`, joined with their keys (and new values) as
  /// VALUES `v(k0, …, c0, …, applied)`, each parameter cast to its column's type (a column of
  /// NULLs would otherwise have none); it returns the keys of the rows it found.
  private static func updateOrDelete(_ changes: [StoredChange], _ write: Write, _ layout: TableLayout) throws
    -> PostgresQuery
  {
    var binds = PostgresBindings()
    var types = Array(repeating: "text", count: layout.keyColumns.count)
    var names = layout.keyColumns.indices.map { "k\($0)" }
    if write == .update {
      types += layout.columns.map { TableLayout.sqlType($0.type, .postgres) } + ["text"]
      names += layout.columns.indices.map { "c\($0)" } + ["applied"]
    }
    var rows: [String] = []
    rows.reserveCapacity(changes.count)
    for change in changes {
      for value in layout.keyValues(change.key) { binds.append(value) }
      if write == .update {
        try bindWritten(change, layout, &binds)
      }
      let first = binds.count - types.count
      rows.append("(" + types.enumerated().map { "$\(first + $0 + 1)::\($1)" }.joined(separator: ", ") + ")")
    }
    let values = "(VALUES \(rows.joined(separator: ", "))) AS v(\(names.joined(separator: ", ")))"
    let matches = layout.keyColumns.enumerated().map { "t.\($1) = v.k\($0)" }.joined(separator: " AND ")
    let returning = layout.keyColumns.map { "t.\($0)" }.joined(separator: ", ")
    guard write == .update else {
      return PostgresQuery(
        unsafeSQL: "DELETE FROM \(layout.table) AS t USING \(values) WHERE \(matches) RETURNING \(returning)",
        binds: binds)
    }
    let sets = (layout.columns.enumerated().map { "\($1.name) = v.c\($0)" } + ["applied = v.applied"])
    return PostgresQuery(
      unsafeSQL:
        "UPDATE \(layout.table) AS t SET \(sets.joined(separator: ", ")) FROM \(values) WHERE \(matches) RETURNING \(returning)",
      binds: binds)
  }

  private func appendAudit(_ record: AuditRecord, serial: Int) throws {
    try appendAudit(text: StoredRows.text(record), serial: serial)
  }

  /// Appends an entry from its record's text.
  private func appendAudit(text: String, serial: Int) throws {
    let last = try run("SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1").rows.first
      .map { try $0.decode((Int, String).self) }
    let sequence = (last?.0 ?? 0) + 1
    let previous = last?.1 ?? ""
    let hash = AuditChain.hash(previous: previous, sequence: sequence, serial: serial, recordText: text)
    try run(
      """
      INSERT INTO audit (sequence, serial, record, previous_hash, hash)
      VALUES (\(sequence), \(serial), \(text), \(previous), \(hash))
      """)
    try run(
      """
      INSERT INTO meta (key, value) VALUES ('audit_head', \(hash))
      ON CONFLICT (key) DO UPDATE SET value = excluded.value
      """)
  }

  // MARK: Locking

  public func lock(holder: String, operation: String, timeout: Double) throws(StoreError) -> LockInfo {
    let deadline = Date().addingTimeInterval(timeout)
    let info = LockInfo(
      id: UUID().uuidString.lowercased(), holder: holder, operation: operation,
      created: ISO8601DateFormatter().string(from: Date()))
    let doing = "cannot take the state lock at \(location)"
    while true {
      // A session lock, taken outside any transaction; if recording its holder fails, it is released.
      let taken: Bool
      do {
        taken = try run("SELECT pg_try_advisory_lock(\(Self.lockKey))").rows.first?.decode(Bool.self) == true
      } catch {
        throw Self.mapped(error, doing, url)
      }
      if taken {
        do {
          try transaction(doing) {
            try run(
              """
              INSERT INTO lock_holder (one, id, holder, operation, created, backend_pid)
              VALUES (1, \(info.id), \(holder), \(operation), \(info.created), pg_backend_pid())
              ON CONFLICT (one) DO UPDATE SET id = excluded.id, holder = excluded.holder,
                operation = excluded.operation, created = excluded.created, backend_pid = excluded.backend_pid
              """)
          }
        } catch {
          _ = try? run("SELECT pg_advisory_unlock(\(Self.lockKey))")
          throw error
        }
      }
      if taken { return info }
      if Date() >= deadline {
        let held = try holderInfo(doing)
        throw StoreError(
          .locked,
          "the state is locked: \(held.map { "\($0)" } ?? "by a session that is ending"). Wait for it to finish; "
            + "its lock goes when its connection to PostgreSQL ends. If that process hangs, "
            + "`roster force-unlock \(held?.id ?? "ID")` ends its session")
      }
      Thread.sleep(forTimeInterval: 0.05)
    }
  }

  /// Who holds the advisory lock now, with the server process holding it; nil when nobody does.
  private func holderInfo(_ doing: String) throws(StoreError) -> LockInfo? {
    try transaction(doing) {
      try currentHolder().map(\.info)
    }
  }

  private func currentHolder() throws -> (info: LockInfo, pid: Int32)? {
    let key = Self.lockKey
    let held = try run(
      """
      SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND classid = \(Int64(key >> 32))::oid AND objid = \(Int64(key & 0xFFFF_FFFF))::oid AND objsubid = 1
      """
    ).rows.first.map { try $0.decode(Int32.self) }
    guard let pid = held else { return nil }
    let row = try run("SELECT id, holder, operation, created, backend_pid FROM lock_holder").rows.first
    guard
      let (id, holder, operation, created, recorded) = try row?.decode((String, String, String, String, Int32).self),
      recorded == pid
    else {
      return (LockInfo(id: "pid-\(pid)", holder: "PostgreSQL session \(pid)", operation: "?", created: "?"), pid)
    }
    return (LockInfo(id: id, holder: holder, operation: operation, created: created), pid)
  }

  public func unlock(_ id: String) throws(StoreError) {
    try transaction("cannot release the state lock at \(location)") {
      try run("DELETE FROM lock_holder WHERE id = \(id) AND backend_pid = pg_backend_pid()")
      try run("SELECT pg_advisory_unlock(\(Self.lockKey))")
    }
  }

  /// Ends the session holding the lock (the server then releases it) and records that in the
  /// audit log. Needs the right to signal that session: the same role, or pg_signal_backend.
  public func forceUnlock(_ id: String, actor: String, time: String) throws(StoreError) -> LockInfo {
    let doing = "cannot release the state lock at \(location)"
    let info: LockInfo = try transaction(doing) {
      guard let (info, pid) = try currentHolder() else {
        try run("DELETE FROM lock_holder")
        throw StoreError(
          .unknownLock, "the state at \(location) is not locked (a lock goes when its holder's connection ends)")
      }
      guard info.id == id else {
        throw StoreError(.unknownLock, "the state is locked by \(info.id), not \(id): \(info)")
      }
      guard try run("SELECT pg_terminate_backend(\(pid))").rows.first?.decode(Bool.self) == true else {
        throw StoreError(.database, "PostgreSQL did not end session \(pid), which holds \(info)")
      }
      return info
    }
    try transaction(doing) {
      let serial = try lockedMeta()["serial"].flatMap(Int.init) ?? 0
      try run("DELETE FROM lock_holder WHERE id = \(id)")
      try appendAudit(
        AuditRecord(
          actor: actor, time: time, operation: "force-unlock", source: nil, commit: nil, planDigest: nil,
          changes: "[]", overrides: ["released \(info)"]), serial: serial)
    }
    return info
  }

  // MARK: Errors

  /// A postgres-nio error as Roster says it: what was being done, the SQLSTATE, and what to do.
  static func mapped(_ error: any Error, _ doing: String, _ url: PostgresLocation) -> StoreError {
    if let error = error as? StoreError { return error }
    if error is NIOSSLError {
      return StoreError(.database, "\(doing): TLS with \(url.server) failed (\(error)); check sslmode in the URL")
    }
    guard let error = error as? PSQLError else {
      return StoreError(.database, "\(doing): \(error)")
    }
    if let info = error.serverInfo, let state = info[.sqlState] {
      let message = info[.message] ?? "no message"
      let said = "\(message) (SQLSTATE \(state))"
      switch state {
      case "28P01":
        return StoreError(
          .database,
          "\(doing): the server refused the password of user \(url.user): \(said). "
            + "Give the right one in the URL (postgres://\(url.user):PASSWORD@…) or in PGPASSWORD")
      case "28000":
        return StoreError(
          .database,
          "\(doing): the server does not let user \(url.user) in: \(said). Check the user name, and that the "
            + "server's pg_hba.conf lets it connect from here")
      case "3D000":
        return StoreError(
          .database,
          "\(doing): \(said). Create it first (`createdb \(url.database)`) or name another database in the URL")
      case "42501":
        return StoreError(
          .database, "\(doing): \(said). User \(url.user) needs the rights to create and write tables in this database")
      case "53300":
        return StoreError(.database, "\(doing): \(said). The server has no free connection; try again later")
      case "57P01", "57P02", "57P03":
        return StoreError(.database, "\(doing): \(said). The server is shutting down or starting; try again")
      case "40001", "40P01":
        return StoreError(.conflict, "\(doing): \(said). Another writer got there first; nothing was written")
      default:
        var text = "\(doing): \(said)"
        if let detail = info[.detail] { text += ". \(detail)" }
        if let hint = info[.hint] { text += ". \(hint)" }
        return StoreError(.database, text)
      }
    }
    switch error.code {
    case .connectionError:
      let cause = error.underlying.map { "\($0)" } ?? "no answer"
      return StoreError(
        .unreachable,
        "\(doing): cannot reach the PostgreSQL server at \(url.server) (SQLSTATE 08001: \(cause)). "
          + "Is the server running, and are the host and port in the URL right?")
    case .serverClosedConnection, .uncleanShutdown:
      return StoreError(
        .unreachable,
        "\(doing): the PostgreSQL server at \(url.server) closed the connection (SQLSTATE 08006); "
          + "nothing was written. Try again")
    case .authMechanismRequiresPassword:
      return StoreError(
        .database,
        "\(doing): the server wants a password for user \(url.user) (SQLSTATE 28P01): give it in the URL "
          + "(postgres://\(url.user):PASSWORD@…) or in PGPASSWORD")
    case .sslUnsupported:
      return StoreError(
        .database,
        "\(doing): the server at \(url.server) does not offer TLS, which sslmode=\(url.tls.rawValue) requires "
          + "(SQLSTATE 08004); use sslmode=prefer or disable, or turn TLS on at the server")
    case .unsupportedAuthMechanism:
      return StoreError(
        .database, "\(doing): the server asks for a sign-in method postgres-nio does not support (SQLSTATE 28000)")
    default:
      return StoreError(.database, "\(doing): \(error.code)")
    }
  }
}
