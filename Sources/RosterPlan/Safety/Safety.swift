import RosterModel

/// The safety rules, applied to a plan's ordered changes (DESIGN §4).
public enum Safety {
  /// The flags that allow a rule's errors.
  public static let allowMassRemoval = "--allow-mass-removal"
  public static let confirmSignInChange = "--confirm-sign-in-change"
  /// Removals below this count never trip the mass-removal rule, whatever the ratio.
  public static let massRemovalMinimum = 5

  /// Everything the rules find in `changes` made by `actor` on `current`.
  /// - Parameter overrides: the override flags given (`--allow-mass-removal`, …).
  /// - Parameter model: the model of `current`, made only if a rule needs it (shared with the
  ///   access impact); nil: made here when needed, from the state after the plan by undoing the
  ///   changes where they can be undone, else from `current`.
  /// - Parameter result: the model of the state after the plan, on `catalog`, when the caller has
  ///   built it already.
  public static func check(
    _ changes: [Change], current: StateSnapshot, catalog: PlatformCatalog, actor: String, overrides: Set<String>,
    model: Lazy<AccessModel?>? = nil, result: AccessModel? = nil
  ) -> [SafetyFinding] {
    guard !changes.isEmpty else { return [] }
    // The state after the plan, built once and shared by the rules.
    let after =
      result ?? (try? current.applying(changes)).flatMap { try? AccessModel(snapshot: $0, catalog: catalog) }
    let before =
      model ?? Lazy<AccessModel?> { AccessModel.before(changes, state: current, catalog: catalog, after: after) }
    var findings: [SafetyFinding] = []
    findings += administrators(changes, current: current, before: before, after: after, catalog: catalog)
    findings += roleChanges(changes, before: before, after: after, catalog: catalog, actor: actor)
    findings += massRemoval(changes, current: current, overrides: overrides)
    findings += signIn(changes, overrides: overrides)
    findings += ineffective(changes, after: after, catalog: catalog)
    return findings
  }

  // MARK: Administrators: lockout, the last administrator, 2FA enrolment

  /// The people who hold an administrator role at the organisation (directly, through groups,
  /// default groups and their automatic members), and those of them who can sign in.
  struct Census {
    var holders: [String]
    var canSignIn: [String]
    var withoutTwoFactor: [String]
    var adminGroups: Set<String>
  }

  static func census(_ model: AccessModel) -> Census {
    let adminRoles = Set(model.allRoles.filter(\.administrator).map(\.id))
    // Groups that hold an administrator role at the organisation themselves, then every group
    // inside one of them: linear in groups and members. Those bound to one there are among the
    // few principals bound to any role there; the catalog gives each default group its own
    // roles and every custom group the same (each group's looked up, 5,000 of them at 50,000
    // users, was a fifth of a plan's rules that take users away).
    func grantsAdmin(_ roles: [GroupRole]) -> Bool {
      roles.contains { adminRoles.contains($0.role) && !$0.scope.isWildcard && $0.scope.scope == .organization }
    }
    var adminGroups = Set<String>()
    for (principal, roles) in model.organizationRoleHolders where roles.contains(where: adminRoles.contains) {
      if case .group(let name) = principal { adminGroups.insert(name) }
    }
    for group in model.catalog.defaultGroups where grantsAdmin(group.roles) { adminGroups.insert(group.name) }
    if grantsAdmin(model.catalog.customGroupRoles.map { GroupRole(role: $0) }) {
      for (name, group) in model.groups where !group.isDefault { adminGroups.insert(name) }
    }
    var queue = Array(adminGroups)
    var adminUsers = Set<String>()
    var everyUser = false
    var everyLocalUser = false
    while let group = queue.popLast() {
      for member in model.groups[group]?.members ?? [] {
        switch member {
        case .group(let name): if adminGroups.insert(name).inserted { queue.append(name) }
        case .user(let email): adminUsers.insert(email.userKey)
        default: break
        }
      }
      switch model.catalog.defaultGroup(group)?.automaticMembers ?? AutomaticMembers.none {
      case .allUsers: everyUser = true
      case .localUsers: everyLocalUser = true
      case .none: break
      }
    }
    // Users bound to one at the organisation (among the few bound to any role there).
    for (principal, roles) in model.organizationRoleHolders {
      guard case .user(let email) = principal, roles.contains(where: adminRoles.contains) else { continue }
      adminUsers.insert(email.userKey)
    }
    var census = Census(holders: [], canSignIn: [], withoutTwoFactor: [], adminGroups: adminGroups)
    let managed = model.organization.signIn.mode == .managed
    // The administrators, by email: only they are sorted, not every user. Every user is looked
    // at only when a default group makes every (local) user one; else the administrators found
    // are looked up (a pass over 50,000 users was 10 ms of each census).
    let candidates =
      everyUser || everyLocalUser ? Array(model.users.values) : adminUsers.compactMap { model.users[$0] }
    let admins = candidates.filter { user in
      !user.disabled
        && (everyUser || (everyLocalUser && user.source == .local) || adminUsers.contains(user.email.userKey))
    }.map { (key: $0.email.userKey, user: $0) }.sorted { $0.key < $1.key }.map(\.user)
    for user in admins {
      census.holders.append(user.email)
      guard !managed || user.source == .directory else { continue }
      census.canSignIn.append(user.email)
      if model.organization.signIn.requireTwoFactor && !user.twoFactorEnrolled && user.source == .local {
        census.withoutTwoFactor.append(user.email)
      }
    }
    return census
  }

