/// A question: may this principal use this permission at this scope (on this resource)?
public struct AccessQuestion: Sendable, Hashable {
  public var principal: PrincipalID
  public var permission: String
  public var scope: Scope
  /// The owner of the resource acted on (the account, for *self* permissions).
  public var owner: PrincipalID?

  public init(principal: PrincipalID, permission: String, scope: Scope = .organization, owner: PrincipalID? = nil) {
    self.principal = principal
    self.permission = permission
    self.scope = scope
    self.owner = owner
  }
}

/// An answer with every reason for it.
public struct Decision: Sendable, Hashable {
  public enum Outcome: String, Sendable, Hashable {
    case allow
    case deny
  }

  public var outcome: Outcome
  public var question: AccessQuestion
  public var permission: Permission
  public var reasons: [Reason]

  public var allowed: Bool { outcome == .allow }
}

/// One reason for a decision.
public struct Reason: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    /// A holding that grants the permission here.
    case granted
    /// Granted only on the principal's own resources or account, and that holds.
    case conditionMet = "condition-met"
    /// Granted only on the principal's own resources or account, and that does not hold.
    case conditionNotMet = "condition-not-met"
    /// Granted, but the organisation's tier lacks the feature.
    case tier
    /// The user is disabled.
    case disabled
    /// Nothing grants it here.
    case noGrant = "no-grant"
    /// A role grants it, but bound at a scope that does not contain the one asked about.
    case otherScope = "other-scope"
    /// A documented limit of a role the principal holds here.
    case limitation
    /// Only the platform's operator holds it.
    case operatorOnly = "operator-only"
  }

  public var kind: Kind
  public var message: String
  /// The holding this reason is about, if any.
  public var holding: Holding?
  public var condition: Condition?
}

extension AccessModel {
  /// Decides a question and says why, walking the model (for `check` and `explain`); the
  /// ``Authorizer`` gives the same outcome from its tables.
  public func decide(_ question: AccessQuestion) throws(ModelError) -> Decision {
    guard let permission = catalog.permission(question.permission) else {
      throw .unknown("permission", question.permission, among: catalog.permissions.map(\.id))
    }
    let principal = canonical(question.principal)
    guard exists(principal) else { throw unknownPrincipal(principal) }
    try checkScope(question.scope)
    if let owner = question.owner, !exists(owner) { throw unknownPrincipal(owner, context: " (owner)") }
    var question = question
    question.principal = principal
    question.owner = question.owner.map { canonical($0) }

    func decision(_ outcome: Decision.Outcome, _ reasons: [Reason]) -> Decision {
      Decision(outcome: outcome, question: question, permission: permission, reasons: reasons)
    }

    if case .user(let email) = principal, user(email)?.disabled == true {
      return decision(.deny, [Reason(kind: .disabled, message: "user \(email) is disabled")])
    }

    var here: [(Holding, Condition?)] = []
    var elsewhere: [Holding] = []
    var heldHere: [Holding] = []
    for holding in holdings(of: principal) {
      guard let role = role(holding.role) else { continue }
      let inScope = holding.scope.contains(question.scope)
      if inScope { heldHere.append(holding) }
      guard reaches(role, permission),
        let grant = grants(of: role).first(where: { $0.permission.id == permission.id })
      else { continue }
      if inScope { here.append((holding, grant.condition)) } else { elsewhere.append(holding) }
    }

    if here.isEmpty {
      var reasons = [
        Reason(
          kind: .noGrant,
          message: "no role held by \(principal) at \(question.scope) or around it grants '\(permission.title)'")
      ]
      for holding in elsewhere {
        reasons.append(
          Reason(
            kind: .otherScope,
            message: "\(describe(holding)) grants it, but \(holding.scope) does not contain \(question.scope)",
            holding: holding))
      }
      for holding in heldHere {
        guard let role = role(holding.role) else { continue }
        for limitation in role.limitations where limitation.permissions.contains(permission.id) {
          reasons.append(
            Reason(kind: .limitation, message: "\(role.name): \(limitation.note)", holding: holding))
        }
      }
      let operatorRoles = Set(catalog.platformOperator?.roles ?? [])
      let holders = allRoles.filter { role in
        reaches(role, permission) && grants(of: role).contains { $0.permission.id == permission.id }
      }
      if !holders.isEmpty, holders.allSatisfy({ operatorRoles.contains($0.id) }), principal != .operator {
        let name = catalog.platformOperator?.name ?? "the platform operator"
        reasons.append(Reason(kind: .operatorOnly, message: "only \(name) may do this"))
      }
      return decision(.deny, reasons)
    }

    if let feature = permission.feature, !(tier?.features.contains(feature) ?? false) {
      let tierName = tier?.name ?? "(none)"
      let needed = catalog.tiers.filter { $0.features.contains(feature) }.map(\.name)
      let title = catalog.features.first { $0.name == feature }?.title ?? feature
      var message = "the organisation's tier '\(tierName)' does not include '\(title)'"
      if !needed.isEmpty { message += " (included in: \(needed.joined(separator: ", ")))" }
      message += "; tier trumps role"
      var reasons = [Reason(kind: .tier, message: message)]
      for (holding, condition) in here {
        reasons.append(
          Reason(
            kind: .tier, message: "\(describe(holding)) grants it, but not on this tier", holding: holding,
            condition: condition))
      }
      return decision(.deny, reasons)
    }

    let unconditional = here.filter { $0.1 == nil }
    if !unconditional.isEmpty {
      return decision(
        .allow,
        unconditional.map { holding, _ in
          Reason(kind: .granted, message: "\(describe(holding)) grants it", holding: holding)
        })
    }

    var reasons: [Reason] = []
    var allowed = false
    for (holding, condition) in here {
      guard let condition else { continue }
      let met: Bool
      let what: String
      switch condition {
      case .own:
        met = question.owner == principal
        what = "only on resources \(principal.name) created"
      case .ownAccount:
        met = question.owner == nil || question.owner == principal
        what = "only on \(principal.name)'s own account"
      }
      allowed = allowed || met
      var message = "\(describe(holding)) grants it \(what)"
      if met {
        message += question.owner.map { " (owner \($0.name))" } ?? " (the account asked about)"
      } else if let owner = question.owner {
        message += ", and the owner is \(owner.name)"
      } else {
        message += "; name the resource's creator with --owner"
      }
      reasons.append(
        Reason(kind: met ? .conditionMet : .conditionNotMet, message: message, holding: holding, condition: condition))
    }
    return decision(allowed ? .allow : .deny, reasons)
  }

  /// "role 'Manager' bound at organization through group Ops ⊂ Platform".
  public func describe(_ holding: Holding) -> String {
    let roleName = role(holding.role)?.name ?? holding.role
    var text = "role '\(roleName)' at \(holding.scope)"
    switch holding.source {
    case .operator: text += " (held by the platform operator)"
    case .binding, .defaultGroup, .customGroup:
      if !holding.via.isEmpty {
        text += " through group " + holding.via.map { "'\($0)'" }.joined(separator: " in ")
        if holding.automatic { text += " (automatic membership)" }
        if holding.source == .defaultGroup { text += " (a default group's role)" }
        if holding.source == .customGroup { text += " (every custom group's role)" }
      }
    }
    return text
  }
}
