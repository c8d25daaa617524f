import ArgumentParser
import Foundation
import RosterConfig
import RosterModel
import RosterStore

/// Where the current state is kept.
struct StateOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Where the state is: a SQLite file (PATH or sqlite:PATH) or a PostgreSQL database "
        + "(postgres://USER@HOST:PORT/DB). Default: $ROSTER_STATE, else .roster/state.sqlite, outside the files "
        + "Roster reads. check, explain and who-can answer from it when it is given and no --config or --repo is.",
      valueName: "LOCATION"))
  var state: String?

  /// The location in use: --state, then ROSTER_STATE, then the default.
  var path: String {
    if let state { return state }
    if let env = ProcessInfo.processInfo.environment["ROSTER_STATE"], !env.isEmpty { return env }
    return ".roster/state.sqlite"
  }

  /// True when the state was named (by --state or ROSTER_STATE).
  var isGiven: Bool { state != nil || ProcessInfo.processInfo.environment["ROSTER_STATE"].map { !$0.isEmpty } == true }

  /// Opens a state that exists; never creates one (only `roster init` does).
  func openExisting() throws -> any StateStore {
    try Self.openExisting(path)
  }

  /// Opens the state, creating the file or the tables when missing (for `roster init`).
  func open() throws -> any StateStore {
    try Self.open(path)
  }

  static func openExisting(_ location: String) throws -> any StateStore {
    if !PostgresLocation.matches(location), !FileManager.default.fileExists(atPath: sqlitePath(location)) {
      throw CLIError("there is no state at \(location): run `roster init` first (or give --state or ROSTER_STATE)")
    }
    return try open(location)
  }

  static func open(_ location: String) throws -> any StateStore {
    do {
      return try openStateStore(location)
    } catch {
      throw error.cli
    }
  }

  /// The stored state and the model it makes (its invariants checked again).
  func loadModel() throws -> (model: AccessModel, stored: StoredState, store: any StateStore) {
    let store = try openExisting()
    let stored: StoredState
    do {
      stored = try store.load()
    } catch {
      throw error.cli
    }
    let catalog = try StateOptions.catalog(for: stored)
    do {
      let model = try AccessModel(snapshot: stored.current, catalog: catalog)
      // The commands that read the state end with it: it is reclaimed with the process.
      ProcessLifetime.keep(model, stored)
      return (model, stored, store)
    } catch {
      throw CLIError("the state at \(store.location) does not make a valid organisation: \(error)")
    }
  }

  /// The platform catalog a stored state uses: its own copy, or a shipped one.
  static func catalog(for stored: StoredState) throws -> PlatformCatalog {
    let platform = stored.current.platform ?? "?"
    if let text = stored.catalogSource {
      let (catalog, diagnostics) = BuiltinCatalogs.decode(text, path: "state catalog")
      guard let catalog else {
        throw CLIError(
          "the state's platform catalog is not valid: \(diagnostics.map(\.description).joined(separator: "; "))")
      }
      return catalog
    }
    guard let catalog = BuiltinCatalogs.catalog(platform) else {
      throw CLIError("the state's organisation is on platform '\(platform)', which this Roster does not ship")
    }
    return catalog
  }
}

/// The actor a command acts as: --actor, else ROSTER_ACTOR, else the login name.
func resolveActor(_ given: String?) -> String {
  if let given, !given.isEmpty { return given }
  let env = ProcessInfo.processInfo.environment
  return env["ROSTER_ACTOR"].flatMap { $0.isEmpty ? nil : $0 } ?? env["USER"] ?? NSUserName()
}

/// Now, in ISO 8601 UTC, for audit entries.
func auditTime() -> String { ISO8601DateFormatter().string(from: Date()) }

extension StoreError {
  /// Store errors reach the user as their message and exit code 1.
  var cli: CLIError { CLIError(description) }
}
