/// What a platform's access model is made of: scope levels, tiers and features, permissions,
/// built-in roles, default groups, platform rules and delegation rules.
///
/// It is built piece by piece; each `add` checks what it references and refuses duplicates,
/// so a catalog that exists is consistent. ``validateComplete()`` checks what can only be
/// checked at the end (the default tier, the operator's roles).
public struct PlatformCatalog: Sendable {
  public let name: String
  public var title: String
  public var source: String?
  public var description: String?
  public private(set) var scopeLevels: [ScopeLevelInfo]
  public private(set) var services: [Service] = []
  public private(set) var features: [Feature] = []
  public private(set) var tiers: [Tier] = []
  public private(set) var defaultTier: String?
  public private(set) var permissions: [Permission] = []
  public private(set) var roles: [Role] = []
  public private(set) var defaultGroups: [DefaultGroup] = []
  public private(set) var customGroupRoles: [String] = []
  public private(set) var platformOperator: PlatformOperator?
  public var rules: PlatformRules
  public private(set) var delegation: Delegation?

  private var permissionIndex: [String: Int] = [:]
  private var roleIndex: [String: Int] = [:]

  public init(
    name: String, title: String, scopeLevels: [ScopeLevelInfo], rules: PlatformRules = PlatformRules()
  ) throws(ModelError) {
    guard !scopeLevels.isEmpty, scopeLevels[0].level == .organization else {
      throw ModelError(.invalidValue, "a platform's scope levels start with 'organization'")
    }
    for (a, b) in zip(scopeLevels, scopeLevels.dropFirst()) where b.level <= a.level {
      throw ModelError(
        .invalidValue,
        "scope levels go organization, tenant, service, folder: '\(b.level.rawValue)' "
          + "cannot follow '\(a.level.rawValue)'")
    }
    self.name = name
    self.title = title
    self.scopeLevels = scopeLevels
    self.rules = rules
    for level in rules.customRoleLevels where !scopeLevels.contains(where: { $0.level == level }) {
      throw ModelError(
        .unknownReference, "custom roles at level '\(level.rawValue)', which this platform lacks")
    }
  }

  // MARK: Lookup

  public func permission(_ id: String) -> Permission? {
    permissionIndex[id].map { permissions[$0] }
  }

  /// The index of a permission in ``permissions``, which compiled bitsets use.
  public func permissionNumber(_ id: String) -> Int? { permissionIndex[id] }

  public func role(_ id: String) -> Role? { roleIndex[id].map { roles[$0] } }

  public func service(_ name: String) -> Service? { services.first { $0.name == name } }

  public func hasLevel(_ level: ScopeLevel) -> Bool { scopeLevels.contains { $0.level == level } }

  public func tier(_ name: String) -> Tier? { tiers.first { $0.name == name } }

  public func defaultGroup(_ name: String) -> DefaultGroup? {
    defaultGroups.first { $0.name == name }
  }

  /// The label the platform gives a level ("linked company"), or the level's own name.
  public func label(of level: ScopeLevel) -> String {
    scopeLevels.first { $0.level == level }?.label ?? level.rawValue
  }

  /// Finds a permission by id, by exact title, or by the seed's verbatim words alone when a
  /// title carries a bracketed reading and those words are unambiguous.
  public func findPermission(_ text: String) -> PermissionLookup {
    if let p = permission(text) { return .found(p) }
    let byTitle = permissions.filter { $0.title == text }
    if byTitle.count == 1 { return .found(byTitle[0]) }
    let folded = text.lowercased()
    let byFolded = permissions.filter {
      $0.title.lowercased() == folded || $0.verbatimTitle.lowercased() == folded
    }
    if byFolded.count == 1 { return .found(byFolded[0]) }
    if byFolded.count > 1 { return .ambiguous(byFolded) }
    return .notFound(
      suggestion: closestMatch(to: text, in: permissions.map(\.id) + permissions.map(\.title)))
  }

  // MARK: Building

  public mutating func addService(_ service: Service) throws(ModelError) {
    guard hasLevel(.service) else {
      throw ModelError(.invalidValue, "services need the 'service' scope level")
    }
    guard self.service(service.name) == nil else {
      throw ModelError(.duplicate, "service '\(service.name)' is defined twice")
    }
    services.append(service)
  }

  public mutating func addFeature(_ feature: Feature) throws(ModelError) {
    guard !features.contains(where: { $0.name == feature.name }) else {
      throw ModelError(.duplicate, "feature '\(feature.name)' is defined twice")
    }
    features.append(feature)
  }

  public mutating func addTier(_ tier: Tier) throws(ModelError) {
    guard self.tier(tier.name) == nil else {
      throw ModelError(.duplicate, "tier '\(tier.name)' is defined twice")
    }
    for feature in tier.features where !features.contains(where: { $0.name == feature }) {
      throw .unknown("feature", feature, among: features.map(\.name), context: " in tier '\(tier.name)'")
    }
    tiers.append(tier)
  }

  public mutating func setDefaultTier(_ name: String) throws(ModelError) {
    guard tier(name) != nil else { throw .unknown("tier", name, among: tiers.map(\.name)) }
    defaultTier = name
  }

