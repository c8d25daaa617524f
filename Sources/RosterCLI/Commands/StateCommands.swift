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
    let (_, stored, store) = try stateOptions.loadModel()
    switch format {
    case .json:
      Console.outPieces { piece in
        StateJSON.write(lineage: stored.lineage, serial: stored.serial, objects: stored.current.all, to: piece)
      }
    case .text:
      let unmanaged = stored.unmanaged
      // Each kind's objects in key order, printed a line at a time (a whole organisation is
      // 450,000 lines).
      Console.outLines { emit in
        emit("State \(store.location): lineage \(stored.lineage), serial \(stored.serial).")
        for kind in ObjectKind.allCases where stored.current.count(kind) > 0 {
          let objects = stored.current.objects(kind)
          emit("")
          emit("\(kind.rawValue) (\(objects.count)):")
          for key in objects.keys.sorted() {
            let address = Change(action: .create, kind: kind, key: key, fields: []).address
            var line = "  " + address.dropFirst(kind.rawValue.count + 1)
            if unmanaged.contains(StateObject.id(kind, key)) { line += "  (not created by Roster)" }
            emit(String(line))
            guard kind != .membership && kind != .binding, let object = objects[key] else { continue }
            for (name, value) in object.fields { emit("      \(name): \(value.description)") }
          }
        }
      }
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
    static let configuration = CommandConfiguration(
      commandName: "log", abstract: "List every write to the state, oldest first.")
    @OptionGroup var stateOptions: StateOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
      let entries = try AuditCommand.read(try stateOptions.openExisting()).entries
      switch format {
      case .json:
        do {
          Console.out(try renderJSON(entries))
        } catch let error as StoreError {
          // An entry's record did not decode.
          throw error.cli
        }
      case .text:
        for entry in entries {
          let r: AuditRecord
          do {
            r = try entry.summary()
          } catch {
            throw error.cli
          }
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
      commandName: "verify",
      abstract: "Check the hash chain: exit 1 naming each entry that was edited, inserted or deleted.")
    @OptionGroup var stateOptions: StateOptions

    func run() throws {
      let log = try AuditCommand.read(try stateOptions.openExisting())
      let (entries, serial) = (log.entries, log.serial)
      var problems = AuditChain.verify(entries)
      if let head = log.head, entries.last?.hash != head {
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

  static func read(_ store: any StateStore) throws -> AuditLog {
    do {
      return try store.readAudit()
    } catch {
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

struct MigrateStateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate-state",
    abstract: "Copy the state into another store (a SQLite file into PostgreSQL, say), and verify the copy.",
    discussion: """
      Lineage, serial, every object with what Roster last wrote of it (so drift and objects Roster did \
      not create stay as they were) and the audit log, entry for entry, are copied in one transaction into \
      a store that holds no state yet. The source is locked while it is read and left as it was; the copy \
      is read back and compared, and its audit chain verified.

        roster migrate-state --from sqlite:.roster/state.sqlite --to postgres://roster@db.internal:5432/roster
      """)

  @Option(help: ArgumentHelp("The state to copy: PATH, sqlite:PATH or postgres://….", valueName: "LOCATION"))
  var from: String
  @Option(help: ArgumentHelp("The store to copy it into; it must hold no state yet.", valueName: "LOCATION"))
  var to: String
  @Option(help: "Who runs the command (for the lock's holder).") var actor: String?
  @Option(help: "Seconds to wait for the source's lock when another process holds it.") var lockTimeout: Double = 0

  func run() throws {
    let source = try StateOptions.openExisting(from)
    let target = try StateOptions.open(to)
    let holder = "\(resolveActor(actor)) (pid \(ProcessInfo.processInfo.processIdentifier))"
    do {
      let lock = try source.lock(holder: holder, operation: "migrate-state", timeout: lockTimeout)
      defer { try? source.unlock(lock.id) }
      // Each audit log is let go before the next large read (a first apply's record holds every
      // change: tens of megabytes), and the states before the copy's log is read.
      let lineage: String
      let serial: Int
      let objects: Int
      let unmanaged: Int
      let entries: [String]
      let sameHead: Bool
      var differences: [String] = []
      do {
        let state = try source.load()
        do {
          let log = try source.auditLog()
          let broken = AuditChain.verify(log)
          guard broken.isEmpty else {
            throw CLIError(
              "the audit log at \(source.location) does not verify (\(broken.joined(separator: "; "))); "
                + "nothing was copied")
          }
          try target.importState(state, log: log)
          entries = log.map(Self.place)
        }
        let copy = try target.load()
        if copy.lineage != state.lineage || copy.serial != state.serial { differences.append("lineage or serial") }
        if copy.catalogSource != state.catalogSource { differences.append("the platform catalog") }
        if copy.current != state.current { differences.append("the objects") }
        if copy.applied != state.applied { differences.append("what Roster last wrote") }
        sameHead = copy.auditHead == state.auditHead
        (lineage, serial, unmanaged) = (state.lineage, state.serial, state.unmanaged.count)
        objects = ObjectKind.allCases.reduce(0) { $0 + state.current.count($1) }
      }
      // The copy's entries are in the source's places with the source's hashes, and its chain holds
      // from its own records: a record copied wrong would not give its hash.
      let copiedLog = try target.auditLog()
      if !sameHead || copiedLog.map(Self.place) != entries { differences.append("the audit log") }
      if !AuditChain.verify(copiedLog).isEmpty { differences.append("the audit chain") }
      guard differences.isEmpty else {
        throw CLIError(
          "the copy at \(target.location) does not read back as the source: \(differences.joined(separator: ", ")) "
            + "differ. Drop it before trying again; \(source.location) is unchanged")
      }
      Console.out(
        "Copied lineage \(lineage) at serial \(serial) from \(source.location) to \(target.location): "
          + "\(objects) objects (\(unmanaged) not created by Roster), \(entries.count) audit entries.\n"
          + "Verified: the copy reads back identical and its audit chain holds. Point ROSTER_STATE at "
          + "\(target.location); \(source.location) was left as it was.")
    } catch let error as StoreError {
      throw error.cli
    }
  }

  /// An audit entry's place in its chain and its hash.
  private static func place(_ entry: AuditEntry) -> String {
    "\(entry.sequence) \(entry.serial) \(entry.previousHash) \(entry.hash)"
  }
}
