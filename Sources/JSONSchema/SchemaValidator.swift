/// One way an instance fails its schema, with where in the instance and where in the schema.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
  /// The path to the failing value: object member names and array indices.
  public var instancePath: [String]
  /// The keyword that failed, as a JSON Pointer through the schema as evaluated (`/properties/a/type`).
  public var keywordLocation: String
  /// The failing keyword's absolute location: its resource's URI and a JSON Pointer.
  public var absoluteKeywordLocation: String
  public var message: String
  /// For an unknown property: the names the schema allows there; for `enum`: the allowed values.
  public var candidates: [String] = []

  /// The keyword that failed (`type`, `required`, `additionalProperties`, …).
  public var keyword: String {
    keywordLocation.split(separator: "/").last.map(String.init) ?? ""
  }

  /// `instancePath` as a JSON Pointer (`/users/3/email`).
  public var instanceLocation: String { instancePath.map { "/" + pointerEscaped($0) }.joined() }

  public var description: String { "\(instanceLocation.isEmpty ? "/" : instanceLocation): \(message)" }
}

/// Validates instances against linked schemas. Immutable, so one validator serves any thread.
public struct SchemaValidator: Sendable {
  let registry: SchemaRegistry
  /// References that could not be resolved, each with where it is.
  public let unresolved: [String]
  /// Whether any schema has `unevaluatedProperties` or `unevaluatedItems`.
  let usesUnevaluated: Bool
  /// The registry's nodes, each held once by reference for evaluation.
  let nodes: [CompiledNode]
  /// `$dynamicAnchor`s by the number of their resource (``CompiledNode/resourceNumber``): name → node.
  let dynamicAnchors: [[String: Int]]

  init(registry: SchemaRegistry, unresolved: [String]) {
    self.registry = registry
    self.unresolved = unresolved
    usesUnevaluated = registry.nodes.contains { $0.unevaluatedProperties != nil || $0.unevaluatedItems != nil }
    // Each resource by number: evaluating compares a node's resource with the scope's last for
    // every value.
    var numbers: [String: Int] = [:]
    nodes = registry.nodes.map { node in
      let number = numbers[node.resource] ?? numbers.count
      numbers[node.resource] = number
      return CompiledNode(node, resourceNumber: number)
    }
    var anchors = [[String: Int]](repeating: [:], count: numbers.count)
    for (resource, names) in registry.dynamicAnchors {
      if let number = numbers[resource] { anchors[number] = names }
    }
    dynamicAnchors = anchors
  }

  /// Validates `instance` against the schema known by `uri`.
  /// - Returns: every violation, in instance order (empty when valid).
  public func validate(_ instance: JSONValue, against uri: String) -> [SchemaViolation] {
    run(instance, against: uri)
  }

  /// Validates a value of a flat tree against the schema known by `uri`, as it is.
  public func validate(_ instance: JSONTree.Node, against uri: String) -> [SchemaViolation] {
    // Read through values that do not hold the tree: it is held here until they are done.
    instance.tree.withLists { run(TreeValue($0, instance.index), against: uri) }
  }

  func run<Instance: JSONInstance>(_ instance: Instance, against uri: String) -> [SchemaViolation] {
    // A URI as the registry keeps it is looked up as it is; any other is parsed and normalized
    // first (parsing costs more than validating a small document).
    guard
      let root = registry.index[uri.containsByte { $0 == UInt8(ascii: "#") } ? uri : uri + "#"]
        ?? registry.index[URIReference(uri).withoutFragment.text + "#" + (URIReference(uri).fragment ?? "")]
    else {
      return [
        SchemaViolation(
          instancePath: [], keywordLocation: "", absoluteKeywordLocation: uri, message: "no schema is known by '\(uri)'"
        )
      ]
    }
    // Most instances are valid: a first run only decides whether, without keeping where it is in
    // the instance and the schema (which it would need only for a violation's path); an
    // instance that fails is evaluated again, keeping them, for its violations.
    return nodes.withUnsafeBufferPointer { nodes in
      var quick = Evaluation(nodes: nodes, dynamicAnchors: dynamicAnchors, annotates: usesUnevaluated, tracks: false)
      guard !quick.evaluate(root, instance).valid else { return [] }
      var evaluation = Evaluation(
        nodes: nodes, dynamicAnchors: dynamicAnchors, annotates: usesUnevaluated, tracks: true)
      return evaluation.evaluate(root, instance).errors
    }
  }