  /// Whether a change can take administrator rights away (so the state after it is checked).
  /// Without a census (before one is needed): whether it can for some administrators.
  static func mayReduce(_ change: Change, _ census: Census?, adminRoles: Set<String>) -> Bool {
    switch (change.kind, change.action) {
    case (_, .create): return false
    case (.organization, _): return true
    case (.user, .update), (.user, .adopt):
      // A new name or directory id takes nothing away; being disabled, moved or unenrolled can.
      let harmless: Set<String> = ["name", "directoryId"]
      guard change.fields.contains(where: { !harmless.contains($0.field) }) else { return false }
      return census?.holders.contains { $0.userKey == change.key } ?? true
    case (.user, _):
      return census?.holders.contains { $0.userKey == change.key || $0.userKey == change.from } ?? true
    case (.group, _):
      guard let census else { return true }
      return census.adminGroups.contains(change.key) || census.adminGroups.contains(change.from ?? "")
    case (.binding, .delete):
      let parts = change.keyParts
      return parts.count == 3 && adminRoles.contains(parts[1])
    case (.membership, .delete):
      let parts = change.keyParts
      return parts.count == 2 && (census?.adminGroups.contains(parts[0]) ?? true)
    default: return false
    }
  }

  /// The 2FA enrolment findings: administrators of the state after the plan who have not enrolled.
  static func unenrolled(_ final: AccessModel) -> [SafetyFinding] {
    // Without the requirement nobody is listed: the census of every user is not taken for nothing.
    guard final.organization.signIn.requireTwoFactor else { return [] }
    return Self.census(final).withoutTwoFactor.map { email in
      SafetyFinding(
        .twoFactorEnrolment,
        "administrator \(email) has not enrolled 2FA, which the organisation requires: they must enrol at "
          + "their next sign-in",
        hint: "set twoFactor: true once they have enrolled")
    }
  }

