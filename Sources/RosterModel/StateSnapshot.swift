import KeyBytes

/// The kinds of object a state holds, in the order they are created (and the reverse of the order
/// they are removed), so that every object exists before anything refers to it.
public enum ObjectKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
  case organization
  case tenant
  case role
  case user
  case group
  case robot
  case app
  case membership
  case binding

  /// The kind's place in ``allCases``: the index of its table in a snapshot.
  public var order: Int {
    switch self {
    case .organization: 0
    case .tenant: 1
    case .role: 2
    case .user: 3
    case .group: 4
    case .robot: 5
    case .app: 6
    case .membership: 7
    case .binding: 8
    }
  }

  public static func < (a: ObjectKind, b: ObjectKind) -> Bool { a.order < b.order }
}

/// The value of one field of a stored object.
public enum FieldValue: Sendable, Hashable, Codable, CustomStringConvertible {
  case string(String)
  case bool(Bool)
  case number(Double)
  case list([String])

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let b = try? container.decode(Bool.self) {
      self = .bool(b)
    } else if let n = try? container.decode(Double.self) {
      self = .number(n)
    } else if let s = try? container.decode(String.self) {
      self = .string(s)
    } else {
      self = .list(try container.decode([String].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .string(let s): try container.encode(s)
    case .bool(let b): try container.encode(b)
    case .number(let n): try container.encode(n)
    case .list(let l): try container.encode(l)
    }
  }

  /// The value as a person reads it in a plan: `"Ops"`, `true`, `0.25`, `[a, b]`.
  public var description: String {
    switch self {
    case .string(let s):
      // Most texts have nothing to escape and are written whole (a character at a time, the
      // fields of a plan that adds 500 users took 9 million instructions).
      if !s.hasByte(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) { return "\"" + s + "\"" }
      var out = "\""
      for character in s {
        if character == "\"" || character == "\\" { out.append("\\") }
        out.append(character)
      }
      return out + "\""
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    case .list(let l): return "[" + l.joined(separator: ", ") + "]"
    }
  }

  public var string: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var bool: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  public var number: Double? {
    if case .number(let n) = self { return n }
    return nil
  }

  public var list: [String]? {
    if case .list(let l) = self { return l }
    return nil
  }
}

/// One object of the state: its kind, its key within the kind, and its fields (absent = unset).
///
/// A relation (a membership or a binding) is keyed by its fields' values, so it usually holds
/// no fields of its own: they are read from its key when asked for. A state's 200,000 relations
/// then cost a key each, not a key and a list of the same texts again.
public struct StateObject: Sendable, Hashable, Codable {
  public var kind: ObjectKind
  public var key: String
  /// Fields other than the key's parts (nil: a relation that is exactly its key).
  fileprivate var own: Fields?

  public init(kind: ObjectKind, key: String, fields: Fields = [:]) {
    self.kind = kind
    self.key = key
    own = Self.isKeyParts(fields, kind: kind, key: key) ? nil : fields
  }

  /// A relation whose fields are its key's parts: `group␟member`, `principal␟role␟scope`.
  public static func relation(_ kind: ObjectKind, key: String) -> StateObject {
    StateObject(kind: kind, key: key, own: nil)
  }

  fileprivate init(kind: ObjectKind, key: String, own: Fields?) {
    self.kind = kind
    self.key = key
    self.own = own
  }

  /// The names of a relation's fields, in the order of its key's parts (nil: not a relation).
  /// They are also in name order, the order of ``Fields``.
  public static func relationFields(_ kind: ObjectKind) -> [String]? {
    switch kind {
    case .membership: ["group", "member"]
    case .binding: ["principal", "role", "scope"]
    default: nil
    }
  }

  public var fields: Fields {
    get {
      if let own { return own }
      var fields = Fields()
      for (name, part) in zip(Self.relationFields(kind) ?? [], keyParts) { fields[name] = .string(part) }
      return fields
    }
    set { own = Self.isKeyParts(newValue, kind: kind, key: key) ? nil : newValue }
  }

  /// Whether the object holds no fields of its own: a relation that is exactly its key.
  public var isKeyOnly: Bool { own == nil }

