internal import CYAML

/// Bounds that keep a hostile file from exhausting time or memory.
public struct YAMLLimits: Sendable {
  /// The largest input accepted, in bytes.
  public var maxInputBytes: Int
  /// The deepest nesting of sequences and mappings.
  public var maxDepth: Int
  /// The most nodes that aliases may stand for, counted with their whole subtrees.
  public var maxAliasedNodes: Int

  public init(maxInputBytes: Int = 256 << 20, maxDepth: Int = 128, maxAliasedNodes: Int = 100_000) {
    self.maxInputBytes = maxInputBytes
    self.maxDepth = maxDepth
    self.maxAliasedNodes = maxAliasedNodes
  }

  public static let `default` = YAMLLimits()
}

/// A problem found while reading YAML, with its place.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    /// Not well-formed YAML, including invalid UTF-8 and forbidden characters.
    case syntax
    /// A mapping states the same key twice.
    case duplicateKey
    /// An alias names an anchor that was not defined before it.
    case unknownAnchor
    /// A limit of ``YAMLLimits`` was passed.
    case limit
  }

  public var kind: Kind
  public var message: String
  public var file: String
  public var mark: YAMLMark
  /// Where a related construct started (the first occurrence of a duplicate key, the
  /// mapping a syntax error happened in).
  public var related: YAMLMark?

  public var description: String { "\(file):\(mark): \(message)" }
}

/// The documents read from one source, and what went wrong.
public struct YAMLStream: Sendable {
  public var documents: [YAMLDocument]
  /// Every problem found. After a syntax or limit error reading stops, so the documents
  /// hold only those completed before it; duplicate keys do not stop reading.
  public var errors: [YAMLError]
}

/// Reads YAML 1.2 with libyaml into a ``YAMLTree`` per source whose nodes keep their positions.
///
/// It knows nothing of what the documents mean: several documents per source, core-schema
/// scalars, duplicate keys reported, aliases expanded within ``YAMLLimits/maxAliasedNodes``,
/// nesting within ``YAMLLimits/maxDepth``.
public enum YAMLReader {
  /// Reads every document of `bytes`. `file` names the source in marks and errors. With a
  /// `pool`, the tree is read into lists that trees read with it let go, and gives its own back
  /// when it goes (see ``YAMLListPool``).
  public static func read(
    _ bytes: [UInt8], file: String, limits: YAMLLimits = .default, reusing pool: YAMLListPool? = nil
  ) -> YAMLStream {
    if bytes.count > limits.maxInputBytes {
      let error = YAMLError(
        kind: .limit,
        message: "file is \(bytes.count) bytes, more than the limit of \(limits.maxInputBytes)",
        file: file, mark: YAMLMark(line: 1, column: 1))
      return YAMLStream(documents: [], errors: [error])
    }
    return bytes.withUnsafeBufferPointer { buffer in
      var builder = TreeBuilder(file: file, limits: limits, pool: pool)
      builder.run(buffer)
      return builder.finish()
    }
  }

  /// Reads every document of a string.
  public static func read(
    _ text: String, file: String, limits: YAMLLimits = .default
  ) -> YAMLStream {
    read(Array(text.utf8), file: file, limits: limits)
  }
}

/// Turns libyaml's event stream into a flat tree, with an explicit stack (no recursion, so depth
/// is bounded by the limit, not by the thread's stack).
///
/// A collection's children are gathered on one shared list while it is open and copied as one run
/// into `children` when it closes; its entry follows them. Nothing is allocated per node.
private struct TreeBuilder {
  /// An open collection. Plain values only (its rare anchor and key index are kept apart, by
  /// its depth): one is made and let go for each collection.
  struct Frame {
    var isMapping: Bool
    var line: Int32
    var column: Int32
    var tag: Int32
    /// Whether it has an anchor (in `frameAnchors`).
    var hasAnchor: Bool
    /// Where this collection's children start on `pending`, and its keys on `keys`.
    var childStart: Int
    var keyStart: Int
    /// A key read whose value has not come yet (-1: none).
    var pendingKey: Int32 = -1
    /// Whether this mapping's keys are indexed (in `keyIndexes`): once it has more than sixteen
    /// (most have a handful, found faster by looking through them).
    var indexed = false
    /// Nodes in the subtree, counting aliases by what they stand for.
    var weight = 1
  }

