import JSONSchema
import Synchronization

/// The lists of trees read and let go, lent to the next file read. A configuration's files are
/// read one after another on each core, and each tree's lists are large blocks, which are mapped
/// on their own and given back to the system when freed (`ProcessLifetime.mapLargeBlocks`):
/// every file took its memory from the system afresh, a page fault for each 4 KiB written, a
/// third of a validate's faults. Lists are kept only while ``YAMLReader/reusingLists(_:)``
/// runs, a few at a time, and let go when it ends.
enum ListPool {
  /// A YAML tree's lists.
  struct TreeLists {
    var entries: [YAMLTree.Entry]
    var scalars: [YAMLScalar]
    var children: [Int32]
  }

  private struct State {
    /// How many `reusingLists` calls are running.
    var users = 0
    var trees: [TreeLists] = []
    var json: [[JSONTree.Entry]] = []
  }

  /// Lists of each kind kept at most: one per core reading, and some in hand.
  private static let most = 4
  private static let state = Mutex(State())

  static func reusing<R>(_ body: () throws -> R) rethrows -> R {
    state.withLock { $0.users += 1 }
    defer {
      // Taken out under the lock, freed after it.
      let freed = state.withLock { state -> State in
        state.users -= 1
        guard state.users == 0 else { return State() }
        defer { state = State() }
        return state
      }
      _ = consume freed
    }
    return try body()
  }

  // The tree that had a list may have shared it with a tree still held (a JSON tree shares its
  // YAML tree's children): emptying it then makes a new list of the same room, as reserving
  // would, and the shared one stays with the tree that holds it.

  /// A YAML tree's lists to read into, emptied (their room kept), or none.
  static func takeTree() -> TreeLists? {
    guard var lists = state.withLock({ $0.trees.popLast() }) else { return nil }
    lists.entries.removeAll(keepingCapacity: true)
    lists.scalars.removeAll(keepingCapacity: true)
    lists.children.removeAll(keepingCapacity: true)
    return lists
  }

  /// A JSON tree's list of entries, emptied (its room kept), or none.
  static func takeJSON() -> [JSONTree.Entry]? {
    guard var entries = state.withLock({ $0.json.popLast() }) else { return nil }
    entries.removeAll(keepingCapacity: true)
    return entries
  }

  /// Keeps a YAML tree's lists for the next file, while lists are reused and there is room.
  static func give(_ lists: TreeLists) {
    state.withLock { state in
      if state.users > 0 && state.trees.count < most { state.trees.append(lists) }
    }
  }

  /// Keeps a JSON tree's entries for the next file, while lists are reused and there is room.
  static func give(_ entries: [JSONTree.Entry]) {
    state.withLock { state in
      if state.users > 0 && state.json.count < most { state.json.append(entries) }
    }
  }
}
