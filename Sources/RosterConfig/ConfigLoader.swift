import Foundation
import RosterModel
import RosterYAML

/// One configuration file's path (relative to the configuration's root) and bytes.
public struct ConfigFile: Sendable {
  public var path: String
  public var bytes: [UInt8]

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
  }

  public init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }
}

/// The desired state read from configuration files, or what kept it from being read.
public struct LoadedConfig: Sendable {
  /// The model, when the configuration had no errors.
  public var model: AccessModel?
  /// Every problem, in file, line and column order.
  public var diagnostics: [Diagnostic]
  public var fileCount: Int
  public var documentCount: Int
  /// Objects renamed with `previously:`: kind → new key → old key.
  public var renames: [ObjectKind: [String: String]] = [:]
  /// The `AccessTest` documents, for `roster test` and the plan's guardrails.
  public var accessTests: [AccessTestDocument] = []
}

/// Reads configuration documents (`apiVersion: roster/v1`, any layout, several per file) into
/// an ``AccessModel``, strictly: unknown kinds, unknown or missing fields, wrong types and
/// unknown references are errors with file, line and column, all reported at once.
public enum ConfigLoader {
  public static let apiVersion = "roster/v1"
  public static let kinds = [
    "Organization", "Platform", "Tenant", "User", "UserList", "Group", "Role", "RobotAccount", "ExternalApp",
    "AccessTest",
  ]

  /// Compiles the document schemas and decodes the shipped platforms on a thread of their own:
  /// both are made once, when first used, and reading a configuration needs both soon after
  /// it starts; made meanwhile, they are ready when its files are (about a third of a small
  /// configuration's time, spent on another core while the command line is parsed and the files
  /// listed). Whoever needs either before it is made waits for it.
  public static func prepareInBackground() {
    Thread.detachNewThread {
      _ = DocumentSchemas.compiled
      _ = BuiltinCatalogs.names.map(BuiltinCatalogs.catalog)
    }
  }

  /// - Parameter files: taken, so that their bytes go once they are read.
  public static func load(_ files: consuming [ConfigFile], limits: YAMLLimits = .default) -> LoadedConfig {
    let fileCount = files.count
    var loader = Loader(limits: limits)
    loader.run(files)
    let diagnostics = loader.diagnostics
    return LoadedConfig(
      model: diagnostics.hasErrors ? nil : loader.model,
      diagnostics: diagnostics.sortedByLocation(),
      fileCount: fileCount, documentCount: loader.documentCount, renames: loader.renames,
      accessTests: loader.accessTests)
  }
}

/// A document with its kind and where it came from.
private struct Document: Sendable {
  var kind: String
  var root: YAMLNode
  var file: String
}

/// A User or UserList document, read on the worker that read its file (see
/// ``Loader/readUsers(_:scopes:)``): the users, what was found reading them, their bindings.
/// Its YAML is not kept: most of a configuration is users, and their files' trees go as soon as
/// they are read, before the model is built.
private struct UserDocument: Sendable {
  var file: String
  var users: [ReadUser] = []
  /// What reading the document and its users found, in order; each user has its part.
  var findings: [Diagnostic] = []
  /// The users' bindings; each user has its part.
  var bindings: [PendingBinding] = []
}

/// A user read from its mapping on the worker that read its file, to be added to the model in
/// document order: what reading it found, and its bindings, whose findings count only if the
/// user is added (a user refused, as a duplicate say, has its roles left unread). Its findings
/// and bindings are parts of its document's lists: a list of each per user cost more than the
/// rest of reading it.
private struct ReadUser: Sendable {
  /// Nil when it could not be read (not a mapping, no email).
  var user: User?
  var previously: String?
  /// Where a refusal of the user is reported: its email.
  var mark: YAMLMark
  /// What reading it found, what reading its bindings found, and its bindings.
  var findings: Range<Int>
  var bindingFindings: Range<Int> = 0..<0
  var bindings: Range<Int> = 0..<0
}

/// A binding read, to be made once every principal, tenant and role exists, and where it was
/// written.
private struct PendingBinding: Sendable {
  var binding: Binding
  var place: Place
}

/// Where something was written. (A struct, not a tuple, as are the lists' elements here: the
/// runtime destroys a list of tuples element by element through their type's description.)
private struct Place: Sendable {
  var file: String
  var mark: YAMLMark
}

/// Where a member or a binding waiting for ``Loader/relate()`` was written, its file by number
/// in ``PendingPlaces/files``: 12 bytes, where a ``Place`` is 32 (200,000 wait at 50,000 users).
private struct PendingPlaces {
  private var places: [(file: UInt32, line: UInt32, column: UInt32)] = []
  private(set) var files: [String] = []
  private var numbers: [String: UInt32] = [:]

