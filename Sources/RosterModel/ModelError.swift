/// A mutation of the model or catalog that was refused, and why.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of rule refused it; each maps to a stable rule id in diagnostics.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// A name that is already taken.
    case duplicate
    /// A reference to something that does not exist.
    case unknownReference
    /// A value outside what the field allows.
    case invalidValue
    /// A role bound at a level, to a kind of principal, or in a way its catalog does not allow.
    case roleBinding
    /// A platform rule (one organisation-level role per account, group nesting, …).
    case platformRule
    /// A built-in role redefined or added to.
    case builtInRole
  }

  public var kind: Kind
  public var message: String
  /// For an unknown reference: the closest existing name.
  public var suggestion: String?
  /// For an unknown reference: what kind of thing was named ("role", "tenant", "user", …).
  public var referenceKind: String?

  public init(_ kind: Kind, _ message: String, suggestion: String? = nil, referenceKind: String? = nil) {
    self.kind = kind
    self.message = message
    self.suggestion = suggestion
    self.referenceKind = referenceKind
  }

  public var description: String {
    if let suggestion { return "\(message) (did you mean '\(suggestion)'?)" }
    return message
  }

  /// An unknown name, with the closest candidate as a suggestion.
  static func unknown(
    _ what: String, _ name: String, among candidates: some Sequence<String>, context: String = ""
  ) -> ModelError {
    ModelError(
      .unknownReference, "unknown \(what) '\(name)'\(context)",
      suggestion: closestMatch(to: name, in: candidates), referenceKind: what)
  }
}

/// The candidate nearest to `name` by edit distance, if it is near enough to be a likely typo.
public func closestMatch(to name: String, in candidates: some Sequence<String>) -> String? {
  let target = Array(name.lowercased().unicodeScalars)
  var best: (String, Int)?
  for candidate in candidates {
    let distance = editDistance(target, Array(candidate.lowercased().unicodeScalars))
    if let current = best, (current.1, current.0) <= (distance, candidate) { continue }
    best = (candidate, distance)
  }
  guard let (candidate, distance) = best else { return nil }
  let limit = max(2, min(target.count, candidate.count) / 3)
  return distance <= limit && distance > 0 ? candidate : nil
}

func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    }
    swap(&previous, &current)
  }
  return previous[b.count]
}
