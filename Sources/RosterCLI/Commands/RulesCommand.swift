import ArgumentParser
import RosterConfig
import RosterPlan

struct RulesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rules",
    abstract: "List every rule a finding can come from: id, name, severity and rationale.")

  @Option(help: "Output format: text or json.") var format: OutputFormat = .text

  struct Item: Encodable {
    var id: String
    var name: String
    var severity: String
    var rationale: String
  }

  /// The configuration's rules (validate) and the safety rules (plan and apply).
  static var items: [Item] {
    Rule.all.map { Item(id: $0.id, name: $0.name, severity: $0.severity.rawValue, rationale: $0.rationale) }
      + SafetyRule.all.map {
        Item(
          id: $0.id, name: $0.name, severity: $0.severity,
          rationale: $0.rationale + ($0.override.map { " Override: \($0)." } ?? ""))
      }
  }

  func run() throws {
    let items = Self.items
    switch format {
    case .json:
      Console.out(try renderJSON(items))
    case .text:
      let width = items.map(\.name.count).max() ?? 0
      for rule in items {
        let name = rule.name + String(repeating: " ", count: width - rule.name.count)
        let severity = rule.severity + String(repeating: " ", count: 7 - rule.severity.count)
        Console.out("\(rule.id)  \(name)  \(severity)  \(rule.rationale)")
      }
    }
  }
}
