import RosterConfig
import Testing

@testable import RosterModel

/// One user per role of the seed at organization, plus tenant-scoped accounts.
private func packagingModel() throws -> AccessModel {
  let text = """
    apiVersion: roster/v1
    kind: Organization
    name: Fabrikam
    platform: packaging
    ---
    apiVersion: roster/v1
    kind: Tenant
    name: emea
    ---
    apiVersion: roster/v1
    kind: Tenant
    name: americas
    ---
    apiVersion: roster/v1
    kind: UserList
    users:
      - email: organisation-administrator@fabrikam.example
        roles: [organisation-administrator]
      - email: package-writer@fabrikam.example
        roles: [package-writer]
      - email: package-reader@fabrikam.example
        roles: [package-reader]
      - email: robopatch-writer@fabrikam.example
        roles: [robopatch-writer]
      - email: robopatch-reader@fabrikam.example
        roles: [robopatch-reader]
      - email: security-writer@fabrikam.example
        roles: [security-writer]
      - email: security-reader@fabrikam.example
        roles: [security-reader]
      - email: emea-writer@fabrikam.example
        roles:
          - role: package-writer
            scope: tenant/emea
    """
  let loaded = ConfigLoader.load([ConfigFile(path: "org.yaml", text: text)])
  #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
  return try #require(loaded.model)
}

private func account(_ role: String) -> PrincipalID { .user("\(role)@fabrikam.example") }

/// The seed's seven roles, as its table names them.
private let seedRoles = [
  "Organisation Administrator", "Package Writer", "Package Reader", "Robopatch Writer", "Robopatch Reader",
  "Security Writer", "Security Reader",
]

@Suite("packaging: the seed's roles and the operations it singles out")
struct PackagingTests {
  static let model = try? packagingModel()

  @Test("the shipped catalog loads and has the seed's seven roles")
  func roles() throws {
    #expect(BuiltinCatalogs.diagnostics("packaging").isEmpty)
    let catalog = try #require(BuiltinCatalogs.catalog("packaging"))
    #expect(catalog.roles.map(\.name) == seedRoles)
  }

  @Test("adding Instant Apps to Patch Groups: the Organisation Administrator and nobody else")
  func instantApps() throws {
    let model = try #require(Self.model)
    let authorizer = Authorizer(model)
    let ids = try #require(BuiltinCatalogs.catalog("packaging")).roles.map(\.id)
    for role in ids {
      #expect(
        authorizer.isAllowed(account(role), "instant-apps.add-to-patch-groups", at: try Scope(parsing: "tenant/emea"))
          == (role == "organisation-administrator"), "\(role)")
    }
    let denied = try model.decide(
      AccessQuestion(principal: account("package-writer"), permission: "instant-apps.add-to-patch-groups"))
    #expect(
      denied.reasons.contains { $0.kind == .limitation && $0.message.contains("requires Organisation Administrator") })
  }

  @Test("the Robopatch Writer modifies only the flows they created; the administrator modifies any")
  func ownFlows() throws {
    let authorizer = Authorizer(try #require(Self.model))
    let writer = account("robopatch-writer")
    #expect(authorizer.isAllowed(writer, "robopatch-flows.modify", owner: writer))
    #expect(!authorizer.isAllowed(writer, "robopatch-flows.modify", owner: account("package-writer")))
    #expect(!authorizer.isAllowed(writer, "robopatch-flows.modify"), "no owner given: not known to be theirs")
    #expect(authorizer.isAllowed(writer, "robopatch-flows.create"))
    #expect(
      authorizer.isAllowed(account("organisation-administrator"), "robopatch-flows.modify", owner: writer))
  }

  @Test("no reader role reaches Radar")
  func radar() throws {
    let model = try #require(Self.model)
    let authorizer = Authorizer(model)
    for reader in ["package-reader", "robopatch-reader", "security-reader"] {
      #expect(!authorizer.isAllowed(account(reader), "radar.access"), "\(reader)")
      let decision = try model.decide(AccessQuestion(principal: account(reader), permission: "radar.access"))
      #expect(decision.reasons.contains { $0.kind == .limitation }, "the denial quotes the seed")
    }
    #expect(authorizer.isAllowed(account("organisation-administrator"), "radar.access"))
  }

  @Test("a role bound at a tenant applies in that tenant only")
  func perTenant() throws {
    let authorizer = Authorizer(try #require(Self.model))
    let writer = account("emea-writer")
    #expect(authorizer.isAllowed(writer, "packages.write", at: try Scope(parsing: "tenant/emea")))
    #expect(!authorizer.isAllowed(writer, "packages.write", at: try Scope(parsing: "tenant/americas")))
    #expect(!authorizer.isAllowed(writer, "packages.write"))
  }
}