  /// A relation's fields' texts in the order of ``relationFields(_:)`` (nil: not a relation,
  /// or one without all of them): its key's parts when it is its key, read without making its
  /// fields.
  public var relationValues: [String]? {
    guard let names = Self.relationFields(kind) else { return nil }
    let values = own.map { own in names.compactMap { own[$0]?.string } } ?? keyParts
    return values.count == names.count ? values : nil
  }

  /// The key's parts (a relation's fields' values).
  public var keyParts: [String] { StateKey.parts(key) }

  /// Whether two versions of an object have the same fields; two relations that are exactly
  /// their keys are compared by key, without reading their fields.
  public func hasSameFields(as other: StateObject) -> Bool {
    if own == nil && other.own == nil && kind == other.kind { return key == other.key }
    return fields == other.fields
  }

  /// Whether `fields` are exactly a relation's key parts, compared byte by byte in place.
  private static func isKeyParts(_ fields: Fields, kind: ObjectKind, key: String) -> Bool {
    guard let names = relationFields(kind), fields.count == names.count else { return false }
    var key = key
    return key.withUTF8 { bytes in
      var at = 0
      for ((name, value), expected) in zip(fields, names) {
        guard name == expected, case .string(var part) = value else { return false }
        let matched = part.withUTF8 { part in
          at + part.count <= bytes.count
            && UnsafeBufferPointer(rebasing: bytes[at..<(at + part.count)]).elementsEqual(part)
        }
        guard matched else { return false }
        at += part.utf8.count
        // Parts are separated by U+001F; the last ends the key.
        if expected == names.last { return at == bytes.count }
        guard at < bytes.count, bytes[at] == 0x1F else { return false }
        at += 1
      }
      return false
    }
  }

  public static func == (a: StateObject, b: StateObject) -> Bool {
    a.kind == b.kind && a.key == b.key && a.hasSameFields(as: b)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(kind)
    hasher.combine(key)
    if own != nil { hasher.combine(fields) }
  }

  private enum CodingKeys: String, CodingKey { case kind, key, fields }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      kind: try container.decode(ObjectKind.self, forKey: .kind), key: try container.decode(String.self, forKey: .key),
      fields: try container.decode(Fields.self, forKey: .fields))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(kind, forKey: .kind)
    try container.encode(key, forKey: .key)
    try container.encode(fields, forKey: .fields)
  }

  /// `user ada@acme.example`, as plans name objects.
  public var address: String { "\(kind.rawValue) \(key)" }

  /// `kind key`: one string that names an object among all kinds.
  public static func id(_ kind: ObjectKind, _ key: String) -> String { kind.rawValue + " " + key }
}

/// Everything a configuration states about an organisation, as plain objects that can be
/// compared, stored and changed one by one. Default groups, their roles and their automatic
/// members come from the catalog and are not objects; their explicit members are.
public struct StateSnapshot: Sendable, Hashable {
  /// Objects by key, one table per kind in the order of ``ObjectKind/allCases``.
  private var tables = ObjectKind.allCases.map { Table(kind: $0) }

  public init() {}

  public init(_ list: [StateObject]) {
    for object in list { insert(object) }
  }

  public mutating func insert(_ object: StateObject) { tables[object.kind.order][object.key] = object }

  /// Adds an object of a kind by its key's bytes and its own fields (nil: a relation that is
  /// its key), or replaces the fields of the object the key names.
  public mutating func insert(_ kind: ObjectKind, key: UnsafeBufferPointer<UInt8>, own fields: Fields?) {
    tables[kind.order].insert(key, own: fields)
  }

  /// The same for an object among many read at once: found by its key only once
  /// ``indexAppended()`` has been called (see ``Table/append(_:own:)``).
  public mutating func append(_ kind: ObjectKind, key: UnsafeBufferPointer<UInt8>, own fields: Fields?) {
    tables[kind.order].append(key, own: fields)
  }

  /// The same, an object whole.
  public mutating func append(_ object: StateObject) {
    var key = object.key
    key.withUTF8 { tables[object.kind.order].append($0, own: object.own) }
  }

  /// Makes every object appended found by its key.
  public mutating func indexAppended() {
    for i in tables.indices { tables[i].indexAppended() }
  }

