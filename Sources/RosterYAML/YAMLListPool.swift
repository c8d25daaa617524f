import JSONSchema
import Synchronization

/// The lists of trees read and let go, lent to the next source read with the same pool. A
/// configuration's files are read one after another on each core, and each tree's lists are
/// large blocks, which are mapped on their own and given back to the system when freed
/// (`ProcessLifetime.mapLargeBlocks` in the command line tool): every file took its memory from
/// the system afresh, a page fault for each 4 KiB written, a third of a validate's faults.
///
/// Read each source with `YAMLReader.read(_:file:limits:reusing:)`; a tree read so gives its
/// lists back when it goes, and a pool keeps a few of each kind until it is closed.
public final class YAMLListPool: Sendable {
  /// A YAML tree's lists.
  struct TreeLists {
    var entries: [YAMLTree.Entry]
    var scalars: [YAMLTree.Scalar]
    var texts: [String]
    var children: [Int32]
  }

  private struct State {
    var closed = false
    var trees: [TreeLists] = []
    var json: [[JSONTree.Entry]] = []
  }

  /// Lists of each kind kept at most: one per core reading, and some in hand.
  private static let most = 4
  private let state = Mutex(State())

  public init() {}

  /// Frees the lists kept, and keeps none from here on (trees read with the pool may outlive it).
  public func close() {
    // Taken out under the lock, freed after it.
    let kept = state.withLock { state -> State in
      defer { state = State(closed: true) }
      return state
    }
    _ = consume kept
  }

  // The tree that had a list may have shared it with a tree still held (a JSON tree shares its
  // YAML tree's children): emptying it then makes a new list of the same room, as reserving
  // would, and the shared one stays with the tree that holds it.

  /// A YAML tree's lists to read into, emptied (their room kept), or none.
  func takeTree() -> TreeLists? {
    guard var lists = state.withLock({ $0.trees.popLast() }) else { return nil }
    lists.entries.removeAll(keepingCapacity: true)
    lists.scalars.removeAll(keepingCapacity: true)
    lists.texts.removeAll(keepingCapacity: true)
    lists.children.removeAll(keepingCapacity: true)
    return lists
  }

  /// A JSON tree's list of entries, emptied (its room kept), or none.
  func takeJSON() -> [JSONTree.Entry]? {
    guard var entries = state.withLock({ $0.json.popLast() }) else { return nil }
    entries.removeAll(keepingCapacity: true)
    return entries
  }

  /// Keeps a YAML tree's lists for the next source, if the pool is open and has room.
  func give(_ lists: TreeLists) {
    state.withLock { state in
      if !state.closed && state.trees.count < Self.most { state.trees.append(lists) }
    }
  }

  /// Keeps a JSON tree's entries for the next source, if the pool is open and has room.
  func give(_ entries: [JSONTree.Entry]) {
    state.withLock { state in
      if !state.closed && state.json.count < Self.most { state.json.append(entries) }
    }
  }
}
