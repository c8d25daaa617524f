import Testing

@testable import RosterModel

@Suite("The users' and the bindings' tables")
struct NumberedTableTests {
  @Test("a user is found by any spelling Swift holds equal to its email, and is defined once")
  func normalisation() throws {
    var model = try tinyModel()
    // `é` as one character, then as `e` and a combining accent: equal strings, other bytes.
    try model.addUser(User(email: "Jos\u{E9}@acme.example", name: "José"))
    #expect(model.user("jose\u{301}@acme.example")?.name == "José")
    #expect(model.user("JOSE\u{301}@ACME.EXAMPLE")?.email == "Jos\u{E9}@acme.example")
    #expect(model.users["jos\u{E9}@acme.example"] != nil && model.users["jose\u{301}@acme.example"] != nil)
    #expect(throws: ModelError.self) { try model.addUser(User(email: "jose\u{301}@acme.example")) }
    #expect(model.users.count == 3)
    // Written in decomposed form, found by the composed one.
    try model.addUser(User(email: "rene\u{301}@acme.example"))
    #expect(model.user("ren\u{E9}@acme.example")?.email == "rene\u{301}@acme.example")
  }

  @Test("users taken away, put back and changed across chunks: lookups, order, count and copies")
  func chunks() throws {
    var model = try tinyModel()
    let count = UserTable.chunkSize * 2 + 300
    for i in 0..<count { try model.addUser(User(email: "u\(i)@acme.example")) }
    let before = model
    // Some from every chunk away, one changed; the copy taken before sees none of it.
    let gone = stride(from: 5, to: count, by: 997).map { "u\($0)@acme.example" }
    try model.removePrincipals(gone.map(PrincipalID.user))
    try model.replaceUser(User(email: "U7@acme.example", name: "Seven"))
    #expect(model.users.count == count + 2 - gone.count)
    #expect(gone.allSatisfy { model.user($0) == nil && before.user($0) != nil })
    #expect(model.user("u7@acme.example")?.name == "Seven" && before.user("u7@acme.example")?.name == nil)
    #expect(before.users.count == count + 2)
    // The users in the order they were added, without those taken away.
    let emails = model.users.values.map(\.email)
    #expect(emails.count == model.users.count)
    #expect(Array(emails.prefix(3)) == ["ada@acme.example", "bob@acme.example", "u0@acme.example"])
    #expect(!emails.contains(gone[1]) && emails.last == "u\(count - 1)@acme.example")
    // Put back: found again, after the others.
    try model.addUser(User(email: gone[1]))
    #expect(model.user(gone[1]) != nil && model.users.values.map(\.email).last == gone[1])
    #expect(model.users != before.users)
  }

  @Test("two tables are equal when they hold the same users, whatever order they were added in")
  func equality() throws {
    let emails = (0..<50).map { "u\($0)@acme.example" }
    var forward = try tinyModel()
    var backward = try tinyModel()
    for email in emails { try forward.addUser(User(email: email)) }
    for email in emails.reversed() { try backward.addUser(User(email: email)) }
    #expect(forward.users == backward.users)
    try backward.replaceUser(User(email: emails[3], twoFactorEnrolled: true))
    #expect(forward.users != backward.users)
    try forward.removePrincipals([.user(emails[9])])
    try backward.replaceUser(User(email: emails[3]))
    #expect(forward.users != backward.users)
    try forward.addUser(User(email: emails[9]))
    #expect(forward.users == backward.users)
  }

  @Test("bindings across chunks: each principal's in order, taken away to none, and a copy left as it was")
  func bindingChunks() throws {
    var model = try tinyModel()
    let count = BindingTable.chunkSize * 2 + 100
    func user(_ i: Int) -> PrincipalID { .user("u\(i)@acme.example") }
    func bind(_ i: Int, model: inout AccessModel) throws {
      try model.bind(Binding(principal: user(i), role: "runner", scope: Scope(tenant: "emea")))
      if i % 3 == 0 { try model.bind(Binding(principal: user(i), role: "runner", scope: Scope(tenant: "t1"))) }
    }
    try model.addTenant(Tenant(name: "t1"))
    for i in 0..<count {
      try model.addUser(User(email: user(i).name))
      try bind(i, model: &model)
    }
    let before = model
    #expect(model.bindingsByPrincipal.count == count && model.bindingCount == count + (count + 2) / 3)
    // Some from every chunk lose every binding; the copy sees none of it.
    let lose = Array(stride(from: 0, to: count, by: 501))
    for i in lose {
      try model.unbind(Binding(principal: user(i), role: "runner", scope: Scope(tenant: "emea")))
      if i % 3 == 0 { try model.unbind(Binding(principal: user(i), role: "runner", scope: Scope(tenant: "t1"))) }
    }
    #expect(
      lose.allSatisfy { model.bindingsByPrincipal[user($0)] == nil && before.bindingsByPrincipal[user($0)] != nil })
    #expect(model.bindingsByPrincipal.count == count - lose.count && before.bindingsByPrincipal.count == count)
    #expect(!model.bindingsByPrincipal.contains { entry in lose.contains { user($0) == entry.key } })
    // Every principal once, in the order each first held a binding; each list in its order.
    let principals = model.bindingsByPrincipal.map(\.key)
    #expect(principals.count == Set(principals).count && principals.prefix(2) == [user(1), user(2)])
    #expect(model.bindingsByPrincipal[user(3)]?.map(\.scope.description) == ["tenant/emea", "tenant/t1"])
    // Bound again: as before.
    for i in lose { try bind(i, model: &model) }
    #expect(model.bindingsByPrincipal == before.bindingsByPrincipal)
    #expect(model.bindings == before.bindings)
  }
}
