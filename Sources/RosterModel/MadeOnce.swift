import Foundation

/// A value made the first time it is asked for, by whichever thread asks first (another waits
/// for it): what a model derives from its tables, kept beside them and shared by the model's
/// copies until a change makes the model drop it for a new one.
///
/// The wait sleeps (`NSLock`, a plain futex, as RosterPlan's `Lazy` waits). Swift's `Mutex`
/// waits on a priority-inheriting futex, whose waiter spins in the kernel while the holder
/// runs: a plan's access impact, waiting so for the members' hashes the safety rules were
/// making, took the core they were made on for a millisecond and a half.
final class MadeOnce<Value: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  // Read and written only under `lock`.
  private var made: Value?

  func value(_ make: () -> Value) -> Value {
    lock.withLock {
      if let made { return made }
      let value = make()
      made = value
      return value
    }
  }
}
