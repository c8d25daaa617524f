import ArgumentParser
import Foundation
import RosterConfig
import RosterModel
import RosterStore

/// Where the current state is kept.
struct StateOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The state file (default: $ROSTER_STATE, else .roster/state.sqlite, outside the files Roster reads). "
        + "check, explain and who-can answer from it when it is given and no --config or --repo is.",
      valueName: "PATH"))
  var state: String?

  /// The path in use: --state, then ROSTER_STATE, then the default.
  var path: String {
    if let state { return state }
    if let env = ProcessInfo.processInfo.environment["ROSTER_STATE"], !env.isEmpty { return env }
    return ".roster/state.sqlite"
  }

  /// True when the state was named (by --state or ROSTER_STATE).
  var isGiven: Bool { state != nil || ProcessInfo.processInfo.environment["ROSTER_STATE"].map { !$0.isEmpty } == true }

  /// Opens a state that exists; never creates one (only `roster init` does).
  func openExisting() throws -> SQLiteStateStore {
    guard FileManager.default.fileExists(atPath: path) else {
      throw CLIError("there is no state at \(path): run `roster init` first (or give --state or ROSTER_STATE)")
    }
    return try open()
  }

  /// Opens the state, creating the file when missing (for `roster init`).
  func open() throws -> SQLiteStateStore {
    do {
      return try SQLiteStateStore(path: path)
    } catch {
      throw CLIError(error.description)
    }
  }

  /// The stored state and the model it makes (its invariants checked again).
  func loadModel() throws -> (model: AccessModel, stored: StoredState, store: SQLiteStateStore) {
    let store = try openExisting()
    let stored: StoredState
    do {
      stored = try store.load()
    } catch {
      throw error.cli
    }
    let catalog = try StateOptions.catalog(for: stored)
    do {
      return (try AccessModel(snapshot: stored.current, catalog: catalog), stored, store)
    } catch {
      throw CLIError("the state at \(path) does not make a valid organisation: \(error)")
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
