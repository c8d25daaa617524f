#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value made the first time it is asked for, by whichever thread asks first (another waits
/// for it): what a model derives from its tables, kept beside them and shared by the model's
/// copies until a change makes the model drop it for a new one.
///
/// The wait sleeps (a plain pthread mutex, a futex). Swift's `Mutex` waits on a
/// priority-inheriting futex, whose waiter spins in the kernel while the holder runs: a plan's
/// access impact, waiting so for the members' hashes the safety rules were making, took the
/// core they were made on for a millisecond and a half.
final class MadeOnce<Value: Sendable>: @unchecked Sendable {
  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  // Read and written only under `lock`.
  private var made: Value?

  init() {
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
  }

  deinit {
    pthread_mutex_destroy(lock)
    lock.deallocate()
  }

  func value(_ make: () -> Value) -> Value {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    if let made { return made }
    let value = make()
    made = value
    return value
  }
}
