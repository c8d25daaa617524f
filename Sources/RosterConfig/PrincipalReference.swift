import RosterModel

/// How principals are named in configuration and on the command line.
///
/// `ada@acme.example` is a user; `group:NAME`, `robot:NAME`, `app:NAME`, `user:EMAIL` and
/// `operator` say the kind; a bare name is looked up among groups, robot accounts and
/// applications, and must match exactly one.
public enum PrincipalReference {
  public static func resolve(_ text: String, in model: AccessModel) throws(ModelError) -> PrincipalID {
    // Most references are emails or names without a prefix: look for the prefixes only when
    // there is a colon.
    if text.hasByte(where: { $0 == UInt8(ascii: ":") }) {
      for (prefix, make) in prefixes where text.hasPrefix(prefix) {
        return try existing(make(String(text.dropFirst(prefix.count))), in: model)
      }
    }
    if text == "operator" || text == model.catalog.platformOperator?.name {
      return try existing(.operator, in: model)
    }
    if text.hasByte(where: { $0 == UInt8(ascii: "@") }) { return try existing(.user(text), in: model) }
    var matches: [PrincipalID] = []
    if model.groups[text] != nil { matches.append(.group(text)) }
    if model.robots[text] != nil { matches.append(.robot(text)) }
    if model.apps[text] != nil { matches.append(.app(text)) }
    if matches.count == 1 { return matches[0] }
    if matches.count > 1 {
      throw ModelError(
        .unknownReference,
        "'\(text)' names \(matches.map(\.description).joined(separator: " and ")); say which with a prefix",
        referenceKind: "principal")
    }
    let candidates =
      Array(model.groups.keys) + Array(model.robots.keys) + Array(model.apps.keys)
      + model.users.values.map(\.email)
    throw ModelError(
      .unknownReference, "unknown principal '\(text)'", suggestion: closestMatch(to: text, in: candidates),
      referenceKind: "user")
  }

  private static let prefixes: [(String, @Sendable (String) -> PrincipalID)] = [
    ("user:", { .user($0) }), ("group:", { .group($0) }), ("robot:", { .robot($0) }), ("app:", { .app($0) }),
  ]

  /// Whether ``resolve(_:in:)`` reads every text with `@` and no `:` as a user's email: unless
  /// the platform's operator is named so.
  public static func emailsAreUsers(in model: AccessModel) -> Bool {
    !(model.catalog.platformOperator?.name.contains("@") ?? false)
  }

  /// The principal in its canonical form (a user's email as the user has it), or why it is not known.
  private static func existing(_ principal: PrincipalID, in model: AccessModel) throws(ModelError) -> PrincipalID {
    if let found = model.existing(principal) { return found }
    let candidates: [String]
    switch principal.kind {
    case .user: candidates = model.users.values.map(\.email)
    case .group: candidates = Array(model.groups.keys)
    case .robot: candidates = Array(model.robots.keys)
    case .app: candidates = Array(model.apps.keys)
    case .operator:
      throw ModelError(
        .unknownReference, "platform '\(model.catalog.name)' has no operator", referenceKind: "principal")
    }
    throw ModelError(
      .unknownReference, "unknown \(principal.kind.noun) '\(principal.name)'",
      suggestion: closestMatch(to: principal.name, in: candidates), referenceKind: principal.kind.noun)
  }
}
