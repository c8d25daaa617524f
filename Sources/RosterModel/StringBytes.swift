/// Strings read and written as UTF-8 bytes, from their own storage.
extension String {
  /// An email as users are keyed: lower-cased. Most are already, and are returned as they are
  /// rather than copied (the model looks users up by email for every member and binding).
  public var userKey: String {
    hasByte { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } ? lowercased() : self
  }

  /// The parts joined by one ASCII byte, written into one allocation: keys of relations and
  /// principals' texts are made so for every member and binding, and appending strings piece by
  /// piece costs several hundred instructions a piece.
  public static func joining(_ parts: String..., separator: Unicode.Scalar) -> String {
    joining(parts, separator: separator)
  }

  /// The parts joined by one ASCII byte (see the variadic form).
  public static func joining(_ parts: [String], separator: Unicode.Scalar) -> String {
    joining(parts.count, length: parts.reduce(0) { $0 + $1.utf8.count }, separator: separator) { i, into in
      var part = parts[i]
      return part.withUTF8 { into.initialize(fromContentsOf: $0) }
    }
  }

  /// The same from parts given as UTF-8 bytes (columns read in place, say).
  public static func joining(utf8 parts: [UnsafeBufferPointer<UInt8>], separator: Unicode.Scalar) -> String {
    joining(parts.count, length: parts.reduce(0) { $0 + $1.count }, separator: separator) { i, into in
      into.initialize(fromContentsOf: parts[i])
    }
  }

  /// `count` parts of `length` bytes in all, each written by `write` (which returns how many
  /// bytes it wrote), with the separator between them.
  private static func joining(
    _ count: Int, length: Int, separator: Unicode.Scalar,
    write: (Int, UnsafeMutableBufferPointer<UInt8>) -> Int
  ) -> String {
    precondition(separator.isASCII, "the separator must be one byte")
    return String(unsafeUninitializedCapacity: length + Swift.max(count - 1, 0)) { buffer in
      var at = 0
      for i in 0..<count {
        if i > 0 {
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
}

extension [UInt8] {
  /// Appends a string's UTF-8 bytes from its own storage (for text written as bytes: canonical
  /// JSON of rows and of changes).
  public mutating func append(utf8 text: String) {
    if text.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
      append(contentsOf: Array(text.utf8))
    }
  }
}
