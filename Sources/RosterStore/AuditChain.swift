import Crypto
import Foundation

/// The audit log's hash chain: each entry's hash covers the previous hash and its own content,
/// so editing, inserting or deleting an entry breaks the chain where it happened.
public enum AuditChain {
  /// The hash of an entry, from the previous entry's hash and the entry's record as stored (its
  /// canonical JSON).
  static func hash(previous: String, sequence: Int, serial: Int, recordText: String) -> String {
    var text = recordText
    return hash(previous: previous, sequence: sequence, serial: serial) { piece in text.withUTF8(piece) }
  }

  /// The same, from the record's text handed over in pieces: an apply's record holds every
  /// change, and is hashed as it is made rather than held.
  static func hash(
    previous: String, sequence: Int, serial: Int, record: ((UnsafeBufferPointer<UInt8>) -> Void) -> Void
  ) -> String {
    var hasher = SHA256()
    hasher.update(data: Data("\(previous)\n\(sequence)\n\(serial)\n".utf8))
    record { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
  }

  /// What is wrong with a log: empty when the chain holds.
  public static func verify(_ entries: [AuditEntry]) -> [String] {
    var problems: [String] = []
    var previous = ""
    var expectedSequence = 1
    for entry in entries {
      if entry.sequence != expectedSequence {
        let what = entry.sequence > expectedSequence ? "deleted" : "inserted"
        problems.append(
          "entry \(entry.sequence): expected entry \(expectedSequence) here; an entry was \(what)")
      }
      if entry.previousHash != previous {
        problems.append(
          "entry \(entry.sequence): it does not follow the entry before it (an entry was inserted or deleted before it)"
        )
      }
      // Over the text as stored, as it was hashed when written: any change to it shows, and
      // nothing is decoded.
      let recomputed = hash(
        previous: entry.previousHash, sequence: entry.sequence, serial: entry.serial, recordText: entry.recordText)
      if recomputed != entry.hash {
        problems.append("entry \(entry.sequence): its content does not match its hash (it was edited)")
      }
      previous = entry.hash
      expectedSequence = entry.sequence + 1
    }
    return problems
  }
}
