import KeyBytes

/// The whole access state of one organisation: its catalog, tenants, principals, custom roles,
/// memberships and bindings.
///
/// Every mutation checks the model's invariants and throws a ``ModelError`` that says what
/// was refused and why; a refused mutation changes nothing.
public struct AccessModel: Sendable {
  public let catalog: PlatformCatalog
  public private(set) var organization: Organization
  public private(set) var tenants: [String: Tenant] = [:] {
    didSet { scopeNumbering = MadeOnce() }
  }
  public private(set) var users = UserTable()
  public private(set) var groups: [String: Group] = [:]
  public private(set) var robots: [String: RobotAccount] = [:]
  public private(set) var apps: [String: ExternalApp] = [:]
  public private(set) var customRoles: [String: Role] = [:]
  /// Bindings made directly, sorted (default groups' own roles are not listed: see
  /// ``groupRoles(_:)``). Made from ``bindingsByPrincipal`` when asked: a list kept beside it
  /// held every binding twice (6.4 MB at 50,000 users, in each model a plan builds).
  public var bindings: [Binding] { bindingsByPrincipal.values.flatMap { $0 }.sorted() }
  /// How many bindings ``bindings`` lists, without listing them.
  public var bindingCount: Int { bindingsByPrincipal.values.reduce(0) { $0 + $1.count } }

  /// The bindings of every principal that holds ``listedBindings`` or more, for finding a
  /// duplicate without looking through them all; a principal's few are looked through.
  private var bindingSet: Set<Binding> = []
  private static let listedBindings = 32
  /// The tenants' names in order (kept as tenants are added).
  public private(set) var tenantNames: [String] = []
  /// Direct bindings, grouped by principal (kept as bindings are made).
  public private(set) var bindingsByPrincipal = BindingTable()
  /// The groups each principal is listed in, in name order: made from the groups' members the
  /// first time it is asked for after they changed (validating and planning never ask).
  public var groupsByMember: [PrincipalID: [String]] { memberIndex.groups(of: groups) }
  /// What ``groupsByMember`` says of `members` and of every group, without the whole index: for
  /// questions about a few accounts (the index of 50,000 users' memberships took a tenth of a
  /// plan that asks about one).
  public func groupsByMember(of members: Set<PrincipalID>) -> [PrincipalID: [String]] {
    memberIndex.hashes(of: groups).groupsByMember(of: Set(members.map(canonical)))
  }

  /// The groups each member is listed in, in name order.
  fileprivate static func groupsByMember(_ groups: [String: Group]) -> [PrincipalID: [String]] {
    var index: [PrincipalID: [String]] = [:]
    for position in groups.indices {
      // Each group read where it is (one copied out of the table retained each of its texts and
      // lists), each member where it is in its list.
      let name = groups.keys[position]
      groups.values[position].members.withUnsafeBufferPointer { members in
        for member in members { index[member, default: []].append(name) }
      }
    }
    for entry in index.indices { index.values[entry].sort() }
    return index
  }
  /// Where ``groupsByMember`` and the members' hashes are kept once made: a new one whenever
  /// members change, so that a copy of the model that changed none shares it.
  private var memberIndex = MemberIndex()
  /// The organisation-level roles bound to each principal, for the platform's per-account limit.
  private var organizationRoles: [PrincipalID: [String]] = [:]
  /// The principals bound to a role at the organisation, with those roles: a few of the
  /// bindings, kept as they are made.
  public var organizationRoleHolders: [PrincipalID: [String]] { organizationRoles }
  /// Folders that exist, by tenant and service, as joined paths.
  private var folderPaths: [String: Set<String>] = [:]
  /// Scopes a binding was made at, so known to exist: a few hundred recur across a hundred
  /// thousand bindings, and tenants, services and folders are never taken away.
  private var boundScopes: Set<Scope> = []

  /// Creates the organisation with its platform's default groups.
  public init(organization: Organization, catalog: PlatformCatalog) throws(ModelError) {
    guard organization.platform == catalog.name else {
      throw ModelError(
        .invalidValue,
        "organization uses platform '\(organization.platform)' but the catalog is '\(catalog.name)'")
    }
    self.catalog = catalog
    self.organization = organization
    try checkOrganization(organization)
    for defaultGroup in catalog.defaultGroups {
      var group = Group(name: defaultGroup.name, description: defaultGroup.description)
      group.isDefault = true
      groups[group.name] = group
    }
  }

  /// Makes room for a known number of users and groups before they are added one by one (a
  /// model of 50,000 users would otherwise grow its table a dozen times);
  /// ``relate(members:resolve:bindings:found:)`` makes its own room for their relations.
  public mutating func reserve(users: Int, groups: Int) {
    self.users.reserve(users)
    self.groups.reserveCapacity(self.groups.count + groups)
  }

  /// For adding users to this model on one core while groups, robots and applications are added
  /// on another: returns a copy of the model to add those to, without the users' table, and
  /// keeps only that table of the four here, so that each side is the only holder of the tables
  /// it changes (changing a table another copy holds would copy it whole: 10 MB for 50,000
  /// users). ``takePrincipals(of:)`` puts the two together again.
  public mutating func parting() -> AccessModel {
    var others = self
    others.users = UserTable()
    (groups, robots, apps) = ([:], [:], [:])
    memberIndex = MemberIndex()
    return others
  }

  /// Takes the groups, robots and applications of the model ``parting()`` returned, to be
  /// whole again.
  public mutating func takePrincipals(of others: consuming AccessModel) {
    (groups, robots, apps) = (others.groups, others.robots, others.apps)
    memberIndex = others.memberIndex
  }

  // MARK: Lookup

  /// A built-in or custom role.
  public func role(_ id: String) -> Role? { catalog.role(id) ?? customRoles[id] }