  /// Whether the schema known by `uri` accepts `instance`.
  public func isValid(_ instance: JSONValue, against uri: String) -> Bool {
    validate(instance, against: uri).isEmpty
  }
}

/// A compiled schema node held by reference: evaluating reads a node for every value it checks,
/// and copying the node's forty keywords out of an array each time (a retain and a release for
/// each) cost more than the checks themselves.
@dynamicMemberLookup
final class CompiledNode: Sendable {
  let node: SchemaNode
  /// `types` as a set of ``JSONKind``s (`integer` apart): tested for every value, where comparing
  /// the names cost more than the rest of a small value's checks.
  let typeMask: UInt8
  let allowsInteger: Bool
  /// `properties` in a list while there are few: found faster by looking than by hashing.
  let propertyList: [(name: String, node: Int)]?
  /// The target of a schema that is a `$ref` and nothing else (annotations such as `title`
  /// aside): evaluating it is evaluating the target, so it needs no frame of its own. Most
  /// subschemas of a document's schema are such references to shared definitions.
  let onlyRef: Int?
  /// The keywords the node has: evaluating looks only at those (reading one it has not, an
  /// empty list say, was a retain and a release of the list, shared by the threads evaluating).
  let has: Keywords
  /// The node's resource by number, the same for every node of the resource.
  let resourceNumber: Int

  struct Keywords: OptionSet {
    let rawValue: UInt32
    static let ref = Keywords(rawValue: 1 << 0)
    static let dynamicRef = Keywords(rawValue: 1 << 1)
    static let types = Keywords(rawValue: 1 << 2)
    static let enumValues = Keywords(rawValue: 1 << 3)
    static let const = Keywords(rawValue: 1 << 4)
    /// `multipleOf`, `maximum`, `minimum` and their exclusive forms.
    static let number = Keywords(rawValue: 1 << 5)
    /// `maxLength`, `minLength`, `pattern`.
    static let string = Keywords(rawValue: 1 << 6)
    /// The keywords that look at an array's items or count them.
    static let array = Keywords(rawValue: 1 << 7)
    /// The keywords that look at an object's members or count them.
    static let object = Keywords(rawValue: 1 << 8)
    static let allOf = Keywords(rawValue: 1 << 9)
    static let anyOf = Keywords(rawValue: 1 << 10)
    static let oneOf = Keywords(rawValue: 1 << 11)
    static let not = Keywords(rawValue: 1 << 12)
    static let ifSchema = Keywords(rawValue: 1 << 13)
    static let dependentSchemas = Keywords(rawValue: 1 << 14)
    static let unevaluatedItems = Keywords(rawValue: 1 << 15)
    static let unevaluatedProperties = Keywords(rawValue: 1 << 16)

    init(rawValue: UInt32) { self.rawValue = rawValue }

    init(_ node: SchemaNode) {
      var has: Keywords = []
      func add(_ keyword: Keywords, _ present: Bool) { if present { has.insert(keyword) } }
      add(.ref, node.ref != nil)
      add(.dynamicRef, node.dynamicRef != nil)
      add(.types, node.types != nil)
      add(.enumValues, node.enumValues != nil)
      add(.const, node.const != nil)
      add(
        .number,
        node.multipleOf != nil || node.maximum != nil || node.exclusiveMaximum != nil || node.minimum != nil
          || node.exclusiveMinimum != nil)
      add(.string, node.maxLength != nil || node.minLength != nil || node.pattern != nil)
      add(
        .array,
        node.maxItems != nil || node.minItems != nil || node.uniqueItems || !node.prefixItems.isEmpty
          || node.items != nil || node.contains != nil)
      add(
        .object,
        node.maxProperties != nil || node.minProperties != nil || !node.required.isEmpty
          || !node.dependentRequired.isEmpty || !node.properties.isEmpty || !node.patternProperties.isEmpty
          || node.additionalProperties != nil || node.propertyNames != nil)
      add(.allOf, !node.allOf.isEmpty)
      add(.anyOf, !node.anyOf.isEmpty)
      add(.oneOf, !node.oneOf.isEmpty)
      add(.not, node.not != nil)
      add(.ifSchema, node.ifSchema != nil)
      add(.dependentSchemas, !node.dependentSchemas.isEmpty)
      add(.unevaluatedItems, node.unevaluatedItems != nil)
      add(.unevaluatedProperties, node.unevaluatedProperties != nil)
      self = has
    }
  }

