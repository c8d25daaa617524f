/// A value made on first use, at most once. The current state's model is one: the safety rules
/// and the access impact need it only for some changes (a plan that adds or renames users never
/// does), and building it for 50,000 users costs as much as reading the state.
public final class Lazy<Value> {
  private let make: () -> Value
  private var made: Value?

  public init(_ make: @escaping () -> Value) { self.make = make }

  public init(value: Value) {
    make = { value }
    made = value
  }

  public var value: Value {
    if let made { return made }
    let value = make()
    made = value
    return value
  }

  /// Whether the value has been made (for tests that assert it was not needed).
  public var isMade: Bool { made != nil }
}
