import Foundation
import JSONSchema
import RosterTestSupport
import RosterYAML
import Testing

@testable import RosterConfig

private let corpus = packageRoot.appending(path: "Tests/RosterConfigTests/Fixtures/schema-corpus")
private let metaschemas = packageRoot.deletingLastPathComponent().appending(
  path: "shared/json-schema-test-suite/metaschemas/draft2020-12")

/// Every document of the YAML files below `folder`, with its file.
private func documents(under folder: URL) throws -> [(file: String, root: YAMLNode)] {
  let fm = FileManager.default
  guard let walker = fm.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
  var out: [(String, YAMLNode)] = []
  for case let url as URL in walker where ["yaml", "yml"].contains(url.pathExtension) {
    let stream = YAMLReader.read([UInt8](try Data(contentsOf: url)), file: url.path)
    #expect(stream.errors.isEmpty, "\(url.path): \(stream.errors)")
    out += stream.documents.map { (url.path, $0.root) }
  }
  return out.sorted { $0.0 < $1.0 }
}

private func schemaURI(of root: YAMLNode) -> String {
  DocumentSchemas.base + DocumentSchemas.fileName(of: root["kind"]?.string ?? "?")
}

@Suite("JSON Schemas of the document kinds")
struct SchemaTests {
  @Test("every kind has a shipped schema, and they load and link without a problem")
  func shipped() {
    #expect(DocumentSchemas.compiled.problems.isEmpty, "\(DocumentSchemas.compiled.problems)")
    let files = Set(DocumentSchemas.sources.map { String($0.path.dropFirst("schemas/".count)) })
    for kind in ConfigLoader.kinds {
      #expect(files.contains(DocumentSchemas.fileName(of: kind)), "no schema for \(kind)")
    }
  }

  @Test("every schema is valid against the draft 2020-12 meta-schema, with a title, a description and valid examples")
  func againstMetaschema() throws {
    let suitePresent = FileManager.default.fileExists(atPath: metaschemas.path)
    var registry = SchemaRegistry()
    if suitePresent {
      for name in ["core", "applicator", "unevaluated", "validation", "meta-data", "format-annotation", "content"] {
        let url = metaschemas.appending(path: "meta/\(name).json")
        try registry.add(try JSONValue(parsing: [UInt8](Data(contentsOf: url))), uri: url.absoluteString)
      }
      let url = metaschemas.appending(path: "schema.json")
      try registry.add(try JSONValue(parsing: [UInt8](Data(contentsOf: url))), uri: url.absoluteString)
    }
    let meta = registry.compile()
    for source in DocumentSchemas.sources {
      let schema = try JSONValue(parsing: source.text)
      if suitePresent {
        let violations = meta.validate(schema, against: "https://json-schema.org/draft/2020-12/schema")
        #expect(violations.isEmpty, "\(source.path): \(violations)")
      }
      #expect(schema["title"]?.stringValue?.isEmpty == false, "\(source.path) has a title")
      #expect(schema["description"]?.stringValue?.isEmpty == false, "\(source.path) has a description")
      guard let id = schema["$id"]?.stringValue, source.path != "schemas/common.schema.json" else { continue }
      let examples = schema["examples"]?.arrayValue ?? []
      #expect(!examples.isEmpty, "\(source.path) has examples")
      for example in examples {
        let violations = DocumentSchemas.compiled.validator.validate(example, against: id)
        #expect(violations.isEmpty, "\(source.path): an example fails: \(violations)")
      }
    }
  }

  @Test("the corpus: valid documents pass, each broken one fails")
  func corpusVerdicts() throws {
    let validator = DocumentSchemas.compiled.validator
    let valid = try documents(under: corpus.appending(path: "valid"))
    let invalid = try documents(under: corpus.appending(path: "invalid"))
    #expect(valid.count >= 10 && invalid.count >= 20)
    for (file, root) in valid {
      let violations = validator.validate(root.json, against: schemaURI(of: root))
      #expect(violations.isEmpty, "\(file): \(violations)")
    }
    for (file, root) in invalid {
      #expect(!validator.isValid(root.json, against: schemaURI(of: root)), "\(file) should fail")
    }
  }

  /// Needs Python 3 with jsonschema (`make test` installs it); ROSTER_PYTHON names the interpreter.
  @Test("Roster's validator and Python's jsonschema agree on every example and every corpus document")
  func crossCheck() throws {
    var cases: [JSONValue] = []
    var verdicts: [Bool] = []
    var names: [String] = []
    let folders = ["examples", "catalogs", "Tests/RosterConfigTests/Fixtures/schema-corpus"]
    for folder in folders {
      // Only Roster's documents (examples/ci holds a GitHub Actions workflow, not configuration).
      for (file, root) in try documents(under: packageRoot.appending(path: folder))
      where root["apiVersion"]?.string == "roster/v1" {
        let schema = DocumentSchemas.fileName(of: root["kind"]?.string ?? "?")
        cases.append(.object(JSONObject([("schema", .string(schema)), ("instance", root.json)])))
        verdicts.append(DocumentSchemas.compiled.validator.isValid(root.json, against: DocumentSchemas.base + schema))
        names.append(file)
      }
    }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let input = folder.url.appending(path: "cases.json")
    try Data(JSONValue.array(cases).jsonText.utf8).write(to: input)
    let python = ProcessInfo.processInfo.environment["ROSTER_PYTHON"] ?? "python3"
    let result = try run(
      "/usr/bin/env",
      [
        python, packageRoot.appending(path: "scripts/schema-crosscheck.py").path,
        packageRoot.appending(path: "schemas").path, input.path,
      ])
    #expect(result.status == 0, "python: \(result.stderr)")
    let theirs = try JSONValue(parsing: result.stdout).arrayValue?.map { $0 == .bool(true) } ?? []
    #expect(theirs.count == verdicts.count)
    for (i, name) in names.enumerated() where i < theirs.count {
      #expect(theirs[i] == verdicts[i], "\(name): Python says \(theirs[i]), Roster says \(verdicts[i])")
    }
    #expect(verdicts.contains(true) && verdicts.contains(false))
  }

  @Test("a schema violation points at the exact place, with the rule and a hint")
  func diagnostics() throws {
    let loaded = ConfigLoader.load([
      ConfigFile(
        path: "org.yaml",
        text: """
          apiVersion: roster/v1
          kind: Organization
          name: Northwind
          platform: integration-hub
          autoProvisioning: yes
          signIn:
            mode: password
            requireTwoFactr: true
          """)
    ])
    let lines = loaded.diagnostics.map(\.description)
    #expect(
      lines.contains(
        "org.yaml:5:19: error[RST014]: 'autoProvisioning' of Organization: expected boolean, found string "
          + "(YAML 1.2 reads 'yes' as a string; write true or false)"), "\(lines)")
    #expect(
      lines.contains(
        "org.yaml:8:3: error[RST011]: unknown field 'requireTwoFactr' in 'signIn' of Organization "
          + "(did you mean 'requireTwoFactor'?)"), "\(lines)")
    #expect(loaded.model == nil)
  }
}
