/// Every scope of a model numbered in ``AccessModel/allScopes``'s order, so that a scope comes
/// after every scope around it (the organisation is 0), with the number of the scope directly
/// around each. Made once for a model and shared by its copies that changed no tenant: the
/// tables a plan compiles for its safety rules and its access impact (three of them, 5,000
/// scopes each, hashed at 700 instructions a scope) number the same scopes the same, and
/// compare them by number.
public final class ScopeNumbers: Sendable {
  /// The scopes by number.
  public let scopes: [Scope]
  /// The number of the scope directly around each; -1 for the organisation.
  public let parent: [Int32]
  private let index: [Scope: Int32]

  init(_ scopes: [Scope]) {
    self.scopes = scopes
    var index: [Scope: Int32] = [:]
    index.reserveCapacity(scopes.count)
    for scope in scopes { index[scope] = Int32(index.count) }
    self.index = index
    parent = scopes.map { scope in scope.parent.flatMap { index[$0] } ?? -1 }
  }

  /// The number of `scope`; nil for a scope the model does not have.
  public func number(of scope: Scope) -> Int32? { index[scope] }
}
