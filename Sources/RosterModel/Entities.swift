/// How people sign in to the organisation.
public enum SignInMode: String, Sendable, Hashable, CaseIterable {
  /// Username and password (with optional 2FA).
  case password
  /// Only through the identity provider (IdP-managed login).
  case managed
}

/// The organisation's sign-in policy.
public struct SignInPolicy: Sendable, Hashable {
  public var mode: SignInMode
  /// The identity provider, required for managed login (e.g. `entra-id`).
  public var provider: String?
  /// 2FA required for every password login.
  public var requireTwoFactor: Bool

  public init(mode: SignInMode = .password, provider: String? = nil, requireTwoFactor: Bool = false) {
    self.mode = mode
    self.provider = provider
    self.requireTwoFactor = requireTwoFactor
  }
}

/// Settings that guard against harmful changes.
public struct SafetySettings: Sendable, Hashable {
  /// The fewest people who must hold administrator rights and be able to sign in.
  public var minAdmins: Int
  /// The largest share of users, memberships or bindings one plan may remove unconfirmed.
  public var maxRemovalRatio: Double

  public init(minAdmins: Int = 1, maxRemovalRatio: Double = 0.25) {
    self.minAdmins = minAdmins
    self.maxRemovalRatio = maxRemovalRatio
  }
}

/// The organisation: its platform, tier, sign-in policy and safety settings.
public struct Organization: Sendable, Hashable {
  public var name: String
  public var platform: String
  public var tier: String?
  public var signIn: SignInPolicy
  /// Directory users who sign in are created automatically.
  public var autoProvisioning: Bool
  /// Kinds the configuration states completely: objects of these kinds Roster did not create are
  /// removed when the configuration does not list them (others are left alone).
  public var fullyManaged: [ObjectKind] = []
  public var safety: SafetySettings

  public init(
    name: String, platform: String, tier: String? = nil, signIn: SignInPolicy = SignInPolicy(),
    autoProvisioning: Bool = false, safety: SafetySettings = SafetySettings()
  ) {
    self.name = name
    self.platform = platform
    self.tier = tier
    self.signIn = signIn
    self.autoProvisioning = autoProvisioning
    self.safety = safety
  }
}

/// A service enabled in a tenant, with its folders (paths such as `Shared` or `Finance/Invoices`).
public struct TenantService: Sendable, Hashable {
  public var name: String
  public var folders: [[String]]

  public init(name: String, folders: [[String]] = []) {
    self.name = name
    self.folders = folders
  }
}

/// A tenant of the organisation.
public struct Tenant: Sendable, Hashable {
  public var name: String
  public var services: [TenantService]

  public init(name: String, services: [TenantService] = []) {
    self.name = name
    self.services = services
  }
}

/// Where an account or group comes from.
public enum PrincipalSource: String, Sendable, Hashable, CaseIterable {
  /// Created in the platform itself.
  case local
  /// Linked to the identity provider's directory.
  case directory
}

/// A person's account.
public struct User: Sendable, Hashable {
  /// The email, which identifies the user (compared without regard to case).
  public var email: String
  public var name: String?
  public var source: PrincipalSource
  /// The identity provider's object id, for directory users.
  public var directoryId: String?
  public var twoFactorEnrolled: Bool
  public var disabled: Bool

  public init(
    email: String, name: String? = nil, source: PrincipalSource = .local,
    directoryId: String? = nil, twoFactorEnrolled: Bool = false, disabled: Bool = false
  ) {
    self.email = email
    self.name = name
    self.source = source
    self.directoryId = directoryId
    self.twoFactorEnrolled = twoFactorEnrolled
    self.disabled = disabled
  }
}

/// A group of principals; its roles apply to every member.
public struct Group: Sendable, Hashable {
  public var name: String
  public var description: String?
  public var source: PrincipalSource
  /// The identity provider's object id, for directory groups.
  public var directoryId: String?
  /// Members stated explicitly (automatic members of default groups are not listed).
  public private(set) var members: [PrincipalID]
  /// Each member's ``NameSieve`` hash, in the same order: made as the member is added, when its
  /// name is at hand, so that finding the groups of a few accounts passes over the members that
  /// are not theirs without reading their names (a cache miss for each of 100,000 members). A
  /// group's hash is 0, which every sieve holds: such a walk follows every group nested in
  /// another, and reads no other member to tell it from them.
  private(set) var memberHashes: [UInt32]
  /// One of the platform's default groups.
  public internal(set) var isDefault: Bool

  public init(
    name: String, description: String? = nil, source: PrincipalSource = .local,
    directoryId: String? = nil
  ) {
    self.name = name
    self.description = description
    self.source = source
    self.directoryId = directoryId
    self.members = []
    self.memberHashes = []
    self.isDefault = false
  }

