import Foundation
import KeyBytes
import Testing

@testable import RosterModel

/// Keys whose quick hash names one slot of a 256-slot index, found by trying (one in 256).
private func keysMadeToCollide() -> [[UInt8]] {
  var colliding: [[UInt8]] = []
  var n = 0
  while colliding.count < 80 {
    let key = Array("member-\(n)@example.com".utf8)
    n += 1
    if key.withUnsafeBufferPointer({ KeyIndex.quickHash($0) }) & 255 == 0 { colliding.append(key) }
  }
  return colliding
}

@Suite("State objects: fields, tables and keys")
struct StateSnapshotTests {
  @Test("fields set in any order read back in name order; nil unsets; equality does not depend on the order set")
  func fieldsOrder() {
    var a: Fields = ["source": .string("local"), "email": .string("ada@x.example"), "twoFactor": .bool(true)]
    a["name"] = .string("Ada")
    a["disabled"] = .bool(false)
    #expect(a.names == ["disabled", "email", "name", "source", "twoFactor"])
    #expect(a.map(\.key) == a.names)
    #expect(a["email"] == .string("ada@x.example"))
    #expect(a["missing"] == nil)

    var b = Fields()
    for name in a.names.reversed() { b[name] = a[name] }
    #expect(a == b)
    #expect(a.hashValue == b.hashValue)

    b["name"] = .string("Ada L.")
    #expect(a != b)
    b["name"] = nil
    #expect(b.names == ["disabled", "email", "source", "twoFactor"])
    #expect(b.count == 4)
    a["name"] = nil
    #expect(a == b)
    b["name"] = nil
    #expect(b.count == 4)
  }

