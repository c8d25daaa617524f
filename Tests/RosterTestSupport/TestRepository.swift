import Foundation

/// A real git repository built in a temporary folder with the `git` command, for tests.
public struct TestRepository: Sendable {
  public let folder: TemporaryFolder
  public var path: String { folder.path }

  /// A new repository with `main` as its first branch and no commits.
  public init(bare: Bool = false) throws {
    folder = try TemporaryFolder("roster-repo")
    try git(["init", "-q", "-b", "main"] + (bare ? ["--bare"] : []))
  }

  /// Runs git in the repository with a fixed author and time, so ids are repeatable.
  @discardableResult
  public func git(_ arguments: [String]) throws -> String {
    let result = try run(
      "/usr/bin/git", ["-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com"] + arguments,
      in: folder.url,
      environment: [
        "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": folder.path,
      ])
    guard result.status == 0 else {
      throw TestFailure("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
    }
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Writes files (path → text; nil deletes), commits them all and returns the new commit's id.
  @discardableResult
  public func commit(_ files: [String: String?], message: String) throws -> String {
    for (relative, text) in files {
      let url = folder.url.appending(path: relative)
      if let text {
        try FileManager.default.createDirectory(
          at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
      } else {
        try FileManager.default.removeItem(at: url)
      }
    }
    try git(["add", "-A"])
    try git(["commit", "-q", "--allow-empty", "-m", message])
    return try git(["rev-parse", "HEAD"])
  }

  /// Copies a folder of the package (an example) into the repository at `destination`.
  public func copy(_ source: URL, to destination: String) throws {
    let target = folder.url.appending(path: destination)
    try FileManager.default.createDirectory(
      at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: source, to: target)
  }
}

/// A failure in a test's own set-up.
public struct TestFailure: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
