import Dispatch

extension Array where Element: Sendable {
  /// `map` with its elements transformed on every core at once (through Dispatch), the results
  /// in the elements' order. For work that depends on each element alone.
  public func parallelMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
    parallelMap(taking: nil, transform)
  }

  /// The elements transformed on every core, taken in `order` (their indices; nil: as they
  /// are), the results in the elements' order.
  private func parallelMap<Result: Sendable>(
    taking order: [Int]?, _ transform: @Sendable (Element) -> Result
  ) -> [Result] {
    guard count > 1 else { return map(transform) }
    let order = UnsafeSendable(order)
    let slots = Slots<Result>(count)
    withUnsafeBufferPointer { elements in
      let elements = UnsafeSendable(elements)
      DispatchQueue.concurrentPerform(iterations: count) { turn in
        let index = order.value?[turn] ?? turn
        slots.put(transform(elements.value[index]), at: index)
      }
    }
    return slots.results()
  }

  /// ``parallelMap(_:)`` with the elements taken heaviest first, by `weights` (one for each
  /// element, in their order): a core that took a light one then takes the next, and the last
  /// to finish is a light one, not a heavy one started late (the same results, in the
  /// elements' order).
  public func parallelMap<Result: Sendable>(
    heaviestFirst weights: [Int], _ transform: @Sendable (Element) -> Result
  ) -> [Result] {
    precondition(weights.count == count, "a weight for each element")
    return parallelMap(taking: indices.sorted { weights[$0] > weights[$1] }, transform)
  }
}

/// Where the workers of ``Swift/Array/parallelMap(_:)`` put their results: each writes only
/// its own index, and the results are read after every worker has finished.
private final class Slots<Result>: @unchecked Sendable {
  private let base: UnsafeMutablePointer<Result>
  private let count: Int

  init(_ count: Int) {
    self.count = count
    base = .allocate(capacity: count)
  }

  func put(_ result: Result, at index: Int) { (base + index).initialize(to: result) }

  /// The results, moved out (call once, when every slot is filled).
  func results() -> [Result] {
    Array(unsafeUninitializedCapacity: count) { buffer, initialized in
      guard let target = buffer.baseAddress else { return }
      target.moveInitialize(from: base, count: count)
      initialized = count
    }
  }

  deinit { base.deallocate() }
}

/// A buffer of `Sendable` elements read (never written) by several workers at once.
private struct UnsafeSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// Runs `first` and `second` at once, on two cores when there are two, and returns both
/// results once both have finished. When no other worker is free (it is called from one of two
/// already at work), the calling thread runs both, `first` first: put first what does not wait.
public func concurrently<First: Sendable, Second: Sendable>(
  _ first: @Sendable () -> First, _ second: @Sendable () -> Second
) -> (First, Second) {
  let results = Pair<First, Second>()
  DispatchQueue.concurrentPerform(iterations: 2) { index in
    if index == 0 { results.first = first() } else { results.second = second() }
  }
  guard let one = results.first, let two = results.second else { preconditionFailure("both have run") }
  return (one, two)
}

/// Where ``concurrently(_:_:)`` puts its two results: each worker writes only its own, and
/// both are read after both have finished.
private final class Pair<First, Second>: @unchecked Sendable {
  var first: First?
  var second: Second?
}

/// One of `count` shares of a list, for work split over cores: share `index` covers the elements
/// from the `count × index / count`th (each share within one of the same size).
public struct Part: Sendable, Hashable {
  public let index: Int
  public let count: Int

  public init(_ index: Int, of count: Int) {
    precondition(count > 0 && index >= 0 && index < count, "share \(index) of \(count)")
    self.index = index
    self.count = count
  }

  /// The whole list.
  public static let whole = Part(0, of: 1)

  /// The indices of `collection` this share covers, in order.
  public func indices<C: Collection>(of collection: C) -> C.Indices.SubSequence {
    let (lower, upper) = (collection.count * index / count, collection.count * (index + 1) / count)
    let start = collection.index(collection.startIndex, offsetBy: lower)
    return collection.indices[start..<collection.index(start, offsetBy: upper - lower)]
  }
}
