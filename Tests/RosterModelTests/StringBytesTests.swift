import RosterModel
import Testing

@Suite("Strings read as bytes")
struct StringBytesTests {
  /// Every byte value at every place of texts of 0 to 19 bytes (so in a word read whole and in
  /// the few bytes after the last), on a background of bytes that pass: the word-at-a-time
  /// answer is the byte-at-a-time one.
  func agree(_ read: (UnsafeBufferPointer<UInt8>) -> Bool, _ test: (UInt8) -> Bool, background: UInt8) {
    for length in 0..<20 {
      for place in 0..<max(length, 1) {
        for value in UInt8.min...UInt8.max {
          var bytes = [UInt8](repeating: background, count: length)
          if length > 0 { bytes[place] = value }
          let expected = bytes.contains(where: test)
          let answer = bytes.withUnsafeBufferPointer(read)
          if answer != expected {
            Issue.record("byte \(value) at \(place) of \(length): \(answer), expected \(expected)")
            return
          }
        }
      }
    }
  }

  @Test("capital letters and bytes past ASCII are found wherever they are")
  func upperCase() {
    agree({ $0.hasUpperCaseOrNonASCII }, { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 }, background: UInt8(ascii: "a"))
    // Neighbours of the range on a background of the range's own edges.
    agree({ $0.hasUpperCaseOrNonASCII }, { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 }, background: 0x40)
    agree({ $0.hasUpperCaseOrNonASCII }, { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 }, background: 0x5B)
    #expect("Ada.Lovelace@Example.COM".userKey == "ada.lovelace@example.com")
    #expect("ada.lovelace@example.com".userKey == "ada.lovelace@example.com")
    #expect("zoë@example.com".userKey == "zoë@example.com")
    #expect("ZOË@EXAMPLE.COM".userKey == "zoë@example.com")
  }

  @Test("principals sorted with their names compared as bytes are in Swift's order, canonically equal names as given")
  func principalOrder() {
    var generator = SystemRandomNumberGenerator()
    let pieces = ["ada", "Ada", "b", "é", "e\u{301}", "Ω", "z", "", " ", "~", "\u{7F}", "user000123@x.example"]
    let kinds: [(String) -> PrincipalID] = [{ .user($0) }, { .group($0) }, { .robot($0) }, { .app($0) }]
    var principals = (0..<500).map { _ in
      let name = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
        pieces.randomElement(using: &generator) ?? ""
      }.joined()
      return (kinds.randomElement(using: &generator) ?? { .user($0) })(name)
    }
    principals.append(.operator)
    principals.shuffle(using: &generator)
    let expected = principals.sorted()
    // The same principals, in the same places where Swift's order finds them equal (a stable
    // sort each): compared by their texts, which tell canonically equal names apart.
    #expect(principals.sorted(byPrincipal: { $0 }).map(\.description) == expected.map(\.description))
    #expect(principals.map { ($0, 1) }.sorted(byPrincipal: \.0).map(\.0.description) == expected.map(\.description))
    #expect(!"ascii then é".isASCII && "tenant/t1 ~\u{7F}".isASCII && "".isASCII)
  }

  @Test("bytes that JSON escapes are found wherever they are")
  func escapes() {
    let test: (UInt8) -> Bool = { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
    agree({ $0.needsJSONEscape }, test, background: UInt8(ascii: "a"))
    agree({ $0.needsJSONEscape }, test, background: 0x20)
    agree({ $0.needsJSONEscape }, test, background: 0xFF)
    agree({ $0.needsJSONEscape }, test, background: 0x80)
  }

  @Test("a scope and a principal written as bytes are their texts")
  func scopeBytes() throws {
    let texts = [
      "organization", "tenant/emea", "tenant/emea/service/orchestrator",
      "tenant/emea/service/orchestrator/folder/Finance/folder/Invoices", "tenant/Zürich Büro/service/data-service",
    ]
    for text in texts {
      let scope = try Scope(parsing: text)
      var key = KeyWriter(capacity: 1)
      key.append(0x41)
      key.append(scope: scope)
      let bytes = key.withBytes { Array($0) }
      #expect(bytes == [0x41] + Array(scope.description.utf8))
      #expect(String(decoding: bytes.dropFirst(), as: UTF8.self) == text)
    }
    // Every kind of principal, written from its parts, is its canonical text.
    let principals: [PrincipalID] = [
      .user("ada@acme.example"), .group("Platform Admins"), .robot("nightly"), .app("ci"), .operator,
    ]
    for principal in principals {
      var key = KeyWriter(capacity: 1)
      key.append(principal: principal)
      #expect(key.withBytes { String(decoding: $0, as: UTF8.self) } == principal.description)
    }
    let binding = Binding(
      principal: .user("ada@acme.example"), role: "reader", scope: try Scope(parsing: "tenant/emea"))
    #expect(StateKey.binding(binding) == "user:ada@acme.example\u{1F}reader\u{1F}tenant/emea")
  }
}
