import ArgumentParser
import Foundation
import RosterConfig
import RosterModel
import RosterPlan
import RosterStore

struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Apply a saved plan, or plan and apply after asking.",
    discussion: """
      `roster apply FILE` applies exactly the saved plan: it refuses a plan whose state has changed \
      since (lineage or serial), and one that was edited (digest). It takes the state lock, writes \
      every change in one transaction through the core model (its invariants hold or nothing is \
      written), appends to the audit log and bumps the serial.

      Under the state lock, the safety rules are checked again on the state as it is then, before \
      anything is written (all but RST109, whose AccessTest documents are in the configuration, \
      not the plan); `apply --config` checks them again unless the state is exactly the one it \
      planned from and its plan leads to exactly the configuration's state.

      `roster apply --config DIR` (or --repo) plans, shows the plan and asks for `yes` on a \
      terminal; --auto-approve skips the question, for automation.

        roster plan --config examples/integration-hub \\
          --actor ada@northwind.example --confirm-sign-in-change -out plan.json
        roster apply plan.json
        roster apply --repo . --ref HEAD --path examples/integration-hub \\
          --actor ada@northwind.example --confirm-sign-in-change --auto-approve
      """)

  @Argument(help: ArgumentHelp("A plan saved with `roster plan -out FILE`.", valueName: "FILE"))
  var planFile: String?
  @OptionGroup var source: ConfigOptions
  @OptionGroup var stateOptions: StateOptions
  @Option(help: "Who applies (default: $ROSTER_ACTOR, else $USER); a saved plan names its own.") var actor: String?
  @Flag(help: "Apply without asking (for automation).") var autoApprove = false
  @Option(help: ArgumentHelp("Seconds to wait for another apply to release the state lock.", valueName: "SECONDS"))
  var lockTimeout: Double = 0
  @OptionGroup var overrides: OverrideOptions
  @Option(help: "With --config/--repo: the access impact shown, summary, full or none.")
  var impact: ImpactMode = .summary

  func validate() throws {
    if planFile != nil && !source.isDefault {
      throw ValidationError("give a plan file or a configuration (--config/--repo), not both")
    }
    if planFile != nil && (actor != nil || !overrides.list.isEmpty) {
      throw ValidationError(
        "a saved plan names its actor and overrides; --actor and the override flags go with `roster plan`")
    }
  }

  func run() throws {
    let store = try stateOptions.openExisting()
    let plan: Plan
    var planned: StoredState?
    if let planFile {
      let data: Data
      do {
        data = try Data(contentsOf: URL(fileURLWithPath: planFile))
      } catch {
        throw CLIError("cannot read the plan \(planFile): \(error.localizedDescription)")
      }
      do {
        plan = try Plan.read(data)
      } catch {
        throw CLIError("\(planFile): \(error)")
      }
      guard plan.isIntact else {
        throw CLIError(
          "\(planFile) was changed after it was made (its digest does not match its content); nothing was applied. "
            + "Make a new plan with `roster plan -out FILE`.")
      }
    } else {
      let made = try Planning.plan(
        source: source, store: store, actor: resolveActor(actor), overrides: overrides.list,
        impact: impact, textColour: Console.colours(standardError: false))
      (plan, planned) = (made.plan, made.checkedOn)
      PlanText.print(plan, impact: impact, changeLines: made.changeLines)
      if plan.changes.isEmpty { return }
      if !plan.blocking.isEmpty { throw Applying.refusal(plan.blocking) }
      if !autoApprove {
        guard isatty(STDIN_FILENO) == 1 else {
          throw CLIError(
            "apply needs confirmation: there is no terminal to ask on. Save a plan with `roster plan -out FILE` "
              + "and apply it with `roster apply FILE`, or pass --auto-approve")
        }
        Console.out("\nApply these changes to \(store.location)? Only 'yes' is accepted: ", terminator: false)
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
          throw CLIError("not applied: the answer was not 'yes'")
        }
      }
    }
    if plan.changes.isEmpty {
      // Nothing to write, but a plan for another state or an older serial is still refused.
      let stored = try Planning.load(store)
      guard stored.lineage == plan.lineage, stored.serial == plan.serial else {
        throw CLIError(
          "the plan is stale: it was made for lineage \(plan.lineage) at serial \(plan.serial), but the state is "
            + "lineage \(stored.lineage) at serial \(stored.serial). Nothing was applied.")
      }
      Console.out("No changes to apply; the state is left as it is.")
      return
    }
    let serial = try Applying.apply(plan, to: store, lockTimeout: lockTimeout, planned: planned)
    let c = plan.counts
    Console.out(
      "Apply complete! \(c.add) added, \(c.change) changed, \(c.remove) removed. State serial is now \(serial).")
  }
}

/// Applying a plan: the lock, the checks, one transaction, the audit entry.
enum Applying {
  static func refusal(_ blocking: [SafetyFinding]) -> CLIError {
    CLIError(
      "not applied: \(blocking.count) safety finding\(blocking.count == 1 ? " refuses" : "s refuse") the plan "
        + "(\(Set(blocking.map(\.rule)).sorted().joined(separator: ", ")))")
  }

