import ArgumentParser
import Foundation
import RosterConfig
import RosterGit

/// The `roster` command: GitOps access control.
public struct RosterCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "roster",
    abstract: "Access control as code: validate it, plan and apply it, and ask who may do what, and why.",
    discussion: """
      Teams commit YAML documents (Organization, Tenant, User, UserList, Group, Role, \
      RobotAccount, ExternalApp, AccessTest, Platform) to git. Roster validates them \
      (validate), plans the difference from the state it keeps (plan), applies a reviewed plan \
      (apply), and answers who may do what, and why (check, explain, who-can).

      Examples:
        roster validate --config examples/integration-hub
        roster init --organization Northwind --platform integration-hub \\
          --admin ada@northwind.example
        roster plan --config examples/integration-hub \\
          --actor ada@northwind.example --confirm-sign-in-change -out plan.json
        roster apply plan.json
        roster check --config examples/integration-hub \\
          --principal bob@northwind.example --permission "Create custom scripts"
        roster explain --config examples/automation-cloud \\
          --principal ops@contoso.example --permission ai-center.access \\
          --scope tenant/production/service/ai-center
        roster who-can --config examples/packaging --permission packages.write \\
          --scope tenant/emea
      """,
    version: "0.1.0",
    subcommands: [
      InitCommand.self, ValidateCommand.self, PlanCommand.self, ApplyCommand.self, ShowCommand.self,
      ExportCommand.self, TestCommand.self, CheckCommand.self, ExplainCommand.self, WhoCanCommand.self,
      AuditCommand.self, ForceUnlockCommand.self, MigrateStateCommand.self, CatalogCommand.self, RulesCommand.self,
      BenchCommand.self,
    ]
  )

  public init() {}

  /// Runs the command the process was given, its heap set up for it first, and what most
  /// commands need made meanwhile on another core: libgit2, for one that reads a repository
  /// (see ``GitRepository/prepare()``), and the schemas and catalogs (see
  /// ``ConfigLoader/prepareInBackground()``).
  public static func start() {
    ProcessLifetime.mapLargeBlocks()
    if CommandLine.arguments.dropFirst().contains(where: { $0 == "--repo" || $0.hasPrefix("--repo=") }) {
      Thread.detachNewThread { GitRepository.prepare() }
    }
    ConfigLoader.prepareInBackground()
    main()
  }
}