  mutating func reserveCapacity(_ count: Int) { places.reserveCapacity(count) }

  mutating func append(_ place: Place) {
    let file: UInt32
    // Places come a document at a time: the file is usually the last one's.
    if let last = files.last, last == place.file {
      file = UInt32(files.count - 1)
    } else if let known = numbers[place.file] {
      file = known
    } else {
      file = UInt32(files.count)
      files.append(place.file)
      numbers[place.file] = file
    }
    places.append((file, UInt32(clamping: place.mark.line), UInt32(clamping: place.mark.column)))
  }

  subscript(index: Int) -> Place {
    let place = places[index]
    return Place(file: files[Int(place.file)], mark: YAMLMark(line: Int(place.line), column: Int(place.column)))
  }

  mutating func append(contentsOf other: PendingPlaces) {
    for index in other.places.indices { append(other[index]) }
  }
}

private struct Loader {
  let limits: YAMLLimits
  let sink = DiagnosticSink()
  var model: AccessModel?
  var documentCount = 0
  /// Bindings and memberships are read with their principal or group, and applied once every
  /// principal, tenant and role exists. They are kept as what was read, not as YAML nodes, so
  /// that the files' trees can go before they are applied; each has its place in the files at
  /// the same index of its list of places.
  var pendingBindings: [Binding] = []
  var bindingPlaces = PendingPlaces()
  var pendingMembers = GroupMembers()
  var memberPlaces = PendingPlaces()

  /// Documents that failed their schema: file and lines.
  var schemaFailed: [(file: String, lines: Range<Int>)] = []

  init(limits: YAMLLimits, scopes: ScopeCache = ScopeCache()) {
    self.limits = limits
    parsedScopes = scopes
  }

  var renames: [ObjectKind: [String: String]] = [:]
  /// Scopes already parsed: a few hundred texts recur across a hundred thousand bindings.
  let parsedScopes: ScopeCache
  var accessTests: [AccessTestDocument] = []

  /// The schema's findings, kept apart from the decoder's until the end.
  var schemaDiagnostics: [Diagnostic] = []

  /// Every finding: the schema's, then the decoder's less those on the structure of documents
  /// that failed their schema and those repeated at the same place under the same rule. One
  /// mistake, one diagnostic, in the schema's words.
  var diagnostics: [Diagnostic] {
    let structural: Set<String> = [Rule.unknownField.id, Rule.missingField.id, Rule.wrongType.id]
    var seen = Set(schemaDiagnostics.map { "\($0.location?.description ?? "-") \($0.rule.id)" })
    let decoded = sink.items.filter { item in
      guard seen.insert("\(item.location?.description ?? "-") \(item.rule.id)").inserted else { return false }
      guard structural.contains(item.rule.id), let location = item.location else { return true }
      return !schemaFailed.contains { $0.file == location.file && $0.lines.contains(location.line) }
    }
    return schemaDiagnostics + decoded
  }

