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
///
/// The record is kept as the text it is stored as, and decoded only when asked for: a first
/// apply's record holds every change (71 MB of JSON at 50,000 users), and verifying the chain
/// needs none of it decoded, listing the log none of the changes. (Decoded whole, and encoded
/// again to be hashed, `roster audit log` took 1.1 s and 261 MB there to print two lines.)
public struct AuditEntry: Sendable, Hashable, Encodable {
  public var sequence: Int
  public var serial: Int
  /// The record as stored: its canonical JSON (see ``StoredRows/text(_:)``), which `hash`
  /// covers byte for byte.
  public var recordText: String
  /// The previous entry's hash ("" for the first).
  public var previousHash: String
  /// SHA-256 of the previous hash and this entry's content.
  public var hash: String

  public init(sequence: Int, serial: Int, recordText: String, previousHash: String, hash: String) {
    self.sequence = sequence
    self.serial = serial
    self.recordText = recordText
    self.previousHash = previousHash
    self.hash = hash
  }

  /// The record, decoded from its text.
  public func record() throws(StoreError) -> AuditRecord { try decoded(AuditRecord.self) }

  /// The record without its changes (left empty): what a listing of the log shows. Its text is
  /// read through, its changes not made into a string.
  public func summary() throws(StoreError) -> AuditRecord {
    let summary = try decoded(Summary.self)
    return AuditRecord(
      actor: summary.actor, time: summary.time, operation: summary.operation, source: summary.source,
      commit: summary.commit, planDigest: summary.planDigest, changes: "", overrides: summary.overrides)
  }

  /// A record's fields but its changes.
  private struct Summary: Decodable {
    var actor: String
    var time: String
    var operation: String
    var source: String?
    var commit: String?
    var planDigest: String?
    var overrides: [String]
  }

  private func decoded<T: Decodable>(_: T.Type) throws(StoreError) -> T {
    var text = recordText
    let value = text.withUTF8 { bytes -> T? in
      guard let base = bytes.baseAddress else { return nil }
      // Read where it is: the text is not copied into the data.
      let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none)
      return try? JSONDecoder().decode(T.self, from: data)
    }
    guard let value else {
      throw StoreError(
        .database, "audit entry \(sequence) is not readable (its record is not an audit record's JSON)")
    }
    return value
  }

  private enum CodingKeys: String, CodingKey {
    case sequence, serial, record, previousHash, hash
  }

  /// The entry with its record decoded (`roster audit log --format json`).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(sequence, forKey: .sequence)
    try container.encode(serial, forKey: .serial)
    try container.encode(try record(), forKey: .record)
    try container.encode(previousHash, forKey: .previousHash)
    try container.encode(hash, forKey: .hash)
  }
}

/// The audit log as one read found it, with the state's serial and the hash of the entry the
/// state last wrote (kept with the state, so that entries deleted from the end show).
public struct AuditLog: Sendable {
  public var entries: [AuditEntry]
  public var serial: Int
  public var head: String?

  public init(entries: [AuditEntry], serial: Int, head: String?) {
    self.entries = entries
    self.serial = serial
    self.head = head
  }
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

  /// The audit log, oldest first, with the state's serial and audit head read with it.
  func readAudit() throws(StoreError) -> AuditLog

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

  /// The audit log, oldest first.
  public func auditLog() throws(StoreError) -> [AuditEntry] { try readAudit().entries }
}
