/// JSON values kept flat, for validating large documents without a tree of enums and arrays:
/// one entry per value, and each array's items or object's keys and values as a run of one shared
/// list of entry numbers. A reader that has its own flat tree (the YAML reader) gives it here as
/// it is, without building a ``JSONValue`` per node, and its strings as they are.
public final class JSONTree: Sendable {
  /// One value. An object's run holds, for each member, its key's entry (a string) and then its
  /// value's, so `count` is twice the members.
  public enum Entry: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    /// A string kept in the tree's `texts`, by its index there: a tree made from another
    /// reader's shares that reader's list of texts instead of copying each text into an entry.
    case text(Int32)
    case array(first: Int32, count: Int32)
    case object(first: Int32, count: Int32)
  }

  let entries: [Entry]
  let children: [Int32]
  let texts: [String]
  /// Given the entries when the tree goes, to keep their room for another tree.
  let release: (@Sendable ([Entry]) -> Void)?

  /// `children` holds the runs the collections' `first` and `count` point into, and `texts` the
  /// strings of the `.text` entries; `release` is given `entries` when the tree goes.
  public init(
    entries: [Entry], children: [Int32], texts: [String] = [], release: (@Sendable ([Entry]) -> Void)? = nil
  ) {
    self.entries = entries
    self.children = children
    self.texts = texts
    self.release = release
  }

  deinit { release?(entries) }

  /// The value of entry `index`.
  public subscript(index: Int) -> Node { Node(tree: self, index: Int32(index)) }

  /// The string of entry `index`, if it is one (kept in the entry or in `texts`): as the
  /// validator reads it (``TreeLists/string(at:)``).
  func string(at index: Int32) -> String? { withLists { $0.string(at: index) } }

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
      case .text(let i): return .string(tree.texts[Int(i)])
      case .array: return .array(items.map(\.value))
      case .object:
        // A name given twice (possible in a tree built from another format) keeps its first value,
        // as the validator's ``TreeValue/member(_:)`` finds it.
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

    func key(_ at: Int) -> String { tree.string(at: tree.children[at]) ?? "" }
  }
}

/// What the validator reads of a value: implemented by ``JSONValue`` and by ``TreeValue`` (a
/// value of a ``JSONTree``), so that each is validated as it is, without converting one into
/// the other.
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

/// A value of a tree as the validator reads it: like ``JSONTree/Node``, but reading the tree's
/// lists through pointers that whoever makes one keeps valid for as long as it is read (see
/// ``SchemaValidator/validate(_:against:)-(JSONTree.Node,_)``). The validator makes one for each
/// member and item it visits, and a node holding its tree was a retain and a release of it
/// each time (an atomic pair, as workers validate files at once).
struct TreeValue: JSONInstance {
  let tree: TreeLists
  let index: Int32

  init(_ tree: TreeLists, _ index: Int32) {
    self.tree = tree
    self.index = index
  }

  var kind: JSONKind {
    switch tree.entries[Int(index)] {
    case .null: return .null
    case .bool: return .bool
    case .number: return .number
    case .string, .text: return .string
    case .array: return .array
    case .object: return .object
    }
  }

  var number: Double {
    if case .number(let n) = tree.entries[Int(index)] { return n }
    return 0
  }

  var text: String { tree.string(at: index) ?? "" }

  var items: Items {
    guard case .array(let first, let count) = tree.entries[Int(index)] else {
      return Items(tree: tree, first: 0, count: 0)
    }
    return Items(tree: tree, first: Int(first), count: Int(count))
  }

  var members: Members {
    guard case .object(let first, let count) = tree.entries[Int(index)] else {
      return Members(tree: tree, first: 0, count: 0)
    }
    return Members(tree: tree, first: Int(first), count: Int(count) / 2)
  }

  func member(_ key: String) -> TreeValue? {
    members.value(key)
  }

  var value: JSONValue { tree.owner.takeUnretainedValue()[Int(index)].value }

  struct Items: RandomAccessCollection {
    let tree: TreeLists
    let first: Int
    let count: Int

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> TreeValue {
      precondition(position >= 0 && position < count, "index out of range")
      return TreeValue(tree, tree.children[first + position])
    }
  }

  struct Members: RandomAccessCollection {
    let tree: TreeLists
    let first: Int
    let count: Int

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> (key: String, value: TreeValue) {
      precondition(position >= 0 && position < count, "index out of range")
      let at = first + 2 * position
      return (tree.string(at: tree.children[at]) ?? "", TreeValue(tree, tree.children[at + 1]))
    }

    /// The first member named `key`.
    func value(_ key: String) -> TreeValue? {
      var at = first
      let end = first + 2 * count
      while at < end {
        switch tree.entries[Int(tree.children[at])] {
        case .text(let i) where tree.texts[Int(i)] == key: return TreeValue(tree, tree.children[at + 1])
        case .string(let name) where name == key: return TreeValue(tree, tree.children[at + 1])
        default: break
        }
        at += 2
      }
      return nil
    }
  }
}

/// A tree's lists as buffers, valid while the tree is held (and `owner`, not retained).
struct TreeLists {
  let entries: UnsafeBufferPointer<JSONTree.Entry>
  let children: UnsafeBufferPointer<Int32>
  let texts: UnsafeBufferPointer<String>
  let owner: Unmanaged<JSONTree>

  /// The string of entry `index`, if it is one (as ``JSONTree/string(at:)``).
  func string(at index: Int32) -> String? {
    switch entries[Int(index)] {
    case .string(let text): return text
    case .text(let i): return texts[Int(i)]
    default: return nil
    }
  }
}

extension JSONTree {
  /// Runs `body` with the tree's lists as buffers, valid during the call.
  func withLists<R>(_ body: (TreeLists) -> R) -> R {
    entries.withUnsafeBufferPointer { entries in
      children.withUnsafeBufferPointer { children in
        texts.withUnsafeBufferPointer { texts in
          body(TreeLists(entries: entries, children: children, texts: texts, owner: .passUnretained(self)))
        }
      }
    }
  }
}
