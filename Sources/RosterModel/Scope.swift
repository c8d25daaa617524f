import KeyBytes

/// The levels at which a role can be bound, outermost first.
public enum ScopeLevel: String, Sendable, CaseIterable, Comparable, Codable {
  case organization
  case tenant
  case service
  case folder

  /// 0 for the organisation, growing inwards.
  public var depth: Int {
    switch self {
    case .organization: return 0
    case .tenant: return 1
    case .service: return 2
    case .folder: return 3
    }
  }

  public static func < (a: ScopeLevel, b: ScopeLevel) -> Bool { a.depth < b.depth }
}

/// A place where a role can be bound: the organisation, a tenant, a service inside a tenant,
/// or a folder (possibly nested) inside a service.
///
/// Written as `organization`, `tenant/emea`, `tenant/emea/service/orchestrator`,
/// `tenant/emea/service/orchestrator/folder/Shared[/folder/Sub]`. A binding at a scope applies
/// at every scope inside it.
public struct Scope: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var tenant: String?
  public var service: String?
  public var folders: [String]

  public init(tenant: String? = nil, service: String? = nil, folders: [String] = []) {
    self.tenant = tenant
    self.service = service
    self.folders = folders
  }

  /// The whole organisation.
  public static let organization = Scope()

  public var level: ScopeLevel {
    if !folders.isEmpty { return .folder }
    if service != nil { return .service }
    if tenant != nil { return .tenant }
    return .organization
  }

  /// The scope directly enclosing this one; nil for the organisation.
  public var parent: Scope? {
    if !folders.isEmpty { return Scope(tenant: tenant, service: service, folders: folders.dropLast()) }
    if service != nil { return Scope(tenant: tenant) }
    if tenant != nil { return .organization }
    return nil
  }

  /// This scope and every scope enclosing it, innermost first.
  public var selfAndAncestors: [Scope] {
    var result = [self]
    var current = self
    while let next = current.parent {
      result.append(next)
      current = next
    }
    return result
  }

  /// True when `other` is this scope or lies inside it.
  public func contains(_ other: Scope) -> Bool {
    if tenant == nil { return true }
    guard tenant == other.tenant else { return false }
    if service == nil { return true }
    guard service == other.service, folders.count <= other.folders.count else { return false }
    return Array(other.folders.prefix(folders.count)) == folders
  }

  public var description: String {
    guard let tenant else { return "organization" }
    // Appended piece by piece: every binding's key and scope field is written so, and
    // interpolating and joining parts cost ten times as much.
    var text = "tenant/"
    text.reserveCapacity(7 + tenant.utf8.count + (service?.utf8.count ?? 0) + 9 + folders.count * 16)
    text += tenant
    if let service {
      text += "/service/"
      text += service
    }
    for folder in folders {
      text += "/folder/"
      text += folder
    }
    return text
  }

  public static func < (a: Scope, b: Scope) -> Bool { a.description < b.description }

  /// Parses the written form. Names may hold any character but `/`; `*` is refused here
  /// (patterns are ``ScopePattern``).
  public init(parsing text: String) throws(ScopeSyntaxError) {
    self = try Scope.parse(text, allowWildcard: false)
  }

  static func parse(_ text: String, allowWildcard: Bool) throws(ScopeSyntaxError) -> Scope {
    // Read as bytes: '/' and ' ' are ASCII, which UTF-8 never holds inside another character
    // (read as characters, a scope took 28,000 instructions: a plan reads one for each binding
    // it changes, twice).
    var text = text
    let parts = text.withUTF8 { bytes in
      var (start, end) = (0, bytes.count)
      while start < end, bytes[start] == UInt8(ascii: " ") { start += 1 }
      while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
      var parts: [String] = []
      var from = start
      for i in start..<end where bytes[i] == UInt8(ascii: "/") {
        parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<i]), as: UTF8.self))
        from = i + 1
      }
      parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<end]), as: UTF8.self))
      return parts
    }
    if parts.count == 1, ["organization", "organisation", ""].contains(parts[0]) {
      return .organization
    }
    guard parts.count % 2 == 0 else {
      throw ScopeSyntaxError(text: text, problem: "expected pairs of level and name")
    }
    var scope = Scope()
    var index = 0
    while index < parts.count {
      let level = parts[index]
      let name = parts[index + 1]
      guard !name.isEmpty else {
        throw ScopeSyntaxError(text: text, problem: "'\(level)' has an empty name")
      }
      if name == "*" && !(allowWildcard && level == "tenant") {
        throw ScopeSyntaxError(
          text: text, problem: "'*' stands only for a tenant, and only in catalog patterns")
      }
      switch level {
      case "tenant" where index == 0:
        scope.tenant = name
      case "service" where index == 2:
        scope.service = name
      case "folder" where index >= 4:
        scope.folders.append(name)
      case "tenant", "service", "folder":
        throw ScopeSyntaxError(
          text: text,
          problem: "'\(level)' is out of order: scopes go tenant/NAME/service/NAME/folder/NAME")
      default:
        throw ScopeSyntaxError(
          text: text,
          problem: "unknown level '\(level)' (expected tenant, service or folder)")
      }
      index += 2
    }
    return scope
  }
}

/// A scope written with `*` for the tenant, as default groups' bindings are: bound in every
/// tenant where the rest of the scope exists.
public struct ScopePattern: Hashable, Sendable, CustomStringConvertible {
  public var scope: Scope

  public init(parsing text: String) throws(ScopeSyntaxError) {
    scope = try Scope.parse(text, allowWildcard: true)
  }

  public init(_ scope: Scope) { self.scope = scope }

  public var isWildcard: Bool { scope.tenant == "*" }

  /// The concrete scopes for these tenants (all of them for `*`).
  public func expand(tenants: [String]) -> [Scope] {
    guard isWildcard else { return [scope] }
    return tenants.map { Scope(tenant: $0, service: scope.service, folders: scope.folders) }
  }

  public var description: String { scope.description }
}

extension Scope {
  /// Scope texts parsed once each: a few hundred recur across 100,000 bindings. Found by their
  /// bytes (``KeyIndex``): in a dictionary of strings, hashing each text with Swift's hasher and
  /// comparing it with the key found was most of a lookup's thousand instructions.
  public struct ParseCache {
    private var texts = KeyIndex()
    private var parsed: [Scope] = []

    public init() {}

    /// Every scope parsed.
    public var scopes: [Scope] { parsed }

    public mutating func scope(_ text: String) throws(ScopeSyntaxError) -> Scope {
      var text = text
      if let found = text.withUTF8({ texts.position(of: $0) }) { return parsed[found] }
      let scope = try Scope(parsing: text)
      _ = text.withUTF8 { texts.insert($0) }
      parsed.append(scope)
      return scope
    }
  }
}

/// A scope that could not be read.
public struct ScopeSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
  public var text: String
  public var problem: String
  public var description: String { "invalid scope '\(text)': \(problem)" }
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
