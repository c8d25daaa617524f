import ArgumentParser
import Foundation
import RosterConfig
import RosterModel
import RosterPlan
import RosterStore

/// Making a plan: desired state from the configuration, current state from the store.
enum Planning {
  /// The plan, and the state it was made from when the plan leads to the configuration's model
  /// (which the loader checked and the safety rules ran on): then an apply that finds the state
  /// unchanged under the lock need not check the plan again.
  /// - Parameter lastStep: the command ends after this plan: what it built is left for the
  ///   process's end to reclaim rather than freed object by object.
  /// - Parameter sealed: the plan's digest is made (see ``Plan``): false for a plan only shown.
  /// - Parameter textColour: the plan will be shown as text, coloured or not: its changes' lines
  ///   are written beside the access impact, once the safety rules are done (returned as
  ///   `changeLines`; nil for more than ``linesAhead`` changes).
  static func plan(
    source: ConfigOptions, store: any StateStore, actor: String, overrides: [String], impact: ImpactMode = .summary,
    lastStep: Bool = false, sealed: Bool = true, textColour: Bool? = nil
  ) throws -> (plan: Plan, checkedOn: StoredState?, changeLines: [String]?) {
    // The state is read on another thread while the configuration is loaded: building the
    // desired model takes one core, and reading the state the other.
    let reading = InBackground { try load(store) }
    let desired: AccessModel
    let commit: String?
    let loaded: LoadedConfig
    do {
      (desired, commit, loaded) = try source.loadDesired()
    } catch {
      _ = try? reading.result()
      throw error
    }
    let stored = try reading.result()
    ProcessLifetime.releaseFreed()
    let platform = stored.current.platform ?? "?"
    guard desired.catalog.name == platform else {
      throw CLIError(
        "the configuration's organisation is on platform '\(desired.catalog.name)', but the state's is on "
          + "'\(platform)'; a state keeps its platform")
    }
    // The desired state is made a kind at a time from the model and compared as it is made;
    // relations are compared key by key as they are written.
    let (changes, desiredCounts) = Differ.diff(
      current: stored.current, desired: { desired.snapshotTable($0) },
      relationKeys: { desired.forEachRelationKey($0, part: $1, $2) }, unmanaged: stored.unmanaged,
      renames: loaded.renames,
      applied: stored.applied)
    let drift = Differ.drift(current: stored.current, applied: stored.applied)
    let catalog = try StateOptions.catalog(for: stored)
    // The state after the plan is usually exactly the desired one, whose model is built already.
    let result =
      !changes.isEmpty && Differ.leadsToDesired(changes, current: stored.current, desiredCounts: desiredCounts)
      ? desired : nil
    // The current state's model, made at most once, and only if the safety rules or the access
    // impact need it: the desired one with the plan's changes undone when that is the cheaper way
    // (and the state keeps no catalog of its own, so both use the one shipped), else built from
    // the state.
    let before = Lazy<AccessModel?> {
      AccessModel.before(
        changes, state: stored.current, catalog: catalog, after: stored.catalogSource == nil ? result : nil)
    }
    // The safety rules and the access impact on two cores at once: both only read, and the
    // current state's model they may share is made by the first to ask. The rules usually end
    // first (in a plan that takes 500 users away, after 21 of the impact's 37 ms): their core
    // then writes the changes' lines of a plan shown as text.
    let ((findings, changeLines), entries) = concurrently(
      {
        let findings =
          Safety.check(
            changes, current: stored.current, catalog: catalog, actor: actor, overrides: Set(overrides),
            model: before, result: result) + guardrails(loaded.accessTests, changes: changes, desired: desired)
        let lines = textColour.flatMap { colour in
          changes.count <= linesAhead ? PlanText.changeLines(changes, colour: colour) : nil
        }
        return (findings, lines)
      },
      { impact == .none || changes.isEmpty ? [] : Impact.compute(changes: changes, before: before, after: desired) })
    if lastStep { ProcessLifetime.keep(desired, loaded, stored, before, result as Any) }
    let plan = Plan(
      lineage: stored.lineage, serial: stored.serial, source: source.label, commit: commit, actor: actor,
      changes: changes, drift: drift, catalogSource: nil, findings: findings, overrides: overrides,
      impact: entries, sealed: sealed)
    if lastStep { ProcessLifetime.keep(plan) }
    return (plan, result == nil ? nil : stored, changeLines)
  }

  /// The most changes whose lines are written ahead (and held): a first plan's 235,000 are
  /// written as they are printed.
  static let linesAhead = 20_000

  /// The AccessTest documents' guardrails (mustNotGrant) that the state a plan leads to breaks.
  static func guardrails(_ tests: [AccessTestDocument], changes: [Change], desired: AccessModel) -> [SafetyFinding] {
    guard !changes.isEmpty else { return [] }
    var findings: [SafetyFinding] = []
    for test in tests {
      for guardrail in test.mustNotGrant {
        let violators = AccessTestRunner.violations(guardrail, model: desired)
        guard !violators.isEmpty else { continue }
        findings.append(
          SafetyFinding(
            .guardrail,
            "after this plan, \(violators.map(\.description).joined(separator: ", ")) would hold "
              + "'\(guardrail.permission)' in \(guardrail.scope), which AccessTest '\(test.name)' reserves to "
              + Self.exceptions(guardrail),
            hint: "change the plan, or the guardrail in \(test.file)"))
      }
    }
    return findings
  }

