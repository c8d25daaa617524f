import Foundation
import RosterModel

/// What a plan does to people's access: for each group of accounts the same change affects the
/// same way, the permissions they gain and lose at a scope, and the change that causes it.
public struct ImpactEntry: Sendable, Hashable, Codable {
  /// The accounts (users, robot accounts, applications), canonical form.
  public var principals: [String]
  public var scope: String
  /// Permission titles gained and lost at the scope (and every scope inside it).
  public var gained: [String]
  public var lost: [String]
  /// The change that causes it, as the plan names it.
  public var cause: String

  public init(principals: [String], scope: String, gained: [String], lost: [String], cause: String) {
    self.principals = principals
    self.scope = scope
    self.gained = gained
    self.lost = lost
    self.cause = cause
  }
}

public enum Impact {
  /// The cause as readers group it: the same kind of change to the same group or role reads the same.
  static func label(_ change: Change) -> String {
    let parts = change.keyParts
    let verb = change.action == .delete ? "removed" : change.action == .create ? "added" : "changed"
    switch change.kind {
    case .binding where parts.count == 3: return "role '\(parts[1])' at \(parts[2]) \(verb == "added" ? "bound" : verb)"
    case .membership where parts.count == 2: return "membership of group '\(parts[0])' \(verb)"
    case .organization: return "the organisation's tier changed"
    case .role: return "custom role '\(change.key)' \(verb)"
    default: return "\(change.kind.rawValue) \(change.key) \(verb)"
    }
  }

  /// The access impact of `changes`, computed only for the accounts the changed objects reach.
  public static func compute(changes: [Change], before: AccessModel, after: AccessModel) -> [ImpactEntry] {
    compute(changes: changes, before: Lazy(value: before), after: after)
  }

  /// The same, with the current state's model made only if a change reaches someone (none when it
  /// cannot be built).
  public static func compute(changes: [Change], before lazyBefore: Lazy<AccessModel?>, after: AccessModel)
    -> [ImpactEntry]
  {
    compute(changes: changes, before: lazyBefore, after: after, partsFrom: 64, partSize: 32)
  }