  init(_ node: SchemaNode, resourceNumber: Int) {
    self.node = node
    self.resourceNumber = resourceNumber
    has = Keywords(node)
    var mask: UInt8 = 0
    for type in node.types ?? [] {
      switch type {
      case "null": mask |= JSONKind.null.bit
      case "boolean": mask |= JSONKind.bool.bit
      case "number": mask |= JSONKind.number.bit
      case "string": mask |= JSONKind.string.bit
      case "array": mask |= JSONKind.array.bit
      case "object": mask |= JSONKind.object.bit
      default: break
      }
    }
    typeMask = mask
    allowsInteger = node.types?.contains("integer") == true
    propertyList =
      node.properties.count <= 16
      ? node.propertyOrder.compactMap { name in node.properties[name].map { (name, $0) } } : nil
    // `maxContains` and `minContains` count only beside `contains`.
    onlyRef = node.always == nil && has.subtracting(.ref).isEmpty ? node.ref?.target : nil
  }

  /// The subschema of `properties` for a member named `name`.
  func property(_ name: String) -> Int? {
    guard let propertyList else { return node.properties[name] }
    for entry in propertyList where entry.name == name { return entry.node }
    return nil
  }

  subscript<T>(dynamicMember keyPath: KeyPath<SchemaNode, T>) -> T { node[keyPath: keyPath] }
}

/// What evaluating one schema against one value found: the violations and, when it passed, which
/// properties and items it evaluated (for `unevaluatedProperties` and `unevaluatedItems`).
struct Outcome {
  var errors: [SchemaViolation] = []
  var itemPrefix = 0
  var allItems = false
  /// The properties and items evaluated, made only once one is recorded: most outcomes have
  /// none, and two empty sets were a retain and a release of each for every value evaluated.
  private var evaluated: Evaluated?

  private struct Evaluated {
    var properties: Set<String> = []
    var items: Set<Int> = []
  }

  /// The properties evaluated (with `annotates`).
  var properties: Set<String> { evaluated?.properties ?? [] }
  /// The items `contains` matched (with `annotates`).
  var items: Set<Int> { evaluated?.items ?? [] }

  mutating func evaluatedProperties(_ keys: some Sequence<String>) {
    changeEvaluated { $0.properties.formUnion(keys) }
  }

  mutating func evaluatedItem(_ index: Int) {
    changeEvaluated { $0.items.insert(index) }
  }

  /// Changes the sets, made if there are none yet (taken out while changed, so that they are not
  /// copied).
  private mutating func changeEvaluated(_ change: (inout Evaluated) -> Void) {
    var sets = evaluated.take() ?? Evaluated()
    change(&sets)
    evaluated = sets
  }

  init(errors: [SchemaViolation] = []) { self.errors = errors }

  var valid: Bool { errors.isEmpty }

  /// Drops the annotations (of an outcome that failed).
  mutating func forgetAnnotations() {
    evaluated = nil
    itemPrefix = 0
    allItems = false
  }

  /// Adds a passing subschema's annotations (a failing one's are dropped, as the spec says).
  mutating func absorb(_ other: Outcome) {
    guard other.valid else { return }
    if let theirs = other.evaluated {
      changeEvaluated {
        $0.properties.formUnion(theirs.properties)
        $0.items.formUnion(theirs.items)
      }
    }
    itemPrefix = max(itemPrefix, other.itemPrefix)
    allItems = allItems || other.allItems
  }
}

/// A step of the path to a value: a member's name or an item's index (written out only for a
/// violation).
enum PathStep {
  case key(String)
  case index(Int)

  var text: String {
    switch self {
    case .key(let key): return key
    case .index(let index): return String(index)
    }
  }
}

