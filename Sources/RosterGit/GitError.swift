internal import CGit2

/// A git operation that failed, with what it was doing and what to do about it.
public struct GitError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure, for callers that react differently to each.
  public enum Kind: Sendable, Hashable {
    /// The path is not a git repository (bare or not).
    case notARepository
    /// The repository belongs to another user and is not listed in `safe.directory`.
    case notOwned
    /// A ref, commit or tag that does not exist.
    case unknownRef
    /// A path that does not exist in the tree, or is not a folder.
    case unknownPath
    /// Anything else libgit2 reported.
    case libgit2
  }

  public var kind: Kind
  public var description: String

  public init(_ kind: Kind, _ description: String) {
    self.kind = kind
    self.description = description
  }

  /// The error libgit2 reported for `code`, read right after the failing call.
  static func last(_ code: Int32, _ doing: String) -> GitError {
    let text = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error \(code)"
    return GitError(.libgit2, "\(doing): \(text)")
  }
}

/// Calls a libgit2 function and turns a negative result into a ``GitError``.
@discardableResult
func check(_ code: Int32, _ doing: @autoclosure () -> String) throws(GitError) -> Int32 {
  if code < 0 { throw GitError.last(code, doing()) }
  return code
}
