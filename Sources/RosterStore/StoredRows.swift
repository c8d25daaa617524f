import Foundation
import RosterModel

/// What both stores write and read the same way: the `applied` text, the audit record's text,
/// the stale checks, and a state turned into the writes that copy it.
enum StoredRows {
  /// The fields as JSON with sorted keys, written by hand: it is compared with every row's
  /// `applied` when a state is read, so it must be fast and always give the same text.
  static func canonicalText(_ fields: Fields) -> String {
    var out: [UInt8] = []
    writeCanonical(fields, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends the same text as UTF-8 bytes: the fields' own.
  static func writeCanonical(_ fields: Fields, to out: inout [UInt8]) { fields.write(to: &out) }

  /// A relation's canonical text from its key's parts (`count` of them, at most one for each
  /// head), each after its field's name.
  private static func writeRelation(
    _ heads: [[UInt8]], _ count: Int, _ part: (Int) -> UnsafeBufferPointer<UInt8>, to out: inout [UInt8]
  ) {
    for i in 0..<count {
      out.append(contentsOf: heads[i])
      Fields.writeString(part(i), to: &out)
    }
    out.append(UInt8(ascii: "}"))
  }

  /// Whether `text` is the canonical text of a relation with these parts, read in place
  /// (writing the text to compare was a tenth of reading a state's 200,000 relations); nil when
  /// a part needs escapes, to be written and compared.
  private static func isRelation(
    _ text: UnsafeBufferPointer<UInt8>, _ heads: [[UInt8]], _ count: Int, _ part: (Int) -> UnsafeBufferPointer<UInt8>
  ) -> Bool? {
    guard let base = text.baseAddress else { return false }
    var at = 0
    func next(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
      guard at + bytes.count <= text.count else { return false }
      if let from = bytes.baseAddress, memcmp(base + at, from, bytes.count) != 0 { return false }
      at += bytes.count
      return true
    }
    func next(_ byte: UInt8) -> Bool {
      guard at < text.count, base[at] == byte else { return false }
      at += 1
      return true
    }
    for i in 0..<count {
      let value = part(i)
      guard !value.needsJSONEscape else { return nil }
      guard heads[i].withUnsafeBufferPointer(next), next(UInt8(ascii: "\"")), next(value), next(UInt8(ascii: "\""))
      else { return false }
    }
    return next(UInt8(ascii: "}")) && at == text.count
  }

  /// What comes before each part of a relation's key in its canonical text: `{"group":`, then
  /// `,"member":` (written once, not for each of 200,000 relations read).
  private static func relationHeads(_ kind: ObjectKind) -> [[UInt8]]? {
    switch kind {
    case .membership: membershipHeads
    case .binding: bindingHeads
    default: nil
    }
  }

  private static let membershipHeads = heads(StateObject.relationFields(.membership) ?? [])
  private static let bindingHeads = heads(StateObject.relationFields(.binding) ?? [])

  private static func heads(_ names: [String]) -> [[UInt8]] {
    names.enumerated().map { index, name in
      var head: [UInt8] = [UInt8(ascii: index == 0 ? "{" : ",")]
      writeString(name, to: &head)
      head.append(UInt8(ascii: ":"))
      return head
    }
  }

  /// A JSON string: most need no escape and are copied whole from their own storage.
  private static func writeString(_ s: String, to out: inout [UInt8]) {
    var s = s
    s.withUTF8 { Fields.writeString($0, to: &out) }
  }

  /// The `applied` text a change records (nil: the row was not written by Roster).
  /// (Given the change's fields: a relation's are made from its key each time they are asked.)
  static func appliedText(_ change: StoredChange, fields: Fields) -> String? {
    switch change.applied {
    case .fields: return canonicalText(fields)
    case .other(let written): return canonicalText(written)
    case .never: return nil
    }
  }

  /// The lineage and serial `meta` records; a store without them holds no state yet.
  static func identity(_ meta: [String: String], location: String) throws -> (lineage: String, serial: Int) {
    guard let lineage = meta["lineage"], let serial = meta["serial"].flatMap(Int.init) else {
      throw StoreError(
        .notInitialized, "there is no state at \(location) yet: run `roster init` first (or give --state)")
    }
    return (lineage, serial)
  }

  /// A state being read row by row, whatever the store: its objects are found by their keys
  /// once ``state(_:lineage:serial:)`` has made it.
  struct Reading {
    var current = StateSnapshot()
    var applied = AppliedState()
    /// The canonical text and the key of the row being read (their storage kept from row to row).
    private var canonical: [UInt8] = []
    private var key: [UInt8] = []

    /// Makes room for `count` rows whose keys are `keyBytes` long in all.
    mutating func reserve(_ layout: TableLayout, _ count: Int, keyBytes: Int) {
      current.reserve(layout.kind, count, keyBytes: keyBytes)
    }

    /// One row: its key columns' values, its field columns' values (nil: NULL) in the layout's
    /// order, and its `applied` text.
    mutating func add(_ layout: TableLayout, keys: [String], values: [FieldValue?], applied text: String?) {
      let key = keys.count == 1 ? keys[0] : .joining(keys, separator: "\u{1F}")
      var fields = Fields()
      for i in layout.columnsByField { if let value = values[i] { fields[layout.columns[i].field] = value } }
      add(StateObject(kind: layout.kind, key: key, fields: fields), applied: text)
    }

    /// One row of a relation kind (memberships, bindings) from its key's parts as bytes, one
    /// for each of the kind's fields, and its `applied` text as UTF-8 (nil: NULL), as
    /// ``add(_:applied:)`` would take the relation made from them: the key is written into the
    /// table and the canonical text compared from the bytes read, and a string made only for a
    /// row whose text differs (a state's 200,000 relations were each a key, its parts and its
    /// text made anew to be compared).
    mutating func addRelation(
      _ kind: ObjectKind, parts count: Int, _ part: (Int) -> UnsafeBufferPointer<UInt8>,
      applied text: UnsafeBufferPointer<UInt8>?
    ) {
      guard let heads = relationHeads(kind), count == heads.count else {
        preconditionFailure("a relation is read with one part for each of its fields")
      }
      key.removeAll(keepingCapacity: true)
      for i in 0..<count {
        if i > 0 { key.append(0x1F) }
        key.append(contentsOf: part(i))
      }
      key.withUnsafeBufferPointer { current.append(kind, key: $0, own: nil) }
      if let text {
        if let same = StoredRows.isRelation(text, heads, count, part) {
          if same { return }
        } else {
          canonical.removeAll(keepingCapacity: true)
          StoredRows.writeRelation(heads, count, part, to: &canonical)
          if Self.same(text, canonical) { return }
        }
      }
      let object = StateObject.relation(kind, key: String(decoding: key, as: UTF8.self))
      record(object, applied: text)
    }

    /// One row as an object, and its `applied` text (nil: NULL).
    mutating func add(_ object: StateObject, applied text: String?) {
      guard var text else { return add(object, applied: nil as UnsafeBufferPointer<UInt8>?) }
      text.withUTF8 { add(object, applied: $0) }
    }

    /// One row as an object, and its `applied` text as UTF-8 (nil: NULL). Most rows are as
    /// Roster wrote them: the text is compared first, and decoded only where it differs.
    mutating func add(_ object: StateObject, applied text: UnsafeBufferPointer<UInt8>?) {
      current.append(object)
      // (A relation read this way, not by ``addRelation(_:parts:_:applied:)``, has its fields
      // made from its key: their text is the one `addRelation` writes.)
      if let text, object.fields.hasText(text) { return }
      record(object, applied: text)
    }

    /// What a row's `applied` text says of an object whose text is not the canonical one.
    private mutating func record(_ object: StateObject, applied text: UnsafeBufferPointer<UInt8>?) {
      // A row Roster did not write, or whose `applied` text cannot be read, counts as unwritten.
      guard let text, let written = try? JSONDecoder().decode(Fields.self, from: Data(text)) else {
        applied.recordUnwritten(object.kind, object.key)
        return
      }
      let before = StateObject(kind: object.kind, key: object.key, fields: written)
      if !before.hasSameFields(as: object) { applied.recordChanged(before) }
    }

    private static func same(_ text: UnsafeBufferPointer<UInt8>, _ canonical: [UInt8]) -> Bool {
      text.count == canonical.count
        && canonical.withUnsafeBufferPointer { expected in
          guard let a = text.baseAddress, let b = expected.baseAddress else { return text.isEmpty }
          return memcmp(a, b, text.count) == 0
        }
    }

    mutating func state(_ meta: [String: String], lineage: String, serial: Int) -> StoredState {
      current.indexAppended()
      return StoredState(
        lineage: lineage, serial: serial, catalogSource: meta["catalog_source"], current: current, applied: applied,
        auditHead: meta["audit_head"])
    }
  }

  /// JSON with sorted keys: a list column's text.
  static func text<T: Encodable>(_ value: T) -> String { String(decoding: encoded(value), as: UTF8.self) }

  private static func encoded<T: Encodable>(_ value: T) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)) ?? Data()
  }

  /// The audit record as stored and hashed: JSON with sorted keys, the same bytes JSONEncoder
  /// writes.
  static func text(_ record: AuditRecord) -> String { text(AuditRecordSource(record)) }

  /// The same for a record whose changes come in pieces, whole (for a store that takes the
  /// record as one value).
  static func text(_ source: AuditRecordSource) -> String {
    var length = 0
    auditText(source) { length += $0.count }
    return String(unsafeUninitializedCapacity: length) { out in
      var at = 0
      auditText(source) { piece in
        _ = UnsafeMutableBufferPointer(rebasing: out[at..<(at + piece.count)]).initialize(fromContentsOf: piece)
        at += piece.count
      }
      return at
    }
  }

  /// Hands the record's stored text to `piece`, in pieces of at most 64 KiB: the same bytes
  /// JSONEncoder writes for it. An apply's record holds every change as text (tens of
  /// megabytes for a first apply at 50,000 users), so JSONEncoder writes the record without
  /// it and the changes are escaped into their place as they come: they are never held as
  /// text of their own, and a store that writes the pieces as they come never holds the
  /// record either.
  static func auditText(_ source: AuditRecordSource, _ piece: (UnsafeBufferPointer<UInt8>) -> Void) {
    let head = [UInt8](encoded(source.record))
    // `actor` sorts first, so the key follows a comma; an unescaped quote is never inside a value.
    let key = Array(#","changes":"""#.utf8)
    guard
      let start = head.indices.dropLast(key.count - 1).first(where: { head[$0..<($0 + key.count)].elementsEqual(key) })
    else { preconditionFailure("an audit record's JSON has its changes after its actor") }
    let split = start + key.count - 1
    withoutActuallyEscaping(piece) { piece in
      var out = ChunkWriter(piece)
      defer { out.buffer.deallocate() }
      out.append(head[..<split])
      source.changes { changes in out.appendEscaped(changes) }
      out.append(head[split...])
      out.flush()
    }
  }

  /// Bytes gathered into pieces of 64 KiB for a consumer of pieces (its buffer is the owner's to
  /// deallocate). Not an `[UInt8]` appended to and emptied: a byte at a time, that made the
  /// record with a third more instructions (callgrind, `auditText` of a 10,000-user first apply:
  /// 2.89 G against 2.17 G).
  private struct ChunkWriter {
    private static let capacity = 1 << 16
    let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
    private var count = 0
    private var escaped: [UInt8] = []
    private let piece: (UnsafeBufferPointer<UInt8>) -> Void

    init(_ piece: @escaping (UnsafeBufferPointer<UInt8>) -> Void) { self.piece = piece }

    mutating func append(_ byte: UInt8) {
      if count == Self.capacity { flush() }
      buffer[count] = byte
      count += 1
    }

    mutating func append(_ bytes: ArraySlice<UInt8>) { for byte in bytes { append(byte) } }

    /// Bytes copied as they are, in as few copies as the pieces allow.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
      var rest = bytes[...]
      while !rest.isEmpty {
        if count == Self.capacity { flush() }
        let run = rest.prefix(Self.capacity - count)
        _ = UnsafeMutableBufferPointer(rebasing: buffer[count..<(count + run.count)]).initialize(fromContentsOf: run)
        count += run.count
        rest = rest.dropFirst(run.count)
      }
    }

    /// The content of a JSON string, escaped as JSONEncoder escapes it (through `escaped`,
    /// whose storage is kept from piece to piece).
    mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
      escaped.removeAll(keepingCapacity: true)
      escaped.append(jsonEscaped: bytes)
      escaped.withUnsafeBufferPointer { append($0) }
    }

    /// Hands over what is gathered.
    mutating func flush() {
      guard count > 0 else { return }
      piece(UnsafeBufferPointer(rebasing: buffer[..<count]))
      count = 0
    }
  }

  /// Refuses a write made for another lineage or at another serial than the state's.
  static func check(_ meta: [String: String], lineage: String, serial: Int, location: String) throws {
    guard meta["lineage"] == lineage else {
      throw StoreError(
        .stale,
        "the plan was made for another state (lineage \(lineage), but \(location) is \(meta["lineage"] ?? "empty"))")
    }
    let current = meta["serial"].flatMap(Int.init) ?? 0
    guard current == serial else {
      throw StoreError(
        .stale,
        "the plan is stale: it was made at serial \(serial), but the state is now at serial \(current); "
          + "run `roster plan` again")
    }
  }

  /// The inserts that copy a state: each object with what Roster last wrote of it.
  static func importing(_ state: StoredState) -> [StoredChange] {
    state.current.all.map { object in
      let written = state.applied.fields(object.kind, object.key, now: object.fields)
      let applied: StoredChange.Applied =
        written == nil ? .never : written == object.fields ? .fields : .other(written ?? [:])
      return StoredChange(kind: object.kind, key: object.key, fields: object.fields, exists: false, applied: applied)
    }
  }
}
