/// A place in a YAML source: 1-based line and column (columns count characters, not bytes).
public struct YAMLMark: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public static func < (a: YAMLMark, b: YAMLMark) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }

  public var description: String { "\(line):\(column)" }
}

/// How a scalar was written; quoted and block scalars are always strings.
public enum YAMLScalarStyle: Sendable, Hashable {
  case plain
  case singleQuoted
  case doubleQuoted
  case literal
  case folded
}

/// A scalar as written, with the value the YAML 1.2 core schema gives it.
public struct YAMLScalar: Sendable, Hashable {
  /// The scalar's text after unescaping and folding, as the parser delivered it.
  public var text: String
  public var style: YAMLScalarStyle
  /// The value's type, and the value but for a string's, which is the text (kept once: a
  /// string scalar's value held its text again, a second reference counted for each).
  let resolved: Resolved

  enum Resolved: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string
  }

  public init(text: String, style: YAMLScalarStyle = .plain, tag: String? = nil) {
    self.text = text
    self.style = style
    self.resolved = Self.resolve(text, plain: style == .plain, tag: tag)
  }

  init(text: String, style: YAMLScalarStyle, resolved: Resolved) {
    self.text = text
    self.style = style
    self.resolved = resolved
  }

  /// The value under the YAML 1.2 core schema (or the scalar's explicit `!!` tag).
  public var value: YAMLScalarValue {
    switch resolved {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(i)
    case .float(let f): return .float(f)
    case .string: return .string(text)
    }
  }
}

/// The typed value of a scalar.
public enum YAMLScalarValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)

  /// A short name of the type, for messages: "null", "boolean", "integer", "number", "string".
  public var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "boolean"
    case .int: return "integer"
    case .float: return "number"
    case .string: return "string"
    }
  }
}

/// The nodes of one YAML source, kept flat: one small record per node, a mapping's keys and values
/// and a sequence's items as runs of one shared list, scalars in two arrays (how each was written
/// and what it is; its text). Reading a file makes a few large arrays instead of an allocation
/// per node; ``YAMLNode`` is a place in it.
public final class YAMLTree: Sendable {
  struct Entry: Sendable {
    enum Kind: UInt8, Sendable { case scalar, sequence, mapping }
    var kind: Kind
    var line: Int32
    var column: Int32
    /// The index into `tags`, or -1 for no explicit tag.
    var tag: Int32
    /// A scalar's index into `scalars` and `texts`; a collection's first child in `children`.
    var first: Int32
    /// A collection's number of children (a mapping's keys and values both count).
    var count: Int32
  }

  /// A scalar but for its text.
  struct Scalar: Sendable {
    var style: YAMLScalarStyle
    var resolved: YAMLScalar.Resolved
  }

  let entries: [Entry]
  let scalars: [Scalar]
  /// The scalars' texts, apart: the tree's JSON shares this list (``YAMLTree/json``).
  let texts: [String]
  let children: [Int32]
  let tags: [String]
  /// The mapping keys (entries) whose JSON name is not their value: keys that are not strings.
  let textKeys: [Int32]
  /// Where the tree's lists go when it goes, and where its JSON's come from.
  let pool: YAMLListPool?

  init(
    entries: [Entry], scalars: [Scalar], texts: [String], children: [Int32], tags: [String], textKeys: [Int32] = [],
    pool: YAMLListPool? = nil
  ) {
    self.entries = entries
    self.scalars = scalars
    self.texts = texts
    self.children = children
    self.tags = tags
    self.textKeys = textKeys
    self.pool = pool
  }

  deinit {
    pool?.give(YAMLListPool.TreeLists(entries: entries, scalars: scalars, texts: texts, children: children))
  }

  /// Scalar `index` whole.
  func scalar(_ index: Int32) -> YAMLScalar {
    let scalar = scalars[Int(index)]
    return YAMLScalar(text: texts[Int(index)], style: scalar.style, resolved: scalar.resolved)
  }
}

/// One node of a YAML document, with the place it starts: a light reference into its ``YAMLTree``.
public struct YAMLNode: Sendable {
  public enum Content: Sendable {
    case scalar(YAMLScalar)
    case sequence(YAMLSequence)
    case mapping(YAMLMapping)
  }

