import KeyBytes

/// The users of a model, each found by its key (``Swift/String/userKey``, the lower-cased
/// email): the keys' bytes in a ``KeyIndex``, each user at its key's position, in the order
/// they were added (a removed one leaves a hole).
///
/// A dictionary of 50,000 users by key strings hashed every key with Swift's hasher as it was
/// added or found, and held 131,072 buckets of key and user (10 MB, made again, every key and
/// text retained, in the copy a plan's undo changes); the loader kept the same keys' bytes in an
/// index beside it, to find the members written as emails. Here a key costs its bytes and
/// 20–28 bytes beside them, and a copy copies those as they are; the users are held in chunks
/// of ``chunkSize``, and a copy that changes a few users copies only their chunks (a plan's undo
/// puts back the users the plan takes away, after the others).
public struct UserTable: Sendable, Equatable, CustomStringConvertible {
  private var keys = KeyIndex()
  /// The user at each key's position, ``chunkSize`` a chunk: a removed key keeps its position,
  /// which holds nil.
  private var chunks: [[User?]] = []
  static let chunkSize = 1_024

  public init() {}

  /// How many it holds (not what: a table of 50,000 is too long to print).
  public var description: String { "UserTable of \(count) users" }

  /// How many users there are.
  public var count: Int { keys.count }
  public var isEmpty: Bool { keys.count == 0 }

  /// The user of a key (a lower-cased email, ``Swift/String/userKey``).
  public subscript(key: String) -> User? {
    guard let position = Self.withBytes(of: key, { keys.position(of: $0) }) else { return nil }
    return self[position]
  }

  private subscript(position: Int) -> User? {
    get { chunks[position / Self.chunkSize][position % Self.chunkSize] }
    set { chunks[position / Self.chunkSize][position % Self.chunkSize] = newValue }
  }

  /// Whether a user has the key.
  public func contains(key: String) -> Bool { Self.withBytes(of: key, { keys.position(of: $0) }) != nil }

  /// The users, in the order they were added.
  public var values: some Sequence<User> { chunks.joined().lazy.compactMap { $0 } }

  /// The email (as the table holds it) of the user whose key is exactly `text`'s bytes; nil
  /// for any other text, which may still name a user in other bytes (capitals, another
  /// normalisation of the same characters).
  func email(ofKey text: UnsafeBufferPointer<UInt8>) -> String? {
    keys.position(of: text).flatMap { self[$0]?.email }
  }

  /// Makes room for `count` more users' keys.
  mutating func reserve(_ count: Int) {
    keys.reserve(count, bytes: count * 32)
  }

  /// Adds `user` under `key`; false, and nothing changed, if a user has that key.
  mutating func insert(_ user: consuming User, key: String) -> Bool {
    let (position, inserted) = Self.withBytes(of: key) { keys.insert($0) }
    guard inserted else { return false }
    if position % Self.chunkSize == 0 { chunks.append([]) }
    chunks[chunks.count - 1].append(user)
    return true
  }

  /// Takes away the user of `key`, if there is one.
  mutating func remove(key: String) {
    guard let position = Self.withBytes(of: key, { keys.position(of: $0) }) else { return }
    keys.remove(at: position)
    self[position] = nil
  }

  /// Puts `user` in place of the user of `key`; false if there is none.
  mutating func replace(key: String, with user: User) -> Bool {
    guard let position = Self.withBytes(of: key, { keys.position(of: $0) }) else { return false }
    self[position] = user
    return true
  }

  /// The same users under the same keys, in whatever order they were added.
  public static func == (a: UserTable, b: UserTable) -> Bool {
    guard a.count == b.count else { return false }
    return (0..<a.keys.endPosition).allSatisfy { position in
      guard let user = a[position] else { return true }
      return a.keys.withKey(at: position) { b.keys.position(of: $0) }.map { b[$0] == user } ?? false
    }
  }

  /// A key's bytes as the table holds them: its UTF-8, or for a key not all ASCII the UTF-8 of
  /// its canonical composition (NFC), so that two keys Swift holds equal (as the dictionary
  /// before compared them: `é` written as one character or as `e` and an accent) have the same
  /// bytes.
  @inline(__always)
  static func withBytes<R>(of key: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    var key = key
    var result: R?
    key.withUTF8 { bytes in
      if !bytes.hasNonASCII { result = body(bytes) }
    }
    if let result { return result }
    return key._nfcCodeUnits.withUnsafeBufferPointer(body)
  }
}
