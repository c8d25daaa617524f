#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys as UTF-8 bytes, one after another in a single buffer, found through an open-addressed
/// index of their positions: the keys of a state snapshot's table, of a model's users (by
/// email) and bindings (by principal), and what each of 100,000 members and bindings is looked
/// up in (the users, the roles, the scopes parsed, a pattern's answers).
///
/// A state of 235,000 objects held each key as a string of its own in a dictionary: an
/// allocation of some 100 bytes a key, and a hash and a string made for every key read from
/// the store or written from the model. Here a key costs its bytes and 20–28 bytes beside them
/// (where its bytes are, and its hash: 12; its slot in an index a quarter to half full: 8–16),
/// and it can be found from bytes written into a reused buffer, with no string made. Keys keep
/// the order they were added in (a removed one leaves a hole), so walking the positions is
/// deterministic. Keys are hashed eight bytes at a time with a seed drawn for each process
/// (Swift's own hasher, SipHash, was a third of adding a key and of finding one); should a key's
/// search for its slot pass `longestSearch` slots as it is added (keys made to collide), the
/// index hashes every key again with Swift's hasher, seeded per process too, from then on.
package struct KeyIndex: Sendable {
  /// Every key's bytes, in the order the keys were added (a removed key's stay).
  private var bytes: [UInt8] = []
  private var entries: [Entry] = []
  /// Open addressing with linear probing: 0 is empty, `removedSlot` a removed key, any other
  /// value a position + 1. At most half the slots are used (removed ones included).
  private var slots: [UInt32] = []
  /// How many keys are present.
  package private(set) var count = 0
  /// How many slots are not empty (present and removed keys).
  private var used = 0
  /// Whether keys are hashed with Swift's hasher (see above).
  package private(set) var hashesStrongly = false
  /// The keys from this position on were appended by ``append(_:)`` and are not in the slots
  /// yet: nothing is looked up until ``indexAppended()`` has put them there.
  private var indexedEnd = 0
  package static let longestSearch = 64

  private struct Entry: Sendable {
    var start: UInt32
    /// `removed` when the key was removed.
    var length: UInt32
    var hash: UInt32
  }

  package init() {}

  private static let removed = UInt32.max
  private static let removedSlot = UInt32.max

  /// How long the keys are in all (removed ones included), in bytes.
  package var byteCount: Int { bytes.count }

  /// The first position after the last one (positions of removed keys included).
  package var endPosition: Int { entries.count }

  /// Whether the key at `position` is present (not removed).
  package func isPresent(_ position: Int) -> Bool { entries[position].length != Self.removed }

  /// Makes room for `count` more keys of about `bytes` bytes in all.
  package mutating func reserve(_ count: Int, bytes length: Int) {
    entries.reserveCapacity(entries.count + count)
    bytes.reserveCapacity(bytes.count + length)
    if (used + count) * 2 > slots.count { rehash(minimumKeys: used + count) }
  }

  /// The key at `position`, as bytes valid only during `body`.
  package func withKey<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    let entry = entries[position]
    return try bytes.withUnsafeBufferPointer { all in
      try body(UnsafeBufferPointer(rebasing: all[Int(entry.start)..<Int(entry.start) + Int(entry.length)]))
    }
  }

  /// The key at `position`, as a string.
  package func key(at position: Int) -> String { withKey(at: position) { String(decoding: $0, as: UTF8.self) } }

  /// The positions of the present keys, in the keys' byte order (which for UTF-8 is the order
  /// of their characters' code points).
  package func positionsInKeyOrder() -> [Int] {
    var positions = (0..<entries.count).filter(isPresent)
    bytes.withUnsafeBufferPointer { all in
      guard let base = all.baseAddress else { return }
      entries.withUnsafeBufferPointer { entries in
        positions.sort { a, b in
          let (x, y) = (entries[a], entries[b])
          let order = memcmp(base + Int(x.start), base + Int(y.start), Int(min(x.length, y.length)))
          return order != 0 ? order < 0 : x.length < y.length
        }
      }
    }
    return positions
  }

  /// The position of a key, if present.
  package func position(of key: UnsafeBufferPointer<UInt8>) -> Int? {
    precondition(indexedEnd == entries.count, "keys appended and not indexed")
    guard count > 0 else { return nil }
    let hash = hash(key)
    return bytes.withUnsafeBufferPointer { all in
      find(key, hash: hash, in: all).position
    }
  }

  /// The position of a key, added if it was not present.
  package mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> (position: Int, inserted: Bool) {
    precondition(indexedEnd == entries.count, "keys appended and not indexed")
    if (used + 1) * 2 > slots.count { rehash(minimumKeys: count + 1) }
    let (found, slot, hash) = place(key, hash: hash(key))
    if let found { return (found, false) }
    let position = entries.count
    add(key, hash: hash)
    occupy(slot, by: position)
    indexedEnd = entries.count
    return (position, true)
  }

  /// Adds a key after the others without looking for it first, for keys read many at once (a
  /// store's rows): ``indexAppended()`` puts them in the slots afterwards, in one pass whose
  /// searches do not wait on each other. Inserted one by one, each key's search for its slot
  /// waited on memory (the slots of 100,000 keys are larger than the caches), between rows
  /// read from the store: a third of reading a state.
  package mutating func append(_ key: UnsafeBufferPointer<UInt8>) { add(key, hash: hash(key)) }

  /// Puts the keys appended since the last call into the slots, in the order they came. A key
  /// that was present already, or appended twice, is not added again: it is left out as a
  /// removed one, and returned with the position of the key it repeats.
  package mutating func indexAppended() -> [(repeated: Int, of: Int)] {
    guard indexedEnd < entries.count else { return [] }
    if (used + entries.count - indexedEnd) * 2 > slots.count { rehash(minimumKeys: count + entries.count - indexedEnd) }
    var repeats: [(repeated: Int, of: Int)] = []
    let all = bytes
    all.withUnsafeBufferPointer { all in
      while indexedEnd < entries.count {
        let position = indexedEnd
        let entry = entries[position]
        let key = UnsafeBufferPointer(rebasing: all[Int(entry.start)..<Int(entry.start) + Int(entry.length)])
        let (found, slot, _) = place(key, hash: entry.hash)
        indexedEnd += 1
        if let found {
          entries[position].length = Self.removed
          repeats.append((position, found))
        } else {
          occupy(slot, by: position)
        }
      }
    }
    return repeats
  }

  /// Where `key` is, or the slot it would go in, and its hash: should its search pass
  /// `longestSearch` slots (keys made to collide), every key is hashed with Swift's hasher from
  /// then on, and the key searched for again.
  private mutating func place(_ key: UnsafeBufferPointer<UInt8>, hash: UInt32) -> (
    found: Int?, slot: Int, hash: UInt32
  ) {
    var hash = hash
    var (found, slot, searched) = bytes.withUnsafeBufferPointer { find(key, hash: hash, in: $0) }
    if found == nil, searched > Self.longestSearch, !hashesStrongly {
      hashStrongly()
      hash = self.hash(key)
      (found, slot, searched) = bytes.withUnsafeBufferPointer { find(key, hash: hash, in: $0) }
    }
    return (found, slot, hash)
  }

  /// A key's bytes and entry, after the others.
  private mutating func add(_ key: UnsafeBufferPointer<UInt8>, hash: UInt32) {
    precondition(
      bytes.count + key.count < Int(UInt32.max) && entries.count < Int(Self.removedSlot) - 1,
      "a snapshot's table holds less than 4 GB of keys")
    entries.append(Entry(start: UInt32(bytes.count), length: UInt32(key.count), hash: hash))
    bytes.append(contentsOf: key)
  }

  /// Puts the key at `position` in `slot`.
  private mutating func occupy(_ slot: Int, by position: Int) {
    if slots[slot] == 0 { used += 1 }
    slots[slot] = UInt32(position + 1)
    count += 1
  }

  /// Removes the key at `position` (its position stays, as a hole).
  package mutating func remove(at position: Int) {
    precondition(indexedEnd == entries.count, "keys appended and not indexed")
    guard isPresent(position) else { return }
    let mask = slots.count - 1
    var slot = Int(entries[position].hash) & mask
    while slots[slot] != UInt32(position + 1) { slot = (slot + 1) & mask }
    slots[slot] = Self.removedSlot
    entries[position].length = Self.removed
    count -= 1
  }

  /// Where `key` is, or the slot it would go in (the first removed slot met on its way, else
  /// the empty one that ended the search); and how many slots it looked at past the first, to
  /// tell keys made to collide.
  private func find(_ key: UnsafeBufferPointer<UInt8>, hash: UInt32, in all: UnsafeBufferPointer<UInt8>) -> (
    position: Int?, slot: Int, searched: Int
  ) {
    let mask = slots.count - 1
    var slot = Int(hash) & mask
    var free: Int?
    var searched = 0
    while true {
      let value = slots[slot]
      if value == 0 { return (nil, free ?? slot, searched) }
      if value == Self.removedSlot {
        if free == nil { free = slot }
      } else {
        let entry = entries[Int(value) - 1]
        if entry.hash == hash, Int(entry.length) == key.count, Self.equal(all, at: Int(entry.start), key) {
          return (Int(value) - 1, slot, searched)
        }
      }
      slot = (slot + 1) & mask
      searched += 1
    }
  }

  /// Whether the bytes of `all` from `start` begin with `key`.
  private static func equal(_ all: UnsafeBufferPointer<UInt8>, at start: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool
  {
    guard let a = all.baseAddress, let b = key.baseAddress else { return key.isEmpty }
    return memcmp(a + start, b, key.count) == 0
  }

  /// Rebuilds the slots for at least `minimumKeys` keys, dropping removed ones' slots.
  private mutating func rehash(minimumKeys: Int) {
    var size = 16
    while size < minimumKeys * 2 { size *= 2 }
    slots = [UInt32](repeating: 0, count: size)
    used = 0
    let mask = size - 1
    for (position, entry) in entries[..<indexedEnd].enumerated() where entry.length != Self.removed {
      var slot = Int(entry.hash) & mask
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = UInt32(position + 1)
      used += 1
    }
  }

  /// Hashes every key again with Swift's hasher, for good (with room for the key being added),
  /// those appended and not yet indexed too.
  private mutating func hashStrongly() {
    hashesStrongly = true
    let all = bytes
    all.withUnsafeBufferPointer { all in
      for i in entries.indices where entries[i].length != Self.removed {
        let (start, length) = (Int(entries[i].start), Int(entries[i].length))
        entries[i].hash = Self.strongHash(UnsafeBufferPointer(rebasing: all[start..<start + length]))
      }
    }
    rehash(minimumKeys: count + 1 + entries.count - indexedEnd)
  }

  private func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
    hashesStrongly ? Self.strongHash(key) : Self.quickHash(key)
  }

  private static func strongHash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var hasher = Hasher()
    hasher.combine(bytes: UnsafeRawBufferPointer(key))
    return UInt32(truncatingIfNeeded: hasher.finalize())
  }

  @inline(__always)
  private static func fold(_ value: UInt64) -> UInt64 {
    let (high, low) = value.multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
    return high ^ low
  }

  /// Drawn once for each process, so that which keys collide differs from one run to the next.
  private static let seed = UInt64.random(in: .min ... .max)

  /// The bytes eight at a time (the last eight read whole, overlapping the word before them),
  /// each word folded into the state by a full multiply (its high and low halves joined), then
  /// the state's bits mixed (MurmurHash3's finaliser). The length is in the seed's word.
  package static func quickHash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var state = seed ^ UInt64(key.count)
    if let base = key.baseAddress {
      let (raw, count) = (UnsafeRawPointer(base), key.count)
      if count >= 8 {
        var offset = 0
        while offset + 8 < count {
          state = fold(state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
          offset += 8
        }
        state = fold(state ^ raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
      } else if count > 0 {
        var word: UInt64 = 0
        for i in 0..<count { word |= UInt64(base[i]) << (8 * UInt64(i)) }
        state = fold(state ^ word)
      }
    }
    state ^= state >> 33
    state &*= 0xFF51_AFD7_ED55_8CCD
    state ^= state >> 33
    state &*= 0xC4CE_B9FE_1A85_EC53
    state ^= state >> 33
    return UInt32(truncatingIfNeeded: state)
  }
}
