import ArgumentParser
import Foundation
import RosterConfig
import RosterModel
import RosterStore

struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Create the state: mint its lineage, create the organisation and its first administrator.",
    discussion: """
      The first administrator is appointed when the organisation is created, as the platforms do: \
      bound to the platform's administrator role, or made a member of the default group that \
      holds it. Then `roster plan` and `roster apply` bring the state to what git says.

        roster init --organization Northwind --platform integration-hub \\
          --admin ada@northwind.example
      """)

  @Option(help: "The organisation's name.") var organization: String
  @Option(help: ArgumentHelp("A shipped platform (roster catalog list).", valueName: "PLATFORM")) var platform: String
  @Option(help: ArgumentHelp("The first administrator's email.", valueName: "EMAIL")) var admin: String
  @Option(help: "Who runs the command, for the audit log (default: $ROSTER_ACTOR, else $USER).") var actor: String?
  @OptionGroup var stateOptions: StateOptions

  func run() throws {
    guard let catalog = BuiltinCatalogs.catalog(platform) else {
      throw CLIError("unknown platform '\(platform)'; one of \(BuiltinCatalogs.names.joined(separator: ", "))")
    }
    guard let role = catalog.roles.first(where: { $0.administrator }) else {
      throw CLIError("platform '\(platform)' has no administrator role to appoint")
    }
    var model: AccessModel
    do {
      model = try AccessModel(organization: Organization(name: organization, platform: platform), catalog: catalog)
      try model.addUser(User(email: admin))
      if role.assignment == .membership {
        guard let group = catalog.defaultGroups.first(where: { $0.roles.contains { $0.role == role.id } }) else {
          throw CLIError("platform '\(platform)' gives '\(role.name)' through no default group")
        }
        try model.addMember(.user(admin), to: group.name)
      } else {
        try model.bind(Binding(principal: .user(admin), role: role.id))
      }
    } catch let error as ModelError {
      throw CLIError("cannot create the organisation: \(error)")
    }
    let lineage = UUID().uuidString.lowercased()
    let snapshot = model.snapshot
    let changes = String(decoding: try JSONEncoder().encode(snapshot.all.map(\.address)), as: UTF8.self)
    let store = try stateOptions.open()
    do {
      try store.initialize(
        lineage: lineage, snapshot: snapshot, catalogSource: nil,
        audit: AuditRecord(
          actor: resolveActor(actor), time: auditTime(), operation: "init", source: nil, commit: nil,
          planDigest: nil, changes: changes))
    } catch {
      throw error.cli
    }
    Console.out(
      "Initialized \(store.location): organisation '\(organization)' on \(platform), lineage \(lineage), serial 1.\n"
        + "\(admin) is '\(role.name)'. Next: roster plan --config DIR, then roster apply.")
  }
}
