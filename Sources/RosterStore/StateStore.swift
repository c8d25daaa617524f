import Foundation
import RosterModel

/// The state as stored: its identity, its objects, and what Roster last wrote of each.
public struct StoredState: Sendable {
  /// Minted once by `roster init`; a plan made against another lineage is refused.
  public var lineage: String
  /// Bumped by every write; a plan made at another serial is stale.
  public var serial: Int
  /// The platform catalog's text when the organisation uses a custom one.
  public var catalogSource: String?
  /// The objects as they are now.
  public var current: StateSnapshot
  /// What Roster last wrote, where it differs from `current`.
  public var applied: AppliedState
  /// The hash of the audit log's last entry, as the state recorded it with its last write.
  public var auditHead: String?

  public init(
    lineage: String, serial: Int, catalogSource: String?, current: StateSnapshot, applied: AppliedState,
    auditHead: String? = nil
  ) {
    self.lineage = lineage
    self.serial = serial
    self.catalogSource = catalogSource
    self.current = current
    self.applied = applied
    self.auditHead = auditHead
  }

  /// Objects Roster did not create (`kind key`), which plans leave alone.
  public var unmanaged: Set<String> {
    Set(applied.unwritten.flatMap { kind, keys in keys.map { StateObject.id(kind, $0) } })
  }
}

/// One write to the state, as the audit log records it.
public struct AuditRecord: Sendable, Codable, Hashable {
  public var actor: String
  /// When, as ISO 8601 in UTC.
  public var time: String
  /// `init`, `apply`, or `force-unlock`.
  public var operation: String
  /// Where the desired state came from, and its commit when from git.
  public var source: String?
  public var commit: String?
  public var planDigest: String?
  /// The changes written, as JSON.
  public var changes: String
  /// Safety overrides the operator gave (`--allow-mass-removal`, …).
  public var overrides: [String]

  public init(
    actor: String, time: String, operation: String, source: String?, commit: String?, planDigest: String?,
    changes: String, overrides: [String] = []
  ) {
    self.actor = actor
    self.time = time
    self.operation = operation
    self.source = source
    self.commit = commit
    self.planDigest = planDigest
    self.changes = changes
    self.overrides = overrides
  }
}

/// An audit record as a store writes it: its fields, and its changes handed over in pieces to
/// be written straight into the record's stored text (an apply's changes are tens of megabytes
/// for a whole organisation, and are never held as text of their own).
public struct AuditRecordSource {
  /// The record, its `changes` left empty.
  public var record: AuditRecord
  /// Hands the changes' text to `piece` in order, in pieces; called more than once, it must hand
  /// over the same text each time.
  public var changes: (_ piece: (UnsafeBufferPointer<UInt8>) -> Void) -> Void

  public init(_ record: AuditRecord, changes: @escaping (_ piece: (UnsafeBufferPointer<UInt8>) -> Void) -> Void) {
    self.record = record
    self.changes = changes
  }

  /// A record whose changes are text already.
  public init(_ record: AuditRecord) {
    var shell = record
    shell.changes = ""
    self.init(shell) { piece in
      var text = record.changes
      text.withUTF8(piece)
    }
  }
}

/// An entry of the audit log: the record, the serial it produced, and its place in the chain.
public struct AuditEntry: Sendable, Codable, Hashable {
  public var sequence: Int
  public var serial: Int
  public var record: AuditRecord
  /// The previous entry's hash ("" for the first).
  public var previousHash: String
  /// SHA-256 of the previous hash and this entry's content.
  public var hash: String
}

/// Who holds the state lock.
public struct LockInfo: Sendable, Codable, Hashable, CustomStringConvertible {
  public var id: String
  public var holder: String
  public var operation: String
  public var created: String

  public var description: String { "lock \(id), held by \(holder) for \(operation) since \(created)" }
}

