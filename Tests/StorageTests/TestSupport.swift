import Foundation
import Storage

/// Runs `body` with a fresh, empty directory of its own and removes it afterwards, so that no
/// two tests share a path and nothing is left behind. Everything `body` opens must be released
/// by the time it returns.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = (NSTemporaryDirectory() as NSString)
        .appendingPathComponent("bulkhead-storage-tests-\(UUID().uuidString.lowercased())")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// An 8-byte big-endian key, the shape the event log uses for positions.
func key(_ n: UInt64) -> [UInt8] {
    withUnsafeBytes(of: n.bigEndian) { Array($0) }
}

/// `count` bytes that differ from one `seed` to the next, so a value read back from the wrong
/// key or truncated cannot pass for the right one.
func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7) }
}

/// Opens (creating) `name` in `env`, failing the test with a clear error when it cannot.
func table(_ env: Environment, _ name: String) throws -> Table {
    guard let table = try env.openTable(named: name, create: true) else {
        throw TestFailure("table \(name) was not created")
    }
    return table
}

/// An error the test raises itself, distinct from anything the code under test throws.
struct TestFailure: Error, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body(index)` on `count` threads of their own at once and waits for all of them;
/// rethrows the first error any of them threw.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
    let group = DispatchGroup()
    let errors = ErrorBox()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            defer { group.leave() }
            do { try body(index) } catch { errors.add(error) }
        }
        thread.start()
    }
    group.wait()
    if let first = errors.first { throw first }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.withLock { errors.append(error) } }
    var first: (any Error)? { lock.withLock { errors.first } }
}