  /// Puts a kind's table in place of the one held.
  public mutating func replace(_ table: Table) { tables[table.kind.order] = table }

  /// Makes room for `count` more objects of a kind (whose keys are `keyBytes` long in all, when
  /// known), before inserting them one by one.
  public mutating func reserve(_ kind: ObjectKind, _ count: Int, keyBytes: Int? = nil) {
    guard count > 0 else { return }
    tables[kind.order].reserve(count, keyBytes: keyBytes)
  }

  @discardableResult
  public mutating func remove(_ kind: ObjectKind, _ key: String) -> StateObject? {
    tables[kind.order].remove(key)
  }

  public func object(_ kind: ObjectKind, _ key: String) -> StateObject? { tables[kind.order][key] }

  /// The objects of a kind, by key.
  public func objects(_ kind: ObjectKind) -> Table { tables[kind.order] }

  /// Every object, by kind in creation order, then by key: the same state gives the same list.
  public var all: [StateObject] {
    tables.flatMap { table in table.positionsInKeyOrder.map(table.object(at:)) }
  }

  public func count(_ kind: ObjectKind) -> Int { tables[kind.order].count }

  /// How many objects the snapshot holds, of every kind.
  public var count: Int { tables.reduce(0) { $0 + $1.count } }

  /// Whether the snapshot holds no object.
  public var isEmpty: Bool { tables.allSatisfy(\.isEmpty) }

  /// The objects of one kind, by key. Only each object's own fields are kept beside its key
  /// (a relation that is its key keeps none), and the keys as bytes in one buffer
  /// (``KeyIndex``): a state's 235,000 objects take their keys' bytes and 28–36 bytes each, and an
  /// object is made when it is asked for. Each object has a position, from 0 to
  /// ``endPosition``, that stays while the table is not changed; walking the positions visits
  /// the objects in the order they were added (skip those not ``isPresent(_:)``, removed ones).
  public struct Table: Sendable, Hashable, Sequence {
    public let kind: ObjectKind
    private var index = KeyIndex()
    /// Each position's own fields (nil: a relation that is its key, or a removed object).
    private var own: [Fields?] = []

    public init(kind: ObjectKind) { self.kind = kind }

    public var count: Int { index.count }

    /// How long the keys are in all, in bytes (those removed included).
    var keyBytes: Int { index.byteCount }

    public var isEmpty: Bool { index.count == 0 }

    /// The keys, in the order their objects were added.
    public var keys: [String] {
      var keys: [String] = []
      keys.reserveCapacity(count)
      for position in 0..<endPosition where isPresent(position) { keys.append(index.key(at: position)) }
      return keys
    }

    /// Makes room for `count` more objects (whose keys are `keyBytes` long in all, when known).
    public mutating func reserve(_ count: Int, keyBytes: Int? = nil) {
      index.reserve(count, bytes: keyBytes ?? count * 32)
      own.reserveCapacity(own.count + count)
    }

    /// The object of a key; set to nil to remove it.
    public subscript(key: String) -> StateObject? {
      // The object is made with the key given (the same text), not a new one from the bytes.
      get { position(of: key).map { StateObject(kind: kind, key: key, own: own[$0]) } }
      set {
        guard let newValue else {
          remove(key)
          return
        }
        var key = key
        key.withUTF8 { insert($0, own: newValue.own) }
      }
    }

    /// Adds an object by its key's bytes and its own fields (nil: a relation that is its key),
    /// or replaces the fields of the object the key names.
    public mutating func insert(_ key: UnsafeBufferPointer<UInt8>, own fields: Fields?) {
      let (position, inserted) = index.insert(key)
      if inserted { own.append(fields) } else { own[position] = fields }
    }

    /// What ``insert(_:own:)`` does, for many objects at once (a store's rows): each is added
    /// after the others without being looked for, until ``indexAppended()``, which must be
    /// called before the table is used again, finds them all in one pass (a key given twice
    /// keeps its first place and its last fields, as inserting them in turn does).
    public mutating func append(_ key: UnsafeBufferPointer<UInt8>, own fields: Fields?) {
      index.append(key)
      own.append(fields)
    }

    /// Makes the objects appended since the last call found by their keys.
    public mutating func indexAppended() {
      for (repeated, first) in index.indexAppended() {
        own[first] = own[repeated]
        own[repeated] = nil
      }
    }

