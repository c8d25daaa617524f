import RosterModel

/// How a value of a field is stored in a column.
enum ColumnType {
  case text
  case bool
  case integer
  case real
  /// A list of strings, as a JSON array.
  case list
}

/// One field of an object kind and its column.
struct Column {
  let field: String
  let name: String
  let type: ColumnType
  /// The field's name as the fields' text writes it (made once: a state's rows set it 60,000
  /// times at 10,000 users).
  let fieldName: Fields.Name

  init(field: String, name: String, type: ColumnType) {
    self.field = field
    self.name = name
    self.type = type
    fieldName = Fields.Name(field)
  }
}

/// The table of one object kind: its key columns (the object's key is their values joined by
/// U+001F) and one column per field. Every table also has `applied`: the fields as Roster last
/// wrote them, as JSON (NULL for a row Roster did not write).
struct TableLayout {
  let kind: ObjectKind
  let table: String
  let keyColumns: [String]
  let columns: [Column]
  /// The columns' positions in the order of their fields' names: the canonical text's order.
  let columnsByField: [Int]

  /// Key columns that are not also field columns.
  let extraKeyColumns: [String]
  /// The columns an insert names, in order: extra key columns, the field columns, `applied`.
  let insertColumns: [String]
  /// The SQLite statements that write a row, made once (an apply writes a row 235,000 times).
  let sqliteInsert: String
  let sqliteUpdate: String
  let sqliteDelete: String

  init(kind: ObjectKind, table: String, keyColumns: [String], columns: [Column]) {
    self.kind = kind
    self.table = table
    self.keyColumns = keyColumns
    self.columns = columns
    columnsByField = columns.indices.sorted { columns[$0].field < columns[$1].field }
    extraKeyColumns = keyColumns.filter { key in !columns.contains { $0.name == key } }
    insertColumns = extraKeyColumns + columns.map(\.name) + ["applied"]
    let matches = keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
    sqliteInsert =
      "INSERT INTO \(table) (\(insertColumns.joined(separator: ", "))) VALUES "
      + "(\(Array(repeating: "?", count: insertColumns.count).joined(separator: ", ")))"
    let sets = (columns.map { "\($0.name) = ?" } + ["applied = ?"]).joined(separator: ", ")
    sqliteUpdate = "UPDATE \(table) SET \(sets) WHERE \(matches)"
    sqliteDelete = "DELETE FROM \(table) WHERE \(matches)"
  }

  static let all: [TableLayout] = [
    TableLayout(
      kind: .organization, table: "organization", keyColumns: ["key"],
      columns: [
        Column(field: "name", name: "name", type: .text),
        Column(field: "platform", name: "platform", type: .text),
        Column(field: "tier", name: "tier", type: .text),
        Column(field: "signInMode", name: "sign_in_mode", type: .text),
        Column(field: "signInProvider", name: "sign_in_provider", type: .text),
        Column(field: "requireTwoFactor", name: "require_two_factor", type: .bool),
        Column(field: "autoProvisioning", name: "auto_provisioning", type: .bool),
        Column(field: "fullyManaged", name: "fully_managed", type: .list),
        Column(field: "minAdmins", name: "min_admins", type: .integer),
        Column(field: "maxRemovalRatio", name: "max_removal_ratio", type: .real),
      ]),
    TableLayout(
      kind: .tenant, table: "tenants", keyColumns: ["name"],
      columns: [Column(field: "services", name: "services", type: .list)]),
    TableLayout(
      kind: .role, table: "roles", keyColumns: ["id"],
      columns: [
        Column(field: "name", name: "name", type: .text),
        Column(field: "description", name: "description", type: .text),
        Column(field: "levels", name: "levels", type: .list),
        Column(field: "permissions", name: "permissions", type: .list),
      ]),
    TableLayout(
      kind: .user, table: "users", keyColumns: ["key"],
      columns: [
        Column(field: "email", name: "email", type: .text),
        Column(field: "name", name: "name", type: .text),
        Column(field: "source", name: "source", type: .text),
        Column(field: "directoryId", name: "directory_id", type: .text),
        Column(field: "twoFactor", name: "two_factor", type: .bool),
        Column(field: "disabled", name: "disabled", type: .bool),
      ]),
    TableLayout(
      kind: .group, table: "groups", keyColumns: ["name"],
      columns: [
        Column(field: "description", name: "description", type: .text),
        Column(field: "source", name: "source", type: .text),
        Column(field: "directoryId", name: "directory_id", type: .text),
      ]),
    TableLayout(
      kind: .robot, table: "robots", keyColumns: ["name"],
      columns: [Column(field: "description", name: "description", type: .text)]),
    TableLayout(
      kind: .app, table: "apps", keyColumns: ["name"],
      columns: [
        Column(field: "appId", name: "app_id", type: .text),
        Column(field: "description", name: "description", type: .text),
      ]),
    TableLayout(
      kind: .membership, table: "memberships", keyColumns: ["group_name", "member"],
      columns: [
        Column(field: "group", name: "group_name", type: .text),
        Column(field: "member", name: "member", type: .text),
      ]),
    TableLayout(
      kind: .binding, table: "bindings", keyColumns: ["principal", "role", "scope"],
      columns: [
        Column(field: "principal", name: "principal", type: .text),
        Column(field: "role", name: "role", type: .text),
        Column(field: "scope", name: "scope", type: .text),
      ]),
  ]

