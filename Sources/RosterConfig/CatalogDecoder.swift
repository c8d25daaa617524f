import RosterModel
import RosterYAML

/// Decodes a `kind: Platform` document into a ``PlatformCatalog``, reporting every problem at
/// its place. The format is documented in `docs/catalogs.md`.
enum CatalogDecoder {
  static let keys = [
    "apiVersion", "kind", "name", "title", "source", "description", "scopeLevels", "services", "features",
    "tiers", "defaultTier", "permissions", "roles", "defaultGroups", "customGroupRoles", "operator",
    "rules", "delegation",
  ]

  static func decode(_ root: YAMLNode, file: String, sink: DiagnosticSink) -> PlatformCatalog? {
    guard let doc = MappingReader(root, file: file, sink: sink, what: "Platform", keys: keys) else { return nil }
    let before = sink.items.count
    let name = doc.string("name", required: true)
    let title = doc.string("title") ?? name ?? ""

    var levels: [ScopeLevelInfo] = []
    for item in doc.list("scopeLevels", required: true) {
      guard let r = MappingReader(item, file: file, sink: sink, what: "a scope level", keys: ["level", "label"]),
        let level = r.choice("level", ScopeLevel.self, required: true)
      else { continue }
      levels.append(ScopeLevelInfo(level: level, label: r.string("label")))
    }
    var rules = PlatformRules()
    if let r = doc.mapping(
      "rules", keys: ["maxOrganizationRolesPerPrincipal", "groupNesting", "customRoleLevels", "principals"])
    {
      rules.maxOrganizationRolesPerPrincipal = r.int("maxOrganizationRolesPerPrincipal")
      rules.groupNesting = r.choice("groupNesting", GroupNesting.self) ?? .none
      rules.customRoleLevels = choices(r, "customRoleLevels", ScopeLevel.self)
      if r.has("principals") { rules.principals = choices(r, "principals", PrincipalKind.self) }
    }
    guard let name, sink.items.count == before else { return nil }
    var catalog: PlatformCatalog
    do {
      catalog = try PlatformCatalog(name: name, title: title, scopeLevels: levels, rules: rules)
    } catch {
      sink.refused(error, file: file, at: doc.node("scopeLevels")?.mark ?? root.mark)
      return nil
    }
    catalog.source = doc.string("source")
    catalog.description = doc.string("description")

    // Closures here throw untyped errors (Swift does not infer typed throws for them);
    // every mutation of the catalog throws only ModelError.
    func attempt(_ mark: YAMLMark, _ body: (inout PlatformCatalog) throws -> Void) {
      do { try body(&catalog) } catch { sink.refused(error, file: file, at: mark) }
    }

    for item in doc.list("services") {
      guard let r = MappingReader(item, file: file, sink: sink, what: "a service", keys: ["name", "title"]),
        let serviceName = r.string("name", required: true)
      else { continue }
      attempt(item.mark) { try $0.addService(Service(name: serviceName, title: r.string("title") ?? serviceName)) }
    }
    for item in doc.list("features") {
      guard let r = MappingReader(item, file: file, sink: sink, what: "a feature", keys: ["name", "title"]),
        let featureName = r.string("name", required: true)
      else { continue }
      attempt(item.mark) { try $0.addFeature(Feature(name: featureName, title: r.string("title") ?? featureName)) }
    }
    for item in doc.list("tiers") {
      guard let r = MappingReader(item, file: file, sink: sink, what: "a tier", keys: ["name", "features"]),
        let tierName = r.string("name", required: true)
      else { continue }
      let features = r.strings("features").map(\.0)
      attempt(item.mark) { try $0.addTier(Tier(name: tierName, features: features)) }
    }
    if let node = doc.node("defaultTier"),
      let tier = MappingReader.string(node, file: file, sink: sink, what: "'defaultTier'")
    {
      attempt(node.mark) { try $0.setDefaultTier(tier) }
    }
    for item in doc.list("permissions", required: true) {
      guard let permission = decodePermission(item, file: file, sink: sink) else { continue }
      attempt(item.mark) { try $0.addPermission(permission) }
    }
    for item in doc.list("roles", required: true) {
      guard let role = decodeRole(item, file: file, sink: sink, builtIn: true) else { continue }
      attempt(item.mark) { try $0.addRole(role) }
    }
    for item in doc.list("defaultGroups") {
      guard
        let r = MappingReader(
          item, file: file, sink: sink, what: "a default group",
          keys: ["name", "description", "automaticMembers", "roles"]),
        let groupName = r.string("name", required: true)
      else { continue }
      var group = DefaultGroup(
        name: groupName, description: r.string("description"),
        automaticMembers: r.choice("automaticMembers", AutomaticMembers.self) ?? .none)
      group.roles = r.list("roles").compactMap { groupRole($0, file: file, sink: sink) }
      attempt(item.mark) { try $0.addDefaultGroup(group) }
    }
    if let node = doc.node("customGroupRoles") {
      let ids = doc.strings("customGroupRoles").map(\.0)
      attempt(node.mark) { try $0.setCustomGroupRoles(ids) }
    }
    if let r = doc.mapping("operator", keys: ["name", "roles"]), let operatorName = r.string("name", required: true) {
      let roles = r.strings("roles", required: true).map(\.0)
      attempt(r.node.mark) { try $0.setOperator(PlatformOperator(name: operatorName, roles: roles)) }
    }
    if let r = doc.mapping("delegation", keys: ["selfChange", "rules"]) {
      var delegation = Delegation(selfChange: r.bool("selfChange") ?? false)
      for item in r.list("rules") {
        guard
          let rr = MappingReader(
            item, file: file, sink: sink, what: "a delegation rule", keys: ["operation", "to", "from", "permission"]),
          let operation = rr.choice("operation", DelegationOperation.self, required: true),
          let permission = rr.string("permission", required: true)
        else { continue }
        delegation.rules.append(
          DelegationRule(
            operation: operation, to: rr.strings("to").map(\.0), from: rr.strings("from").map(\.0),
            permission: permission))
      }
      attempt(r.node.mark) { try $0.setDelegation(delegation) }
    }
    attempt(root.mark) { try $0.validateComplete() }
    return sink.items.count == before ? catalog : nil
  }