/// What went wrong with the state.
public struct StoreError: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    case notInitialized
    case alreadyInitialized
    case stale
    case conflict
    case locked
    case unknownLock
    case database
    /// The server cannot be reached (PostgreSQL).
    case unreachable
    /// The state was written by a newer Roster: its schema version is one this Roster does not know.
    case tooNew
  }

  public var kind: Kind
  public var description: String

  public init(_ kind: Kind, _ description: String) {
    self.kind = kind
    self.description = description
  }
}

/// Where Roster keeps the current state. Every write is one transaction, checked against the
/// lineage and serial it expects, and appended to the hash-chained audit log.
public protocol StateStore: Sendable {
  /// Where the state is, for messages.
  var location: String { get }

  /// Reads the whole state. Throws `.notInitialized` when there is none yet.
  func load() throws(StoreError) -> StoredState

  /// Creates the state: a new lineage, serial 1, the first objects. Refuses an existing state.
  func initialize(
    lineage: String, snapshot: StateSnapshot, catalogSource: String?, audit: AuditRecord
  ) throws(StoreError)

  /// Writes `changes` (already checked against the model) if the state is still at `lineage`
  /// and `serial`, appends the audit entry and bumps the serial; all or nothing. The changes are
  /// read in order as they are written (an apply makes each as it is asked for, from the plan).
  /// - Returns: the new serial.
  func apply(
    _ changes: some RandomAccessCollection<StoredChange>, lineage: String, serial: Int, audit: AuditRecordSource
  ) throws(StoreError) -> Int

  /// Takes the state lock, waiting up to `timeout` seconds for another holder to release it.
  func lock(holder: String, operation: String, timeout: Double) throws(StoreError) -> LockInfo

  /// Releases a lock this process holds.
  func unlock(_ id: String) throws(StoreError)

  /// Releases a lock whoever holds it (after a crash); recorded in the audit log.
  func forceUnlock(_ id: String, actor: String, time: String) throws(StoreError) -> LockInfo

  /// The audit log, oldest first.
  func auditLog() throws(StoreError) -> [AuditEntry]

  /// Writes a whole state read from another store — lineage, serial, every object with what
  /// Roster last wrote of it, and the audit log as it is — into this empty one, in one transaction.
  func importState(_ state: StoredState, log: [AuditEntry]) throws(StoreError)
}

/// A change to write: the object's key and its fields after the change (nil = remove).
public struct StoredChange: Sendable, Hashable {
  public var kind: ObjectKind
  public var key: String
  /// The object after the change, kept as an object: a relation is then its key alone, and an
  /// apply's 200,000 relations do not each hold their fields while they wait to be written.
  private var object: StateObject?
  /// Whether the object exists before the change (insert or update).
  public var exists: Bool
  /// What to record as written by Roster: normally the fields themselves.
  public var applied: Applied

  public enum Applied: Sendable, Hashable {
    /// Roster wrote these fields (every apply).
    case fields
    /// Roster last wrote other fields: the row has drifted (copying a state).
    case other(Fields)
    /// Roster never wrote the object (copying a state).
    case never
  }

  public init(kind: ObjectKind, key: String, fields: Fields?, exists: Bool, applied: Applied = .fields) {
    self.kind = kind
    self.key = key
    object = fields.map { StateObject(kind: kind, key: key, fields: $0) }
    self.exists = exists
    self.applied = applied
  }

  /// The same with the object after the change as the state holds it (nil: removed).
  public init(_ kind: ObjectKind, key: String, object: StateObject?, exists: Bool) {
    self.kind = kind
    self.key = key
    self.object = object
    self.exists = exists
    applied = .fields
  }

  /// The fields after the change (nil: the object is removed).
  public var fields: Fields? { object?.fields }
}

extension StateStore {
  /// Applies with a record whose changes are already text.
  public func apply(
    _ changes: some RandomAccessCollection<StoredChange>, lineage: String, serial: Int, audit: AuditRecord
  ) throws(StoreError) -> Int {
    try apply(changes, lineage: lineage, serial: serial, audit: AuditRecordSource(audit))
  }
}
