import Foundation
import KeyBytes
import Synchronization

/// A regular expression of a schema (`pattern`, `patternProperties`), compiled once; held by
/// reference, as every string value that has one reads it.
final class Pattern: @unchecked Sendable {
  // NSRegularExpression is immutable and documented thread-safe; the cache is behind its lock.
  let source: String
  let expression: NSRegularExpression
  /// The text to look for, when the pattern is plain text without any special character.
  let literal: [UInt8]?
  let cache = PatternCache()

  init(_ source: String) throws(SchemaLoadError) {
    self.source = source
    do {
      expression = try NSRegularExpression(pattern: source)
    } catch {
      throw SchemaLoadError("'\(source)' is not a valid regular expression")
    }
    let special = Set("\\^$.|?*+()[]{}".utf8)
    literal = source.utf8.contains(where: special.contains) ? nil : Array(source.utf8)
  }

  /// Whether the pattern matches anywhere in `text` (patterns are not anchored).
  func matches(_ text: String) -> Bool {
    if let literal {
      return text.utf8.withContiguousStorageIfAvailable { Self.contains($0, literal) }
        ?? Self.contains(Array(text.utf8), literal)
    }
    if let known = cache.answer(text) { return known }
    let answer = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    cache.remember(text, answer)
    return answer
  }

  static func contains<Bytes: RandomAccessCollection<UInt8>>(_ text: Bytes, _ part: [UInt8]) -> Bool
  where Bytes.Index == Int {
    guard !part.isEmpty else { return true }
    guard text.count >= part.count else { return false }
    let first = text.startIndex
    for start in first...(first + text.count - part.count) where text[start] == part[0] {
      if text[start..<(start + part.count)].elementsEqual(part) { return true }
    }
    return false
  }
}

/// Answers a pattern already gave: the same few hundred scope texts recur across a hundred
/// thousand bindings, and NSRegularExpression is slow on Linux. Bounded, so hostile input cannot
/// grow it without end. The texts are found by their bytes (``KeyIndex``): in a dictionary of
/// strings, hashing each text with Swift's hasher and comparing it with the key found was most
/// of a lookup's thousand instructions.
final class PatternCache: Sendable {
  private struct Answers {
    var texts = KeyIndex()
    var answers: [Bool] = []
  }
  private let answers = Mutex(Answers())
  static let capacity = 4_096

  func answer(_ text: String) -> Bool? {
    var text = text
    return text.withUTF8 { bytes in
      answers.withLock { known in known.texts.position(of: bytes).map { known.answers[$0] } }
    }
  }

  func remember(_ text: String, _ answer: Bool) {
    var text = text
    text.withUTF8 { bytes in
      answers.withLock { known in
        guard known.answers.count < Self.capacity, known.texts.insert(bytes).inserted else { return }
        known.answers.append(answer)
      }
    }
  }
}

/// A reference to link: the absolute URI, and the node it names once linked.
struct Link: Sendable {
  var uri: String
  var target: Int?
  /// For `$dynamicRef` to a plain-name fragment: the anchor name looked up in the dynamic scope.
  var dynamicName: String?
}

/// One schema (an object or a boolean), with its keywords compiled.
struct SchemaNode: Sendable {
  var always: Bool?
  /// The URI of the schema resource it belongs to.
  var resource: String
  /// Where it is: resource URI and JSON Pointer, for keyword locations.
  var location: String
  var ref: Link?
  var dynamicRef: Link?
  var dynamicAnchor: String?

  var types: [String]?
  var enumValues: [JSONValue]?
  var const: JSONValue?
  var multipleOf: Double?
  var maximum: Double?
  var exclusiveMaximum: Double?
  var minimum: Double?
  var exclusiveMinimum: Double?
  var maxLength: Int?
  var minLength: Int?
  var pattern: Pattern?
  var maxItems: Int?
  var minItems: Int?
  var uniqueItems = false
  var maxContains: Int?
  var minContains: Int?
  var maxProperties: Int?
  var minProperties: Int?
  var required: [String] = []
  var dependentRequired: [(String, [String])] = []