private struct Evaluation {
  /// The validator's nodes, held by it while the evaluation runs (a list held here was a retain
  /// and a release of it for every value evaluated).
  let nodes: UnsafeBufferPointer<CompiledNode>
  let dynamicAnchors: [[String: Int]]
  var depth = 0
  /// Where the evaluation is, kept as stacks while it descends and turned into text only for a
  /// violation: the instance's member names and indices, and the keywords taken through the
  /// schema (`/properties` with the member's name, `/items` with none).
  var path: [PathStep] = []
  /// The resources entered, by number, outermost first (the dynamic scope of `$dynamicRef`).
  var scope: [Int] = []
  var keywords: [(keyword: String, name: String?)] = []

  /// Whether to collect the properties and items each schema evaluated: only `unevaluated*`
  /// keywords read them, so schemas without any skip the work.
  let annotates: Bool

  /// Whether to keep `path` and `keywords`: without them a violation says only that there is
  /// one (see ``SchemaValidator/run(_:against:)``).
  let tracks: Bool

  init(nodes: UnsafeBufferPointer<CompiledNode>, dynamicAnchors: [[String: Int]], annotates: Bool, tracks: Bool) {
    self.nodes = nodes
    self.dynamicAnchors = dynamicAnchors
    self.annotates = annotates
    self.tracks = tracks
  }

  /// The keywords taken so far, as a JSON Pointer through the schema.
  var keywordLocation: String {
    var text = ""
    for step in keywords {
      text += step.keyword
      if let name = step.name { text += "/" + pointerEscaped(name) }
    }
    return text
  }

  /// A violation of `keyword` of `node` here (or at the member or item `item` of here).
  func violation(_ node: CompiledNode, _ keyword: String, _ message: String, item: PathStep? = nil) -> SchemaViolation {
    SchemaViolation(
      instancePath: (item.map { path + [$0] } ?? path).map(\.text), keywordLocation: keywordLocation + "/" + keyword,
      absoluteKeywordLocation: node.location + "/" + keyword, message: message)
  }

  /// Evaluates the subschema `sub`, reached through `keyword` (and `name`), against `instance`,
  /// which is the member or item `item` of the current value (or the current value itself).
  mutating func descend<Instance: JSONInstance>(
    _ sub: Int, _ instance: Instance, _ keyword: String, _ name: String? = nil, item: PathStep? = nil
  ) -> Outcome {
    guard tracks else { return evaluate(sub, instance) }
    keywords.append((keyword, name))
    if let item { path.append(item) }
    defer {
      keywords.removeLast()
      if item != nil { path.removeLast() }
    }
    return evaluate(sub, instance)
  }

