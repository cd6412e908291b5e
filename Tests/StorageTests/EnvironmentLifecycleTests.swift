import Foundation
import Storage
import Testing

/// One open per path per process, explicit close, and transactions that cannot be used outside
/// their closure: misuse fails loudly instead of reaching LMDB with a stale handle.
@Suite struct EnvironmentLifecycleTests {
    @Test func aSecondOpenOfAPathThisProcessHoldsIsRefusedNamingThePath() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx in try tx.put(things, key: key(1), value: [1]) }

            let error = #expect(throws: StorageError.self) { try Environment(path: dir) }
            #expect(error?.code == .alreadyOpen)
            #expect(error?.description.contains(dir) == true, "\(String(describing: error))")
            // The same directory through another spelling of its path is the same environment.
            #expect(throws: StorageError.self) { try Environment(path: dir + "/./") }
            // The first handle is unharmed by the refused second one.
            #expect(try env.read { try $0.get(things, key: key(1)) } == [1])
        }
    }

    @Test func aClosedEnvironmentRefusesTransactionsAndItsPathMayBeOpenedAgain() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx in try tx.put(things, key: key(1), value: [7]) }
            env.close()
            env.close()  // a second close does nothing
            #expect(env.isClosed)

            let readError = #expect(throws: StorageError.self) { try env.read { _ in () } }
            #expect(readError?.code == .closed)
            let writeError = #expect(throws: StorageError.self) { try env.write { _ in () } }
            #expect(writeError?.code == .closed)
            #expect(throws: StorageError.self) { try env.sync() }

            let reopened = try Environment(path: dir)
            let again = try table(reopened, "things")
            #expect(try reopened.read { try $0.get(again, key: key(1)) } == [7])
        }
    }

    @Test func closeWaitsForATransactionInProgress() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            let inside = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let committed = Locked(false)
            let writer = Thread {
                try? env.write { tx in
                    inside.signal()
                    release.wait()
                    try tx.put(things, key: key(2), value: [2])
                }
                committed.set(true)
            }
            writer.start()
            inside.wait()
            let closer = Thread { env.close() }
            closer.start()
            // close() cannot finish while the write is open: let the write finish, then it may.
            release.signal()
            while !env.isClosed { usleep(1_000) }
            #expect(committed.get())
            let reopened = try Environment(path: dir)
            let again = try table(reopened, "things")
            #expect(try reopened.read { try $0.get(again, key: key(2)) } == [2])
        }
    }

    @Test func aTransactionKeptPastItsClosureTrapsInsteadOfReachingLMDB() async {
        await #expect(processExitsWith: .failure) {
            let dir = NSTemporaryDirectory() + "bulkhead-exit-test-\(UUID().uuidString)"
            guard let env = try? Environment(path: dir), let things = try? env.openTable(named: "t", create: true),
                let escaped = try? env.read({ $0 })
            else { return }
            _ = try? escaped.get(things, key: [1])
        }
    }

    @Test func aWriteTransactionUsedFromAnotherThreadTraps() async {
        await #expect(processExitsWith: .failure) {
            let dir = NSTemporaryDirectory() + "bulkhead-exit-test-\(UUID().uuidString)"
            guard let env = try? Environment(path: dir), let things = try? env.openTable(named: "t", create: true)
            else {
                return
            }
            try? env.write { tx in
                let done = DispatchSemaphore(value: 0)
                nonisolated(unsafe) let foreign = tx
                Thread {
                    _ = try? foreign.put(things, key: [1], value: [1])
                    done.signal()
                }.start()
                done.wait()
            }
        }
    }
}

/// A value shared between threads under a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
