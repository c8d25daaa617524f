import RosterModel

/// One field of an object before and after a change (nil = unset).
public struct FieldChange: Sendable, Hashable, Codable {
  public var field: String
  public var before: FieldValue?
  public var after: FieldValue?

  public init(field: String, before: FieldValue?, after: FieldValue?) {
    self.field = field
    self.before = before
    self.after = after
  }
}

/// One change of a plan: an object created, updated (field by field) or removed.
public struct Change: Sendable, Hashable, Codable {
  public enum Action: String, Sendable, Hashable, Codable {
    case create
    case update
    /// The object keeps its fields and history under a new key (`previously:`).
    case rename
    /// Roster takes over an object as it is: one it did not create, or one changed outside git in
    /// the way the configuration now says. No field changes; from now on it is managed.
    case adopt
    case delete
  }

  public var action: Action
  public var kind: ObjectKind
  public var key: String
  /// Every field that differs, with its value before and after. A relation created or removed
  /// (`group␟member`, `principal␟role␟scope`) changes exactly its key's parts: those are read
  /// from its key when asked for, not held by each of a first plan's 200,000 changes.
  public var fields: [FieldChange] {
    get {
      switch own {
      case nil: keyFields
      case .listed(let fields): fields
      case .created(let fields): fields.map { FieldChange(field: $0.key, before: nil, after: $0.value) }
      case .removed(let fields): fields.map { FieldChange(field: $0.key, before: $0.value, after: nil) }
      case .renamed(let rename): rename.fields
      }
    }
    set {
      if let from {
        own = .renamed(Rename(from: from, fields: newValue))
      } else {
        own = newValue == keyFields ? nil : .listed(newValue)
      }
    }
  }
  /// For a rename: the key before.
  public var from: String? {
    if case .renamed(let rename) = own { rename.from } else { nil }
  }
  /// Fields other than a created or removed relation's key parts (nil: exactly those).
  private var own: Own?

  /// What a change holds of its fields (and, for a rename, of its key before), in one word: a
  /// first plan holds 235,000 changes. An object created or removed holds the object's own
  /// fields, shared with the state it came from, and lists them field by field only when asked:
  /// a first plan creates 50,000 users, whose fields so listed took four times the room.
  private enum Own: Sendable, Hashable {
    case listed([FieldChange])
    /// Every field set, from nothing.
    case created(Fields)
    /// Every field unset.
    case removed(Fields)
    case renamed(Rename)
  }

  /// A rename's key before and fields; boxed, being rare, so that every change is smaller.
  private final class Rename: Sendable, Hashable {
    let from: String
    let fields: [FieldChange]

    init(from: String, fields: [FieldChange]) {
      self.from = from
      self.fields = fields
    }

    static func == (a: Rename, b: Rename) -> Bool { a.from == b.from && a.fields == b.fields }

    func hash(into hasher: inout Hasher) {
      hasher.combine(from)
      hasher.combine(fields)
    }
  }

  public init(action: Action, kind: ObjectKind, key: String, fields: [FieldChange], from: String? = nil) {
    self.action = action
    self.kind = kind
    self.key = key
    if let from { own = .renamed(Rename(from: from, fields: [])) }
    self.fields = fields
  }

  /// An object created with `fields`, or removed with them.
  public static func whole(_ action: Action, kind: ObjectKind, key: String, fields: Fields) -> Change {
    precondition(action == .create || action == .delete, "only a create or a delete changes every field")
    var change = Change.relation(action, kind: kind, key: key)
    // No fields at all are what `own == nil` says for any kind but a relation (for which it says
    // "its key's parts"): equal changes hash alike.
    guard !fields.isEmpty || StateObject.relationFields(kind) != nil else { return change }
    change.own = action == .create ? .created(fields) : .removed(fields)
    return change
  }

  /// A relation created or removed, its fields its key's parts.
  public static func relation(_ action: Action, kind: ObjectKind, key: String) -> Change {
    var change = Change(action: action, kind: kind, key: key, fields: [])
    change.own = nil
    return change
  }

