import Foundation

/// A value made on first use, at most once, whichever thread asks first (another that asks
/// meanwhile waits for it). The current state's model is one: the safety rules and the access
/// impact, which a plan runs at once, need it only for some changes (a plan that adds or renames
/// users never does), and building it for 50,000 users costs as much as reading the state.
///
/// The wait sleeps (`NSLock`, a plain futex). Swift's `Mutex` waits on a priority-inheriting
/// futex, whose waiter spins in the kernel for as long as the holder runs: held through the
/// 20 ms of undoing a leavers' plan, that took a core from the impact's work meanwhile.
public final class Lazy<Value: Sendable>: @unchecked Sendable {
  private let make: @Sendable () -> Value
  private let lock = NSLock()
  // Read and written only under `lock`.
  private var made: Value?

  public init(_ make: @escaping @Sendable () -> Value) {
    self.make = make
  }

  public init(value: Value) {
    make = { value }
    made = value
  }

  public var value: Value {
    lock.withLock {
      if let made { return made }
      let value = make()
      made = value
      return value
    }
  }

  /// Whether the value has been made (for tests that assert it was not needed).
  public var isMade: Bool { lock.withLock { made != nil } }
}
