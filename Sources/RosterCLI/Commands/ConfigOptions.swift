import ArgumentParser
import RosterConfig
import RosterModel

/// Where the desired state comes from: a directory, or a commit of a git repository.
struct ConfigOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The configuration directory (every *.yaml and *.yml below it; default: the current directory).",
      valueName: "DIR"))
  var config: String?

  @Option(
    help: ArgumentHelp(
      "A git repository (bare or not) to read the configuration from, without a checkout.", valueName: "PATH"))
  var repo: String?

  @Option(help: ArgumentHelp("With --repo: the branch, tag or commit to read (default: HEAD).", valueName: "REF"))
  var ref: String?

  @Option(
    help: ArgumentHelp(
      "With --repo: the folder of the repository that holds the configuration.", valueName: "SUBDIR"))
  var path: String?

  func validate() throws {
    if repo != nil, config != nil {
      throw ValidationError("give either --config or --repo, not both")
    }
    if repo == nil, ref != nil || path != nil {
      throw ValidationError("--ref and --path read from a git repository: give --repo too")
    }
  }

  /// What the configuration is called in messages.
  var label: String {
    if let repo { return "\(repo) at \(ref ?? "HEAD")" + (path.map { " (\($0))" } ?? "") }
    return config ?? "."
  }

  /// Reads and validates the configuration; prints the diagnostics and fails when it has errors.
  func loadModel() throws -> AccessModel {
    let (loaded, _) = try loadWithCommit()
    printDiagnostics(loaded.diagnostics, toStandardError: true)
    guard let model = loaded.model else {
      let count = loaded.diagnostics.filter { $0.severity == .error }.count
      throw CLIError("the configuration in \(label) has \(count) error\(count == 1 ? "" : "s"); nothing was answered")
    }
    return model
  }

  /// True when neither --config nor --repo was given.
  var isDefault: Bool { config == nil && repo == nil }

  func load() throws -> LoadedConfig { try loadWithCommit().config }

  /// The configuration, and the commit it was read at when it came from git.
  func loadWithCommit() throws -> (config: LoadedConfig, commit: String?) {
    if let repo {
      return try GitConfigSource.load(repo: repo, ref: ref ?? "HEAD", path: path)
    }
    let files: [ConfigFile]
    let symlinks: [String]
    do {
      (files, symlinks) = try ConfigDirectory.listing(config ?? ".")
    } catch {
      throw CLIError(error.description)
    }
    var loaded = ConfigLoader.load(consume files)
    for link in symlinks {
      loaded.diagnostics.append(
        Diagnostic(
          .warning, .fileSkipped, "'\(link)' is a symbolic link; links are not followed, so it was not read",
          at: SourceLocation(file: link, line: 1, column: 1), hint: "put the configuration itself in this folder"))
    }
    loaded.diagnostics = loaded.diagnostics.sortedByLocation()
    return (loaded, nil)
  }

  /// The desired model and its commit; prints the diagnostics, fails on an error.
  func loadDesired() throws -> (model: AccessModel, commit: String?, loaded: LoadedConfig) {
    let (loaded, commit) = try loadWithCommit()
    printDiagnostics(loaded.diagnostics, toStandardError: true)
    guard let model = loaded.model else {
      let count = loaded.diagnostics.filter { $0.severity == .error }.count
      throw CLIError("the configuration in \(label) has \(count) error\(count == 1 ? "" : "s"); nothing was planned")
    }
    return (model, commit, loaded)
  }
}

/// Output formats shared by the question commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case json
}

/// An error that ends a command with a message and exit code 1 (never a stack trace).
struct CLIError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// The question every access command asks: who, what, where, on whose resource.
struct QuestionOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Who asks: an email, group:NAME, robot:NAME, app:NAME, or operator.", valueName: "ID"))
  var principal: String

  @Option(help: ArgumentHelp("The permission's id, or its exact title from the seed.", valueName: "ID-OR-TITLE"))
  var permission: String

  @Option(
    help: ArgumentHelp(
      "Where: organization, tenant/NAME, tenant/NAME/service/NAME, …/folder/NAME.", valueName: "SCOPE"))
  var scope: String = "organization"

  @Option(
    help: ArgumentHelp(
      "Who created the resource (for 'own' permissions), or the account acted on (for 'self' ones).",
      valueName: "ID"))
  var owner: String?

  func question(in model: AccessModel) throws -> AccessQuestion {
    let principal = try resolvePrincipal(self.principal, in: model)
    let permission = try resolvePermission(self.permission, in: model.catalog)
    let scope = try resolveScope(self.scope, in: model)
    let owner = try owner.map { try resolvePrincipal($0, in: model) }
    return AccessQuestion(principal: principal, permission: permission.id, scope: scope, owner: owner)
  }
}

func resolvePrincipal(_ text: String, in model: AccessModel) throws -> PrincipalID {
  do {
    return try PrincipalReference.resolve(text, in: model)
  } catch {
    throw CLIError(error.description)
  }
}

func resolvePermission(_ text: String, in catalog: PlatformCatalog) throws -> Permission {
  switch catalog.findPermission(text) {
  case .found(let permission):
    return permission
  case .ambiguous(let matches):
    let list = matches.map { "  \($0.id): \($0.title)" }.joined(separator: "\n")
    throw CLIError("'\(text)' matches \(matches.count) permissions of \(catalog.name); name one by id:\n\(list)")
  case .notFound(let suggestion):
    var message = "unknown permission '\(text)' in platform \(catalog.name)"
    if let suggestion { message += " (did you mean '\(suggestion)'?)" }
    throw CLIError(message + "; `roster catalog show \(catalog.name)` lists them")
  }
}

func resolveScope(_ text: String, in model: AccessModel) throws -> Scope {
  do {
    let scope = try Scope(parsing: text)
    try model.checkScope(scope)
    return scope
  } catch let error as ScopeSyntaxError {
    throw CLIError(error.description)
  } catch {
    throw CLIError("\(error)")
  }
}