  static func administrators(
    _ changes: [Change], current: StateSnapshot, before lazyBefore: Lazy<AccessModel?>, after: AccessModel?,
    catalog: PlatformCatalog
  ) -> [SafetyFinding] {
    let adminRoles = Set(catalog.roles.filter(\.administrator).map(\.id))
    // Changes that cannot take rights away from anyone (creates, renames of users) leave every
    // administrator in place: only the result's 2FA enrolment is left to check, and the current
    // state's model is not needed.
    guard changes.contains(where: { mayReduce($0, nil, adminRoles: adminRoles) }) else {
      return after.map(unenrolled) ?? []
    }
    guard let before = lazyBefore.value else { return [] }
    var census = Self.census(before)
    // The state after each change, made only where an intermediate state is checked: the
    // changes up to there are applied then (a copy of the state's tables, changed for each of
    // 2,000 changes that took 500 users away, where none could take rights away).
    var snapshot = current
    var applied = 0
    var findings: [SafetyFinding] = []
    var final: AccessModel?
    for (index, change) in changes.enumerated() {
      let checkHere = mayReduce(change, census, adminRoles: adminRoles)
      // Intermediate states are checked only where a change can take rights away; the state
      // after the last change always is.
      let last = index == changes.count - 1
      guard checkHere || last else { continue }
      // The last state is the plan's result, already built.
      if !last {
        do {
          try snapshot.apply(Array(changes[applied...index]))
          applied = index + 1
        } catch {
          break
        }
      }
      guard let model = last ? after : try? AccessModel(snapshot: snapshot, catalog: catalog) else { continue }
      let now = Self.census(model)
      if last { final = model }
      defer { census = now }
      let step = "after step \(index + 1) of \(changes.count) (\(PlanWords.describe(change)))"
      // The current minimum holds for the whole plan: lowering it takes effect from the next one.
      let minimum = before.organization.safety.minAdmins
      if now.holders.isEmpty && !census.holders.isEmpty {
        findings.append(
          SafetyFinding(
            .lastAdministrator,
            "\(step), nobody holds administrator rights: it removes the last administrator "
              + census.holders.joined(separator: ", "),
            hint: "keep \(census.holders.first ?? "an administrator") an administrator, or make someone else one "
              + "first (in the same plan, Roster grants before it removes)",
            change: change.address))
        break
      }
      if now.canSignIn.count < minimum && now.canSignIn.count < census.canSignIn.count {
        let who = now.canSignIn.isEmpty ? "nobody" : now.canSignIn.joined(separator: ", ")
        var hint = "keep at least \(minimum) administrator\(minimum == 1 ? "" : "s") who can sign in"
        if model.organization.signIn.mode == .managed {
          let local = now.holders.filter { !now.canSignIn.contains($0) }
          hint =
            "under managed login only directory users can sign in"
            + (local.isEmpty ? "" : " (\(local.joined(separator: ", ")) \(local.count == 1 ? "is" : "are") local)")
            + ": give a directory user or a directory group with members administrator rights before switching"
        }
        findings.append(
          SafetyFinding(
            .lockout,
            "\(step), \(now.canSignIn.count) of the required \(minimum) administrators can sign in: \(who)",
            hint: hint, change: change.address))
        break
      }
    }
    if let final { findings += unenrolled(final) }
    return findings
  }

  // MARK: Role changes: self-change and delegation

  struct RoleEvent {
    var target: PrincipalID
    var operation: DelegationOperation
    var role: String
    var from: String?
    var scope: Scope
    /// The change's place in the plan's list (a first plan makes 200,000 events: an index is
    /// a word where a change is a dozen).
    var change: Int
  }

