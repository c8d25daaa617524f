import Foundation

/// Strings read and written as UTF-8 bytes, from their own storage.
extension String {
  /// An email as users are keyed: lower-cased. Most are already, and are returned as they are
  /// rather than copied (the model looks users up by email for every member and binding).
  public var userKey: String {
    let lowered =
      utf8.withContiguousStorageIfAvailable { !$0.hasUpperCaseOrNonASCII }
      ?? !utf8.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 }
    return lowered ? self : lowercased()
  }

  /// Two parts joined by one ASCII byte, written into one allocation: keys of relations and
  /// principals' texts are made so for every member and binding, and appending strings piece by
  /// piece costs several hundred instructions a piece (so does a list of the parts, which a
  /// variadic form would make).
  public static func joining(_ first: String, _ second: String, separator: Unicode.Scalar) -> String {
    var (first, second) = (first, second)
    return joining(2, length: first.utf8.count + second.utf8.count, separator: separator) { i, into in
      i == 0
        ? first.withUTF8 { into.initialize(fromContentsOf: $0) }
        : second.withUTF8 { into.initialize(fromContentsOf: $0) }
    }
  }

  /// Three parts joined by one ASCII byte (see the two-part form).
  public static func joining(_ first: String, _ second: String, _ third: String, separator: Unicode.Scalar) -> String {
    var parts = (first, second, third)
    let length = first.utf8.count + second.utf8.count + third.utf8.count
    return joining(3, length: length, separator: separator) { i, into in
      switch i {
      case 0: return parts.0.withUTF8 { into.initialize(fromContentsOf: $0) }
      case 1: return parts.1.withUTF8 { into.initialize(fromContentsOf: $0) }
      default: return parts.2.withUTF8 { into.initialize(fromContentsOf: $0) }
      }
    }
  }

  /// The parts joined by one ASCII byte (see the two-part form).
  public static func joining(_ parts: [String], separator: Unicode.Scalar) -> String {
    joining(parts.count, length: parts.reduce(0) { $0 + $1.utf8.count }, separator: separator) { i, into in
      var part = parts[i]
      return part.withUTF8 { into.initialize(fromContentsOf: $0) }
    }
  }

  /// The parts one after another, with nothing between them (a line of a plan's text made of
  /// a dozen pieces: appended one by one, each piece cost a few hundred instructions).
  public static func joining(_ parts: [String]) -> String {
    joining(parts.count, length: parts.reduce(0) { $0 + $1.utf8.count }, separator: nil) { i, into in
      var part = parts[i]
      return part.withUTF8 { into.initialize(fromContentsOf: $0) }
    }
  }

  /// `count` parts of `length` bytes in all, each written by `write` (which returns how many
  /// bytes it wrote), with the separator, if any, between them.
  private static func joining(
    _ count: Int, length: Int, separator: Unicode.Scalar?,
    write: (Int, UnsafeMutableBufferPointer<UInt8>) -> Int
  ) -> String {
    precondition(separator?.isASCII ?? true, "the separator must be one byte")
    let separators = separator == nil ? 0 : Swift.max(count - 1, 0)
    return String(unsafeUninitializedCapacity: length + separators) { buffer in
      var at = 0
      for i in 0..<count {
        if i > 0, let separator {
          buffer[at] = UInt8(separator.value)
          at += 1
        }
        at += write(i, UnsafeMutableBufferPointer(rebasing: buffer[at...]))
      }
      return at
    }
  }

  /// Whether a UTF-8 byte passes `test`, read from the string's own storage (walking `utf8`
  /// through its iterator costs about ten times as much per byte).
  @inlinable public func hasByte(where test: (UInt8) -> Bool) -> Bool {
    utf8.withContiguousStorageIfAvailable { $0.contains(where: test) } ?? utf8.contains(where: test)
  }

  /// Whether every UTF-8 byte is ASCII, read eight at a time from the string's own storage:
  /// what ``order(_:_:_:_:)`` is told of each string.
  public var isASCII: Bool {
    utf8.withContiguousStorageIfAvailable { !$0.hasNonASCII } ?? !utf8.contains { $0 >= 0x80 }
  }

  /// -1, 0 or 1 as `a` comes before, with or after `b` in Swift's order of strings: by their
  /// bytes when both are ASCII (`aASCII`, `bASCII`: ``isASCII``), which is the same order (an
  /// ASCII text is its own normal form, and each of its bytes a scalar), else by Swift's
  /// comparison (which took about a thousand instructions for two emails).
  public static func order(_ a: String, _ aASCII: Bool, _ b: String, _ bASCII: Bool) -> Int {
    if aASCII && bASCII,
      let byBytes = a.utf8.withContiguousStorageIfAvailable({ x in
        b.utf8.withContiguousStorageIfAvailable { y -> Int in
          let common = Swift.min(x.count, y.count)
          var first: Int32 = 0
          if common > 0, let x = x.baseAddress, let y = y.baseAddress { first = memcmp(x, y, common) }
          if first != 0 { return first < 0 ? -1 : 1 }
          return x.count == y.count ? 0 : x.count < y.count ? -1 : 1
        }
      }) ?? nil
    {
      return byBytes
    }
    return a == b ? 0 : a < b ? -1 : 1
  }
}

