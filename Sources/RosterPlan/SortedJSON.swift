import Foundation
import RosterModel

/// Changes and state objects as JSON with sorted keys, written by hand: the same bytes
/// `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` gives (the tests compare the
/// two), compact for digests and the audit log or `.prettyPrinted` for plan files and `show`,
/// without its tree of boxed values, which made encoding the first plan of a 50,000-user
/// organisation a third of its apply and most of its memory.
struct SortedJSON {
  /// Pretty-printed, as plan files are: each member and item on a line of its own, indented two
  /// spaces a level, `"name" : value`.
  let pretty: Bool

  static let compact = SortedJSON(pretty: false)

  /// Runs `write` with a buffer and a `flush` that hands what the buffer holds to `consume` and
  /// empties it; what is left at the end is handed over too.
  static func inPieces(
    to consume: (UnsafeBufferPointer<UInt8>) -> Void,
    _ write: (_ out: inout [UInt8], _ flush: (inout [UInt8]) -> Void) -> Void
  ) {
    // `flush` is handed to `write`, so what it calls must be allowed to escape (it does not).
    withoutActuallyEscaping(consume) { consume in
      var out: [UInt8] = []
      out.reserveCapacity(1 << 17)
      func flush(_ out: inout [UInt8]) {
        out.withUnsafeBufferPointer(consume)
        out.removeAll(keepingCapacity: true)
      }
      write(&out, flush)
      flush(&out)
    }
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

  /// Objects as a list at `level`, each as `StateObject` encodes itself: `fields` (an object
  /// of its fields by name, kept in that order), `key`, `kind`.
  func write(_ objects: [StateObject], level: Int, into out: inout [UInt8], flush: (inout [UInt8]) -> Void) {
    self.objects(objects, level, &out, flush) { object, inner, out in
      member("fields", inner, first: true, &out)
      out.append(UInt8(ascii: "{"))
      if pretty && object.fields.isEmpty { out.append(UInt8(ascii: "\n")) }
      var first = true
      for (name, value) in object.fields {
        member(name, inner + 1, first: first, &out)
        self.value(value, inner + 1, &out)
        first = false
      }
      newline(inner, &out)
      out.append(UInt8(ascii: "}"))
      member("key", inner, &out)
      Self.string(object.key, &out)
      member("kind", inner, &out)
      Self.string(object.kind.rawValue, &out)
    }
  }

  /// A plan's access impact as a list at `level`, each entry's keys sorted: cause, gained,
  /// lost, principals, scope (through JSONEncoder, most of the 31 ms of the digest of a plan
  /// of 500 leavers, whose impact has 2,188 entries).
  func write(_ entries: [ImpactEntry], level: Int, into out: inout [UInt8], flush: (inout [UInt8]) -> Void) {
    objects(entries, level, &out, flush) { entry, inner, out in
      member("cause", inner, first: true, &out)
      Self.string(entry.cause, &out)
      member("gained", inner, &out)
      strings(entry.gained, inner, &out)
      member("lost", inner, &out)
      strings(entry.lost, inner, &out)
      member("principals", inner, &out)
      strings(entry.principals, inner, &out)
      member("scope", inner, &out)
      Self.string(entry.scope, &out)
    }
  }

  /// Safety findings as a list at `level`, keys sorted: change, hint, message, overridden, rule,
  /// severity; an absent change or hint is left out, as the synthesized encoding does.
  func write(_ findings: [SafetyFinding], level: Int, into out: inout [UInt8], flush: (inout [UInt8]) -> Void) {
    objects(findings, level, &out, flush) { finding, inner, out in
      var first = true
      for (name, text) in [("change", finding.change), ("hint", finding.hint)] {
        guard let text else { continue }
        member(name, inner, first: first, &out)
        Self.string(text, &out)
        first = false
      }
      member("message", inner, first: first, &out)
      Self.string(finding.message, &out)
      member("overridden", inner, &out)
      Self.raw(finding.overridden ? "true" : "false", &out)
      member("rule", inner, &out)
      Self.string(finding.rule, &out)
      member("severity", inner, &out)
      Self.string(finding.severity, &out)
    }
  }

  /// A list of objects as a value at `level`, each item's members written by `members` at
  /// `inner`, two levels deeper; `flush` is handed the text whenever it passes 64 KiB.
  private func objects<Item>(
    _ items: [Item], _ level: Int, _ out: inout [UInt8], _ flush: (inout [UInt8]) -> Void,
    _ members: (Item, _ inner: Int, inout [UInt8]) -> Void
  ) {
    list(items, level, &out) { item, out in
      out.append(UInt8(ascii: "{"))
      members(item, level + 2, &out)
      newline(level + 1, &out)
      out.append(UInt8(ascii: "}"))
      if out.count >= 1 << 16 { flush(&out) }
    }
  }

  private func strings(_ items: [String], _ level: Int, _ out: inout [UInt8]) {
    list(items, level, &out) { item, out in Self.string(item, &out) }
  }

  private func value(_ value: FieldValue, _ level: Int, _ out: inout [UInt8]) {
    switch value {
    case .string(let s): Self.string(s, &out)
    case .bool(let b): Self.raw(b ? "true" : "false", &out)
    case .number: Self.encoded(value, &out)
    case .list(let items): strings(items, level, &out)
    }
  }

  /// Writes a list into its place in a larger value.
  typealias ListWriter = (SortedJSON, _ level: Int, inout [UInt8], _ flush: (inout [UInt8]) -> Void) -> Void

  /// `shell` as JSONEncoder writes it (keys sorted, pretty-printed or not), but for the members
  /// named in `lists` — lists left empty in `shell`, at its top level — which are written by hand
  /// into their places, the text handed to `consume` in pieces of about 64 KiB. JSONEncoder
  /// writes the small rest. A member's name cannot appear anywhere else unescaped: quotes inside
  /// strings are escaped, and only the top level is searched (a line break and one level's
  /// indentation before the name, when pretty-printed; nothing else has these lists).
  func write<Shell: Encodable>(
    _ shell: Shell, filling lists: [(name: String, write: ListWriter)],
    to consume: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    let encoder = JSONEncoder()
    encoder.outputFormatting =
      pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    let text = [UInt8]((try? encoder.encode(shell)) ?? Data())
    // An empty list is `[]`, or pretty-printed as a member of the top level, two line breaks and
    // the closing bracket indented one level.
    let empty = pretty ? "[\n\n  ]" : "[]"
    var places: [(range: Range<Int>, write: ListWriter)] = []
    for (name, write) in lists {
      // Compact, the member follows `{` or `,`, where a quote inside a string follows `\`.
      let member = Array(((pretty ? "\n  \"\(name)\" : " : "\"\(name)\":") + empty).utf8)
      guard
        let range = Self.ranges(of: member, in: text).first(where: { range in
          pretty
            || (range.lowerBound > 0 && [UInt8(ascii: "{"), UInt8(ascii: ",")].contains(text[range.lowerBound - 1]))
        })
      else { continue }
      places.append((range.upperBound - empty.utf8.count..<range.upperBound, write))
    }
    Self.inPieces(to: consume) { out, flush in
      var done = 0
      for place in places.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
        out += text[done..<place.range.lowerBound]
        place.write(self, pretty ? 1 : 0, &out, flush)
        done = place.range.upperBound
      }
      out += text[done...]
    }
  }

