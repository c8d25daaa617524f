import RosterModel
import RosterPlan

/// A plan as people read it: in a terminal, and in a pull-request comment.
enum PlanText {
  /// The access impact, one group of accounts a line, then the permissions (`full`: all of them).
  static func impactLines(_ plan: Plan, colour: Bool, mode: ImpactMode) -> [String] {
    guard !plan.impact.isEmpty, mode != .none else { return [] }
    let full = mode == .full
    // Only what is shown is quoted (a leavers' plan lists 2,000 entries of a dozen permissions
    // and more, five shown of each).
    // Each line is one string written from its pieces' bytes (joined and added piece by piece,
    // 2,000 entries' lines took 36 million instructions after the plan was made, and appended
    // one by one to a string reserved first, 26 million).
    func list(_ lead: String, _ items: [String], _ limit: Int, quoted: Bool = false) -> String {
      let shown = full ? items[...] : items.prefix(limit)
      var pieces = [lead]
      pieces.reserveCapacity(1 + 4 * shown.count)
      for (i, item) in shown.enumerated() {
        if i > 0 { pieces.append(", ") }
        if quoted { pieces += ["'", item, "'"] } else { pieces.append(item) }
      }
      if shown.count < items.count { pieces.append(" and \(items.count - shown.count) more") }
      return .joining(pieces)
    }
    var out = ["Access impact (who gains and loses what, and why):"]
    out.reserveCapacity(1 + plan.impact.count * 3)
    for entry in plan.impact {
      let who = entry.principals.count == 1 ? entry.principals[0] : "\(entry.principals.count) accounts"
      let gain = entry.gained.isEmpty ? "" : Style.green.apply("gain \(entry.gained.count)", colour)
      let lose = entry.lost.isEmpty ? "" : Style.red.apply("lose \(entry.lost.count)", colour)
      out.append(
        String.joining([
          "  ", who, " ", gain, gain.isEmpty || lose.isEmpty ? "" : " and ", lose, " at ", entry.scope, ", through ",
          entry.cause,
        ]))
      if entry.principals.count > 1 { out.append(list("      accounts: ", entry.principals, 3)) }
      if !entry.gained.isEmpty { out.append(list("      + ", entry.gained, 5, quoted: true)) }
      if !entry.lost.isEmpty { out.append(list("      - ", entry.lost, 5, quoted: true)) }
    }
    return out + [""]
  }

  static func symbol(_ action: Change.Action) -> String {
    switch action {
    case .create: return "+"
    case .update, .rename, .adopt: return "~"
    case .delete: return "-"
    }
  }

  static func style(_ action: Change.Action) -> Style {
    switch action {
    case .create: return .green
    case .update, .rename, .adopt: return .yellow
    case .delete: return .red
    }
  }

  /// The lines of one change: its address, then its fields (only what differs, for an update).
  static func lines(_ change: Change, colour: Bool) -> [String] {
    let adopted = change.action == .adopt ? "  (adopted as it is)" : ""
    var out = [style(change.action).apply("  \(symbol(change.action)) \(change.address)\(adopted)", colour)]
    // A relation is its address; what is removed or adopted is not listed field by field.
    if change.kind == .membership || change.kind == .binding || change.action == .delete || change.action == .adopt {
      return out
    }
    for field in change.fields {
      switch change.action {
      case .create: out.append("      \(field.field): \(field.after?.description ?? "unset")")
      case .delete, .adopt: continue
      case .update, .rename:
        out.append(
          "      \(field.field): \(field.before?.description ?? "unset") → \(field.after?.description ?? "unset")")
      }
    }
    return out
  }

  static func header(_ plan: Plan) -> String {
    var text = "Desired: \(plan.source)"
    if let commit = plan.commit { text += " at \(commit.prefix(12))" }
    text += ". State: lineage \(plan.lineage), serial \(plan.serial). Actor: \(plan.actor)."
    return text
  }

  static func text(_ plan: Plan, colour: Bool, impact: ImpactMode = .summary) -> String {
    var lines: [String] = []
    write(plan, colour: colour, impact: impact) { lines.append($0) }
    return lines.joined(separator: "\n")
  }

  /// Prints the plan as text on standard output, a line at a time; `changeLines`, its changes'
  /// lines when written already (``changeLines(_:colour:)``, in standard output's colours).
  static func print(_ plan: Plan, impact: ImpactMode, changeLines: [String]? = nil) {
    let colour = Console.colours(standardError: false)
    Console.outLines { write(plan, colour: colour, impact: impact, changeLines: changeLines, to: $0) }
  }

  /// The lines of the changes, in order.
  static func changeLines(_ changes: [Change], colour: Bool) -> [String] {
    var out: [String] = []
    out.reserveCapacity(changes.count)
    for change in changes { out += lines(change, colour: colour) }
    return out
  }

