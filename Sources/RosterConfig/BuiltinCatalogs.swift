import RosterModel
import RosterYAML

/// The platform catalogs shipped inside Roster (`catalogs/*.yaml`, embedded at build time).
public enum BuiltinCatalogs {
  /// The shipped catalogs' sources, by platform name.
  public static let sources: [(name: String, path: String, text: String)] = EmbeddedFiles.all
    .filter { $0.path.hasPrefix("catalogs/") }
    .map { (String($0.path.dropFirst("catalogs/".count).dropLast(".yaml".count)), $0.path, $0.text) }
    .sorted { $0.name < $1.name }

  /// The names of the shipped platforms.
  public static var names: [String] { sources.map(\.name) }

  private static let decoded: [String: (catalog: PlatformCatalog?, diagnostics: [Diagnostic])] = {
    var result: [String: (PlatformCatalog?, [Diagnostic])] = [:]
    for source in sources {
      var (catalog, diagnostics) = decode(source.text, path: source.path)
      if let found = catalog?.name, found != source.name {
        // A shipped catalog is found by its file's name: the two must agree.
        diagnostics.append(
          Diagnostic(.error, .invalidCatalog, "catalog '\(found)' is in \(source.path)", at: nil))
        catalog = nil
      }
      result[source.name] = (catalog, diagnostics)
    }
    return result
  }()

  /// A shipped catalog by name.
  public static func catalog(_ name: String) -> PlatformCatalog? { decoded[name]?.catalog }

  /// What decoding a shipped catalog reported (empty for a sound catalog; tests check this).
  public static func diagnostics(_ name: String) -> [Diagnostic] { decoded[name]?.diagnostics ?? [] }

  /// Decodes catalog text that holds one `kind: Platform` document.
  public static func decode(_ text: String, path: String) -> (PlatformCatalog?, [Diagnostic]) {
    let sink = DiagnosticSink()
    let stream = YAMLReader.read(text, file: path)
    for error in stream.errors { sink.add(Diagnostic(yamlError: error)) }
    guard stream.errors.isEmpty, let document = stream.documents.first else {
      return (nil, sink.items)
    }
    let catalog = CatalogDecoder.decode(document.root, file: path, sink: sink)
    return (sink.items.isEmpty ? catalog : nil, sink.items)
  }
}

extension Diagnostic {
  /// The diagnostic for a problem the YAML reader found.
  init(yamlError error: YAMLError) {
    let rule: Rule
    switch error.kind {
    case .syntax, .unknownAnchor: rule = .yamlSyntax
    case .duplicateKey: rule = .duplicateKey
    case .limit: rule = .yamlLimit
    }
    self.init(.error, rule, error.message, at: SourceLocation(file: error.file, mark: error.mark))
  }
}