  /// `group Ops, ada@acme.example`, or `nobody`.
  static func exceptions(_ guardrail: AccessTestDocument.Guardrail) -> String {
    let names = guardrail.exceptGroups.map { "group \($0)" } + guardrail.exceptPrincipals
    return names.isEmpty ? "nobody" : names.joined(separator: ", ")
  }

  static func load(_ store: any StateStore) throws -> StoredState {
    do {
      return try store.load()
    } catch {
      throw error.cli
    }
  }
}

/// The flags that allow a safety rule's errors; written into the plan and the audit log.
struct OverrideOptions: ParsableArguments {
  @Flag(help: "Allow removing more than safety.maxRemovalRatio of the users, memberships or bindings (RST106).")
  var allowMassRemoval = false
  @Flag(help: "Allow a change to how people sign in: login mode, provider, 2FA (RST107).")
  var confirmSignInChange = false

  var list: [String] {
    (allowMassRemoval ? [Safety.allowMassRemoval] : []) + (confirmSignInChange ? [Safety.confirmSignInChange] : [])
  }
}

/// How much access impact a plan shows.
enum ImpactMode: String, ExpressibleByArgument, CaseIterable {
  /// Grouped, with the first few accounts and permissions of each group.
  case summary
  /// Every account and every permission.
  case full
  /// Not computed.
  case none
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
      Each change is shown as + create, ~ update (field by field, before → after) or - remove, in \
      the order apply makes them, then `Plan: N to add, N to change, N to remove.` Drift lists what \
      changed in the state since the last apply other than through git. Objects Roster did not \
      create (auto-provisioned users, say) are left alone unless the Organization lists their kind \
      in fullyManaged; one the configuration states as it is, is adopted.

      Safety rules (roster rules, RST101-RST109) refuse a plan that would lock the organisation out, \
      remove the last administrator, change the actor's own roles, grant beyond the actor's rights, \
      remove too much at once (--allow-mass-removal), change sign-in (--confirm-sign-in-change) \
      or break an AccessTest's mustNotGrant guardrail.

      Exit codes: 0 success; 1 error or refused; 64 a wrong command line; with --detailed-exitcode, \
      0 no changes, 2 changes.

        roster plan --repo . --ref HEAD --path examples/integration-hub \\
          --actor ada@northwind.example --confirm-sign-in-change -out plan.json
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
  @OptionGroup var overrides: OverrideOptions
  @Option(help: "Access impact: summary (grouped), full (every account and permission), or none.")
  var impact: ImpactMode = .summary

  func run() throws {
    let store = try stateOptions.openExisting()
    let colour = format == .text ? Console.colours(standardError: false) : nil
    // Shown only, as text or Markdown, the plan needs no digest.
    let (plan, _, changeLines) = try Planning.plan(
      source: source, store: store, actor: resolveActor(actor), overrides: overrides.list,
      impact: impact, lastStep: true, sealed: out != nil || format == .json, textColour: colour)
    if !plan.blocking.isEmpty {
      if format == .json { Console.outPieces(plan.writeFile) }
      if format == .text {
        PlanText.print(plan, impact: impact, changeLines: changeLines)
      }
      if format == .markdown { Console.out(PlanText.markdown(plan, mode: impact)) }
      throw CLIError(
        "the plan is refused by \(plan.blocking.count) safety finding\(plan.blocking.count == 1 ? "" : "s") "
          + "(\(Set(plan.blocking.map(\.rule)).sorted().joined(separator: ", "))); nothing was saved")
    }
    if let out { try Self.save(plan, to: out) }
    switch format {
    case .text:
      PlanText.print(plan, impact: impact, changeLines: changeLines)
    case .markdown: Console.out(PlanText.markdown(plan, mode: impact))
    case .json: Console.outPieces(plan.writeFile)
    }
    if let out, format == .text {
      Console.out("\nSaved the plan to \(out). Apply exactly it with: roster apply \(out)")
    }
    if detailedExitcode && !plan.changes.isEmpty { throw ExitCode(2) }
  }

  /// Writes the plan file as its text is made; a file left half-written is removed.
  static func save(_ plan: Plan, to path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else {
      throw CLIError("cannot write the plan to \(path): \(String(cString: strerror(errno)))")
    }
    let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    var failure: (any Error)?
    plan.writeFile { piece in
      guard failure == nil else { return }
      do { try file.write(contentsOf: Data(piece)) } catch { failure = error }
    }
    do { try file.close() } catch { failure = failure ?? error }
    if let failure {
      try? FileManager.default.removeItem(atPath: path)
      throw CLIError("cannot write the plan to \(path): \(failure.localizedDescription)")
    }
  }
}
