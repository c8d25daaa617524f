import ArgumentParser
import RosterConfig

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

  func run() throws {
    switch format {
    case .json:
      Console.out(
        try renderJSON(
          Rule.all.map { Item(id: $0.id, name: $0.name, severity: $0.severity.rawValue, rationale: $0.rationale) }))
    case .text:
      let width = Rule.all.map(\.name.count).max() ?? 0
      for rule in Rule.all {
        let name = rule.name + String(repeating: " ", count: width - rule.name.count)
        let severity = rule.severity.rawValue + String(repeating: " ", count: 7 - rule.severity.rawValue.count)
        Console.out("\(rule.id)  \(name)  \(severity)  \(rule.rationale)")
      }
    }
  }
}
