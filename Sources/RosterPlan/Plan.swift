import Crypto
import Foundation
import RosterModel

/// A plan: the changes that turn the stored state into the desired one, tied to the state it was
/// made against (lineage and serial) and sealed with a digest, so that `apply` refuses a stale or
/// an edited plan. Its JSON form is documented in `docs/plan-format.md`.
public struct Plan: Sendable, Codable, Hashable {
  /// The version of this format; readers refuse a version they do not know.
  public static let formatVersion = "1"

  public var formatVersion: String
  /// The state's identity, minted by `roster init`.
  public var lineage: String
  /// The state's serial when the plan was made; apply needs the same serial.
  public var serial: Int
  /// Where the desired state came from: a directory, or a repository and commit.
  public var source: String
  /// The desired commit's id, when the desired state came from git.
  public var commit: String?
  /// Who made the plan, and who will be recorded as applying it.
  public var actor: String
  public var changes: [Change]
  /// Objects whose stored values differ from what Roster last wrote: changes made outside git.
  public var drift: [Change]
  /// The platform catalog's text when the organisation uses a custom one (stored with the state).
  public var catalogSource: String?
  /// What the safety rules found (errors refuse the plan unless overridden).
  public var findings: [SafetyFinding]
  /// The override flags given (`--allow-mass-removal`, `--confirm-sign-in-change`).
  public var overrides: [String]
  /// Who gains and loses which permissions where, and through which change.
  public var impact: [ImpactEntry]
  /// SHA-256 of everything above, hex; empty for a plan made unsealed (see the initialiser).
  public var digest: String

  /// `sealed`: the digest is made (else left empty: a plan only shown, never saved nor given as
  /// JSON, is not written out whole to be hashed, 534 KB and 38 M instructions for 453 users
  /// leaving at 10,000 users, on one core after everything else).
  public init(
    lineage: String, serial: Int, source: String, commit: String?, actor: String, changes: [Change],
    drift: [Change], catalogSource: String?, findings: [SafetyFinding] = [], overrides: [String] = [],
    impact: [ImpactEntry] = [], sealed: Bool = true
  ) {
    self.formatVersion = Self.formatVersion
    self.lineage = lineage
    self.serial = serial
    self.source = source
    self.commit = commit
    self.actor = actor
    self.changes = changes
    self.drift = drift
    self.catalogSource = catalogSource
    self.findings = findings
    self.overrides = overrides.sorted()
    self.impact = impact
    self.digest = ""
    if sealed { self.digest = computedDigest }
  }

  /// What the digest should be for the plan's content.
  public var computedDigest: String {
    var copy = self
    copy.digest = ""
    var hasher = SHA256()
    Self.writeCanonical(copy) { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    return hex(hasher.finalize())
  }

  /// The findings that refuse the plan.
  public var blocking: [SafetyFinding] { findings.filter(\.blocks) }

  /// True when the digest matches the content (the plan was not edited).
  public var isIntact: Bool { digest == computedDigest }

  public var counts: (add: Int, change: Int, remove: Int) {
    (
      changes.filter { $0.action == .create }.count,
      changes.filter { $0.action == .update || $0.action == .rename || $0.action == .adopt }.count,
      changes.filter { $0.action == .delete }.count
    )
  }

  /// `Plan: 2 to add, 1 to change, 0 to remove.`
  public var summary: String {
    let c = counts
    return "Plan: \(c.add) to add, \(c.change) to change, \(c.remove) to remove."
  }

  /// Sorted keys and no extra spaces, so equal values give equal bytes.
  public static func canonicalJSON<T: Encodable>(_ value: T) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)) ?? Data()
  }

  /// The plan file's bytes: pretty, sorted JSON with a final newline (``writeFile(to:)`` hands
  /// them over in pieces).
  public func fileData() -> Data {
    var data = Data()
    writeFile { data.append($0) }
    return data
  }

  /// Reads a plan file, refusing an unknown format version.
  public static func read(_ data: Data) throws -> Plan {
    // The whole plan is decoded once; only a file that is not a plan of this version is read
    // again, for its version (decoding parses the whole file, 2 MB for 10,000 changes).
    let decoded: Result<Plan, any Error> = Result { try JSONDecoder().decode(Plan.self, from: data) }
    if case .success(let plan) = decoded, plan.formatVersion == formatVersion { return plan }
    struct Version: Decodable { var formatVersion: String? }
    let version = try? JSONDecoder().decode(Version.self, from: data)
    guard let found = version?.formatVersion else {
      throw PlanFileError("not a Roster plan file (no formatVersion)")
    }
    guard found == formatVersion else {
      throw PlanFileError("plan format version \(found) is not supported (this Roster reads version \(formatVersion))")
    }
    if case .failure(let error) = decoded { throw PlanFileError("the plan file is damaged: \(error)") }
    throw PlanFileError("the plan file is damaged")
  }
}

/// A plan file that cannot be used.
public struct PlanFileError: Error, Sendable, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// SHA-256 of bytes, as lower-case hex.
public func sha256Hex(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

private func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