  /// The fields a relation created or removed changes: its key's parts, set or unset (none for
  /// any other change).
  private var keyFields: [FieldChange] {
    guard action == .create || action == .delete, let names = StateObject.relationFields(kind) else { return [] }
    let parts = keyParts
    guard parts.count == names.count else { return [] }
    return zip(names, parts).map { name, part in
      action == .create
        ? FieldChange(field: name, before: nil, after: .string(part))
        : FieldChange(field: name, before: .string(part), after: nil)
    }
  }

  public static func == (a: Change, b: Change) -> Bool {
    a.action == b.action && a.kind == b.kind && a.key == b.key && a.from == b.from
      && (a.own == nil && b.own == nil || a.fields == b.fields)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(action)
    hasher.combine(kind)
    hasher.combine(key)
    hasher.combine(from)
    if own != nil { hasher.combine(fields) }
  }

  private enum CodingKeys: String, CodingKey { case action, kind, key, fields, from }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      action: try container.decode(Action.self, forKey: .action),
      kind: try container.decode(ObjectKind.self, forKey: .kind),
      key: try container.decode(String.self, forKey: .key),
      fields: try container.decode([FieldChange].self, forKey: .fields),
      from: try container.decodeIfPresent(String.self, forKey: .from))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(action, forKey: .action)
    try container.encode(kind, forKey: .kind)
    try container.encode(key, forKey: .key)
    try container.encode(fields, forKey: .fields)
    try container.encodeIfPresent(from, forKey: .from)
  }

  /// The key's parts: `group␟member` and `principal␟role␟scope` for relations, the key itself
  /// for other kinds.
  public var keyParts: [String] { StateKey.parts(key) }

  /// The binding a binding's key names (`principal␟role␟scope`); nil when the key has not those
  /// parts, or its principal or scope cannot be read. (Read by the undo and the safety rules.)
  public var binding: Binding? {
    let parts = keyParts
    guard parts.count == 3, let principal = PrincipalID(canonical: parts[0]), let scope = try? Scope(parsing: parts[2])
    else { return nil }
    return Binding(principal: principal, role: parts[1], scope: scope)
  }

  /// `user ada@acme.example`; relations read as `binding user:ada → administrator at organization`.
  public var address: String {
    if kind == .membership || kind == .binding, let address = Self.relationAddress(kind, key) { return address }
    return "\(kind.rawValue) \(key)" + (from.map { " (renamed from \($0))" } ?? "")
  }

  /// `membership MEMBER in group 'GROUP'`, `binding PRINCIPAL → ROLE at SCOPE`: written from the
  /// key's bytes into one string (its parts as strings, interpolated, took 4,800 instructions a
  /// change, most of a changing plan's text); nil when the key has not the relation's parts.
  private static func relationAddress(_ kind: ObjectKind, _ key: String) -> String? {
    var key = key
    return key.withUTF8 { bytes -> String? in
      // Where the parts end: at the separators (two at most are kept), the last at the end.
      var (separators, first, second) = (0, 0, 0)
      for i in bytes.indices where bytes[i] == 0x1F {
        separators += 1
        if separators == 1 { first = i } else if separators == 2 { second = i }
      }
      guard separators == (kind == .membership ? 1 : 2) else { return nil }
      func end(_ part: Int) -> Int { part == 0 ? first : part == 1 && separators == 2 ? second : bytes.count }
      // The words added are fewer than 24 bytes.
      return String(unsafeUninitializedCapacity: bytes.count + 24) { out in
        var at = 0
        func put(_ piece: UnsafeBufferPointer<UInt8>) {
          _ = UnsafeMutableBufferPointer(rebasing: out[at...]).initialize(fromContentsOf: piece)
          at += piece.count
        }
        func put(_ words: StaticString) { words.withUTF8Buffer { put($0) } }
        func put(part n: Int) { put(UnsafeBufferPointer(rebasing: bytes[(n == 0 ? 0 : end(n - 1) + 1)..<end(n)])) }
        if kind == .membership {
          put("membership ")
          put(part: 1)
          put(" in group '")
          put(part: 0)
          put("'")
        } else {
          put("binding ")
          put(part: 0)
          put(" → ")
          put(part: 1)
          put(" at ")
          put(part: 2)
        }
        return at
      }
    }
  }

  /// The object's fields before the change, from those after it (for update and delete).
  public func reverted(from after: Fields) -> Fields {
    if case .removed(let fields) = own, after.isEmpty { return fields }
    var fields = after
    for change in self.fields { fields[change.field] = change.before }
    return fields
  }

  /// The object's fields after the change (for create and update).
  func applied(to before: Fields) -> Fields {
    if case .created(let fields) = own, before.isEmpty { return fields }
    var fields = before
    for change in self.fields { fields[change.field] = change.after }
    return fields
  }
}

