import Foundation

/// Work started on a thread of its own, whose result is waited for where it is needed.
public final class InBackground<Value: Sendable>: @unchecked Sendable {
  // Written once by the thread before it signals, read only after waiting for that signal.
  private var outcome: Result<Value, any Error>?
  private let done = DispatchSemaphore(value: 0)

  public init(_ work: @escaping @Sendable () throws -> Value) {
    let thread = Thread { [self] in
      outcome = Result(catching: work)
      done.signal()
    }
    thread.start()
  }

  /// Waits for the work to finish: its value, or what it threw.
  public func result() throws -> Value {
    done.wait()
    done.signal()
    guard let outcome else { preconditionFailure("the work signalled before it had a result") }
    return try outcome.get()
  }
}

/// `work` for each of `count` parts, numbered from 0, on this thread and another at once, each
/// taking the next part not yet taken: neither waits for the other to start or to catch up (the
/// other gets a core only when one is free). The results in the parts' order.
func inTurns<Value: Sendable>(_ count: Int, _ work: @escaping @Sendable (Int) -> Value) -> [Value] {
  let turns = Turns<Value>(count)
  @Sendable func take() {
    while let part = turns.next() { turns.put(work(part), at: part) }
  }
  let other = count > 1 ? InBackground { take() } : nil
  take()
  try? other?.result()
  return turns.results
}

/// The parts of ``inTurns(_:_:)`` not yet taken, and their results.
private final class Turns<Value: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  // Read and written only under `lock`.
  private var taken = 0
  private var made: [Value?]

  init(_ count: Int) { made = Array(repeating: nil, count: count) }

  func next() -> Int? {
    lock.withLock {
      guard taken < made.count else { return nil }
      taken += 1
      return taken - 1
    }
  }

  func put(_ value: Value, at part: Int) { lock.withLock { made[part] = value } }

  /// Every part's result, once every part is done.
  var results: [Value] { lock.withLock { made.compactMap { $0 } } }
}
