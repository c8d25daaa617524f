/// The state compiled into indexed tables, so that a check is a few lookups, never a scan
/// over rules: principal × scope → permission bitsets (unconditional, *own*, *self*), already
/// intersected with the organisation's tier.
///
/// Answers are plain; ``AccessModel/decide(_:)`` gives the same answer with its reasons.
///
/// A class, made once and never changed: a copy is one reference (as a struct, each copy
/// retained the model's and the tables' two dozen parts; a plan's safety rules read the actor's
/// table once for each role given or taken).
public final class Authorizer: Sendable {
  /// What a principal holds of one permission at one scope.
  public enum Access: Sendable, Hashable {
    case denied
    case allowed
    /// Only on resources the principal created.
    case ownOnly
    /// Only on the principal's own account.
    case selfOnly
  }

  public let model: AccessModel
  /// 64-bit words per bitset.
  let words: Int
  let principalIndex: [PrincipalID: Int32]
  let principals: [PrincipalID]
  /// The model's scopes by number (shared with the model and its copies that changed no tenant).
  public let scopeNumbers: ScopeNumbers
  /// `scopeNumbers.parent`, held here for the checks' walk up the scopes.
  private let scopeParent: [Int32]
  /// Each principal's entries, by its number p: entries `runs[p]..<runs[p + 1]`, one for each
  /// scope it holds something at, that scope's number in `heldScopes`, in increasing order (a
  /// check finds its scope and the scopes above it among the few of one principal, side by side,
  /// where a table of all principals' entries was a cache miss for each). Entry i's three bitsets
  /// are `bits[3 * words * i ..< 3 * words * (i + 1)]`.
  private let runs: [Int32]
  private let heldScopes: [Int32]
  private let bits: [UInt64]

  /// Compiles the model. Linear in bindings, memberships and principals.
  ///
  /// With `only`, the tables hold those principals alone: any other is denied everything and
  /// `whoCan` does not list it. For questions about a few accounts of a large model, as a plan's
  /// access impact and its safety rules ask (compiling every account of 50,000 users for the one
  /// a change reaches took most of such a plan's time); their groups are found with
  /// ``AccessModel/groupsByMember(of:)``.
  public init(_ model: AccessModel, only chosen: Set<PrincipalID>? = nil) {
    let catalog = model.catalog
    let words = max(1, (catalog.permissions.count + 63) / 64)
    let scopeNumbers = model.scopeNumbers

    var accounts: [PrincipalID]
    if let chosen {
      accounts = Array(Set(chosen.compactMap { model.exists($0) ? model.canonical($0) : nil }))
    } else {
      accounts = model.users.values.map { .user($0.email) }
      accounts += model.robots.keys.map { .robot($0) }
      accounts += model.apps.keys.map { .app($0) }
      accounts += model.groups.keys.map { .group($0) }
      if catalog.platformOperator != nil { accounts.append(.operator) }
    }
    accounts = accounts.sorted(byPrincipal: { $0 })

    let roleBits = Self.compileRoles(model, words: words)
    let byPrincipal = model.bindingsByPrincipal
    let memberOf = chosen == nil ? model.groupsByMember : model.groupsByMember(of: Set(accounts))

    // Each group's roles, including those of the groups it is (transitively) in.
    var groupHoldings: [String: [(String, Scope)]] = [:]
    func effective(_ group: String) -> [(String, Scope)] {
      if let known = groupHoldings[group] { return known }
      var list = model.ownHoldings(ofGroup: group, bindingsByPrincipal: byPrincipal).map { ($0.role, $0.scope) }
      for parent in memberOf[.group(group)] ?? [] { list += effective(parent) }
      groupHoldings[group] = list
      return list
    }

    var principalIndex: [PrincipalID: Int32] = [:]
    var principals: [PrincipalID] = []
    var runs: [Int32] = [0]
    var heldScopes: [Int32] = []
    var bits: [UInt64] = []
    var granted: [(scope: Int32, bits: [UInt64])] = []
    for principal in accounts {
      principalIndex[principal] = Int32(principals.count)
      principals.append(principal)
      defer { runs.append(Int32(heldScopes.count)) }
      if case .user(let email) = principal, model.user(email)?.disabled == true { continue }
      var held: [(String, Scope)] = []
      switch principal {
      case .operator:
        held = (catalog.platformOperator?.roles ?? []).map { ($0, .organization) }
      case .group(let name):
        held = effective(name)
      default:
        held = (byPrincipal[principal] ?? []).map { ($0.role, $0.scope) }
        var groups = memberOf[principal] ?? []
        groups += model.automaticGroups(of: principal).filter { !groups.contains($0) }
        for group in groups { held += effective(group) }
      }
      granted.removeAll(keepingCapacity: true)
      for (role, scope) in held {
        guard let roleBits = roleBits[role], let scopeNumber = scopeNumbers.number(of: scope) else { continue }
        granted.append((scopeNumber, roleBits))
      }
      granted.sort { $0.scope < $1.scope }
      let first = heldScopes.count
      for (scope, roleBits) in granted {
        if heldScopes.count == first || heldScopes[heldScopes.count - 1] != scope {
          heldScopes.append(scope)
          bits.append(contentsOf: repeatElement(0, count: 3 * words))
        }
        let base = (heldScopes.count - 1) * 3 * words
        for w in 0..<(3 * words) { bits[base + w] |= roleBits[w] }
      }
    }
    self.model = model
    self.words = words
    self.scopeNumbers = scopeNumbers
    scopeParent = scopeNumbers.parent
    self.principalIndex = principalIndex
    self.principals = principals
    self.runs = runs
    self.heldScopes = heldScopes
    self.bits = bits
  }

