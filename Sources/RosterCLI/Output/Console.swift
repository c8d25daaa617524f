import Foundation
import RosterConfig
import RosterModel

/// Writes to standard output or standard error without buffering surprises.
enum Console {
  static func out(_ text: String, terminator: Bool = true) {
    let line = terminator && !text.hasSuffix("\n") ? text + "\n" : text
    FileHandle.standardOutput.write(Data(line.utf8))
  }

  /// Lines `body` hands over, each written to standard output with a newline through a buffer
  /// of 64 KiB: long output (a whole organisation's plan) is printed as it is made.
  static func outLines(_ body: (_ emit: (String) -> Void) -> Void) {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 16)
    body { line in
      buffer.append(utf8: line)
      buffer.append(0x0A)
      if buffer.count >= 1 << 16 {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
      }
    }
    if !buffer.isEmpty { FileHandle.standardOutput.write(Data(buffer)) }
  }

  /// Bytes `body` hands over in pieces, written to standard output as they come.
  static func outPieces(_ body: (_ emit: (UnsafeBufferPointer<UInt8>) -> Void) -> Void) {
    body { piece in FileHandle.standardOutput.write(Data(piece)) }
  }

  static func err(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }

  /// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
  static func colours(standardError: Bool) -> Bool {
    let environment = ProcessInfo.processInfo.environment
    if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
    if environment["TERM"] == "dumb" { return false }
    return isatty(standardError ? STDERR_FILENO : STDOUT_FILENO) == 1
  }
}

/// ANSI styles for text on a terminal.
enum Style: String {
  case bold = "1"
  case red = "1;31"
  case green = "32"
  case yellow = "1;33"
  case cyan = "1;36"

  func apply(_ text: String, _ enabled: Bool) -> String {
    enabled ? "\u{1B}[\(rawValue)m\(text)\u{1B}[0m" : text
  }
}

/// A diagnostic compiler style, coloured when `colour` is set.
func render(_ diagnostic: Diagnostic, colour: Bool) -> String {
  guard colour else { return diagnostic.description }
  var text = diagnostic.location.map { Style.bold.apply("\($0):", true) + " " } ?? ""
  let style: Style
  switch diagnostic.severity {
  case .error: style = .red
  case .warning: style = .yellow
  case .note: style = .cyan
  }
  text += style.apply("\(diagnostic.severity.rawValue)[\(diagnostic.rule.id)]:", true) + " " + diagnostic.message
  if let hint = diagnostic.hint { text += " (\(hint))" }
  return text
}

/// Prints diagnostics compiler style, one a line.
func printDiagnostics(_ diagnostics: [Diagnostic], toStandardError: Bool) {
  guard !diagnostics.isEmpty else { return }
  let colour = Console.colours(standardError: toStandardError)
  let text = diagnostics.map { render($0, colour: colour) }.joined(separator: "\n")
  if toStandardError { Console.err(text) } else { Console.out(text) }
}

/// JSON with sorted keys, so the same input gives the same bytes.
func renderJSON<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}