    @discardableResult
    mutating func remove(_ key: String) -> StateObject? {
      guard let position = position(of: key) else { return nil }
      let object = object(at: position)
      index.remove(at: position)
      own[position] = nil
      return object
    }

    /// The positions of the present objects, in their keys' order (their bytes', which is
    /// their characters' code points' order): a sorted walk that makes no key text for the sort.
    public var positionsInKeyOrder: [Int] { index.positionsInKeyOrder() }

    /// The first position after the last one (see ``Table``).
    public var endPosition: Int { index.endPosition }

    /// Whether the object at `position` is present (not removed).
    public func isPresent(_ position: Int) -> Bool { index.isPresent(position) }

    /// The position of a key's object, if present.
    public func position(of key: String) -> Int? {
      var key = key
      return key.withUTF8 { index.position(of: $0) }
    }

    /// The position of the object whose key has these bytes, if present.
    public func position(of key: UnsafeBufferPointer<UInt8>) -> Int? { index.position(of: key) }

    /// The key at a position, as bytes valid only during `body`.
    public func withKey<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
      try index.withKey(at: position, body)
    }

    public func key(at position: Int) -> String { index.key(at: position) }

    public func object(at position: Int) -> StateObject {
      StateObject(kind: kind, key: index.key(at: position), own: own[position])
    }

    /// Whether the object at `position` is its key alone (``StateObject/isKeyOnly``), told
    /// without making it (its key a string of its own).
    public func isKeyOnly(at position: Int) -> Bool { own[position] == nil }

    /// Whether the object at `position` has the same fields as the one at `other` in `table`,
    /// both of this kind and with the same key, compared without making either: a relation
    /// that is its key has other fields than an object that holds its own (those would be its
    /// key's parts otherwise), so the two are the same exactly when their own fields are.
    public func hasSameFields(at position: Int, as other: Int, in table: Table) -> Bool {
      own[position] == table.own[other]
    }

    public func makeIterator() -> Iterator { Iterator(table: self) }

    public struct Iterator: IteratorProtocol {
      let table: Table
      var position = 0

      public mutating func next() -> (key: String, value: StateObject)? {
        while position < table.endPosition {
          defer { position += 1 }
          if table.isPresent(position) {
            let object = table.object(at: position)
            return (object.key, object)
          }
        }
        return nil
      }
    }

    /// Two tables are equal when they hold the same objects, whatever order they were added in.
    public static func == (a: Table, b: Table) -> Bool {
      guard a.kind == b.kind, a.count == b.count else { return false }
      for position in 0..<a.endPosition where a.isPresent(position) {
        guard let other = a.withKey(at: position, { b.position(of: $0) }),
          a.hasSameFields(at: position, as: other, in: b)
        else { return false }
      }
      return true
    }

    public func hash(into hasher: inout Hasher) {
      hasher.combine(kind)
      hasher.combine(count)
    }
  }

  /// The platform the state's organisation is on.
  public var platform: String? { object(.organization, "organization")?.fields["platform"]?.string }
}

/// What Roster last wrote of a state's objects, held as where it differs from the objects as they
/// are: most objects are exactly as Roster wrote them, so a state of 235,000 rows usually holds
/// nothing here, and comparing the two costs nothing.
public struct AppliedState: Sendable, Hashable {
  /// Objects changed since Roster wrote them (outside Roster): the fields Roster wrote.
  public private(set) var changed = StateSnapshot()
  /// Objects Roster did not write (imported, auto-provisioned), by kind.
  public private(set) var unwritten: [ObjectKind: Set<String>] = [:]

  public init() {}

  /// Roster wrote `object` so, and it differs now.
  public mutating func recordChanged(_ object: StateObject) { changed.insert(object) }

  /// Roster did not write this object.
  public mutating func recordUnwritten(_ kind: ObjectKind, _ key: String) { unwritten[kind, default: []].insert(key) }

  /// Whether every object is as Roster wrote it.
  public var isEmpty: Bool { changed.isEmpty && unwritten.isEmpty }

