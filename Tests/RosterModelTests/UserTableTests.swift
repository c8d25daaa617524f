import Testing

@testable import RosterModel

@Suite("The users' table")
struct UserTableTests {
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
}