  mutating func run(_ files: consuming [ConfigFile]) {
    // Layers 1 and 2, file by file on every core, the largest files first: each file's YAML,
    // its documents' kinds and their schemas depend on that file alone. What they found is
    // taken in file order, so the result is the same as reading them one after the other.
    let limits = self.limits
    let scopes = parsedScopes
    // Each file's tree goes once it is read (but for the documents kept), its lists to the next.
    let lists = YAMLListPool()
    var read = files.parallelMap(heaviestFirst: files.map(\.bytes.count)) {
      Self.read($0, limits: limits, scopes: scopes, lists: lists)
    }
    lists.close()
    // What is held from here on is what was read: the files' bytes go (as much as the YAML).
    _ = consume files
    var documents: [Document] = []
    var userDocuments: [UserDocument] = []
    for file in read {
      for diagnostic in file.diagnostics { sink.add(diagnostic) }
      schemaDiagnostics += file.schemaDiagnostics
      schemaFailed += file.schemaFailed
      documentCount += file.documentCount
      documents += file.documents
      userDocuments += file.users
    }
    read = []
    guard var model = makeModel(documents) else { return }
    model.reserve(
      users: userDocuments.reduce(0) { $0 + $1.users.count }, groups: documents.count { $0.kind == "Group" })
    // Moved, not copied: a copy left here would share the tables, and the first user added
    // would copy the users' table (10 MB at 50,000 users) while this one held the first.
    self.model = consume model
    for doc in documents {
      switch doc.kind {
      case "Tenant": tenant(doc)
      case "Role": role(doc)
      default: break
      }
    }
    // Room for the users' bindings and (about) the other documents': a list grown by doubling
    // holds twice as much for a moment, the most this list ever holds.
    let bindings = userDocuments.reduce(0) { $0 + $1.bindings.count } + documents.count
    pendingBindings.reserveCapacity(bindings)
    bindingPlaces.reserveCapacity(bindings)
    // The users on this core, and the groups, robots and applications on the other at once:
    // each side adds to its own part of the model (`AccessModel.parting()`), with its own
    // findings and pending bindings, put together after in the order that adding them one
    // after the other gives (the users' first).
    var others = Loader(limits: limits, scopes: parsedScopes)
    others.model = self.model?.parting()
    let principalKinds: Set<String> = ["Group", "RobotAccount", "ExternalApp"]
    // Each side's loader is swapped into its box, not copied: a copy left here would hold its
    // tables while they were changed there.
    let principals = Handoff((loader: Loader(limits: limits), documents: [Document]()))
    swap(&principals.value.loader, &others)
    principals.value.documents = documents.filter { principalKinds.contains($0.kind) }
    // Only the access tests are read from here on: the other documents' trees go once read
    // (most of a configuration's memory while it loads).
    documents.removeAll { $0.kind != "AccessTest" }
    let users = Handoff((loader: Loader(limits: limits), documents: [UserDocument]()))
    swap(&users.value.loader, &self)
    swap(&users.value.documents, &userDocuments)
    _ = concurrently(
      {
        // Each document is taken out, and goes once its users are in the model and its bindings
        // pending.
        for index in users.value.documents.indices {
          var doc = UserDocument(file: "")
          swap(&doc, &users.value.documents[index])
          users.value.loader.addUsers(of: &doc)
        }
        users.value.documents = []
      },
      {
        // Room for the groups' members (about 32 bytes of text each), counted on this side.
        let members = principals.value.documents.reduce(0) {
          $0 + ($1.kind == "Group" ? $1.root["members"]?.sequence?.count ?? 0 : 0)
        }
        principals.value.loader.pendingMembers.reserveCapacity(members, bytes: members * 32)
        principals.value.loader.memberPlaces.reserveCapacity(members)
        for doc in principals.value.documents {
          switch doc.kind {
          case "Group": principals.value.loader.group(doc)
          case "RobotAccount": principals.value.loader.robot(doc)
          case "ExternalApp": principals.value.loader.app(doc)
          default: break
          }
        }
        principals.value.documents = []
      })
    swap(&self, &users.value.loader)
    take(&principals.value.loader)
    relate()
    // Access tests last: they name principals, permissions and scopes of the finished model.
    if let model = self.model {
      for doc in documents where doc.kind == "AccessTest" {
        let test = AccessTestDocument(doc.root, file: doc.file)
        for problem in test.problems(in: model, root: doc.root) { sink.add(problem) }
        accessTests.append(test)
      }
    }
  }

  /// What one file holds once read and checked against the schemas: its documents, and what
  /// was found on the way.
  struct ReadFile: Sendable {
    /// Its documents but users, and its users' documents read.
    var documents: [Document] = []
    var users: [UserDocument] = []
    var documentCount = 0
    /// The reader's and the classifier's findings, in the order they were made.
    var diagnostics: [Diagnostic] = []
    var schemaDiagnostics: [Diagnostic] = []
    var schemaFailed: [(file: String, lines: Range<Int>)] = []
  }

  /// Reads one file: its YAML (layer 1), each document's `apiVersion` and `kind`, and each
  /// document against the schema of its kind (layer 2).
  static func read(_ file: ConfigFile, limits: YAMLLimits, scopes: ScopeCache, lists: YAMLListPool) -> ReadFile {
    scopes.withCache { read(file, limits: limits, scopes: &$0, lists: lists) }
  }

