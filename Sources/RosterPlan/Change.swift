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
  /// Every field that differs, with its value before and after.
  public var fields: [FieldChange]
  /// For a rename: the key before.
  public var from: String?

  public init(action: Action, kind: ObjectKind, key: String, fields: [FieldChange], from: String? = nil) {
    self.action = action
    self.kind = kind
    self.key = key
    self.fields = fields
    self.from = from
  }

  /// The key's parts: `group␟member` and `principal␟role␟scope` for relations, the key itself
  /// for other kinds.
  public var keyParts: [String] { StateKey.parts(key) }

  /// `user ada@acme.example`; relations read as `binding user:ada → administrator at organization`.
  public var address: String {
    guard kind == .membership || kind == .binding else {
      return "\(kind.rawValue) \(key)" + (from.map { " (renamed from \($0))" } ?? "")
    }
    let parts = keyParts
    switch kind {
    case .membership where parts.count == 2: return "membership \(parts[1]) in group '\(parts[0])'"
    case .binding where parts.count == 3: return "binding \(parts[0]) → \(parts[1]) at \(parts[2])"
    default: return "\(kind.rawValue) \(key)" + (from.map { " (renamed from \($0))" } ?? "")
    }
  }

  /// The object's fields after the change (for create and update).
  func applied(to before: Fields) -> Fields {
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
    for change in changes {
      let current = object(change.kind, change.key)
      switch change.action {
      case .create:
        guard current == nil else {
          throw ApplyConflict(description: "\(change.address) already exists")
        }
        insert(StateObject(kind: change.kind, key: change.key, fields: change.applied(to: [:])))
      case .rename:
        guard current == nil else { throw ApplyConflict(description: "\(change.address): the new name is taken") }
        guard let from = change.from, let old = object(change.kind, from) else {
          throw ApplyConflict(description: "\(change.address): there is nothing to rename")
        }
        for field in change.fields where old.fields[field.field] != field.before {
          throw ApplyConflict(
            description: "\(change.address): '\(field.field)' is \(old.fields[field.field]?.description ?? "unset"), "
              + "not \(field.before?.description ?? "unset") as planned")
        }
        remove(change.kind, from)
        insert(StateObject(kind: change.kind, key: change.key, fields: change.applied(to: old.fields)))
      case .update, .delete, .adopt:
        guard let current else { throw ApplyConflict(description: "\(change.address) no longer exists") }
        for field in change.fields where current.fields[field.field] != field.before {
          throw ApplyConflict(
            description:
              "\(change.address): '\(field.field)' is \(current.fields[field.field]?.description ?? "unset"), "
              + "not \(field.before?.description ?? "unset") as planned")
        }
        if change.action == .delete {
          remove(change.kind, change.key)
        } else {
          insert(StateObject(kind: change.kind, key: change.key, fields: change.applied(to: current.fields)))
        }
      }
    }
  }
}