  /// What Roster last wrote of an object whose fields are now `fields` (nil: it did not write it).
  public func fields(_ kind: ObjectKind, _ key: String, now fields: Fields) -> Fields? {
    if let written = changed.object(kind, key) { return written.fields }
    return unwritten[kind]?.contains(key) == true ? nil : fields
  }

  /// The keys of a kind that differ from what Roster wrote, in any order.
  public func keys(_ kind: ObjectKind) -> [String] {
    Array(changed.objects(kind).keys) + Array(unwritten[kind] ?? [])
  }

}

/// Keys of objects that are relations: `group␟member` and `principal␟role␟scope`.
public enum StateKey {
  /// A key's parts, split at U+001F as bytes (it is one byte): a plan of 235,000 changes splits
  /// keys often. Read from the key's bytes in place (splitting its UTF-8 view as a collection
  /// cost 6,700 instructions a key: a sixth of a first apply).
  public static func parts(_ key: String) -> [String] {
    var key = key
    return key.withUTF8 { bytes in
      var parts: [String] = []
      var start = 0
      for i in bytes.indices where bytes[i] == 0x1F {
        parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
        start = i + 1
      }
      parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
      return parts
    }
  }

  /// A key's first part (the whole key when it has one part): the group of a membership, the
  /// principal of a binding, with no other part made.
  public static func firstPart(_ key: String) -> String {
    var key = key
    return key.withUTF8 { bytes in
      String(
        decoding: UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: 0x1F) ?? bytes.count)]), as: UTF8.self)
    }
  }

  public static func membership(group: String, member: PrincipalID) -> String {
    var key = KeyWriter()
    writeMembership(group: group, member: member, into: &key)
    return key.withBytes { String(decoding: $0, as: UTF8.self) }
  }

  /// Writes a membership's key into `key` (emptied first, its storage kept), no string made:
  /// a model's snapshot writes 100,000 so.
  public static func writeMembership(group: String, member: PrincipalID, into key: inout KeyWriter) {
    key.clear()
    key.append(utf8: group)
    key.append(0x1F)
    key.append(principal: member)
  }

  /// The key of a membership from its fields' texts.
  public static func membership(group: String, member: String) -> String {
    .joining(group, member, separator: "\u{1F}")
  }

  public static func binding(_ binding: Binding) -> String {
    var key = KeyWriter()
    writeBinding(principal: binding.principal, role: binding.role, scope: binding.scope, into: &key)
    return key.withBytes { String(decoding: $0, as: UTF8.self) }
  }

  /// Writes a binding's key into `key` (emptied first, its storage kept), no string made: the
  /// scope's text is written where it goes from its parts (looking it up among the texts of the
  /// scopes already written, a hash of those parts, cost more).
  public static func writeBinding(principal: PrincipalID, role: String, scope: Scope, into key: inout KeyWriter) {
    key.clear()
    key.append(principal: principal)
    key.append(0x1F)
    key.append(utf8: role)
    key.append(0x1F)
    key.append(scope: scope)
  }

  /// The key of a binding from its fields' texts.
  public static func binding(principal: String, role: String, scope: String) -> String {
    .joining(principal, role, scope, separator: "\u{1F}")
  }
}

extension PrincipalID {
  /// Reads the canonical form `user:EMAIL`, `group:NAME`, `robot:NAME`, `app:NAME`, `operator`.
  /// Read as bytes: ':' is ASCII (found as a character, the colon took 1,800 instructions of a
  /// principal's 2,900, and a changing plan reads one for each relation it changes, several times).
  public init?(canonical text: String) {
    if text == "operator" {
      self = .operator
      return
    }
    var text = text
    let read = text.withUTF8 { bytes -> PrincipalID? in
      guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
      let kind = UnsafeBufferPointer(rebasing: bytes[..<colon])
      let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(colon + 1)...]), as: UTF8.self)
      if kind.elementsEqual("user".utf8) { return .user(name) }
      if kind.elementsEqual("group".utf8) { return .group(name) }
      if kind.elementsEqual("robot".utf8) { return .robot(name) }
      if kind.elementsEqual("app".utf8) { return .app(name) }
      return nil
    }
    guard let read else { return nil }
    self = read
  }
}

