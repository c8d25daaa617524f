/// Builds one object's fields after another, each written in name order straight into storage
/// kept from one to the next, then copied out at its size: a table's users, a store's rows.
///
/// Appended piece by piece to an array (its room checked and the piece's array retained for
/// each), a user's six fields cost some 4,000 instructions, 50,000 times in a plan; here each
/// piece is a copy into room made once for the field.
public struct FieldsWriter: ~Copyable {
  private var base: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private var count = 0
  #if DEBUG
  private var lastName: String?
  #endif

  public init() {
    capacity = 512
    base = .allocate(capacity: capacity)
  }

  deinit { base.deallocate() }

  /// Adds a string field, its value as UTF-8; its name comes after every name written.
  public mutating func field(_ name: Fields.Name, string value: UnsafeBufferPointer<UInt8>) {
    guard !value.needsJSONEscape else { return field(name, .string(String(decoding: value, as: UTF8.self))) }
    open(name, room: value.count + 2)
    put(UInt8(ascii: "\""))
    put(value)
    put(UInt8(ascii: "\""))
  }

  /// Adds a string field; its name comes after every name written.
  public mutating func field(_ name: Fields.Name, string value: String) {
    var value = value
    value.withUTF8 { field(name, string: $0) }
  }

  /// Adds a true or false field; its name comes after every name written.
  public mutating func field(_ name: Fields.Name, _ value: Bool) {
    open(name, room: 5)
    if value {
      put(UInt8(ascii: "t"))
      put(UInt8(ascii: "r"))
      put(UInt8(ascii: "u"))
      put(UInt8(ascii: "e"))
    } else {
      put(UInt8(ascii: "f"))
      put(UInt8(ascii: "a"))
      put(UInt8(ascii: "l"))
      put(UInt8(ascii: "s"))
      put(UInt8(ascii: "e"))
    }
  }

  /// Adds any field (a number, a list, a string to escape: written as ``Fields`` writes it);
  /// its name comes after every name written.
  public mutating func field(_ name: Fields.Name, _ value: FieldValue) {
    var one = Fields()
    one.appendInOrder(name, value)
    var text: [UInt8] = []
    one.write(to: &text)
    // `{"name":VALUE}`: the value is what follows the name.
    let value = text[(name.written.count + 1)..<(text.count - 1)]
    open(name, room: value.count)
    value.withUnsafeBufferPointer { put($0) }
  }

  /// The fields written since the last, as ``Fields``; the storage is kept for the next.
  public mutating func finish() -> Fields {
    #if DEBUG
    lastName = nil
    #endif
    guard count > 0 else { return Fields() }
    room(1)
    put(UInt8(ascii: "}"))
    let fields = Fields(text: UnsafeBufferPointer(start: base, count: count))
    count = 0
    return fields
  }

  /// Writes `{` or `,` and the field's name, with room for `value` bytes after them.
  private mutating func open(_ name: Fields.Name, room value: Int) {
    #if DEBUG
    assert(lastName.map { $0 < name.name } ?? true, "'\(name.name)' is not after every field written")
    lastName = name.name
    #endif
    room(1 + name.written.count + value)
    put(count == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
    name.written.withUnsafeBufferPointer { put($0) }
  }

  private mutating func room(_ bytes: Int) {
    guard count + bytes > capacity else { return }
    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity * 2, count + bytes))
    grown.update(from: base, count: count)
    base.deallocate()
    base = grown
    capacity = max(capacity * 2, count + bytes)
  }

  private mutating func put(_ byte: UInt8) {
    base[count] = byte
    count += 1
  }

  private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let from = bytes.baseAddress else { return }
    (base + count).update(from: from, count: bytes.count)
    count += bytes.count
  }
}