  let file: String
  let limits: YAMLLimits
  var entries: [YAMLTree.Entry] = []
  var scalars: [YAMLTree.Scalar] = []
  var texts: [String] = []
  var children: [Int32] = []
  var tags: [String] = []
  /// The mapping keys whose text is not their value (keys that are not strings), for the JSON.
  var textKeys: [Int32] = []
  /// Each finished document's index and root entry.
  var roots: [(index: Int, root: Int32)] = []
  var errors: [YAMLError] = []
  var stack: [Frame] = []
  /// The anchors and the key indexes of the open collections that have them, by depth.
  var frameAnchors: [Int: String] = [:]
  var keyIndexes: [Int: [KeyIdentity: Int32]] = [:]
  /// The children of the open collections, innermost last.
  var pending = PlainStack<Int32>()
  /// The keys of the open mappings, with where each appeared.
  var keys = PlainStack<Key>()
  /// The keys' identities that are not text (null, booleans, numbers), in this document.
  var otherKeys: [KeyIdentity] = []

  /// A key's identity and its node (a struct, not a tuple: the runtime destroys a list of
  /// tuples element by element through their type's description, and every mapping's keys go
  /// when it ends). The identity is coded as a number, so that the usual key, a string, is
  /// compared where its text is, without a ``KeyIdentity`` made (and its text's reference
  /// counted) for it: `n` ≥ 0 is the text of scalar `n`, -1 is "" (the text of a key that is a
  /// collection), and -2 - `n` is `otherKeys[n]`.
  struct Key {
    var identity: Int32
    var node: Int32
  }
  var anchors: [String: (node: Int32, weight: Int)] = [:]
  var shortTexts = ShortTexts()
  var aliasedNodes = 0
  var documentRoot: Int32 = -1
  /// The bytes being read: libyaml gives reader errors as a byte offset, counted here into
  /// a line and column.
  var input = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

  let pool: YAMLListPool?

  init(file: String, limits: YAMLLimits, pool: YAMLListPool?) {
    self.file = file
    self.limits = limits
    self.pool = pool
  }

  /// The documents completed, over one tree, and the problems found.
  consuming func finish() -> YAMLStream {
    let tree = YAMLTree(
      entries: entries, scalars: scalars, texts: texts, children: children, tags: tags, textKeys: textKeys,
      pool: pool)
    let documents = roots.map { YAMLDocument(file: file, index: $0.index, root: YAMLNode(tree, $0.root)) }
    return YAMLStream(documents: documents, errors: errors)
  }

  mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) {
    input = buffer
    // Room for the nodes of typical configuration (about one node in 13 bytes, three in four a
    // scalar) from the start: grown by doubling, the lists were copied, and each copy's memory
    // taken from the system afresh, half the page faults of reading a configuration. Memory
    // reserved but never written is not taken (large blocks are mapped on their own).
    let nodes = buffer.count / 10 + 16
    if let lists = pool?.takeTree() {
      (entries, scalars, texts, children) = (lists.entries, lists.scalars, lists.texts, lists.children)
    }
    entries.reserveCapacity(nodes)
    children.reserveCapacity(nodes)
    scalars.reserveCapacity(nodes * 3 / 4)
    texts.reserveCapacity(nodes * 3 / 4)
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else {
      fail(.limit, "libyaml could not allocate a parser", YAMLMark(line: 1, column: 1))
      return
    }
    defer { yaml_parser_delete(&parser) }
    if let base = buffer.baseAddress {
      yaml_parser_set_input_string(&parser, base, buffer.count)
    } else {
      var empty: UInt8 = 0
      yaml_parser_set_input_string(&parser, &empty, 0)
    }
    var event = yaml_event_t()
    while true {
      guard yaml_parser_parse(&parser, &event) == 1 else {
        syntaxError(parser)
        return
      }
      let done = event.type == YAML_STREAM_END_EVENT
      let ok = handle(&event)
      yaml_event_delete(&event)
      if done || !ok { return }
    }
  }

  private mutating func syntaxError(_ parser: yaml_parser_t) {
    let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
    var message = problem
    var related: YAMLMark?
    if let context = parser.context.map({ String(cString: $0) }) {
      let at = mark(parser.context_mark)
      message += " (\(context) at line \(at.line), column \(at.column))"
      related = at
    }
    // libyaml reports byte offsets for reader errors (bad UTF-8, control characters)
    // through problem_offset, and places for scanner and parser errors.
    let at: YAMLMark
    if parser.error == YAML_READER_ERROR {
      var offset = Int(parser.problem_offset)
      // For a bad trailing octet libyaml points past the sequence's lead byte: report
      // the character that is broken, where it starts.
      if problem.contains("trailing") {
        var lead = offset - 1
        while lead >= 0, offset - lead <= 3, input[lead] & 0xC0 == 0x80 { lead -= 1 }
        if lead >= 0, input[lead] & 0xC0 == 0xC0 { offset = lead }
      }
      at = position(ofOffset: offset)
      message = readerMessage(problem, value: parser.problem_value, offset: parser.problem_offset)
    } else {
      at = mark(parser.problem_mark)
    }
    errors.append(
      YAMLError(kind: .syntax, message: message, file: file, mark: at, related: related))
  }

  private func readerMessage(_ problem: String, value: Int32, offset: Int) -> String {
    if problem.contains("UTF-8") || problem.contains("UTF-16") {
      return "\(problem): the file is not valid UTF-8 (byte offset \(offset)); save it as UTF-8"
    }
    if value >= 0 {
      let hex = String(value, radix: 16, uppercase: true)
      return "\(problem) (U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex))"
    }
    return problem
  }

  private func position(ofOffset offset: Int) -> YAMLMark {
    var line = 1
    var column = 1
    var i = 0
    let end = min(offset, input.count)
    while i < end {
      let byte = input[i]
      if byte == 0x0A {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
      i += 1
    }
    return YAMLMark(line: line, column: column)
  }

  private func mark(_ m: yaml_mark_t) -> YAMLMark {
    YAMLMark(line: Int(m.line) + 1, column: Int(m.column) + 1)
  }

  private mutating func fail(_ kind: YAMLError.Kind, _ message: String, _ at: YAMLMark) {
    errors.append(YAMLError(kind: kind, message: message, file: file, mark: at))
  }

  private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    guard let pointer else { return nil }
    return String(cString: pointer)
  }

  /// Handles one event; false stops reading.
  private mutating func handle(_ event: inout yaml_event_t) -> Bool {
    let line = Int32(truncatingIfNeeded: event.start_mark.line + 1)
    let column = Int32(truncatingIfNeeded: event.start_mark.column + 1)
    switch event.type {
    case YAML_DOCUMENT_START_EVENT:
      stack.removeAll()
      frameAnchors.removeAll()
      keyIndexes.removeAll()
      pending.cut(to: 0)
      keys.cut(to: 0)
      otherKeys.removeAll()
      anchors.removeAll()
      documentRoot = -1
    case YAML_DOCUMENT_END_EVENT:
      if documentRoot >= 0 { roots.append((roots.count, documentRoot)) }
      documentRoot = -1
    case YAML_SCALAR_EVENT:
      let data = event.data.scalar
      let text = data.value.map { shortTexts.text(UnsafeBufferPointer(start: $0, count: Int(data.length))) } ?? ""
      let style: YAMLScalarStyle
      switch data.style {
      case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
      case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
      case YAML_LITERAL_SCALAR_STYLE: style = .literal
      case YAML_FOLDED_SCALAR_STYLE: style = .folded
      default: style = .plain
      }
      let tag = Self.string(data.tag)
      // Most scalars are strings at a glance: quoted or block ones, and plain words that start
      // with a byte no other type starts with.
      let resolved: YAMLScalar.Resolved
      if tag == nil,
        style != .plain || (data.length > 0 && data.value.map { Self.startsOnlyStrings($0[0]) } == true)
      {
        resolved = .string
      } else {
        resolved = YAMLScalar.resolve(text, plain: style == .plain, tag: tag)
      }
      scalars.append(YAMLTree.Scalar(style: style, resolved: resolved))
      texts.append(consume text)
      entries.append(
        YAMLTree.Entry(
          kind: .scalar, line: line, column: column, tag: record(tag), first: Int32(scalars.count - 1), count: 0))
      return add(Int32(entries.count - 1), weight: 1, anchor: Self.string(data.anchor))
    case YAML_ALIAS_EVENT:
      let name = Self.string(event.data.alias.anchor) ?? ""
      let at = YAMLMark(line: Int(line), column: Int(column))
      guard let (node, weight) = anchors[name] else {
        fail(.unknownAnchor, "alias '*\(name)' refers to no anchor defined before it", at)
        return false
      }
      aliasedNodes += weight
      if aliasedNodes > limits.maxAliasedNodes {
        fail(
          .limit,
          "aliases expand to more than \(limits.maxAliasedNodes) nodes; "
            + "a file that multiplies aliases (a 'billion laughs') is refused", at)
        return false
      }
      // The alias is the anchored node again (sharing its children), at the alias's place.
      var copy = entries[Int(node)]
      copy.line = line
      copy.column = column
      entries.append(copy)
      return add(Int32(entries.count - 1), weight: weight, anchor: nil)
    case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
      let isMapping = event.type == YAML_MAPPING_START_EVENT
      if stack.count >= limits.maxDepth {
        fail(.limit, "nesting is deeper than \(limits.maxDepth) levels", YAMLMark(line: Int(line), column: Int(column)))
        return false
      }
      let tag =
        isMapping
        ? Self.string(event.data.mapping_start.tag) : Self.string(event.data.sequence_start.tag)
      let anchor =
        isMapping
        ? Self.string(event.data.mapping_start.anchor)
        : Self.string(event.data.sequence_start.anchor)
      if let anchor { frameAnchors[stack.count] = anchor }
      stack.append(
        Frame(
          isMapping: isMapping, line: line, column: column, tag: record(tag), hasAnchor: anchor != nil,
          childStart: pending.count, keyStart: keys.count))
    case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
      guard let frame = stack.popLast() else { return true }
      let anchor = frame.hasAnchor ? frameAnchors.removeValue(forKey: stack.count) : nil
      if frame.indexed { keyIndexes[stack.count] = nil }
      let start = children.count
      children.append(contentsOf: pending.top(from: frame.childStart))
      pending.cut(to: frame.childStart)
      keys.cut(to: frame.keyStart)
      entries.append(
        YAMLTree.Entry(
          kind: frame.isMapping ? .mapping : .sequence, line: frame.line, column: frame.column, tag: frame.tag,
          first: Int32(start), count: Int32(children.count - start)))
      return add(Int32(entries.count - 1), weight: frame.weight, anchor: anchor)
    default:
      break
    }
    return true
  }

  /// Whether a plain scalar that starts with `byte` can only be a string: null, booleans and
  /// numbers start with one of `nNtTfF~.+-` or a digit.
  @inline(__always)
  private static func startsOnlyStrings(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"),
      UInt8(ascii: "F"), UInt8(ascii: "~"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return false
    default:
      return true
    }
  }

  /// Keeps an explicit tag; its index, or -1 for none.
  @inline(__always)
  private mutating func record(_ tag: String?) -> Int32 {
    guard let tag else { return -1 }
    tags.append(tag)
    return Int32(tags.count - 1)
  }

  private func mark(of node: Int32) -> YAMLMark {
    let entry = entries[Int(node)]
    return YAMLMark(line: Int(entry.line), column: Int(entry.column))
  }

  /// Places a completed node into its parent (or as the document's root).
  private mutating func add(_ node: Int32, weight: Int, anchor: String?) -> Bool {
    if let anchor { anchors[anchor] = (node, weight) }
    guard !stack.isEmpty else {
      documentRoot = node
      return true
    }
    let top = stack.count - 1
    stack[top].weight += weight
    guard stack[top].isMapping else {
      pending.append(node)
      return true
    }
    let key = stack[top].pendingKey
    guard key >= 0 else {
      stack[top].pendingKey = node
      return true
    }
    stack[top].pendingKey = -1
    let keyEntry = entries[Int(key)]
    // Keys are the same when their values are (YAML's rule), and when their texts are, since
    // the tree is read as JSON, where every key is its text: `1` and `"1"` are one name there.
    // A key that is a collection is "" as JSON. A string key's value is its text, so only the
    // other keys are recorded twice (see ``Key`` for the codes).
    let identity: Int32?
    let name: Int32?
    if keyEntry.kind == .scalar {
      let scalar = keyEntry.first
      if case .string = scalars[Int(scalar)].resolved {
        (identity, name) = (scalar, nil)
      } else {
        otherKeys.append(keyIdentity(ofScalar: scalar))
        (identity, name) = (-1 - Int32(otherKeys.count), scalar)
        textKeys.append(key)
      }
    } else {
      textKeys.append(key)
      (identity, name) = (nil, -1)
    }
    if let first = identity.flatMap({ firstKey($0, in: top) }) ?? name.flatMap({ firstKey($0, in: top) }) {
      errors.append(duplicateKey(key, first: first))
      return true
    }
    if let identity { recordKey(identity, key, in: top) }
    if let name { recordKey(name, key, in: top) }
    pending.append(key)
    pending.append(node)
    return true
  }

  /// The error for key node `key`, a duplicate of the earlier key node `first`.
  private func duplicateKey(_ key: Int32, first: Int32) -> YAMLError {
    let (keyEntry, firstEntry) = (entries[Int(key)], entries[Int(first)])
    let text = keyEntry.kind == .scalar ? "'\(texts[Int(keyEntry.first)])'" : "that is a collection"
    let sameValue =
      keyEntry.kind == .scalar && firstEntry.kind == .scalar
      && keyIdentity(ofScalar: keyEntry.first) == keyIdentity(ofScalar: firstEntry.first)
    let why =
      sameValue
      ? ""
      : keyEntry.kind == .scalar && firstEntry.kind == .scalar
        ? "; keys are read as text, quoted or not" : "; a key that is a collection reads as \"\""
    let at = mark(of: first)
    return YAMLError(
      kind: .duplicateKey,
      message: "duplicate key \(text) (first defined at line \(at.line), column \(at.column)\(why))",
      file: file, mark: mark(of: key), related: at)
  }

  /// The identity of the scalar `index` as a key.
  private func keyIdentity(ofScalar index: Int32) -> KeyIdentity {
    KeyIdentity(text: texts[Int(index)], resolved: scalars[Int(index)].resolved)
  }

  /// The identity a ``Key`` code stands for.
  private func keyIdentity(_ code: Int32) -> KeyIdentity {
    code >= 0 ? .string(texts[Int(code)]) : code == -1 ? .string("") : otherKeys[Int(-2 - code)]
  }

  /// Whether two ``Key`` codes stand for the same identity, compared where the texts are.
  private func same(_ a: Int32, _ b: Int32) -> Bool {
    if a == b { return true }
    switch (a >= -1, b >= -1) {
    case (true, true):
      if a == -1 { return texts[Int(b)].isEmpty }
      if b == -1 { return texts[Int(a)].isEmpty }
      return texts[Int(a)] == texts[Int(b)]
    case (false, false): return otherKeys[Int(-2 - a)] == otherKeys[Int(-2 - b)]
    default: return false
    }
  }

  /// The key node of the mapping `frame` that `identity` (a ``Key`` code) first appeared as,
  /// if it did.
  private func firstKey(_ identity: Int32, in frame: Int) -> Int32? {
    if stack[frame].indexed { return keyIndexes[frame]?[keyIdentity(identity)] }
    for key in keys.top(from: stack[frame].keyStart) where same(key.identity, identity) { return key.node }
    return nil
  }

  /// Records a new key of the mapping `frame`; past sixteen keys they are indexed.
  private mutating func recordKey(_ identity: Int32, _ node: Int32, in frame: Int) {
    if stack[frame].indexed {
      keyIndexes[frame, default: [:]][keyIdentity(identity)] = node
      return
    }
    keys.append(Key(identity: identity, node: node))
    let start = stack[frame].keyStart
    if keys.count - start > 16 {
      keyIndexes[frame] = Dictionary(
        keys.top(from: start).map { (keyIdentity($0.identity), $0.node) }, uniquingKeysWith: { first, _ in first })
      stack[frame].indexed = true
      keys.cut(to: start)
    }
  }
}