  /// Every role, built-in first, then custom ones by id.
  public var allRoles: [Role] {
    catalog.roles + customRoles.keys.sorted().compactMap { customRoles[$0] }
  }

  public func user(_ email: String) -> User? { users[email.userKey] }

  /// The tier in force: the organisation's, or the catalog's default.
  public var tier: Tier? {
    (organization.tier ?? catalog.defaultTier).flatMap { catalog.tier($0) }
  }

  public func exists(_ principal: PrincipalID) -> Bool {
    // Looked up by index: a value looked up is a copy (each of a group's lists retained).
    switch principal {
    case .user(let email): return users.contains(key: email.userKey)
    case .group(let name): return groups.index(forKey: name) != nil
    case .robot(let name): return robots.index(forKey: name) != nil
    case .app(let name): return apps.index(forKey: name) != nil
    case .operator: return catalog.platformOperator != nil
    }
  }

  /// The roles a group holds through the catalog: a default group's roles, or the roles
  /// every custom group holds.
  public func groupRoles(_ name: String) -> [GroupRole] {
    guard let group = groups[name] else { return [] }
    if group.isDefault { return catalog.defaultGroup(name)?.roles ?? [] }
    return catalog.customGroupRoles.map { GroupRole(role: $0) }
  }

  /// Whether a scope exists in this organisation (its tenant, service and folders): known when
  /// a binding was made there.
  public func scopeExists(_ scope: Scope) -> Bool {
    boundScopes.contains(scope) || (try? checkScope(scope)) != nil
  }

  /// Every scope that exists, numbered in the order of ``allScopes``: made the first time it is
  /// asked for after a tenant changed.
  public var scopeNumbers: ScopeNumbers { scopeNumbering.value { ScopeNumbers(allScopes) } }
  /// Where ``scopeNumbers`` is kept once made.
  private var scopeNumbering = MadeOnce<ScopeNumbers>()