  /// Hands each role a plan gives or takes to `event`, as it is found: a first plan at 50,000
  /// users makes 200,000 of them, which are not held. A change's events come one after another.
  static func roleEvents(
    _ changes: [Change], before: AccessModel, after: AccessModel?, _ event: (RoleEvent) -> Void
  ) {
    // Each relation's key is read once (a plan that takes 500 users away read each two or three
    // times, a tenth of its safety rules). The bindings taken away are read first and kept, to
    // pair with those given; the bindings given and the memberships are read as they are handed
    // on (a first plan gives 100,000 of each: held, they were 30 MB of its peak).
    var deleted: [(change: Int, principal: PrincipalID, role: String, scope: Scope)] = []
    for (index, change) in changes.enumerated() where change.kind == .binding && change.action == .delete {
      if let old = change.binding { deleted.append((index, old.principal, old.role, old.scope)) }
    }
    struct Place: Hashable {
      var principal: PrincipalID
      var scope: Scope
    }
    // The bindings taken away by principal and scope, made when a binding given is first read.
    var removed: [Place: [Int]]?
    var paired = Set<Int>()
    let createdUsers = Set(changes.filter { $0.kind == .user && $0.action == .create }.map(\.key))
    for (index, change) in changes.enumerated() where change.kind == .binding && change.action == .create {
      guard let given = change.binding else { continue }
      let (principal, role, scope) = (given.principal, given.role, given.scope)
      if removed == nil {
        removed = [:]
        for (place, old) in deleted.enumerated() {
          removed?[Place(principal: old.principal, scope: old.scope), default: []].append(place)
        }
      }
      if case .user(let email) = principal, createdUsers.contains(email.userKey) {
        event(RoleEvent(target: principal, operation: .create, role: role, scope: scope, change: index))
      } else if let old = removed?[Place(principal: principal, scope: scope)]?.first(where: { !paired.contains($0) }) {
        paired.insert(old)
        let up = (before.role(role)?.rank ?? 0) > (before.role(deleted[old].role)?.rank ?? 0)
        event(
          RoleEvent(
            target: principal, operation: up ? .elevate : .reduce, role: role, from: deleted[old].role, scope: scope,
            change: index))
      } else {
        event(RoleEvent(target: principal, operation: .grant, role: role, scope: scope, change: index))
      }
    }
    for (place, old) in deleted.enumerated() where !paired.contains(place) {
      event(RoleEvent(target: old.principal, operation: .revoke, role: old.role, scope: old.scope, change: old.change))
    }
    // A membership gives (or takes) every role its group holds. The groups those groups are in
    // are found once in each state, for them alone (every member's groups, indexed for 500
    // users' memberships taken away at 50,000 users, were 70 ms and 10 MB).
    func membership(_ change: Change) -> Bool {
      change.kind == .membership && (change.action == .create || change.action == .delete)
    }
    let groups = Set(changes.lazy.filter(membership).map { PrincipalID.group(StateKey.firstPart($0.key)) })
    let memberOf = (
      before: groups.isEmpty ? [:] : before.groupsByMember(of: groups),
      after: groups.isEmpty ? [:] : after?.groupsByMember(of: groups) ?? [:]
    )
    for (index, change) in changes.enumerated() where membership(change) {
      let parts = change.keyParts
      guard parts.count == 2, let member = PrincipalID(canonical: parts[1]) else { continue }
      let (group, created) = (parts[0], change.action == .create)
      // In the order of roles and scopes, not of the bindings (which differs between a model
      // built from the configuration and one built from the state). Each state's model read where
      // it is (`created ? after : before` copied one, all its tables retained, for each change).
      let held =
        created
        ? after?.holdings(of: .group(group), memberOf: memberOf.after)
        : before.holdings(of: .group(group), memberOf: memberOf.before)
      let holdings = (held ?? []).sorted { ($0.role, $0.scope) < ($1.role, $1.scope) }
      for holding in holdings {
        event(
          RoleEvent(
            target: member, operation: created ? .grant : .revoke, role: holding.role, scope: holding.scope,
            change: index))
      }
    }
  }

