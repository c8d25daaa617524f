#if canImport(Glibc)
import Glibc
#endif

/// Values a command is done with but that are not worth freeing: a command ends with its
/// process, and freeing a whole organisation's objects one by one costs a tenth of a plan at
/// 50,000 users. What is kept here is reclaimed with the process (as compilers do with their
/// trees).
enum ProcessLifetime {
  nonisolated(unsafe) private static var kept: [Any] = []

  static func keep(_ values: Any...) { kept.append(contentsOf: values) }

  /// Hands memory freed so far back to the system, between the steps of a command: the C heap
  /// keeps freed pages otherwise, and a step that follows others (reading the state after the
  /// configuration, writing after planning) would count their memory with its own.
  static func releaseFreed() {
    #if canImport(Glibc)
    // glibc's malloc_trim, which Swift's Glibc module does not declare.
    typealias Trim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
    #endif
  }
}
