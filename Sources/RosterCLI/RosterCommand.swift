import ArgumentParser

/// The `roster` command: GitOps access control.
public struct RosterCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "roster",
    abstract: "Access control as code: validate it, plan and apply it, and ask who may do what, and why.",
    discussion: """
      Roster reads the YAML documents of a configuration directory (Organization, Tenant, User,
      UserList, Group, Role, RobotAccount, ExternalApp, Platform) and answers access questions
      against the platform catalog the organisation uses.

      Examples:
        roster validate --config examples/integration-hub
        roster check --config examples/integration-hub --principal bob@northwind.example \\
          --permission "Create custom scripts"
        roster explain --config examples/automation-cloud --principal ops@contoso.example \\
          --permission ai-center.access --scope tenant/production/service/ai-center
        roster who-can --config examples/packaging --permission packages.write --scope tenant/emea
      """,
    version: "0.1.0",
    subcommands: [
      InitCommand.self, ValidateCommand.self, PlanCommand.self, ApplyCommand.self, ShowCommand.self,
      ExportCommand.self, CheckCommand.self, ExplainCommand.self, WhoCanCommand.self, AuditCommand.self,
      ForceUnlockCommand.self, CatalogCommand.self, RulesCommand.self,
    ]
  )

  public init() {}
}
