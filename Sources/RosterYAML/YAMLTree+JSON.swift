public import JSONSchema

extension YAMLTree {
  /// The tree as JSON, entry for entry, for a JSON Schema to validate: scalars by the YAML 1.2
  /// core schema, mapping keys as their text (a key that is a collection as ""). The runs of
  /// children and the texts are shared, not copied (each text copied into an entry was a
  /// reference counted for each); the value of ``YAMLNode`` `n` is entry `n.position`.
  public var json: JSONTree {
    var out = pool?.takeJSON() ?? []
    out.reserveCapacity(entries.count)
    for entry in entries {
      switch entry.kind {
      case .scalar:
        switch scalars[Int(entry.first)].resolved {
        case .null: out.append(.null)
        case .bool(let b): out.append(.bool(b))
        case .int(let i): out.append(.number(Double(i)))
        case .float(let f): out.append(.number(f))
        case .string: out.append(.text(entry.first))
        }
      case .sequence: out.append(.array(first: entry.first, count: entry.count))
      case .mapping: out.append(.object(first: entry.first, count: entry.count))
      }
    }
    // Keys are text whatever their type (`1: a` has the key "1"); a string key's is its value
    // already, so only the others, which the reader listed, are written again.
    for key in textKeys {
      let entry = entries[Int(key)]
      out[Int(key)] = entry.kind == .scalar ? .text(entry.first) : .string("")
    }
    guard let pool else { return JSONTree(entries: out, children: children, texts: texts) }
    return JSONTree(entries: out, children: children, texts: texts, release: { pool.give($0) })
  }
}

extension YAMLNode {
  /// The tree this node belongs to: every document of its source shares one.
  public var source: YAMLTree { tree }

  /// The node's entry in its tree (and in the tree's ``YAMLTree/json``).
  public var position: Int { Int(index) }

  /// The node as a JSON value, built with everything under it. It converts the node's whole
  /// source first: for a document read once, not for every value of it.
  public var json: JSONValue { source.json[position].value }
}
