import ArgumentParser
import RosterConfig

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a configuration and report every problem at once.",
    discussion: """
      Checks in layers and reports every problem at once: YAML syntax, the JSON Schema of each \
      document's kind, references, and the platform's rules. Each finding has a place, a stable rule \
      id (`roster rules` lists them) and, where one helps, a hint.

      Exits 0 when valid, 1 when not; warnings fail only with --strict.

        roster validate --config examples/packaging
        roster validate --repo . --ref HEAD --path examples/packaging \\
          --format sarif > roster.sarif
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case sarif
  }

  @OptionGroup var source: ConfigOptions
  @Option(help: "Output format: text (compiler style), json, or sarif (SARIF 2.1.0, for code scanning).")
  var format: Format = .text
  @Flag(help: "Treat warnings as errors.") var strict = false

  struct Report: Encodable {
    struct Item: Encodable {
      var severity: String
      var rule: String
      var message: String
      var file: String?
      var line: Int?
      var column: Int?
      var hint: String?
    }

    var valid: Bool
    var files: Int
    var documents: Int
    var diagnostics: [Item]
  }

  func run() throws {
    let loaded = try source.load()
    ProcessLifetime.keep(loaded)  // The command ends with it: reclaimed with the process.
    let failed = loaded.diagnostics.hasErrors || (strict && loaded.diagnostics.contains { $0.severity == .warning })
    switch format {
    case .json:
      let items = loaded.diagnostics.map {
        Report.Item(
          severity: $0.severity.rawValue, rule: $0.rule.id, message: $0.message, file: $0.location?.file,
          line: $0.location?.line, column: $0.location?.column, hint: $0.hint)
      }
      Console.out(
        try renderJSON(
          Report(valid: !failed, files: loaded.fileCount, documents: loaded.documentCount, diagnostics: items)))
    case .sarif:
      Console.out(try renderJSON(SARIFLog(loaded.diagnostics, toolVersion: RosterCommand.configuration.version)))
    case .text:
      printDiagnostics(loaded.diagnostics, toStandardError: false)
      let errors = loaded.diagnostics.filter { $0.severity == .error }.count
      let warnings = loaded.diagnostics.filter { $0.severity == .warning }.count
      let summary = "\(loaded.fileCount) files, \(loaded.documentCount) documents: "
      if failed {
        Console.out(
          summary + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
      } else {
        Console.out(summary + "valid" + (warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : ""))
      }
    }
    if failed { throw ExitCode.failure }
  }
}
