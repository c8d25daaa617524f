internal import CGit2

/// A file read from a commit's tree.
public struct GitFile: Sendable, Hashable {
  /// The path inside the repository (`people/staff.yaml`), with `/` between folders.
  public var path: String
  public var bytes: [UInt8]
  /// True when git considers the content binary (a NUL byte near its start).
  public var isBinary: Bool
}

/// An entry of the tree that was not read, and why.
public struct GitSkippedEntry: Sendable, Hashable {
  public enum Reason: Sendable, Hashable {
    /// A symbolic link; it is never followed, so it cannot lead outside the tree.
    case symlink(target: String)
    /// A submodule: another repository's commit, not part of this one.
    case submodule
  }

  public var path: String
  public var reason: Reason

  public init(path: String, reason: Reason) {
    self.path = path
    self.reason = reason
  }
}

/// What a tree holds: the files read and the entries skipped.
public struct GitTreeListing: Sendable {
  public var files: [GitFile]
  public var skipped: [GitSkippedEntry]
}

extension GitRepository {
  /// Reads the files at a commit whose names `wanted` accepts, below `subpath` (the whole tree
  /// when nil), straight from the object database. Hidden files and folders (`.git…`, `.roster`)
  /// are not read. Symbolic links and submodules are listed as skipped, never followed.
  public func files(
    at commit: GitCommit, under subpath: String? = nil, where wanted: (String) -> Bool
  ) throws(GitError) -> GitTreeListing {
    let prefix = subpath.map(GitRepository.normalised).map { $0.isEmpty ? "" : $0 + "/" } ?? ""
    return try withTree(commit, under: subpath) { (tree: OpaquePointer) throws(GitError) -> GitTreeListing in
      var listing = GitTreeListing(files: [], skipped: [])
      try walk(tree, prefix: prefix, wanted: wanted, into: &listing)
      listing.files.sort { $0.path < $1.path }
      listing.skipped.sort { $0.path < $1.path }
      return listing
    }
  }

  private func walk(
    _ tree: OpaquePointer, prefix: String, wanted: (String) -> Bool, into listing: inout GitTreeListing
  ) throws(GitError) {
    for index in 0..<git_tree_entrycount(tree) {
      guard let entry = git_tree_entry_byindex(tree, index) else { continue }
      let name = String(cString: git_tree_entry_name(entry))
      if name.hasPrefix(".") { continue }
      let path = prefix + name
      let mode = git_tree_entry_filemode(entry)
      switch mode {
      case GIT_FILEMODE_TREE:
        var child: OpaquePointer?
        try check(git_tree_lookup(&child, handle, git_tree_entry_id(entry)), "cannot read folder '\(path)'")
        guard let child else { continue }
        defer { git_tree_free(child) }
        try walk(child, prefix: path + "/", wanted: wanted, into: &listing)
      case GIT_FILEMODE_COMMIT:
        listing.skipped.append(GitSkippedEntry(path: path, reason: .submodule))
      case GIT_FILEMODE_LINK:
        let target = try blob(git_tree_entry_id(entry), path: path).bytes
        listing.skipped.append(
          GitSkippedEntry(path: path, reason: .symlink(target: String(decoding: target, as: UTF8.self))))
      case GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE:
        guard wanted(name) else { continue }
        let (bytes, binary) = try blob(git_tree_entry_id(entry), path: path)
        listing.files.append(GitFile(path: path, bytes: bytes, isBinary: binary))
      default:
        continue
      }
    }
  }

  private func blob(_ id: UnsafePointer<git_oid>?, path: String) throws(GitError) -> (bytes: [UInt8], binary: Bool) {
    var blob: OpaquePointer?
    try check(git_blob_lookup(&blob, handle, id), "cannot read '\(path)'")
    guard let blob else { throw GitError(.libgit2, "cannot read '\(path)'") }
    defer { git_blob_free(blob) }
    let size = Int(git_blob_rawsize(blob))
    let bytes =
      size == 0
      ? [] : [UInt8](UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: size))
    return (bytes, git_blob_is_binary(blob) == 1)
  }
}