  /// Every scope that exists: the organisation, then each tenant (in name order) followed by
  /// its services, each followed by its folders in order, so that a scope comes after every
  /// scope around it.
  public var allScopes: [Scope] {
    var result: [Scope] = [.organization]
    for name in tenantNames {
      let tenantScope = Scope(tenant: name)
      result.append(tenantScope)
      for service in tenants[name]?.services ?? [] {
        result.append(Scope(tenant: name, service: service.name))
        for folder in service.folders.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
          result.append(Scope(tenant: name, service: service.name, folders: folder))
        }
      }
    }
    return result
  }

  // MARK: Organisation and tenants

  public mutating func setOrganization(_ organization: Organization) throws(ModelError) {
    guard organization.platform == catalog.name else {
      throw ModelError(.invalidValue, "the platform of an organisation cannot change here")
    }
    try checkOrganization(organization)
    self.organization = organization
  }

  private func checkOrganization(_ organization: Organization) throws(ModelError) {
    if let tier = organization.tier {
      guard catalog.tier(tier) != nil else {
        if catalog.tiers.isEmpty {
          throw ModelError(.invalidValue, "platform '\(catalog.name)' has no tiers, so 'tier' does not apply")
        }
        throw .unknown("tier", tier, among: catalog.tiers.map(\.name))
      }
    }
    if organization.signIn.mode == .managed && (organization.signIn.provider ?? "").isEmpty {
      throw ModelError(
        .invalidValue, "managed sign-in needs the identity provider ('provider')")
    }
    guard organization.safety.minAdmins >= 1 else {
      throw ModelError(.invalidValue, "safety.minAdmins must be at least 1")
    }
    guard organization.safety.maxRemovalRatio > 0 && organization.safety.maxRemovalRatio <= 1 else {
      throw ModelError(.invalidValue, "safety.maxRemovalRatio must be more than 0 and at most 1")
    }
  }

  public mutating func addTenant(_ tenant: Tenant) throws(ModelError) {
    guard catalog.hasLevel(.tenant) else {
      throw ModelError(.invalidValue, "platform '\(catalog.name)' has no tenants")
    }
    guard tenants[tenant.name] == nil else {
      throw ModelError(.duplicate, "tenant '\(tenant.name)' is defined twice")
    }
    try checkName(tenant.name, of: "tenant")
    var paths: [String: Set<String>] = [:]
    var seenServices = Set<String>()
    for service in tenant.services {
      guard catalog.hasLevel(.service) else {
        throw ModelError(.invalidValue, "platform '\(catalog.name)' has no services")
      }
      guard catalog.service(service.name) != nil else {
        throw .unknown(
          "service", service.name, among: catalog.services.map(\.name),
          context: " in tenant '\(tenant.name)'")
      }
      guard seenServices.insert(service.name).inserted else {
        throw ModelError(.duplicate, "service '\(service.name)' is listed twice in tenant '\(tenant.name)'")
      }
      if !service.folders.isEmpty && !catalog.hasLevel(.folder) {
        throw ModelError(.invalidValue, "platform '\(catalog.name)' has no folders")
      }
      var set = Set<String>()
      for folder in service.folders {
        for name in folder { try checkName(name, of: "folder") }
        guard set.insert(folder.joined(separator: "/")).inserted else {
          throw ModelError(.duplicate, "folder '\(folder.joined(separator: "/"))' is listed twice")
        }
      }
      // A nested folder needs its parent.
      for folder in service.folders where folder.count > 1 {
        let parent = folder.dropLast().joined(separator: "/")
        guard set.contains(parent) else {
          throw ModelError(
            .unknownReference, "folder '\(folder.joined(separator: "/"))' is inside '\(parent)', which is not listed")
        }
      }
      paths["\(tenant.name)/\(service.name)"] = set
    }
    tenants[tenant.name] = tenant
    tenantNames.insert(tenant.name, at: tenantNames.firstIndex { $0 > tenant.name } ?? tenantNames.count)
    folderPaths.merge(paths) { $1 }
  }

  private func checkName(_ name: String, of what: String) throws(ModelError) {
    guard !name.isEmpty, !name.contains("/"), name != "*" else {
      throw ModelError(.invalidValue, "\(what) name '\(name)' may not be empty, '*', or contain '/'")
    }
  }

  /// Refuses a scope that does not exist, saying which part is missing.
  public func checkScope(_ scope: Scope) throws(ModelError) {
    guard catalog.hasLevel(scope.level) else {
      throw ModelError(
        .invalidValue, "platform '\(catalog.name)' has no '\(scope.level.rawValue)' level (scope \(scope))")
    }
    guard let tenantName = scope.tenant else { return }
    guard let tenant = tenants[tenantName] else {
      throw .unknown("tenant", tenantName, among: tenants.keys, context: " in scope \(scope)")
    }
    guard let serviceName = scope.service else { return }
    guard tenant.services.contains(where: { $0.name == serviceName }) else {
      throw .unknown(
        "service", serviceName, among: tenant.services.map(\.name),
        context: " in tenant '\(tenantName)' (scope \(scope))")
    }
    guard !scope.folders.isEmpty else { return }
    let known = folderPaths[tenantName + "/" + serviceName] ?? []
    let path = scope.folders.joined(separator: "/")
    guard known.contains(path) else {
      throw .unknown("folder", path, among: known, context: " in \(tenantName)/\(serviceName) (scope \(scope))")
    }
  }

  // MARK: Principals

  public mutating func addUser(_ user: consuming User) throws(ModelError) {
    // One lookup for each of 50,000 users added, which adds it unless a user has the email.
    // (No user without an '@' is ever added, so checking it first refuses the same users for
    // the same reasons.) The user is moved into the table.
    let email = user.email
    guard email.hasByte(where: { $0 == UInt8(ascii: "@") }) else {
      throw ModelError(.invalidValue, "user '\(email)' needs an email address")
    }
    guard users.insert(user, key: email.userKey) else {
      throw ModelError(.duplicate, "user '\(email)' is defined twice")
    }
  }

  public mutating func addGroup(_ group: Group) throws(ModelError) {
    guard catalog.rules.principals.contains(.group) else {
      throw ModelError(.platformRule, "platform '\(catalog.name)' has no groups")
    }
    if let existing = groups[group.name] {
      throw ModelError(
        .duplicate,
        existing.isDefault
          ? "'\(group.name)' is a default group of platform '\(catalog.name)'"
          : "group '\(group.name)' is defined twice")
    }
    guard !group.name.isEmpty else { throw ModelError(.invalidValue, "a group needs a name") }
    var g = group
    g.isDefault = false
    groups[group.name] = g
  }

  public mutating func addRobot(_ robot: RobotAccount) throws(ModelError) {
    guard catalog.rules.principals.contains(.robot) else {
      throw ModelError(.platformRule, "platform '\(catalog.name)' has no robot accounts")
    }
    guard robots[robot.name] == nil else {
      throw ModelError(.duplicate, "robot account '\(robot.name)' is defined twice")
    }
    robots[robot.name] = robot
  }

  public mutating func addApp(_ app: ExternalApp) throws(ModelError) {
    guard catalog.rules.principals.contains(.app) else {
      throw ModelError(.platformRule, "platform '\(catalog.name)' has no external applications")
    }
    guard apps[app.name] == nil else {
      throw ModelError(.duplicate, "external application '\(app.name)' is defined twice")
    }
    apps[app.name] = app
  }

  /// Adds a member to a group. Users and robot accounts may be members; groups only where the
  /// platform allows nesting, never in a cycle. The group's members are looked through for a
  /// repeat each time: ``relate(members:resolve:bindings:found:)`` adds many at once.
  public mutating func addMember(_ member: PrincipalID, to groupName: String) throws(ModelError) {
    var listed = Set<PrincipalID>()
    try addMember(member, to: groups.index(forKey: groupName), named: groupName, found: false, listed: &listed)
    memberIndex = MemberIndex()
  }

  /// Takes a member out of a group. Refused when the group does not list it.
  public mutating func removeMember(_ member: PrincipalID, from groupName: String) throws(ModelError) {
    guard let group = groups.index(forKey: groupName) else {
      throw .unknown("group", groupName, among: groups.keys)
    }
    let member = canonical(member)
    guard groups.values[group].removeMember(member) else {
      throw ModelError(.unknownReference, "\(member) is not a member of group '\(groupName)'")
    }
    memberIndex = MemberIndex()
  }

  /// Takes principals away, all of them or (refused) none: each must exist, hold no binding
  /// and be a member of no group, and a group must be one of the configuration's, without
  /// members. (Their memberships and bindings are taken away first, each on its own.)
  public mutating func removePrincipals(_ principals: [PrincipalID]) throws(ModelError) {
    let gone = principals.map(canonical)
    for principal in gone {
      guard principal.kind != .operator, exists(principal) else { throw unknownPrincipal(principal) }
      if let held = bindingsByPrincipal[principal]?.first {
        throw ModelError(.invalidValue, "\(principal) cannot go while it holds '\(held.role)' at \(held.scope)")
      }
      if case .group(let name) = principal, let group = groups[name] {
        guard !group.isDefault else {
          throw ModelError(.invalidValue, "'\(name)' is a default group of platform '\(catalog.name)'")
        }
        guard group.members.isEmpty else {
          throw ModelError(.invalidValue, "group '\(name)' cannot go while it has members")
        }
      }
    }
    // One pass over every group's members for all of them.
    let memberships = groupsByMember(of: Set(gone))
    for principal in gone {
      if let group = memberships[principal]?.first {
        throw ModelError(.invalidValue, "\(principal) cannot go while it is a member of group '\(group)'")
      }
    }
    for principal in gone {
      switch principal {
      case .user(let email): users.remove(key: email.userKey)
      case .group(let name): groups[name] = nil
      case .robot(let name): robots[name] = nil
      case .app(let name): apps[name] = nil
      case .operator: break
      }
    }
    // No member changed (those taken away were in no group, and a group taken away had no
    // members): the index and hashes made are kept, for the questions asked of the model next.
  }

  /// Puts `user`'s fields in place of those of the user with its email (compared without
  /// regard to case, as ever).
  public mutating func replaceUser(_ user: User) throws(ModelError) {
    guard user.email.hasByte(where: { $0 == UInt8(ascii: "@") }) else {
      throw ModelError(.invalidValue, "user '\(user.email)' needs an email address")
    }
    guard users.replace(key: user.email.userKey, with: user) else { throw unknownPrincipal(.user(user.email)) }
  }

  /// Puts `group`'s description, source and directory id in place of those of the
  /// configuration's group of its name, whose members stay. Refused for a group made local
  /// while it is a member of a group where only directory groups may be.
  public mutating func replaceGroup(_ group: Group) throws(ModelError) {
    guard let index = groups.index(forKey: group.name), !groups.values[index].isDefault else {
      throw unknownPrincipal(.group(group.name))
    }
    if group.source != .directory, catalog.rules.groupNesting == .directoryGroups,
      let outer = groupsByMember(of: [.group(group.name)])[.group(group.name)]?.first
    {
      throw ModelError(
        .platformRule,
        "only directory groups may join groups on platform '\(catalog.name)': '\(group.name)' is in '\(outer)'")
    }
    groups.values[index].description = group.description
    groups.values[index].source = group.source
    groups.values[index].directoryId = group.directoryId
  }

  /// `group`: where `groupName` is in ``groups`` (nil: it is not); `listed`: empty, or its members
  /// as ``Group/appendMember(_:unlessIn:)`` keeps them, to which the member is added
  /// (``groupsByMember`` is left to the caller to make anew).
  private mutating func addMember(
    _ member: PrincipalID, to group: [String: Group].Index?, named groupName: String, found: Bool,
    listed: inout Set<PrincipalID>
  ) throws(ModelError) {
    // The group is found once and changed where it is: a copy of it (optional chaining makes
    // one) would be the group's every field, and growing a copy's list would copy it.
    guard let group else {
      throw .unknown("group", groupName, among: groups.keys)
    }
    assert(!found || existing(member) == member, "\(member) was given as found")
    guard let member = found ? member : existing(member) else {
      throw unknownPrincipal(member, context: " (member of group '\(groupName)')")
    }
    switch member.kind {
    case .user, .robot:
      break
    case .group:
      let memberGroup = groups[member.name]
      switch catalog.rules.groupNesting {
      case .none:
        throw ModelError(
          .platformRule,
          "platform '\(catalog.name)' does not allow groups inside groups ('\(member.name)' in '\(groupName)')")
      case .directoryGroups:
        guard memberGroup?.source == .directory else {
          throw ModelError(
            .platformRule,
            "only directory groups may join groups on platform '\(catalog.name)': "
              + "'\(member.name)' is a local group")
        }
      case .any:
        break
      }
      if member.name == groupName || groupContains(member.name, groupName) {
        throw ModelError(
          .platformRule, "adding group '\(member.name)' to '\(groupName)' would make a cycle")
      }
    case .app, .operator:
      throw ModelError(
        .platformRule, "\(member.kind.noun)s cannot be group members ('\(member.name)')")
    }
    guard groups.values[group].appendMember(member, unlessIn: &listed) else {
      throw ModelError(.duplicate, "\(member) is listed twice in group '\(groupName)'")
    }
  }

  /// True when `inner` is (transitively) a member of `outer`.
  public func groupContains(_ outer: String, _ inner: String) -> Bool {
    var seen = Set<String>()
    var stack = [outer]
    while let name = stack.popLast() {
      guard seen.insert(name).inserted else { continue }
      for member in groups[name]?.members ?? [] {
        guard case .group(let child) = member else { continue }
        if child == inner { return true }
        stack.append(child)
      }
    }
    return false
  }

  /// Users are keyed by lower-cased email; the stored email keeps its case.
  func canonical(_ principal: PrincipalID) -> PrincipalID { existing(principal) ?? principal }

  /// The principal in its canonical form if it exists, else nil: one lookup for both questions.
  public func existing(_ principal: PrincipalID) -> PrincipalID? {
    if case .user(let email) = principal {
      return users[email.userKey].map { .user($0.email) }
    }
    return exists(principal) ? principal : nil
  }

  func unknownPrincipal(_ principal: PrincipalID, context: String = "") -> ModelError {
    let candidates: [String]
    switch principal.kind {
    case .user: candidates = users.values.map(\.email)
    case .group: candidates = Array(groups.keys)
    case .robot: candidates = Array(robots.keys)
    case .app: candidates = Array(apps.keys)
    case .operator:
      return ModelError(.unknownReference, "platform '\(catalog.name)' has no operator\(context)")
    }
    return .unknown(principal.kind.noun, principal.name, among: candidates, context: context)
  }

  // MARK: Roles and bindings

  /// Defines a custom role. Built-in roles cannot be redefined, and custom roles exist only at
  /// the levels the platform allows.
  public mutating func defineRole(_ role: Role) throws(ModelError) {
    if catalog.role(role.id) != nil {
      throw ModelError(
        .builtInRole, "'\(role.id)' is a built-in role of platform '\(catalog.name)' and cannot be changed")
    }
    guard customRoles[role.id] == nil else {
      throw ModelError(.duplicate, "role '\(role.id)' is defined twice")
    }
    if catalog.rules.customRoleLevels.isEmpty {
      throw ModelError(.platformRule, "platform '\(catalog.name)' has no custom roles")
    }
    for level in role.levels where !catalog.rules.customRoleLevels.contains(level) {
      let allowed = catalog.rules.customRoleLevels.map(\.rawValue).joined(separator: ", ")
      throw ModelError(
        .platformRule,
        "custom roles on platform '\(catalog.name)' exist only at \(allowed), not at '\(level.rawValue)'")
    }
    var role = role
    role.builtIn = false
    role.assignment = .direct
    role.administrator = false
    try catalog.checkRole(role)
    customRoles[role.id] = role
  }

  /// Takes a tenant away: refused for one that is not defined, or with a binding at it or
  /// inside it.
  public mutating func removeTenant(_ name: String) throws(ModelError) {
    guard tenants[name] != nil else { throw .unknown("tenant", name, among: tenants.keys) }
    if let held = firstBinding(where: { $0.scope.tenant == name }) {
      throw ModelError(
        .invalidValue, "tenant '\(name)' cannot go while \(held.principal) holds '\(held.role)' at \(held.scope)")
    }
    tenants[name] = nil
    tenantNames.removeAll { $0 == name }
    folderPaths = folderPaths.filter { !$0.key.hasPrefix(name + "/") }
    boundScopes = boundScopes.filter { $0.tenant != name }
  }

  /// Puts `tenant`'s services and folders in place of those of the tenant of its name, the
  /// bindings inside it kept: refused (and nothing changed) as ``addTenant(_:)`` refuses a
  /// tenant, or when a binding inside it would be refused under it (at a folder it no longer
  /// has, say).
  public mutating func replaceTenant(_ tenant: Tenant) throws(ModelError) {
    guard tenants[tenant.name] != nil else { throw .unknown("tenant", tenant.name, among: tenants.keys) }
    try rebinding(
      where: { $0.scope.tenant == tenant.name },
      then: { model throws(ModelError) in
        try model.removeTenant(tenant.name)
        try model.addTenant(tenant)
      })
  }

  /// Takes a custom role away: refused for one that is not defined, or that is bound.
  public mutating func removeRole(_ id: String) throws(ModelError) {
    guard customRoles[id] != nil else { throw .unknown("custom role", id, among: customRoles.keys) }
    if let held = firstBinding(where: { $0.role == id }) {
      throw ModelError(.invalidValue, "role '\(id)' cannot go while \(held.principal) holds it at \(held.scope)")
    }
    customRoles[id] = nil
  }

  /// Puts `role` in place of the custom role of its id, its bindings kept: refused (and nothing
  /// changed) as ``defineRole(_:)`` refuses a role, or when a binding of it would be refused
  /// under it (at a level it no longer has, say).
  public mutating func replaceRole(_ role: Role) throws(ModelError) {
    guard customRoles[role.id] != nil else { throw .unknown("custom role", role.id, among: customRoles.keys) }
    try rebinding(
      where: { $0.role == role.id },
      then: { model throws(ModelError) in
        model.customRoles[role.id] = nil
        try model.defineRole(role)
      })
  }

  /// The first binding (in no particular order) that `test` accepts, if any.
  private func firstBinding(where test: (Binding) -> Bool) -> Binding? {
    bindingsByPrincipal.values.lazy.flatMap { $0 }.first(where: test)
  }

  /// Runs `change` with the bindings `test` accepts taken away, then makes them again through
  /// the model's checks: all of it, or (refused) nothing.
  private mutating func rebinding(
    where test: (Binding) -> Bool, then change: (inout AccessModel) throws(ModelError) -> Void
  ) throws(ModelError) {
    let held = bindingsByPrincipal.values.flatMap { $0 }.filter(test).sorted()
    var next = self
    for binding in held { try next.unbind(binding) }
    try change(&next)
    for binding in held { try next.bind(binding) }
    self = next
  }

  /// Binds a role to a principal at a scope, after checking the role, the principal, the scope
  /// and the platform's rules.
  public mutating func bind(_ binding: Binding) throws(ModelError) {
    var roles = FoundRoles()
    try holdBinding(binding, found: false, roles: &roles)
  }

  /// Takes a binding away. Refused when the principal does not hold the role at the scope.
  public mutating func unbind(_ binding: Binding) throws(ModelError) {
    let principal = canonical(binding.principal)
    guard
      let removed = bindingsByPrincipal.remove(
        of: principal, where: { $0.role == binding.role && $0.scope == binding.scope })
    else {
      throw ModelError(.unknownReference, "\(principal) holds no '\(binding.role)' at \(binding.scope)")
    }
    bindingSet.remove(removed)
    if removed.scope == .organization, let roles = organizationRoles.index(forKey: principal) {
      organizationRoles.values[roles].removeAll { $0 == removed.role }
      if organizationRoles.values[roles].isEmpty { organizationRoles.remove(at: roles) }
    }
  }

  /// Roles found by id for a run of bindings, each copied out of its table once and read by
  /// reference after: a `Role` copied for each binding retained and released its eight lists
  /// and texts, 100,000 times at 50,000 users.
  struct FoundRoles {
    /// A role held by reference: read its fields as `found.role.levels` (`let role =
    /// found.role` copies it).
    final class Found: Sendable {
      let role: Role
      init(_ role: Role) { self.role = role }
    }
    /// The roles' ids found, as bytes (``KeyIndex``), each with its role in `found`: a
    /// dictionary of strings hashed each of 100,000 ids with Swift's hasher, a fifth of making
    /// a binding.
    private var ids = KeyIndex()
    private var found: [Found] = []

    mutating func role(_ id: String, in model: AccessModel) -> Found? {
      var text = id
      if let known = text.withUTF8({ ids.position(of: $0) }) { return found[known] }
      guard let role = model.role(id) else { return nil }
      let made = Found(role)
      _ = text.withUTF8 { ids.insert($0) }
      found.append(made)
      return made
    }
  }

  /// Makes a binding, its principal as the model holds it (as ``existing(_:)`` gives it).
  /// `roles`: those found for the bindings made before it; `found`: the binding names its
  /// principal so already; `scopeChecked`: its scope is known to exist.
  private mutating func holdBinding(
    _ binding: consuming Binding, found: Bool, roles: inout FoundRoles, scopeChecked: Bool = false
  ) throws(ModelError) {
    assert(!found || existing(binding.principal) == binding.principal, "\(binding.principal) was given as found")
    let principal = found ? nil : existing(binding.principal)
    guard let role = roles.role(binding.role, in: self) else {
      throw .unknown("role", binding.role, among: allRoles.map(\.id))
    }
    if !found {
      guard let principal else { throw unknownPrincipal(binding.principal) }
      binding.principal = principal
    }
    try hold(binding, role: role, scopeChecked: scopeChecked)
  }

  /// The checks of a binding whose principal is as the model holds it, its role `found`, and
  /// its keeping (its scope's existence not checked again when `scopeChecked`).
  private mutating func hold(
    _ binding: consuming Binding, role found: FoundRoles.Found, scopeChecked: Bool
  ) throws(ModelError) {
    switch found.role.assignment {
    case .direct: break
    case .membership:
      let holders = catalog.defaultGroups.filter { $0.roles.contains { $0.role == found.role.id } }.map(\.name)
      let via = holders.isEmpty ? "" : ": add the account to \(holders.map { "'\($0)'" }.joined(separator: " or "))"
      throw ModelError(
        .roleBinding, "role '\(found.role.id)' is held only through membership of a default group\(via)")
    case .operator:
      throw ModelError(
        .roleBinding, "role '\(found.role.id)' belongs to the platform's operator and cannot be bound here")
    }
    if let kinds = found.role.bindableTo, !kinds.contains(binding.principal.kind) {
      throw ModelError(
        .roleBinding,
        "role '\(found.role.id)' cannot be bound to a \(binding.principal.kind.noun) "
          + "(only to: \(kinds.map(\.noun).joined(separator: ", ")))")
    }
    assert(!scopeChecked || boundScopes.contains(binding.scope), "\(binding.scope) was given as checked")
    if !scopeChecked, !boundScopes.contains(binding.scope) {
      try checkScope(binding.scope)
      boundScopes.insert(binding.scope)
    }
    guard found.role.levels.contains(binding.scope.level) else {
      throw ModelError(
        .roleBinding,
        "role '\(found.role.id)' may be bound only at \(found.role.levels.map(\.rawValue).joined(separator: ", ")), "
          + "not at \(binding.scope.level.rawValue) (\(binding.scope))")
    }
    if let services = found.role.services, let service = binding.scope.service, !services.contains(service) {
      throw ModelError(
        .roleBinding,
        "role '\(found.role.id)' does not reach service '\(service)' (it reaches: \(services.joined(separator: ", ")))")
    }
    if let limit = catalog.rules.maxOrganizationRolesPerPrincipal, binding.scope.level == .organization {
      let held = organizationRoles[binding.principal, default: []].filter { $0 != binding.role }
      if held.count >= limit {
        throw ModelError(
          .platformRule,
          "\(binding.principal) already holds organization-level role '\(held[0])'; "
            + "platform '\(catalog.name)' allows \(limit) per account")
      }
    }
    let principal = binding.principal
    let atOrganization = binding.scope == .organization
    // The principal's list is changed in place (one lookup), and only if the binding is new.
    if let duplicate = Self.keep(binding, in: &bindingsByPrincipal[listOf: principal], &bindingSet) {
      throw ModelError(.duplicate, "\(principal) already holds '\(found.role.id)' at \(duplicate.scope)")
    }
    if atOrganization { organizationRoles[principal, default: []].append(found.role.id) }
  }

  /// Puts `binding` at the end of its principal's list `held`, moved there (a copy retained and
  /// released each of its texts and lists, 100,000 times at 50,000 users); gives it back
  /// if the list holds it already.
  private static func keep(
    _ binding: consuming Binding, in held: inout [Binding], _ many: inout Set<Binding>
  ) -> Binding? {
    guard held.count < listedBindings ? !held.contains(binding) : many.insert(copy binding).inserted else {
      return binding
    }
    held.append(binding)
    if held.count == listedBindings { many.formUnion(held) }
    return nil
  }

  /// Adds members to groups and makes bindings, as `addMember` for each member in turn and then
  /// `bind` for each binding would, but the members on one core and the bindings on another at
  /// once: they change different tables, and neither reads what the other changes (a binding
  /// needs its principal to exist, not to be in any group). Each member is found from what was
  /// written by `resolve`, given the model (a member it cannot find is refused with its error).
  /// `found`: `resolve` gives each member, and each binding names its principal, as
  /// ``existing(_:)`` would give it (so none is looked up again; the loader reads each binding
  /// with its principal, and keeps it only if the principal was added). `scopes`, when given,
  /// holds every binding's scope: each is checked once here, and when all exist no binding's
  /// scope is looked up again (a set of scopes hashed for each of 100,000 bindings was the
  /// largest part of their side, which finished last). `usersByKey`: `resolve` finds a member
  /// written with no `:` that is exactly a user's key as that user, so such members are found
  /// among the users by their bytes (no string made), and `resolve` is asked for the others.
  /// Returns the refusals, each with its place in its list, in order.
  public mutating func relate(
    members: GroupMembers,
    resolve: @Sendable (String, AccessModel) throws(ModelError) -> PrincipalID,
    usersByKey: Bool = false,
    bindings: consuming [Binding], found: Bool, scopes: Set<Scope>? = nil
  ) -> (members: Refusals, bindings: Refusals) {
    let scopesChecked = scopes.map { $0.allSatisfy { (try? checkScope($0)) != nil } } ?? false
    if scopesChecked, let scopes { boundScopes.formUnion(scopes) }
    let start = self
    let handoff = Handoff(bindings)
    let principals = users.count + groups.count + robots.count + apps.count
    let ((joined, memberRefusals), (bound, bindingRefusals)) = concurrently(
      {
        var model = start
        guard !members.isEmpty else { return (model, Refusals()) }
        model.memberIndex = MemberIndex()
        // Each group is found once for the run of its members (they come group by group), and
        // a large group's members are kept in a set for the run, to find one listed twice.
        var group: (number: Int, index: [String: Group].Index?) = (-1, nil)
        var listed = Set<PrincipalID>()
        // Held as a constant: read through `model`, which the closure below changes, the table
        // would be copied for each member (its lists retained and released).
        let users: UserTable? = usersByKey ? start.users : nil
        let refusals = Self.refusals(members.indices) { place throws(ModelError) in
          let (number, name) = members.group(at: place)
          if number != group.number {
            group = (number, model.groups.index(forKey: name))
            listed.removeAll(keepingCapacity: true)
            if let index = group.index { model.groups.values[index].reserveMembers(members.run(from: place)) }
          }
          // A user found by its key is as the model holds it; one resolved is if `found`.
          let (member, given) = try members.withMember(at: place) { text throws(ModelError) in
            if let users, !text.contains(UInt8(ascii: ":")), let email = users.email(ofKey: text) {
              return (PrincipalID.user(email), true)
            }
            return (try resolve(String(decoding: text, as: UTF8.self), model), found)
          }
          try model.addMember(member, to: group.index, named: name, found: given, listed: &listed)
        }
        return (model, refusals)
      },
      {
        var model = start
        var given: [Binding] = []
        swap(&given, &handoff.value)
        // (Room made in a table the model shares with another copies its keys.) Room for as many
        // more principals as can be bound here: the fewer of the bindings and the principals (a
        // plan undone puts back a few hundred bindings, and room for every principal more had the
        // table's 55,000 keys hashed again).
        guard !given.isEmpty else { return (model, Refusals()) }
        model.bindingsByPrincipal.reserve(Swift.min(principals, given.count))
        var roles = FoundRoles()
        // Each binding moved into the model (see `moveOut`).
        let refusals = Self.refusals(given.indices) { place throws(ModelError) in
          try model.holdBinding(
            moveOut(&given[place], leaving: .placeholder), found: found, roles: &roles, scopeChecked: scopesChecked)
        }
        return (model, refusals)
      })
    // Every table `bind` changes, taken from the side that made the bindings: a table it comes
    // to change must be taken here too.
    self = joined
    (bindingSet, bindingsByPrincipal, organizationRoles, boundScopes) =
      (bound.bindingSet, bound.bindingsByPrincipal, bound.organizationRoles, bound.boundScopes)
    return (memberRefusals, bindingRefusals)
  }

  /// What a run of additions refused, each with its place in the run.
  public typealias Refusals = [(place: Int, refusal: ModelError)]

  /// Runs `body` on each item in turn; what it refused, with the item's place.
  private static func refusals<Items: RandomAccessCollection>(
    _ items: Items, _ body: (Items.Element) throws(ModelError) -> Void
  ) -> Refusals where Items.Index == Int {
    var refusals: Refusals = []
    for place in items.indices {
      do throws(ModelError) { try body(items[place]) } catch { refusals.append((place, error)) }
    }
    return refusals
  }
}