  private static func read(
    _ file: ConfigFile, limits: YAMLLimits, scopes: inout Scope.ParseCache, lists: YAMLListPool
  ) -> ReadFile {
    var result = ReadFile()
    let stream = YAMLReader.read(file.bytes, file: file.path, limits: limits, reusing: lists)
    result.diagnostics = stream.errors.map { Diagnostic(yamlError: $0) }
    // A file with a syntax error may have lost documents: read none of it rather than half.
    if stream.errors.contains(where: { $0.kind != .duplicateKey }) { return result }
    let sink = DiagnosticSink()
    let json = stream.documents.first?.root.source.json
    for document in stream.documents where !document.root.isNull {
      result.documentCount += 1
      guard let doc = classify(document, sink: sink) else { continue }
      // The document is decoded all the same, so that its references are checked too; the
      // decoder's own findings on its structure are then dropped (the schema said it first, in
      // its words).
      let violations = json.map { DocumentSchemas.check(doc.root, in: $0, kind: doc.kind, file: doc.file) } ?? []
      result.schemaDiagnostics += violations
      if !violations.isEmpty {
        let next = stream.documents.first { $0.index > document.index }?.root.mark.line ?? Int.max
        result.schemaFailed.append((file.path, document.root.mark.line..<next))
      }
      if doc.kind == "User" || doc.kind == "UserList" {
        result.users.append(readUsers(doc, scopes: &scopes))
      } else {
        result.documents.append(doc)
      }
    }
    result.diagnostics += sink.items
    return result
  }

  /// Checks `apiVersion` and `kind`.
  static func classify(_ document: YAMLDocument, sink: DiagnosticSink) -> Document? {
    let file = document.file
    guard document.root.mapping != nil else {
      sink.error(
        .documentKind, "a document must be a mapping with apiVersion and kind, not a \(document.root.kindName)",
        file: file, at: document.root.mark)
      return nil
    }
    guard let version = document.root["apiVersion"] else {
      sink.error(
        .documentKind, "document has no 'apiVersion' (expected \(ConfigLoader.apiVersion))", file: file,
        at: document.root.mark)
      return nil
    }
    guard version.string == ConfigLoader.apiVersion else {
      sink.error(
        .documentKind, "unsupported apiVersion '\(version.scalar?.text ?? version.kindName)'", file: file,
        at: version.mark, hint: "expected '\(ConfigLoader.apiVersion)'")
      return nil
    }
    guard let kindNode = document.root["kind"] else {
      sink.error(
        .documentKind, "document has no 'kind'", file: file, at: document.root.mark,
        hint: "one of \(ConfigLoader.kinds.joined(separator: ", "))")
      return nil
    }
    guard let kind = kindNode.string, ConfigLoader.kinds.contains(kind) else {
      let text = kindNode.scalar?.text ?? kindNode.kindName
      sink.error(
        .documentKind, "unknown kind '\(text)'", file: file, at: kindNode.mark,
        hint: closestMatch(to: text, in: ConfigLoader.kinds).map { "did you mean '\($0)'?" }
          ?? "one of \(ConfigLoader.kinds.joined(separator: ", "))")
      return nil
    }
    return Document(kind: kind, root: document.root, file: file)
  }

  // MARK: Organisation and platform

  mutating func makeModel(_ documents: [Document]) -> AccessModel? {
    var customCatalogs: [String: (PlatformCatalog, Document)] = [:]
    for doc in documents where doc.kind == "Platform" {
      guard let catalog = CatalogDecoder.decode(doc.root, file: doc.file, sink: sink) else { continue }
      if BuiltinCatalogs.catalog(catalog.name) != nil {
        sink.error(
          .invalidCatalog, "platform '\(catalog.name)' is shipped with Roster; give a custom platform another name",
          file: doc.file, at: doc.root["name"]?.mark ?? doc.root.mark)
      } else if let (_, first) = customCatalogs[catalog.name] {
        sink.error(
          .duplicateName, "platform '\(catalog.name)' is defined twice (first in \(first.file))", file: doc.file,
          at: doc.root.mark)
      } else {
        customCatalogs[catalog.name] = (catalog, doc)
      }
    }
    let organizations = documents.filter { $0.kind == "Organization" }
    guard let orgDoc = organizations.first else {
      sink.add(
        Diagnostic(
          .error, .organizationCount, "no Organization document found", at: nil,
          hint: "add one document with 'kind: Organization'"))
      return nil
    }
    for extra in organizations.dropFirst() {
      sink.error(
        .organizationCount,
        "a second Organization document (the first is at \(orgDoc.file):\(orgDoc.root.mark))",
        file: extra.file, at: extra.root.mark)
    }
    guard let organization = organization(orgDoc) else { return nil }
    guard let catalog = customCatalogs[organization.platform]?.0 ?? BuiltinCatalogs.catalog(organization.platform)
    else {
      let known = BuiltinCatalogs.names + customCatalogs.keys.sorted()
      sink.error(
        .unknownPlatform, "unknown platform '\(organization.platform)'", file: orgDoc.file,
        at: orgDoc.root["platform"]?.mark ?? orgDoc.root.mark,
        hint: closestMatch(to: organization.platform, in: known).map { "did you mean '\($0)'?" }
          ?? "one of \(known.joined(separator: ", ")), or a Platform document of this configuration")
      return nil
    }
    do {
      return try AccessModel(organization: organization, catalog: catalog)
    } catch {
      sink.refused(error, file: orgDoc.file, at: orgDoc.root.mark)
      return nil
    }
  }

