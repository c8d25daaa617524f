import JSONSchema
import Testing

@testable import RosterYAML

private func read(_ text: String, limits: YAMLLimits = .default) -> YAMLStream {
  YAMLReader.read(text, file: "test.yaml", limits: limits)
}

private func root(_ text: String) throws -> YAMLNode {
  let stream = read(text)
  #expect(stream.errors.isEmpty, "unexpected errors: \(stream.errors)")
  return try #require(stream.documents.first).root
}

@Suite("YAML reader")
struct YAMLReaderTests {
  @Test("every node keeps its 1-based line and column")
  func positions() throws {
    let node = try root(
      """
      name: Ops
      members:
        - ada@acme.example
        - grace@acme.example
      roles: [ { role: writer, scope: tenant/emea } ]
      """)
    #expect(node.mark == YAMLMark(line: 1, column: 1))
    #expect(node["name"]?.mark == YAMLMark(line: 1, column: 7))
    let members = try #require(node["members"]?.sequence)
    #expect(members.map(\.mark) == [YAMLMark(line: 3, column: 5), YAMLMark(line: 4, column: 5)])
    let binding = try #require(node["roles"]?.sequence?.first)
    #expect(binding["scope"]?.mark == YAMLMark(line: 5, column: 33))
    #expect(binding["scope"]?.string == "tenant/emea")
  }

  @Test("columns count characters, not bytes")
  func unicodeColumns() throws {
    let node = try root("title: Document Understanding™ ok\nnext: é\n")
    #expect(node["next"]?.mark == YAMLMark(line: 2, column: 7))
    #expect(node["title"]?.string == "Document Understanding™ ok")
  }

  @Test("several documents per file, each with its own position")
  func multipleDocuments() {
    let stream = read("a: 1\n---\nb: 2\n---\n# only a comment\n...\n---\nc: 3\n")
    #expect(stream.errors.isEmpty)
    #expect(stream.documents.count == 3 || stream.documents.count == 4)
    let nonNull = stream.documents.filter { !$0.root.isNull }
    #expect(nonNull.count == 3)
    #expect(nonNull[1].root.mark == YAMLMark(line: 3, column: 1))
    #expect(nonNull[2].root["c"]?.scalar?.value == .int(3))
  }

  @Test(
    "YAML 1.2 core scalars: no YAML 1.1 surprises",
    arguments: [
      ("NO", YAMLScalarValue.string("NO")),
      ("no", .string("no")),
      ("yes", .string("yes")),
      ("Yes", .string("Yes")),
      ("off", .string("off")),
      ("on", .string("on")),
      ("y", .string("y")),
      ("true", .bool(true)),
      ("False", .bool(false)),
      ("TRUE", .bool(true)),
      ("0755", .int(755)),
      ("0o17", .int(15)),
      ("0x1F", .int(31)),
      ("-12", .int(-12)),
      ("+3", .int(3)),
      ("1_000", .string("1_000")),
      ("12:30", .string("12:30")),
      ("1.5", .float(1.5)),
      ("1e3", .float(1000)),
      (".5", .float(0.5)),
      ("~", .null),
      ("null", .null),
      ("Null", .null),
      ("", .null),
      ("nullable", .string("nullable")),
      ("2024-01-01", .string("2024-01-01")),
      (".inf", .float(.infinity)),
      ("-.Inf", .float(-.infinity)),
    ])
  func coreSchema(text: String, expected: YAMLScalarValue) throws {
    let node = try root("v: \(text)\n")
    #expect(node["v"]?.scalar?.value == expected)
  }

  @Test("quoted scalars and explicit tags are strings unless the tag says otherwise")
  func quotedAndTagged() throws {
    let node = try root("a: 'true'\nb: \"0755\"\nc: !!str 12\nd: !!int \"12\"\ne: |\n  yes\n")
    #expect(node["a"]?.string == "true")
    #expect(node["b"]?.string == "0755")
    #expect(node["c"]?.string == "12")
    #expect(node["d"]?.scalar?.value == .int(12))
    #expect(node["e"]?.string == "yes\n")
  }

  @Test(".nan resolves to a NaN float")
  func notANumber() throws {
    let node = try root("v: .NaN\n")
    guard case .float(let d)? = node["v"]?.scalar?.value else {
      Issue.record("expected a float")
      return
    }
    #expect(d.isNaN)
  }

