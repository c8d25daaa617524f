import RosterModel

/// Decisions as people read them.
enum DecisionText {
  static func headline(_ decision: Decision) -> String {
    let q = decision.question
    var text = "\(decision.outcome.rawValue): \(q.principal) "
    text += decision.allowed ? "may" : "may not"
    text += " '\(decision.permission.title)' (\(decision.permission.id)) at \(q.scope)"
    if let owner = q.owner { text += " on a resource of \(owner)" }
    return text
  }

  static func short(_ decision: Decision, model: AccessModel) -> String {
    ([headline(decision)] + decision.reasons.map { "  - \($0.message)" }).joined(separator: "\n")
  }

  static func full(_ decision: Decision, model: AccessModel) -> String {
    let q = decision.question
    let p = decision.permission
    var lines = [headline(decision), ""]
    lines.append("Permission  \(p.id): \(p.title)")
    if let section = p.section { lines.append("  section   \(section)") }
    if let condition = p.condition {
      lines.append("  condition \(condition == .own ? "own (resources the principal created)" : "self (own account)")")
    }
    if let feature = p.feature { lines.append("  feature   \(feature) (the tier must include it)") }
    if let reading = p.reading { lines.append("  reading   \(reading)") }
    let tier = model.tier
    lines.append(
      "Tier        \(tier.map { "\($0.name) (features: \($0.features.isEmpty ? "none" : $0.features.joined(separator: ", ")))" } ?? "none (the platform has no tiers)")"
    )
    lines.append("Principal   \(q.principal)\(principalDetails(q.principal, model: model))")
    let scopes = q.scope.selfAndAncestors.reversed().map(\.description)
    lines.append("Scope       \(q.scope) (bindings count from: \(scopes.joined(separator: " ⊃ ")))")
    lines.append("")
    let holdings = model.holdings(of: q.principal)
    lines.append("Roles held (\(holdings.count)):")
    if holdings.isEmpty { lines.append("  none") }
    for holding in holdings {
      let grants =
        model.role(holding.role).map { role in
          model.reaches(role, p) && model.grants(of: role).contains { $0.permission.id == p.id }
        } ?? false
      let applies = holding.scope.contains(q.scope)
      var line = "  - \(model.describe(holding))"
      line += grants ? (applies ? "  → grants it here" : "  → grants it, but not here") : "  → does not grant it"
      lines.append(line)
    }
    lines.append("")
    lines.append("Reasons:")
    lines += decision.reasons.map { "  - \($0.message)" }
    return lines.joined(separator: "\n")
  }

  static func principalDetails(_ principal: PrincipalID, model: AccessModel) -> String {
    guard case .user(let email) = principal, let user = model.user(email) else { return "" }
    var parts = [user.source.rawValue]
    parts.append(user.twoFactorEnrolled ? "2FA enrolled" : "2FA not enrolled")
    parts.append(user.disabled ? "disabled" : "active")
    return " (\(parts.joined(separator: ", ")))"
  }
}
