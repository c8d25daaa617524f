import Foundation
import PackagePlugin

/// Embeds the package's `catalogs/*.yaml` and `schemas/*.json` into the target as Swift string literals, so the
/// shipped platform catalogs and schemas travel inside the `roster` binary and cannot drift from the files.
@main
struct EmbedFiles: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let root = context.package.directoryURL
    var inputs: [URL] = []
    for folder in ["catalogs", "schemas"] {
      let dir = root.appending(path: folder)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
      for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".json") {
        inputs.append(dir.appending(path: name))
      }
    }
    let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
    return [
      .buildCommand(
        displayName: "Embedding \(inputs.count) files into \(target.name)",
        executable: try context.tool(named: "EmbedFilesTool").url,
        arguments: [output.path] + inputs.map { $0.path },
        inputFiles: inputs,
        outputFiles: [output]
      )
    ]
  }
}
