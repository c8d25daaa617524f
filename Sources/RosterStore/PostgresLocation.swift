import Foundation

/// Where a PostgreSQL state is: `postgres://[user[:password]@][host][:port][/database][?param=value…]`,
/// read the way libpq reads it. Anything the URL leaves out comes from PGHOST, PGPORT, PGUSER,
/// PGPASSWORD and PGDATABASE, then libpq's defaults.
///
/// Parameters: `sslmode` (`disable`, `prefer` — the default —, `require`, `verify-full`) and `host`
/// (a folder holding the server's Unix socket, as with libpq: `?host=/var/run/postgresql`).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
  public enum TLSMode: String, Sendable, Hashable, CaseIterable {
    case disable, prefer, require
    case verifyFull = "verify-full"
  }

  public var host: String
  public var port: Int
  /// The folder of the server's Unix socket, when the URL names one instead of a host.
  public var socketFolder: String?
  public var user: String
  public var password: String?
  public var database: String
  public var tls: TLSMode

  /// True for the text of a PostgreSQL URL.
  public static func matches(_ text: String) -> Bool {
    text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
  }

  public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) {
    guard Self.matches(text), let url = URLComponents(string: text) else {
      throw StoreError(
        .database, "'\(text)' is not a PostgreSQL URL: write postgres://USER@HOST:PORT/DATABASE")
    }
    func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
    var parameters: [String: String] = [:]
    for item in url.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
    for name in parameters.keys where !["sslmode", "host"].contains(name) {
      throw StoreError(.database, "the state URL has an unknown parameter '\(name)' (Roster knows sslmode and host)")
    }
    let mode = parameters["sslmode"] ?? env("PGSSLMODE") ?? "prefer"
    guard let tls = TLSMode(rawValue: mode) else {
      throw StoreError(
        .database,
        "the state URL's sslmode '\(mode)' is not one Roster knows: "
          + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
    }
    self.tls = tls
    let hostParameter = parameters["host"] ?? ((url.host ?? "").isEmpty ? env("PGHOST") : nil)
    if let hostParameter, hostParameter.hasPrefix("/") {
      socketFolder = hostParameter
      host = "localhost"
    } else {
      host = url.host.flatMap { $0.isEmpty ? nil : $0 } ?? hostParameter ?? "localhost"
    }
    port = url.port ?? env("PGPORT").flatMap(Int.init) ?? 5432
    user =
      url.user.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGUSER") ?? env("USER") ?? NSUserName()
    password = url.password ?? env("PGPASSWORD")
    let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
    database = path.isEmpty ? (env("PGDATABASE") ?? user) : path
  }

  /// The server's address, for messages.
  public var server: String {
    if let socketFolder { return "\(socketFolder)/.s.PGSQL.\(port)" }
    return "\(host):\(port)"
  }

  /// The URL without its password: safe to print.
  public var description: String {
    var text = "postgres://\(user)@"
    text += socketFolder == nil ? "\(host):\(port)" : ""
    text += "/\(database)"
    var parameters: [String] = []
    if let socketFolder { parameters.append("host=\(socketFolder)") }
    if tls != .prefer { parameters.append("sslmode=\(tls.rawValue)") }
    return parameters.isEmpty ? text : text + "?" + parameters.joined(separator: "&")
  }
}

/// Opens the state a `--state` value names: a `postgres://` URL, `sqlite:PATH`, or a path to a
/// SQLite file.
public func openStateStore(_ location: String) throws(StoreError) -> any StateStore {
  if PostgresLocation.matches(location) { return try PostgresStateStore(PostgresLocation(location)) }
  return try SQLiteStateStore(path: sqlitePath(location))
}

/// The file a SQLite location names (`sqlite:PATH` or PATH).
public func sqlitePath(_ location: String) -> String {
  location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
}
