import JSONSchema
import Testing

@Suite("JSON parsing and violations a user reads")
struct ValidatorTests {
  @Test("JSON errors say where: line and column")
  func parseErrors() {
    let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: "{\n  \"a\": [1, 2,]\n}") }
    #expect(error?.line == 2)
    #expect(error?.column == 14, "the stray ]")
    #expect(throws: JSONParseError.self) { try JSONValue(parsing: "{\"a\": 1} x") }
    #expect(throws: JSONParseError.self) { try JSONValue(parsing: String(repeating: "[", count: 600)) }
  }

  @Test("JSON values: integers are numbers without a fraction; strings decode escapes and surrogates")
  func values() throws {
    #expect(try JSONValue(parsing: "1.0").isInteger)
    #expect(try !JSONValue(parsing: "1.5").isInteger)
    #expect(try JSONValue(parsing: #""a\u00e9\ud83d\ude00\n""#) == .string("aé😀\n"))
    #expect(try JSONValue(parsing: #"{"b": 1, "a": 2}"#).objectValue?.keys == ["b", "a"], "keys keep their order")
  }

  @Test("every violation is reported with the instance path and the keyword path")
  func violations() throws {
    var registry = SchemaRegistry()
    let schema = try JSONValue(
      parsing: """
        {
          "$id": "https://roster.example/user.json",
          "type": "object",
          "required": ["email"],
          "properties": {
            "email": {"type": "string", "pattern": "@"},
            "roles": {"type": "array", "items": {"$ref": "#/$defs/role"}}
          },
          "additionalProperties": false,
          "$defs": {"role": {"enum": ["reader", "writer"]}}
        }
        """)
    let uri = try registry.add(schema, uri: "user.json")
    let validator = registry.compile()
    #expect(validator.unresolved.isEmpty)
    let instance = try JSONValue(parsing: #"{"email": "nobody", "roles": ["reader", "admin"], "colour": 1}"#)
    let found = validator.validate(instance, against: uri)
    #expect(
      found.map(\.description) == [
        "/email: 'nobody' does not match the pattern '@'",
        "/roles/1: 'admin' is not one of 'reader', 'writer'",
        "/colour: unknown property 'colour' (allowed: email, roles)",
      ])
    #expect(found[1].keywordLocation == "/properties/roles/items/$ref/enum")
    #expect(found[1].absoluteKeywordLocation == "https://roster.example/user.json#/$defs/role/enum")
    #expect(validator.validate(try JSONValue(parsing: #"{"email": "a@b"}"#), against: uri).isEmpty)
  }

  @Test("an unresolvable reference is listed at compile time and fails where it is reached")
  func unresolved() throws {
    var registry = SchemaRegistry()
    let uri = try registry.add(try JSONValue(parsing: #"{"$ref": "other.json"}"#), uri: "https://x.example/a.json")
    let validator = registry.compile()
    #expect(validator.unresolved == ["https://x.example/a.json#: cannot resolve 'https://x.example/other.json'"])
    #expect(!validator.isValid(.null, against: uri))
  }

  @Test("a bad regular expression is a load error, not a crash")
  func badPattern() throws {
    var registry = SchemaRegistry()
    #expect(throws: SchemaLoadError.self) { try registry.add(try JSONValue(parsing: #"{"pattern": "("}"#), uri: "a") }
  }

  @Test("patterns: plain text is looked for as text, others asked again give the same answer")
  func patterns() throws {
    var registry = SchemaRegistry()
    let schema = try JSONValue(
      parsing:
        #"{"$id": "https://roster.example/p.json", "properties": {"a": {"pattern": "é@"}, "b": {"pattern": "^x+$"}}}"#)
    let uri = try registry.add(schema, uri: "p.json")
    let validator = registry.compile()
    func valid(_ json: String) throws -> Bool { validator.isValid(try JSONValue(parsing: json), against: uri) }
    #expect(try valid(#"{"a": "café@x"}"#))
    #expect(try !valid(#"{"a": "cafe@x"}"#))
    #expect(try !valid(#"{"a": "é"}"#))
    for _ in 0..<3 {
      #expect(try valid(#"{"b": "xxx"}"#))
      #expect(try !valid(#"{"b": "xyx"}"#))
    }
    // Past the cache's capacity, answers are still right.
    for i in 0..<5_000 { #expect(try valid(#"{"b": "\#(String(repeating: "x", count: i + 1))"}"#)) }
    #expect(try !valid(#"{"b": "x y"}"#))
  }
}
