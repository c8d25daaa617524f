import Foundation
import RosterGit
import RosterTestSupport
import Testing

private func yaml(_ name: String) -> Bool { name.hasSuffix(".yaml") || name.hasSuffix(".yml") }

@Suite("git repositories read through libgit2")
struct GitRepositoryTests {
  @Test("refs resolve: a branch, HEAD~1, a full and a short id, annotated and lightweight tags")
  func refs() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    let first = try repo.commit(["a.yaml": "one: 1\n"], message: "First commit\n\nWith a body.")
    let second = try repo.commit(["a.yaml": "one: 2\n"], message: "Second")
    try repo.git(["tag", "-a", "v1", "-m", "release one", first])
    try repo.git(["tag", "light", second])
    let git = try GitRepository(at: repo.path)
    #expect(!git.isBare)
    #expect(try git.commit("main").id == second)
    #expect(try git.commit("HEAD").id == second)
    #expect(try git.commit("HEAD~1").id == first)
    #expect(try git.commit(first).id == first)
    #expect(try git.commit(String(first.prefix(8))).id == first)
    #expect(try git.commit("v1").id == first, "an annotated tag peels to its commit")
    #expect(try git.commit("light").id == second)
    let commit = try git.commit("v1")
    #expect(commit.authorName == "Ada Lovelace")
    #expect(commit.authorEmail == "ada@example.com")
    #expect(commit.summary == "First commit")
    #expect(commit.message.contains("With a body."))
    #expect(commit.time == 1_767_323_045)
  }

  @Test("the tree at each ref is read from the object database, with no checkout")
  func treesAtTwoRefs() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    try repo.commit(
      ["config/org.yaml": "name: A\n", "config/people/team.yml": "x: 1\n", "README.md": "# hi\n"], message: "one")
    try repo.commit(["config/people/team.yml": nil, "config/org.yaml": "name: B\n"], message: "two")
    // Change the work tree without committing: the reader must not see it.
    try Data("name: C\n".utf8).write(to: repo.folder.url.appending(path: "config/org.yaml"))
    let git = try GitRepository(at: repo.path)
    let old = try git.files(at: git.commit("HEAD~1"), where: yaml)
    #expect(old.files.map(\.path) == ["config/org.yaml", "config/people/team.yml"])
    let new = try git.files(at: git.commit("HEAD"), under: "config", where: yaml)
    #expect(new.files.map(\.path) == ["config/org.yaml"], "the deleted file is gone at the newer ref")
    #expect(String(decoding: new.files[0].bytes, as: UTF8.self) == "name: B\n")
  }

  @Test("many files: each read whole and in path order; a missing object names the first file it stops")
  func manyFiles() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    // Enough files for the contents to be read by several workers; sizes differ so that the
    // workers finish out of order.
    var files: [String: String?] = [:]
    for i in 0..<60 {
      files["config/f\(String(i + 100)).yaml"] = "n: \(i)\n" + String(repeating: "# padding\n", count: (i * 37) % 500)
    }
    try repo.commit(files, message: "many")
    let git = try GitRepository(at: repo.path)
    let listing = try git.files(at: git.commit("HEAD"), under: "config", where: yaml)
    #expect(listing.files.map(\.path) == files.keys.sorted())
    for file in listing.files {
      #expect(String(decoding: file.bytes, as: UTF8.self) == files[file.path]!!, "\(file.path)")
    }

    // Two blobs removed from the object database: the earlier path is the one reported.
    for path in ["config/f150.yaml", "config/f121.yaml"] {
      let id = try repo.git(["rev-parse", "HEAD:" + path]).trimmingCharacters(in: .whitespacesAndNewlines)
      try FileManager.default.removeItem(atPath: "\(repo.path)/.git/objects/\(id.prefix(2))/\(id.dropFirst(2))")
    }
    let missing = #expect(throws: GitError.self) { try git.files(at: git.commit("HEAD"), under: "config", where: yaml) }
    #expect(missing?.description.contains("cannot read 'config/f121.yaml'") == true, "\(String(describing: missing))")
  }

  @Test("a bare repository reads the same")
  func bare() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    try repo.commit(["org.yaml": "name: A\n"], message: "one")
    let bare = try TemporaryFolder("roster-bare")
    defer { bare.remove() }
    try repo.git(["clone", "-q", "--bare", repo.path, bare.path + "/r.git"])
    let git = try GitRepository(at: bare.path + "/r.git")
    #expect(git.isBare)
    #expect(try git.files(at: git.commit("main"), where: yaml).files.map(\.path) == ["org.yaml"])
  }

  @Test("paths changed between two refs: added, deleted, modified, renamed")
  func changedPaths() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    let long = (1...20).map { "line \($0)" }.joined(separator: "\n")
    try repo.commit(["keep.yaml": "a: 1\n", "gone.yaml": "b: 1\n", "old.yaml": long], message: "one")
    try repo.commit(
      ["keep.yaml": "a: 2\n", "gone.yaml": nil, "old.yaml": nil, "new.yaml": long, "added.yaml": "c: 1\n"],
      message: "two")
    let changes = try GitRepository(at: repo.path).changedPaths(from: "HEAD~1", to: "HEAD")
    #expect(
      changes == [
        GitChange(status: .added, path: "added.yaml"),
        GitChange(status: .deleted, path: "gone.yaml"),
        GitChange(status: .modified, path: "keep.yaml"),
        GitChange(status: .renamed, path: "new.yaml", oldPath: "old.yaml"),
      ])
  }

  @Test("symbolic links and submodules are listed as skipped, never followed; binary files are flagged")
  func linksSubmodulesBinary() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    try repo.commit(["org.yaml": "name: A\n"], message: "one")
    let sha = try repo.git(["rev-parse", "HEAD"])
    try FileManager.default.createSymbolicLink(
      atPath: repo.path + "/escape.yaml", withDestinationPath: "/etc/passwd")
    try Data([0x61, 0x00, 0x62]).write(to: repo.folder.url.appending(path: "blob.yaml"))
    try repo.git(["update-index", "--add", "--cacheinfo", "160000,\(sha),vendor"])
    // Not `commit`, whose `add -A` would drop the submodule entry (it has no work-tree folder).
    try repo.git(["add", "escape.yaml", "blob.yaml"])
    try repo.git(["commit", "-q", "-m", "two"])
    let git = try GitRepository(at: repo.path)
    let listing = try git.files(at: git.commit("HEAD"), where: yaml)
    #expect(
      listing.skipped == [
        GitSkippedEntry(path: "escape.yaml", reason: .symlink(target: "/etc/passwd")),
        GitSkippedEntry(path: "vendor", reason: .submodule),
      ])
    #expect(listing.files.map(\.path) == ["blob.yaml", "org.yaml"])
    #expect(listing.files.map(\.isBinary) == [true, false])
  }

  @Test("clear errors: not a repository, unknown ref, unknown folder, a file for a folder")
  func errors() throws {
    let plain = try TemporaryFolder()
    defer { plain.remove() }
    let notRepo = #expect(throws: GitError.self) { try GitRepository(at: plain.path) }
    #expect(notRepo?.kind == .notARepository)
    #expect(notRepo?.description.contains("is not a git repository") == true)

    let repo = try TestRepository()
    defer { repo.folder.remove() }
    try repo.commit(["org.yaml": "name: A\n"], message: "one")
    let git = try GitRepository(at: repo.path)
    let ref = #expect(throws: GitError.self) { try git.commit("no-such-branch") }
    #expect(ref?.kind == .unknownRef)
    #expect(ref?.description.contains("'no-such-branch' is not a branch, tag or commit") == true)
    let commit = try git.commit("HEAD")
    let folder = #expect(throws: GitError.self) { try git.files(at: commit, under: "config", where: yaml) }
    #expect(folder?.description.contains("there is no folder 'config'") == true)
    let file = #expect(throws: GitError.self) { try git.files(at: commit, under: "org.yaml", where: yaml) }
    #expect(file?.description.contains("is a file") == true)
  }

  @Test(
    "a repository owned by another user: says what it means and how to fix it",
    .enabled(if: getuid() == 0, "changing a folder's owner needs root"))
  func notOwned() throws {
    let repo = try TestRepository()
    defer { repo.folder.remove() }
    try repo.commit(["org.yaml": "name: A\n"], message: "one")
    try run("/bin/chown", ["-R", "4242:4242", repo.path])
    let error = #expect(throws: GitError.self) { try GitRepository(at: repo.path) }
    #expect(error?.kind == .notOwned)
    #expect(error?.description.contains("git config --global --add safe.directory \(repo.path)") == true)
  }
}