  /// Adds `member` unless the list has it already (false then). A list of fewer than
  /// `lookedThrough` is looked through by its members' name hashes, reading only the members
  /// whose hash is the new one's; from then on `listed` holds the members (filled from the list
  /// when it is first needed: give an empty set for each group). A set for every group, filled
  /// at its start, cost 600 instructions a member added (Swift's hash of each).
  mutating func appendMember(_ member: PrincipalID, unlessIn listed: inout Set<PrincipalID>) -> Bool {
    let hash = member.kind == .group ? 0 : NameSieve.hash(member.name)
    if members.count < Self.lookedThrough {
      for i in memberHashes.indices where memberHashes[i] == hash && members[i] == member { return false }
    } else {
      if listed.isEmpty { listed.formUnion(members) }
      guard listed.insert(member).inserted else { return false }
    }
    members.append(member)
    memberHashes.append(hash)
    return true
  }

  /// Makes room for `count` more members (room for twice as many as now at least, so that a
  /// group made in many short runs is not copied for each).
  mutating func reserveMembers(_ count: Int) {
    let needed = members.count + count
    guard needed > members.capacity else { return }
    let room = Swift.max(needed, 2 * members.count)
    members.reserveCapacity(room)
    memberHashes.reserveCapacity(room)
  }

  /// How many members a list may have and be looked through for a repeat (see
  /// ``appendMember(_:unlessIn:)``): a pass over that many hashes costs less than a set's lookup.
  static let lookedThrough = 32

  /// Takes `member` off the list; false when it is not on it.
  mutating func removeMember(_ member: PrincipalID) -> Bool {
    guard let place = members.firstIndex(of: member) else { return false }
    members.remove(at: place)
    memberHashes.remove(at: place)
    return true
  }

  // Equal groups are equal in what they state: the hashes follow from the members.
  public static func == (a: Group, b: Group) -> Bool {
    a.name == b.name && a.description == b.description && a.source == b.source && a.directoryId == b.directoryId
      && a.isDefault == b.isDefault && a.members == b.members
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(description)
    hasher.combine(source)
    hasher.combine(directoryId)
    hasher.combine(isDefault)
    hasher.combine(members)
  }
}

/// An unattended account that runs automations.
public struct RobotAccount: Sendable, Hashable {
  public var name: String
  public var description: String?

  public init(name: String, description: String? = nil) {
    self.name = name
    self.description = description
  }
}

/// An external application that calls the platform with its own identity.
public struct ExternalApp: Sendable, Hashable {
  public var name: String
  /// The application's client id at the identity provider.
  public var appId: String?
  public var description: String?

  public init(name: String, appId: String? = nil, description: String? = nil) {
    self.name = name
    self.appId = appId
    self.description = description
  }
}

/// Who a binding or a question is about.
public enum PrincipalID: Sendable, Hashable, Comparable, CustomStringConvertible {
  case user(String)
  case group(String)
  case robot(String)
  case app(String)
  /// The platform's support staff, outside the organisation.
  case `operator`

  public var kind: PrincipalKind {
    switch self {
    case .user: return .user
    case .group: return .group
    case .robot: return .robot
    case .app: return .app
    case .operator: return .operator
    }
  }

  /// The name within its kind (the email for users).
  public var name: String {
    switch self {
    case .user(let n), .group(let n), .robot(let n), .app(let n): return n
    case .operator: return "operator"
    }
  }

  /// `user:ada@acme.example`, `group:Platform Admins`, `robot:nightly`, `app:ci`, `operator`.
  public var description: String {
    self == .operator ? "operator" : .joining(kind.rawValue, name, separator: ":")
  }

  /// By kind, then by name.
  public static func < (a: PrincipalID, b: PrincipalID) -> Bool {
    let (kindA, kindB) = (a.kind, b.kind)
    return kindA != kindB ? kindA < kindB : a.name < b.name
  }
}

extension Sequence {
  /// The elements in the order of their principals (``PrincipalID/<(_:_:)``), their names
  /// compared by bytes when both are ASCII (``String/order(_:_:_:_:)``, the same order): Swift's
  /// comparison took about a thousand instructions for two emails, and a plan sorts the few
  /// hundred accounts it reaches three times.
  public func sorted(byPrincipal principal: (Element) -> PrincipalID) -> [Element] {
    let elements = Array(self)
    let keys = elements.map { element in
      let id = principal(element)
      return (kind: id.kind, name: id.name, ascii: id.name.isASCII)
    }
    return keys.withUnsafeBufferPointer { keys in
      keys.indices.sorted { i, j in
        let (a, b) = (keys[i], keys[j])
        return a.kind != b.kind ? a.kind < b.kind : String.order(a.name, a.ascii, b.name, b.ascii) < 0
      }
    }.map { elements[$0] }
  }
}

/// A role bound to a principal at a scope.
public struct Binding: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var principal: PrincipalID
  public var role: String
  public var scope: Scope

  public init(principal: PrincipalID, role: String, scope: Scope = .organization) {
    self.principal = principal
    self.role = role
    self.scope = scope
  }

  public static func < (a: Binding, b: Binding) -> Bool {
    (a.principal, a.role, a.scope) < (b.principal, b.role, b.scope)
  }

  public var description: String { "\(principal) → \(role) at \(scope)" }
}