  /// Writes `plan` to `store` under the state lock, after checking it again on the state read
  /// under the lock.
  /// - Parameter planned: the state `plan` was made and fully checked on in this process (`apply
  ///   --config`, when the plan leads to the configuration's model): if the state read under
  ///   the lock is exactly it, the plan is not checked again.
  static func apply(_ plan: Plan, to store: any StateStore, lockTimeout: Double, planned: StoredState? = nil)
    throws -> Int
  {
    let holder =
      "\(plan.actor) (pid \(ProcessInfo.processInfo.processIdentifier) on \(ProcessInfo.processInfo.hostName))"
    let lock: LockInfo
    do {
      lock = try store.lock(holder: holder, operation: "apply", timeout: lockTimeout)
    } catch {
      throw error.cli
    }
    defer { try? store.unlock(lock.id) }
    let before = try check(plan, on: store, planned: planned)
    // The changes are written into the record's text when the store writes it.
    let audit = AuditRecordSource(
      AuditRecord(
        actor: plan.actor, time: auditTime(), operation: "apply", source: plan.source, commit: plan.commit,
        planDigest: plan.digest, changes: "", overrides: plan.overrides)
    ) { piece in Plan.writeCanonicalText(plan.changes, to: piece) }
    ProcessLifetime.releaseFreed()
    do {
      return try store.apply(
        PlanWrites(plan.changes, before: before), lineage: plan.lineage, serial: plan.serial, audit: audit)
    } catch {
      throw error.cli
    }
  }

  /// Reads the state under the lock and checks `plan` on it as if it were new: made for this
  /// state at its serial, applicable change by change, leading to a valid organisation, refused
  /// by no safety rule (unless it is exactly `planned`, the state the plan was made and checked
  /// on). Returns the state before the plan.
  private static func check(_ plan: Plan, on store: any StateStore, planned: StoredState?) throws -> StateSnapshot {
    let stored = try Planning.load(store)
    guard stored.lineage == plan.lineage else {
      throw CLIError(
        "the plan was made for another state (lineage \(plan.lineage)); \(store.location) is lineage \(stored.lineage). "
          + "Nothing was applied.")
    }
    guard stored.serial == plan.serial else {
      throw CLIError(
        "the plan is stale: it was made at serial \(plan.serial), but the state is now at serial \(stored.serial). "
          + "Nothing was applied; run `roster plan` again.")
    }
    // Nothing changed since the plan was made in this process, leading to the configuration's
    // model (invariants checked by the loader, safety rules run on it). A change made outside
    // Roster does not move the serial, and is checked for here.
    if let planned, planned.catalogSource == stored.catalogSource, planned.applied == stored.applied,
      planned.current == stored.current
    {
      return planned.current
    }
    // A plan changes each object once (the writes are made from the state before it).
    var touched = [Set<String>](repeating: [], count: ObjectKind.allCases.count)
    for change in plan.changes {
      for key in [change.key, change.action == .rename ? change.from : nil].compactMap(\.self)
      where !touched[change.kind.order].insert(key).inserted {
        throw CLIError(
          "the plan changes \(change.kind.rawValue) \(key) twice, which no plan Roster makes does: it was edited. "
            + "Nothing was applied. Make a new plan with `roster plan -out FILE`.")
      }
    }
    let catalog = try StateOptions.catalog(for: stored)
    let next: StateSnapshot
    do {
      next = try stored.current.applying(plan.changes)
    } catch {
      throw CLIError("the plan does not fit the state: \(error). Nothing was applied.")
    }
    // The core model checks every invariant of the state the plan leads to.
    let result: AccessModel
    do {
      result = try AccessModel(snapshot: next, catalog: catalog)
    } catch {
      throw CLIError("the plan would leave an invalid organisation: \(error). Nothing was applied.")
    }
    // The safety rules again, on the state as it is now, with the overrides the plan records.
    let findings = Safety.check(
      plan.changes, current: stored.current, catalog: catalog, actor: plan.actor, overrides: Set(plan.overrides),
      result: result)
    let blocking = findings.filter(\.blocks)
    if !blocking.isEmpty {
      Console.err(blocking.map(\.description).joined(separator: "\n"))
      throw refusal(blocking)
    }
    // The model is left for the process's end to reclaim; the state after the plan is freed
    // (the writes are made from the state before it).
    ProcessLifetime.keep(result)
    return stored.current
  }
}

/// A plan's writes, each made from its change and the state before the plan as the store asks
/// for it: a first apply writes 235,000 objects, which are never all held at once. A rename is
/// two writes, its old row removed, then its new one written.
struct PlanWrites: RandomAccessCollection {
  private let changes: [Change]
  private let before: StateSnapshot
  /// For each write, the position of its change, or `-1 - position` for a rename's removal of
  /// its old row (nil when no change is a rename: write `i` is change `i`).
  private let order: [Int]?

  init(_ changes: [Change], before: StateSnapshot) {
    self.changes = changes
    self.before = before
    let renames = changes.count { $0.action == .rename && $0.from != nil }
    guard renames > 0 else {
      order = nil
      return
    }
    var order: [Int] = []
    order.reserveCapacity(changes.count + renames)
    for (position, change) in changes.enumerated() {
      if change.action == .rename && change.from != nil { order.append(-1 - position) }
      order.append(position)
    }
    self.order = order
  }

  var startIndex: Int { 0 }
  var endIndex: Int { order?.count ?? changes.count }

  subscript(index: Int) -> StoredChange {
    let position = order?[index] ?? index
    if position < 0 {
      let change = changes[-1 - position]
      return StoredChange(change.kind, key: change.from ?? "", object: nil, exists: true)
    }
    let change = changes[position]
    return StoredChange(
      change.kind, key: change.key, object: before.object(after: change),
      exists: [.update, .delete, .adopt].contains(change.action))
  }
}