extension [UInt8] {
  /// Appends the content of a JSON string as JSONEncoder writes it (slashes left as they are):
  /// `"` and `\` escaped, the five short forms (`\b`, `\t`, `\n`, `\f`, `\r`) and any other
  /// control character as `\u00xx`, the runs between them copied whole. The canonical JSON of
  /// plans and audit records is JSONEncoder's, byte for byte.
  public mutating func append(jsonEscaped bytes: UnsafeBufferPointer<UInt8>) {
    var start = 0
    for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
      append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
      append(UInt8(ascii: "\\"))
      switch byte {
      case 0x22, 0x5C: append(byte)
      case 0x08: append(UInt8(ascii: "b"))
      case 0x09: append(UInt8(ascii: "t"))
      case 0x0A: append(UInt8(ascii: "n"))
      case 0x0C: append(UInt8(ascii: "f"))
      case 0x0D: append(UInt8(ascii: "r"))
      default:
        func hex(_ digit: UInt8) -> UInt8 { digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10 }
        append(UInt8(ascii: "u"))
        append(UInt8(ascii: "0"))
        append(UInt8(ascii: "0"))
        append(hex(byte >> 4))
        append(hex(byte & 0xF))
      }
      start = i + 1
    }
    append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
  }

  /// Appends a string's UTF-8 bytes from its own storage (for text written as bytes: canonical
  /// JSON of rows and of changes).
  public mutating func append(utf8 text: String) {
    if text.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
      append(contentsOf: Array(text.utf8))
    }
  }
}

