/// Values handed on without copying them. A copy of a binding retains and releases each of its
/// texts and lists, atomically, and a list read on one core is often handed on on another, where
/// each count is a trip between the cores' caches: 100,000 bindings were copied twice on their
/// way from the files to the model.

/// A value handed to work on another thread and back, changed where it is: held by nothing
/// else, its tables and lists are changed in place, not copied. One thread at a time changes it
/// (the one the value was handed to, then the one it was handed back to).
public final class Handoff<Value>: @unchecked Sendable {
  public var value: Value
  public init(_ value: consuming Value) { self.value = value }
}

/// `value`, moved out of where it is, a copy of `placeholder` left in its place.
@inlinable public func moveOut<Value>(_ value: inout Value, leaving placeholder: Value) -> Value {
  var taken = placeholder
  swap(&taken, &value)
  return taken
}

extension Binding {
  /// A binding of no one, left where a binding was moved out of a list (see
  /// ``moveOut(_:leaving:)``).
  @inlinable public static var placeholder: Binding { Binding(principal: .user(""), role: "") }
}
