import Foundation
import GRDB

/// The kinds of state store the tests run against.
public enum StoreKind: String, Sendable, CaseIterable, CustomStringConvertible {
  case sqlite
  case postgres

  public var description: String { rawValue == "sqlite" ? "SQLite" : "PostgreSQL" }

  /// The kinds there is something to test against here: SQLite always; PostgreSQL when a server
  /// was started for the tests (`scripts/with-postgres.sh`, which `make test` runs them under).
  public static var available: [StoreKind] { PostgresTestServer.url == nil ? [.sqlite] : [.sqlite, .postgres] }
}

/// A throw-away state location: a SQLite file in a temporary folder, or a new database on the
/// test server. ``remove()`` deletes it.
public struct TestState: Sendable {
  public let kind: StoreKind
  /// What `--state` takes.
  public let location: String
  public let folder: TemporaryFolder
  let database: String?

  public init(_ kind: StoreKind, in folder: TemporaryFolder? = nil) throws {
    self.kind = kind
    self.folder = try folder ?? TemporaryFolder("roster-state")
    switch kind {
    case .sqlite:
      location = self.folder.path + "/state.sqlite"
      database = nil
    case .postgres:
      let name = try PostgresTestServer.createDatabase()
      location = try PostgresTestServer.url(of: name)
      database = name
    }
  }

  /// The folder beside the state, for plans and configurations.
  public var path: String { folder.path }

  /// A second, empty location of the same kind in the same folder.
  public func sibling(_ name: String) throws -> String {
    switch kind {
    case .sqlite: return folder.path + "/\(name).sqlite"
    case .postgres: return try PostgresTestServer.url(of: PostgresTestServer.createDatabase())
    }
  }

  /// Runs SQL on the state directly, as someone editing it outside Roster would: waiting, as
  /// Roster's own store does, while another process writes (an apply waiting for the lock checks
  /// it in a write of its own; without waiting, an edit made meanwhile failed now and then with
  /// "database is locked").
  public func execute(_ sql: String) throws {
    switch kind {
    case .sqlite:
      var configuration = Configuration()
      configuration.busyMode = .timeout(30)
      try DatabaseQueue(path: location, configuration: configuration).write { try $0.execute(sql: sql) }
    case .postgres:
      try PostgresTestServer.psql(sql, at: location)
    }
  }

  public func remove() {
    if let database { try? PostgresTestServer.dropDatabase(database) }
    folder.remove()
  }
}

/// The PostgreSQL server `scripts/with-postgres.sh` started for the tests.
public enum PostgresTestServer {
  /// A superuser URL without a database, from ROSTER_TEST_POSTGRES.
  public static var url: String? {
    ProcessInfo.processInfo.environment["ROSTER_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
  }

  /// A URL for a role that must give its password (ROSTER_TEST_POSTGRES_PASSWORD).
  public static var passwordURL: String? {
    ProcessInfo.processInfo.environment["ROSTER_TEST_POSTGRES_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
  }

  public static func url(of database: String) throws -> String {
    guard let url else { throw TestFailure("no test PostgreSQL server: run the tests under scripts/with-postgres.sh") }
    return url + "/" + database
  }

  /// Creates a database with a new name and returns its name.
  public static func createDatabase() throws -> String {
    let name = "roster_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    try psql("CREATE DATABASE \(name)")
    return name
  }

  public static func dropDatabase(_ name: String) throws {
    try psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
  }

  /// Runs SQL with psql, on the server's `postgres` database unless another URL is given.
  static func psql(_ sql: String, at url: String? = nil) throws {
    let target = try url ?? Self.url(of: "postgres")
    let result = try run("/usr/bin/env", ["psql", "-q", "-v", "ON_ERROR_STOP=1", target, "-c", sql])
    guard result.status == 0 else { throw TestFailure("\(sql): \(result.stderr)") }
  }
}
