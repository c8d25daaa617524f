#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An object's fields by name (absent = unset), kept as their canonical text: a JSON object with
/// its names in order and no spaces, `{"disabled":false,"email":"ada@acme.example"}` — the text
/// a store records as what Roster wrote, and the order plans list fields in.
///
/// A list of (name, value) pairs cost a user's six fields 288 bytes and a string for each longer
/// value; the text costs the user about 110, and two objects' fields are equal when their texts
/// are, byte for byte (each value has one text: numbers as whole numbers where they are whole).
/// Values are read from the text when asked for: a plan reads a few fields of a few objects, and
/// compares, copies and writes the rest whole.
public struct Fields: Sendable, Hashable, Codable, Sequence, ExpressibleByDictionaryLiteral {
  /// The canonical text, UTF-8; empty when there are no fields (whose text is `{}`).
  private var text: [UInt8] = []

  public init() {}

  /// Fields from their canonical text (as ``FieldsWriter`` writes it), copied.
  init(text: UnsafeBufferPointer<UInt8>) {
    self.text = Array(text)
  }

  public init(dictionaryLiteral elements: (String, FieldValue)...) {
    for (name, value) in elements { self[name] = value }
  }

  /// Coded as a JSON object: `{"email": "ada@acme.example", "twoFactor": true}`.
  public init(from decoder: any Decoder) throws {
    for (name, value) in try decoder.singleValueContainer().decode([String: FieldValue].self) { self[name] = value }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingName.self)
    for (name, value) in self { try container.encode(value, forKey: CodingName(stringValue: name)) }
  }

  private struct CodingName: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// A field's value (nil: unset); setting nil unsets it.
  public subscript(name: String) -> FieldValue? {
    get {
      var name = name
      return name.withUTF8 { wanted in
        var found: FieldValue?
        walk { field in
          guard field.nameIs(wanted) else { return true }
          found = field.value
          return false
        }
        return found
      }
    }
    set {
      // Fields are usually set in name order: the new one is written at the end.
      if let newValue, endsBefore(name) {
        appendInOrder(name, newValue)
        return
      }
      if newValue == nil && self[name] == nil { return }
      var pairs = Array(self)
      if let i = pairs.firstIndex(where: { $0.key == name }) {
        if let newValue { pairs[i].value = newValue } else { pairs.remove(at: i) }
      } else if let newValue {
        pairs.insert((key: name, value: newValue), at: pairs.firstIndex { name < $0.key } ?? pairs.count)
      }
      text = []
      for (name, value) in pairs { appendInOrder(name, value) }
    }
  }

  /// A field's name as it is written in the text, `"email":`, made once for a name that is set
  /// again and again (each user's, each row's): a name given as a string is checked for escapes
  /// and copied each time, a third of the cost of building a user's fields.
  public struct Name: Sendable {
    public let name: String
    /// `"name":`.
    let written: [UInt8]

    public init(_ name: String) {
      self.name = name
      var written: [UInt8] = []
      var bytes = name
      bytes.withUTF8 { Fields.writeString($0, to: &written) }
      written.append(UInt8(ascii: ":"))
      self.written = written
    }
  }

  /// Adds a field whose name comes after every name present (see ``subscript(_:)``).
  public mutating func appendInOrder(_ name: String, _ value: FieldValue) {
    openField(name)
    close(with: value)
  }

  /// Adds a field whose name comes after every name present.
  mutating func appendInOrder(_ name: Name, _ value: FieldValue) {
    openField(name)
    close(with: value)
  }

  /// Writes the value of the field just opened, and the closing brace.
  private mutating func close(with value: FieldValue) {
    switch value {
    case .string(var s): s.withUTF8 { Self.writeString($0, to: &text) }
    case .bool(let b): text.append(contentsOf: b ? Self.trueText : Self.falseText)
    case .number(let n):
      text.append(contentsOf: (n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : "\(n)").utf8)
    case .list(let items):
      text.append(UInt8(ascii: "["))
      for (i, var item) in items.enumerated() {
        if i > 0 { text.append(UInt8(ascii: ",")) }
        item.withUTF8 { Self.writeString($0, to: &text) }
      }
      text.append(UInt8(ascii: "]"))
    }
    text.append(UInt8(ascii: "}"))
  }

  /// Starts a field at the end: `{"name":` or `,"name":` in place of the closing brace.
  private mutating func openField(_ name: String) {
    openField(at: name)
    var name = name
    name.withUTF8 { Self.writeString($0, to: &text) }
    text.append(UInt8(ascii: ":"))
  }

  /// Starts a field at the end, its name written already.
  private mutating func openField(_ name: Name) {
    openField(at: name.name)
    text.append(contentsOf: name.written)
  }

  /// Writes the brace or comma before the name of a field added at the end.
  private mutating func openField(at name: String) {
    assert(endsBefore(name), "'\(name)' is not after every field present")
    if text.isEmpty {
      text.append(UInt8(ascii: "{"))
    } else {
      text[text.count - 1] = UInt8(ascii: ",")
    }
  }

  /// Whether every name present comes before `name` (the names being ASCII, as the schemas'
  /// are, by their bytes; else as strings).
  private func endsBefore(_ name: String) -> Bool {
    guard !text.isEmpty else { return true }
    var last: Range<Int> = 0..<0
    walk { field in
      last = field.nameRange
      return true
    }
    var name = name
    return text.withUnsafeBufferPointer { text in
      let quoted = UnsafeBufferPointer(rebasing: text[last])
      return name.withUTF8 { wanted in
        guard quoted.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "\\") }), wanted.allSatisfy({ $0 < 0x80 }) else {
          return Fields.readString(quoted) < String(decoding: wanted, as: UTF8.self)
        }
        return UnsafeBufferPointer(rebasing: quoted.dropFirst().dropLast()).lexicographicallyPrecedes(wanted)
      }
    }
  }

  /// The fields' names, in order.
  public var names: [String] { map(\.key) }

  public var count: Int {
    var count = 0
    walk { _ in
      count += 1
      return true
    }
    return count
  }

  public var isEmpty: Bool { text.isEmpty }

  /// Appends the canonical text: `{}` for no fields.
  public func write(to out: inout [UInt8]) {
    if text.isEmpty { out.append(contentsOf: Self.emptyText) } else { out.append(contentsOf: text) }
  }

  /// Whether the canonical text is `bytes`.
  public func hasText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let own = text.isEmpty ? Self.emptyText : text
    return own.withUnsafeBufferPointer { own in
      guard own.count == bytes.count, let a = own.baseAddress, let b = bytes.baseAddress else {
        return own.count == bytes.count
      }
      return memcmp(a, b, own.count) == 0
    }
  }

  /// The fields in name order, as a dictionary iterates them: `(key, value)`.
  public func makeIterator() -> Iterator { Iterator(fields: self) }

  public struct Iterator: IteratorProtocol {
    fileprivate let fields: Fields
    /// Where the next field starts in the text.
    fileprivate var at = 1

    public mutating func next() -> (key: String, value: FieldValue)? {
      guard at < fields.text.count else { return nil }
      return fields.text.withUnsafeBufferPointer { text in
        let field = Field(text, at: at)
        at = field.end + 1
        return (field.name, field.value)
      }
    }
  }

  public static func == (a: Fields, b: Fields) -> Bool { a.text == b.text }

  public func hash(into hasher: inout Hasher) {
    text.withUnsafeBytes { hasher.combine(bytes: $0) }
  }

  /// The names either has, in order, each once: the fields two versions of an object may differ in.
  public static func names(_ a: Fields, _ b: Fields) -> [String] {
    let (x, y) = (a.names, b.names)
    var names: [String] = []
    var i = 0
    var j = 0
    while i < x.count || j < y.count {
      if j == y.count || (i < x.count && x[i] < y[j]) {
        names.append(x[i])
        i += 1
      } else if i == x.count || y[j] < x[i] {
        names.append(y[j])
        j += 1
      } else {
        names.append(x[i])
        i += 1
        j += 1
      }
    }
    return names
  }

  // MARK: The text

  private static let emptyText = Array("{}".utf8)
  private static let trueText = Array("true".utf8)
  private static let falseText = Array("false".utf8)

  /// Calls `body` with each field in order until it returns false.
  private func walk(_ body: (Field) -> Bool) {
    text.withUnsafeBufferPointer { text in
      var at = 1
      while at < text.count {
        let field = Field(text, at: at)
        guard body(field) else { return }
        at = field.end + 1
      }
    }
  }

  /// One field of a text, found where it starts: its name's and its value's bytes.
  private struct Field {
    let text: UnsafeBufferPointer<UInt8>
    /// The name's text, quotes included.
    let nameRange: Range<Int>
    /// The value's text.
    let valueRange: Range<Int>
    /// Where the field ends: its `,` or the closing `}`.
    var end: Int { valueRange.upperBound }

    init(_ text: UnsafeBufferPointer<UInt8>, at start: Int) {
      self.text = text
      nameRange = start..<Fields.stringEnd(text, from: start)
      let valueStart = nameRange.upperBound + 1
      var at = valueStart
      switch text[at] {
      case UInt8(ascii: "\""): at = Fields.stringEnd(text, from: at)
      case UInt8(ascii: "["):
        at += 1
        while text[at] != UInt8(ascii: "]") {
          at = text[at] == UInt8(ascii: "\"") ? Fields.stringEnd(text, from: at) : at + 1
        }
        at += 1
      default:
        while text[at] != UInt8(ascii: ",") && text[at] != UInt8(ascii: "}") { at += 1 }
      }
      valueRange = valueStart..<at
    }

    var name: String { Fields.readString(UnsafeBufferPointer(rebasing: text[nameRange])) }

    /// Whether the name is `wanted` (UTF-8, unescaped).
    func nameIs(_ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
      let quoted = UnsafeBufferPointer(rebasing: text[nameRange])
      if quoted.count == wanted.count + 2, !quoted.contains(UInt8(ascii: "\\")) {
        return UnsafeBufferPointer(rebasing: quoted.dropFirst().dropLast()).elementsEqual(wanted)
      }
      return quoted.contains(UInt8(ascii: "\\")) && name.utf8.elementsEqual(wanted)
    }

    var value: FieldValue {
      let bytes = UnsafeBufferPointer(rebasing: text[valueRange])
      switch bytes.first {
      case UInt8(ascii: "\""): return .string(Fields.readString(bytes))
      case UInt8(ascii: "t"): return .bool(true)
      case UInt8(ascii: "f"): return .bool(false)
      case UInt8(ascii: "["):
        var items: [String] = []
        var at = 1
        while bytes[at] != UInt8(ascii: "]") {
          if bytes[at] == UInt8(ascii: ",") { at += 1 }
          let end = Fields.stringEnd(bytes, from: at)
          items.append(Fields.readString(UnsafeBufferPointer(rebasing: bytes[at..<end])))
          at = end
        }
        return .list(items)
      default: return .number(Double(String(decoding: bytes, as: UTF8.self)) ?? .nan)
      }
    }
  }

  /// Where the string that starts (with its quote) at `start` ends: one past its closing quote.
  private static func stringEnd(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    var at = start + 1
    while text[at] != UInt8(ascii: "\"") { at += text[at] == UInt8(ascii: "\\") ? 2 : 1 }
    return at + 1
  }

  /// A string's value from its quoted, escaped text.
  private static func readString(_ quoted: UnsafeBufferPointer<UInt8>) -> String {
    let inner = UnsafeBufferPointer(rebasing: quoted.dropFirst().dropLast())
    guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
    var out: [UInt8] = []
    var at = 0
    while at < inner.count {
      guard inner[at] == UInt8(ascii: "\\") else {
        out.append(inner[at])
        at += 1
        continue
      }
      let escape = inner[at + 1]
      at += 2
      switch escape {
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        // Only control characters are written as \u00XX.
        let hex = String(decoding: inner[at..<at + 4], as: UTF8.self)
        out.append(UInt8(UInt32(hex, radix: 16) ?? 0x3F))
        at += 4
      default: out.append(escape)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Writes a JSON string: the bytes in quotes, `"`, `\` and control characters escaped (the
  /// same text JSONValue writes).
  public static func writeString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    guard bytes.needsJSONEscape else {
      out.append(contentsOf: bytes)
      out.append(UInt8(ascii: "\""))
      return
    }
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
      case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case ..<0x20:
        let hex = String(byte, radix: 16)
        out.append(contentsOf: Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8))
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
