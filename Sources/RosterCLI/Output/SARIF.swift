import RosterConfig

/// Diagnostics as SARIF 2.1.0, the format code-scanning services annotate pull requests from.
struct SARIFLog: Encodable {
  struct Message: Encodable { var text: String }

  struct Rule: Encodable {
    struct Configuration: Encodable { var level: String }
    var id: String
    var name: String
    var shortDescription: Message
    var fullDescription: Message
    var defaultConfiguration: Configuration
  }

  struct Driver: Encodable {
    var name: String
    var version: String
    var informationUri: String
    var rules: [Rule]
  }

  struct Tool: Encodable { var driver: Driver }

  struct Region: Encodable {
    var startLine: Int
    var startColumn: Int
  }

  struct ArtifactLocation: Encodable { var uri: String }

  struct PhysicalLocation: Encodable {
    var artifactLocation: ArtifactLocation
    var region: Region
  }

  struct Location: Encodable { var physicalLocation: PhysicalLocation }

  struct Result: Encodable {
    var ruleId: String
    var ruleIndex: Int
    var level: String
    var message: Message
    var locations: [Location]
  }

  struct Run: Encodable {
    var tool: Tool
    var results: [Result]
  }

  var schema = "https://json.schemastore.org/sarif-2.1.0.json"
  var version = "2.1.0"
  var runs: [Run]

  enum CodingKeys: String, CodingKey {
    case schema = "$schema"
    case version
    case runs
  }

  init(_ diagnostics: [Diagnostic], toolVersion: String) {
    let rules = RosterConfig.Rule.all
    let index = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
    let results = diagnostics.map { diagnostic in
      var text = diagnostic.message
      if let hint = diagnostic.hint { text += " (\(hint))" }
      // SARIF needs a place; a diagnostic about the whole configuration is put at its first line.
      let location = diagnostic.location ?? SourceLocation(file: "", line: 1, column: 1)
      return Result(
        ruleId: diagnostic.rule.id, ruleIndex: index[diagnostic.rule.id] ?? 0,
        level: Self.level(diagnostic.severity), message: Message(text: text),
        locations: [
          Location(
            physicalLocation: PhysicalLocation(
              artifactLocation: ArtifactLocation(uri: Self.uri(location.file)),
              region: Region(startLine: location.line, startColumn: location.column)))
        ])
    }
    let driver = Driver(
      name: "roster", version: toolVersion, informationUri: "https://roster.example/docs/rules",
      rules: rules.map {
        Rule(
          id: $0.id, name: $0.name, shortDescription: Message(text: $0.name),
          fullDescription: Message(text: $0.rationale),
          defaultConfiguration: Rule.Configuration(level: Self.level($0.severity)))
      })
    runs = [Run(tool: Tool(driver: driver), results: results)]
  }

  static func level(_ severity: Severity) -> String {
    switch severity {
    case .error: return "error"
    case .warning: return "warning"
    case .note: return "note"
    }
  }

  /// A relative path as a URI reference: `./` dropped, spaces and `%` escaped.
  static func uri(_ path: String) -> String {
    var path = path
    while path.hasPrefix("./") { path.removeFirst(2) }
    var out = ""
    for byte in path.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"), UInt8(ascii: "/"):
        out.append(Character(Unicode.Scalar(byte)))
      default:
        out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
      }
    }
    return out
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