/// What makes two mapping keys the same: their core-schema values (`1` and `01` are; floats by
/// their text, so every `.nan` is one key); the reader also compares each key that is not a
/// string by its text, as `.string` (so `1` and `"1"` are one key, as they are in JSON).
enum KeyIdentity: Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case float(String)
  case string(String)

  init(text: String, resolved: YAMLScalar.Resolved) {
    switch resolved {
    case .null: self = .null
    case .bool(let b): self = .bool(b)
    case .int(let i): self = .int(i)
    case .float(let d): self = .float("\(d)")
    case .string: self = .string(text)
    }
  }
}

/// The texts of short scalars read lately, each kept with its bytes, so that a text read again
/// (a key, `true`, a role's name: half the scalars of a list of users) is the string
/// made before, not one made anew, whose UTF-8 is checked first (220 instructions a scalar, 710,000
/// scalars at 50,000 users). A text of 15 bytes or fewer is held in its string itself, so
/// sharing one costs no reference count.
struct ShortTexts {
  /// A text read before: its bytes as two words (see ``text(_:)``), its count, and its string.
  private struct Slot {
    var first: UInt64 = 0
    var second: UInt64 = 0
    var count = 0
    var text = ""
  }

  /// 64 slots, each text's found by the top bits of a hash of its words.
  private static let slotBits = 6
  private var slots = [Slot](repeating: Slot(), count: 1 << slotBits)

