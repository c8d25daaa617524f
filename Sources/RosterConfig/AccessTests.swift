import JSONSchema
import RosterModel
import RosterYAML

/// An `AccessTest` document: decisions expected, `whoCan` snapshots, `mustNotGrant` guardrails.
/// Its shape is `schemas/access-test.schema.json`; principals, permissions and scopes are named as
/// on the command line.
public struct AccessTestDocument: Sendable {
  public struct Case: Sendable {
    public var description: String?
    public var principals: [String]
    public var permissions: [String]
    public var scopes: [String]
    public var owner: String?
    public var expectAllow: Bool
  }

  public struct WhoCan: Sendable {
    public var description: String?
    public var permission: String
    public var scope: String
    public var principals: [String]
  }

  public struct Guardrail: Sendable {
    public var description: String?
    public var permission: String
    public var scope: String
    public var exceptGroups: [String]
    public var exceptPrincipals: [String]
  }

  public var name: String
  public var description: String?
  public var file: String
  public var line: Int
  public var cases: [Case]
  public var whoCan: [WhoCan]
  public var mustNotGrant: [Guardrail]

  /// Reads a document that passed its schema.
  init(_ root: YAMLNode, file: String) {
    let json = root.json
    func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }
    name = json["name"]?.stringValue ?? "?"
    description = json["description"]?.stringValue
    self.file = file
    line = root.mark.line
    cases = (json["cases"]?.arrayValue ?? []).map { c in
      Case(
        description: c["description"]?.stringValue, principals: strings(c["principals"]),
        permissions: strings(c["permissions"]),
        scopes: c["scopes"] == nil ? ["organization"] : strings(c["scopes"]), owner: c["owner"]?.stringValue,
        expectAllow: c["expect"]?.stringValue == "allow")
    }
    whoCan = (json["whoCan"]?.arrayValue ?? []).map { w in
      WhoCan(
        description: w["description"]?.stringValue, permission: w["permission"]?.stringValue ?? "",
        scope: w["scope"]?.stringValue ?? "organization", principals: strings(w["principals"]))
    }
    mustNotGrant = (json["mustNotGrant"]?.arrayValue ?? []).map { g in
      Guardrail(
        description: g["description"]?.stringValue, permission: g["permission"]?.stringValue ?? "",
        scope: g["scope"]?.stringValue ?? "organization", exceptGroups: strings(g["except"]?["groups"]),
        exceptPrincipals: strings(g["except"]?["principals"]))
    }
  }

  /// Every reference the document makes that the model does not have, each at its place.
  func problems(in model: AccessModel, root: YAMLNode) -> [Diagnostic] {
    var found: [Diagnostic] = []
    func at(_ path: [String]) -> SourceLocation {
      SourceLocation(file: file, mark: root.locate(path).node?.mark ?? root.mark)
    }
    func principal(_ text: String, _ path: [String]) {
      do {
        _ = try PrincipalReference.resolve(text, in: model)
      } catch {
        found.append(
          Diagnostic(
            .error, .unknownPrincipal, "\(error.message) in AccessTest '\(name)'", at: at(path),
            hint: error.suggestion.map { "did you mean '\($0)'?" }))
      }
    }
    func permission(_ text: String, _ path: [String]) {
      if case .notFound(let suggestion) = model.catalog.findPermission(text) {
        found.append(
          Diagnostic(
            .error, .unknownReference, "unknown permission '\(text)' in AccessTest '\(name)'", at: at(path),
            hint: suggestion.map { "did you mean '\($0)'?" }))
      }
    }
    func scope(_ text: String, _ path: [String]) {
      do {
        try model.checkScope(try Scope(parsing: text))
      } catch {
        found.append(Diagnostic(.error, .unknownScope, "\(error) in AccessTest '\(name)'", at: at(path)))
      }
    }
    for (i, c) in cases.enumerated() {
      for (j, p) in c.principals.enumerated() { principal(p, ["cases", "\(i)", "principals", "\(j)"]) }
      for (j, p) in c.permissions.enumerated() { permission(p, ["cases", "\(i)", "permissions", "\(j)"]) }
      if root.locate(["cases", "\(i)", "scopes"]).node != nil {
        for (j, s) in c.scopes.enumerated() { scope(s, ["cases", "\(i)", "scopes", "\(j)"]) }
      }
      if let owner = c.owner { principal(owner, ["cases", "\(i)", "owner"]) }
    }
    for (i, w) in whoCan.enumerated() {
      permission(w.permission, ["whoCan", "\(i)", "permission"])
      scope(w.scope, ["whoCan", "\(i)", "scope"])
      for (j, p) in w.principals.enumerated() { principal(p, ["whoCan", "\(i)", "principals", "\(j)"]) }
    }
    for (i, g) in mustNotGrant.enumerated() {
      permission(g.permission, ["mustNotGrant", "\(i)", "permission"])
      scope(g.scope, ["mustNotGrant", "\(i)", "scope"])
      for (j, p) in g.exceptPrincipals.enumerated() {
        principal(p, ["mustNotGrant", "\(i)", "except", "principals", "\(j)"])
      }
      for (j, group) in g.exceptGroups.enumerated() where model.groups[group] == nil {
        found.append(
          Diagnostic(
            .error, .unknownPrincipal, "unknown group '\(group)' in AccessTest '\(name)'",
            at: at(["mustNotGrant", "\(i)", "except", "groups", "\(j)"]),
            hint: closestMatch(to: group, in: model.groups.keys).map { "did you mean '\($0)'?" }))
      }
    }
    return found
  }
}
