import ArgumentParser
import RosterConfig
import RosterModel

struct CatalogCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "catalog",
    abstract: "List and show the platform catalogs shipped with Roster.",
    subcommands: [List.self, Show.self])

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List the shipped platform catalogs.")

    func run() throws {
      var lines: [String] = []
      for name in BuiltinCatalogs.names {
        guard let catalog = BuiltinCatalogs.catalog(name) else {
          throw CLIError("the shipped catalog '\(name)' does not load: \(BuiltinCatalogs.diagnostics(name))")
        }
        lines.append(
          "\(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(catalog.title) — "
            + "\(catalog.roles.count) roles, \(catalog.permissions.count) permissions")
      }
      Console.out(lines.joined(separator: "\n"))
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show", abstract: "Show a catalog's roles and permissions (or its YAML source with --yaml).")

    @Argument(help: "The platform's name (see `roster catalog list`).") var name: String
    @Flag(help: "Print the catalog's YAML source.") var yaml = false

    func run() throws {
      guard let source = BuiltinCatalogs.sources.first(where: { $0.name == name }),
        let catalog = BuiltinCatalogs.catalog(name)
      else {
        let hint = closestMatch(to: name, in: BuiltinCatalogs.names).map { " (did you mean '\($0)'?)" } ?? ""
        throw CLIError(
          "unknown platform '\(name)'\(hint); shipped: \(BuiltinCatalogs.names.joined(separator: ", "))")
      }
      if yaml {
        Console.out(source.text)
        return
      }
      var lines = ["\(catalog.name): \(catalog.title)"]
      if let source = catalog.source { lines.append("source: \(source)") }
      lines.append(
        "scope levels: "
          + catalog.scopeLevels.map { $0.level.rawValue + ($0.label.map { " (\($0))" } ?? "") }.joined(separator: ", "))
      if !catalog.tiers.isEmpty {
        lines.append(
          "tiers: " + catalog.tiers.map(\.name).joined(separator: ", ") + " (default \(catalog.defaultTier ?? "-"))")
      }
      lines.append("")
      lines.append("Roles:")
      for role in catalog.roles {
        let count = role.allPermissions ? "all" : "\(role.grants.count)"
        lines.append(
          "  \(role.id) — \(role.name) [\(role.levels.map(\.rawValue).joined(separator: ", "))], \(count) permissions")
      }
      lines.append("")
      lines.append("Permissions:")
      var section: String?
      for permission in catalog.permissions {
        if permission.section != section, let s = permission.section {
          lines.append("  \(s)")
          section = s
        }
        var line = "    \(permission.id): \(permission.title)"
        if let c = permission.condition { line += " [\(c.rawValue)]" }
        if let f = permission.feature { line += " [feature \(f)]" }
        lines.append(line)
      }
      Console.out(lines.joined(separator: "\n"))
    }
  }
}
