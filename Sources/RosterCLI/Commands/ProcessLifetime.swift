/// Values a command is done with but that are not worth freeing: a command ends with its
/// process, and freeing a whole organisation's objects one by one costs a tenth of a plan at
/// 50,000 users. What is kept here is reclaimed with the process (as compilers do with their
/// trees).
enum ProcessLifetime {
  nonisolated(unsafe) private static var kept: [Any] = []

  static func keep(_ values: Any...) { kept.append(contentsOf: values) }
}
