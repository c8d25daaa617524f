import RosterModel

/// How bad a diagnostic is.
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
  case error
  case warning
  case note

  private var order: Int {
    switch self {
    case .error: return 0
    case .warning: return 1
    case .note: return 2
    }
  }

  public static func < (a: Severity, b: Severity) -> Bool { a.order < b.order }
}

/// A place in a configuration file: 1-based line and column.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var column: Int

  public init(file: String, line: Int, column: Int) {
    self.file = file
    self.line = line
    self.column = column
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
    (a.file, a.line, a.column) < (b.file, b.line, b.column)
  }

  public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in the configuration, compiler style:
/// `users/team.yaml:12:5: error[RST012]: unknown role 'pakage-writer' (did you mean 'package-writer'?)`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
  public var severity: Severity
  public var rule: Rule
  public var message: String
  public var location: SourceLocation?
  /// A hint that helps fix it (`did you mean 'package-writer'?`).
  public var hint: String?

  public init(
    _ severity: Severity, _ rule: Rule, _ message: String, at location: SourceLocation?, hint: String? = nil
  ) {
    self.severity = severity
    self.rule = rule
    self.message = message
    self.location = location
    self.hint = hint
  }

  public var description: String {
    var text = location.map { "\($0): " } ?? ""
    text += "\(severity.rawValue)[\(rule.id)]: \(message)"
    if let hint { text += " (\(hint))" }
    return text
  }
}

extension Array where Element == Diagnostic {
  /// True when any is an error.
  public var hasErrors: Bool { contains { $0.severity == .error } }

  /// In file, line, column order; diagnostics without a place first.
  public func sortedByLocation() -> [Diagnostic] {
    enumerated().sorted { a, b in
      switch (a.element.location, b.element.location) {
      case (nil, nil): return a.offset < b.offset
      case (nil, _): return true
      case (_, nil): return false
      case (let x?, let y?): return x == y ? a.offset < b.offset : x < y
      }
    }.map(\.element)
  }
}
