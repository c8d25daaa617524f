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

  /// Has each large block (a table's keys, a list of 235,000 changes, 128 KiB or more) mapped
  /// on its own, and given back to the system when it is freed. glibc otherwise raises that
  /// size as large blocks are freed, up to 32 MiB, and keeps the freed blocks in its heap, where
  /// the smaller objects of the steps that follow fragment them: a plan at 50,000 users then
  /// peaked 15 MiB higher, a first apply 14 MiB.
  ///
  /// The heap's free top is kept, not handed back as it frees (``releaseFreed()`` hands it back
  /// between steps), and the heap grows by 4 MiB at least: glibc gives back a free top of 128 KiB
  /// or more at once, and the pages were faulted in again by the next allocations (a validate at
  /// 50,000 users made 28,800 page faults, 22,600 this way, with 20 ms less of system time, the
  /// same peak).
  static func mapLargeBlocks() {
    #if canImport(Glibc)
    // glibc's mallopt, which Swift's Glibc module does not declare either.
    typealias Option = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Option.self)
    let (trimThreshold, topPad, mmapThreshold): (Int32, Int32, Int32) = (-1, -2, -3)
    _ = mallopt(mmapThreshold, 128 * 1024)
    _ = mallopt(trimThreshold, 256 * 1024 * 1024)
    _ = mallopt(topPad, 4 * 1024 * 1024)
    #endif
  }
}