/// Members of groups by their texts, as written (`ada@acme.example`, `group:Ops`), to be added
/// by ``AccessModel/relate(members:resolve:bindings:found:)``: the texts one after another in
/// one buffer, each member's group by number. A configuration's 100,000 members, each text a
/// string of its own with its group's name beside it, took 80 bytes a member more while they
/// waited for every principal to exist.
public struct GroupMembers: RandomAccessCollection, Sendable {
  private var text: [UInt8] = []
  /// Where each member's text ends.
  private var ends: [UInt32] = []
  private var groups: [UInt32] = []
  private var groupNames: [String] = []

  public init() {}

  /// The (member, group) pairs, in order.
  public init(_ pairs: some Sequence<(member: String, group: String)>) {
    for (member, group) in pairs { append(member, group: group) }
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int { ends.count }

  /// Makes room for `count` more members, `bytes` of text in all.
  public mutating func reserveCapacity(_ count: Int, bytes: Int) {
    ends.reserveCapacity(ends.count + count)
    groups.reserveCapacity(groups.count + count)
    text.reserveCapacity(text.count + bytes)
  }

  /// Starts a group: the members appended next are its.
  public mutating func startGroup(_ name: String) { groupNames.append(name) }

  /// A member of `group`: of the group last started if it is that one, else of the group started
  /// for it.
  public mutating func append(_ member: String, group: String) {
    if groupNames.last != group { startGroup(group) }
    append(member)
  }

  /// A member of the group last started.
  public mutating func append(_ member: String) {
    precondition(!groupNames.isEmpty, "a member is appended to a group started before it")
    text.append(utf8: member)
    precondition(text.count < Int(UInt32.max), "less than 4 GB of group members")
    ends.append(UInt32(text.count))
    groups.append(UInt32(groupNames.count - 1))
  }

  public subscript(index: Int) -> (member: String, group: String) {
    (withMember(at: index) { String(decoding: $0, as: UTF8.self) }, group(at: index).name)
  }

  /// The group of the member at `index`: its number (the same for a group's every member) and
  /// its name.
  func group(at index: Int) -> (number: Int, name: String) {
    let group = Int(groups[index])
    return (group, groupNames[group])
  }

  /// The text of the member at `index`, as bytes valid only during `body`.
  func withMember<R, E: Error>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
    let start = index == 0 ? 0 : Int(ends[index - 1])
    let end = Int(ends[index])
    // (`withUnsafeBufferPointer` rethrows untyped errors.)
    let result = text.withUnsafeBufferPointer { all in
      Result { () throws(E) -> R in try body(UnsafeBufferPointer(rebasing: all[start..<end])) }
    }
    return try result.get()
  }