  public mutating func addPermission(_ permission: Permission) throws(ModelError) {
    guard permissionIndex[permission.id] == nil else {
      throw ModelError(.duplicate, "permission '\(permission.id)' is defined twice")
    }
    guard hasLevel(permission.level) else {
      throw ModelError(
        .invalidValue,
        "permission '\(permission.id)' is at level '\(permission.level.rawValue)', "
          + "which this platform lacks")
    }
    if let service = permission.service, self.service(service) == nil {
      throw .unknown("service", service, among: services.map(\.name))
    }
    if let feature = permission.feature, !features.contains(where: { $0.name == feature }) {
      throw .unknown("feature", feature, among: features.map(\.name))
    }
    permissionIndex[permission.id] = permissions.count
    permissions.append(permission)
  }

  /// Adds a built-in role; its grants and limitations must name known permissions.
  public mutating func addRole(_ role: Role) throws(ModelError) {
    guard roleIndex[role.id] == nil else {
      throw ModelError(.duplicate, "role '\(role.id)' is defined twice")
    }
    try checkRole(role)
    roleIndex[role.id] = roles.count
    roles.append(role)
  }

  /// Checks a role's references against this catalog (used for built-in and custom roles).
  public func checkRole(_ role: Role) throws(ModelError) {
    guard !role.levels.isEmpty else {
      throw ModelError(.invalidValue, "role '\(role.id)' has no scope level it may be bound at")
    }
    for level in role.levels where !hasLevel(level) {
      throw ModelError(
        .invalidValue,
        "role '\(role.id)' may be bound at level '\(level.rawValue)', which this platform lacks")
    }
    var seen = Set<String>()
    for grant in role.grants {
      guard permission(grant.permission) != nil else {
        throw .unknown(
          "permission", grant.permission, among: permissions.map(\.id),
          context: " in role '\(role.id)'")
      }
      guard seen.insert(grant.permission).inserted else {
        throw ModelError(
          .duplicate, "role '\(role.id)' lists permission '\(grant.permission)' twice")
      }
    }
    for service in role.services ?? [] where self.service(service) == nil {
      throw .unknown("service", service, among: services.map(\.name), context: " in role '\(role.id)'")
    }
    for limitation in role.limitations {
      for id in limitation.permissions where permission(id) == nil {
        throw .unknown(
          "permission", id, among: permissions.map(\.id),
          context: " in a limitation of role '\(role.id)'")
      }
    }
    for kind in role.bindableTo ?? [] where !rules.principals.contains(kind) && kind != .operator {
      throw ModelError(
        .invalidValue,
        "role '\(role.id)' is bindable to \(kind.noun)s, which this platform does not have")
    }
  }

  public mutating func addDefaultGroup(_ group: DefaultGroup) throws(ModelError) {
    guard defaultGroup(group.name) == nil else {
      throw ModelError(.duplicate, "default group '\(group.name)' is defined twice")
    }
    for groupRole in group.roles {
      guard let role = role(groupRole.role) else {
        throw .unknown(
          "role", groupRole.role, among: roles.map(\.id),
          context: " in default group '\(group.name)'")
      }
      guard role.levels.contains(groupRole.scope.scope.level) else {
        throw ModelError(
          .roleBinding,
          "default group '\(group.name)' holds role '\(role.id)' at \(groupRole.scope), but that "
            + "role may be bound only at \(role.levels.map(\.rawValue).joined(separator: ", "))")
      }
      if let service = groupRole.scope.scope.service, self.service(service) == nil {
        throw .unknown("service", service, among: services.map(\.name))
      }
    }
    defaultGroups.append(group)
  }

  public mutating func setCustomGroupRoles(_ ids: [String]) throws(ModelError) {
    for id in ids {
      guard let role = role(id) else { throw .unknown("role", id, among: roles.map(\.id)) }
      guard role.levels.contains(.organization) else {
        throw ModelError(
          .roleBinding, "custom groups hold their roles at organization, where '\(id)' is not bound")
      }
    }
    customGroupRoles = ids
  }

  public mutating func setOperator(_ op: PlatformOperator) throws(ModelError) {
    for id in op.roles {
      guard let role = role(id) else { throw .unknown("role", id, among: roles.map(\.id)) }
      guard role.assignment == .operator else {
        throw ModelError(
          .roleBinding, "the operator's role '\(id)' must have 'assignment: operator'")
      }
    }
    platformOperator = op
  }

  public mutating func setDelegation(_ delegation: Delegation) throws(ModelError) {
    for rule in delegation.rules {
      guard permission(rule.permission) != nil else {
        throw .unknown("permission", rule.permission, among: permissions.map(\.id), context: " in delegation")
      }
      for id in rule.to + rule.from where role(id) == nil {
        throw .unknown("role", id, among: roles.map(\.id), context: " in delegation")
      }
    }
    self.delegation = delegation
  }

  /// Checks what only a finished catalog can: a default tier when there are tiers, every
  /// operator role held by an operator.
  public func validateComplete() throws(ModelError) {
    if !tiers.isEmpty && defaultTier == nil {
      throw ModelError(.invalidValue, "a platform with tiers needs a 'defaultTier'")
    }
    for role in roles where role.assignment == .operator {
      guard platformOperator?.roles.contains(role.id) == true else {
        throw ModelError(
          .roleBinding, "role '\(role.id)' is for the operator, but no operator holds it")
      }
    }
  }
}

/// The result of looking a permission up by id or title.
public enum PermissionLookup: Sendable {
  case found(Permission)
  case ambiguous([Permission])
  case notFound(suggestion: String?)
}

extension Permission {
  /// The title without a bracketed reading: the seed's own words.
  public var verbatimTitle: String {
    guard let open = title.firstIndex(of: "[") else { return title }
    return String(title[..<open]).trimmingSpaces
  }
}
