import Foundation
import RosterModel

/// Changes as JSON with sorted keys, written by hand: the same bytes `JSONEncoder` with
/// `.sortedKeys` and `.withoutEscapingSlashes` gives (the tests compare the two), compact for
/// digests and the audit log or `.prettyPrinted` for plan files, without its tree of boxed
/// values, which made encoding the first plan of a 50,000-user organisation a third of its apply
/// and most of its memory.
struct CanonicalChanges {
  /// Pretty-printed, as plan files are: each member and item on a line of its own, indented two
  /// spaces a level, `"name" : value`.
  let pretty: Bool

  static let compact = CanonicalChanges(pretty: false)

  static func write(_ changes: [Change], into out: inout [UInt8]) {
    compact.write(changes, into: &out, flush: { _ in })
  }

  static func write(_ changes: [Change], into out: inout [UInt8], flush: (inout [UInt8]) -> Void) {
    compact.write(changes, into: &out, flush: flush)
  }

  /// The list written as a value at `level` (its items one level deeper), handing `flush` the
  /// text written so far whenever it passes 64 KiB (it empties `out`), so that a consumer of
  /// pieces (a hash, a file) never holds the whole text.
  func write(_ changes: [Change], level: Int = 0, into out: inout [UInt8], flush: (inout [UInt8]) -> Void) {
    list(changes, level, &out) { change, out in
      write(change, level + 1, &out)
      if out.count >= 1 << 16 { flush(&out) }
    }
  }

  // Keys in the order JSONEncoder sorts them: action, fields, from, key, kind.
  private func write(_ change: Change, _ level: Int, _ out: inout [UInt8]) {
    let inner = level + 1
    out.append(UInt8(ascii: "{"))
    member("action", inner, first: true, &out)
    Self.string(change.action.rawValue, &out)
    member("fields", inner, &out)
    list(change.fields, inner, &out) { field, out in
      // after, before, field; an absent value is left out, as the synthesized encoding does.
      let fieldLevel = inner + 2
      out.append(UInt8(ascii: "{"))
      var first = true
      if let after = field.after {
        member("after", fieldLevel, first: first, &out)
        value(after, fieldLevel, &out)
        first = false
      }
      if let before = field.before {
        member("before", fieldLevel, first: first, &out)
        value(before, fieldLevel, &out)
        first = false
      }
      member("field", fieldLevel, first: first, &out)
      Self.string(field.field, &out)
      newline(fieldLevel - 1, &out)
      out.append(UInt8(ascii: "}"))
    }
    if let from = change.from {
      member("from", inner, &out)
      Self.string(from, &out)
    }
    member("key", inner, &out)
    Self.string(change.key, &out)
    member("kind", inner, &out)
    Self.string(change.kind.rawValue, &out)
    newline(level, &out)
    out.append(UInt8(ascii: "}"))
  }

  private func value(_ value: FieldValue, _ level: Int, _ out: inout [UInt8]) {
    switch value {
    case .string(let s): Self.string(s, &out)
    case .bool(let b): Self.raw(b ? "true" : "false", &out)
    case .number: Self.encoded(value, &out)
    case .list(let items): list(items, level, &out) { item, out in Self.string(item, &out) }
    }
  }

  /// A list as a value at `level`: its items one level deeper. JSONEncoder writes an empty list
  /// pretty-printed as two line breaks and the closing bracket.
  private func list<Item>(
    _ items: [Item], _ level: Int, _ out: inout [UInt8], _ item: (Item, inout [UInt8]) -> Void
  ) {
    out.append(UInt8(ascii: "["))
    if pretty && items.isEmpty { out.append(UInt8(ascii: "\n")) }
    for (i, element) in items.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      newline(level + 1, &out)
      item(element, &out)
    }
    newline(level, &out)
    out.append(UInt8(ascii: "]"))
  }

  /// What comes before a member's value: the separator, the line and indentation, its name.
  private func member(_ name: StaticString, _ level: Int, first: Bool = false, _ out: inout [UInt8]) {
    if !first { out.append(UInt8(ascii: ",")) }
    newline(level, &out)
    out.append(UInt8(ascii: "\""))
    name.withUTF8Buffer { out.append(contentsOf: $0) }
    Self.raw(pretty ? #"" : "# : #"":"#, &out)
  }

  private func newline(_ level: Int, _ out: inout [UInt8]) {
    guard pretty else { return }
    out.append(UInt8(ascii: "\n"))
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
  }

  /// A string with nothing to escape is copied; any other goes through JSONEncoder, so that its
  /// escapes are exactly JSONEncoder's.
  private static func string(_ s: String, _ out: inout [UInt8]) {
    guard s.hasByte(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
      out.append(UInt8(ascii: "\""))
      raw(s, &out)
      out.append(UInt8(ascii: "\""))
      return
    }
    encoded(s, &out)
  }

  private static func encoded<T: Encodable>(_ value: T, _ out: inout [UInt8]) {
    out += Plan.canonicalJSON(value)
  }

  private static func raw(_ s: String, _ out: inout [UInt8]) { out.append(utf8: s) }
}