extension UnsafeBufferPointer<UInt8> {
  /// Whether a byte is an ASCII capital letter or is not ASCII; read eight bytes at a time (a
  /// byte at a time cost more than the lookup it decided on, for every email looked up).
  @inlinable public var hasUpperCaseOrNonASCII: Bool {
    anyWord { word in
      // Every byte below 0x80 here, so adding 0x3F or 0x25 carries into no other byte: a byte
      // gets its high bit from the first from 0x41 ('A') on, and from the second from 0x5B on.
      word & 0x8080_8080_8080_8080 != 0
        || (word &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(word &+ 0x2525_2525_2525_2525) & 0x8080_8080_8080_8080 != 0
    } byte: {
      ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80
    }
  }

  /// Whether a byte is not ASCII, read eight bytes at a time.
  @inlinable public var hasNonASCII: Bool {
    anyWord {
      $0 & 0x8080_8080_8080_8080 != 0
    } byte: {
      $0 >= 0x80
    }
  }

  /// Whether a byte needs an escape in a JSON string (a control character, `"` or `\`), read
  /// eight bytes at a time.
  @inlinable public var needsJSONEscape: Bool {
    anyWord { word in
      let ones: UInt64 = 0x0101_0101_0101_0101
      let highs: UInt64 = 0x8080_8080_8080_8080
      // A byte below 0x20, or one equal to `"` or `\` (a zero byte once the word is XORed
      // with it): these tests tell whether there is such a byte, not which.
      func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
      return (word &- ones &* 0x20) & ~word & highs != 0 || hasZero(word ^ (ones &* 0x22))
        || hasZero(word ^ (ones &* 0x5C))
    } byte: {
      $0 < 0x20 || $0 == 0x22 || $0 == 0x5C
    }
  }

  /// Whether `word` holds for some eight bytes read at once, or `byte` for one of the last
  /// few.
  @inlinable func anyWord(_ word: (UInt64) -> Bool, byte: (UInt8) -> Bool) -> Bool {
    guard let base = baseAddress else { return false }
    let raw = UnsafeRawPointer(base)
    var offset = 0
    while offset + 8 <= count {
      if word(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) { return true }
      offset += 8
    }
    while offset < count {
      if byte(base[offset]) { return true }
      offset += 1
    }
    return false
  }
}

/// A key written piece by piece into storage kept from one key to the next: a plan writes the
/// keys of its 200,000 memberships and bindings so, to look each up in the state. Appended to
/// a list of bytes, each piece cost about a hundred and fifty instructions (the list's checks of
/// its room and of being shared), a binding's key over a thousand.
public struct KeyWriter: ~Copyable {
  private var base: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  /// How many bytes are written.
  public private(set) var count = 0

  public init(capacity: Int = 256) {
    self.capacity = Swift.max(capacity, 16)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  /// The bytes written, valid only during `body`.
  public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(start: base, count: count))
  }

  /// Starts a new key, the storage kept.
  public mutating func clear() { count = 0 }

  public mutating func append(_ byte: UInt8) {
    if count == capacity { grow(to: count + 1) }
    base[count] = byte
    count += 1
  }

  public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress else { return }
    if count + bytes.count > capacity { grow(to: count + bytes.count) }
    (base + count).update(from: source, count: bytes.count)
    count += bytes.count
  }

  /// Appends a literal's bytes, where the program holds them (a literal appended as a string was
  /// read through the string's storage, as long again as the copy).
  @inline(__always)
  public mutating func append(_ literal: StaticString) {
    literal.withUTF8Buffer { append($0) }
  }

  /// Appends a string's UTF-8 bytes from its own storage.
  public mutating func append(utf8 text: String) {
    if text.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
      Array(text.utf8).withUnsafeBufferPointer { append($0) }
    }
  }

  /// Appends a scope's text (``Scope/description``: `organization`, `tenant/T/service/S`)
  /// without making it.
  public mutating func append(scope: Scope) {
    guard let tenant = scope.tenant else { return append("organization") }
    append("tenant/")
    append(utf8: tenant)
    if let service = scope.service {
      append("/service/")
      append(utf8: service)
    }
    for folder in scope.folders {
      append("/folder/")
      append(utf8: folder)
    }
  }

  /// Appends a principal's canonical text (``PrincipalID/description``: `user:EMAIL`,
  /// `operator`) without making it.
  public mutating func append(principal: PrincipalID) {
    // Each kind's prefix a literal, the name read where the principal holds it (the kind's
    // name and the name taken out of the principal were each a string copied and let go).
    switch principal {
    case .user(let name): append("user:", utf8: name)
    case .group(let name): append("group:", utf8: name)
    case .robot(let name): append("robot:", utf8: name)
    case .app(let name): append("app:", utf8: name)
    case .operator: append("operator")
    }
  }

  private mutating func append(_ prefix: StaticString, utf8 name: String) {
    append(prefix)
    append(utf8: name)
  }

  private mutating func grow(to needed: Int) {
    var larger = capacity * 2
    while larger < needed { larger *= 2 }
    let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
    moved.update(from: base, count: count)
    base.deallocate()
    (base, capacity) = (moved, larger)
  }
}