  static func of(_ kind: ObjectKind) -> TableLayout {
    let layout = all[kind.order]
    precondition(layout.kind == kind, "the tables are in the kinds' order")
    return layout
  }

  /// Reads every row's `insertColumns`, so a reader takes them by position: the key columns at
  /// `keyPositions`, field `i` at `extraKeyColumns.count + i`, `applied` last.
  var selectSQL: String { "SELECT \(insertColumns.joined(separator: ", ")) FROM \(table)" }

  var keyPositions: [Int] { keyColumns.map { insertColumns.firstIndex(of: $0) ?? 0 } }

  /// Whether every column holds text or a flag: PostgreSQL's rows of such a table are read a
  /// chunk at a time (``chunksSQL``), a column's values as one array.
  var readsInChunks: Bool { columns.allSatisfy { $0.type == .text || $0.type == .bool } }

  /// The rows' `insertColumns` a chunk at a time, for PostgreSQL: each result row holds, for
  /// each column, an array of up to 4,096 rows' values, every array of a result row in the same
  /// order of rows (each aggregate ordered by the rows' numbers: PostgreSQL feeds a group's rows
  /// to its aggregates in one order in practice, but does not promise it).
  var chunksSQL: String {
    "SELECT \(insertColumns.map { "array_agg(\($0) ORDER BY n)" }.joined(separator: ", ")) FROM "
      + "(SELECT \(insertColumns.joined(separator: ", ")), row_number() OVER () AS n FROM \(table)) AS r "
      + "GROUP BY n / 4096"
  }

  /// The fields' values in the columns' order (nil: no such field), read in one pass: the
  /// fields are kept in name order, as `columnsByField` has the columns (found by name one by
  /// one, each was looked for from the start of the fields' text).
  func values(of fields: Fields) -> [FieldValue?] {
    var values = [FieldValue?](repeating: nil, count: columns.count)
    var next = 0
    for (name, value) in fields {
      while next < columnsByField.count, columns[columnsByField[next]].field < name { next += 1 }
      guard next < columnsByField.count else { break }
      if columns[columnsByField[next]].field == name { values[columnsByField[next]] = value }
    }
    return values
  }

  /// How many rows there are: a reader makes room for them at once.
  var countSQL: String { "SELECT count(*) FROM \(table)" }

  /// The room a reader makes for the keys of `rows` rows, in bytes: 64 for each key column,
  /// more than keys usually take (a binding's three columns about 100 bytes together). It
  /// costs address space, not memory: a block this large is mapped on its own, and a page of
  /// it is taken from the system only once written; keys longer than that grow it. (The exact
  /// length, summed by the database, was a second pass over each table: a sixth of reading a
  /// state.)
  func keyRoom(rows: Int) -> Int { rows * 64 * keyColumns.count }

  enum Dialect { case sqlite, postgres }

  /// A column type's SQL name in a dialect.
  static func sqlType(_ type: ColumnType, _ dialect: Dialect) -> String {
    switch (type, dialect) {
    case (.text, _), (.list, .sqlite): "TEXT"
    case (.list, .postgres): "TEXT[]"
    case (.bool, .sqlite), (.integer, .sqlite): "INTEGER"
    case (.bool, .postgres): "BOOLEAN"
    case (.integer, .postgres): "BIGINT"
    case (.real, .sqlite): "REAL"
    case (.real, .postgres): "DOUBLE PRECISION"
    }
  }

  /// The SQL that creates the table. PostgreSQL keeps lists as text[] and flags as boolean;
  /// SQLite keeps lists as JSON text and flags as 0/1.
  func createSQL(for dialect: Dialect) -> String {
    var definitions = extraKeyColumns.map { "\($0) TEXT NOT NULL" }
    for column in columns {
      definitions.append(
        "\(column.name) \(Self.sqlType(column.type, dialect))" + (keyColumns.contains(column.name) ? " NOT NULL" : ""))
    }
    definitions.append("applied TEXT")
    definitions.append("PRIMARY KEY (\(keyColumns.joined(separator: ", ")))")
    return "CREATE TABLE \(table) (\(definitions.joined(separator: ", ")))"
  }

  /// The key columns' values for an object key.
  func keyValues(_ key: String) -> [String] {
    if keyColumns.count == 1 { return [key] }
    return StateKey.parts(key)
  }
}
