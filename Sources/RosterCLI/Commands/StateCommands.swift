import ArgumentParser
import Foundation
import RosterConfig
import RosterModel
import RosterPlan
import RosterStore

struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "Show the current state: its identity and every object.")

  @OptionGroup var stateOptions: StateOptions
  @Option(help: "Output format: text or json.") var format: OutputFormat = .text

  func run() throws {
    let (_, stored, _) = try stateOptions.loadModel()
    switch format {
    case .json:
      struct Shown: Encodable {
        var lineage: String
        var serial: Int
        var objects: [StateObject]
      }
      Console.out(try renderJSON(Shown(lineage: stored.lineage, serial: stored.serial, objects: stored.current.all)))
    case .text:
      var lines = ["State \(stateOptions.path): lineage \(stored.lineage), serial \(stored.serial)."]
      let unmanaged = stored.unmanaged
      for kind in ObjectKind.allCases where stored.current.count(kind) > 0 {
        lines.append("")
        lines.append("\(kind.rawValue) (\(stored.current.count(kind))):")
        for object in stored.current.all where object.kind == kind {
          let address = Change(action: .create, kind: kind, key: object.key, fields: []).address
          var line = "  " + address.dropFirst(kind.rawValue.count + 1)
          if unmanaged.contains(StateObject.id(kind, object.key)) { line += "  (not created by Roster)" }
          lines.append(String(line))
          if kind != .membership && kind != .binding {
            for name in object.fields.keys.sorted() {
              lines.append("      \(name): \(object.fields[name]?.description ?? "")")
            }
          }
        }
      }
      Console.out(lines.joined(separator: "\n"))
    }
  }
}

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write the current state as a configuration directory (to adopt an existing organisation).",
    discussion: """
      The directory plans to no changes against the state it came from.

        roster export --state .roster/state.sqlite exported/
      """)

  @OptionGroup var stateOptions: StateOptions
  @Argument(
    help: ArgumentHelp(
      "The directory to write (created; existing files of the same names are replaced).", valueName: "DIR"))
  var directory: String

  func run() throws {
    let (model, _, _) = try stateOptions.loadModel()
    let files = StateExport.files(model)
    let root = URL(fileURLWithPath: directory)
    do {
      try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
      for (name, text) in files {
        try Data(text.utf8).write(to: root.appending(path: name))
      }
    } catch {
      throw CLIError("cannot write to \(directory): \(error.localizedDescription)")
    }
    Console.out("Wrote \(files.count) files to \(directory): \(files.map(\.name).joined(separator: ", ")).")
  }
}

struct AuditCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit", abstract: "Read and verify the audit log.", subcommands: [Log.self, Verify.self])

  struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every write to the state, oldest first.")
    @OptionGroup var stateOptions: StateOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
      let entries = try AuditCommand.entries(stateOptions)
      switch format {
      case .json: Console.out(try renderJSON(entries))
      case .text:
        for entry in entries {
          let r = entry.record
          var line = "#\(entry.sequence) serial \(entry.serial)  \(r.time)  \(r.operation) by \(r.actor)"
          if let commit = r.commit { line += "  commit \(commit.prefix(12))" }
          if let digest = r.planDigest { line += "  plan \(digest.prefix(12))" }
          Console.out(line)
          for override in r.overrides { Console.out("    \(override)") }
        }
      }
    }
  }

  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check the hash chain: exit 1 naming each entry that was edited, inserted or deleted.")
    @OptionGroup var stateOptions: StateOptions

    func run() throws {
      let store = try stateOptions.openExisting()
      let entries = try AuditCommand.entries(stateOptions)
      var problems = AuditChain.verify(entries)
      let stored = try Planning.load(store)
      let serial = stored.serial
      if let head = stored.auditHead, entries.last?.hash != head {
        problems.append(
          "the log's last entry is not the one the state last wrote (\(head.prefix(12))): entries were deleted "
            + "from the end")
      }
      if let last = entries.last, last.serial != serial {
        problems.append(
          "the last entry (#\(last.sequence)) is for serial \(last.serial), but the state is at serial \(serial): "
            + "entries were deleted from the end, or the state was written without the log")
      }
      if problems.isEmpty {
        Console.out(
          "The audit log is intact: \(entries.count) entr\(entries.count == 1 ? "y" : "ies"), the last at serial \(serial)."
        )
      } else {
        Console.err(problems.map { "audit: \($0)" }.joined(separator: "\n"))
        throw ExitCode.failure
      }
    }
  }

  static func entries(_ options: StateOptions) throws -> [AuditEntry] {
    do {
      return try options.openExisting().auditLog()
    } catch let error as StoreError {
      throw error.cli
    }
  }
}

struct ForceUnlockCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "force-unlock",
    abstract: "Release the state lock left by an apply that did not finish (the lock id is in its error).")

  @Argument(help: ArgumentHelp("The lock's id.", valueName: "LOCK_ID")) var lockID: String
  @OptionGroup var stateOptions: StateOptions
  @Option(help: "Who runs the command, for the audit log.") var actor: String?

  func run() throws {
    let store = try stateOptions.openExisting()
    do {
      let info = try store.forceUnlock(lockID, actor: resolveActor(actor), time: auditTime())
      Console.out("Released the \(info).")
    } catch {
      throw error.cli
    }
  }
}
