internal import CGit2
import Foundation

/// libgit2 is initialised once per process, before the first repository is opened, by the
/// first thread that asks; another that asks meanwhile sleeps until it is done. (A global
/// `let` would be made under Swift's `once`, whose waiter spins in the kernel for as long as
/// the thread making it runs: a command opening its repository while libgit2 started on another
/// thread took a core from that start and from the schemas' beside it, 4 ms in a validate.)
private final class LibGit2: @unchecked Sendable {
  static let shared = LibGit2()
  private let lock = NSLock()
  // Read and written only under `lock`.
  private var ready: Bool?

  var isReady: Bool {
    lock.withLock {
      if let ready { return ready }
      let started = git_libgit2_init() > 0 && roster_git_skip_hash_verification() == 0
      ready = started
      return started
    }
  }
}

extension GitRepository {
  /// Initialises libgit2 now, on the calling thread; a repository opened meanwhile waits for it.
  /// It is a few milliseconds (libgit2 reads every certificate the system trusts, for HTTPS that
  /// Roster never uses) that a command reading a repository can spend on another core while it
  /// parses its command line.
  public static func prepare() { _ = LibGit2.shared.isReady }
}

/// A git repository, bare or not, read through libgit2 straight from its object database.
///
/// Not `Sendable`: a libgit2 repository handle is confined to the task that opened it.
public final class GitRepository {
  /// The path the repository was opened at.
  public let path: String
  /// True for a bare repository (no work tree).
  public let isBare: Bool
  let handle: OpaquePointer

  /// Opens the repository at `path` (its work tree or, for a bare repository, its folder).
  /// - Throws: ``GitError`` with kind `.notARepository` or `.notOwned` (with how to fix it).
  public init(at path: String) throws(GitError) {
    precondition(LibGit2.shared.isReady, "libgit2 could not be initialised")
    var repo: OpaquePointer?
    let flags = GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
    let code = git_repository_open_ext(&repo, path, flags, nil)
    // libgit2 1.5 reports a repository owned by another user as a missing 'safe.directory'
    // setting (GIT_ENOTFOUND); later versions say GIT_EOWNER.
    let reported = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? ""
    if code == GIT_EOWNER.rawValue || (code == GIT_ENOTFOUND.rawValue && reported.contains("safe.directory")) {
      throw GitError(
        .notOwned,
        "\(path) belongs to another user, so git does not trust it (libgit2 asks for a 'safe.directory' "
          + "entry). If you trust it, run: git config --global --add safe.directory \(path)")
    }
    if code == GIT_ENOTFOUND.rawValue {
      throw GitError(.notARepository, "\(path) is not a git repository (neither a work tree nor a bare repository)")
    }
    try check(code, "cannot open the repository at \(path)")
    guard let repo else { throw GitError(.libgit2, "cannot open the repository at \(path)") }
    self.path = path
    self.handle = repo
    self.isBare = git_repository_is_bare(repo) == 1
  }

  deinit { git_repository_free(handle) }

  /// Resolves a ref, commit or tag (`main`, `HEAD~1`, a full or short SHA, an annotated tag) to its commit.
  public func commit(_ ref: String) throws(GitError) -> GitCommit {
    var object: OpaquePointer?
    let code = git_revparse_single(&object, handle, ref)
    if code == GIT_ENOTFOUND.rawValue || code == GIT_EAMBIGUOUS.rawValue || code == GIT_EINVALIDSPEC.rawValue {
      let why = code == GIT_EAMBIGUOUS.rawValue ? "is ambiguous" : "is not a branch, tag or commit"
      throw GitError(.unknownRef, "'\(ref)' \(why) in \(path)")
    }
    try check(code, "cannot resolve '\(ref)' in \(path)")
    defer { git_object_free(object) }
    var peeled: OpaquePointer?
    let peel = git_object_peel(&peeled, object, GIT_OBJECT_COMMIT)
    if peel < 0 { throw GitError(.unknownRef, "'\(ref)' does not name a commit in \(path)") }
    defer { git_object_free(peeled) }
    return GitCommit(peeled)
  }

  /// Looks a commit up by its full id; used after ``commit(_:)`` resolved it.
  func withCommit<T>(_ commit: GitCommit, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
    var oid = git_oid()
    try check(git_oid_fromstr(&oid, commit.id), "bad commit id \(commit.id)")
    var pointer: OpaquePointer?
    try check(git_commit_lookup(&pointer, handle, &oid), "cannot read commit \(commit.id)")
    guard let pointer else { throw GitError(.libgit2, "cannot read commit \(commit.id)") }
    defer { git_commit_free(pointer) }
    return try body(pointer)
  }

  /// The root tree of a commit, or the folder `subpath` inside it.
  func withTree<T>(
    _ commit: GitCommit, under subpath: String?, _ body: (OpaquePointer) throws(GitError) -> T
  ) throws(GitError) -> T {
    try withCommit(commit) { (pointer: OpaquePointer) throws(GitError) -> T in
      var root: OpaquePointer?
      try check(git_commit_tree(&root, pointer), "cannot read the tree of commit \(commit.id)")
      guard let root else { throw GitError(.libgit2, "cannot read the tree of commit \(commit.id)") }
      defer { git_tree_free(root) }
      let folder = subpath.map(GitRepository.normalised) ?? ""
      if folder.isEmpty { return try body(root) }
      var entry: OpaquePointer?
      if git_tree_entry_bypath(&entry, root, folder) < 0 {
        throw GitError(.unknownPath, "there is no folder '\(folder)' at commit \(commit.shortID)")
      }
      defer { git_tree_entry_free(entry) }
      guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else {
        throw GitError(.unknownPath, "'\(folder)' is a file at commit \(commit.shortID), not a folder")
      }
      var tree: OpaquePointer?
      try check(git_tree_lookup(&tree, handle, git_tree_entry_id(entry)), "cannot read folder '\(folder)'")
      guard let tree else { throw GitError(.libgit2, "cannot read folder '\(folder)'") }
      defer { git_tree_free(tree) }
      return try body(tree)
    }
  }

  /// `a/./b/` → `a/b`: the form tree paths take.
  static func normalised(_ path: String) -> String {
    path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
  }
}

/// A commit: its id and metadata.
public struct GitCommit: Sendable, Hashable {
  /// The full 40-hex-digit id.
  public var id: String
  public var authorName: String
  public var authorEmail: String
  /// Seconds since 1970 (the author's time).
  public var time: Int64
  /// The whole message.
  public var message: String

  /// The first 12 digits of the id, as people quote it.
  public var shortID: String { String(id.prefix(12)) }
  /// The message's first line.
  public var summary: String { String(message.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }

  init(_ commit: OpaquePointer?) {
    id = String(cString: git_oid_tostr_s(git_commit_id(commit)))
    let author = git_commit_author(commit)
    authorName = author?.pointee.name.map { String(cString: $0) } ?? ""
    authorEmail = author?.pointee.email.map { String(cString: $0) } ?? ""
    time = author?.pointee.when.time ?? 0
    message = git_commit_message(commit).map { String(cString: $0) } ?? ""
  }
}