  @Test("a duplicate key is an error at the second key, naming the first")
  func duplicateKeys() {
    let stream = read("name: a\nroles: []\nname: b\n")
    #expect(stream.errors.count == 1)
    let error = stream.errors[0]
    #expect(error.kind == .duplicateKey)
    #expect(error.mark == YAMLMark(line: 3, column: 1))
    #expect(error.related == YAMLMark(line: 1, column: 1))
    #expect(error.message.contains("'name'"))
    // The first value is kept; reading goes on past the duplicate.
    #expect(stream.documents.first?.root["name"]?.string == "a")
  }

  @Test("keys are duplicates when their values are, not their spelling")
  func duplicateByValue() {
    #expect(read("1: a\n01: b\n").errors.map(\.kind) == [.duplicateKey])
    #expect(read(".nan: a\n.NaN: b\n").errors.map(\.kind) == [.duplicateKey])
    #expect(read("1: a\n'01': b\ntrue: c\nTrue: d\n").errors.map(\.mark) == [YAMLMark(line: 4, column: 1)])
  }

  @Test("keys are duplicates when their texts are, as the schemas read them as JSON names")
  func duplicateByText() throws {
    // `1` and `"1"` are two keys to YAML but one name in JSON: the second is refused where it
    // is, and the first kept, whichever is quoted.
    for (text, value) in [("1: a\n'1': b\n", "a"), ("'1': a\n1: b\n", "a"), ("true: a\n\"true\": b\n", "a")] {
      let stream = read(text)
      let error = try #require(stream.errors.first)
      #expect(stream.errors.count == 1)
      #expect(error.kind == .duplicateKey)
      #expect(error.mark == YAMLMark(line: 2, column: 1))
      #expect(error.related == YAMLMark(line: 1, column: 1))
      #expect(error.message.contains("read as text"))
      #expect(stream.documents.first?.root.mapping?.map(\.value.string) == [value])
    }
    #expect(
      read("~: a\n'~': b\nnull: c\n").errors.map(\.mark) == [
        YAMLMark(line: 2, column: 1), YAMLMark(line: 3, column: 1),
      ])
    // A key that is a collection is "" as JSON, as is an empty string.
    let collections = read("? [a]\n: 1\n? {b: c}\n: 2\n'': 3\n")
    #expect(collections.errors.map(\.mark) == [YAMLMark(line: 3, column: 3), YAMLMark(line: 5, column: 1)])
    #expect(collections.errors.first?.message.contains("collection") == true)
  }

  @Test("in a mapping of many keys, a duplicate is found wherever it is, and only once per repeat")
  func duplicateInLargeMapping() {
    let keys = (1...40).map { "k\($0): \($0)" }
    let stream = read((keys + ["k3: again", "k40: again", "k41: new"]).joined(separator: "\n") + "\n")
    #expect(stream.errors.map(\.mark) == [YAMLMark(line: 41, column: 1), YAMLMark(line: 42, column: 1)])
    #expect(stream.errors.map(\.related) == [YAMLMark(line: 3, column: 1), YAMLMark(line: 40, column: 1)])
    #expect(stream.documents.first?.root["k41"]?.string == "new")
    // Past sixteen keys too, a key that is not a string is the same as another with its value
    // (`07` is 7) or with its text (`'7'`), and a collection key the same as "".
    let numbers = (1...20).map { "\($0): n" } + ["'7': text", "07: value", "? [a]\n: list", "'': empty", "21: new"]
    let mixed = read(numbers.joined(separator: "\n") + "\n")
    #expect(
      mixed.errors.map(\.mark) == [
        YAMLMark(line: 21, column: 1), YAMLMark(line: 22, column: 1), YAMLMark(line: 25, column: 1),
      ])
    #expect(
      mixed.errors.map(\.related) == [
        YAMLMark(line: 7, column: 1), YAMLMark(line: 7, column: 1), YAMLMark(line: 23, column: 3),
      ])
    #expect(mixed.documents.first?.root.mapping?.count == 22)
  }

  @Test("duplicate keys in nested mappings are found too")
  func nestedDuplicate() {
    let stream = read("a:\n  b: 1\n  c: 2\n  b: 3\n")
    #expect(stream.errors.first?.mark == YAMLMark(line: 4, column: 3))
  }

  @Test("nested collections keep their own items, in order, and their tags")
  func nesting() throws {
    let node = try root("a: [1, {b: [x, y], c: z}, 3]\nd: {e: f}\ng: !!str 5\nh: [[], {}]\n")
    let a = try #require(node["a"]?.sequence)
    #expect(a.map(\.kindName) == ["integer", "mapping", "integer"])
    #expect(a[1]["b"]?.sequence?.compactMap(\.string) == ["x", "y"])
    #expect(a[1]["c"]?.string == "z")
    #expect(a[2].scalar?.value == .int(3))
    #expect(node["d"]?["e"]?.string == "f")
    #expect(node["g"]?.string == "5")
    #expect(node["g"]?.tag == "tag:yaml.org,2002:str")
    #expect(node["a"]?.tag == nil)
    #expect(node["h"]?.sequence?.map { $0.sequence?.count ?? $0.mapping?.count ?? -1 } == [0, 0])
    #expect(node.mapping?.map { $0.key.string ?? "" } == ["a", "d", "g", "h"])
  }

  @Test("a file's tree as JSON: scalars by the core schema, keys as their text, every document")
  func asJSON() throws {
    // The third: a key that is a number, anchored, and its alias as a value (a number again).
    // The fourth: a key that is a collection (read as ""), null and boolean keys, nested.
    let stream = read(
      "a: [1, 2.5, true, ~, x, '7']\n1: one\n---\nb: {c: &d d}\ne: *d\n---\n&k 2: x\ny: *k\n"
        + "---\n? [p, q]\n: v\nm: {~: n, false: f, 'true': t}\n")
    #expect(stream.errors.isEmpty)
    let json = try #require(stream.documents.first).root.source.json
    let first = try JSONValue(parsing: Array(#"{"a": [1, 2.5, true, null, "x", "7"], "1": "one"}"#.utf8))
    let second = try JSONValue(parsing: Array(#"{"b": {"c": "d"}, "e": "d"}"#.utf8))
    let third = try JSONValue(parsing: Array(#"{"2": "x", "y": 2}"#.utf8))
    let fourth = try JSONValue(parsing: Array(#"{"": "v", "m": {"~": "n", "false": "f", "true": "t"}}"#.utf8))
    #expect(stream.documents.map { json[$0.root.position].value } == [first, second, third, fourth])
    #expect(stream.documents.map(\.root.json) == [first, second, third, fourth])
  }

  @Test("aliases expand to their anchor's value")
  func aliases() throws {
    let node = try root("base: &b {role: writer}\ncopy: *b\n")
    #expect(node["copy"]?["role"]?.string == "writer")
    #expect(node["copy"]?.mark == YAMLMark(line: 2, column: 7))
    #expect(node["copy"]?["role"]?.mark == YAMLMark(line: 1, column: 17))
    #expect(node["base"]?.mark == YAMLMark(line: 1, column: 7))
  }

  @Test("a billion-laughs file fails fast with a clear error")
  func billionLaughs() {
    var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in 1...9 {
      let previous = "*a\(i - 1)"
      text += "a\(i): &a\(i) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
    }
    let clock = ContinuousClock()
    let start = clock.now
    let stream = read(text)
    let elapsed = clock.now - start
    #expect(stream.errors.count == 1)
    #expect(stream.errors.first?.kind == .limit)
    #expect(stream.errors.first?.message.contains("billion laughs") == true)
    #expect(elapsed < .seconds(5))
  }

  @Test("an alias to an unknown anchor is an error with its place")
  func unknownAnchor() {
    let stream = read("a: *nowhere\n")
    #expect(stream.errors.first?.kind == .syntax || stream.errors.first?.kind == .unknownAnchor)
    #expect(stream.errors.first?.mark.line == 1)
  }

  @Test("nesting deeper than the limit is refused")
  func depth() {
    let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
    let stream = read(deep)
    #expect(stream.errors.first?.kind == .limit)
    #expect(stream.errors.first?.message.contains("deeper than 128") == true)
    #expect(read(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).errors.isEmpty)
  }

  @Test("input larger than the limit is refused before parsing")
  func size() {
    let stream = read("a: 123456789\n", limits: YAMLLimits(maxInputBytes: 5))
    #expect(stream.errors.first?.kind == .limit)
    #expect(stream.documents.isEmpty)
  }

  @Test("a syntax error carries its position and the construct it was in")
  func syntaxError() {
    let stream = read("name: ok\nmembers:\n  - a\n  b: c\n")
    let error = stream.errors.first
    #expect(error?.kind == .syntax)
    #expect(error?.mark.line == 4)
    #expect(error?.description.hasPrefix("test.yaml:4:") == true)
  }

  @Test("an unclosed quote is reported where it opens or ends")
  func unclosedQuote() {
    let stream = read("a: \"open\nb: 2\n")
    #expect(stream.errors.first?.kind == .syntax)
    #expect(stream.errors.first?.message.contains("quoted scalar") == true)
  }

  @Test("invalid UTF-8 is reported with its line and column")
  func invalidUTF8() {
    var bytes = Array("name: ok\ntitle: caf".utf8)
    bytes.append(0xC3)  // a lead byte with no continuation
    bytes += Array("x\n".utf8)
    let stream = YAMLReader.read(bytes, file: "bad.yaml")
    let error = stream.errors.first
    #expect(error?.kind == .syntax)
    #expect(error?.mark == YAMLMark(line: 2, column: 11))
    #expect(error?.message.contains("UTF-8") == true)
  }

  @Test("control characters are refused")
  func controlCharacters() {
    let stream = YAMLReader.read(Array("a: b\u{07}\n".utf8), file: "c.yaml")
    #expect(stream.errors.first?.kind == .syntax)
    #expect(stream.errors.first?.message.contains("U+0007") == true)
  }

  @Test("a source read into the lists another tree let go reads as it does alone")
  func reusedLists() throws {
    let large = (0..<400).map { "- {email: u\($0)@acme.example, roles: [{role: r\($0), scope: tenant/t\($0)}]}" }
      .joined(separator: "\n")
    let small = "name: Ops\nmembers: [ada@acme.example, 2]\n1: one\n---\n[a, {b: c}]\n"
    func contents(_ stream: YAMLStream) -> [String] {
      stream.documents.map { "\($0.root.json) \($0.root.mark) \($0.root.sequence?.last?.mark ?? $0.root.mark)" }
    }
    func read(_ text: String, _ pool: YAMLListPool?) -> YAMLStream {
      YAMLReader.read(Array(text.utf8), file: "test.yaml", reusing: pool)
    }
    let alone = read(small, nil)
    let largeEntries = try #require(read(large, nil).documents.first).root.source.entries.count
    #expect(try #require(alone.documents.first).root.source.entries.capacity < largeEntries)

    let pool = YAMLListPool()
    // Read with its JSON made, then let go: its lists are kept for the next source.
    _ = read(large, pool).documents.first?.root.source.json
    let reread = read(small, pool)
    #expect(contents(reread) == contents(alone))
    // The lists were the large tree's, not made for the small one.
    #expect(try #require(reread.documents.first).root.source.entries.capacity >= largeEntries)

    // Once the pool is closed it keeps none.
    pool.close()
    _ = read(large, pool)
    #expect(try #require(read(small, pool).documents.first).root.source.entries.capacity < largeEntries)
  }

  @Test("short texts read again are the texts written, whatever came between them")
  func shortTextsReadAgain() throws {
    // Of every length up to 15 bytes and just past it; texts that differ in one byte only, at
    // their start, middle or end, or in their length; letters of two and three bytes; more
    // texts than the reader keeps, so that each is read again after others took its place.
    var texts: [String] = []
    for count in 1...17 {
      let base = String(repeating: "k", count: count)
      texts.append(base)
      for place in [0, count / 2, count - 1] {
        var bytes = Array(base.utf8)
        bytes[place] = UInt8(ascii: "x")
        texts.append(String(decoding: bytes, as: UTF8.self))
      }
    }
    texts += ["é", "éé", "日本", "role", "roles", "scope", "true", "name", "namé", "ab", "aab", "abb", "ba"]
    texts += (0..<100).map { "t\($0)" }
    let order = (0..<4).flatMap { round in texts.indices.map { (($0 * 7) + round * 31) % texts.count } }
    let yaml = order.map { "- {\"\(texts[$0])\": \"\(texts[$0])\"}" }.joined(separator: "\n")
    let items = try #require(try root(yaml).sequence)
    #expect(items.count == order.count)
    for (item, index) in zip(items, order) {
      let pair = try #require(item.mapping?.first)
      #expect(pair.key.string == texts[index])
      #expect(pair.value.string == texts[index])
    }
    // The same text read plain after quoted is typed by how it is written this time.
    let typed = try #require(try root("- \"true\"\n- true\n- \"12\"\n- 12").sequence)
    #expect(typed.map { $0.scalar?.value } == [.string("true"), .bool(true), .string("12"), .int(12)])
  }

  @Test("empty input has no documents and no errors")
  func empty() {
    let stream = read("")
    #expect(stream.errors.isEmpty)
    #expect(stream.documents.isEmpty)
  }
}