  /// The same text a line at a time, to be printed as it is made: a plan of 235,000 changes is
  /// never held whole as text.
  static func write(
    _ plan: Plan, colour: Bool, impact: ImpactMode = .summary, changeLines: [String]? = nil,
    to emit: (String) -> Void
  ) {
    emit(header(plan))
    emit("")
    if !plan.drift.isEmpty {
      emit(
        "Drift: \(plan.drift.count) object\(plan.drift.count == 1 ? "" : "s") changed outside git since the last apply:"
      )
      for change in plan.drift { lines(change, colour: colour).forEach(emit) }
      emit("")
    }
    if plan.changes.isEmpty {
      emit("No changes. The state matches the configuration.")
      return
    }
    emit("Roster will make these changes, in this order:")
    // The access impact's lines are made on another core while the changes' are written.
    let impactText = plan.impact.isEmpty ? nil : InBackground { impactLines(plan, colour: colour, mode: impact) }
    if let changeLines {
      changeLines.forEach(emit)
    } else {
      for change in plan.changes { lines(change, colour: colour).forEach(emit) }
    }
    emit("")
    ((try? impactText?.result()) ?? []).forEach(emit)
    if !plan.findings.isEmpty {
      emit("Safety:")
      for finding in plan.findings {
        let style: Style = finding.blocks ? .red : .yellow
        emit(
          "  " + style.apply("\(finding.severity)[\(finding.rule)]:", colour) + " " + finding.message
            + (finding.overridden ? " (allowed by override)" : ""))
        if let change = finding.change { emit("    at: \(change)") }
        if let hint = finding.hint, !finding.overridden { emit("    to fix: \(hint)") }
      }
      emit("")
    }
    if !plan.overrides.isEmpty { emit("Overrides: \(plan.overrides.joined(separator: ", "))") }
    emit(Style.bold.apply(plan.summary, colour))
  }

  /// The largest comment a pull request takes, with room to spare.
  static let markdownLimit = 65_000

  /// Markdown for a pull-request comment: the summary first, details in collapsible blocks,
  /// summarised when the whole would not fit.
  static func markdown(_ plan: Plan, mode: ImpactMode = .summary) -> String {
    var head = ["### Roster plan", "", "**\(plan.summary)**", "", header(plan)]
    if !plan.drift.isEmpty {
      head.append("")
      head.append("⚠️ **Drift:** \(plan.drift.count) object(s) changed outside git since the last apply.")
    }
    if !plan.findings.isEmpty {
      head.append("")
      for finding in plan.findings {
        let mark = finding.blocks ? "⛔" : finding.overridden ? "☑️" : "⚠️"
        let fix = finding.overridden ? " (allowed by override)" : finding.hint.map { " — to fix: \($0)" } ?? ""
        head.append("- \(mark) `\(finding.rule)` \(finding.message)" + fix)
      }
    }
    if !plan.overrides.isEmpty {
      head.append("")
      head.append("Overrides: " + plan.overrides.map { "`\($0)`" }.joined(separator: ", "))
    }
    let sections: [(String, [Change])] = [
      ("Changes", plan.changes), ("Drift", plan.drift),
    ]
    var body: [String] = []
    let impact = impactLines(plan, colour: false, mode: mode)
    if !impact.isEmpty {
      body.append("")
      body.append(
        "<details><summary>Access impact (\(plan.impact.count) group\(plan.impact.count == 1 ? "" : "s"))</summary>")
      body.append("")
      body.append("```")
      body += impact.dropFirst().filter { !$0.isEmpty }
      body.append("```")
      body.append("</details>")
    }
    for (title, changes) in sections where !changes.isEmpty {
      body.append("")
      body.append("<details><summary>\(title) (\(changes.count))</summary>")
      body.append("")
      body.append("```diff")
      for change in changes { body += lines(change, colour: false).map { $0.replacingPrefix("  ", "") } }
      body.append("```")
      body.append("</details>")
    }
    let full = (head + body).joined(separator: "\n")
    if full.utf8.count <= markdownLimit { return full }
    // Too long for a comment: counts by kind instead of every change.
    var summary = head + ["", "The full plan is too long for a comment; counts by kind:", ""]
    summary.append("| kind | add | change | remove |")
    summary.append("|---|---|---|---|")
    for kind in ObjectKind.allCases {
      let of = plan.changes.filter { $0.kind == kind }
      guard !of.isEmpty else { continue }
      let c = (
        of.filter { $0.action == .create }.count, of.filter { [.update, .rename, .adopt].contains($0.action) }.count,
        of.filter { $0.action == .delete }.count
      )
      summary.append("| \(kind.rawValue) | \(c.0) | \(c.1) | \(c.2) |")
    }
    summary.append("")
    summary.append("Run `roster plan` locally, or save the plan with `-out`, to see every change.")
    return summary.joined(separator: "\n")
  }
}

extension String {
  fileprivate func replacingPrefix(_ prefix: String, _ with: String) -> String {
    hasPrefix(prefix) ? with + dropFirst(prefix.count) : self
  }
}
