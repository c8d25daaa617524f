import Foundation

/// A schema that could not be loaded: not a schema, a bad regular expression, a bad identifier.
public struct SchemaLoadError: Error, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Schema documents by URI, compiled for validation (JSON Schema draft 2020-12).
///
/// Add every document a schema may reference (remote references are never fetched), then call
/// ``compile()`` to link references and get a ``SchemaValidator``.
public struct SchemaRegistry: Sendable {
  var nodes: [SchemaNode] = []
  /// Absolute URI with fragment ("" for a resource's root) → node.
  var index: [String: Int] = [:]
  /// Resource URI → `$dynamicAnchor` name → node.
  var dynamicAnchors: [String: [String: Int]] = [:]
  /// Resource URI → the resource's JSON, for JSON Pointers into places no keyword walks.
  var resources: [String: JSONValue] = [:]
  /// Metaschema URI → the vocabularies it enables (from its `$vocabulary`).
  var vocabularies: [String: Set<String>] = [:]

  public init() {}

  /// Adds a schema document retrieved from `uri` (its `$id`, when it has one, takes precedence).
  /// - Returns: the URI the document's root is known by.
  @discardableResult
  public mutating func add(_ document: JSONValue, uri: String) throws(SchemaLoadError) -> String {
    let retrieval = URIReference(uri).withoutFragment
    resources[retrieval.text] = document
    let root = try walk(document, base: retrieval, enclosing: [(retrieval.text, "")], vocabulary: nil)
    if let metaschema = document["$vocabulary"]?.objectValue {
      vocabularies[nodes[root].resource] = Set(metaschema.keys)
      vocabularies[retrieval.text] = Set(metaschema.keys)
    }
    return nodes[root].resource
  }

  /// Links every `$ref` and `$dynamicRef`; unresolvable references are listed (they fail
  /// validation where they are reached).
  public func compile() -> SchemaValidator {
    var registry = self
    var unresolved: [String] = []
    var id = 0
    while id < registry.nodes.count {
      for keyPath in [\SchemaNode.ref, \SchemaNode.dynamicRef] {
        guard var link = registry.nodes[id][keyPath: keyPath] else { continue }
        if let target = registry.resolve(link.uri) {
          link.target = target
        } else {
          unresolved.append("\(registry.nodes[id].location): cannot resolve '\(link.uri)'")
        }
        registry.nodes[id][keyPath: keyPath] = link
      }
      id += 1
    }
    return SchemaValidator(registry: registry, unresolved: unresolved)
  }

  /// The node an absolute URI names, compiling a JSON Pointer target on first use.
  mutating func resolve(_ uri: String) -> Int? {
    let reference = URIReference(uri)
    let key = reference.withoutFragment.text + "#" + (reference.fragment ?? "")
    if let id = index[key] { return id }
    guard let fragment = reference.fragment.map(percentDecoded), fragment.isEmpty || fragment.hasPrefix("/"),
      let document = resources[reference.withoutFragment.text]
    else { return nil }
    var value = document
    for token in fragment.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
      let name = String(token).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
      switch value {
      case .object(let object):
        guard let next = object[name] else { return nil }
        value = next
      case .array(let array):
        guard let i = Int(name), array.indices.contains(i) else { return nil }
        value = array[i]
      default:
        return nil
      }
    }
    let base = reference.withoutFragment
    let id = try? walk(value, base: base, enclosing: [(base.text, reference.fragment ?? "")], vocabulary: nil)
    if let id { index[key] = id }
    return id
  }
}
