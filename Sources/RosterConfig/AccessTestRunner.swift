import RosterModel

/// The outcome of one assertion of an access test.
public struct AccessTestResult: Sendable, Hashable {
  /// The `AccessTest` document's name.
  public var test: String
  /// The assertion: `bob@northwind.example may 'Create custom scripts' at organization`.
  public var name: String
  public var passed: Bool
  /// Why it failed (empty when it passed).
  public var failure: String
  /// The actual decision's reasons, or the holders found: what explains the outcome.
  public var explanation: [String]
}

/// Runs `AccessTest` documents against a model: each case expanded to principals × permissions ×
/// scopes, each `whoCan` compared with the accounts that hold the permission, each `mustNotGrant`
/// searched at its scope and every scope inside it.
public enum AccessTestRunner {
  public static func run(_ documents: [AccessTestDocument], model: AccessModel) -> [AccessTestResult] {
    let authorizer = Authorizer(model)
    var results: [AccessTestResult] = []
    for document in documents {
      for c in document.cases {
        for principalText in c.principals {
          guard let principal = try? PrincipalReference.resolve(principalText, in: model) else { continue }
          let owner = c.owner.flatMap { try? PrincipalReference.resolve($0, in: model) }
          for permissionText in c.permissions {
            guard case .found(let permission) = model.catalog.findPermission(permissionText) else { continue }
            for scopeText in c.scopes {
              guard let scope = try? Scope(parsing: scopeText),
                let decision = try? model.decide(
                  AccessQuestion(principal: principal, permission: permission.id, scope: scope, owner: owner))
              else { continue }
              let expected = c.expectAllow ? "allow" : "deny"
              let passed = decision.allowed == c.expectAllow
              results.append(
                AccessTestResult(
                  test: document.name,
                  name: "\(principal) \(expected) '\(permission.title)' at \(scope)"
                    + (owner.map { " (owner \($0))" } ?? ""),
                  passed: passed,
                  failure: passed ? "" : "expected \(expected), got \(decision.outcome.rawValue)",
                  explanation: decision.reasons.map(\.message)))
            }
          }
        }
      }
      for snapshot in document.whoCan {
        guard case .found(let permission) = model.catalog.findPermission(snapshot.permission),
          let scope = try? Scope(parsing: snapshot.scope)
        else { continue }
        let expected = Set(snapshot.principals.compactMap { try? PrincipalReference.resolve($0, in: model) })
        let actual = Set(authorizer.whoCan(permission.id, at: scope).map(\.0).filter { $0.kind != .group })
        let missing = expected.subtracting(actual).sorted().map(\.description)
        let unexpected = actual.subtracting(expected).sorted().map(\.description)
        var failure: [String] = []
        if !missing.isEmpty { failure.append("expected but missing: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { failure.append("not expected: \(unexpected.joined(separator: ", "))") }
        results.append(
          AccessTestResult(
            test: document.name, name: "who can '\(permission.title)' at \(scope)", passed: failure.isEmpty,
            failure: failure.joined(separator: "; "),
            explanation: [
              "holders: " + (actual.isEmpty ? "nobody" : actual.sorted().map(\.description).joined(separator: ", "))
            ]))
      }
      for guardrail in document.mustNotGrant {
        let violators = violations(guardrail, model: model, authorizer: authorizer)
        let title = (try? permissionTitle(guardrail.permission, model)) ?? guardrail.permission
        results.append(
          AccessTestResult(
            test: document.name, name: "nobody else holds '\(title)' in \(guardrail.scope)",
            passed: violators.isEmpty,
            failure: violators.isEmpty ? "" : "held by \(violators.map(\.description).joined(separator: ", "))",
            explanation: []))
      }
    }
    return results
  }

  static func permissionTitle(_ text: String, _ model: AccessModel) throws -> String {
    if case .found(let permission) = model.catalog.findPermission(text) { return permission.title }
    return text
  }

  /// The accounts that hold a guardrail's permission at its scope or inside it, other than its
  /// exceptions (listed principals, and members of listed groups, directly or through groups).
  public static func violations(
    _ guardrail: AccessTestDocument.Guardrail, model: AccessModel, authorizer: Authorizer? = nil
  ) -> [PrincipalID] {
    guard case .found(let permission) = model.catalog.findPermission(guardrail.permission),
      let scope = try? Scope(parsing: guardrail.scope)
    else { return [] }
    let authorizer = authorizer ?? Authorizer(model)
    let excepted = Set(guardrail.exceptPrincipals.compactMap { try? PrincipalReference.resolve($0, in: model) })
    func inExceptedGroup(_ principal: PrincipalID) -> Bool {
      var queue = (model.groupsByMember[principal] ?? []) + model.automaticGroups(of: principal)
      var seen = Set<String>()
      while let group = queue.popLast() {
        guard seen.insert(group).inserted else { continue }
        if guardrail.exceptGroups.contains(group) { return true }
        queue += model.groupsByMember[.group(group)] ?? []
      }
      return false
    }
    var found = Set<PrincipalID>()
    for place in model.allScopes where scope.contains(place) {
      for (principal, _) in authorizer.whoCan(permission.id, at: place) where principal.kind != .group {
        if !excepted.contains(principal) && !inExceptedGroup(principal) { found.insert(principal) }
      }
    }
    return found.sorted()
  }

  /// Roles and permissions of the catalog no test touches: a permission is touched when a test
  /// names it; a role when it grants a touched permission.
  public static func coverage(_ documents: [AccessTestDocument], model: AccessModel) -> (
    roles: [String], permissions: [String]
  ) {
    var named = Set<String>()
    for document in documents {
      let texts =
        document.cases.flatMap(\.permissions) + document.whoCan.map(\.permission)
        + document.mustNotGrant.map(\.permission)
      for text in texts {
        if case .found(let permission) = model.catalog.findPermission(text) { named.insert(permission.id) }
      }
    }
    let permissions = model.catalog.permissions.map(\.id).filter { !named.contains($0) }
    let roles = model.allRoles.filter { role in
      !model.grants(of: role).contains { named.contains($0.permission.id) }
    }.map(\.id)
    return (roles.sorted(), permissions)
  }
}