  mutating func evaluate<Instance: JSONInstance>(_ id: Int, _ instance: Instance) -> Outcome {
    // Not retained: `nodes` holds it for as long as the evaluation runs, and a retain and a
    // release for every value evaluated were atomic operations on a node both threads read
    // (a quarter of evaluating's instructions).
    unowned(unsafe) let node = nodes[id]
    if let target = node.onlyRef {
      // What the full evaluation below does for such a schema: the target's outcome, reached
      // through `$ref`, in the schema's resource, counted towards the depth.
      depth += 1
      defer { depth -= 1 }
      if depth > 256 {
        return Outcome(errors: [violation(node, "$ref", "the schema refers to itself without end")])
      }
      let entered = scope.last != node.resourceNumber
      if entered { scope.append(node.resourceNumber) }
      defer { if entered { scope.removeLast() } }
      return descend(target, instance, "/$ref")
    }
    var out = Outcome()
    func fail(_ keyword: String, _ message: String, item: PathStep? = nil) {
      out.errors.append(violation(node, keyword, message, item: item))
    }
    if let always = node.always {
      if !always {
        out.errors.append(
          SchemaViolation(
            instancePath: path.map(\.text), keywordLocation: keywordLocation, absoluteKeywordLocation: node.location,
            message: "no value is allowed here"))
      }
      return out
    }
    depth += 1
    defer { depth -= 1 }
    if depth > 256 {
      fail("$ref", "the schema refers to itself without end")
      return out
    }
    let entered = scope.last != node.resourceNumber
    if entered { scope.append(node.resourceNumber) }
    defer { if entered { scope.removeLast() } }
    let has = node.has

    if has.contains(.ref), let link = node.ref {
      if let target = link.target {
        let sub = descend(target, instance, "/$ref")
        if !sub.errors.isEmpty { out.errors += sub.errors }
        out.absorb(sub)
      } else {
        fail("$ref", "cannot resolve the reference '\(link.uri)'")
      }
    }
    if has.contains(.dynamicRef), let link = node.dynamicRef {
      if var target = link.target {
        if let name = link.dynamicName, nodes[target].dynamicAnchor == name {
          for resource in scope {
            if let dynamic = dynamicAnchors[resource][name] {
              target = dynamic
              break
            }
          }
        }
        let sub = descend(target, instance, "/$dynamicRef")
        if !sub.errors.isEmpty { out.errors += sub.errors }
        out.absorb(sub)
      } else {
        fail("$dynamicRef", "cannot resolve the reference '\(link.uri)'")
      }
    }

    let kind = instance.kind
    if has.contains(.types), node.typeMask & kind.bit == 0, let types = node.types,
      !(node.allowsInteger && kind == .number && JSONValue.isInteger(instance.number))
    {
      fail("type", "expected \(types.joined(separator: " or ")), found \(instance.value.typeName)")
    }
    if has.contains(.enumValues), let values = node.enumValues, !values.contains(instance.value) {
      fail("enum", "\(Self.show(instance.value)) is not one of \(values.map(Self.show).joined(separator: ", "))")
      out.errors[out.errors.count - 1].candidates = values.compactMap(\.stringValue)
    }
    if has.contains(.const), let value = node.const, value != instance.value {
      fail("const", "must be \(Self.show(value))")
    }

    switch kind {
    case .number where has.contains(.number):
      checkNumber(instance.number, node, into: &out)
    case .string where has.contains(.string):
      let string = instance.text
      // A string has at most as many code points as UTF-8 bytes, and at least a quarter as
      // many: most lengths are decided by the byte count, without counting.
      let bytes = string.utf8.count
      if (node.maxLength.map { bytes > $0 } ?? false) || (node.minLength.map { (bytes + 3) / 4 < $0 } ?? false) {
        let length = string.codePointCount
        if let max = node.maxLength, length > max { fail("maxLength", "is longer than \(max) characters") }
        if let min = node.minLength, length < min { fail("minLength", "is shorter than \(min) characters") }
      }
      if let pattern = node.pattern, !pattern.matches(string) {
        fail("pattern", "\(Self.show(instance.value)) does not match the pattern '\(pattern.source)'")
      }
    case .array where has.contains(.array):
      evaluateArray(instance.items, node, into: &out)
    case .object where has.contains(.object):
      evaluateObject(instance, node, into: &out)
    default:
      break
    }

    if has.contains(.allOf) {
      for (i, sub) in node.allOf.enumerated() {
        let result = descend(sub, instance, "/allOf", String(i))
        if !result.errors.isEmpty { out.errors += result.errors }
        out.absorb(result)
      }
    }
    if has.contains(.anyOf) {
      var passed = false
      var failures: [SchemaViolation] = []
      for (i, sub) in node.anyOf.enumerated() {
        let result = descend(sub, instance, "/anyOf", String(i))
        passed = passed || result.valid
        failures += result.errors
        out.absorb(result)
      }
      if !passed { fail("anyOf", "matches none of the \(node.anyOf.count) allowed forms" + Self.closest(failures)) }
    }
    if has.contains(.oneOf) {
      var matched: [Int] = []
      var failures: [SchemaViolation] = []
      var passing = Outcome()
      for (i, sub) in node.oneOf.enumerated() {
        let result = descend(sub, instance, "/oneOf", String(i))
        if result.valid {
          matched.append(i)
          passing.absorb(result)
        } else {
          failures += result.errors
        }
      }
      if matched.count == 1 {
        out.absorb(passing)
      } else if matched.isEmpty {
        fail("oneOf", "matches none of the \(node.oneOf.count) allowed forms" + Self.closest(failures))
      } else {
        fail(
          "oneOf", "matches more than one of the allowed forms (\(matched.map(String.init).joined(separator: ", ")))")
      }
    }
    if has.contains(.not), let sub = node.not {
      let result = descend(sub, instance, "/not")
      if result.valid { fail("not", "matches a form that is not allowed") }
    }
    if has.contains(.ifSchema), let condition = node.ifSchema {
      let result = descend(condition, instance, "/if")
      let branch = result.valid ? node.thenSchema : node.elseSchema
      out.absorb(result)
      if let branch {
        let keyword = result.valid ? "/then" : "/else"
        let sub = descend(branch, instance, keyword)
        if !sub.errors.isEmpty { out.errors += sub.errors }
        out.absorb(sub)
      }
    }
    if kind == .object && has.contains(.dependentSchemas) {
      for (name, sub) in node.dependentSchemas where instance.member(name) != nil {
        let result = descend(sub, instance, "/dependentSchemas", name)
        if !result.errors.isEmpty { out.errors += result.errors }
        out.absorb(result)
      }
    }

    // The unevaluated keywords come last: they see what every other keyword evaluated.
    if has.contains(.unevaluatedItems), let sub = node.unevaluatedItems, kind == .array, !out.allItems {
      let array = instance.items
      for i in array.indices where i >= out.itemPrefix && !out.items.contains(i) {
        let result = descend(sub, array[i], "/unevaluatedItems", item: .index(i))
        if nodes[sub].always == false {
          fail("unevaluatedItems", "item \(i) is not allowed here", item: .index(i))
        } else {
          if !result.errors.isEmpty { out.errors += result.errors }
        }
      }
      out.allItems = true
    }
    if has.contains(.unevaluatedProperties), let sub = node.unevaluatedProperties, kind == .object {
      let members = instance.members
      for (key, value) in members where !out.properties.contains(key) {
        if nodes[sub].always == false {
          fail("unevaluatedProperties", "property '\(key)' is not allowed here", item: .key(key))
        } else {
          let result = descend(sub, value, "/unevaluatedProperties", item: .key(key))
          if !result.errors.isEmpty { out.errors += result.errors }
        }
      }
      out.evaluatedProperties(members.lazy.map(\.key))
    }
    if !out.valid {
      out.forgetAnnotations()
    }
    return out
  }

