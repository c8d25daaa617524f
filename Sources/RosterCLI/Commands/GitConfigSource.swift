import RosterConfig
import RosterGit

/// Reads a configuration from a commit of a git repository, straight from its objects.
enum GitConfigSource {
  /// Loads the YAML files at `ref` (below `path`): binary files are errors, symbolic links and
  /// submodules are reported and never followed.
  static func load(repo: String, ref: String, path: String?) throws -> (config: LoadedConfig, commit: String) {
    let listing: GitTreeListing
    let commit: GitCommit
    do {
      let repository = try GitRepository(at: repo)
      commit = try repository.commit(ref)
      listing = try repository.files(at: commit, under: path) { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
    } catch {
      throw CLIError(error.description)
    }
    var extra: [Diagnostic] = []
    for file in listing.files where file.isBinary {
      extra.append(
        Diagnostic(
          .error, .fileRead, "'\(file.path)' is a binary file, not YAML text",
          at: SourceLocation(file: file.path, line: 1, column: 1)))
    }
    for entry in listing.skipped {
      let message: String
      switch entry.reason {
      case .symlink(let target):
        message = "'\(entry.path)' is a symbolic link (to '\(target)'); links are not followed, so it was not read"
      case .submodule:
        message = "'\(entry.path)' is a submodule; another repository's files are not read"
      }
      extra.append(
        Diagnostic(
          .warning, .fileSkipped, message, at: SourceLocation(file: entry.path, line: 1, column: 1),
          hint: "put the configuration itself in this repository"))
    }
    let fileCount = listing.files.count
    let text = listing.files.filter { !$0.isBinary }.map { ConfigFile(path: $0.path, bytes: $0.bytes) }
    // The files' bytes go as soon as the loader has read them.
    _ = consume listing
    var loaded = ConfigLoader.load(consume text)
    loaded.fileCount = fileCount
    if !extra.isEmpty {
      loaded.diagnostics = (loaded.diagnostics + extra).sortedByLocation()
      if extra.hasErrors { loaded.model = nil }
    }
    return (loaded, commit.id)
  }
}
