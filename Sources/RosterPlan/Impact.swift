import RosterModel

/// What a plan does to people's access: for each group of accounts the same change affects the
/// same way, the permissions they gain and lose at a scope, and the change that causes it.
public struct ImpactEntry: Sendable, Hashable, Codable {
  /// The accounts (users, robot accounts, applications), canonical form.
  public var principals: [String]
  public var scope: String
  /// Permission titles gained and lost at the scope (and every scope inside it).
  public var gained: [String]
  public var lost: [String]
  /// The change that causes it, as the plan names it.
  public var cause: String

  public init(principals: [String], scope: String, gained: [String], lost: [String], cause: String) {
    self.principals = principals
    self.scope = scope
    self.gained = gained
    self.lost = lost
    self.cause = cause
  }
}

public enum Impact {
  /// The cause as readers group it: the same kind of change to the same group or role reads the same.
  static func label(_ change: Change) -> String {
    let parts = change.keyParts
    let verb = change.action == .delete ? "removed" : change.action == .create ? "added" : "changed"
    switch change.kind {
    case .binding where parts.count == 3: return "role '\(parts[1])' at \(parts[2]) \(verb == "added" ? "bound" : verb)"
    case .membership where parts.count == 2: return "membership of group '\(parts[0])' \(verb)"
    case .organization: return "the organisation's tier changed"
    case .role: return "custom role '\(change.key)' \(verb)"
    default: return "\(change.kind.rawValue) \(change.key) \(verb)"
    }
  }

  /// The access impact of `changes`, computed only for the accounts the changed objects reach.
  public static func compute(changes: [Change], before: AccessModel, after: AccessModel) -> [ImpactEntry] {
    compute(changes: changes, before: Lazy(value: before), after: after)
  }

  /// The same, with the current state's model made only if a change reaches someone (none when it
  /// cannot be built).
  public static func compute(changes: [Change], before lazyBefore: Lazy<AccessModel?>, after: AccessModel)
    -> [ImpactEntry]
  {
    // Both states' models, the current one made on first use.
    func models() -> [AccessModel] { [lazyBefore.value, after].compactMap { $0 } }
    // Which accounts each change reaches, in either state.
    var causes: [PrincipalID: String] = [:]
    func reach(_ principal: PrincipalID, _ change: Change) {
      var queue = [principal]
      var seen = Set<PrincipalID>()
      while let next = queue.popLast() {
        guard seen.insert(next).inserted else { continue }
        if case .group(let name) = next {
          for model in models() {
            queue += model.groups[name]?.members ?? []
            if let group = model.catalog.defaultGroup(name), group.automaticMembers != .none {
              queue += model.users.values.filter {
                group.automaticMembers == .allUsers || $0.source == .local
              }.map { .user($0.email) }
            }
          }
        } else if causes[next] == nil {
          causes[next] = label(change)
        }
      }
    }
    // Relations first, so that a new account's access is put down to its roles, not its creation.
    let priority: [ObjectKind: Int] = [.binding: 0, .membership: 0, .organization: 1, .role: 2]
    let ordered = changes.enumerated().sorted {
      (priority[$0.element.kind] ?? 3, $0.offset) < (priority[$1.element.kind] ?? 3, $1.offset)
    }.map(\.element)
    for change in ordered {
      let parts = change.keyParts
      switch change.kind {
      case .binding, .membership:
        // A membership reaches its member (and a group's members), not the group's other
        // members, whose access it does not change.
        if let principal = PrincipalID(canonical: parts[change.kind == .binding ? 0 : 1]) { reach(principal, change) }
      case .user:
        // A new name or directory id changes no one's access.
        if change.action == .update, change.fields.allSatisfy({ ["name", "directoryId"].contains($0.field) }) {
          continue
        }
        reach(.user(change.key), change)
        if let from = change.from { reach(.user(from), change) }
      case .group:
        reach(.group(change.key), change)
      case .robot: reach(.robot(change.key), change)
      case .app: reach(.app(change.key), change)
      case .role:
        for model in models() {
          for (principal, bindings) in model.bindingsByPrincipal
          where bindings.contains(where: { $0.role == change.key }) {
            reach(principal, change)
          }
        }
      case .organization:
        guard change.fields.contains(where: { $0.field == "tier" }) else { continue }
        let everyone = Set(models().flatMap { $0.users.values.map { PrincipalID.user($0.email) } })
        for user in everyone { reach(user, change) }
      case .tenant:
        continue
      }
    }
    guard !causes.isEmpty else { return [] }
    // Tables of the accounts reached alone (the whole organisation's took most of a plan's time),
    // the desired state's made while the current state's model is being made, if it is.
    let reached = Set(causes.keys)
    let (madeBefore, afterAuthorizer) = concurrently(
      { lazyBefore.value.map { Authorizer($0, only: reached) } }, { Authorizer(after, only: reached) })
    guard let beforeAuthorizer = madeBefore else { return [] }
    let before = beforeAuthorizer.model
    let permissions = after.catalog.permissions
    // Each permission's number in the current state's catalog (the same but for a catalog changed).
    let numberBefore = permissions.map { before.catalog.permissionNumber($0.id) }
    func holds(_ bits: [UInt64], _ number: Int?) -> Bool {
      guard let number, number / 64 < bits.count else { return false }
      return bits[number / 64] & (1 << UInt64(number % 64)) != 0
    }
    // The accounts of each entry (an entry without its accounts).
    var grouped: [ImpactEntry: [String]] = [:]
    for (principal, cause) in causes.sorted(by: { $0.key < $1.key }) {
      // The scopes to compare: the organisation and every scope a role is held at in either
      // state (elsewhere each holds what it holds around), outermost first.
      var scopes = Set<Scope>([.organization])
      scopes.formUnion(beforeAuthorizer.heldScopes(of: principal))
      scopes.formUnion(afterAuthorizer.heldScopes(of: principal))
      var reported: [Scope: (gained: Set<String>, lost: Set<String>)] = [:]
      for scope in scopes.sorted(by: { $0.level.depth < $1.level.depth || ($0.level == $1.level && $0 < $1) }) {
        // What the account may use there, on its own account and what it owns, in each state
        // (nothing where it or the scope does not exist).
        let was = beforeAuthorizer.permissions(of: principal, at: scope)
        let now = afterAuthorizer.permissions(of: principal, at: scope)
        var gained = Set<String>()
        var lost = Set<String>()
        for (number, permission) in permissions.enumerated() {
          let (had, has) = (holds(was, numberBefore[number]), holds(now, number))
          if has && !had { gained.insert(permission.title) }
          if had && !has { lost.insert(permission.title) }
        }
        // What an enclosing scope already reports is not repeated inside it.
        for (outer, seen) in reported where outer.contains(scope) {
          gained.subtract(seen.gained)
          lost.subtract(seen.lost)
        }
        guard !gained.isEmpty || !lost.isEmpty else { continue }
        reported[scope] = (gained, lost)
        let entry = ImpactEntry(
          principals: [], scope: scope.description, gained: gained.sorted(), lost: lost.sorted(), cause: cause)
        grouped[entry, default: []].append(principal.description)
      }
    }
    // By cause, then scope, then the permissions gained and lost.
    return grouped.map { entry, principals in
      var entry = entry
      entry.principals = principals
      return entry
    }.sorted {
      ($0.cause, $0.scope) != ($1.cause, $1.scope)
        ? ($0.cause, $0.scope) < ($1.cause, $1.scope)
        : $0.gained != $1.gained
          ? $0.gained.lexicographicallyPrecedes($1.gained) : $0.lost.lexicographicallyPrecedes($1.lost)
    }
  }
}
