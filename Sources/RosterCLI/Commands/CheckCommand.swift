import ArgumentParser
import RosterModel

struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Answer allow or deny, with the reasons.",
    discussion: """
      Exits 0 for either answer, and non-zero only when the question or the configuration is wrong.

        roster check --config examples/packaging \\
          --principal ana@fabrikam.example --permission robopatch-flows.modify \\
          --owner ben@fabrikam.example
      """)

  @OptionGroup var source: ConfigOptions
  @OptionGroup var stateOptions: StateOptions
  @OptionGroup var question: QuestionOptions
  @Option(help: "Output format: text or json.") var format: OutputFormat = .text

  func run() throws {
    try answer(question, source, stateOptions, format, text: DecisionText.short)
  }
}

/// Decides `question` on the configuration or the state and prints the decision: as JSON, or
/// as `text` writes it (`check` and `explain` differ only there).
private func answer(
  _ question: QuestionOptions, _ source: ConfigOptions, _ stateOptions: StateOptions, _ format: OutputFormat,
  text: (Decision, AccessModel) -> String
) throws {
  let model = try questionModel(source, stateOptions)
  let decision = try model.decide(try question.question(in: model))
  switch format {
  case .json: Console.out(try renderJSON(DecisionJSON(decision)))
  case .text: Console.out(text(decision, model))
  }
}

struct ExplainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain",
    abstract: "Show the whole path of a decision: bindings, group chain, scope, tier, condition.")

  @OptionGroup var source: ConfigOptions
  @OptionGroup var stateOptions: StateOptions
  @OptionGroup var question: QuestionOptions
  @Option(help: "Output format: text or json.") var format: OutputFormat = .text

  func run() throws {
    try answer(question, source, stateOptions, format, text: DecisionText.full)
  }
}

struct WhoCanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "who-can",
    abstract: "List the accounts that hold a permission at a scope.")

  @OptionGroup var source: ConfigOptions
  @OptionGroup var stateOptions: StateOptions
  @Option(help: ArgumentHelp("The permission's id, or its exact title.", valueName: "ID-OR-TITLE"))
  var permission: String
  @Option(help: ArgumentHelp("Where (default: organization).", valueName: "SCOPE"))
  var scope: String = "organization"
  @Option(help: "Output format: text or json.") var format: OutputFormat = .text

  struct Holder: Encodable {
    var principal: String
    var condition: String?
  }

  func run() throws {
    let model = try questionModel(source, stateOptions)
    let permission = try resolvePermission(self.permission, in: model.catalog)
    let scope = try resolveScope(self.scope, in: model)
    let holders = Authorizer(model).whoCan(permission.id, at: scope).map { principal, access in
      Holder(
        principal: principal.description,
        condition: access == .ownOnly ? "own" : access == .selfOnly ? "self" : nil)
    }
    switch format {
    case .json:
      struct Answer: Encodable {
        var permission: String
        var scope: String
        var principals: [Holder]
      }
      Console.out(try renderJSON(Answer(permission: permission.id, scope: scope.description, principals: holders)))
    case .text:
      var lines = ["\(holders.count) account\(holders.count == 1 ? "" : "s") may '\(permission.title)' at \(scope):"]
      for holder in holders {
        var line = "  \(holder.principal)"
        if holder.condition == "own" { line += "  (only on resources they created)" }
        if holder.condition == "self" { line += "  (only on their own account)" }
        lines.append(line)
      }
      Console.out(lines.joined(separator: "\n"))
    }
  }
}

/// The model a question is asked of: the stored state when --state (or ROSTER_STATE) is given
/// and no configuration is, else the configuration (the current directory by default).
func questionModel(_ source: ConfigOptions, _ state: StateOptions) throws -> AccessModel {
  if source.isDefault && state.isGiven { return try state.loadModel().model }
  return try source.loadModel()
}
