/// A condition that narrows a permission.
public enum Condition: String, Sendable, Hashable, Codable, CaseIterable {
  /// Only on resources the principal created.
  case own
  /// Only on the principal's own account.
  case ownAccount = "self"
}

/// An action on a kind of resource, with the seed's own wording as its title.
public struct Permission: Sendable, Hashable {
  public var id: String
  public var title: String
  public var section: String?
  public var level: ScopeLevel
  public var service: String?
  /// A feature the organisation's tier must include for the permission to be effective.
  public var feature: String?
  public var condition: Condition?
  /// How a row the seed cut short or left ambiguous is read.
  public var reading: String?

  public init(
    id: String, title: String, section: String? = nil, level: ScopeLevel = .organization,
    service: String? = nil, feature: String? = nil, condition: Condition? = nil,
    reading: String? = nil
  ) {
    self.id = id
    self.title = title
    self.section = section
    self.level = level
    self.service = service
    self.feature = feature
    self.condition = condition
    self.reading = reading
  }
}

/// A permission as a role grants it, possibly narrowed by a condition.
public struct Grant: Sendable, Hashable {
  public var permission: String
  public var condition: Condition?

  public init(_ permission: String, condition: Condition? = nil) {
    self.permission = permission
    self.condition = condition
  }
}

/// How a principal comes to hold a role.
public enum RoleAssignment: String, Sendable, Hashable, CaseIterable {
  /// Bound directly to a principal (or a group) at a scope.
  case direct
  /// Held only through membership of a default group that has it.
  case membership
  /// Held only by the platform's operator (its support staff).
  case `operator`
}

/// The kinds of principal.
public enum PrincipalKind: String, Sendable, Hashable, CaseIterable, Comparable {
  case user
  case group
  case robot
  case app
  case `operator`

  /// In the order of the cases (`allCases.firstIndex`, which made the array of cases twice for
  /// each comparison: most of sorting a plan's 501 accounts).
  public static func < (a: PrincipalKind, b: PrincipalKind) -> Bool { a.rank < b.rank }

  private var rank: Int {
    switch self {
    case .user: 0
    case .group: 1
    case .robot: 2
    case .app: 3
    case .operator: 4
    }
  }

  /// The word used in messages.
  public var noun: String {
    switch self {
    case .user: return "user"
    case .group: return "group"
    case .robot: return "robot account"
    case .app: return "external application"
    case .operator: return "platform operator"
    }
  }
}

/// A documented limit of a role, shown when a check it might be expected to allow is denied.
public struct Limitation: Sendable, Hashable {
  public var permissions: [String]
  public var note: String

  public init(permissions: [String], note: String) {
    self.permissions = permissions
    self.note = note
  }
}

/// A named set of permissions, assignable at certain scope levels.
public struct Role: Sendable, Hashable {
  public var id: String
  public var name: String
  public var description: String?
  public var levels: [ScopeLevel]
  /// Holding this role makes a person an administrator (for the lockout rules).
  public var administrator: Bool
  /// The order used by elevate and reduce: higher holds more.
  public var rank: Int?
  public var assignment: RoleAssignment
  /// The principal kinds it may be bound to; nil for every kind.
  public var bindableTo: [PrincipalKind]?
  /// When bound at a tenant, the services its service permissions reach; nil for all.
  public var services: [String]?
  /// Grants every permission of the catalog.
  public var allPermissions: Bool
  public var grants: [Grant]
  public var limitations: [Limitation]
  /// Built into the platform catalog, so immutable.
  public var builtIn: Bool

  public init(
    id: String, name: String, description: String? = nil, levels: [ScopeLevel],
    administrator: Bool = false, rank: Int? = nil, assignment: RoleAssignment = .direct,
    bindableTo: [PrincipalKind]? = nil, services: [String]? = nil, allPermissions: Bool = false,
    grants: [Grant] = [], limitations: [Limitation] = [], builtIn: Bool = true
  ) {
    self.id = id
    self.name = name
    self.description = description
    self.levels = levels
    self.administrator = administrator
    self.rank = rank
    self.assignment = assignment
    self.bindableTo = bindableTo
    self.services = services
    self.allPermissions = allPermissions
    self.grants = grants
    self.limitations = limitations
    self.builtIn = builtIn
  }
}

