import JSONSchema
import RosterModel
import RosterYAML

/// The JSON Schemas of the document kinds (`schemas/*.schema.json`, embedded at build time):
/// the second layer of validation, after YAML syntax and before references.
public enum DocumentSchemas {
  /// The base of every schema's `$id`.
  public static let base = "https://roster.example/schemas/v1/"

  /// The shipped schemas' sources: path and text.
  public static let sources: [(path: String, text: String)] = EmbeddedFiles.all
    .filter { $0.path.hasPrefix("schemas/") }
    .map { ($0.path, $0.text) }
    .sorted { $0.path < $1.path }

  /// The schema file of a kind: `UserList` → `user-list.schema.json`.
  public static func fileName(of kind: String) -> String {
    var name = ""
    for character in kind {
      if character.isUppercase && !name.isEmpty { name += "-" }
      name += character.lowercased()
    }
    return name + ".schema.json"
  }

  /// The compiled schemas, and what went wrong loading them (empty for the shipped set; a test
  /// checks it).
  public static let compiled: (validator: SchemaValidator, problems: [String]) = {
    var registry = SchemaRegistry()
    var problems: [String] = []
    for source in sources {
      do {
        try registry.add(try JSONValue(parsing: source.text), uri: base + String(source.path.dropFirst(8)))
      } catch {
        problems.append("\(source.path): \(error)")
      }
    }
    let validator = registry.compile()
    return (validator, problems + validator.unresolved)
  }()

  /// Each kind's schema URI as the validator knows it (with its empty fragment), made once: made
  /// for each document, a character at a time, it cost 6,000 instructions (5,262 documents at
  /// 50,000 users: 32 M, half a per cent of a plan).
  static let uris = Dictionary(uniqueKeysWithValues: ConfigLoader.kinds.map { ($0, uri(of: $0)) })

  /// A kind's schema URI as the validator knows it.
  private static func uri(of kind: String) -> String { base + fileName(of: kind) + "#" }

  /// Validates one document against the schema of its kind; each violation becomes a diagnostic
  /// at the exact place in the YAML.
  /// `json` is the root's tree as JSON (``YAMLTree/json``), made once for all documents of a file.
  static func check(_ root: YAMLNode, in json: JSONTree, kind: String, file: String) -> [Diagnostic] {
    let violations = compiled.validator.validate(json[root.position], against: uris[kind] ?? uri(of: kind))
    return violations.map { diagnostic(for: $0, in: root, kind: kind, file: file) }
  }

  static func diagnostic(for violation: SchemaViolation, in root: YAMLNode, kind: String, file: String) -> Diagnostic {
    let path = violation.instancePath
    let (node, key) = root.locate(path)
    let parentName = describe(path.dropLast(), kind: kind)
    let here = describe(path[...], kind: kind)
    let rule: Rule
    var message: String
    var hint: String?
    var mark = node?.mark ?? root.mark
    switch violation.keyword {
    case "required":
      rule = .missingField
      message = "\(here) needs '\(violation.candidates.first ?? "?")'"
    case "additionalProperties", "unevaluatedProperties":
      rule = .unknownField
      let field = path.last ?? "?"
      message = "unknown field '\(field)' in \(parentName)"
      mark = key?.mark ?? mark
      hint =
        closestMatch(to: field, in: violation.candidates).map { "did you mean '\($0)'?" }
        ?? (violation.candidates.isEmpty ? nil : "known fields: \(violation.candidates.joined(separator: ", "))")
    case "pattern" where violation.absoluteKeywordLocation.contains("/$defs/scope"):
      // A scope the pattern refuses: say why in the scope parser's own words.
      rule = .unknownScope
      let text = node?.string ?? ""
      do {
        _ = try ScopePattern(parsing: text)
        message = "\(here): '\(text)' is not a scope"
      } catch {
        message = "\(here): \(error.description)"
      }
      hint = "organization, tenant/NAME, tenant/NAME/service/NAME, or …/folder/NAME"
    default:
      rule = .wrongType
      message = "\(here): \(violation.message)"
      if violation.keyword == "enum" {
        let text = node?.scalar?.text ?? ""
        hint = closestMatch(to: text, in: violation.candidates).map { "did you mean '\($0)'?" }
      }
      if violation.keyword == "type", let scalar = node?.scalar {
        if violation.message.hasPrefix("expected boolean"),
          ["yes", "no", "on", "off", "y", "n"].contains(scalar.text.lowercased())
        {
          hint = "YAML 1.2 reads '\(scalar.text)' as a string; write true or false"
        } else if violation.message.hasPrefix("expected string"), scalar.style == .plain {
          hint = "quote it to make it a string: '\(scalar.text)'"
        }
      }
    }
    return Diagnostic(.error, rule, message, at: SourceLocation(file: file, mark: mark), hint: hint)
  }

  /// `roles[1].scope of User`, or `User` for the document itself.
  static func describe(_ path: ArraySlice<String>, kind: String) -> String {
    guard !path.isEmpty else { return kind }
    var text = ""
    for token in path {
      if let index = Int(token) {
        text += "[\(index)]"
      } else {
        text += (text.isEmpty ? "" : ".") + token
      }
    }
    return "'\(text)' of \(kind)"
  }
}

extension YAMLNode {
  /// The node at a JSON path (member names and indices), and the key node of its last step when
  /// that step is a mapping member. Nil when the path leads nowhere.
  public func locate(_ path: [String]) -> (node: YAMLNode?, key: YAMLNode?) {
    var node = self
    var key: YAMLNode?
    for token in path {
      switch node.content {
      case .mapping(let pairs):
        guard let pair = pairs.first(where: { ($0.key.string ?? $0.key.scalar?.text) == token }) else {
          return (nil, nil)
        }
        key = pair.key
        node = pair.value
      case .sequence(let items):
        guard let index = Int(token), items.indices.contains(index) else { return (nil, nil) }
        key = nil
        node = items[index]
      case .scalar:
        return (nil, nil)
      }
    }
    return (node, key)
  }
}