  @Test("fields are coded as a JSON object, and read back from one in any key order")
  func fieldsJSON() throws {
    let fields: Fields = ["role": .string("admin"), "levels": .list(["tenant", "folder"]), "minAdmins": .number(2)]
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let text = String(decoding: try encoder.encode(fields), as: UTF8.self)
    #expect(text == #"{"levels":["tenant","folder"],"minAdmins":2,"role":"admin"}"#)
    let read = try JSONDecoder().decode(
      Fields.self, from: Data(#"{"role":"admin","minAdmins":2,"levels":["tenant","folder"]}"#.utf8))
    #expect(read == fields)
  }

  @Test("fields kept as text read back every value exactly, whatever its characters; the text is canonical JSON")
  func fieldsText() throws {
    let awkward: [String] = [
      "", "plain", "quote \" and backslash \\", "line\nbreak\ttab\rreturn", "\u{1}\u{1F}control", "ünïcødé ✓ 🎉",
      "a,b}c]d:e", "[\"not a list\"]", "ends with backslash \\",
    ]
    var fields = Fields()
    var expected: [String: FieldValue] = [:]
    for (i, text) in awkward.enumerated() {
      fields["s\(i)"] = .string(text)
      expected["s\(i)"] = .string(text)
    }
    let numbers: [Double] = [0, -0.0, 1, -42, 0.25, 1e15, 123_456_789_012, -1.5e-7]
    for (i, number) in numbers.enumerated() {
      fields["n\(i)"] = .number(number)
      expected["n\(i)"] = .number(number)
    }
    fields["list"] = .list(awkward)
    fields["empty"] = .list([])
    fields["yes"] = .bool(true)
    fields["no"] = .bool(false)
    fields["name with \"quote\" and ü"] = .string("odd name")
    expected.merge(
      [
        "list": .list(awkward), "empty": .list([]), "yes": .bool(true), "no": .bool(false),
        "name with \"quote\" and ü": .string("odd name"),
      ], uniquingKeysWith: { $1 })
    for (name, value) in expected { #expect(fields[name] == value, "\(name)") }
    #expect(fields.names == expected.keys.sorted())
    #expect(fields.count == expected.count)
    #expect(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) }) == expected)

    // The text is JSON that any reader reads as the same values, its names in order.
    var text: [UInt8] = []
    fields.write(to: &text)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text)) as? [String: Any])
    #expect(object.count == expected.count)
    #expect(object["s2"] as? String == awkward[2] && object["s4"] as? String == awkward[4])
    #expect(object["list"] as? [String] == awkward)
    #expect((object["n6"] as? NSNumber)?.doubleValue == 123_456_789_012)
    #expect(String(decoding: text, as: UTF8.self).contains(#""n1":0,"#), "negative zero is written as 0")
    text.withUnsafeBufferPointer { #expect(fields.hasText($0)) }
    var none: [UInt8] = []
    Fields().write(to: &none)
    #expect(none == Array("{}".utf8))

    // Built in another order, or set and unset again, the same fields are the same text.
    var other = Fields()
    for name in expected.keys.sorted().reversed() { other[name] = expected[name] }
    other["extra"] = .string("gone again")
    other["extra"] = nil
    #expect(other == fields && other.hashValue == fields.hashValue)
    #expect(try JSONDecoder().decode(Fields.self, from: JSONEncoder().encode(fields)) == fields)
  }

  @Test("fields changed thousands of times hold what a dictionary holds, in name order")
  func fieldsAgainstDictionary() {
    var fields = Fields()
    var expected: [String: FieldValue] = [:]
    var seed: UInt64 = 7
    func next(_ bound: Int) -> Int {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((seed >> 33) % UInt64(bound))
    }
    let names = ["a", "b", "email", "twoFactor", "z", "é", "with space", "q\"uote"]
    let values: [FieldValue?] = [
      nil, .string("x"), .string("tab\there"), .bool(true), .number(3), .number(-0.5), .list(["p", "q,r"]),
    ]
    for _ in 0..<5_000 {
      let name = names[next(names.count)]
      let value = values[next(values.count)]
      fields[name] = value
      expected[name] = value
      #expect(fields[name] == value)
    }
    #expect(fields.names == expected.keys.sorted())
    #expect(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) }) == expected)
  }

  @Test("fields written by a FieldsWriter, one object after another, are the fields set one by one")
  func fieldsWriter() {
    let names = ["a", "b", "email", "twoFactor", "z", "é", "with space", "q\"uote"].sorted()
    let values: [FieldValue?] = [
      nil, .string("x"), .string("tab\there"), .string("say \"hi\" \\ \u{1}"), .string("ünïcode ✓"),
      .string(String(repeating: "long ", count: 300)), .bool(true), .bool(false), .number(3), .number(-0.5),
      .list(["p", "q,r"]), .string(""),
    ]
    var writer = FieldsWriter()
    for object in 0..<200 {
      var expected = Fields()
      for (i, name) in names.enumerated() {
        guard let value = values[(object * 7 + i * 3) % values.count] else { continue }
        expected[name] = value
        let field = Fields.Name(name)
        switch value {
        case .string(let text) where object % 2 == 0:
          var text = text
          text.withUTF8 { writer.field(field, string: $0) }
        case .string(let text): writer.field(field, string: text)
        case .bool(let flag) where object % 3 == 0: writer.field(field, flag)
        default: writer.field(field, value)
        }
      }
      let written = writer.finish()
      #expect(written == expected, "object \(object)")
      var (text, expectedText) = ([UInt8](), [UInt8]())
      written.write(to: &text)
      expected.write(to: &expectedText)
      #expect(text == expectedText)
    }
    #expect(writer.finish() == Fields())
  }

  @Test("the names two versions of an object may differ in: each once, in order")
  func fieldNames() {
    let before: Fields = ["a": .bool(true), "c": .bool(true), "d": .bool(true)]
    let after: Fields = ["b": .bool(true), "c": .bool(false), "e": .bool(true)]
    #expect(Fields.names(before, after) == ["a", "b", "c", "d", "e"])
    #expect(Fields.names(before, [:]) == ["a", "c", "d"])
    #expect(Fields.names([:], after) == ["b", "c", "e"])
  }

  @Test("a value reads in a plan as written: a text in quotes, its quotes and backslashes escaped")
  func valuesAsRead() {
    let texts: [(String, String)] = [
      ("Ops", #""Ops""#), ("", #""""#), ("ünïcode ✓", #""ünïcode ✓""#), (#"say "hi""#, #""say \"hi\"""#),
      (#"C:\temp"#, #""C:\\temp""#), (#"\""#, #""\\\"""#), ("tab\there", "\"tab\there\""),
    ]
    for (text, read) in texts { #expect(FieldValue.string(text).description == read) }
    #expect(FieldValue.bool(false).description == "false" && FieldValue.number(3).description == "3")
    #expect(FieldValue.number(-0.5).description == "-0.5" && FieldValue.list(["a", "b"]).description == "[a, b]")
  }

  @Test("a snapshot keeps each kind apart; removing the last object of a kind leaves it equal to one without")
  func tables() {
    var snapshot = StateSnapshot()
    #expect(snapshot.isEmpty)
    snapshot.insert(StateObject(kind: .group, key: "ops", fields: ["source": .string("local")]))
    snapshot.insert(StateObject(kind: .user, key: "ops", fields: ["email": .string("ops")]))
    #expect(snapshot.count(.group) == 1)
    #expect(snapshot.count(.user) == 1)
    #expect(snapshot.object(.group, "ops")?.fields["source"] == .string("local"))
    #expect(snapshot.all.map(\.kind) == [.user, .group])
    snapshot.remove(.group, "ops")
    #expect(snapshot == StateSnapshot([StateObject(kind: .user, key: "ops", fields: ["email": .string("ops")])]))
    snapshot.remove(.user, "ops")
    #expect(snapshot.isEmpty)
  }

  @Test("keys made to collide are all found: the index hashes every key again with Swift's hasher")
  func collidingKeys() {
    let colliding = keysMadeToCollide()
    var index = KeyIndex()
    index.reserve(colliding.count, bytes: colliding.count * 24)
    for (i, key) in colliding.enumerated() {
      let (position, inserted) = key.withUnsafeBufferPointer { index.insert($0) }
      #expect(inserted && position == i)
      // Each key searches past the ones before it until the search is too long.
      #expect(index.hashesStrongly == (i > KeyIndex.longestSearch))
    }
    for (i, key) in colliding.enumerated() {
      #expect(key.withUnsafeBufferPointer { index.position(of: $0) } == i)
      #expect(key.withUnsafeBufferPointer { index.insert($0) } == (i, false))
    }
    #expect(Array("absent".utf8).withUnsafeBufferPointer { index.position(of: $0) } == nil)
    #expect(index.count == colliding.count)
    // Keys that do not collide leave the quick hash in place.
    var ordinary = KeyIndex()
    for i in 0..<10_000 { _ = Array("user\(i)@example.com".utf8).withUnsafeBufferPointer { ordinary.insert($0) } }
    #expect(!ordinary.hashesStrongly && ordinary.count == 10_000)
  }

  @Test(
    "objects appended many at once are found as if inserted in turn: a repeat keeps its first place, its last fields")
  func appendedAtOnce() {
    var keys: [String] = []
    for i in 0..<2_000 { keys.append("user\(i)@example.com") }
    // Some keys again, one inserted before the others were appended, and an empty key.
    let rows = ["", "user7@example.com"] + keys + ["user7@example.com", "user1999@example.com", ""]
    var inTurn = StateSnapshot.Table(kind: .user)
    var atOnce = StateSnapshot.Table(kind: .user)
    for table in [0, 1] {
      let first = StateObject(kind: .user, key: "user5@example.com", fields: ["step": .number(-1)])
      if table == 0 { inTurn["user5@example.com"] = first } else { atOnce["user5@example.com"] = first }
    }
    for (step, key) in rows.enumerated() {
      let fields: Fields = ["step": .number(Double(step))]
      inTurn[key] = StateObject(kind: .user, key: key, fields: fields)
      var bytes = key
      bytes.withUTF8 { atOnce.append($0, own: fields) }
    }
    atOnce.indexAppended()
    #expect(atOnce == inTurn)
    #expect(atOnce.count == keys.count + 1 && atOnce.keys == inTurn.keys)
    #expect(atOnce[""]?.fields["step"] == .number(Double(rows.count - 1)))
    #expect(atOnce["user7@example.com"]?.fields["step"] == .number(Double(rows.count - 3)))
    #expect(atOnce["user5@example.com"]?.fields["step"] == .number(Double(2 + 5)))
    // Appended again after that, as a second read would.
    Array("late".utf8).withUnsafeBufferPointer { atOnce.append($0, own: ["step": .number(0)]) }
    atOnce.indexAppended()
    #expect(atOnce["late"] != nil && atOnce.count == keys.count + 2)

    // Keys made to collide, appended: the index turns to Swift's hasher on the way and finds them all.
    let colliding = keysMadeToCollide()
    var index = KeyIndex()
    for key in colliding + [colliding[3]] { key.withUnsafeBufferPointer { index.append($0) } }
    let repeats = index.indexAppended()
    #expect(repeats.count == 1 && repeats.first?.repeated == colliding.count && repeats.first?.of == 3)
    #expect(index.hashesStrongly && index.count == colliding.count)
    for (i, key) in colliding.enumerated() { #expect(key.withUnsafeBufferPointer { index.position(of: $0) } == i) }
  }

  @Test("a table finds, replaces and removes by key through thousands of changes, as a dictionary does")
  func tableAgainstDictionary() {
    // Keys of every length (empty, short, long, non-ASCII, and texts Unicode counts as equal but
    // whose bytes differ), set, replaced and removed in a fixed pseudo-random order: the table
    // must agree with a dictionary keyed by the same bytes at every step, through its growth
    // and the rebuilding of its index over removed keys.
    var keys = ["", "a", "é", "e\u{301}", String(repeating: "long-key/", count: 40)]
    for i in 0..<3_000 { keys.append("user\(i)@example.com") }
    var table = StateSnapshot.Table(kind: .user)
    var expected: [[UInt8]: Fields?] = [:]
    var seed: UInt64 = 42
    for step in 0..<20_000 {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let key = keys[Int(seed >> 33) % keys.count]
      if step % 3 == 2 {
        let removed = table[key]
        #expect((removed != nil) == (expected[Array(key.utf8)] != nil), "\(key)")
        table[key] = nil
        expected[Array(key.utf8)] = nil
      } else {
        let fields: Fields = ["email": .string(key), "step": .number(Double(step))]
        table[key] = StateObject(kind: .user, key: key, fields: fields)
        expected[Array(key.utf8)] = fields
      }
    }
    #expect(table.count == expected.count)
    for key in keys {
      #expect(table[key]?.fields == expected[Array(key.utf8)] ?? nil, "\(key)")
    }
    // Canonically equal texts are two keys, as they are two rows in the store.
    var accents = StateSnapshot.Table(kind: .group)
    for key in ["é", "e\u{301}"] { accents[key] = StateObject(kind: .group, key: key, fields: [:]) }
    #expect(accents.count == 2)
    #expect(Set(table.map(\.key).map { Array($0.utf8) }) == Set(expected.keys))
    var walked = 0
    for position in 0..<table.endPosition where table.isPresent(position) {
      walked += 1
      let object = table.object(at: position)
      #expect(table.withKey(at: position) { table.position(of: $0) } == position)
      #expect(object.fields == expected[Array(object.key.utf8)] ?? nil)
    }
    #expect(walked == expected.count)
  }

  @Test("a table's sorted walk is in key order; equal tables hold the same objects, whatever order they came in")
  func tableOrderAndEquality() {
    let keys = ["b", "a", "ab", "", "é", "z", "aa"]
    var forward = StateSnapshot.Table(kind: .group)
    var backward = StateSnapshot.Table(kind: .group)
    for key in keys { forward[key] = StateObject(kind: .group, key: key, fields: ["source": .string("local")]) }
    for key in keys.reversed() {
      backward[key] = StateObject(kind: .group, key: key, fields: ["source": .string("local")])
    }
    #expect(forward.positionsInKeyOrder.map(forward.key(at:)) == keys.sorted())
    #expect(forward.keys == keys)
    #expect(forward == backward)
    backward["z"] = StateObject(kind: .group, key: "z", fields: ["source": .string("directory")])
    #expect(forward != backward)
    backward["z"] = nil
    #expect(forward != backward)
    forward["z"] = nil
    #expect(forward == backward)
    #expect(!forward.isPresent(keys.firstIndex(of: "z")!))
  }

  @Test("a relation whose fields are its key's parts holds only its key, and equals one built from its fields")
  func relations() throws {
    let key = StateKey.binding(principal: "user:ada@x.example", role: "admin", scope: "tenant/t1")
    let fields: Fields = [
      "principal": .string("user:ada@x.example"), "role": .string("admin"), "scope": .string("tenant/t1"),
    ]
    let built = StateObject(kind: .binding, key: key, fields: fields)
    let keyed = StateObject.relation(.binding, key: key)
    #expect(built.isKeyOnly && keyed.isKeyOnly)
    #expect(keyed.fields == fields)
    #expect(built == keyed && built.hashValue == keyed.hashValue)
    #expect(built.hasSameFields(as: keyed))

    // Fields that are not the key's parts are kept as they are.
    var other = keyed
    other.fields["scope"] = .string("organization")
    #expect(!other.isKeyOnly && other != keyed && !other.hasSameFields(as: keyed))
    #expect(other.fields["scope"] == .string("organization") && other.fields["principal"] == fields["principal"])
    other.fields["scope"] = .string("tenant/t1")
    #expect(other.isKeyOnly && other == keyed)
    #expect(!StateObject(kind: .membership, key: "Ops\u{1F}user:a", fields: ["group": .string("Ops")]).isKeyOnly)
    #expect(
      !StateObject(kind: .membership, key: "Ops", fields: ["group": .string("Ops"), "member": .string("")]).isKeyOnly)
    #expect(!StateObject(kind: .user, key: "a", fields: [:]).isKeyOnly)

    // Its JSON (roster state show) lists the fields all the same.
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let text = String(decoding: try encoder.encode(keyed), as: UTF8.self)
    #expect(text.contains(#""fields":{"principal":"user:ada@x.example","role":"admin","scope":"tenant\/t1"}"#))
    #expect(try JSONDecoder().decode(StateObject.self, from: Data(text.utf8)) == keyed)
  }

  @Test("keys of relations and principals' texts join their parts with one byte, whatever the parts hold")
  func joining() throws {
    #expect(
      StateKey.binding(principal: "user:zoë@x.example", role: "admin", scope: "tenant/t1")
        == "user:zoë@x.example\u{1F}admin\u{1F}tenant/t1")
    #expect(StateKey.membership(group: "Ops", member: .user("ada@x.example")) == "Ops\u{1F}user:ada@x.example")
    // The keys a model's snapshot writes as bytes: each principal as its canonical text.
    for member in [PrincipalID.user("zoë@x.example"), .group("Platform Admins"), .robot("ci"), .app("hub"), .operator] {
      #expect(StateKey.membership(group: "Ops", member: member) == "Ops\u{1F}" + member.description)
      let binding = Binding(principal: member, role: "admin", scope: try Scope(parsing: "tenant/t1"))
      #expect(StateKey.binding(binding) == member.description + "\u{1F}admin\u{1F}tenant/t1")
    }
    #expect(String.joining("", "", separator: ":") == ":")
    #expect(String.joining(["only"], separator: "/") == "only")
    // With nothing between them: the pieces' bytes one after another, whatever they hold.
    #expect(String.joining(["  ", "zoë", "", " → ", "☃"]) == "  zoë → ☃")
    #expect(String.joining([]).isEmpty && String.joining([""]).isEmpty)
    // A key's parts come back as they were joined, empty ones too.
    for parts in [[""], ["only"], ["zoë", "ü", "tenant/t1"], ["", "x"], ["x", ""], ["", ""], ["a b", "", "c"]] {
      #expect(StateKey.parts(parts.joined(separator: "\u{1F}")) == parts)
      #expect(StateKey.firstPart(parts.joined(separator: "\u{1F}")) == parts[0])
    }
    #expect(PrincipalID.group("Platform Admins").description == "group:Platform Admins")
    #expect(PrincipalID.operator.description == "operator")
  }

  @Test("a principal's canonical text reads back as that principal; any other text is no principal")
  func canonicalPrincipals() {
    let principals: [PrincipalID] = [
      .user("zoë@x.example"), .group("Platform Admins"), .group("a:b"), .group(""), .robot("ci"), .app("hub"),
      .operator,
    ]
    for principal in principals { #expect(PrincipalID(canonical: principal.description) == principal) }
    for text in ["", "ada@x.example", "users:ada@x.example", "User:ada@x.example", "use:x", "operators", ":x", "grou"] {
      #expect(PrincipalID(canonical: text) == nil, "\(text)")
    }
  }
}
