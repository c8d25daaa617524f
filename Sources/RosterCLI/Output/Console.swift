import Foundation
import RosterConfig

/// Writes to standard output or standard error without buffering surprises.
enum Console {
  static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }

  static func err(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }
}

/// Prints diagnostics compiler style, one a line.
func printDiagnostics(_ diagnostics: [Diagnostic], toStandardError: Bool) {
  guard !diagnostics.isEmpty else { return }
  let text = diagnostics.map(\.description).joined(separator: "\n")
  if toStandardError { Console.err(text) } else { Console.out(text) }
}

/// JSON with sorted keys, so the same input gives the same bytes.
func renderJSON<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}