  /// How many members from `index` on are of the same group as the one at `index`.
  func run(from index: Int) -> Int {
    var end = index
    while end < groups.count && groups[end] == groups[index] { end += 1 }
    return end - index
  }
}

/// ``AccessModel/groupsByMember`` and ``MemberHashes`` once made (a model's copies that changed
/// no members share them): made from the groups' members when first asked for, not kept as
/// members are added, which took a third of relating 100,000 members to their groups.
private final class MemberIndex: Sendable {
  private let index = MadeOnce<[PrincipalID: [String]]>()
  private let hashes = MadeOnce<MemberHashes>()

  /// The groups each principal is listed in, in name order, made from `groups` the first time.
  func groups(of groups: [String: Group]) -> [PrincipalID: [String]] {
    index.value { AccessModel.groupsByMember(groups) }
  }

  /// The members' hashes side by side, made from `groups` the first time.
  func hashes(of groups: [String: Group]) -> MemberHashes {
    hashes.value { MemberHashes(groups) }
  }
}

/// Every group's members' ``NameSieve`` hashes side by side, a group's after another's: the
/// groups of a few accounts are found by one pass over them, reading a member only where its
/// hash may be one of theirs. (Read from each group's own list, each of 5,000 lists was a cache
/// miss and a retain: most of finding the accounts' groups, which a plan that changes access
/// does three to seven times, on both states' models.)
private struct MemberHashes: Sendable {
  private var hashes: [UInt32] = []
  /// Where each group's hashes end, its name and its members (the group's own list, shared).
  private var ends: [Int] = []
  private var names: [String] = []
  private var members: [[PrincipalID]] = []

