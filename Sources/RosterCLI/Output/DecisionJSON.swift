import RosterModel

/// The JSON shape of a decision (`check --format json`):
/// `{"decision": "allow"|"deny", "principal", "permission": {id, title}, "scope", "owner", "reasons": [...]}`.
struct DecisionJSON: Encodable {
  struct PermissionJSON: Encodable {
    var id: String
    var title: String
    var feature: String?
    var condition: String?
  }

  struct ReasonJSON: Encodable {
    var kind: String
    var message: String
    var role: String?
    var scope: String?
    var via: [String]?
    var source: String?
    var condition: String?
  }

  var decision: String
  var principal: String
  var permission: PermissionJSON
  var scope: String
  var owner: String?
  var reasons: [ReasonJSON]

  init(_ decision: Decision) {
    self.decision = decision.outcome.rawValue
    principal = decision.question.principal.description
    permission = PermissionJSON(
      id: decision.permission.id, title: decision.permission.title, feature: decision.permission.feature,
      condition: decision.permission.condition?.rawValue)
    scope = decision.question.scope.description
    owner = decision.question.owner?.description
    reasons = decision.reasons.map { reason in
      ReasonJSON(
        kind: reason.kind.rawValue, message: reason.message, role: reason.holding?.role,
        scope: reason.holding?.scope.description, via: reason.holding.flatMap { $0.via.isEmpty ? nil : $0.via },
        source: reason.holding?.source.rawValue, condition: reason.condition?.rawValue)
    }
  }
}
