import JSONSchema
import RosterModel

/// The state as configuration documents, one file per kind, that plan to no changes.
enum StateExport {
  /// File name → YAML text, in a fixed order.
  static func files(_ model: AccessModel) -> [(name: String, text: String)] {
    var files: [(String, String)] = []
    let bindings = Dictionary(grouping: model.bindings, by: \.principal)
    func roles(_ principal: PrincipalID) -> [YAMLOut] {
      (bindings[principal] ?? []).sorted().map { binding in
        .map([("role", .string(binding.role)), ("scope", .string(binding.scope.description))])
      }
    }
    func document(_ kind: String, _ pairs: [(String, YAMLOut?)]) -> String {
      let body: [(String, YAMLOut)] =
        [("apiVersion", .string("roster/v1")), ("kind", .string(kind))]
        + pairs.compactMap { key, value in value.map { (key, $0) } }
      return YAMLOut.map(body).render(indent: 0)
    }
    func list(_ items: [YAMLOut]) -> YAMLOut? { items.isEmpty ? nil : .list(items) }

    let org = model.organization
    var signIn: [(String, YAMLOut)] = [("mode", .string(org.signIn.mode.rawValue))]
    if let provider = org.signIn.provider { signIn.append(("provider", .string(provider))) }
    signIn.append(("requireTwoFactor", .bool(org.signIn.requireTwoFactor)))
    files.append(
      (
        "organization.yaml",
        document(
          "Organization",
          [
            ("name", .string(org.name)), ("platform", .string(org.platform)), ("tier", org.tier.map(YAMLOut.string)),
            ("signIn", .map(signIn)), ("autoProvisioning", .bool(org.autoProvisioning)),
            ("fullyManaged", list(org.fullyManaged.map { .string($0.rawValue) })),
            (
              "safety",
              .map([
                ("minAdmins", .number(Double(org.safety.minAdmins))),
                ("maxRemovalRatio", .number(org.safety.maxRemovalRatio)),
              ])
            ),
          ])
      ))
    let tenants = model.tenants.values.sorted { $0.name < $1.name }.map { tenant in
      document(
        "Tenant",
        [
          ("name", .string(tenant.name)),
          (
            "services",
            list(
              tenant.services.map { service in
                .map(
                  [("name", .string(service.name))]
                    + (service.folders.isEmpty
                      ? [] : [("folders", .list(service.folders.map { .string($0.joined(separator: "/")) }))]))
              })
          ),
        ])
    }
    if !tenants.isEmpty { files.append(("tenants.yaml", tenants.joined(separator: "---\n"))) }
    let customRoles = model.customRoles.values.sorted { $0.id < $1.id }.map { role in
      document(
        "Role",
        [
          ("id", .string(role.id)), ("name", .string(role.name)), ("description", role.description.map(YAMLOut.string)),
          ("levels", .list(role.levels.map { .string($0.rawValue) })),
          (
            "permissions",
            .list(
              role.grants.map { grant in
                grant.condition.map { .map([("id", .string(grant.permission)), ("condition", .string($0.rawValue))]) }
                  ?? .string(grant.permission)
              })
          ),
        ])
    }
    if !customRoles.isEmpty { files.append(("roles.yaml", customRoles.joined(separator: "---\n"))) }
    let users = model.users.values.sorted { $0.email.lowercased() < $1.email.lowercased() }
    if !users.isEmpty {
      let items: [YAMLOut] = users.map { user in
        var pairs: [(String, YAMLOut)] = [("email", .string(user.email))]
        if let name = user.name { pairs.append(("name", .string(name))) }
        pairs.append(("source", .string(user.source.rawValue)))
        if let id = user.directoryId { pairs.append(("directoryId", .string(id))) }
        pairs.append(("twoFactor", .bool(user.twoFactorEnrolled)))
        pairs.append(("disabled", .bool(user.disabled)))
        if let bound = list(roles(.user(user.email))) { pairs.append(("roles", bound)) }
        return .map(pairs)
      }
      files.append(("users.yaml", document("UserList", [("users", .list(items))])))
    }
    let groups = model.groups.values.sorted { $0.name < $1.name }.compactMap { group -> String? in
      let members = list(group.members.sorted().map { .string($0.description) })
      let bound = list(roles(.group(group.name)))
      if group.isDefault {
        guard members != nil || bound != nil else { return nil }
        return document("Group", [("name", .string(group.name)), ("members", members), ("roles", bound)])
      }
      return document(
        "Group",
        [
          ("name", .string(group.name)), ("description", group.description.map(YAMLOut.string)),
          ("source", .string(group.source.rawValue)), ("directoryId", group.directoryId.map(YAMLOut.string)),
          ("members", members), ("roles", bound),
        ])
    }
    if !groups.isEmpty { files.append(("groups.yaml", groups.joined(separator: "---\n"))) }
    let robots = model.robots.values.sorted { $0.name < $1.name }.map { robot in
      document(
        "RobotAccount",
        [
          ("name", .string(robot.name)), ("description", robot.description.map(YAMLOut.string)),
          ("roles", list(roles(.robot(robot.name)))),
        ])
    }
    if !robots.isEmpty { files.append(("robots.yaml", robots.joined(separator: "---\n"))) }
    let apps = model.apps.values.sorted { $0.name < $1.name }.map { app in
      document(
        "ExternalApp",
        [
          ("name", .string(app.name)), ("appId", app.appId.map(YAMLOut.string)),
          ("description", app.description.map(YAMLOut.string)), ("roles", list(roles(.app(app.name)))),
        ])
    }
    if !apps.isEmpty { files.append(("apps.yaml", apps.joined(separator: "---\n"))) }
    return files
  }
}

/// A YAML value to write. Strings are always double-quoted (JSON escapes are valid YAML), so no
/// value is ever read back as another type.
indirect enum YAMLOut: Equatable {
  case string(String)
  case bool(Bool)
  case number(Double)
  case list([YAMLOut])
  case map([(String, YAMLOut)])

  static func == (a: YAMLOut, b: YAMLOut) -> Bool { a.render(indent: 0) == b.render(indent: 0) }

  var scalar: String? {
    switch self {
    case .string(let s): return Self.quoted(s)
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    case .list(let l) where l.isEmpty: return "[]"
    default: return nil
    }
  }

  func render(indent: Int) -> String {
    let pad = String(repeating: " ", count: indent)
    switch self {
    case .map(let pairs):
      return pairs.map { key, value in
        if let scalar = value.scalar { return "\(pad)\(key): \(scalar)\n" }
        if case .list = value { return "\(pad)\(key):\n" + value.render(indent: indent) }
        return "\(pad)\(key):\n" + value.render(indent: indent + 2)
      }.joined()
    case .list(let items):
      return items.map { item in
        if let scalar = item.scalar { return "\(pad)- \(scalar)\n" }
        let inner = item.render(indent: indent + 2)
        return pad + "- " + inner.dropFirst(indent + 2)
      }.joined()
    default:
      return pad + (scalar ?? "") + "\n"
    }
  }

  /// JSON's string escapes are valid in a double-quoted YAML scalar, so JSON text is used as is.
  static func quoted(_ s: String) -> String { JSONValue.string(s).jsonText }
}