  /// The same; the accounts reached are compared in parts of `partSize` on two threads at once
  /// when there are `partsFrom` or more (parameters for the tests, which compare both ways).
  static func compute(
    changes: [Change], before lazyBefore: Lazy<AccessModel?>, after: AccessModel, partsFrom: Int, partSize: Int
  ) -> [ImpactEntry] {
    // Both states' models, the current one made on first use.
    func models() -> [AccessModel] { [lazyBefore.value, after].compactMap { $0 } }
    // Which accounts each change reaches, in either state.
    var causes: [PrincipalID: String] = [:]
    func reach(_ principal: PrincipalID, _ change: Change) {
      // An account reaches itself alone (a queue and a set for each of a plan's 2,254 changes
      // that reach one account each were a fifth of finding them).
      guard principal.kind == .group else {
        if causes[principal] == nil { causes[principal] = label(change) }
        return
      }
      var queue = [principal]
      var seen = Set<PrincipalID>()
      while let next = queue.popLast() {
        guard seen.insert(next).inserted else { continue }
        if case .group(let name) = next {
          for model in models() {
            queue += model.groups[name]?.members ?? []
            if let group = model.catalog.defaultGroup(name), group.automaticMembers != .none {
              queue += model.users.values.filter {
                group.automaticMembers == .allUsers || $0.source == .local
              }.map { .user($0.email) }
            }
          }
        } else if causes[next] == nil {
          causes[next] = label(change)
        }
      }
    }
    // Relations first, so that a new account's access is put down to its roles, not its creation.
    func priority(_ kind: ObjectKind) -> Int {
      switch kind {
      case .binding, .membership: 0
      case .organization: 1
      case .role: 2
      default: 3
      }
    }
    // Each priority's changes in the plan's order, a pass each (sorting the 2,254 changes of a
    // plan, each moved whole, took as long as finding whom they reach).
    for rank in 0...3 {
      for change in changes where priority(change.kind) == rank {
        switch change.kind {
        case .binding, .membership:
          // A membership reaches its member (and a group's members), not the group's other
          // members, whose access it does not change.
          let (parts, place) = (change.keyParts, change.kind == .binding ? 0 : 1)
          if place < parts.count, let principal = PrincipalID(canonical: parts[place]) { reach(principal, change) }
        case .user:
          // A new name or directory id changes no one's access.
          if change.action == .update, change.fields.allSatisfy({ ["name", "directoryId"].contains($0.field) }) {
            continue
          }
          reach(.user(change.key), change)
          if let from = change.from { reach(.user(from), change) }
        case .group:
          reach(.group(change.key), change)
        case .robot: reach(.robot(change.key), change)
        case .app: reach(.app(change.key), change)
        case .role:
          for model in models() {
            for (principal, bindings) in model.bindingsByPrincipal
            where bindings.contains(where: { $0.role == change.key }) {
              reach(principal, change)
            }
          }
        case .organization:
          guard change.fields.contains(where: { $0.field == "tier" }) else { continue }
          let everyone = Set(models().flatMap { $0.users.values.map { PrincipalID.user($0.email) } })
          for user in everyone { reach(user, change) }
        case .tenant:
          continue
        }
      }
    }
    guard !causes.isEmpty else { return [] }
    // Tables of the accounts reached alone (the whole organisation's took most of a plan's time),
    // the desired state's made while the current state's model is being made, if it is: first,
    // since beside the safety rules no other core is free and this thread runs both in turn.
    let reached = Set(causes.keys)
    let (afterAuthorizer, madeBefore) = concurrently(
      { Authorizer(after, only: reached) }, { lazyBefore.value.map { Authorizer($0, only: reached) } })
    guard let beforeAuthorizer = madeBefore else { return [] }
    let before = beforeAuthorizer.model
    let titles = TitleSets(after.catalog.permissions, numberedBefore: before.catalog)
    let scopes = BothScopes(before: beforeAuthorizer.scopeNumbers, after: afterAuthorizer.scopeNumbers)
    // The accounts of each entry (an entry without its accounts), the titles as bitsets, for a
    // run of the accounts reached in order.
    @Sendable func entries(_ accounts: ArraySlice<(key: PrincipalID, value: String)>) -> [EntryKey: [String]] {
      var grouped: [EntryKey: [String]] = [:]
      var numbers: [Int32] = []
      var reported: [(scope: Int32, gained: [UInt64], lost: [UInt64])] = []
      // Each scope's text, made when first reported.
      var scopeTexts = [String?](repeating: nil, count: scopes.scopes.count)
      for (principal, cause) in accounts {
        let number = (before: beforeAuthorizer.number(of: principal), after: afterAuthorizer.number(of: principal))
        // The scopes to compare: the organisation and every scope a role is held at in either
        // state (elsewhere each holds what it holds around), by number, so outermost first.
        numbers.removeAll(keepingCapacity: true)
        numbers.append(0)
        if let p = number.before { numbers += beforeAuthorizer.heldScopes(of: p).map { scopes.fromBefore[Int($0)] } }
        if let p = number.after { numbers += afterAuthorizer.heldScopes(of: p) }
        numbers.sort()
        reported.removeAll(keepingCapacity: true)
        for (i, scope) in numbers.enumerated() where i == 0 || numbers[i - 1] != scope {
          // What the account may use there, on its own account and what it owns, in each state
          // (nothing where it or the scope does not exist).
          let was = titles.inAfterNumbers(
            beforeAuthorizer.permissions(of: number.before, at: scopes.inBefore[Int(scope)]))
          let now = afterAuthorizer.permissions(of: number.after, at: scopes.inAfter(scope))
          var gained = titles.titles(of: zip(now, was).map { $0 & ~$1 })
          var lost = titles.titles(of: zip(was, now).map { $0 & ~$1 })
          // What an enclosing scope already reports is not repeated inside it.
          for outer in reported where scopes.encloses(outer.scope, scope) {
            for w in gained.indices {
              gained[w] &= ~outer.gained[w]
              lost[w] &= ~outer.lost[w]
            }
          }
          guard gained.contains(where: { $0 != 0 }) || lost.contains(where: { $0 != 0 }) else { continue }
          reported.append((scope, gained, lost))
          let scopeText = scopeTexts[Int(scope)] ?? scopes.scopes[Int(scope)].description
          scopeTexts[Int(scope)] = scopeText
          grouped[EntryKey(cause: cause, scope: scopeText, gained: gained, lost: lost), default: []]
            .append(principal.description)
        }
      }
      return grouped
    }
    // In parts of `size` accounts or more, taken in turn by this thread and another (``inTurns``):
    // the safety rules beside this usually finish first, and their core is then free (a third
    // of a leavers' plan's impact came after them; in two fixed halves, the other thread's
    // often began only then and this one's half was left to run alone).
    let accounts = causes.sorted(byPrincipal: \.key)
    // At most 8 parts, each part's entries held until all are done (a first plan's 50,000
    // accounts in parts of 32 held 1,563 tables at once, 35 MB more at its peak; in 8 parts it
    // peaks at 275-276 MB, in two halves at 266-272 MB).
    let size = max(partSize, (accounts.count + 7) / 8)
    let parts =
      accounts.count < partsFrom
      ? [entries(accounts[...])]
      : inTurns((accounts.count + size - 1) / size) { part in
        entries(accounts[part * size..<min(accounts.count, (part + 1) * size)])
      }
    var grouped = parts[0]
    // An entry in several parts lists the first part's accounts first: all in order.
    for part in parts.dropFirst() {
      for (key, principals) in part { grouped[key, default: []] += principals }
    }
    // The entries made and sorted in two halves at once, then merged (one thread's 15 M
    // instructions were the impact's last 5 ms, the other core free).
    let keyed = Array(grouped)
    @Sendable func sorted(_ half: ArraySlice<(key: EntryKey, value: [String])>) -> [Sortable] {
      half.map { key, principals in
        Sortable(
          entry: ImpactEntry(
            principals: principals, scope: key.scope, gained: titles.list(key.gained), lost: titles.list(key.lost),
            cause: key.cause),
          causeASCII: key.cause.isASCII, scopeASCII: key.scope.isASCII)
      }.sorted { Sortable.precedes($0, $1) }
    }
    guard keyed.count >= partsFrom else { return sorted(keyed[...]).map(\.entry) }
    let halves = inTurns(2) { half in sorted(half == 0 ? keyed[..<(keyed.count / 2)] : keyed[(keyed.count / 2)...]) }
    return Sortable.merged(halves[0], halves[1])
  }
}

