import Foundation

/// Reads a configuration directory: every `*.yaml` and `*.yml` file below it, in path order,
/// skipping hidden files and folders (`.git`, `.roster`).
public enum ConfigDirectory {
  /// A directory that cannot be read as configuration.
  public struct ReadError: Error, CustomStringConvertible {
    public var description: String
  }

  public static func read(_ path: String) throws(ReadError) -> [ConfigFile] { try listing(path).files }

  /// The files, and the symbolic links found (never followed, so the configuration cannot reach
  /// outside its folder), as paths like the files'.
  public static func listing(_ path: String) throws(ReadError) -> (files: [ConfigFile], symlinks: [String]) {
    let root = URL(fileURLWithPath: path).standardizedFileURL
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
      throw ReadError(description: "\(path): no such directory")
    }
    guard isDirectory.boolValue else {
      throw ReadError(description: "\(path) is a file; --config takes the directory that holds the YAML files")
    }
    var relativePaths: [String] = []
    var symlinks: [String] = []
    var stack = [""]
    while let relative = stack.popLast() {
      let directory = relative.isEmpty ? root : root.appending(path: relative)
      let names: [String]
      do {
        names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
      } catch {
        throw ReadError(description: "\(directory.path): cannot list the directory (\(error.localizedDescription))")
      }
      for name in names where !name.hasPrefix(".") {
        let child = relative.isEmpty ? name : relative + "/" + name
        let url = root.appending(path: child)
        let values = try? url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey, .isRegularFileKey])
        if values?.isSymbolicLink == true {
          symlinks.append(path.hasSuffix("/") ? path + child : path + "/" + child)
          continue
        }
        if values?.isDirectory == true {
          stack.append(child)
        } else if values?.isRegularFile == true, name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
          relativePaths.append(child)
        }
      }
    }
    var files: [ConfigFile] = []
    for relative in relativePaths.sorted() {
      let displayPath = path.hasSuffix("/") ? path + relative : path + "/" + relative
      guard let data = FileManager.default.contents(atPath: root.appending(path: relative).path) else {
        throw ReadError(description: "\(displayPath): cannot read the file")
      }
      files.append(ConfigFile(path: displayPath, bytes: [UInt8](data)))
    }
    return (files, symlinks.sorted())
  }
}