/// Which principals a default group holds without being told.
public enum AutomaticMembers: String, Sendable, Hashable, CaseIterable {
  case none
  case localUsers = "local-users"
  case allUsers = "all-users"
}

/// A role a group holds at a scope pattern (`*` for every tenant).
public struct GroupRole: Sendable, Hashable {
  public var role: String
  public var scope: ScopePattern

  public init(role: String, scope: ScopePattern = ScopePattern(.organization)) {
    self.role = role
    self.scope = scope
  }
}

/// A group every organisation of the platform has.
public struct DefaultGroup: Sendable, Hashable {
  public var name: String
  public var description: String?
  public var automaticMembers: AutomaticMembers
  public var roles: [GroupRole]

  public init(
    name: String, description: String? = nil, automaticMembers: AutomaticMembers = .none,
    roles: [GroupRole] = []
  ) {
    self.name = name
    self.description = description
    self.automaticMembers = automaticMembers
    self.roles = roles
  }
}

/// Whether groups may be members of groups.
public enum GroupNesting: String, Sendable, Hashable, CaseIterable {
  case none
  /// Only directory-linked groups may join groups (automation-cloud).
  case directoryGroups = "directory-groups"
  case any
}

/// Rules of the platform that hold for every organisation on it.
public struct PlatformRules: Sendable, Hashable {
  public var maxOrganizationRolesPerPrincipal: Int?
  public var groupNesting: GroupNesting
  /// Levels at which custom roles may be defined; empty means no custom roles.
  public var customRoleLevels: [ScopeLevel]
  public var principals: [PrincipalKind]

  public init(
    maxOrganizationRolesPerPrincipal: Int? = nil, groupNesting: GroupNesting = .none,
    customRoleLevels: [ScopeLevel] = [], principals: [PrincipalKind] = [.user, .group]
  ) {
    self.maxOrganizationRolesPerPrincipal = maxOrganizationRolesPerPrincipal
    self.groupNesting = groupNesting
    self.customRoleLevels = customRoleLevels
    self.principals = principals
  }
}

/// A change to someone's role that delegation rules govern.
public enum DelegationOperation: String, Sendable, Hashable, CaseIterable {
  /// Create an account with a role.
  case create
  /// Move an account to a higher-ranked role.
  case elevate
  /// Move an account to a lower-ranked role.
  case reduce
  /// Bind a role.
  case grant
  /// Remove a binding.
  case revoke
}

/// What an actor must hold to make a kind of role change.
public struct DelegationRule: Sendable, Hashable {
  public var operation: DelegationOperation
  /// Target roles (create, elevate, grant); empty for any.
  public var to: [String]
  /// Source roles (reduce, revoke); empty for any.
  public var from: [String]
  public var permission: String

  public init(operation: DelegationOperation, to: [String] = [], from: [String] = [], permission: String) {
    self.operation = operation
    self.to = to
    self.from = from
    self.permission = permission
  }
}

/// Which roles may grant, elevate, reduce or revoke which roles.
public struct Delegation: Sendable, Hashable {
  /// Whether an actor may change their own roles; false forbids it outright.
  public var selfChange: Bool
  public var rules: [DelegationRule]

  public init(selfChange: Bool = false, rules: [DelegationRule] = []) {
    self.selfChange = selfChange
    self.rules = rules
  }
}

/// A service of the platform (service-level scopes name one).
public struct Service: Sendable, Hashable {
  public var name: String
  public var title: String

  public init(name: String, title: String) {
    self.name = name
    self.title = title
  }
}

/// A feature that tiers include or not.
public struct Feature: Sendable, Hashable {
  public var name: String
  public var title: String

  public init(name: String, title: String) {
    self.name = name
    self.title = title
  }
}

/// A subscription tier and the features it includes.
public struct Tier: Sendable, Hashable {
  public var name: String
  public var features: [String]

  public init(name: String, features: [String]) {
    self.name = name
    self.features = features
  }
}

/// A scope level as a platform names it.
public struct ScopeLevelInfo: Sendable, Hashable {
  public var level: ScopeLevel
  public var label: String?

  public init(level: ScopeLevel, label: String? = nil) {
    self.level = level
    self.label = label
  }
}

/// The platform's own support staff: a principal outside the organisation.
public struct PlatformOperator: Sendable, Hashable {
  public var name: String
  public var roles: [String]

  public init(name: String, roles: [String]) {
    self.name = name
    self.roles = roles
  }
}
