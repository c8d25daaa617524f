import ArgumentParser
import Foundation
import RosterConfig
import RosterModel

struct TestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "test",
    abstract: "Run the AccessTest documents: expected decisions, who-can snapshots and guardrails.",
    discussion: """
      Each case is expanded to principals × permissions × scopes and compared with the decision \
      (a failure shows the decision's reasons); each whoCan is compared with the accounts that hold \
      the permission; each mustNotGrant is searched at its scope and every scope inside it. A \
      coverage summary lists the roles and permissions no test touches.

      Exits 0 when every assertion passes, 1 when one fails.

        roster test --config examples/integration-hub
        roster test --config examples/packaging --format junit > junit.xml
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case junit
  }

  @OptionGroup var source: ConfigOptions
  @Option(help: ArgumentHelp("Run only the tests whose name contains TEXT.", valueName: "TEXT")) var filter: String?
  @Option(help: "Output format: text, json, or junit (JUnit XML for CI).") var format: Format = .text

  func run() throws {
    let (loaded, _) = try source.loadWithCommit()
    printDiagnostics(loaded.diagnostics, toStandardError: true)
    guard let model = loaded.model else {
      throw CLIError("the configuration in \(source.label) has errors; no test was run")
    }
    let documents = loaded.accessTests.filter { filter.map($0.name.contains) ?? true }
    let results = AccessTestRunner.run(documents, model: model)
    let failed = results.filter { !$0.passed }
    let coverage = AccessTestRunner.coverage(documents, model: model)
    switch format {
    case .json:
      struct Report: Encodable {
        struct Item: Encodable {
          var test: String
          var name: String
          var passed: Bool
          var failure: String?
          var explanation: [String]
        }
        var passed: Int
        var failed: Int
        var results: [Item]
        var untestedRoles: [String]
        var untestedPermissions: [String]
      }
      Console.out(
        try renderJSON(
          Report(
            passed: results.count - failed.count, failed: failed.count,
            results: results.map {
              Report.Item(
                test: $0.test, name: $0.name, passed: $0.passed, failure: $0.passed ? nil : $0.failure,
                explanation: $0.explanation)
            }, untestedRoles: coverage.roles, untestedPermissions: coverage.permissions)))
    case .junit:
      Console.out(junit(results))
    case .text:
      let colour = Console.colours(standardError: false)
      var lines: [String] = []
      for result in failed {
        lines.append(Style.red.apply("FAIL", colour) + " \(result.test): \(result.name)")
        lines.append("     \(result.failure)")
        for reason in result.explanation { lines.append("       - \(reason)") }
      }
      if !failed.isEmpty { lines.append("") }
      let total = documents.count
      lines.append(
        "\(total) access test\(total == 1 ? "" : "s"), \(results.count) assertions: "
          + "\(results.count - failed.count) passed, \(failed.count) failed")
      lines.append(
        "Coverage: \(model.allRoles.count - coverage.roles.count) of \(model.allRoles.count) roles and "
          + "\(model.catalog.permissions.count - coverage.permissions.count) of \(model.catalog.permissions.count) "
          + "permissions are touched by a test.")
      if !coverage.roles.isEmpty { lines.append("  untested roles: \(coverage.roles.joined(separator: ", "))") }
      if !coverage.permissions.isEmpty {
        let shown = coverage.permissions.prefix(20).joined(separator: ", ")
        let more = coverage.permissions.count > 20 ? " and \(coverage.permissions.count - 20) more" : ""
        lines.append("  untested permissions: \(shown)\(more)")
      }
      Console.out(lines.joined(separator: "\n"))
    }
    if !failed.isEmpty { throw ExitCode.failure }
  }

  /// JUnit XML: one test suite per AccessTest document, one test case per assertion.
  func junit(_ results: [AccessTestResult]) -> String {
    func escape(_ text: String) -> String {
      text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
    var suites: [(String, [AccessTestResult])] = []
    for result in results {
      if let i = suites.firstIndex(where: { $0.0 == result.test }) {
        suites[i].1.append(result)
      } else {
        suites.append((result.test, [result]))
      }
    }
    let failures = results.filter { !$0.passed }.count
    var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    xml += "<testsuites name=\"roster test\" tests=\"\(results.count)\" failures=\"\(failures)\">\n"
    for (name, cases) in suites {
      let failed = cases.filter { !$0.passed }.count
      xml += "  <testsuite name=\"\(escape(name))\" tests=\"\(cases.count)\" failures=\"\(failed)\">\n"
      for result in cases {
        xml += "    <testcase classname=\"\(escape(name))\" name=\"\(escape(result.name))\""
        if result.passed {
          xml += "/>\n"
        } else {
          let detail = result.explanation.map { "- " + $0 }.joined(separator: "\n")
          xml += ">\n      <failure message=\"\(escape(result.failure))\">\(escape(detail))</failure>\n"
          xml += "    </testcase>\n"
        }
      }
      xml += "  </testsuite>\n"
    }
    return xml + "</testsuites>"
  }
}