  var properties: [String: Int] = [:]
  var propertyOrder: [String] = []
  var patternProperties: [(Pattern, Int)] = []
  var additionalProperties: Int?
  var propertyNames: Int?
  var prefixItems: [Int] = []
  var items: Int?
  var contains: Int?
  var allOf: [Int] = []
  var anyOf: [Int] = []
  var oneOf: [Int] = []
  var not: Int?
  var ifSchema: Int?
  var thenSchema: Int?
  var elseSchema: Int?
  var dependentSchemas: [(String, Int)] = []
  var unevaluatedItems: Int?
  var unevaluatedProperties: Int?

  init(resource: String, location: String) {
    self.resource = resource
    self.location = location
  }
}

private let applicatorVocabulary = "https://json-schema.org/draft/2020-12/vocab/applicator"
private let validationVocabulary = "https://json-schema.org/draft/2020-12/vocab/validation"
private let unevaluatedVocabulary = "https://json-schema.org/draft/2020-12/vocab/unevaluated"

extension SchemaRegistry {
  /// Indexes and compiles a schema and everything inside it; returns its node.
  ///
  /// `enclosing` lists every resource the schema is inside, each with the JSON Pointer from that
  /// resource's root, so that `outer#/$defs/inner` and `inner#` both find it.
  mutating func walk(
    _ json: JSONValue, base: URIReference, enclosing: [(String, String)], vocabulary: Set<String>?
  ) throws(SchemaLoadError) -> Int {
    var base = base
    var enclosing = enclosing
    var vocabulary = vocabulary
    let id = nodes.count
    guard case .object(let object) = json else {
      guard case .bool(let value) = json else {
        throw SchemaLoadError("\(base.text)#\(enclosing.last?.1 ?? ""): a schema is an object or a boolean")
      }
      var node = SchemaNode(resource: base.text, location: base.text + "#" + (enclosing.last?.1 ?? ""))
      node.always = value
      nodes.append(node)
      register(id, enclosing: enclosing)
      return id
    }
    if let text = object["$id"]?.stringValue {
      base = URIReference(text).resolved(against: base).withoutFragment
      resources[base.text] = json
      enclosing.append((base.text, ""))
    }
    if let metaschema = object["$schema"]?.stringValue {
      vocabulary = vocabularies[URIReference(metaschema).withoutFragment.text]
    }
    nodes.append(SchemaNode(resource: base.text, location: base.text + "#" + (enclosing.last?.1 ?? "")))
    register(id, enclosing: enclosing)
    if let anchor = object["$anchor"]?.stringValue { index[base.text + "#" + anchor] = id }
    if let anchor = object["$dynamicAnchor"]?.stringValue {
      index[base.text + "#" + anchor] = index[base.text + "#" + anchor] ?? id
      dynamicAnchors[base.text, default: [:]][anchor] = id
      nodes[id].dynamicAnchor = anchor
    }

    let applies = { (vocab: String) in vocabulary.map { $0.contains(vocab) } ?? true }
    func sub(_ json: JSONValue, _ tokens: String...) throws(SchemaLoadError) -> Int {
      let suffix = tokens.map { "/" + pointerEscaped($0) }.joined()
      return try walk(
        json, base: base, enclosing: enclosing.map { ($0.0, $0.1 + suffix) }, vocabulary: vocabulary)
    }
    func subs(_ key: String) throws(SchemaLoadError) -> [Int] {
      guard let value = object[key] else { return [] }
      guard case .array(let list) = value else { throw SchemaLoadError("'\(key)' must be an array of schemas") }
      var ids: [Int] = []
      for (i, item) in list.enumerated() { ids.append(try sub(item, key, String(i))) }
      return ids
    }
    func map(_ key: String) throws(SchemaLoadError) -> [(String, Int)] {
      guard let value = object[key] else { return [] }
      guard case .object(let members) = value else { throw SchemaLoadError("'\(key)' must be an object") }
      var out: [(String, Int)] = []
      for (name, item) in members.members { out.append((name, try sub(item, key, name))) }
      return out
    }
    func one(_ key: String) throws(SchemaLoadError) -> Int? {
      guard let value = object[key] else { return nil }
      return try sub(value, key)
    }
    func number(_ key: String) -> Double? { object[key]?.numberValue }
    func count(_ key: String) -> Int? { object[key]?.numberValue.map { Int($0) } }

    // Core: references, and $defs so that they are indexed.
    var node = nodes[id]
    if let ref = object["$ref"]?.stringValue {
      node.ref = Link(uri: URIReference(ref).resolved(against: base).text)
    }
    if let ref = object["$dynamicRef"]?.stringValue {
      let reference = URIReference(ref)
      let name = reference.fragment.flatMap { $0.isEmpty || $0.hasPrefix("/") ? nil : $0 }
      node.dynamicRef = Link(uri: reference.resolved(against: base).text, dynamicName: name)
    }
    nodes[id] = node
    _ = try map("$defs")
    _ = try map("definitions")

    // Applicators (subschemas are walked for their identifiers even when the vocabulary is off).
    let prefixItems = try subs("prefixItems")
    let items = try one("items")
    let contains = try one("contains")
    let properties = try map("properties")
    let patternProperties = try map("patternProperties")
    let additionalProperties = try one("additionalProperties")
    let propertyNames = try one("propertyNames")
    let dependentSchemas = try map("dependentSchemas")
    let allOf = try subs("allOf")
    let anyOf = try subs("anyOf")
    let oneOf = try subs("oneOf")
    let not = try one("not")
    let ifSchema = try one("if")
    let thenSchema = try one("then")
    let elseSchema = try one("else")
    let unevaluatedItems = try one("unevaluatedItems")
    let unevaluatedProperties = try one("unevaluatedProperties")
    _ = try one("contentSchema")

    node = nodes[id]
    if applies(applicatorVocabulary) {
      node.prefixItems = prefixItems
      node.items = items
      node.contains = contains
      node.properties = Dictionary(properties, uniquingKeysWith: { a, _ in a })
      node.propertyOrder = properties.map(\.0)
      for (source, target) in patternProperties { node.patternProperties.append((try Pattern(source), target)) }
      node.additionalProperties = additionalProperties
      node.propertyNames = propertyNames
      node.dependentSchemas = dependentSchemas
      node.allOf = allOf
      node.anyOf = anyOf
      node.oneOf = oneOf
      node.not = not
      node.ifSchema = ifSchema
      node.thenSchema = thenSchema
      node.elseSchema = elseSchema
    }
    if applies(unevaluatedVocabulary) {
      node.unevaluatedItems = unevaluatedItems
      node.unevaluatedProperties = unevaluatedProperties
    }
    if applies(validationVocabulary) {
      switch object["type"] {
      case .string(let type)?: node.types = [type]
      case .array(let types)?: node.types = types.compactMap(\.stringValue)
      default: break
      }
      node.enumValues = object["enum"]?.arrayValue
      node.const = object["const"]
      node.multipleOf = number("multipleOf")
      node.maximum = number("maximum")
      node.exclusiveMaximum = number("exclusiveMaximum")
      node.minimum = number("minimum")
      node.exclusiveMinimum = number("exclusiveMinimum")
      node.maxLength = count("maxLength")
      node.minLength = count("minLength")
      if let source = object["pattern"]?.stringValue { node.pattern = try Pattern(source) }
      node.maxItems = count("maxItems")
      node.minItems = count("minItems")
      node.uniqueItems = object["uniqueItems"] == .bool(true)
      node.maxContains = count("maxContains")
      node.minContains = count("minContains")
      node.maxProperties = count("maxProperties")
      node.minProperties = count("minProperties")
      node.required = object["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
      for (name, list) in object["dependentRequired"]?.objectValue?.members ?? [] {
        node.dependentRequired.append((name, list.arrayValue?.compactMap(\.stringValue) ?? []))
      }
    }
    nodes[id] = node
    return id
  }

  private mutating func register(_ id: Int, enclosing: [(String, String)]) {
    for (uri, pointer) in enclosing where index[uri + "#" + pointer] == nil {
      index[uri + "#" + pointer] = id
    }
  }
}