  func organization(_ doc: Document) -> Organization? {
    guard
      let r = MappingReader(
        doc.root, file: doc.file, sink: sink, what: "Organization",
        keys: [
          "apiVersion", "kind", "name", "description", "platform", "tier", "signIn", "autoProvisioning",
          "fullyManaged", "safety",
        ])
    else { return nil }
    let name = r.string("name", required: true)
    let platform = r.string("platform", required: true)
    _ = r.string("description")
    var organization = Organization(name: name ?? "", platform: platform ?? "", tier: r.string("tier"))
    if let s = r.mapping("signIn", keys: ["mode", "provider", "requireTwoFactor"]) {
      organization.signIn = SignInPolicy(
        mode: s.choice("mode", SignInMode.self, required: true) ?? .password, provider: s.string("provider"),
        requireTwoFactor: s.bool("requireTwoFactor") ?? false)
    }
    organization.autoProvisioning = r.bool("autoProvisioning") ?? false
    organization.fullyManaged = r.strings("fullyManaged").compactMap { ObjectKind(rawValue: $0.0) }
    if let s = r.mapping("safety", keys: ["minAdmins", "maxRemovalRatio"]) {
      organization.safety = SafetySettings(
        minAdmins: s.int("minAdmins") ?? 1, maxRemovalRatio: s.number("maxRemovalRatio") ?? 0.25)
    }
    return name != nil && platform != nil ? organization : nil
  }

  // MARK: Objects

  /// Applies one mutation; a refused one is reported at `mark` and changes nothing.
  mutating func attempt(_ file: String, _ mark: YAMLMark, _ body: (inout AccessModel) throws -> Void) {
    // Changed in place (a copy would retain every table, and changing it would copy them; taking
    // it out and putting it back moved the whole model twice for every member and binding): the
    // model's mutations are all-or-nothing, so a refused one leaves it as it was.
    do {
      try model?.change(body)
    } catch {
      sink.refused(error, file: file, at: mark)
    }
  }

  mutating func tenant(_ doc: Document) {
    guard
      let r = MappingReader(
        doc.root, file: doc.file, sink: sink, what: "Tenant",
        keys: ["apiVersion", "kind", "name", "previously", "description", "services"]),
      let name = r.string("name", required: true)
    else { return }
    rename(.tenant, to: name, from: r.string("previously"))
    _ = r.string("description")
    var tenant = Tenant(name: name)
    for item in r.list("services") {
      if let serviceName = item.string {
        tenant.services.append(TenantService(name: serviceName))
        continue
      }
      guard
        let s = MappingReader(
          item, file: doc.file, sink: sink, what: "a service of tenant '\(name)'",
          keys: ["name", "folders"]),
        let serviceName = s.string("name", required: true)
      else { continue }
      let folders = s.strings("folders").map { text, _ in text.split(separator: "/").map(String.init) }
      tenant.services.append(TenantService(name: serviceName, folders: folders))
    }
    attempt(doc.file, doc.root["name"]?.mark ?? doc.root.mark) { try $0.addTenant(tenant) }
  }

  mutating func role(_ doc: Document) {
    guard let role = CatalogDecoder.decodeRole(doc.root, file: doc.file, sink: sink, builtIn: false) else { return }
    rename(.role, to: role.id, from: doc.root["previously"]?.string)
    attempt(doc.file, doc.root["id"]?.mark ?? doc.root.mark) { try $0.defineRole(role) }
  }

  /// The keys of a role binding written as a mapping.
  static let bindingKeys = ["role", "scope"]
  static let userKeys = [
    "email", "previously", "name", "description", "source", "directoryId", "twoFactor", "disabled", "roles",
  ]

  /// Records that an object was called `old` before (`previously:`), so a plan renames it.
  mutating func rename(_ kind: ObjectKind, to name: String, from old: String?) {
    guard let old else { return }
    let key = { (text: String) in kind == .user ? text.userKey : text }
    renames[kind, default: [:]][key(name)] = key(old)
  }

