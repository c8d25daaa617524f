/// A change to someone's role, made by an actor.
public struct RoleChange: Sendable, Hashable {
  public var actor: PrincipalID
  public var target: PrincipalID
  public var operation: DelegationOperation
  /// The role given (create, elevate, grant) or taken away (reduce, revoke).
  public var role: String
  /// For elevate and reduce: the role the target holds before.
  public var from: String?
  public var scope: Scope

  public init(
    actor: PrincipalID, target: PrincipalID, operation: DelegationOperation, role: String,
    from: String? = nil, scope: Scope = .organization
  ) {
    self.actor = actor
    self.target = target
    self.operation = operation
    self.role = role
    self.from = from
    self.scope = scope
  }
}

/// Whether an actor may make a role change, and what it lacks if not.
public struct DelegationDecision: Sendable, Hashable {
  public var allowed: Bool
  public var message: String
  /// Only what the actor lacks (nothing when allowed).
  public var missing: [Permission]
}

extension AccessModel {
  /// Decides a role change under the catalog's delegation rules, or, for changes no rule
  /// covers, as Kubernetes RBAC does: the actor must hold every permission of the role at
  /// that scope. Nobody may change their own roles.
  public func mayMake(_ change: RoleChange, authorizer: Authorizer) -> DelegationDecision {
    let actor = canonical(change.actor)
    if actor == canonical(change.target) && change.operation != .create {
      return DelegationDecision(
        allowed: false, message: "\(actor) may not \(change.operation.rawValue) their own role", missing: [])
    }
    guard let role = role(change.role) else {
      return DelegationDecision(allowed: false, message: "unknown role '\(change.role)'", missing: [])
    }
    let rules = (catalog.delegation?.rules ?? []).filter { rule in
      guard rule.operation == change.operation else { return false }
      switch change.operation {
      case .create, .elevate, .grant: return rule.to.isEmpty || rule.to.contains(role.id)
      case .reduce, .revoke:
        let from = change.operation == .reduce ? (change.from ?? role.id) : role.id
        return rule.from.isEmpty || rule.from.contains(from)
      }
    }
    if !rules.isEmpty {
      if let rule = rules.first(where: { authorizer.isAllowed(actor, $0.permission, at: change.scope) }) {
        let title = catalog.permission(rule.permission)?.title ?? rule.permission
        return DelegationDecision(allowed: true, message: "\(actor) holds '\(title)'", missing: [])
      }
      let missing = rules.compactMap { catalog.permission($0.permission) }
      return DelegationDecision(
        allowed: false,
        message: "\(actor) may not \(change.operation.rawValue) '\(role.name)' at \(change.scope): it needs "
          + missing.map { "'\($0.title)'" }.joined(separator: " or "),
        missing: missing)
    }
    let missing = grants(of: role).map(\.permission).filter {
      reaches(role, $0) && !authorizer.isAllowed(actor, $0.id, at: change.scope)
    }
    if missing.isEmpty {
      return DelegationDecision(
        allowed: true, message: "\(actor) holds every permission of '\(role.name)' at \(change.scope)", missing: [])
    }
    return DelegationDecision(
      allowed: false,
      message: "\(actor) may not \(change.operation.rawValue) '\(role.name)' at \(change.scope): it lacks "
        + "\(missing.count) of its permissions",
      missing: missing)
  }
}
