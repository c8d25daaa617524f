import ArgumentParser
import Foundation
import RosterConfig
import RosterModel
import RosterPlan
import RosterStore

/// Making a plan: desired state from the configuration, current state from the store.
enum Planning {
  static func plan(source: ConfigOptions, stored: StoredState, actor: String) throws -> Plan {
    let (desired, commit, renames) = try source.loadDesired()
    let platform = stored.current.platform ?? "?"
    guard desired.catalog.name == platform else {
      throw CLIError(
        "the configuration's organisation is on platform '\(desired.catalog.name)', but the state's is on "
          + "'\(platform)'; a state keeps its platform")
    }
    let changes = Differ.diff(
      current: stored.current, desired: desired.snapshot, unmanaged: stored.unmanaged, renames: renames)
    let drift = Differ.diff(current: stored.applied, desired: stored.current)
    return Plan(
      lineage: stored.lineage, serial: stored.serial, source: source.label, commit: commit, actor: actor,
      changes: changes, drift: drift, catalogSource: nil)
  }

  static func load(_ store: SQLiteStateStore) throws -> StoredState {
    do {
      return try store.load()
    } catch {
      throw error.cli
    }
  }
}

enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case markdown
  case json
}

struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show what apply would change: the difference between the configuration and the state.",
    discussion: """
      Each change is shown as + create, ~ update (field by field, before → after) or - remove, in
      the order apply makes them, then `Plan: N to add, N to change, N to remove.` Drift lists what
      changed in the state since the last apply other than through git. Objects Roster did not
      create (auto-provisioned users, say) are left alone.

      Exit codes: 0 success; 1 error; with --detailed-exitcode, 0 no changes, 2 changes.

        roster plan --repo . --ref origin/main --path config -out plan.json
        roster plan --config examples/integration-hub --format markdown > comment.md
      """)

  @OptionGroup var source: ConfigOptions
  @OptionGroup var stateOptions: StateOptions
  @Option(help: "Who will apply the plan (default: $ROSTER_ACTOR, else $USER).") var actor: String?
  @Option(
    name: [.customLong("out", withSingleDash: true), .customLong("out")],
    help: ArgumentHelp("Save the plan to FILE for `roster apply FILE`.", valueName: "FILE"))
  var out: String?
  @Option(help: "Output format: text, markdown (for a pull-request comment) or json.") var format: PlanFormat = .text
  @Flag(help: "Exit 2 when there are changes, 0 when there are none.") var detailedExitcode = false

  func run() throws {
    let store = try stateOptions.open()
    let plan = try Planning.plan(source: source, stored: try Planning.load(store), actor: resolveActor(actor))
    if let out {
      do {
        try plan.fileData().write(to: URL(fileURLWithPath: out))
      } catch {
        throw CLIError("cannot write the plan to \(out): \(error.localizedDescription)")
      }
    }
    switch format {
    case .text: Console.out(PlanText.text(plan, colour: Console.colours(standardError: false)))
    case .markdown: Console.out(PlanText.markdown(plan))
    case .json: Console.out(String(decoding: try plan.fileData(), as: UTF8.self))
    }
    if let out, format == .text {
      Console.out("\nSaved the plan to \(out). Apply exactly it with: roster apply \(out)")
    }
    if detailedExitcode && !plan.changes.isEmpty { throw ExitCode(2) }
  }
}