  static func roleChanges(
    _ changes: [Change], before lazyBefore: Lazy<AccessModel?>, after: AccessModel?, catalog: PlatformCatalog,
    actor: String
  ) -> [SafetyFinding] {
    // Only bindings, memberships and custom roles change who holds which role.
    guard changes.contains(where: { [.binding, .membership, .role].contains($0.kind) }),
      let before = lazyBefore.value
    else { return [] }
    let roleEdits = changes.filter { $0.kind == .role && $0.action != .delete }
    let principal: PrincipalID
    if actor == "operator" || actor == catalog.platformOperator?.name, catalog.platformOperator != nil {
      principal = .operator
    } else if let user = before.user(actor) {
      principal = .user(user.email)
    } else {
      var count = 0
      roleEvents(changes, before: before, after: after) { _ in count += 1 }
      guard count > 0 || !roleEdits.isEmpty else { return [] }
      return [
        SafetyFinding(
          .delegation,
          "the actor '\(actor)' is not an account of the organisation, so it may not grant or take away roles "
            + "(\(count) role change\(count == 1 ? "" : "s") in this plan)",
          hint: "run as an administrator's account: --actor EMAIL (or ROSTER_ACTOR)")
      ]
    }
    // Made only if a role is given or taken, for the actor alone (whose rights are all it asks).
    let rights = Lazy<Authorizer> { Authorizer(before, only: [principal]) }
    let actorNumber = Lazy<Int32?> { rights.value.number(of: principal) }
    var findings: [SafetyFinding] = []
    // Defining or changing a custom role is granting its permissions to everyone who holds it:
    // the actor must hold every one of them (as Kubernetes RBAC's escalation check).
    for change in roleEdits {
      guard let role = after?.role(change.key) else { continue }
      let missing = (after?.grants(of: role) ?? []).map(\.permission).filter {
        !rights.value.isAllowed(principal, $0.id, at: .organization)
      }
      guard !missing.isEmpty else { continue }
      findings.append(
        SafetyFinding(
          .delegation,
          "\(principal) may not \(change.action == .create ? "define" : "change") role '\(role.name)': it lacks "
            + "\(missing.count) of the permissions the role grants",
          hint: "\(actor) lacks " + missing.prefix(5).map { "'\($0.title)'" }.joined(separator: ", "),
          change: change.address))
    }
    // One finding for a change and a role, though the role may be held at several scopes. A
    // change's events come one after another: the roles are remembered for one change at a time
    // (a set of every change's, for a first plan's 235,000 changes, held 7 MB).
    var reportedChange = -1
    var reportedRoles = Set<String>()
    // A decision depends on the operation, the roles and the actor's rights at the scope, not on
    // whom it is about (but for the actor itself) nor on the scope otherwise: a first plan's
    // 180,000 role changes ask a few hundred questions, a plan that takes 500 users away a few
    // dozen (asked for each scope, 1,371 of 19,000 instructions each). A refusal names its
    // scope, and is kept for that scope alone.
    struct Question: Hashable {
      var operation: DelegationOperation
      var role: String
      var from: String?
      /// The actor's rights at the scope (``Authorizer/rights(of:at:)``).
      var rights: [UInt64]
    }
    struct Refusal: Hashable {
      var question: Question
      var scope: Int32
    }
    var allowed = Set<Question>()
    var refused: [Refusal: DelegationDecision] = [:]
    roleEvents(changes, before: before, after: after) { event in
      if event.change != reportedChange {
        reportedChange = event.change
        reportedRoles.removeAll(keepingCapacity: true)
      }
      guard reportedRoles.insert(event.role).inserted else { return }
      if event.target == principal {
        findings.append(
          SafetyFinding(
            .selfChange,
            "\(actor) would \(event.operation.rawValue) their own role"
              + (event.from.map { " from '\($0)'" } ?? "")
              + " \(event.from == nil ? "" : "to ")'\(event.role)' at \(event.scope)",
            hint: "someone else with the rights must make this change", change: changes[event.change].address))
        return
      }
      // A scope the plan creates is judged by the rights at the nearest scope that exists now.
      var scope = event.scope
      while !before.scopeExists(scope), let parent = scope.parent { scope = parent }
      if before.role(event.role) == nil, let after, let role = after.role(event.role) {
        // A custom role the plan defines: the actor must hold every permission it grants.
        let missing = after.grants(of: role).map(\.permission).filter {
          !rights.value.isAllowed(principal, $0.id, at: scope)
        }
        if !missing.isEmpty {
          findings.append(
            SafetyFinding(
              .delegation,
              "\(principal) may not \(event.operation.rawValue) the new role '\(role.name)' at \(event.scope): it "
                + "lacks \(missing.count) of its permissions",
              hint: "\(actor) lacks " + missing.prefix(5).map { "'\($0.title)'" }.joined(separator: ", "),
              change: changes[event.change].address))
        }
        return
      }
      let authorizer = rights.value
      func decide() -> DelegationDecision {
        before.mayMake(
          RoleChange(
            actor: principal, target: event.target, operation: event.operation, role: event.role, from: event.from,
            scope: scope), authorizer: authorizer)
      }
      let decision: DelegationDecision
      if (before.existing(event.target) ?? event.target) != principal,
        let actorNumber = actorNumber.value,
        let scopeNumber = authorizer.number(of: scope)
      {
        let question = Question(
          operation: event.operation, role: event.role, from: event.from,
          rights: authorizer.rights(of: actorNumber, at: scopeNumber))
        guard !allowed.contains(question) else { return }
        let refusal = Refusal(question: question, scope: scopeNumber)
        if let known = refused[refusal] {
          decision = known
        } else {
          decision = decide()
          if decision.allowed { allowed.insert(question) } else { refused[refusal] = decision }
        }
      } else {
        decision = decide()
      }
      guard !decision.allowed else { return }
      let lacks = decision.missing.prefix(5).map { "'\($0.title)'" }.joined(separator: ", ")
      let more = decision.missing.count > 5 ? " and \(decision.missing.count - 5) more" : ""
      findings.append(
        SafetyFinding(
          .delegation, decision.message,
          hint: decision.missing.isEmpty
            ? nil : "\(actor) lacks \(lacks)\(more) at \(event.scope); someone who holds it must make this change",
          change: changes[event.change].address))
    }
    return findings
  }