  static func choices<T: RawRepresentable & CaseIterable>(_ r: borrowing MappingReader, _ key: String, _: T.Type) -> [T]
  where T.RawValue == String {
    r.strings(key).compactMap { text, node in
      if let value = T(rawValue: text) { return value }
      let allowed = T.allCases.map(\.rawValue)
      r.sink.error(
        .wrongType, "'\(text)' is not one of \(allowed.joined(separator: ", "))", file: r.file, at: node.mark,
        hint: closestMatch(to: text, in: allowed).map { "did you mean '\($0)'?" })
      return nil
    }
  }

  static func decodePermission(_ item: YAMLNode, file: String, sink: DiagnosticSink) -> Permission? {
    guard
      let r = MappingReader(
        item, file: file, sink: sink, what: "a permission",
        keys: ["id", "title", "section", "level", "service", "feature", "condition", "reading"]),
      let id = r.string("id", required: true), let title = r.string("title", required: true)
    else { return nil }
    return Permission(
      id: id, title: title, section: r.string("section"), level: r.choice("level", ScopeLevel.self) ?? .organization,
      service: r.string("service"), feature: r.string("feature"), condition: r.choice("condition", Condition.self),
      reading: r.string("reading"))
  }

  /// A role of a catalog (built-in) or of a `Role` document (custom, which has fewer fields).
  static func decodeRole(_ item: YAMLNode, file: String, sink: DiagnosticSink, builtIn: Bool) -> Role? {
    var keys = ["id", "name", "description", "levels", "permissions"]
    if builtIn {
      keys += ["administrator", "rank", "assignment", "bindableTo", "services", "limitations"]
    } else {
      keys += ["apiVersion", "kind", "previously"]
    }
    guard
      let r = MappingReader(item, file: file, sink: sink, what: builtIn ? "a role" : "Role", keys: keys),
      let id = r.string("id", required: true)
    else { return nil }
    var role = Role(
      id: id, name: r.string("name", required: !builtIn) ?? id, description: r.string("description"),
      levels: choices(r, "levels", ScopeLevel.self), builtIn: builtIn)
    if !r.has("levels") { _ = r.node("levels", required: true) }
    for permission in r.list("permissions", required: true) {
      if let text = permission.string {
        if text == "*" && builtIn {
          role.allPermissions = true
        } else {
          role.grants.append(Grant(text))
        }
      } else if let g = MappingReader(
        permission, file: file, sink: sink, what: "a permission of role '\(id)'", keys: ["id", "condition"]),
        let permissionID = g.string("id", required: true)
      {
        role.grants.append(Grant(permissionID, condition: g.choice("condition", Condition.self)))
      }
    }
    guard builtIn else { return role }
    role.administrator = r.bool("administrator") ?? false
    role.rank = r.int("rank")
    role.assignment = r.choice("assignment", RoleAssignment.self) ?? .direct
    if r.has("bindableTo") { role.bindableTo = choices(r, "bindableTo", PrincipalKind.self) }
    if r.has("services") { role.services = r.strings("services").map(\.0) }
    for item in r.list("limitations") {
      guard
        let l = MappingReader(
          item, file: file, sink: sink, what: "a limitation of role '\(id)'", keys: ["permissions", "note"]),
        let note = l.string("note", required: true)
      else { continue }
      role.limitations.append(Limitation(permissions: l.strings("permissions", required: true).map(\.0), note: note))
    }
    return role
  }

  static func groupRole(_ item: YAMLNode, file: String, sink: DiagnosticSink) -> GroupRole? {
    guard let r = MappingReader(item, file: file, sink: sink, what: "a group role", keys: ["role", "scope"]),
      let role = r.string("role", required: true)
    else { return nil }
    guard let scopeNode = r.node("scope") else { return GroupRole(role: role) }
    guard let text = MappingReader.string(scopeNode, file: file, sink: sink, what: "'scope'") else { return nil }
    do {
      return GroupRole(role: role, scope: try ScopePattern(parsing: text))
    } catch {
      sink.error(.unknownScope, error.description, file: file, at: scopeNode.mark)
      return nil
    }
  }
}
