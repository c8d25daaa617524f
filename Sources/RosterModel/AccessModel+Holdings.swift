/// One way a principal holds a role at a scope: bound to it directly, or to a group it
/// belongs to (through the chain in `via`), or as the platform's operator.
public struct Holding: Sendable, Hashable {
  public enum Source: String, Sendable, Hashable {
    /// A binding stated in the configuration.
    case binding
    /// A role the catalog gives a default group.
    case defaultGroup = "default-group"
    /// A role the catalog gives every custom group.
    case customGroup = "custom-group"
    /// A role of the platform's operator.
    case `operator`
  }

  public var role: String
  public var scope: Scope
  /// The groups it comes through, from the principal outwards: `[A, B]` means the principal
  /// is in A, which is in B, which holds the role. Empty for a direct binding.
  public var via: [String]
  public var source: Source
  /// The first group of `via` holds the principal automatically (a local account in Everyone).
  public var automatic: Bool
}

extension AccessModel {
  /// The default groups a principal belongs to without being listed.
  public func automaticGroups(of principal: PrincipalID) -> [String] {
    guard case .user(let email) = principal, let user = user(email) else { return [] }
    return catalog.defaultGroups.compactMap { group in
      switch group.automaticMembers {
      case .none: return nil
      case .allUsers: return group.name
      case .localUsers: return user.source == .local ? group.name : nil
      }
    }
  }

  /// The roles a group holds itself: its bindings, then what the catalog gives it, with
  /// wildcard scopes expanded to the tenants where they exist.
  func ownHoldings(ofGroup name: String, bindingsByPrincipal: BindingTable) -> [Holding] {
    var result: [Holding] = []
    for binding in bindingsByPrincipal[.group(name)] ?? [] {
      result.append(Holding(role: binding.role, scope: binding.scope, via: [], source: .binding, automatic: false))
    }
    let isDefault = groups[name]?.isDefault == true
    for groupRole in groupRoles(name) {
      for scope in groupRole.scope.expand(tenants: tenantNames) where scopeExists(scope) {
        result.append(
          Holding(
            role: groupRole.role, scope: scope, via: [], source: isDefault ? .defaultGroup : .customGroup,
            automatic: false))
      }
    }
    return result
  }

  /// Every way `principal` holds a role, with the group chain of each. Meant for explaining
  /// one decision; the ``Authorizer`` compiles the same facts into tables for speed.
  public func holdings(of principal: PrincipalID) -> [Holding] {
    holdings(of: principal, memberOf: groupsByMember)
  }

  /// The same, with the groups each principal is listed in given: ``groupsByMember`` or, for a
  /// few accounts, ``groupsByMember(of:)`` of them.
  public func holdings(of principal: PrincipalID, memberOf: [PrincipalID: [String]]) -> [Holding] {
    let principal = canonical(principal)
    if principal == .operator {
      return (catalog.platformOperator?.roles ?? []).map {
        Holding(role: $0, scope: .organization, via: [], source: .operator, automatic: false)
      }
    }
    let byPrincipal = bindingsByPrincipal
    var result: [Holding] = (byPrincipal[principal] ?? []).map {
      Holding(role: $0.role, scope: $0.scope, via: [], source: .binding, automatic: false)
    }
    // Breadth-first over the groups that contain the principal, keeping each chain; a group
    // reached twice is explained by its shortest chain.
    var queue: [(group: String, via: [String], automatic: Bool)] = []
    for name in memberOf[principal] ?? [] { queue.append((name, [name], false)) }
    for name in automaticGroups(of: principal) where !(memberOf[principal] ?? []).contains(name) {
      queue.append((name, [name], true))
    }
    var seen = Set<String>()
    var index = 0
    while index < queue.count {
      let (group, via, automatic) = queue[index]
      index += 1
      guard seen.insert(group).inserted else { continue }
      for holding in ownHoldings(ofGroup: group, bindingsByPrincipal: byPrincipal) {
        var h = holding
        h.via = via
        h.automatic = automatic
        result.append(h)
      }
      for parent in memberOf[.group(group)] ?? [] { queue.append((parent, via + [parent], automatic)) }
    }
    return result
  }

  /// The permissions a role grants with the condition each carries, honouring `*`.
  public func grants(of role: Role) -> [(permission: Permission, condition: Condition?)] {
    if role.allPermissions {
      return catalog.permissions.map { ($0, $0.condition) }
    }
    return role.grants.compactMap { grant in
      catalog.permission(grant.permission).map { ($0, grant.condition ?? $0.condition) }
    }
  }

  /// Whether a binding of `role` at `bound` reaches `permission` at all: a role restricted to
  /// some services does not carry the permissions of other services.
  public func reaches(_ role: Role, _ permission: Permission) -> Bool {
    guard let services = role.services, let service = permission.service else { return true }
    return services.contains(service)
  }
}