  // MARK: Mass removal and sign-in changes

  static func massRemoval(_ changes: [Change], current: StateSnapshot, overrides: Set<String>) -> [SafetyFinding] {
    var findings: [SafetyFinding] = []
    let ratio =
      current.object(.organization, "organization")?.fields["maxRemovalRatio"]?.number ?? 0.25
    for kind in [ObjectKind.user, .membership, .binding] {
      let removed = changes.filter { $0.kind == kind && $0.action == .delete }.count
      let total = current.count(kind)
      guard total > 0, removed >= massRemovalMinimum, Double(removed) / Double(total) > ratio else { continue }
      let percent = Int((Double(removed) / Double(total) * 100).rounded())
      findings.append(
        SafetyFinding(
          .massRemoval,
          "the plan removes \(removed) of \(total) \(kind.rawValue)s (\(percent)%, more than "
            + "\(Int((ratio * 100).rounded()))%)",
          hint: "check that no file was cut short or deleted; if the removal is meant, plan again with "
            + allowMassRemoval,
          overridden: overrides.contains(allowMassRemoval)))
    }
    return findings
  }

  static func signIn(_ changes: [Change], overrides: Set<String>) -> [SafetyFinding] {
    guard let change = changes.first(where: { $0.kind == .organization && $0.action == .update }) else { return [] }
    let fields = change.fields.filter { ["signInMode", "signInProvider", "requireTwoFactor"].contains($0.field) }
    guard !fields.isEmpty else { return [] }
    let what = fields.map {
      "\($0.field) \($0.before?.description ?? "unset") → \($0.after?.description ?? "unset")"
    }.joined(separator: ", ")
    return [
      SafetyFinding(
        .signInChange, "the plan changes how people sign in: \(what)",
        hint: "check who can still sign in, then plan again with \(confirmSignInChange)", change: change.address,
        overridden: overrides.contains(confirmSignInChange))
    ]
  }

  // MARK: Ineffective grants

  static func ineffective(_ changes: [Change], after: AccessModel?, catalog: PlatformCatalog) -> [SafetyFinding] {
    guard !catalog.tiers.isEmpty, let model = after, let tier = model.tier else { return [] }
    var findings: [SafetyFinding] = []
    for change in changes where change.kind == .binding && change.action == .create {
      let parts = change.keyParts
      guard parts.count == 3, let role = model.role(parts[1]) else { continue }
      let gated = model.grants(of: role).compactMap { grant -> (Permission, String)? in
        guard let feature = grant.permission.feature, !tier.features.contains(feature) else { return nil }
        return (grant.permission, feature)
      }
      guard let feature = gated.first?.1 else { continue }
      let tiers = catalog.tiers.filter { $0.features.contains(feature) }.map(\.name)
      findings.append(
        SafetyFinding(
          .ineffectiveGrant,
          "role '\(role.name)' bound to \(parts[0]) at \(parts[2]): \(gated.count) of its permissions need feature "
            + "'\(feature)', which tier '\(tier.name)' lacks, so they grant nothing",
          hint: tiers.isEmpty ? nil : "the feature is included in: \(tiers.joined(separator: ", "))",
          change: change.address))
    }
    return findings
  }
}

/// Short words for changes in messages.
enum PlanWords {
  static func describe(_ change: Change) -> String {
    let verb: String
    switch change.action {
    case .create: verb = "create"
    case .update: verb = "update"
    case .rename: verb = "rename"
    case .adopt: verb = "adopt"
    case .delete: verb = "remove"
    }
    return "\(verb) \(change.address)"
  }
}