extension AccessModel {
  /// The model's configured content as a snapshot: each kind's table, the kinds on every core
  /// at once.
  public var snapshot: StateSnapshot {
    var snapshot = StateSnapshot()
    for table in ObjectKind.allCases.parallelMap({ snapshotTable($0) }) { snapshot.replace(table) }
    return snapshot
  }

  /// One kind's objects, as a snapshot holds them: a plan compares the state with the
  /// configuration a kind at a time, so that no whole second snapshot is held (and relations by
  /// their keys alone, ``forEachRelationKey(_:_:)``).
  public func snapshotTable(_ kind: ObjectKind) -> StateSnapshot.Table {
    var table = StateSnapshot.Table(kind: kind)
    func add(_ key: String, _ fields: Fields) { table[key] = StateObject(kind: kind, key: key, fields: fields) }
    switch kind {
    case .organization:
      var org: Fields = [
        "name": .string(organization.name), "platform": .string(organization.platform),
        "signInMode": .string(organization.signIn.mode.rawValue),
        "requireTwoFactor": .bool(organization.signIn.requireTwoFactor),
        "autoProvisioning": .bool(organization.autoProvisioning),
        "minAdmins": .number(Double(organization.safety.minAdmins)),
        "maxRemovalRatio": .number(organization.safety.maxRemovalRatio),
      ]
      org["tier"] = organization.tier.map(FieldValue.string)
      if !organization.fullyManaged.isEmpty { org["fullyManaged"] = .list(organization.fullyManaged.map(\.rawValue)) }
      org["signInProvider"] = organization.signIn.provider.map(FieldValue.string)
      add("organization", org)
    case .tenant:
      for tenant in tenants.values { add(tenant.name, tenant.stateFields) }
    case .role:
      for role in customRoles.values { add(role.id, role.stateFields) }
    case .user:
      table.reserve(users.count)
      var writer = FieldsWriter()
      for user in users.values { add(user.email.userKey, user.stateFields(writer: &writer)) }
    case .group:
      table.reserve(groups.count)
      for group in groups.values where !group.isDefault { add(group.name, group.stateFields) }
    case .robot:
      for robot in robots.values { add(robot.name, robot.description.map { ["description": .string($0)] } ?? [:]) }
    case .app:
      for app in apps.values {
        var fields: Fields = [:]
        fields["appId"] = app.appId.map(FieldValue.string)
        fields["description"] = app.description.map(FieldValue.string)
        add(app.name, fields)
      }
    case .membership:
      table.reserve(groups.values.reduce(0) { $0 + $1.members.count })
      forEachRelationKey(kind) { table.insert($0, own: nil) }
    case .binding:
      table.reserve(bindingCount)
      forEachRelationKey(kind) { table.insert($0, own: nil) }
    }
    return table
  }

  /// The keys of a relation kind's objects (memberships or bindings; none for another kind),
  /// each written into one reused buffer and handed to `body` as bytes valid during the call:
  /// no string is made for any. With a `part`, only that share of them (the memberships of that
  /// share of the groups, the bindings of that share of the principals), for comparing the
  /// shares on several cores.
  public func forEachRelationKey(
    _ kind: ObjectKind, part: Part = .whole, _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    var key = KeyWriter()
    // Lists are read by index, each element's fields where they are (an element taken out of
    // its list is a copy of all of them).
    switch kind {
    case .membership:
      for group in part.indices(of: groups.values) {
        // Read once for all its members: read in the loop, the group was copied for each.
        let (name, members) = (groups.values[group].name, groups.values[group].members)
        for i in members.indices {
          StateKey.writeMembership(group: name, member: members[i], into: &key)
          key.withBytes(body)
        }
      }
    case .binding:
      for position in part.indices(of: 0..<bindingsByPrincipal.endPosition) {
        guard let (principal, held) = bindingsByPrincipal.entry(at: position) else { continue }
        for i in held.indices {
          StateKey.writeBinding(principal: principal, role: held[i].role, scope: held[i].scope, into: &key)
          key.withBytes(body)
        }
      }
    default: break
    }
  }

  /// A member as the state writes it (`user:ada@acme.example`), for
  /// ``relate(members:resolve:bindings:found:)``.
  @Sendable public static func member(canonical text: String, in _: AccessModel) throws(ModelError) -> PrincipalID {
    guard let member = PrincipalID(canonical: text) else {
      throw ModelError(.invalidValue, "member '\(text)' is malformed")
    }
    return member
  }

