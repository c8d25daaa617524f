import Foundation
import JSONSchema
import Testing

/// The official JSON Schema Test Suite, beside the project at `../shared/json-schema-test-suite`.
private let suiteRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().appending(path: "shared/json-schema-test-suite")

private let suiteFolder = suiteRoot.appending(path: "tests/draft2020-12")

/// Tests of the required files this validator does not pass, each with its reason. Keyed by
/// "file: group description: test description"; the README summarises them.
let conformanceSkips: [String: String] = [:]

/// The required test files (the `optional/` folder is not required by the specification).
private let suiteFiles: [String] = {
  let names = (try? FileManager.default.contentsOfDirectory(atPath: suiteFolder.path)) ?? []
  return names.filter { $0.hasSuffix(".json") }.sorted()
}()

private func readJSON(_ url: URL) throws -> JSONValue {
  try JSONValue(parsing: [UInt8](try Data(contentsOf: url)))
}

/// The meta-schemas and the suite's remotes, registered under the URIs the tests use.
private let baseRegistry: SchemaRegistry? = {
  var registry = SchemaRegistry()
  let fm = FileManager.default
  func files(under folder: URL) -> [URL] {
    guard let walker = fm.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
    return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
      .sorted { $0.path < $1.path }
  }
  do {
    let metaschemas = suiteRoot.appending(path: "metaschemas/draft2020-12")
    // The vocabulary metaschemas first, so the dialect's own $vocabulary is known when it is read.
    for url in files(under: metaschemas.appending(path: "meta")) + [metaschemas.appending(path: "schema.json")] {
      try registry.add(try readJSON(url), uri: url.absoluteString)
    }
    let remotes = suiteRoot.appending(path: "remotes")
    for url in files(under: remotes) {
      let relative = String(url.path.dropFirst(remotes.path.count + 1))
      // Remotes of older drafts use keywords of those drafts: only this draft's and the shared ones.
      if relative.hasPrefix("draft") && !relative.hasPrefix("draft2020-12/") { continue }
      try registry.add(try readJSON(url), uri: "http://localhost:1234/" + relative)
    }
  } catch {
    return nil
  }
  return registry
}()

/// `value` as a ``JSONTree``: children before their parent, a collection's children as one run.
func flatten(_ value: JSONValue) -> JSONTree.Node {
  var entries: [JSONTree.Entry] = []
  var children: [Int32] = []
  func add(_ value: JSONValue) -> Int32 {
    var run: [Int32] = []
    switch value {
    case .null: entries.append(.null)
    case .bool(let b): entries.append(.bool(b))
    case .number(let n): entries.append(.number(n))
    case .string(let s): entries.append(.string(s))
    case .array(let items):
      for item in items { run.append(add(item)) }
      entries.append(.array(first: Int32(children.count), count: Int32(run.count)))
      children += run
    case .object(let object):
      for (key, member) in object.members {
        run.append(add(.string(key)))
        run.append(add(member))
      }
      entries.append(.object(first: Int32(children.count), count: Int32(run.count)))
      children += run
    }
    return Int32(entries.count - 1)
  }
  let root = add(value)
  return JSONTree(entries: entries, children: children)[Int(root)]
}

/// What one file's run found.
struct FileResult {
  var passed = 0
  var skipped = 0
  var failures: [String] = []
}

func runSuiteFile(_ name: String) throws -> FileResult {
  let registry = try #require(baseRegistry, "the meta-schemas and remotes of the suite load")
  var result = FileResult()
  guard case .array(let groups) = try readJSON(suiteFolder.appending(path: name)) else {
    throw SchemaLoadError("\(name) is not an array of test groups")
  }
  for (index, group) in groups.enumerated() {
    let groupName = group["description"]?.stringValue ?? "group \(index)"
    var copy = registry
    let uri = "http://roster.test/\(name)/\(index)/schema.json"
    let validator: SchemaValidator
    let root: String
    do {
      root = try copy.add(group["schema"] ?? .null, uri: uri)
      validator = copy.compile()
    } catch {
      result.failures.append("\(name): \(groupName): the schema did not load: \(error)")
      continue
    }
    for test in group["tests"]?.arrayValue ?? [] {
      let testName = test["description"]?.stringValue ?? "?"
      let key = "\(name): \(groupName): \(testName)"
      if conformanceSkips[key] != nil {
        result.skipped += 1
        continue
      }
      let expected = test["valid"] == .bool(true)
      let violations = validator.validate(test["data"] ?? .null, against: root)
      // The same value kept flat (as the YAML reader gives it) is validated alike, word for word.
      let flat = validator.validate(flatten(test["data"] ?? .null), against: root)
      if flat != violations {
        result.failures.append(
          "\(key): as a JSONTree: \(flat.map(\.description)) where the value gave \(violations.map(\.description))")
      }
      if violations.isEmpty == expected {
        result.passed += 1
      } else {
        result.failures.append(
          "\(key): expected \(expected ? "valid" : "invalid")"
            + (violations.isEmpty ? "" : ", got \(violations.map(\.description).joined(separator: "; "))"))
      }
    }
  }
  return result
}

@Suite("JSON Schema Test Suite, draft 2020-12")
struct ConformanceTests {
  @Test(
    "every test of the file passes, but for the skip list", .enabled(if: !suiteFiles.isEmpty, "../shared is absent"),
    arguments: suiteFiles)
  func file(_ name: String) throws {
    let result = try runSuiteFile(name)
    for failure in result.failures { Issue.record(Comment(rawValue: failure)) }
    #expect(result.passed > 0)
  }

  @Test("totals: passed and skipped", .enabled(if: !suiteFiles.isEmpty, "../shared is absent"))
  func totals() throws {
    var passed = 0
    var skipped = 0
    for name in suiteFiles {
      let result = try runSuiteFile(name)
      passed += result.passed
      skipped += result.skipped
    }
    print("JSON Schema Test Suite draft 2020-12: \(passed) passed, \(skipped) skipped of \(suiteFiles.count) files")
    #expect(skipped == conformanceSkips.count, "every skip-list entry names a test that exists")
  }
}

@Suite("JSON values kept flat")
struct JSONTreeTests {
  @Test("a tree gives back the value it was made from, members in order")
  func roundTrip() throws {
    let value = try JSONValue(
      parsing: Array(#"{"b": [1, 2.5, "x", null, true, {}, []], "a": {"c": {"d": "e"}}, "": false}"#.utf8))
    let node = flatten(value)
    #expect(node.value == value)
    #expect(node.members.map(\.key) == ["b", "a", ""])
    #expect(node.members[0].value.items.count == 7)
    #expect(node.items.isEmpty)
  }
}
