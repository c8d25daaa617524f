import RosterModel
import RosterYAML

/// Collects diagnostics while documents are decoded, so every problem is reported at once.
final class DiagnosticSink {
  private(set) var items: [Diagnostic] = []

  func add(_ diagnostic: Diagnostic) { items.append(diagnostic) }

  func error(_ rule: Rule, _ message: String, file: String, at mark: YAMLMark, hint: String? = nil) {
    add(Diagnostic(.error, rule, message, at: SourceLocation(file: file, mark: mark), hint: hint))
  }

  func warning(_ rule: Rule, _ message: String, file: String, at mark: YAMLMark, hint: String? = nil) {
    add(Diagnostic(.warning, rule, message, at: SourceLocation(file: file, mark: mark), hint: hint))
  }

  /// Reports a refused model mutation at the node that asked for it.
  func refused(_ error: any Error, file: String, at mark: YAMLMark) {
    guard let error = error as? ModelError else {
      self.error(.invalidCatalog, "\(error)", file: file, at: mark)
      return
    }
    add(
      Diagnostic(
        .error, Rule.forModelError(error), error.message, at: SourceLocation(file: file, mark: mark),
        hint: error.suggestion.map { "did you mean '\($0)'?" }))
  }
}

extension SourceLocation {
  init(file: String, mark: YAMLMark) {
    self.init(file: file, line: mark.line, column: mark.column)
  }
}

/// Reads one mapping strictly: unknown fields, missing required fields and wrong types are
/// reported with their place; what can be read is returned.
///
/// Not copyable: a reader is used where it is made. Taken out of its failable initializer's
/// optional (`guard let r = MappingReader(...)`), a copyable one was copied and the optional
/// destroyed through the runtime's generic witness, five references retained and released for
/// each of 50,000 users (a validate at 10,000 users 1,195.5 → 1,184.9 M instructions).
struct MappingReader: ~Copyable {
  let node: YAMLNode
  let file: String
  let sink: DiagnosticSink
  let what: String
  /// The known keys' values, in written order: a handful, found faster by looking than by hashing.
  private var values: [Value] = []

  /// A key and its value (a struct, not a tuple: the runtime destroys a list of tuples element
  /// by element through their type's description, and a reader goes with every mapping read).
  private struct Value {
    var key: String
    var value: YAMLNode
  }

  /// Nil (and an error) when `node` is not a mapping. Unknown keys are reported here.
  init?(_ node: YAMLNode, file: String, sink: DiagnosticSink, what: String, keys: [String]) {
    self.node = node
    self.file = file
    self.sink = sink
    self.what = what
    guard let pairs = node.mapping else {
      sink.error(.wrongType, "\(what) must be a mapping, not a \(node.kindName)", file: file, at: node.mark)
      return nil
    }
    values.reserveCapacity(pairs.count)
    for pair in pairs {
      guard let key = pair.key.string else {
        sink.error(
          .wrongType, "keys of \(what) must be strings, not a \(pair.key.kindName)", file: file, at: pair.key.mark)
        continue
      }
      guard keys.contains(key) else {
        let hint = closestMatch(to: key, in: keys).map { "did you mean '\($0)'?" }
        sink.error(
          .unknownField, "unknown field '\(key)' in \(what)", file: file, at: pair.key.mark,
          hint: hint ?? "known fields: \(keys.joined(separator: ", "))")
        continue
      }
      values.append(Value(key: key, value: pair.value))
    }
  }

  /// The node for a key, or nil (and an error when required).
  func node(_ key: String, required: Bool = false) -> YAMLNode? {
    if let value = values.first(where: { $0.key == key })?.value { return value }
    if required {
      sink.error(.missingField, "\(what) needs '\(key)'", file: file, at: node.mark)
    }
    return nil
  }

  func has(_ key: String) -> Bool { values.contains { $0.key == key } }