  /// Reads the users of a User or UserList document: everything but adding them to the model,
  /// so that it is done on the worker that read the file.
  static func readUsers(_ doc: Document, scopes: inout Scope.ParseCache) -> UserDocument {
    var read = UserDocument(file: doc.file)
    let sink = DiagnosticSink()
    if doc.kind == "User" {
      read.users = [
        readUser(doc.root, in: &read, what: "User", extraKeys: ["apiVersion", "kind"], sink: sink, scopes: &scopes)
      ]
    } else if let r = MappingReader(
      doc.root, file: doc.file, sink: sink, what: "UserList", keys: ["apiVersion", "kind", "description", "users"])
    {
      _ = r.string("description")
      let items = r.list("users", required: true)
      read.users.reserveCapacity(items.count)
      // Room for two roles a user: grown by doubling, the list was copied, its memory taken
      // from the system afresh each time (a sixth of a validate's page faults).
      read.bindings.reserveCapacity(items.count * 2)
      for item in items {
        read.users.append(readUser(item, in: &read, what: "a user", sink: sink, scopes: &scopes))
      }
    }
    read.findings = sink.items
    return read
  }

  /// Reads one user of `doc`; its bindings go to the document's list, its findings to `sink`.
  static func readUser(
    _ node: YAMLNode, in doc: inout UserDocument, what: String, extraKeys: [String] = [], sink: DiagnosticSink,
    scopes: inout Scope.ParseCache
  ) -> ReadUser {
    let first = sink.items.count
    var read = ReadUser(mark: node.mark, findings: first..<first)
    guard
      let r = MappingReader(
        node, file: doc.file, sink: sink, what: what, keys: extraKeys.isEmpty ? userKeys : extraKeys + userKeys),
      let email = r.string("email", required: true)
    else {
      read.findings = first..<sink.items.count
      return read
    }
    read.mark = node["email"]?.mark ?? node.mark
    read.previously = r.string("previously")
    _ = r.string("description")
    read.user = User(
      email: email, name: r.string("name"), source: r.choice("source", PrincipalSource.self) ?? .local,
      directoryId: r.string("directoryId"), twoFactorEnrolled: r.bool("twoFactor") ?? false,
      disabled: r.bool("disabled") ?? false)
    read.findings = first..<sink.items.count
    if let roles = r.node("roles") {
      let bindingsStart = doc.bindings.count
      readBindings(roles, of: .user(email), into: &doc.bindings, file: doc.file, sink: sink, scopes: &scopes)
      read.bindings = bindingsStart..<doc.bindings.count
      read.bindingFindings = read.findings.upperBound..<sink.items.count
    }
    return read
  }

  /// Adds the users of a User or UserList document, with what was found reading them. Each
  /// user is moved out of the document, not copied (a copy retained and released its every
  /// text): the document is spent.
  mutating func addUsers(of doc: inout UserDocument) {
    var next = 0
    for index in doc.users.indices {
      let (findings, bindingFindings) = (doc.users[index].findings, doc.users[index].bindingFindings)
      // The document's own findings come before its first user's.
      for finding in doc.findings[next..<findings.upperBound] { sink.add(finding) }
      next = bindingFindings.isEmpty ? findings.upperBound : bindingFindings.upperBound
      guard let user = doc.users[index].user.take() else { continue }
      rename(.user, to: user.email, from: doc.users[index].previously)
      // Added here, not through `attempt`, whose closure would keep the user (and copy it).
      do throws(ModelError) {
        try model?.addUser(user)
      } catch {
        sink.refused(error, file: doc.file, at: doc.users[index].mark)
        continue
      }
      for finding in doc.findings[bindingFindings] { sink.add(finding) }
      pend(&doc.bindings, doc.users[index].bindings)
    }
    for finding in doc.findings[next...] { sink.add(finding) }
  }

  mutating func group(_ doc: Document) {
    guard
      let r = MappingReader(
        doc.root, file: doc.file, sink: sink, what: "Group",
        keys: ["apiVersion", "kind", "name", "previously", "description", "source", "directoryId", "members", "roles"]),
      let name = r.string("name", required: true)
    else { return }
    rename(.group, to: name, from: r.string("previously"))
    let isDefault = model?.groups[name]?.isDefault == true
    if isDefault {
      // A default group exists already: its document adds members and roles, nothing else.
      for key in ["source", "directoryId"] where r.has(key) {
        sink.error(
          .platformRule, "'\(name)' is a default group of the platform; its '\(key)' cannot be set", file: doc.file,
          at: r.node(key)?.mark ?? doc.root.mark)
      }
      _ = r.string("description")
    } else {
      let group = Group(
        name: name, description: r.string("description"), source: r.choice("source", PrincipalSource.self) ?? .local,
        directoryId: r.string("directoryId"))
      let before = model?.groups.count
      attempt(doc.file, doc.root["name"]?.mark ?? doc.root.mark) { try $0.addGroup(group) }
      guard model?.groups.count != before else { return }
    }
    pendingMembers.startGroup(name)
    for item in r.list("members") {
      guard let text = MappingReader.string(item, file: doc.file, sink: sink, what: "a member of group '\(name)'")
      else { continue }
      pendingMembers.append(text)
      memberPlaces.append(Place(file: doc.file, mark: item.mark))
    }
    if let roles = r.node("roles") {
      pendBindings(roles, of: .group(name), file: doc.file)
    }
  }

