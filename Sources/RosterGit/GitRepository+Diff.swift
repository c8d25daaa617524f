internal import CGit2

/// A path that differs between two commits.
public struct GitChange: Sendable, Hashable {
  public enum Status: String, Sendable, Hashable {
    case added
    case deleted
    case modified
    case renamed
    case typeChanged = "type-changed"
  }

  public var status: Status
  /// The path after the change (for a deletion, the deleted path).
  public var path: String
  /// For a rename: the path before.
  public var oldPath: String?

  public init(status: Status, path: String, oldPath: String? = nil) {
    self.status = status
    self.path = path
    self.oldPath = oldPath
  }
}

extension GitRepository {
  /// The paths changed between two refs, renames detected, in path order.
  public func changedPaths(from old: String, to new: String) throws(GitError) -> [GitChange] {
    let before = try commit(old)
    let after = try commit(new)
    return try withTree(before, under: nil) { (oldTree: OpaquePointer) throws(GitError) -> [GitChange] in
      try withTree(after, under: nil) { (newTree: OpaquePointer) throws(GitError) -> [GitChange] in
        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, handle, oldTree, newTree, nil), "cannot compare \(old) and \(new)")
        defer { git_diff_free(diff) }
        try check(git_diff_find_similar(diff, nil), "cannot detect renames between \(old) and \(new)")
        var changes: [GitChange] = []
        for index in 0..<git_diff_num_deltas(diff) {
          guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
          let oldPath = delta.old_file.path.map { String(cString: $0) }
          let newPath = delta.new_file.path.map { String(cString: $0) } ?? oldPath ?? ""
          let status: GitChange.Status
          switch delta.status {
          case GIT_DELTA_ADDED: status = .added
          case GIT_DELTA_DELETED: status = .deleted
          case GIT_DELTA_RENAMED: status = .renamed
          case GIT_DELTA_TYPECHANGE: status = .typeChanged
          default: status = .modified
          }
          changes.append(
            GitChange(status: status, path: newPath, oldPath: status == .renamed ? oldPath : nil))
        }
        return changes.sorted { $0.path < $1.path }
      }
    }
  }
}
