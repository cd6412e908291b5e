import BulkheadCore
import EventLog
import Foundation
import Storage
import Testing

/// Runs `body` with a fresh, empty directory of its own and removes it afterwards. Everything
/// `body` opens must be released by the time it returns.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = (NSTemporaryDirectory() as NSString)
        .appendingPathComponent("bulkhead-eventlog-tests-\(UUID().uuidString.lowercased())")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The time recorded on appends: whole microseconds, so it survives the log's precision exactly.
let recordedAt = Date(timeIntervalSince1970: 1_750_000_000.123456)

/// A new event with a fresh id; only what a test cares about needs saying.
func newEvent(
    type: String = "note.created",
    payload: [UInt8] = Array("a note".utf8),
    actor: String = "ada@example.test",
    schemaVersion: UInt16 = 1,
    correlationID: UUID = UUID(),
    causationID: UUID? = nil
) -> NewEvent {
    NewEvent(
        eventID: IDGenerator.shared.next(), type: type, schemaVersion: schemaVersion, payload: payload,
        actor: actor, correlationID: correlationID, causationID: causationID)
}

/// Registers a tenant named after `slug` and returns its id.
@discardableResult
func registerTenant(_ data: DataDirectory, _ slug: String) throws -> TenantID {
    try data.createTenant(slug: slug, name: "Tenant \(slug)", id: .random(), at: recordedAt).id
}

/// Every event of the partition, in log order.
func allEvents(_ partition: Partition) throws -> [RecordedEvent] {
    try partition.read { try $0.events(from: 1, limit: .max) }
}

/// An error the test raises itself, distinct from anything the code under test throws.
struct TestFailure: Error, Equatable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - The bytes of a store

/// The bytes of every file under a data directory, by relative path: two snapshots are equal
/// exactly when the store is byte-identical.
///
/// LMDB's `lock.mdb` files are left out: they hold the reader table and the writer mutex, which
/// any transaction (even one that aborts) may touch, and no data. Their presence still counts.
struct StoreSnapshot: Equatable {
    private(set) var files: [String: [UInt8]] = [:]

    init(of root: String) throws {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root) else { throw TestFailure("cannot list \(root)") }
        while let relative = walker.nextObject() as? String {
            let full = (root as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if (relative as NSString).lastPathComponent == "lock.mdb" {
                files[relative] = []
            } else {
                files[relative] = Array(try Data(contentsOf: URL(fileURLWithPath: full)))
            }
        }
    }

    /// The files added, removed or changed since `earlier`.
    func changes(since earlier: StoreSnapshot) -> [String] {
        Set(files.keys).union(earlier.files.keys).filter { files[$0] != earlier.files[$0] }.sorted()
    }
}

// MARK: - Raw access to a closed partition

/// The directory of `tenant`'s partition under the data directory at `root`.
func partitionDirectory(_ root: String, _ tenant: TenantID) -> String {
    (root as NSString).appendingPathComponent("tenants/\(tenant)")
}

/// The 8-byte big-endian key of `position` in the `log` table.
func positionKey(_ position: UInt64) -> [UInt8] {
    withUnsafeBytes(of: position.bigEndian) { Array($0) }
}

/// Opens a tenant's environment directly through Storage, as an attacker or a disk fault would
/// reach it, and hands over its `log` table. The data directory must be closed meanwhile.
func withRawLog<R>(_ root: String, _ tenant: TenantID, _ body: (Environment, Table) throws -> R) throws -> R {
    let env = try Environment(path: partitionDirectory(root, tenant))
    guard let log = try env.openTable(named: "log", create: false) else { throw TestFailure("no log table for \(tenant)") }
    return try body(env, log)
}

// MARK: - Threads

/// Runs `body(index)` on `count` threads of their own at once and waits for all of them;
/// rethrows the first error any of them threw.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
    let group = DispatchGroup()
    let errors = Locked<[any Error]>([])
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            defer { group.leave() }
            do { try body(index) } catch { errors.update { $0.append(error) } }
        }
        thread.start()
    }
    group.wait()
    if let first = errors.value.first { throw first }
}

/// A value shared between threads behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update<R>(_ body: (inout Value) throws -> R) rethrows -> R { try lock.withLock { try body(&stored) } }
}

/// Seeded, so that "random" interleavings repeat run after run.
typealias SeededGenerator = SplitMix64