  init(_ groups: [String: Group]) {
    hashes.reserveCapacity(groups.indices.reduce(0) { $0 + groups.values[$1].members.count })
    for position in groups.indices where !groups.values[position].members.isEmpty {
      hashes += groups.values[position].memberHashes
      ends.append(hashes.count)
      names.append(groups.keys[position])
      members.append(groups.values[position].members)
    }
  }

  /// The groups each of `few` is listed in, and every group nested in a group, in name order.
  func groupsByMember(of few: Set<PrincipalID>) -> [PrincipalID: [String]] {
    var index: [PrincipalID: [String]] = [:]
    var run = 0
    // A nested group's hash is 0, which the sieve holds: the other members are passed by their
    // hashes alone.
    NameSieve(few.map(\.name)).forEachHeld(in: hashes) { i in
      while ends[run] <= i { run += 1 }
      let member = members[run][i - (run == 0 ? 0 : ends[run - 1])]
      if member.kind == .group || few.contains(member) { index[member, default: []].append(names[run]) }
    }
    for entry in index.indices { index.values[entry].sort() }
    return index
  }
}

/// A few names, for passing over most of many others cheaply: a name it does not hold is told
/// by a hash of its bytes in a bitset (finding the groups of the few hundred accounts a plan
/// reaches among 100,000 members, a set's lookup for each member took 600 instructions and a
/// cache miss). Only ASCII names are hashed: another may equal a name written in other bytes
/// (the Kelvin sign is K), so its hash, 0, is held by every sieve.
struct NameSieve {
  private var bits: [UInt64]
  private let mask: Int
  /// Holds every hash, as for a name not ASCII among those it was made of.
  private var holdsAll = false