  /// A string field. Numbers and booleans are refused, with a hint to quote them.
  func string(_ key: String, required: Bool = false) -> String? {
    guard let value = node(key, required: required) else { return nil }
    return Self.string(value, file: file, sink: sink, what: "'\(key)' of \(what)")
  }

  /// `what` is written only for a problem: most values are fine, and describing each cost more
  /// than reading it.
  static func string(_ value: YAMLNode, file: String, sink: DiagnosticSink, what: @autoclosure () -> String)
    -> String?
  {
    if let text = value.string {
      if text.isEmpty {
        sink.error(.wrongType, "\(what()) must not be empty", file: file, at: value.mark)
        return nil
      }
      return text
    }
    var hint: String?
    if let scalar = value.scalar { hint = "quote it to make it a string: '\(scalar.text)'" }
    sink.error(
      .wrongType, "\(what()) must be a string, not a \(value.kindName)", file: file, at: value.mark, hint: hint)
    return nil
  }

  func bool(_ key: String) -> Bool? {
    guard let value = node(key) else { return nil }
    if case .scalar(let s) = value.content, case .bool(let b) = s.value { return b }
    var hint: String?
    if let text = value.scalar?.text, ["yes", "no", "on", "off", "y", "n"].contains(text.lowercased()) {
      hint = "YAML 1.2 reads '\(text)' as a string; write true or false"
    }
    sink.error(
      .wrongType, "'\(key)' of \(what) must be true or false, not a \(value.kindName)", file: file,
      at: value.mark, hint: hint)
    return nil
  }

  func int(_ key: String) -> Int? {
    guard let value = node(key) else { return nil }
    if case .scalar(let s) = value.content, case .int(let i) = s.value { return i }
    sink.error(
      .wrongType, "'\(key)' of \(what) must be an integer, not a \(value.kindName)", file: file, at: value.mark)
    return nil
  }

  func number(_ key: String) -> Double? {
    guard let value = node(key) else { return nil }
    if case .scalar(let s) = value.content {
      if case .int(let i) = s.value { return Double(i) }
      if case .float(let d) = s.value { return d }
    }
    sink.error(.wrongType, "'\(key)' of \(what) must be a number, not a \(value.kindName)", file: file, at: value.mark)
    return nil
  }

  /// One of a fixed set of words.
  func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type, required: Bool = false) -> T?
  where T.RawValue == String {
    guard let value = node(key, required: required) else { return nil }
    guard let text = Self.string(value, file: file, sink: sink, what: "'\(key)' of \(what)") else { return nil }
    if let result = T(rawValue: text) { return result }
    let allowed = T.allCases.map(\.rawValue)
    sink.error(
      .wrongType, "'\(key)' of \(what) must be one of \(allowed.joined(separator: ", ")), not '\(text)'",
      file: file, at: value.mark, hint: closestMatch(to: text, in: allowed).map { "did you mean '\($0)'?" })
    return nil
  }

  /// A sequence field's items (a missing field is an empty list unless required).
  func list(_ key: String, required: Bool = false) -> YAMLSequence {
    guard let value = node(key, required: required) else { return .empty }
    if value.isNull { return .empty }
    guard let items = value.sequence else {
      sink.error(.wrongType, "'\(key)' of \(what) must be a list, not a \(value.kindName)", file: file, at: value.mark)
      return .empty
    }
    return items
  }

  /// A list of strings, each with its node.
  func strings(_ key: String, required: Bool = false) -> [(String, YAMLNode)] {
    list(key, required: required).compactMap { item in
      Self.string(item, file: file, sink: sink, what: "an item of '\(key)' in \(what)").map { ($0, item) }
    }
  }

  /// A nested mapping field.
  func mapping(_ key: String, keys: [String]) -> MappingReader? {
    guard let value = node(key) else { return nil }
    return MappingReader(value, file: file, sink: sink, what: "'\(key)' of \(what)", keys: keys)
  }
}
