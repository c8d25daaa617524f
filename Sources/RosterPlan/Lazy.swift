import Synchronization

/// A value made on first use, at most once, whichever thread asks first (another that asks
/// meanwhile waits for it). The current state's model is one: the safety rules and the access
/// impact, which a plan runs at once, need it only for some changes (a plan that adds or renames
/// users never does), and building it for 50,000 users costs as much as reading the state.
public final class Lazy<Value: Sendable>: Sendable {
  private let make: @Sendable () -> Value
  private let made: Mutex<Value?>

  public init(_ make: @escaping @Sendable () -> Value) {
    self.make = make
    made = Mutex(nil)
  }

  public init(value: Value) {
    make = { value }
    made = Mutex(value)
  }

  public var value: Value {
    made.withLock { made in
      if let made { return made }
      let value = make()
      made = value
      return value
    }
  }

  /// Whether the value has been made (for tests that assert it was not needed).
  public var isMade: Bool { made.withLock { $0 != nil } }
}