  /// Builds a model from a snapshot through the model's own mutations, so every invariant is
  /// checked again: a snapshot that breaks one is refused with the model's error.
  public init(snapshot: StateSnapshot, catalog: PlatformCatalog) throws(ModelError) {
    guard let org = snapshot.object(.organization, "organization")?.fields else {
      throw ModelError(.invalidValue, "the state has no organisation")
    }
    func text(_ fields: Fields, _ name: String) -> String? { fields[name]?.string }
    func choice<T: RawRepresentable>(_ fields: Fields, _ name: String, _ fallback: T) -> T
    where T.RawValue == String {
      text(fields, name).flatMap(T.init(rawValue:)) ?? fallback
    }
    let organization = Organization(
      name: text(org, "name") ?? "", platform: text(org, "platform") ?? catalog.name, tier: text(org, "tier"),
      signIn: SignInPolicy(
        mode: choice(org, "signInMode", SignInMode.password), provider: text(org, "signInProvider"),
        requireTwoFactor: org["requireTwoFactor"]?.bool ?? false),
      autoProvisioning: org["autoProvisioning"]?.bool ?? false,
      safety: SafetySettings(
        minAdmins: Int(org["minAdmins"]?.number ?? 1), maxRemovalRatio: org["maxRemovalRatio"]?.number ?? 0.25))
    var withPolicy = organization
    withPolicy.fullyManaged = (org["fullyManaged"]?.list ?? []).compactMap(ObjectKind.init(rawValue:))
    try self.init(organization: withPolicy, catalog: catalog)
    reserve(users: snapshot.count(.user), groups: snapshot.count(.group))
    // Each kind in a fixed order, so the same snapshot builds the same model (and the same error).
    func ordered(_ kind: ObjectKind) -> LazyMapSequence<[Int], StateObject> {
      let objects = snapshot.objects(kind)
      return objects.positionsInKeyOrder.lazy.map(objects.object(at:))
    }
    for object in ObjectKind.allCases.filter({ ![.membership, .binding].contains($0) }).flatMap(ordered) {
      let f = object.fields
      switch object.kind {
      case .organization, .membership, .binding:
        continue
      case .tenant:
        try addTenant(Tenant(stateKey: object.key, fields: f))
      case .role:
        try defineRole(Role(stateKey: object.key, fields: f))
      case .user:
        try addUser(User(stateKey: object.key, fields: f))
      case .group:
        try addGroup(Group(stateKey: object.key, fields: f))
      case .robot:
        try addRobot(RobotAccount(name: object.key, description: text(f, "description")))
      case .app:
        try addApp(ExternalApp(name: object.key, appId: text(f, "appId"), description: text(f, "description")))
      }
    }
    // Members in key order are grouped by their group: each group's are packed one after another.
    var members = GroupMembers()
    // Each member's text is a part of its key: the keys' length is room enough.
    members.reserveCapacity(snapshot.count(.membership), bytes: snapshot.objects(.membership).keyBytes)
    for object in ordered(.membership) {
      guard let values = object.relationValues, PrincipalID(canonical: values[1]) != nil else {
        throw ModelError(.invalidValue, "membership '\(object.key)' is malformed")
      }
      members.append(values[1], group: values[0])
    }
    var scopes = Scope.ParseCache()
    let bindings = try ordered(.binding).map { object throws(ModelError) -> Binding in
      guard let values = object.relationValues, let parsed = PrincipalID(canonical: values[0]) else {
        throw ModelError(.invalidValue, "binding '\(object.key)' is malformed")
      }
      // The principal as the model holds it, its text shared: 100,000 bindings each held an
      // email of their own while they waited to be made.
      let principal = existing(parsed) ?? parsed
      do throws(ScopeSyntaxError) {
        return Binding(principal: principal, role: values[1], scope: try scopes.scope(values[2]))
      } catch {
        throw ModelError(.invalidValue, "binding '\(object.key)': \(error.description)")
      }
    }
    let (memberRefusals, bindingRefusals) = relate(
      members: members,
      resolve: Self.member(canonical:in:), bindings: consume bindings, found: false)
    // The refusal that adding them one by one, members first, would have met first.
    if let first = memberRefusals.first ?? bindingRefusals.first { throw first.refusal }
  }
}

