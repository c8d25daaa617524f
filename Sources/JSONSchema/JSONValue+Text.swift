extension JSONValue {
  /// The value as compact JSON text, members in their order; the same value gives the same bytes.
  public var jsonText: String {
    var out = ""
    write(to: &out)
    return out
  }

  private func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let n):
      if n.isFinite && n.rounded() == n && abs(n) < 1e15 {
        out += String(Int64(n))
      } else if n.isFinite {
        out += String(n)
      } else {
        out += "null"  // JSON has no infinities or NaN
      }
    case .string(let s): Self.writeString(s, to: &out)
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case .object(let object):
      out += "{"
      for (i, member) in object.members.enumerated() {
        if i > 0 { out += "," }
        Self.writeString(member.key, to: &out)
        out += ":"
        member.value.write(to: &out)
      }
      out += "}"
    }
  }

  /// Appends `s` as a JSON string literal (quotes, backslashes and control characters escaped).
  public static func writeString(_ s: String, to out: inout String) {
    out += "\""
    // Most strings need no escape: copy them whole.
    if !s.containsByte(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
      out += s
      out += "\""
      return
    }
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}

extension String {
  /// Whether a UTF-8 byte of the string passes `test`, read from the string's own storage:
  /// walking `utf8` through its iterator costs about ten times as much per byte.
  @inlinable public func containsByte(where test: (UInt8) -> Bool) -> Bool {
    utf8.withContiguousStorageIfAvailable { $0.contains(where: test) } ?? utf8.contains(where: test)
  }

  /// The number of Unicode code points (what JSON Schema's `maxLength` counts): every UTF-8 byte
  /// that does not continue a sequence starts one.
  @inlinable public var codePointCount: Int {
    utf8.withContiguousStorageIfAvailable { bytes in bytes.reduce(0) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 } }
      ?? unicodeScalars.count
  }
}
