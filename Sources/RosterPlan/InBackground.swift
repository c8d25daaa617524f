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