  /// Where `part` occurs in `text`, first to last.
  private static func ranges(of part: [UInt8], in text: [UInt8]) -> [Range<Int>] {
    guard text.count >= part.count, let first = part.first else { return [] }
    return (0...(text.count - part.count)).filter { start in
      text[start] == first && text[start..<(start + part.count)].elementsEqual(part)
    }.map { $0..<($0 + part.count) }
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
  private func member(_ name: String, _ level: Int, first: Bool = false, _ out: inout [UInt8]) {
    if !first { out.append(UInt8(ascii: ",")) }
    newline(level, &out)
    Self.string(name, &out)
    Self.raw(pretty ? " : " : ":", &out)
  }

  private func newline(_ level: Int, _ out: inout [UInt8]) {
    guard pretty else { return }
    out.append(UInt8(ascii: "\n"))
    out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
  }

  /// A string, escaped exactly as JSONEncoder escapes it (relation keys hold U+001F: sent
  /// through JSONEncoder, each cost 9,800 instructions, a tenth of writing a first apply).
  private static func string(_ s: String, _ out: inout [UInt8]) {
    var s = s
    out.append(UInt8(ascii: "\""))
    s.withUTF8 { out.append(jsonEscaped: $0) }
    out.append(UInt8(ascii: "\""))
  }

  private static func encoded<T: Encodable>(_ value: T, _ out: inout [UInt8]) {
    out += Plan.canonicalJSON(value)
  }

  private static func raw(_ s: String, _ out: inout [UInt8]) { out.append(utf8: s) }
}

extension Plan {
  /// The changes as canonical JSON text, whole: what the audit log records of an apply (which
  /// writes it from ``writeCanonicalText(_:to:)``'s pieces instead).
  public static func canonicalText(_ changes: [Change]) -> String {
    var text: [UInt8] = []
    writeCanonicalText(changes) { text += $0 }
    return String(decoding: text, as: UTF8.self)
  }

  /// The same text handed to `piece` in order, in pieces of about 64 KiB, never held whole (an
  /// apply's audit record is written from them).
  public static func writeCanonicalText(_ changes: [Change], to piece: (UnsafeBufferPointer<UInt8>) -> Void) {
    SortedJSON.inPieces(to: piece) { out, flush in SortedJSON.compact.write(changes, into: &out, flush: flush) }
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

  private static func write(_ plan: Plan, pretty: Bool, to consume: (UnsafeBufferPointer<UInt8>) -> Void) {
    var shell = plan
    shell.changes = []
    shell.drift = []
    shell.findings = []
    shell.impact = []
    SortedJSON(pretty: pretty).write(
      shell,
      filling: [
        ("changes", { $0.write(plan.changes, level: $1, into: &$2, flush: $3) }),
        ("drift", { $0.write(plan.drift, level: $1, into: &$2, flush: $3) }),
        ("findings", { $0.write(plan.findings, level: $1, into: &$2, flush: $3) }),
        ("impact", { $0.write(plan.impact, level: $1, into: &$2, flush: $3) }),
      ],
      to: consume)
  }
}

/// The state as `roster show --format json` prints it: pretty-printed JSON with sorted keys,
/// `lineage`, `objects` (each as ``StateObject`` encodes itself, by kind and key) and `serial`,
/// with a final line break, handed to `consume` in pieces as it is written (a whole
/// organisation's objects are 64 MB of it at 50,000 users, and JSONEncoder took six times that).
public enum StateJSON {
  public static func write(
    lineage: String, serial: Int, objects: [StateObject], to consume: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    struct Shown: Encodable {
      var lineage: String
      var objects: [StateObject]
      var serial: Int
    }
    SortedJSON(pretty: true).write(
      Shown(lineage: lineage, objects: [], serial: serial),
      filling: [("objects", { $0.write(objects, level: $1, into: &$2, flush: $3) })], to: consume)
    [UInt8(ascii: "\n")].withUnsafeBufferPointer(consume)
  }
}
