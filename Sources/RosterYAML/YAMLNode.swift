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
  /// The value under the YAML 1.2 core schema (or the scalar's explicit `!!` tag).
  public var value: YAMLScalarValue

  public init(text: String, style: YAMLScalarStyle = .plain, tag: String? = nil) {
    self.text = text
    self.style = style
    self.value = YAMLScalarValue.resolve(text, plain: style == .plain, tag: tag)
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

/// One node of a YAML document, with the place it starts.
public struct YAMLNode: Sendable {
  public enum Content: Sendable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode])
    case mapping([YAMLPair])
  }

  public var content: Content
  public var mark: YAMLMark
  /// The explicit tag, if any, in its full form (`tag:yaml.org,2002:str` for `!!str`).
  public var tag: String?

  public init(_ content: Content, mark: YAMLMark, tag: String? = nil) {
    self.content = content
    self.mark = mark
    self.tag = tag
  }

  /// The scalar, when this node is one.
  public var scalar: YAMLScalar? {
    if case .scalar(let s) = content { return s }
    return nil
  }

  /// The items, when this node is a sequence.
  public var sequence: [YAMLNode]? {
    if case .sequence(let items) = content { return items }
    return nil
  }

  /// The pairs in source order, when this node is a mapping.
  public var mapping: [YAMLPair]? {
    if case .mapping(let pairs) = content { return pairs }
    return nil
  }

  /// The scalar's text when this node is a string scalar (quoted, or plain and not another type).
  public var string: String? {
    if case .scalar(let s) = content, case .string(let text) = s.value { return text }
    return nil
  }

  /// True for a null scalar (`~`, `null`, or nothing at all).
  public var isNull: Bool {
    if case .scalar(let s) = content, case .null = s.value { return true }
    return false
  }

  /// The value for a string key of a mapping, if this node is a mapping that has it.
  public subscript(key: String) -> YAMLNode? {
    guard case .mapping(let pairs) = content else { return nil }
    return pairs.first { $0.key.string == key }?.value
  }

  /// A word for the node's kind, for messages: "mapping", "sequence", or the scalar's type.
  public var kindName: String {
    switch content {
    case .scalar(let s): return s.value.typeName
    case .sequence: return "sequence"
    case .mapping: return "mapping"
    }
  }
}

/// A key and its value in a mapping.
public struct YAMLPair: Sendable {
  public var key: YAMLNode
  public var value: YAMLNode

  public init(key: YAMLNode, value: YAMLNode) {
    self.key = key
    self.value = value
  }
}

/// One document of a YAML stream.
public struct YAMLDocument: Sendable {
  /// The name of the source (a path), as given to the reader.
  public var file: String
  /// 0-based position of the document in its file.
  public var index: Int
  public var root: YAMLNode
}
