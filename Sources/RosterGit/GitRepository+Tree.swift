internal import CGit2
import Dispatch
import Foundation

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
  ///
  /// The tree is walked first; the files' contents are then read on every core, each worker
  /// with a handle of its own on the repository (a libgit2 handle serves one thread at a time):
  /// inflating the objects is a tenth of loading a large configuration.
  public func files(
    at commit: GitCommit, under subpath: String? = nil, where wanted: (String) -> Bool
  ) throws(GitError) -> GitTreeListing {
    let prefix = subpath.map(GitRepository.normalised).map { $0.isEmpty ? "" : $0 + "/" } ?? ""
    var (blobs, skipped) = try withTree(commit, under: subpath) {
      (tree: OpaquePointer) throws(GitError) -> ([BlobEntry], [GitSkippedEntry]) in
      var blobs: [BlobEntry] = []
      var skipped: [GitSkippedEntry] = []
      try walk(tree, prefix: prefix, wanted: wanted, blobs: &blobs, skipped: &skipped)
      return (blobs, skipped)
    }
    blobs.sort { $0.path < $1.path }
    skipped.sort { $0.path < $1.path }
    return GitTreeListing(files: try read(blobs), skipped: skipped)
  }

  /// A file found in the tree, not yet read.
  private struct BlobEntry: Sendable {
    var path: String
    var id: git_oid
  }

  private func walk(
    _ tree: OpaquePointer, prefix: String, wanted: (String) -> Bool, blobs: inout [BlobEntry],
    skipped: inout [GitSkippedEntry]
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
        try walk(child, prefix: path + "/", wanted: wanted, blobs: &blobs, skipped: &skipped)
      case GIT_FILEMODE_COMMIT:
        skipped.append(GitSkippedEntry(path: path, reason: .submodule))
      case GIT_FILEMODE_LINK:
        let target = try blob(git_tree_entry_id(entry), path: path).bytes
        skipped.append(
          GitSkippedEntry(path: path, reason: .symlink(target: String(decoding: target, as: UTF8.self))))
      case GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE:
        guard wanted(name), let id = git_tree_entry_id(entry) else { continue }
        blobs.append(BlobEntry(path: path, id: id.pointee))
      default:
        continue
      }
    }
  }

  /// The files' contents, in the entries' order, read on every core: each worker takes the next
  /// entry not yet taken (with fixed shares, the worker sharing its core with the state being
  /// read was still reading for a third of the time after the other had finished), and the
  /// first failure in the entries' order is thrown.
  private func read(_ entries: [BlobEntry]) throws(GitError) -> [GitFile] {
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, entries.count / 8)
    guard workers > 1 else { return try entries.map { (entry) throws(GitError) in try file(entry) } }
    let read = ReadBlobs(entries.count)
    let path = self.path
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      let repository: Result<GitRepository, GitError> = Result { () throws(GitError) in try GitRepository(at: path) }
      while let index = read.take() {
        read.put(
          repository.flatMap { repository in Result { () throws(GitError) in try repository.file(entries[index]) } },
          at: index)
      }
    }
    return try read.files()
  }

  private func file(_ entry: BlobEntry) throws(GitError) -> GitFile {
    var id = entry.id
    let (bytes, binary) = try blob(&id, path: entry.path)
    return GitFile(path: entry.path, bytes: bytes, isBinary: binary)
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

/// Where the workers of ``GitRepository/files(at:under:where:)`` put what they read, each at
/// its entries' places.
private final class ReadBlobs: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [Result<GitFile, GitError>?]
  private var taken = 0

  init(_ count: Int) { slots = Array(repeating: nil, count: count) }

  /// The next entry to read, if any is left.
  func take() -> Int? {
    lock.withLock {
      guard taken < slots.count else { return nil }
      taken += 1
      return taken - 1
    }
  }

  func put(_ result: Result<GitFile, GitError>, at index: Int) {
    lock.withLock { slots[index] = result }
  }

  /// Every file, or the first entry's failure (call once every worker has finished).
  func files() throws(GitError) -> [GitFile] {
    var files: [GitFile] = []
    files.reserveCapacity(slots.count)
    for slot in slots {
      switch slot {
      case .success(let file): files.append(file)
      case .failure(let error): throw error
      case nil: preconditionFailure("a blob was left unread")
      }
    }
    return files
  }
}