  let tree: YAMLTree
  let index: Int32

  init(_ tree: YAMLTree, _ index: Int32) {
    self.tree = tree
    self.index = index
  }

  var entry: YAMLTree.Entry { tree.entries[Int(index)] }

  public var content: Content {
    let entry = self.entry
    switch entry.kind {
    case .scalar: return .scalar(tree.scalar(entry.first))
    case .sequence: return .sequence(YAMLSequence(tree: tree, first: Int(entry.first), count: Int(entry.count)))
    case .mapping: return .mapping(YAMLMapping(tree: tree, first: Int(entry.first), count: Int(entry.count) / 2))
    }
  }

  public var mark: YAMLMark {
    let entry = self.entry
    return YAMLMark(line: Int(entry.line), column: Int(entry.column))
  }

  /// The explicit tag, if any, in its full form (`tag:yaml.org,2002:str` for `!!str`).
  public var tag: String? {
    let tag = entry.tag
    return tag < 0 ? nil : tree.tags[Int(tag)]
  }

  /// The scalar, when this node is one.
  public var scalar: YAMLScalar? {
    let entry = self.entry
    return entry.kind == .scalar ? tree.scalar(entry.first) : nil
  }

  /// The items, when this node is a sequence.
  public var sequence: YAMLSequence? {
    let entry = self.entry
    guard entry.kind == .sequence else { return nil }
    return YAMLSequence(tree: tree, first: Int(entry.first), count: Int(entry.count))
  }

  /// The pairs in source order, when this node is a mapping.
  public var mapping: YAMLMapping? {
    let entry = self.entry
    guard entry.kind == .mapping else { return nil }
    return YAMLMapping(tree: tree, first: Int(entry.first), count: Int(entry.count) / 2)
  }

  /// The scalar's text when this node is a string scalar (quoted, or plain and not another type).
  public var string: String? {
    let entry = self.entry
    guard entry.kind == .scalar, case .string = tree.scalars[Int(entry.first)].resolved else { return nil }
    return tree.texts[Int(entry.first)]
  }

  /// True for a null scalar (`~`, `null`, or nothing at all).
  public var isNull: Bool {
    let entry = self.entry
    guard entry.kind == .scalar, case .null = tree.scalars[Int(entry.first)].resolved else { return false }
    return true
  }

  /// The value for a string key of a mapping, if this node is a mapping that has it.
  public subscript(key: String) -> YAMLNode? {
    mapping?.first { $0.key.string == key }?.value
  }

  /// A word for the node's kind, for messages: "mapping", "sequence", or the scalar's type.
  public var kindName: String {
    let entry = self.entry
    switch entry.kind {
    case .scalar: return tree.scalar(entry.first).value.typeName
    case .sequence: return "sequence"
    case .mapping: return "mapping"
    }
  }
}

/// A sequence's items, in source order.
public struct YAMLSequence: RandomAccessCollection, Sendable {
  let tree: YAMLTree
  let first: Int
  public let count: Int

  /// No items (for a list that is absent or null).
  public static let empty = YAMLSequence(
    tree: YAMLTree(entries: [], scalars: [], texts: [], children: [], tags: []), first: 0, count: 0)

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }

  public subscript(position: Int) -> YAMLNode {
    precondition(position >= 0 && position < count, "index out of range")
    return YAMLNode(tree, tree.children[first + position])
  }
}

/// A mapping's pairs, in source order.
public struct YAMLMapping: RandomAccessCollection, Sendable {
  let tree: YAMLTree
  let first: Int
  public let count: Int

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }

  public subscript(position: Int) -> YAMLPair {
    precondition(position >= 0 && position < count, "index out of range")
    let at = first + 2 * position
    return YAMLPair(key: YAMLNode(tree, tree.children[at]), value: YAMLNode(tree, tree.children[at + 1]))
  }
}

/// A key and its value in a mapping.
public struct YAMLPair: Sendable {
  public var key: YAMLNode
  public var value: YAMLNode
}

/// One document of a YAML stream.
public struct YAMLDocument: Sendable {
  /// The name of the source (a path), as given to the reader.
  public var file: String
  /// 0-based position of the document in its file.
  public var index: Int
  public var root: YAMLNode
}