  func checkNumber(_ number: Double, _ node: CompiledNode, into out: inout Outcome) {
    func fail(_ keyword: String, _ message: String) {
      out.errors.append(violation(node, keyword, message))
    }
    if let max = node.maximum, number > max { fail("maximum", "must be at most \(Self.show(.number(max)))") }
    if let max = node.exclusiveMaximum, number >= max {
      fail("exclusiveMaximum", "must be less than \(Self.show(.number(max)))")
    }
    if let min = node.minimum, number < min { fail("minimum", "must be at least \(Self.show(.number(min)))") }
    if let min = node.exclusiveMinimum, number <= min {
      fail("exclusiveMinimum", "must be more than \(Self.show(.number(min)))")
    }
    if let divisor = node.multipleOf, divisor > 0 {
      let quotient = number / divisor
      let integral = quotient.isFinite && abs(quotient - quotient.rounded()) <= 1e-9 * max(1, abs(quotient))
      if !integral { fail("multipleOf", "must be a multiple of \(Self.show(.number(divisor)))") }
    }
  }

  mutating func evaluateArray<Items: RandomAccessCollection>(
    _ array: Items, _ node: CompiledNode, into out: inout Outcome
  ) where Items.Element: JSONInstance, Items.Index == Int {
    func fail(_ keyword: String, _ message: String) {
      out.errors.append(violation(node, keyword, message))
    }
    if let max = node.maxItems, array.count > max { fail("maxItems", "has more than \(max) items") }
    if let min = node.minItems, array.count < min { fail("minItems", "has fewer than \(min) items") }
    if node.uniqueItems {
      var seen: [JSONValue: Int] = [:]
      for (i, item) in array.enumerated() {
        if let first = seen[item.value] {
          fail("uniqueItems", "items \(first) and \(i) are equal; items must be unique")
          break
        }
        seen[item.value] = i
      }
    }
    for (i, sub) in node.prefixItems.enumerated() where i < array.count {
      let result = descend(sub, array[i], "/prefixItems", String(i), item: .index(i))
      if !result.errors.isEmpty { out.errors += result.errors }
    }
    out.itemPrefix = max(out.itemPrefix, min(node.prefixItems.count, array.count))
    if let sub = node.items {
      for i in array.indices where i >= node.prefixItems.count {
        if nodes[sub].always == false {
          out.errors.append(
            violation(node, "items", "no item is allowed past the first \(node.prefixItems.count)", item: .index(i)))
          continue
        }
        let result = descend(sub, array[i], "/items", item: .index(i))
        if !result.errors.isEmpty { out.errors += result.errors }
      }
      out.allItems = true
    }
    if let sub = node.contains {
      var matched = 0
      for (i, item) in array.enumerated() {
        let result = descend(sub, item, "/contains", item: .index(i))
        if result.valid {
          matched += 1
          if annotates { out.evaluatedItem(i) }
        }
      }
      let least = node.minContains ?? 1
      if matched < least {
        fail(
          "contains",
          least == 1 ? "has no item of the required form" : "has fewer than \(least) items of the required form")
      }
      if let most = node.maxContains, matched > most {
        fail("maxContains", "has more than \(most) items of the required form")
      }
    }
  }