  /// Each role's permissions as three bitsets (unconditional, own, self), with the tier's
  /// missing features already removed.
  private static func compileRoles(_ model: AccessModel, words: Int) -> [String: [UInt64]] {
    let catalog = model.catalog
    let tierFeatures = Set(model.tier?.features ?? [])
    var result: [String: [UInt64]] = [:]
    for role in model.allRoles {
      var set = [UInt64](repeating: 0, count: 3 * words)
      for (permission, condition) in model.grants(of: role) {
        guard model.reaches(role, permission) else { continue }
        if let feature = permission.feature, !tierFeatures.contains(feature) { continue }
        guard let number = catalog.permissionNumber(permission.id) else { continue }
        let part: Int
        switch condition {
        case nil: part = 0
        case .own: part = 1
        case .ownAccount: part = 2
        }
        set[part * words + number / 64] |= 1 << UInt64(number % 64)
      }
      result[role.id] = set
    }
    return result
  }

  /// The compiled number of a principal, for repeated checks.
  public func number(of principal: PrincipalID) -> Int32? {
    principalIndex[model.canonical(principal)]
  }

  /// The compiled number of a scope, for repeated checks.
  public func number(of scope: Scope) -> Int32? { scopeNumbers.number(of: scope) }

  /// What a principal holds of a permission at a scope, by compiled numbers.
  @inline(__always)
  public func access(principal: Int32, permission: Int, scope: Int32) -> Access {
    let word = permission / 64
    let mask: UInt64 = 1 << UInt64(permission % 64)
    var own = false
    var ownAccount = false
    guard principal >= 0, Int(principal) < principals.count else { return .denied }
    let (lower, upper) = (Int(runs[Int(principal)]), Int(runs[Int(principal) + 1]))
    var s = scope
    while lower < upper, s >= 0 {
      if let entry = entry(of: s, in: lower, upper) {
        let base = entry * 3 * words
        if bits[base + word] & mask != 0 { return .allowed }
        if bits[base + words + word] & mask != 0 { own = true }
        if bits[base + 2 * words + word] & mask != 0 { ownAccount = true }
      }
      s = scopeParent[Int(s)]
    }
    if own { return .ownOnly }
    if ownAccount { return .selfOnly }
    return .denied
  }