/// An impact entry as the entries are sorted: by cause, then scope, then the permissions gained
/// and lost; each cause and scope compared once, by ``String/order(_:_:_:_:)`` (as a tuple of
/// strings, each up to four times: a tenth of a leavers' plan's impact, its 2,188 entries'
/// causes alike for 40 bytes).
private struct Sortable: Sendable {
  var entry: ImpactEntry
  var causeASCII: Bool
  var scopeASCII: Bool

  @inline(__always) static func precedes(_ a: Sortable, _ b: Sortable) -> Bool {
    let cause = String.order(a.entry.cause, a.causeASCII, b.entry.cause, b.causeASCII)
    if cause != 0 { return cause < 0 }
    let scope = String.order(a.entry.scope, a.scopeASCII, b.entry.scope, b.scopeASCII)
    if scope != 0 { return scope < 0 }
    return a.entry.gained != b.entry.gained
      ? a.entry.gained.lexicographicallyPrecedes(b.entry.gained)
      : a.entry.lost.lexicographicallyPrecedes(b.entry.lost)
  }

  /// The entries of two sorted lists, in order (no two entries are alike: each is its own key).
  static func merged(_ a: [Sortable], _ b: [Sortable]) -> [ImpactEntry] {
    var out: [ImpactEntry] = []
    out.reserveCapacity(a.count + b.count)
    var (i, j) = (0, 0)
    while i < a.count && j < b.count {
      if precedes(b[j], a[i]) {
        out.append(b[j].entry)
        j += 1
      } else {
        out.append(a[i].entry)
        i += 1
      }
    }
    out += a[i...].map(\.entry)
    out += b[j...].map(\.entry)
    return out
  }
}

/// The scopes of both states, numbered as the desired state's are (see ``ScopeNumbers``), with
/// those only the current state has after them, each after the scopes around it: a scope the
/// plan does not change is one number in both states' tables (the same table, when the current
/// state's model is the desired one with the plan undone and no tenant changed).
private struct BothScopes {
  /// The scopes by number.
  let scopes: [Scope]
  private let parent: [Int32]
  /// How many scopes the desired state has: the numbers below.
  private let inDesired: Int
  /// Each scope's number in the current state's table, by number; -1 where it has none.
  let inBefore: [Int32]
  /// The number of each of the current state's scopes, by its number in that state's table.
  let fromBefore: [Int32]

