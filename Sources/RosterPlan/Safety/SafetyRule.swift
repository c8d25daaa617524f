/// A safety rule: what plan and apply refuse (or warn about) on the way from the current state to
/// the desired one, with a stable id a user can look up (`roster rules`, `docs/safety.md`).
public struct SafetyRule: Sendable, Hashable, Codable {
  public var id: String
  public var name: String
  /// `error` refuses the plan (unless `override` is given); `warning` is shown.
  public var severity: String
  public var rationale: String
  /// The flag that allows an error of this rule, recorded in the plan and the audit log.
  public var override: String?

  public static let lockout = SafetyRule(
    id: "RST101", name: "lockout", severity: "error",
    rationale:
      "At every step of the plan, at least safety.minAdmins people hold administrator rights and can sign in "
      + "under the sign-in policy of that step.")
  public static let lastAdministrator = SafetyRule(
    id: "RST102", name: "last-administrator", severity: "error",
    rationale:
      "The last administrator is never removed, disabled or demoted, directly or through a group, a binding or a "
      + "source change.")
  public static let selfChange = SafetyRule(
    id: "RST103", name: "no-self-change", severity: "error",
    rationale: "Nobody changes their own roles: the actor applying a plan cannot grant or take away its own.")
  public static let delegation = SafetyRule(
    id: "RST104", name: "delegation", severity: "error",
    rationale:
      "The actor may make a role change only where the catalog's delegation rules allow it, or, without such "
      + "rules, where it holds every permission the role grants at that scope (as Kubernetes RBAC).")
  public static let ineffectiveGrant = SafetyRule(
    id: "RST105", name: "ineffective-grant", severity: "warning",
    rationale: "A role bound where the subscription tier lacks a feature its permissions need grants less than it says."
  )
  public static let massRemoval = SafetyRule(
    id: "RST106", name: "mass-removal", severity: "error",
    rationale:
      "Removing more than safety.maxRemovalRatio of the users, memberships or bindings (each counted on its own, "
      + "from 5 removals up) needs confirmation: a truncated file must not wipe an organisation.",
    override: "--allow-mass-removal")
  public static let signInChange = SafetyRule(
    id: "RST107", name: "sign-in-change", severity: "error",
    rationale: "Any change to how people sign in (login mode, provider, 2FA) is called out and needs confirmation.",
    override: "--confirm-sign-in-change")
  public static let twoFactorEnrolment = SafetyRule(
    id: "RST108", name: "two-factor-enrolment", severity: "warning",
    rationale:
      "Under organisation-wide 2FA an administrator without 2FA can still sign in, but must enrol first: said, "
      + "not refused.")

  public static let guardrail = SafetyRule(
    id: "RST109", name: "guardrail", severity: "error",
    rationale:
      "A plan may not leave anyone holding a permission an AccessTest's mustNotGrant reserves to others.")

  public static let all: [SafetyRule] = [
    lockout, lastAdministrator, selfChange, delegation, ineffectiveGrant, massRemoval, signInChange,
    twoFactorEnrolment, guardrail,
  ]
}

/// One thing a safety rule found in a plan.
public struct SafetyFinding: Sendable, Hashable, Codable {
  public var rule: String
  public var severity: String
  public var message: String
  /// What to change so the plan passes.
  public var hint: String?
  /// The change it is about, as the plan names it.
  public var change: String?
  /// True when an override given for the plan allows it.
  public var overridden: Bool

  public init(
    _ rule: SafetyRule, _ message: String, hint: String? = nil, change: String? = nil, overridden: Bool = false
  ) {
    self.rule = rule.id
    self.severity = rule.severity
    self.message = message
    self.hint = hint
    self.change = change
    self.overridden = overridden
  }

  /// True when it refuses the plan.
  public var blocks: Bool { severity == "error" && !overridden }

  public var description: String {
    var text = "\(severity)[\(rule)]: \(message)"
    if overridden { text += " (allowed by override)" }
    if let change { text += "\n    at: \(change)" }
    if let hint, !overridden { text += "\n    to fix: \(hint)" }
    return text
  }
}