  mutating func robot(_ doc: Document) {
    guard
      let r = MappingReader(
        doc.root, file: doc.file, sink: sink, what: "RobotAccount",
        keys: ["apiVersion", "kind", "name", "previously", "description", "roles"]),
      let name = r.string("name", required: true)
    else { return }
    rename(.robot, to: name, from: r.string("previously"))
    let before = model?.robots.count
    attempt(doc.file, doc.root["name"]?.mark ?? doc.root.mark) {
      try $0.addRobot(RobotAccount(name: name, description: r.string("description")))
    }
    if let roles = r.node("roles"), model?.robots.count != before {
      pendBindings(roles, of: .robot(name), file: doc.file)
    }
  }

  mutating func app(_ doc: Document) {
    guard
      let r = MappingReader(
        doc.root, file: doc.file, sink: sink, what: "ExternalApp",
        keys: ["apiVersion", "kind", "name", "previously", "appId", "description", "roles"]),
      let name = r.string("name", required: true)
    else { return }
    rename(.app, to: name, from: r.string("previously"))
    let before = model?.apps.count
    attempt(doc.file, doc.root["name"]?.mark ?? doc.root.mark) {
      try $0.addApp(ExternalApp(name: name, appId: r.string("appId"), description: r.string("description")))
    }
    if let roles = r.node("roles"), model?.apps.count != before {
      pendBindings(roles, of: .app(name), file: doc.file)
    }
  }

  // MARK: Relations

  /// Adds the members read and makes the bindings read, once every principal, tenant and role
  /// exists; each refused is reported where it was written.
  mutating func relate() {
    // Taken out, so that the model relating is the only holder of its tables.
    guard var model = model.take() else { return }
    // The bindings are handed over, to become the model's list.
    let bindings = pendingBindings
    pendingBindings = []
    let (memberRefusals, bindingRefusals) = model.relate(
      members: pendingMembers,
      resolve: { text, model throws(ModelError) in try PrincipalReference.resolve(text, in: model) },
      usersByKey: PrincipalReference.emailsAreUsers(in: model),
      bindings: consume bindings, found: true, scopes: parsedScopes.scopes.union([.organization]))
    self.model = model
    for (place, refusal) in memberRefusals {
      sink.refused(refusal, file: memberPlaces[place].file, at: memberPlaces[place].mark)
    }
    for (place, refusal) in bindingRefusals {
      sink.refused(refusal, file: bindingPlaces[place].file, at: bindingPlaces[place].mark)
    }
    (pendingMembers, memberPlaces, pendingBindings, bindingPlaces) = (
      GroupMembers(), PendingPlaces(), [], PendingPlaces()
    )
  }

  /// Takes what the other side of ``run(_:)`` added and read (the groups, robots and
  /// applications), after what this one did.
  mutating func take(_ others: inout Loader) {
    if let part = others.model.take() { model?.takePrincipals(of: part) }
    for item in others.sink.items { sink.add(item) }
    pendingBindings.reserveCapacity(pendingBindings.count + others.pendingBindings.count)
    for index in others.pendingBindings.indices {
      pendingBindings.append(moveOut(&others.pendingBindings[index], leaving: .placeholder))
    }
    bindingPlaces.append(contentsOf: others.bindingPlaces)
    swap(&pendingMembers, &others.pendingMembers)
    swap(&memberPlaces, &others.memberPlaces)
    renames.merge(others.renames) { mine, _ in mine }
    others = Loader(limits: limits)
  }

  /// Reads a group's, robot's or application's `roles` and keeps them, to be made by ``relate()``.
  mutating func pendBindings(_ roles: YAMLNode, of principal: PrincipalID, file: String) {
    let sink = self.sink
    var bindings = parsedScopes.withCache {
      Self.readBindings(roles, of: principal, file: file, sink: sink, scopes: &$0)
    }
    pend(&bindings, bindings.indices)
  }