  /// The entry of `scope` among entries `lower..<upper` (one principal's), by halving.
  @inline(__always)
  private func entry(of scope: Int32, in lower: Int, _ upper: Int) -> Int? {
    var (low, high) = (lower, upper)
    while low < high {
      let middle = (low + high) / 2
      if heldScopes[middle] < scope { low = middle + 1 } else { high = middle }
    }
    return low < upper && heldScopes[low] == scope ? low : nil
  }

  /// The permissions `principal` may use at `scope` on its own account and on what it owns,
  /// each as ``isAllowed(_:_:at:owner:)`` answers with the principal as `owner`: a bitset by
  /// permission number (``PlatformCatalog/permissionNumber(_:)``), all clear for a principal or
  /// a scope not compiled. For comparing all of a principal's permissions at once, as a plan's
  /// access impact does (asked one by one, each question looked its principal, scope and
  /// permission up by text again).
  public func permissions(of principal: PrincipalID, at scope: Scope) -> [UInt64] {
    permissions(of: number(of: principal), at: number(of: scope) ?? -1)
  }

  /// The same, by compiled numbers: all clear for no principal or scope -1.
  public func permissions(of principal: Int32?, at scope: Int32) -> [UInt64] {
    guard let principal else { return [UInt64](repeating: 0, count: words) }
    let rights = rights(of: principal, at: scope)
    return (0..<words).map { rights[$0] | rights[words + $0] | rights[2 * words + $0] }
  }

  /// What the principal numbered `principal` holds at the scope numbered `scope`, as the three
  /// bitsets a check reads (unconditional, on what it owns, on its own account), each gathered
  /// from the scope and those around it: where two scopes give the same, every check answers
  /// alike (all clear for scope -1).
  public func rights(of principal: Int32, at scope: Int32) -> [UInt64] {
    var result = [UInt64](repeating: 0, count: 3 * words)
    let (lower, upper) = (Int(runs[Int(principal)]), Int(runs[Int(principal) + 1]))
    var s = scope
    while lower < upper, s >= 0 {
      if let entry = entry(of: s, in: lower, upper) {
        let base = entry * 3 * words
        for w in 0..<(3 * words) { result[w] |= bits[base + w] }
      }
      s = scopeParent[Int(s)]
    }
    return result
  }

  /// The numbers of the scopes where the principal numbered `principal` holds a role (bound
  /// there, or through a group), in increasing order: elsewhere it holds only what it holds at a
  /// scope around. None for a disabled user.
  public func heldScopes(of principal: Int32) -> ArraySlice<Int32> {
    heldScopes[Int(runs[Int(principal)])..<Int(runs[Int(principal) + 1])]
  }

  /// Whether `principal` may use `permission` at `scope`, on a resource owned by `owner`
  /// (for *self* permissions: the account acted on; nil means the principal's own).
  public func isAllowed(
    _ principal: PrincipalID, _ permissionID: String, at scope: Scope = .organization,
    owner: PrincipalID? = nil
  ) -> Bool {
    guard let p = number(of: principal), let s = number(of: scope),
      let permission = model.catalog.permissionNumber(permissionID)
    else { return false }
    switch access(principal: p, permission: permission, scope: s) {
    case .allowed: return true
    case .denied: return false
    case .ownOnly: return owner.map { model.canonical($0) } == model.canonical(principal)
    case .selfOnly: return owner.map { model.canonical($0) == model.canonical(principal) } ?? true
    }
  }

  /// The accounts (users, robot accounts, external applications, the operator) that hold a
  /// permission at a scope, each with the condition it holds it under.
  public func whoCan(_ permissionID: String, at scope: Scope = .organization) -> [(PrincipalID, Access)] {
    guard let permission = model.catalog.permissionNumber(permissionID), let s = number(of: scope) else {
      return []
    }
    var result: [(PrincipalID, Access)] = []
    for (index, principal) in principals.enumerated() where principal.kind != .group {
      let access = access(principal: Int32(index), permission: permission, scope: s)
      if access != .denied { result.append((principal, access)) }
    }
    return result
  }
}