extension Plan {
  /// The changes as canonical JSON text: what the audit log records of an apply. Made from the
  /// bytes in one copy (through `Data` it took two more, of tens of megabytes for a whole
  /// organisation).
  public static func canonicalText(_ changes: [Change]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(changes.count * 160)
    CanonicalChanges.write(changes, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// The same text handed to `piece` in order, in pieces of about 64 KiB, never held whole.
  public static func writeCanonicalText(_ changes: [Change], to piece: (UnsafeBufferPointer<UInt8>) -> Void) {
    var out: [UInt8] = []
    out.reserveCapacity(1 << 17)
    func flush(_ out: inout [UInt8]) {
      out.withUnsafeBufferPointer(piece)
      out.removeAll(keepingCapacity: true)
    }
    CanonicalChanges.write(changes, into: &out, flush: flush)
    flush(&out)
  }

  /// The plan as canonical JSON (what its digest is taken of), handed to `consume` in pieces of
  /// about 64 KiB: a digest is taken without holding the text of every change at once.
  static func writeCanonical(_ plan: Plan, to consume: (UnsafeBufferPointer<UInt8>) -> Void) {
    write(plan, pretty: false, to: consume)
  }

  /// The plan file's text (pretty, sorted JSON with a final newline), handed to `consume` in
  /// pieces of about 64 KiB: a file is written without holding its text whole (a whole
  /// organisation's first plan is a hundred megabytes of it, and JSONEncoder took seven times
  /// that).
  public func writeFile(to consume: (UnsafeBufferPointer<UInt8>) -> Void) {
    Self.write(self, pretty: true, to: consume)
    [UInt8(ascii: "\n")].withUnsafeBufferPointer(consume)
  }

  /// JSONEncoder writes everything but the two lists of changes, which are written by hand into
  /// their places. Neither key can appear anywhere else unescaped: no other object has them,
  /// and quotes inside strings are escaped.
  private static func write(_ plan: Plan, pretty: Bool, to consume: (UnsafeBufferPointer<UInt8>) -> Void) {
    var shell = plan
    shell.changes = []
    shell.drift = []
    let encoder = JSONEncoder()
    encoder.outputFormatting =
      pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    let text = [UInt8]((try? encoder.encode(shell)) ?? Data())
    // Both places are found in the small shell, then the lists written into their places: an
    // empty list is `[]`, or pretty-printed as a member of the plan, two line breaks and the
    // closing bracket indented one level.
    let empty = pretty ? "[\n\n  ]" : "[]"
    var places: [(range: Range<Int>, list: [Change])] = []
    for (name, list) in [("changes", plan.changes), ("drift", plan.drift)] {
      let member = (pretty ? "\n  \"\(name)\" : " : "\"\(name)\":") + empty
      guard let range = firstRange(of: Array(member.utf8), in: text) else { continue }
      places.append((range.upperBound - empty.utf8.count..<range.upperBound, list))
    }
    var out: [UInt8] = []
    out.reserveCapacity(1 << 17)
    func flush(_ out: inout [UInt8]) {
      out.withUnsafeBufferPointer(consume)
      out.removeAll(keepingCapacity: true)
    }
    let layout = CanonicalChanges(pretty: pretty)
    var done = 0
    for place in places.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
      out += text[done..<place.range.lowerBound]
      layout.write(place.list, level: pretty ? 1 : 0, into: &out, flush: flush)
      done = place.range.upperBound
    }
    out += text[done...]
    flush(&out)
  }

  private static func firstRange(of part: [UInt8], in text: [UInt8]) -> Range<Int>? {
    guard text.count >= part.count, let first = part.first else { return nil }
    for start in 0...(text.count - part.count) where text[start] == first {
      if text[start..<(start + part.count)].elementsEqual(part) { return start..<(start + part.count) }
    }
    return nil
  }
}