  mutating func evaluateObject<Instance: JSONInstance>(
    _ object: Instance, _ node: CompiledNode, into out: inout Outcome
  ) {
    func fail(_ keyword: String, _ message: String) {
      out.errors.append(violation(node, keyword, message))
    }
    let members = object.members
    if let max = node.maxProperties, members.count > max { fail("maxProperties", "has more than \(max) properties") }
    if let min = node.minProperties, members.count < min { fail("minProperties", "has fewer than \(min) properties") }
    for name in node.required where object.member(name) == nil {
      fail("required", "'\(name)' is required")
      out.errors[out.errors.count - 1].candidates = [name]
    }
    for (name, needed) in node.dependentRequired where object.member(name) != nil {
      for other in needed where object.member(other) == nil {
        fail("dependentRequired", "'\(other)' is required when '\(name)' is given")
      }
    }
    let checksMembers =
      !node.properties.isEmpty || !node.patternProperties.isEmpty || node.additionalProperties != nil
      || node.propertyNames != nil
    guard checksMembers else { return }
    for (key, value) in members {
      if let sub = node.propertyNames {
        let result = descend(sub, JSONValue.string(key), "/propertyNames", item: .key(key))
        if !result.errors.isEmpty {
          out.errors.append(
            violation(
              node, "propertyNames",
              "'\(key)' is not an allowed property name" + (result.errors.first.map { ": \($0.message)" } ?? ""),
              item: .key(key)))
        }
      }
      var matched = false
      if let sub = node.property(key) {
        matched = true
        let result = descend(sub, value, "/properties", key, item: .key(key))
        if !result.errors.isEmpty { out.errors += result.errors }
      }
      for (pattern, sub) in node.patternProperties where pattern.matches(key) {
        matched = true
        let result = descend(sub, value, "/patternProperties", pattern.source, item: .key(key))
        if !result.errors.isEmpty { out.errors += result.errors }
      }
      if matched {
        if annotates { out.evaluatedProperties(CollectionOfOne(key)) }
      } else if let sub = node.additionalProperties {
        if annotates { out.evaluatedProperties(CollectionOfOne(key)) }
        if nodes[sub].always == false {
          let known = node.propertyOrder.isEmpty ? "" : " (allowed: \(node.propertyOrder.joined(separator: ", ")))"
          var unknown = violation(node, "additionalProperties", "unknown property '\(key)'" + known, item: .key(key))
          unknown.candidates = node.propertyOrder
          out.errors.append(unknown)
        } else {
          let result = descend(sub, value, "/additionalProperties", item: .key(key))
          if !result.errors.isEmpty { out.errors += result.errors }
        }
      }
    }
  }

  /// A value as a person reads it in a message, shortened when long.
  static func show(_ value: JSONValue) -> String {
    let text: String
    switch value {
    case .null: text = "null"
    case .bool(let b): text = b ? "true" : "false"
    case .number(let n): text = n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    case .string(let s): text = "'\(s)'"
    case .array(let a): text = "[" + a.map(show).joined(separator: ", ") + "]"
    case .object(let o): text = "{" + o.members.map { "\($0.key): \(show($0.value))" }.joined(separator: ", ") + "}"
    }
    return text.count > 80 ? String(text.prefix(77)) + "..." : text
  }

  /// The nearest miss among the alternatives' failures, to say why none matched.
  static func closest(_ failures: [SchemaViolation]) -> String {
    guard let deepest = failures.max(by: { $0.instancePath.count < $1.instancePath.count }) else { return "" }
    return " (for example: \(deepest.instanceLocation.isEmpty ? "" : deepest.instanceLocation + " ")\(deepest.message))"
  }
}
