import Foundation

/// The result of running a program.
public struct ProcessResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// A program started in the background.
public struct RunningProcess {
  public let process: Process
  let out: Pipe
  let err: Pipe

  /// Waits for the program to end and returns what it printed. Both pipes are read before the
  /// wait, so a chatty program cannot fill one and stall.
  public func finish() throws -> ProcessResult {
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}

/// Starts a program without waiting for it; standard input is empty.
public func start(
  _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
) throws -> RunningProcess {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  var env = ProcessInfo.processInfo.environment
  for (key, value) in environment { env[key] = value }
  process.environment = env
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  return RunningProcess(process: process, out: out, err: err)
}

/// Runs a program to completion and returns what it printed.
@discardableResult
public func run(
  _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
) throws -> ProcessResult {
  try start(executable, arguments, in: directory, environment: environment).finish()
}

/// A folder in the system's temporary directory, removed by ``remove()``.
public struct TemporaryFolder: Sendable {
  public let url: URL

  public init(_ prefix: String = "roster-test") throws {
    url = FileManager.default.temporaryDirectory.appending(path: "\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  public var path: String { url.path }

  public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The package's root folder (where Package.swift is).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()
