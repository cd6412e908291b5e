import Foundation
import Storage
import Testing

/// Existing tables are opened inside read transactions: the handle outlives the transaction, an
/// aborted one gives it back, and a read nested in another read of the same thread can open a
/// table too (LMDB lets one transaction at a time open handles: the lock that ensures it must not
/// make a thread wait for itself).
@Suite struct TableHandleTests {
    /// Writes tables `a` and `b` with one environment, closes it, and hands `body` a fresh one that
    /// has opened no table yet.
    func withFreshEnvironment(_ body: (Environment) throws -> Void) throws {
        try withTemporaryDirectory { path in
            do {
                let writer = try Environment(path: path)
                let a = try table(writer, "a"), b = try table(writer, "b")
                try writer.write { tx in
                    try tx.put(a, key: key(1), value: [1])
                    try tx.put(b, key: key(2), value: [2])
                }
            }
            try body(try Environment(path: path))
        }
    }

    @Test func aTableOpenedInAReadKeepsItsHandleAfterward() throws {
        try withFreshEnvironment { env in
            let a = try env.read { tx in try #require(try tx.openTable(named: "a")) }
            #expect(try env.read { tx in try tx.existingTable(named: "a") } == a)
            #expect(try env.read { tx in try tx.get(a, key: key(1)) } == [1])
            #expect(try env.read { tx in try tx.openTable(named: "missing") } == nil)
        }
    }

    @Test func aReadThatThrowsGivesItsNewHandlesBack() throws {
        try withFreshEnvironment { env in
            #expect(throws: TestFailure.self) {
                try env.read { tx in
                    _ = try tx.openTable(named: "a")
                    throw TestFailure("stop")
                }
            }
            #expect(try env.read { tx in tx.existingTable(named: "a") } == nil)
            let a = try #require(try env.openTable(named: "a", create: false))
            #expect(try env.read { tx in try tx.get(a, key: key(1)) } == [1])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aReadNestedInAReadOfTheSameThreadOpensATableWithoutWaitingForItself() throws {
        try withFreshEnvironment { env in
            let values = try env.read { outer -> ([UInt8]?, [UInt8]?) in
                let a = try #require(try outer.openTable(named: "a"))
                let inner = try env.read { tx -> [UInt8]? in
                    let b = try #require(try tx.openTable(named: "b"))
                    return try tx.get(b, key: key(2))
                }
                return (try outer.get(a, key: key(1)), inner)
            }
            #expect(values.0 == [1])
            #expect(values.1 == [2])
        }
    }
}