/// A change that cannot be applied to the state it was planned against.
public struct ApplyConflict: Error, Sendable, CustomStringConvertible {
  public var description: String
}

extension StateSnapshot {
  /// The state after `changes`, each checked against what it expects to find: a create needs the
  /// object absent, an update and a delete need every `before` value to match.
  public func applying(_ changes: [Change]) throws(ApplyConflict) -> StateSnapshot {
    var next = self
    try next.apply(changes)
    return next
  }

  /// Applies `changes` in place (see ``applying(_:)``); on a conflict, the changes before it stay.
  public mutating func apply(_ changes: [Change]) throws(ApplyConflict) {
    // Room for the creates at once: a first apply adds 235,000 objects, and each table grown by
    // doubling would copy its keys several times over.
    var creates = [(count: Int, keyBytes: Int)](repeating: (0, 0), count: ObjectKind.allCases.count)
    for change in changes where change.action == .create {
      creates[change.kind.order].count += 1
      creates[change.kind.order].keyBytes += change.key.utf8.count
    }
    for (kind, room) in zip(ObjectKind.allCases, creates) { reserve(kind, room.count, keyBytes: room.keyBytes) }
    for change in changes {
      let current = object(change.kind, change.key)
      switch change.action {
      case .create:
        guard current == nil else {
          throw ApplyConflict(description: "\(change.address) already exists")
        }
      case .rename:
        guard current == nil else { throw ApplyConflict(description: "\(change.address): the new name is taken") }
        guard let from = change.from, let old = object(change.kind, from) else {
          throw ApplyConflict(description: "\(change.address): there is nothing to rename")
        }
        try Self.check(change, against: old)
      case .update, .delete, .adopt:
        guard let current else { throw ApplyConflict(description: "\(change.address) no longer exists") }
        try Self.check(change, against: current)
      }
      let after = object(after: change)
      if let from = change.from, change.action == .rename { remove(change.kind, from) }
      if let after { insert(after) } else { remove(change.kind, change.key) }
    }
  }

  /// The object `change` leaves, this being the state just before it (nil: it removes the
  /// object, or finds nothing to change). A plan changes each object at most once, so the state
  /// before the whole plan answers for each of its changes: an apply writes from it, without
  /// making the state after.
  public func object(after change: Change) -> StateObject? {
    let before: Fields
    switch change.action {
    case .create: before = [:]
    case .rename:
      guard let from = change.from, let old = object(change.kind, from) else { return nil }
      before = old.fields
    case .update, .adopt:
      guard let current = object(change.kind, change.key) else { return nil }
      before = current.fields
    case .delete: return nil
    }
    return StateObject(kind: change.kind, key: change.key, fields: change.applied(to: before))
  }

  /// Every field's `before` is what `object` holds.
  private static func check(_ change: Change, against object: StateObject) throws(ApplyConflict) {
    for field in change.fields where object.fields[field.field] != field.before {
      throw ApplyConflict(
        description: "\(change.address): '\(field.field)' is \(object.fields[field.field]?.description ?? "unset"), "
          + "not \(field.before?.description ?? "unset") as planned")
    }
  }
}
