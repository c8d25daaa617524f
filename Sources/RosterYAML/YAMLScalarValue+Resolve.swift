extension YAMLScalarValue {
  static let tagPrefix = "tag:yaml.org,2002:"

  static func coreBool(_ text: String) -> Bool? {
    // Only four or five bytes can spell one (most words starting with t or f do not).
    guard text.utf8.count == 4 || text.utf8.count == 5 else { return nil }
    switch text {
    case "true", "True", "TRUE": return true
    case "false", "False", "FALSE": return false
    default: return nil
    }
  }

  /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`; a decimal too large for `Int` is not an int.
  static func coreInt(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty else { return nil }
    if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
      if bytes[1] == UInt8(ascii: "o") { return Int(String(text.dropFirst(2)), radix: 8) }
      if bytes[1] == UInt8(ascii: "x") { return Int(String(text.dropFirst(2)), radix: 16) }
    }
    var digits = bytes[...]
    if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") { digits = bytes.dropFirst() }
    guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
    // Int("+0755") and Int("0755") both read decimal, as YAML 1.2 does.
    return Int(text)
  }

  /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?.inf`, `.nan` (three spellings).
  static func coreFloat(_ text: String) -> Double? {
    switch text {
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
    case "-.inf", "-.Inf", "-.INF": return -.infinity
    case ".nan", ".NaN", ".NAN": return .nan
    default: break
    }
    var bytes = Array(text.utf8)[...]
    if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
      bytes = bytes.dropFirst()
    }
    func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    var i = bytes.startIndex
    var intDigits = 0
    while i < bytes.endIndex, isDigit(bytes[i]) {
      i += 1
      intDigits += 1
    }
    var fracDigits = 0
    if i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") {
      i += 1
      while i < bytes.endIndex, isDigit(bytes[i]) {
        i += 1
        fracDigits += 1
      }
      // `.5` needs a digit after the point; `5.` is allowed.
      if intDigits == 0 && fracDigits == 0 { return nil }
    } else if intDigits == 0 {
      return nil
    }
    if i < bytes.endIndex, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
        i += 1
      }
      var expDigits = 0
      while i < bytes.endIndex, isDigit(bytes[i]) {
        i += 1
        expDigits += 1
      }
      if expDigits == 0 { return nil }
    }
    guard i == bytes.endIndex else { return nil }
    return Double(text)
  }
}

extension YAMLScalar {
  /// Resolves a scalar by the YAML 1.2 core schema: only `true`/`false` are booleans,
  /// only `null`/`~`/empty is null, and `0755` is the decimal 755, never octal. `yes`, `NO`,
  /// `off` stay strings. Quoted and block scalars are strings; an explicit tag decides first.
  static func resolve(_ text: String, plain: Bool, tag: String?) -> YAMLScalar.Resolved {
    if let tag, tag != "!" {
      switch tag {
      case YAMLScalarValue.tagPrefix + "str": return .string
      case YAMLScalarValue.tagPrefix + "null": return .null
      case YAMLScalarValue.tagPrefix + "bool": return YAMLScalarValue.coreBool(text).map { .bool($0) } ?? .string
      case YAMLScalarValue.tagPrefix + "int": return YAMLScalarValue.coreInt(text).map { .int($0) } ?? .string
      case YAMLScalarValue.tagPrefix + "float":
        return YAMLScalarValue.coreFloat(text).map { .float($0) } ?? YAMLScalarValue.coreInt(text).map {
          .float(Double($0))
        }
          ?? .string
      default: return .string
      }
    }
    guard plain, tag == nil else { return .string }
    if text.isEmpty { return .null }
    let first = text.utf8.first ?? 0
    // Fast path: most scalars in configuration are words that start with a letter other
    // than the first letters of null/true/false/.inf/.nan, and need no further look.
    switch first {
    case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "~"):
      if text == "~" || text == "null" || text == "Null" || text == "NULL" { return .null }
      return .string
    case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
      return YAMLScalarValue.coreBool(text).map { .bool($0) } ?? .string
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
      UInt8(ascii: "."):
      if let int = YAMLScalarValue.coreInt(text) { return .int(int) }
      if let float = YAMLScalarValue.coreFloat(text) { return .float(float) }
      return .string
    default:
      return .string
    }
  }
}
