/// JSON values kept flat, for validating large documents without a tree of enums and arrays:
/// one entry per value, and each array's items or object's keys and values as a run of one shared
/// list of entry numbers. A reader that has its own flat tree (the YAML reader) gives it here as
/// it is, without building a ``JSONValue`` per node.
public final class JSONTree: Sendable {
  /// One value. An object's run holds, for each member, its key's entry (a string) and then its
  /// value's, so `count` is twice the members.
  public enum Entry: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array(first: Int32, count: Int32)
    case object(first: Int32, count: Int32)
  }

  let entries: [Entry]
  let children: [Int32]

  /// `children` holds the runs the collections' `first` and `count` point into.
  public init(entries: [Entry], children: [Int32]) {
    self.entries = entries
    self.children = children
  }

  /// The value of entry `index`.
  public subscript(index: Int) -> Node { Node(tree: self, index: Int32(index)) }

  /// A value of the tree.
  public struct Node: Sendable {
    let tree: JSONTree
    let index: Int32

    var entry: Entry { tree.entries[Int(index)] }

    /// The value as a ``JSONValue`` (built, with everything under it).
    public var value: JSONValue {
      switch entry {
      case .null: return .null
      case .bool(let b): return .bool(b)
      case .number(let n): return .number(n)
      case .string(let s): return .string(s)
      case .array: return .array(items.map(\.value))
      case .object:
        // A name given twice (possible in a tree built from another format) keeps its first value,
        // as ``member(_:)`` finds it.
        var object = JSONObject()
        for (key, value) in members where object[key] == nil { object[key] = value.value }
        return .object(object)
      }
    }

    /// An array's items (none for other values).
    public var items: Items {
      guard case .array(let first, let count) = entry else { return Items(tree: tree, first: 0, count: 0) }
      return Items(tree: tree, first: Int(first), count: Int(count))
    }

    /// An object's members in written order (none for other values).
    public var members: Members {
      guard case .object(let first, let count) = entry else { return Members(tree: tree, first: 0, count: 0) }
      return Members(tree: tree, first: Int(first), count: Int(count) / 2)
    }
  }

  public struct Items: RandomAccessCollection, Sendable {
    let tree: JSONTree
    let first: Int
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Node {
      precondition(position >= 0 && position < count, "index out of range")
      return Node(tree: tree, index: tree.children[first + position])
    }
  }

  public struct Members: RandomAccessCollection, Sendable {
    let tree: JSONTree
    let first: Int
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> (key: String, value: Node) {
      precondition(position >= 0 && position < count, "index out of range")
      let at = first + 2 * position
      return (key(at), Node(tree: tree, index: tree.children[at + 1]))
    }

    func key(_ at: Int) -> String {
      if case .string(let key) = tree.entries[Int(tree.children[at])] { return key }
      return ""
    }

    /// The first member named `key`.
    func value(_ key: String) -> Node? {
      var at = first
      let end = first + 2 * count
      while at < end {
        if case .string(let name) = tree.entries[Int(tree.children[at])], name == key {
          return Node(tree: tree, index: tree.children[at + 1])
        }
        at += 2
      }
      return nil
    }
  }
}

/// What the validator reads of a value: implemented by ``JSONValue`` and ``JSONTree/Node``, so
/// that each is validated as it is, without converting one into the other.
protocol JSONInstance {
  associatedtype Items: RandomAccessCollection where Items.Element == Self, Items.Index == Int
  associatedtype Members: RandomAccessCollection where Members.Element == (key: String, value: Self)

  var kind: JSONKind { get }
  /// The number, for a number.
  var number: Double { get }
  /// The text, for a string.
  var text: String { get }
  var items: Items { get }
  var members: Members { get }
  /// The first member named `key`, for an object.
  func member(_ key: String) -> Self?
  /// The value itself, for the keywords that compare whole values (`enum`, `const`,
  /// `uniqueItems`) and for messages.
  var value: JSONValue { get }
}

enum JSONKind: UInt8 {
  case null, bool, number, string, array, object

  var bit: UInt8 { 1 << rawValue }
}

extension JSONValue: JSONInstance {
  var kind: JSONKind {
    switch self {
    case .null: return .null
    case .bool: return .bool
    case .number: return .number
    case .string: return .string
    case .array: return .array
    case .object: return .object
    }
  }

  var number: Double {
    if case .number(let n) = self { return n }
    return 0
  }

  var text: String {
    if case .string(let s) = self { return s }
    return ""
  }

  var items: [JSONValue] {
    if case .array(let a) = self { return a }
    return []
  }

  var members: [(key: String, value: JSONValue)] {
    if case .object(let o) = self { return o.members }
    return []
  }

  func member(_ key: String) -> JSONValue? { self[key] }

  var value: JSONValue { self }
}

extension JSONTree.Node: JSONInstance {
  var kind: JSONKind {
    switch entry {
    case .null: return .null
    case .bool: return .bool
    case .number: return .number
    case .string: return .string
    case .array: return .array
    case .object: return .object
    }
  }

  var number: Double {
    if case .number(let n) = entry { return n }
    return 0
  }

  var text: String {
    if case .string(let s) = entry { return s }
    return ""
  }

  func member(_ key: String) -> JSONTree.Node? { members.value(key) }
}
