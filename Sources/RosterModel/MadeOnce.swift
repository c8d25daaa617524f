import Synchronization

/// A value made the first time it is asked for, by whichever thread asks first (another waits
/// for it): what a model derives from its tables, kept beside them and shared by the model's
/// copies until a change makes the model drop it for a new one.
final class MadeOnce<Value: Sendable>: Sendable {
  private let made = Mutex<Value?>(nil)

  func value(_ make: () -> Value) -> Value {
    made.withLock { made in
      if let made { return made }
      let value = make()
      made = value
      return value
    }
  }
}