  /// The text of `utf8` (decoded as `String(decoding:as:)` does).
  @inline(__always)
  mutating func text(_ utf8: UnsafeBufferPointer<UInt8>) -> String {
    let count = utf8.count
    guard count > 0, count < 16, let start = utf8.baseAddress else {
      return String(decoding: utf8, as: UTF8.self)
    }
    // The bytes as two words read from where they are, the second ending at the last byte
    // (with the count, that says which bytes they are).
    let bytes = UnsafeRawPointer(start)
    let first: UInt64
    let second: UInt64
    if count >= 8 {
      first = bytes.loadUnaligned(as: UInt64.self)
      second = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    } else if count >= 4 {
      first = UInt64(bytes.loadUnaligned(as: UInt32.self))
      second = UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
    } else {
      first = UInt64(start[0]) | UInt64(start[count / 2]) << 8
      second = UInt64(start[count - 1])
    }
    let hash = ((first ^ second) &+ UInt64(count)) &* 0x9E37_79B9_7F4A_7C15
    let index = Int(truncatingIfNeeded: hash >> (64 - Self.slotBits))
    return slots.withUnsafeMutableBufferPointer { slots in
      if slots[index].count == count, slots[index].first == first, slots[index].second == second {
        return slots[index].text
      }
      let text = String(decoding: utf8, as: UTF8.self)
      slots[index] = Slot(first: first, second: second, count: count, text: text)
      return text
    }
  }
}

/// A list of plain values used as a stack, cut back by its count alone: an array cut back with
/// `removeLast(_:)` or `removeSubrange(_:)` goes through the generic `replaceSubrange` (80
/// instructions), twice for each collection read (400,000 times at 50,000 users).
struct PlainStack<Element: BitwiseCopyable> {
  private var storage: [Element] = []
  private(set) var count = 0

  @inline(__always)
  mutating func append(_ element: Element) {
    if count < storage.count {
      storage[count] = element
    } else {
      storage.append(element)
    }
    count += 1
  }

  /// Drops the elements from `index` on.
  @inline(__always)
  mutating func cut(to index: Int) { count = index }

  /// The elements from `index` on.
  @inline(__always)
  func top(from index: Int) -> ArraySlice<Element> { storage[index..<count] }
}
