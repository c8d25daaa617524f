import RosterModel

/// A rule a diagnostic comes from, with a stable id a user can look up.
public struct Rule: Sendable, Hashable, CustomStringConvertible {
  public var id: String
  public var name: String
  public var rationale: String
  /// How bad a finding of this rule is unless the finding says otherwise.
  public var severity: Severity

  public init(id: String, name: String, rationale: String, severity: Severity = .error) {
    self.id = id
    self.name = name
    self.rationale = rationale
    self.severity = severity
  }

  public var description: String { "\(id) \(name)" }

  public static let yamlSyntax = Rule(
    id: "RST001", name: "yaml-syntax",
    rationale: "The file must be well-formed YAML in UTF-8; nothing is read from a broken file.")
  public static let yamlLimit = Rule(
    id: "RST002", name: "yaml-limit",
    rationale: "Size, nesting and alias expansion are bounded so a hostile file cannot exhaust the machine.")
  public static let duplicateKey = Rule(
    id: "RST003", name: "duplicate-key",
    rationale: "A key stated twice in one mapping is ambiguous: YAML tools disagree on which one wins.")
  public static let fileRead = Rule(
    id: "RST004", name: "file-unreadable",
    rationale: "Every configuration file must be readable; a file that cannot be read is not skipped silently.")
  public static let fileSkipped = Rule(
    id: "RST005", name: "file-skipped",
    rationale:
      "Symbolic links and submodules are never followed, so a configuration cannot reach outside its own tree.",
    severity: .warning)
  public static let documentKind = Rule(
    id: "RST010", name: "document-kind",
    rationale: "Every document states `apiVersion: roster/v1` and a known `kind`, so nothing is misread.")
  public static let unknownField = Rule(
    id: "RST011", name: "unknown-field",
    rationale: "A misspelt field would otherwise be ignored and its intent silently lost.")
  public static let unknownRole = Rule(
    id: "RST012", name: "unknown-role",
    rationale: "A binding must name a role the platform or the configuration defines.")
  public static let missingField = Rule(
    id: "RST013", name: "missing-field",
    rationale: "Required fields have no safe default.")
  public static let wrongType = Rule(
    id: "RST014", name: "invalid-value",
    rationale: "A value of the wrong type or outside the allowed set is refused rather than guessed at.")
  public static let unknownPrincipal = Rule(
    id: "RST015", name: "unknown-principal",
    rationale: "Members and owners must be users, groups, robot accounts or applications defined in the configuration.")
  public static let unknownScope = Rule(
    id: "RST016", name: "unknown-scope",
    rationale: "A role bound at a tenant, service or folder that does not exist would grant nothing and hide a typo.")
  public static let duplicateName = Rule(
    id: "RST017", name: "duplicate-name",
    rationale: "Names identify objects; two objects with one name cannot both be meant.")
  public static let unknownReference = Rule(
    id: "RST018", name: "unknown-reference",
    rationale: "Permissions, services, tiers and features referenced must exist in the platform catalog.")
  public static let unknownPlatform = Rule(
    id: "RST019", name: "unknown-platform",
    rationale: "The organisation's platform must be a shipped catalog or a `Platform` document of the configuration.")
  public static let organizationCount = Rule(
    id: "RST020", name: "one-organization",
    rationale: "A configuration describes exactly one organisation.")
  public static let roleBinding = Rule(
    id: "RST030", name: "role-binding",
    rationale: "A role may be bound only at the levels, to the principal kinds and in the way its catalog allows.")
  public static let platformRule = Rule(
    id: "RST031", name: "platform-rule",
    rationale:
      "Rules of the platform hold for every organisation on it (one organisation-level role per account, group nesting, …)."
  )
  public static let builtInRole = Rule(
    id: "RST032", name: "built-in-role-immutable",
    rationale:
      "Built-in roles are the platform's; redefining one would make the configuration lie about what it grants.")
  public static let invalidCatalog = Rule(
    id: "RST040", name: "invalid-catalog",
    rationale: "A platform catalog must be consistent: every reference resolves and nothing is defined twice.")

  /// Every rule, by id.
  public static let all: [Rule] = [
    yamlSyntax, yamlLimit, duplicateKey, fileRead, fileSkipped, documentKind, unknownField, unknownRole, missingField,
    wrongType, unknownPrincipal, unknownScope, duplicateName, unknownReference, unknownPlatform,
    organizationCount, roleBinding, platformRule, builtInRole, invalidCatalog,
  ]

  /// The rule for a refused model mutation.
  static func forModelError(_ error: ModelError) -> Rule {
    switch error.kind {
    case .duplicate: return .duplicateName
    case .unknownReference:
      switch error.referenceKind {
      case "role": return .unknownRole
      case "tenant", "service", "folder": return error.message.contains("scope") ? .unknownScope : .unknownReference
      case "user", "group", "robot account", "external application": return .unknownPrincipal
      default: return .unknownReference
      }
    case .invalidValue: return .wrongType
    case .roleBinding: return .roleBinding
    case .platformRule: return .platformRule
    case .builtInRole: return .builtInRole
    }
  }
}