extension Tenant {
  /// The tenant a state's object of this key and fields stands for: its services, each followed
  /// by its folders (`orchestrator`, `orchestrator/Finance`).
  public init(stateKey key: String, fields f: Fields) {
    var services: [TenantService] = []
    for entry in f["services"]?.list ?? [] {
      let parts = entry.split(separator: "/").map(String.init)
      if parts.count == 1 {
        services.append(TenantService(name: parts[0]))
      } else if let i = services.lastIndex(where: { $0.name == parts[0] }) {
        services[i].folders.append(Array(parts.dropFirst()))
      }
    }
    self.init(name: key, services: services)
  }

  /// The tenant's fields as the state keeps them.
  public var stateFields: Fields {
    var services: [String] = []
    for service in self.services {
      services.append(service.name)
      services += service.folders.map { service.name + "/" + $0.joined(separator: "/") }
    }
    return ["services": .list(services)]
  }
}

extension Role {
  /// The custom role a state's object of this key and fields stands for.
  public init(stateKey key: String, fields f: Fields) {
    let grants = (f["permissions"]?.list ?? []).map { entry -> Grant in
      let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
      return Grant(parts[0], condition: parts.count > 1 ? Condition(rawValue: parts[1]) : nil)
    }
    self.init(
      id: key, name: f["name"]?.string ?? key, description: f["description"]?.string,
      levels: (f["levels"]?.list ?? []).compactMap(ScopeLevel.init(rawValue:)), grants: grants, builtIn: false)
  }

  /// The custom role's fields as the state keeps them.
  public var stateFields: Fields {
    var fields: Fields = [
      "name": .string(name), "levels": .list(levels.map(\.rawValue)),
      "permissions": .list(grants.map { $0.permission + ($0.condition.map { ":" + $0.rawValue } ?? "") }),
    ]
    fields["description"] = description.map(FieldValue.string)
    return fields
  }
}

extension User {
  /// The user a state's object of this key and fields stands for.
  public init(stateKey key: String, fields f: Fields) {
    self.init(
      email: f["email"]?.string ?? key, name: f["name"]?.string,
      source: f["source"]?.string.flatMap(PrincipalSource.init(rawValue:)) ?? .local,
      directoryId: f["directoryId"]?.string, twoFactorEnrolled: f["twoFactor"]?.bool ?? false,
      disabled: f["disabled"]?.bool ?? false)
  }

  /// The user's fields as the state keeps them, written with `writer` (kept from user to user).
  public func stateFields(writer: inout FieldsWriter) -> Fields {
    let names = UserFieldNames.shared
    // In name order, as they are kept.
    if let directoryId { writer.field(names.directoryId, string: directoryId) }
    writer.field(names.disabled, disabled)
    writer.field(names.email, string: email)
    if let name { writer.field(names.name, string: name) }
    writer.field(names.source, string: source.rawValue)
    writer.field(names.twoFactor, twoFactorEnrolled)
    return writer.finish()
  }
}

extension Group {
  /// The group a state's object of this key and fields stands for, without its members (each a
  /// membership of its own).
  public init(stateKey key: String, fields f: Fields) {
    self.init(
      name: key, description: f["description"]?.string,
      source: f["source"]?.string.flatMap(PrincipalSource.init(rawValue:)) ?? .local,
      directoryId: f["directoryId"]?.string)
  }

  /// The group's fields as the state keeps them.
  public var stateFields: Fields {
    var fields: Fields = ["source": .string(source.rawValue)]
    fields["description"] = description.map(FieldValue.string)
    fields["directoryId"] = directoryId.map(FieldValue.string)
    return fields
  }
}

/// A user's fields' names, written once (a plan builds 50,000 users' fields).
private struct UserFieldNames: Sendable {
  let directoryId = Fields.Name("directoryId")
  let disabled = Fields.Name("disabled")
  let email = Fields.Name("email")
  let name = Fields.Name("name")
  let source = Fields.Name("source")
  let twoFactor = Fields.Name("twoFactor")

  static let shared = UserFieldNames()
}