  init(before: ScopeNumbers, after: ScopeNumbers) {
    inDesired = after.scopes.count
    guard before !== after else {
      (scopes, parent) = (after.scopes, after.parent)
      inBefore = Array(0..<Int32(inDesired))
      fromBefore = inBefore
      return
    }
    var (scopes, parent) = (after.scopes, after.parent)
    var inBefore = [Int32](repeating: -1, count: scopes.count)
    var fromBefore: [Int32] = []
    fromBefore.reserveCapacity(before.scopes.count)
    for (old, scope) in before.scopes.enumerated() {
      if let number = after.number(of: scope) {
        inBefore[Int(number)] = Int32(old)
        fromBefore.append(number)
      } else {
        // Its parent, numbered before it in the current state's table, is numbered already.
        let oldParent = before.parent[old]
        fromBefore.append(Int32(scopes.count))
        scopes.append(scope)
        parent.append(oldParent < 0 ? -1 : fromBefore[Int(oldParent)])
        inBefore.append(Int32(old))
      }
    }
    (self.scopes, self.parent, self.inBefore, self.fromBefore) = (scopes, parent, inBefore, fromBefore)
  }

  /// The scope's number in the desired state's table; -1 where it has none.
  func inAfter(_ scope: Int32) -> Int32 { Int(scope) < inDesired ? scope : -1 }

  /// Whether the scope numbered `outer` lies around the one numbered `inner` (not the same):
  /// the scopes around a scope have smaller numbers.
  func encloses(_ outer: Int32, _ inner: Int32) -> Bool {
    var scope = parent[Int(inner)]
    while scope > outer { scope = parent[Int(scope)] }
    return scope == outer
  }
}

/// An impact entry while its accounts are gathered: its titles as bitsets of ``TitleSets``.
private struct EntryKey: Hashable {
  var cause: String
  var scope: String
  var gained: [UInt64]
  var lost: [UInt64]
}

/// The permissions' titles, numbered in their order (one number for a title two permissions
/// share): what an account gains and loses is compared as bitsets of these and written out in
/// order, where sets of titles, hashed and sorted, took most of a 500-leavers plan's impact.
private struct TitleSets {
  /// The distinct titles, sorted.
  let sorted: [String]
  /// Each permission's title's number in `sorted`, by the permission's number.
  let number: [Int]
  /// Each of the current state's permission numbers by the desired state's, when they differ
  /// (a catalog changed); nil when the two catalogs number the same permissions the same.
  let numberBefore: [Int?]?
  let permissionWords: Int

  init(_ permissions: [Permission], numberedBefore catalog: PlatformCatalog) {
    sorted = Set(permissions.map(\.title)).sorted()
    let index = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($0.element, $0.offset) })
    number = permissions.map { index[$0.title] ?? 0 }
    let before = permissions.map { catalog.permissionNumber($0.id) }
    let same =
      catalog.permissions.count == permissions.count && before.enumerated().allSatisfy { $0.element == $0.offset }
    numberBefore = same ? nil : before
    permissionWords = max(1, (permissions.count + 63) / 64)
  }

  private static func holds(_ bits: [UInt64], _ number: Int) -> Bool {
    number / 64 < bits.count && bits[number / 64] & (1 << UInt64(number % 64)) != 0
  }

  /// A bitset of the current state's permission numbers as one of the desired state's.
  func inAfterNumbers(_ bits: [UInt64]) -> [UInt64] {
    if numberBefore == nil && bits.count == permissionWords { return bits }
    var result = [UInt64](repeating: 0, count: permissionWords)
    for number in number.indices {
      guard let old = numberBefore.map({ $0[number] }) ?? number, Self.holds(bits, old) else { continue }
      result[number / 64] |= 1 << UInt64(number % 64)
    }
    return result
  }

  /// The titles of a bitset of permissions, as a bitset of their numbers.
  func titles(of permissions: [UInt64]) -> [UInt64] {
    var result = [UInt64](repeating: 0, count: (sorted.count + 63) / 64)
    for (w, word) in permissions.enumerated() where word != 0 {
      var rest = word
      while rest != 0 {
        let title = number[w * 64 + rest.trailingZeroBitCount]
        result[title / 64] |= 1 << UInt64(title % 64)
        rest &= rest - 1
      }
    }
    return result
  }

  /// A bitset of titles' numbers as the titles, in order.
  func list(_ bits: [UInt64]) -> [String] {
    // By the bits set (each title looked at in turn, for each of 2,188 entries, was a tenth of
    // a leavers' plan's impact).
    var titles: [String] = []
    for (w, word) in bits.enumerated() {
      var rest = word
      while rest != 0 {
        titles.append(sorted[w * 64 + rest.trailingZeroBitCount])
        rest &= rest - 1
      }
    }
    return titles
  }
}