  init(_ names: [String]) {
    // 64 bits a name or more: another name's hash is held once in 64 to 128 (with 16 bits, a
    // member in 20 of a plan's 100,000 was read for nothing).
    var size = 64
    while size < names.count * 64 { size *= 2 }
    bits = Array(repeating: 0, count: size / 64)
    mask = size - 1
    for name in names {
      let hash = Self.hash(name)
      guard hash != 0 else {
        holdsAll = true
        return
      }
      bits[(Int(hash) & mask) >> 6] |= 1 << UInt64(hash & 63)
    }
  }

  /// Calls `body` with the place of each of `hashes` that may be of one of the names (every
  /// place but those whose hash says the name is none of them), in order.
  func forEachHeld(in hashes: [UInt32], _ body: (Int) -> Void) {
    hashes.withUnsafeBufferPointer { hashes in
      bits.withUnsafeBufferPointer { bits in
        for i in hashes.indices {
          let hash = hashes[i]
          if holdsAll || hash == 0 || bits[(Int(hash) & mask) >> 6] & (1 << UInt64(hash & 63)) != 0 { body(i) }
        }
      }
    }
  }

  /// A hash of an ASCII name's bytes, eight at a time, never 0; 0 for another name.
  static func hash(_ name: String) -> UInt32 {
    let hashed = name.utf8.withContiguousStorageIfAvailable { bytes -> UInt32 in
      let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
      var hash = UInt64(bytes.count) &* multiplier
      var high: UInt64 = 0
      var i = 0
      let raw = UnsafeRawBufferPointer(bytes)
      while i + 8 <= bytes.count {
        let eight = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        high |= eight
        hash = (hash ^ eight) &* multiplier
        hash ^= hash >> 29
        i += 8
      }
      while i < bytes.count {
        high |= UInt64(bytes[i])
        hash = (hash ^ UInt64(bytes[i])) &* multiplier
        i += 1
      }
      guard high & 0x8080_8080_8080_8080 == 0 else { return 0 }
      return max(1, UInt32(truncatingIfNeeded: hash ^ (hash >> 32)))
    }
    return hashed ?? 0
  }
}
