import Foundation
import RosterModel

/// Changes as canonical JSON (sorted keys, no spaces), written by hand: the same bytes
/// `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` gives (the tests compare the
/// two), without its tree of boxed values, which made encoding the first plan of a 50,000-user
/// organisation a third of its apply and most of its memory.
enum CanonicalChanges {
  static func write(_ changes: [Change], into out: inout [UInt8]) { write(changes, into: &out, flush: { _ in }) }

  /// The same, handing `flush` the text written so far whenever it passes 64 KiB (it empties
  /// `out`), so that a consumer of pieces (a hash) never holds the whole text.
  static func write(_ changes: [Change], into out: inout [UInt8], flush: (inout [UInt8]) -> Void) {
    out.append(UInt8(ascii: "["))
    for (i, change) in changes.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      write(change, into: &out)
      if out.count >= 1 << 16 { flush(&out) }
    }
    out.append(UInt8(ascii: "]"))
  }

  // Keys in the order JSONEncoder sorts them: action, fields, from, key, kind.
  private static func write(_ change: Change, into out: inout [UInt8]) {
    raw(#"{"action":"#, &out)
    string(change.action.rawValue, &out)
    raw(#","fields":["#, &out)
    for (i, field) in change.fields.enumerated() {
      if i > 0 { out.append(UInt8(ascii: ",")) }
      // after, before, field; an absent value is left out, as the synthesized encoding does.
      out.append(UInt8(ascii: "{"))
      if let after = field.after {
        raw(#""after":"#, &out)
        value(after, &out)
        out.append(UInt8(ascii: ","))
      }
      if let before = field.before {
        raw(#""before":"#, &out)
        value(before, &out)
        out.append(UInt8(ascii: ","))
      }
      raw(#""field":"#, &out)
      string(field.field, &out)
      out.append(UInt8(ascii: "}"))
    }
    out.append(UInt8(ascii: "]"))
    if let from = change.from {
      raw(#","from":"#, &out)
      string(from, &out)
    }
    raw(#","key":"#, &out)
    string(change.key, &out)
    raw(#","kind":"#, &out)
    string(change.kind.rawValue, &out)
    out.append(UInt8(ascii: "}"))
  }

  private static func value(_ value: FieldValue, _ out: inout [UInt8]) {
    switch value {
    case .string(let s): string(s, &out)
    case .bool(let b): raw(b ? "true" : "false", &out)
    case .number: encoded(value, &out)
    case .list(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        string(item, &out)
      }
      out.append(UInt8(ascii: "]"))
    }
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
  /// JSONEncoder writes everything but the two lists of changes, which are written by hand into
  /// their places. Neither key can appear anywhere else unescaped: no other object has them,
  /// and quotes inside strings are escaped.
  static func writeCanonical(_ plan: Plan, to consume: (UnsafeBufferPointer<UInt8>) -> Void) {
    var shell = plan
    shell.changes = []
    shell.drift = []
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let text = [UInt8]((try? encoder.encode(shell)) ?? Data())
    // Both places are found in the small shell, then the lists written into their places.
    var places: [(range: Range<Int>, list: [Change])] = []
    for (key, list) in [(#""changes":[]"#, plan.changes), (#""drift":[]"#, plan.drift)] {
      guard let range = firstRange(of: Array(key.utf8), in: text) else { continue }
      places.append((range.lowerBound + key.utf8.count - 2..<range.upperBound, list))
    }
    var out: [UInt8] = []
    out.reserveCapacity(1 << 17)
    func flush(_ out: inout [UInt8]) {
      out.withUnsafeBufferPointer(consume)
      out.removeAll(keepingCapacity: true)
    }
    var done = 0
    for place in places.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
      out += text[done..<place.range.lowerBound]
      CanonicalChanges.write(place.list, into: &out, flush: flush)
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
