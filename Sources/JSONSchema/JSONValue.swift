/// A JSON value: what a schema is made of and what it validates.
///
/// Numbers are `Double`s; `1` and `1.0` are the same number, as JSON Schema requires.
/// Objects keep their keys' order, so that everything derived from them is deterministic.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// The member `key` of an object (nil for other values or a missing key).
  public subscript(key: String) -> JSONValue? {
    if case .object(let object) = self { return object[key] }
    return nil
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var objectValue: JSONObject? {
    if case .object(let o) = self { return o }
    return nil
  }

  public var numberValue: Double? {
    if case .number(let n) = self { return n }
    return nil
  }

  /// True for a number with no fractional part (`1.0` is an integer).
  public var isInteger: Bool {
    if case .number(let n) = self { return Self.isInteger(n) }
    return false
  }

  static func isInteger(_ number: Double) -> Bool { number.isFinite && number.rounded(.towardZero) == number }

  /// JSON equality: strings compare code point by code point (Swift's `==` on `String` would
  /// call a precomposed "é" equal to "e" plus a combining accent; JSON Schema does not).
  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)): return x == y
    default: return false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch self {
    case .null: hasher.combine(0)
    case .bool(let b): hasher.combine(b)
    case .number(let n): hasher.combine(n)
    case .string(let s): hasher.combine(Array(s.utf8))
    case .array(let a): hasher.combine(a)
    case .object(let o): hasher.combine(o)
    }
  }

  /// The JSON type name: null, boolean, number, string, array, object.
  public var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "boolean"
    case .number: return isInteger ? "integer" : "number"
    case .string: return "string"
    case .array: return "array"
    case .object: return "object"
    }
  }
}

/// A JSON object whose members keep the order they were written in; equality ignores order.
///
/// Members are kept in one array: most objects in configuration have a handful of members, which
/// are found faster by looking through them than by hashing. Past sixteen members an index by name
/// is kept beside them.
public struct JSONObject: Sendable, Hashable {
  /// The members in written order.
  public private(set) var members: [(key: String, value: JSONValue)] = []
  private var index: [String: Int]?

  public init() {}

  public init(_ pairs: [(String, JSONValue)]) {
    members.reserveCapacity(pairs.count)
    for (key, value) in pairs { self[key] = value }
  }

  /// The member names in written order.
  public var keys: [String] { members.map(\.key) }

  private func position(of key: String) -> Int? {
    if let index { return index[key] }
    return members.firstIndex { $0.key == key }
  }

  public subscript(key: String) -> JSONValue? {
    get { position(of: key).map { members[$0].value } }
    set {
      switch (position(of: key), newValue) {
      case (let i?, let value?):
        members[i].value = value
      case (nil, let value?):
        members.append((key, value))
        if index != nil {
          index?[key] = members.count - 1
        } else if members.count > 16 {
          index = Dictionary(members.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        }
      case (let i?, nil):
        members.remove(at: i)
        if index != nil {
          index = Dictionary(members.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        }
      case (nil, nil):
        break
      }
    }
  }

  public var count: Int { members.count }

  public static func == (a: JSONObject, b: JSONObject) -> Bool {
    a.count == b.count && a.members.allSatisfy { b[$0.key] == $0.value }
  }

  /// Independent of the members' order, as equality is.
  public func hash(into hasher: inout Hasher) {
    var combined = 0
    for member in members {
      var one = Hasher()
      one.combine(member.key)
      one.combine(member.value)
      combined ^= one.finalize()
    }
    hasher.combine(members.count)
    hasher.combine(combined)
  }
}
