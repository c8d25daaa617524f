import Foundation
import RosterModel

/// Compares a desired state with the current one and orders the changes that turn one into
/// the other.
public enum Differ {
  /// The changes from `current` to `desired`, ordered so that each intermediate state keeps the
  /// model's invariants: objects are created before what refers to them (tenants and roles, then
  /// principals, memberships, bindings), then updated, and removed in the reverse order (bindings
  /// and memberships before the principals, roles and tenants they name). The organisation's own
  /// settings change after every create and update (so new administrators and members exist
  /// before a sign-in change) and before the removals.
  ///
  /// - Parameters:
  ///   - unmanaged: current objects Roster did not create (`kind key`; auto-provisioned users,
  ///     say): they are left alone rather than removed, unless the desired organisation declares
  ///     their kind fully managed.
  ///   - renames: kind → new key → old key, from `previously:`: the object is renamed, not removed
  ///     and created again.
  ///   - applied: what Roster last wrote; an object the configuration states as it is now, but
  ///     that Roster did not write so (unmanaged, or changed outside git), is adopted.
  public static func diff(
    current: StateSnapshot, desired: StateSnapshot, unmanaged: Set<String> = [],
    renames: [ObjectKind: [String: String]] = [:], applied: AppliedState? = nil
  ) -> [Change] {
    diff(current: current, desired: { desired.objects($0) }, unmanaged: unmanaged, renames: renames, applied: applied)
      .changes
  }

