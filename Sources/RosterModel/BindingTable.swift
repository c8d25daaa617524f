import KeyBytes

/// The bindings a model's principals hold, each principal's in a list of its own, the
/// principals found by their bytes (their kind, then their names) in a ``KeyIndex``. A principal
/// keeps its place once it has held a binding (a list left empty reads as none); they are in the
/// order they first held one.
///
/// A dictionary by principal held 131,072 buckets at 50,000 users, and the copy a plan's undo
/// changes (to bind again the bindings of the users a plan takes away) retained every
/// principal's name and list: half of the undo. Here a copy copies the keys as they are, and
/// the lists in chunks of ``chunkSize``, only those it changes.
public struct BindingTable: Sendable, Equatable, CustomStringConvertible, Sequence {
  public typealias Element = (key: PrincipalID, value: [Binding])

  private var keys = KeyIndex()
  private var chunks: [[Entry]] = []
  /// How many principals hold a binding.
  public private(set) var count = 0
  static let chunkSize = 1_024

  private struct Entry: Sendable {
    var principal: PrincipalID
    var bindings: [Binding]
  }

  public init() {}

  /// How many it holds (not what: a table of 50,000 is too long to print).
  public var description: String { "BindingTable of \(count) principals holding bindings" }

  /// The bindings `principal` holds, in the order they were made; nil if none.
  public subscript(principal: PrincipalID) -> [Binding]? {
    guard let position = Self.withBytes(of: principal, { keys.position(of: $0) }) else { return nil }
    let bindings = chunks[position / Self.chunkSize][position % Self.chunkSize].bindings
    return bindings.isEmpty ? nil : bindings
  }

  /// `principal`'s list of bindings, to change in place (empty if it holds none).
  subscript(listOf principal: PrincipalID) -> [Binding] {
    get { self[principal] ?? [] }
    _modify {
      let (position, inserted) = Self.withBytes(of: principal) { keys.insert($0) }
      if inserted {
        if position % Self.chunkSize == 0 { chunks.append([]) }
        chunks[chunks.count - 1].append(Entry(principal: principal, bindings: []))
      }
      let (chunk, place) = (position / Self.chunkSize, position % Self.chunkSize)
      let held = !chunks[chunk][place].bindings.isEmpty
      defer {
        switch (held, chunks[chunk][place].bindings.isEmpty) {
        case (false, false): count += 1
        case (true, true): count -= 1
        default: break
        }
      }
      yield &chunks[chunk][place].bindings
    }
  }

  /// The first position after the last principal's, for reading the table in parts
  /// (``entry(at:)``).
  public var endPosition: Int { keys.endPosition }

  /// The principal at `position` and its bindings; nil if it holds none.
  public func entry(at position: Int) -> Element? {
    let entry = chunks[position / Self.chunkSize][position % Self.chunkSize]
    return entry.bindings.isEmpty ? nil : (entry.principal, entry.bindings)
  }

  /// Each principal's bindings, in the order of the principals.
  public var values: LazyMapSequence<BindingTable, [Binding]> { lazy.map(\.value) }

  public func makeIterator() -> Iterator { Iterator(table: self) }

  public struct Iterator: IteratorProtocol {
    fileprivate let table: BindingTable
    fileprivate var position = 0

    public mutating func next() -> Element? {
      while position < table.endPosition {
        position += 1
        if let entry = table.entry(at: position - 1) { return entry }
      }
      return nil
    }
  }

  /// Makes room for `count` more principals.
  mutating func reserve(_ count: Int) {
    keys.reserve(count, bytes: count * 24)
  }

  /// Takes away the first of `principal`'s bindings that `test` accepts, and returns it.
  mutating func remove(of principal: PrincipalID, where test: (Binding) -> Bool) -> Binding? {
    guard let position = Self.withBytes(of: principal, { keys.position(of: $0) }) else { return nil }
    let (chunk, place) = (position / Self.chunkSize, position % Self.chunkSize)
    guard let index = chunks[chunk][place].bindings.firstIndex(where: test) else { return nil }
    let removed = chunks[chunk][place].bindings.remove(at: index)
    if chunks[chunk][place].bindings.isEmpty { count -= 1 }
    return removed
  }

  /// The same principals holding the same bindings, in the same order each, whatever order the
  /// principals came in.
  public static func == (a: BindingTable, b: BindingTable) -> Bool {
    a.count == b.count && a.allSatisfy { b[$0.key] == $0.value }
  }

  /// The bytes a principal is found by: its kind, then its name as ``UserTable`` holds a key
  /// (its NFC form when not all ASCII, so that names Swift holds equal are one principal).
  @inline(__always)
  private static func withBytes<R>(of principal: PrincipalID, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    let tag: UInt8 =
      switch principal.kind {
      case .user: 1
      case .group: 2
      case .robot: 3
      case .app: 4
      case .operator: 5
      }
    return UserTable.withBytes(of: principal.name) { name in
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.count + 1) { key in
        key[0] = tag
        _ = UnsafeMutableBufferPointer(rebasing: key[1...]).initialize(fromContentsOf: name)
        return body(UnsafeBufferPointer(key))
      }
    }
  }
}