  /// Keeps the bindings read in `range`, moved out of `bindings` (see
  /// ``RosterModel/moveOut(_:leaving:)``), to be made by ``relate()``.
  mutating func pend(_ bindings: inout [PendingBinding], _ range: Range<Int>) {
    for index in range {
      bindingPlaces.append(bindings[index].place)
      pendingBindings.append(moveOut(&bindings[index].binding, leaving: .placeholder))
    }
  }

  /// The `role` and `scope` (if given) of a binding written as a mapping of those two keys and
  /// no other; nil for any other mapping, which a ``MappingReader`` reads and reports on.
  static func plainBinding(_ item: YAMLNode) -> (role: YAMLNode, scope: YAMLNode?)? {
    guard let pairs = item.mapping, pairs.count <= 2 else { return nil }
    var role: YAMLNode?
    var scope: YAMLNode?
    for pair in pairs {
      switch pair.key.string {
      case "role": role = pair.value
      case "scope": scope = pair.value
      default: return nil
      }
    }
    return role.map { ($0, scope) }
  }

  /// Reads a principal's `roles`, to be bound once every principal, tenant and role exists.
  static func readBindings(
    _ node: YAMLNode, of principal: PrincipalID, file: String, sink: DiagnosticSink, scopes: inout Scope.ParseCache
  ) -> [PendingBinding] {
    var bindings: [PendingBinding] = []
    readBindings(node, of: principal, into: &bindings, file: file, sink: sink, scopes: &scopes)
    return bindings
  }

  /// Reads a principal's `roles` onto the end of `bindings` (a document's list for its users: a
  /// list of each user's own, then appended, cost an allocation for every user).
  static func readBindings(
    _ node: YAMLNode, of principal: PrincipalID, into bindings: inout [PendingBinding], file: String,
    sink: DiagnosticSink, scopes: inout Scope.ParseCache
  ) {
    guard let items = node.isNull ? YAMLSequence.empty : node.sequence else {
      sink.error(.wrongType, "'roles' must be a list, not a \(node.kindName)", file: file, at: node.mark)
      return
    }
    for item in items {
      var roleID: String?
      var scope = Scope.organization
      var scopeNode: YAMLNode?
      if item.string != nil {
        roleID = item.string
      } else if let (role, given) = plainBinding(item) {
        // A mapping of `role` and perhaps `scope`, as nearly every binding is written: read
        // where it is, without a reader for it (which cost as much as the rest of the binding).
        roleID = MappingReader.string(role, file: file, sink: sink, what: "'role' of a role binding")
        scopeNode = given
      } else {
        guard
          let r = MappingReader(item, file: file, sink: sink, what: "a role binding", keys: Self.bindingKeys)
        else { continue }
        roleID = r.string("role", required: true)
        scopeNode = r.node("scope")
      }
      if let scopeNode {
        guard let text = MappingReader.string(scopeNode, file: file, sink: sink, what: "'scope'") else { continue }
        do {
          scope = try scopes.scope(text)
        } catch {
          sink.error(.unknownScope, error.description, file: file, at: scopeNode.mark)
          continue
        }
      }
      guard let roleID else { continue }
      bindings.append(
        PendingBinding(
          binding: Binding(principal: principal, role: roleID, scope: scope), place: Place(file: file, mark: item.mark))
      )
    }
  }
}

extension AccessModel {
  /// Runs `body` on the model itself: called through optional chaining, a model held in an
  /// optional is changed where it is, not copied out and back.
  fileprivate mutating func change(_ body: (inout AccessModel) throws -> Void) rethrows { try body(&self) }
}

/// Scopes already parsed, for the workers that read files at once: a few hundred texts recur
/// across a hundred thousand bindings. Each file is read with a cache of its own, taken from
/// those the files read before it filled and given back after, so that no lock is taken for
/// each binding (with one cache behind a lock for every worker, the lock and its waits were 2%
/// of a validate at 50,000 users).
final class ScopeCache: @unchecked Sendable {
  // Every use of `idle` is behind `lock`.
  private let lock = NSLock()
  private var idle: [Scope.ParseCache] = []

  /// Runs `body` with a cache no other thread uses while it runs.
  func withCache<Result>(_ body: (inout Scope.ParseCache) -> Result) -> Result {
    var cache = lock.withLock { idle.popLast() } ?? Scope.ParseCache()
    let result = body(&cache)
    lock.withLock { idle.append(cache) }
    return result
  }

  /// Every scope the caches parsed (call when none is in use).
  var scopes: Set<Scope> {
    lock.withLock { idle.reduce(into: []) { $0.formUnion($1.scopes) } }
  }
}