  /// The changes, as ``diff(current:desired:unmanaged:renames:applied:)`` gives them, from
  /// `current` to a desired state made a kind at a time by `desired` (from the model, say):
  /// each kind's table is compared, then let go, so that a plan never holds a second whole
  /// snapshot. Also gives how many objects of each kind the desired state has (by
  /// ``ObjectKind/allCases`` order), for ``leadsToDesired(_:current:desiredCounts:)``.
  ///
  /// - Parameter relationKeys: when given, the keys of a relation kind's desired objects
  ///   (memberships, bindings: 200,000 at 50,000 users), each handed to its third argument as
  ///   bytes, a given share of them at a time (see ``RosterModel/Part``): they are looked up in
  ///   the state as they come, the shares on several cores, and no table of them is made.
  public static func diff(
    current: StateSnapshot, desired: @Sendable (ObjectKind) -> StateSnapshot.Table,
    relationKeys: (@Sendable (ObjectKind, Part, (UnsafeBufferPointer<UInt8>) -> Void) -> Void)? = nil,
    unmanaged: Set<String> = [], renames: [ObjectKind: [String: String]] = [:], applied: AppliedState? = nil
  ) -> (changes: [Change], desiredCounts: [Int]) {
    let organization = desired(.organization)
    let fullyManaged = Set(organization["organization"]?.fields["fullyManaged"]?.list ?? [])
    // Each kind is compared on its own, the kinds on every core at once, the costliest first;
    // their changes are then put in order as one list. A relation kind compared by its keys is
    // split in four shares for each core (sixteen at most), put together after: compared whole,
    // the memberships and the bindings (three fifths of the work at 50,000 users) took a core
    // each and left the users to the first free, the other core then idle for a sixth of the
    // comparing; in a share for each core, for a tenth of it.
    let shares = relationKeys == nil ? 1 : 4 * min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4)
    var jobs: [Job] = []
    var costs: [Int] = []
    for kind in ObjectKind.allCases {
      let count = current.objects(kind).count
      if relationKeys != nil, StateObject.relationFields(kind) != nil, renames[kind]?.isEmpty ?? true {
        for share in 0..<shares {
          jobs.append(Job(kind: kind, part: Part(share, of: shares)))
          costs.append(count / shares)
        }
      } else {
        // An object with fields, made from the model and compared field by field, costs about
        // three relation keys (timed at 50,000 users).
        jobs.append(Job(kind: kind, part: nil))
        costs.append(count * 3)
      }
    }
    let done = jobs.parallelMap(heaviestFirst: costs) { job -> Job.Outcome in
      let kind = job.kind
      let keepUnmanaged = !fullyManaged.contains(kind.rawValue)
      if let relationKeys, let part = job.part {
        return .scan(scanRelations(current.objects(kind), keys: { relationKeys(kind, part, $0) }))
      }
      return .kind(
        diff(
          current.objects(kind), kind == .organization ? organization : desired(kind), keepUnmanaged: keepUnmanaged,
          unmanaged: unmanaged, renames: renames[kind] ?? [:], applied: applied))
    }
    // Each kind's changes, its shares' put together: the relation kinds' on every core at once
    // (one after the other, in a plan that takes 500 users away, they took 27 M instructions on
    // one core).
    var kinds: [KindChanges] = []
    var finishing: [(place: Int, kind: ObjectKind, scans: [RelationScan])] = []
    var scans: [RelationScan] = []
    for (job, outcome) in zip(jobs, done) {
      switch outcome {
      case .kind(let changes): kinds.append(changes)
      case .scan(let scan):
        scans.append(scan)
        guard job.part?.index == shares - 1 else { continue }
        finishing.append((kinds.count, job.kind, scans))
        kinds.append(KindChanges())
        scans = []
      }
    }
    let finished = finishing.parallelMap { relation in
      finishRelations(
        current.objects(relation.kind), relation.scans, keepUnmanaged: !fullyManaged.contains(relation.kind.rawValue),
        unmanaged: unmanaged, applied: applied)
    }
    for (relation, changes) in zip(finishing, finished) { kinds[relation.place] = changes }
    let desiredCounts = kinds.map(\.desiredCount)
    // One list of its final size, each kind's changes let go once moved into it (a first plan
    // has 235,000).
    var changes: [Change] = []
    changes.reserveCapacity(kinds.reduce(0) { $0 + $1.count })
    for part in [\KindChanges.creates, \.updates, \.organization] {
      for i in kinds.indices {
        changes += kinds[i][keyPath: part]
        kinds[i][keyPath: part] = []
      }
    }
    let firstDelete = changes.count
    for i in kinds.indices {
      changes += kinds[i].deletes
      kinds[i].deletes = []
    }
    changes[firstDelete...].sort { $0.kind == $1.kind ? $0.key < $1.key : $0.kind > $1.kind }
    return (changes, desiredCounts)
  }

  /// The changes of one kind: creates and updates each sorted by key, the organisation's own
  /// update apart, and the deletes in any order.
  private struct KindChanges: Sendable {
    var creates: [Change] = []
    var updates: [Change] = []
    var organization: [Change] = []
    var deletes: [Change] = []
    var desiredCount = 0

    var count: Int { creates.count + updates.count + organization.count + deletes.count }
  }

  /// One kind's changes. Objects are visited by their positions in the tables and looked up by
  /// their keys' bytes: a key is made a string only for an object that changes.
  private static func diff(
    _ have: StateSnapshot.Table, _ want: StateSnapshot.Table, keepUnmanaged: Bool, unmanaged: Set<String>,
    renames: [String: String], applied: AppliedState?
  ) -> KindChanges {
    let kind = have.kind
    var changes = KindChanges(desiredCount: want.count)
    // Keys are visited in any order and the kind's changes sorted at the end: sorting only the
    // changes, not every key, keeps a plan of few changes cheap at any size.
    var creates: [Change] = []
    creates.reserveCapacity(max(want.count - have.count, 0))
    var updates: [Change] = []
    // A rename: the old object exists, the new name does not, and the old name is not wanted.
    // Renames go first, in key order, so two claiming one old name resolve the same way each time.
    var renamed: Set<String> = []
    var renamedFrom: Set<String> = []
    for (key, old) in renames.sorted(by: { $0.key < $1.key }) {
      guard let target = want[key], have[key] == nil, !renamedFrom.contains(old), let existing = have[old],
        want[old] == nil
      else { continue }
      creates.append(
        Change(action: .rename, kind: kind, key: key, fields: fieldChanges(existing.fields, target.fields), from: old))
      renamedFrom.insert(old)
      renamed.insert(key)
    }
    // How many current objects are wanted: when all are (and none was renamed), none is
    // removed and `have` need not be walked again.
    var kept = 0
    for position in 0..<want.endPosition where want.isPresent(position) {
      if !renamed.isEmpty, renamed.contains(want.key(at: position)) { continue }
      guard let existing = want.withKey(at: position, { have.position(of: $0) }) else {
        let target = want.object(at: position)
        guard !target.isKeyOnly else {
          creates.append(.relation(.create, kind: kind, key: target.key))
          continue
        }
        creates.append(.whole(.create, kind: kind, key: target.key, fields: target.fields))
        continue
      }
      kept += 1
      guard !have.hasSameFields(at: existing, as: position, in: want) else { continue }
      let target = want.object(at: position)
      let change = Change(
        action: .update, kind: kind, key: target.key,
        fields: fieldChanges(have.object(at: existing).fields, target.fields))
      // Texts that differ in their bytes but not as text (é written whole, or as e and an
      // accent) are not a change.
      guard !change.fields.isEmpty else { continue }
      if kind == .organization { changes.organization.append(change) } else { updates.append(change) }
    }
    // An object stated as it is now, but that Roster did not write so, is adopted. Only the
    // objects that differ from what Roster wrote are visited: usually none.
    for key in applied?.keys(kind) ?? [] where !renamed.contains(key) {
      guard let existing = have[key], let target = want[key], existing.hasSameFields(as: target) else { continue }
      updates.append(adoption(of: existing))
    }
    creates.sort { $0.key < $1.key }
    updates.sort { $0.key < $1.key }
    changes.creates = creates
    changes.updates = updates
    guard kept + renamedFrom.count < have.count else { return changes }
    for position in 0..<have.endPosition where have.isPresent(position) {
      guard have.withKey(at: position, { want.position(of: $0) }) == nil else { continue }
      let existing = have.object(at: position)
      guard !renamedFrom.contains(existing.key),
        !(keepUnmanaged && unmanaged.contains(StateObject.id(kind, existing.key)))
      else { continue }
      changes.deletes.append(removal(of: existing))
    }
    return changes
  }

  /// Roster takes over `existing` as it is. The values adopted ride along (before = after), so
  /// apply refuses if they change meanwhile.
  private static func adoption(of existing: StateObject) -> Change {
    let fields = existing.fields.map { FieldChange(field: $0.key, before: $0.value, after: $0.value) }
    return Change(action: .adopt, kind: existing.kind, key: existing.key, fields: fields)
  }

  /// `existing` removed: a relation that is its key by its key alone.
  private static func removal(of existing: StateObject) -> Change {
    existing.isKeyOnly
      ? .relation(.delete, kind: existing.kind, key: existing.key)
      : .whole(.delete, kind: existing.kind, key: existing.key, fields: existing.fields)
  }

  /// A kind to compare (`part` nil) or a share of a relation kind's keys to look up.
  private struct Job: Sendable {
    var kind: ObjectKind
    var part: Part?

    enum Outcome: Sendable {
      case kind(KindChanges)
      case scan(RelationScan)
    }
  }

  /// What a share of a relation kind's desired keys found in the state.
  private struct RelationScan: Sendable {
    var creates: [Change] = []
    var updates: [Change] = []
    /// Which of the state's objects the share wants, by position.
    var wanted: [Bool]
    var kept = 0
    var desiredCount = 0
  }

  /// Looks up a share of a relation kind's desired objects, given by their keys (each relation
  /// being exactly its key), in the state, as they come.
  private static func scanRelations(
    _ have: StateSnapshot.Table, keys: ((UnsafeBufferPointer<UInt8>) -> Void) -> Void
  ) -> RelationScan {
    let kind = have.kind
    var scan = RelationScan(wanted: [Bool](repeating: false, count: have.endPosition))
    keys { key in
      scan.desiredCount += 1
      guard let existing = have.position(of: key) else {
        scan.creates.append(.relation(.create, kind: kind, key: String(decoding: key, as: UTF8.self)))
        return
      }
      scan.wanted[existing] = true
      scan.kept += 1
      // One that holds fields other than its key's parts is changed to be its key (most are
      // their key, told without making the object).
      guard !have.isKeyOnly(at: existing) else { return }
      let object = have.object(at: existing)
      let target = StateObject.relation(kind, key: object.key)
      let fields = fieldChanges(object.fields, target.fields)
      if !fields.isEmpty { scan.updates.append(Change(action: .update, kind: kind, key: object.key, fields: fields)) }
    }
    return scan
  }

  /// One relation kind's changes from its shares' scans, as
  /// ``diff(_:_:keepUnmanaged:unmanaged:renames:applied:)`` gives them for a table of its keys.
  private static func finishRelations(
    _ have: StateSnapshot.Table, _ scans: [RelationScan], keepUnmanaged: Bool, unmanaged: Set<String>,
    applied: AppliedState?
  ) -> KindChanges {
    let kind = have.kind
    var changes = KindChanges()
    var wanted = scans.first?.wanted ?? []
    var creates: [Change] = []
    var updates: [Change] = []
    var kept = 0
    for (i, scan) in scans.enumerated() {
      changes.desiredCount += scan.desiredCount
      kept += scan.kept
      creates += scan.creates
      updates += scan.updates
      guard i > 0 else { continue }
      for position in scan.wanted.indices where scan.wanted[position] { wanted[position] = true }
    }
    // Adopted: stated as it is now, but not written so by Roster.
    for key in applied?.keys(kind) ?? [] {
      guard let existing = have.position(of: key), wanted[existing] else { continue }
      let object = have.object(at: existing)
      guard object.isKeyOnly else { continue }
      updates.append(adoption(of: object))
    }
    creates.sort { $0.key < $1.key }
    updates.sort { $0.key < $1.key }
    changes.creates = creates
    changes.updates = updates
    guard kept < have.count else { return changes }
    for position in 0..<have.endPosition where have.isPresent(position) && !wanted[position] {
      let existing = have.object(at: position)
      guard !(keepUnmanaged && unmanaged.contains(StateObject.id(kind, existing.key))) else { continue }
      changes.deletes.append(removal(of: existing))
    }
    return changes
  }

  /// How the objects changed outside Roster since it wrote them, as the changes from what it wrote
  /// to the objects as they are (an object it never wrote shows as created): the same as diffing
  /// the whole state as written against the state now, visiting only the objects that differ.
  public static func drift(current: StateSnapshot, applied: AppliedState) -> [Change] {
    guard !applied.isEmpty else { return [] }
    var written = StateSnapshot()
    var now = StateSnapshot()
    for kind in ObjectKind.allCases {
      for key in applied.keys(kind) {
        guard let object = current.object(kind, key) else { continue }
        now.insert(object)
        if let fields = applied.fields(kind, key, now: object.fields) {
          written.insert(StateObject(kind: kind, key: key, fields: fields))
        }
      }
    }
    return diff(current: written, desired: now)
  }

  /// Whether applying `changes`, this differ's from `current` to `desired`, gives exactly `desired`:
  /// every key `desired` has is created, renamed to, updated to its fields or was equal already, so
  /// the result differs only by the objects the diff kept (unmanaged ones), and it is `desired`
  /// exactly when each kind ends with as many objects as `desired` has. Counting instead of
  /// comparing every object of both states keeps a plan of few changes cheap at any size.
  public static func leadsToDesired(_ changes: [Change], current: StateSnapshot, desired: StateSnapshot) -> Bool {
    leadsToDesired(changes, current: current, desiredCounts: ObjectKind.allCases.map(desired.count))
  }

  /// The same, with how many objects of each kind the desired state has (by
  /// ``ObjectKind/allCases`` order), as ``diff(current:desired:unmanaged:renames:applied:)``
  /// gives them.
  public static func leadsToDesired(_ changes: [Change], current: StateSnapshot, desiredCounts: [Int]) -> Bool {
    var count: [ObjectKind: Int] = [:]
    for kind in ObjectKind.allCases { count[kind] = current.count(kind) }
    for change in changes {
      switch change.action {
      case .create: count[change.kind, default: 0] += 1
      case .delete: count[change.kind, default: 0] -= 1
      case .update, .rename, .adopt: break
      }
    }
    return zip(ObjectKind.allCases, desiredCounts).allSatisfy { count[$0, default: 0] == $1 }
  }

  /// The fields that differ between two versions of an object, by name.
  static func fieldChanges(_ before: Fields, _ after: Fields) -> [FieldChange] {
    Fields.names(before, after).compactMap { name in
      before[name] == after[name] ? nil : FieldChange(field: name, before: before[name], after: after[name])
    }
  }
}
