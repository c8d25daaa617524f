import Foundation
import RosterModel
import Testing

@Suite("parallelMap")
struct ParallelMapTests {
  @Test("every element is transformed, and the results keep the elements' order")
  func order() {
    // Uneven work, so that the workers finish out of order.
    @Sendable func work(_ n: Int) -> Int {
      var x = n
      for _ in 0..<(n % 97) * 50 { x = (x &* 31 &+ 7) % 1_000_003 }
      return x
    }
    let numbers = Array(0..<5_000)
    let results = numbers.parallelMap { ($0, work($0)) }
    #expect(results.map(\.0) == numbers)
    #expect(results.map(\.1) == numbers.map(work))
    #expect([String]().parallelMap { $0.count } == [])
    #expect(["one"].parallelMap { $0.count } == [3])
  }

  @Test("results that own memory (strings, arrays) are moved out whole")
  func owningResults() {
    let results = Array(0..<2_000).parallelMap { n in (String(repeating: "x", count: n % 40), Array(0..<(n % 9))) }
    for (n, (text, list)) in results.enumerated() {
      #expect(text.count == n % 40)
      #expect(list == Array(0..<(n % 9)))
    }
  }

  @Test("shares of a list cover each element once, in order, each within one of the same size")
  func shares() {
    for size in 0..<12 {
      let list = Array(0..<size)
      for count in 1...5 {
        let shares = (0..<count).map { Array(Part($0, of: count).indices(of: list)) }
        #expect(shares.flatMap { $0 } == list.indices.map { $0 })
        #expect((shares.map(\.count).max() ?? 0) - (shares.map(\.count).min() ?? 0) <= 1)
      }
    }
    // A dictionary's indices, which are not numbers.
    let names = Dictionary(uniqueKeysWithValues: (0..<7).map { ("n\($0)", $0) })
    let found = (0..<3).flatMap { Part($0, of: 3).indices(of: names).map { names[$0].value } }
    #expect(found == names.values.map { $0 })
  }

  @Test("heaviest first: the same results in the elements' order, the heaviest taken first")
  func heaviestFirst() {
    // Weights in no order: each element's weight is itself.
    let numbers = (0..<2_000).map { ($0 * 7_919) % 2_003 }
    let started = StartOrder()
    let results = numbers.parallelMap(heaviestFirst: numbers) { n in
      started.record(n)
      return n * 2
    }
    #expect(results == numbers.map { $0 * 2 })
    // Two workers take the first two turns: whichever records first took one of the two heaviest.
    let heaviest = Set(numbers.sorted(by: >).prefix(2))
    #expect(started.first.map(heaviest.contains) == true)
    #expect(started.count == numbers.count)
    #expect([Int]().parallelMap(heaviestFirst: []) { $0 } == [])
  }
}

/// The elements in the order their transforms started, from any thread.
private final class StartOrder: @unchecked Sendable {
  private let lock = NSLock()
  private var order: [Int] = []

  func record(_ n: Int) {
    lock.lock()
    defer { lock.unlock() }
    order.append(n)
  }

  var first: Int? {
    lock.lock()
    defer { lock.unlock() }
    return order.first
  }

  var count: Int {
    lock.lock()
    defer { lock.unlock() }
    return order.count
  }
}
