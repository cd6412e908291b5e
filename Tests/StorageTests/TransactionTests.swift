import Foundation
import Storage
import Testing

/// Transactions are closures: returning commits, throwing aborts and leaves nothing behind.
@Suite struct TransactionTests {
    @Test func returningFromWriteCommitsAndHandsBackTheClosuresResult() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            let returned = try env.write { tx -> String in
                try tx.put(things, key: key(1), value: Array("one".utf8))
                try tx.put(things, key: key(2), value: Array("two".utf8))
                return "committed"
            }
            #expect(returned == "committed")
            let values = try env.read { tx in [try tx.get(things, key: key(1)), try tx.get(things, key: key(2))] }
            #expect(values == [Array("one".utf8), Array("two".utf8)])
        }
    }

    @Test func throwingFromWriteAbortsEveryChangeOfTheTransaction() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx in try tx.put(things, key: key(1), value: Array("kept".utf8)) }

            #expect(throws: TestFailure("changed my mind")) {
                try env.write { tx throws in
                    try tx.put(things, key: key(2), value: Array("new".utf8))
                    try tx.put(things, key: key(1), value: Array("overwritten".utf8))
                    try tx.put(things, key: key(3), value: Array("newer".utf8))
                    // The transaction sees its own changes before it is abandoned.
                    #expect(try tx.get(things, key: key(1)) == Array("overwritten".utf8))
                    throw TestFailure("changed my mind")
                }
            }

            try env.read { tx throws in
                #expect(try tx.get(things, key: key(1)) == Array("kept".utf8))
                #expect(try tx.get(things, key: key(2)) == nil)
                #expect(try tx.get(things, key: key(3)) == nil)
                #expect(try tx.statistics(things).entries == 1)
            }
        }
    }

    @Test func aDeleteInAnAbortedTransactionKeepsTheEntry() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx in try tx.put(things, key: key(7), value: Array("seven".utf8)) }
            #expect(throws: TestFailure("abort")) {
                try env.write { tx throws in
                    #expect(try tx.delete(things, key: key(7)))
                    throw TestFailure("abort")
                }
            }
            #expect(try env.read { try $0.get(things, key: key(7)) } == Array("seven".utf8))
        }
    }

    @Test func aMissingKeyIsNilAndDeleteSaysWhetherTheKeyWasThere() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx in try tx.put(things, key: key(1), value: [42]) }
            #expect(try env.read { try $0.get(things, key: key(2)) } == nil)
            let deleted = try env.write { tx in (try tx.delete(things, key: key(1)), try tx.delete(things, key: key(2))) }
            #expect(deleted == (true, false))
            #expect(try env.read { try $0.get(things, key: key(1)) } == nil)
        }
    }

    @Test func committedDataIsThereAfterReopeningTheEnvironment() throws {
        try withTemporaryDirectory { dir in
            do {
                let env = try Environment(path: dir)
                let things = try table(env, "things")
                try env.write { tx throws in
                    for n in 1...100 { try tx.put(things, key: key(UInt64(n)), value: bytes(n, seed: UInt8(n))) }
                }
            }
            let env = try Environment(path: dir)
            let things = try #require(try env.openTable(named: "things", create: false))
            try env.read { tx throws in
                #expect(try tx.statistics(things).entries == 100)
                for n in 1...100 {
                    #expect(try tx.get(things, key: key(UInt64(n))) == bytes(n, seed: UInt8(n)))
                }
            }
        }
    }

    @Test func tablesAreSeparateNamespaces() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let left = try table(env, "left")
            let right = try table(env, "right")
            try env.write { tx throws in
                try tx.put(left, key: key(1), value: Array("left".utf8))
                try tx.put(right, key: key(1), value: Array("right".utf8))
            }
            try env.read { tx throws in
                #expect(try tx.get(left, key: key(1)) == Array("left".utf8))
                #expect(try tx.get(right, key: key(1)) == Array("right".utf8))
            }
        }
    }

    @Test func openingAMissingTableWithoutCreatingItIsNil() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            #expect(try env.openTable(named: "absent", create: false) == nil)
            // Asking did not create it.
            #expect(try env.openTable(named: "absent", create: false) == nil)
        }
    }

    @Test func clearEmptiesATableAndKeepsItUsable() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx throws in
                for n in 1...10 { try tx.put(things, key: key(UInt64(n)), value: [UInt8(n)]) }
            }
            try env.write { tx in try tx.clear(things) }
            #expect(try env.read { try $0.statistics(things).entries } == 0)
            try env.write { tx in try tx.put(things, key: key(11), value: [11]) }
            #expect(try env.read { try $0.get(things, key: key(11)) } == [11])
        }
    }

    @Test func droppedTableIsGoneAfterReopening() throws {
        try withTemporaryDirectory { dir in
            do {
                let env = try Environment(path: dir)
                let doomed = try table(env, "doomed")
                try env.write { tx in try tx.put(doomed, key: key(1), value: [1]) }
                try env.write { tx in try tx.dropTable(doomed) }
            }
            let env = try Environment(path: dir)
            #expect(try env.openTable(named: "doomed", create: false) == nil)
        }
    }

    @Test
    func aTableDroppedAndCreatedAgainInOneWriteHoldsOnlyTheNewEntries() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let generation = try table(env, "generation")
            try env.write { tx in try tx.put(generation, key: key(1), value: [1]) }
            try env.write { tx in
                try tx.dropTable(generation)
                let again = try #require(try tx.openTable(named: "generation", create: true))
                try tx.put(again, key: key(2), value: [2])
            }
            let reopened = try table(env, "generation")
            try env.read { tx throws in
                #expect(try tx.get(reopened, key: key(1)) == nil)
                #expect(try tx.get(reopened, key: key(2)) == [2])
            }
        }
    }

    @Test
    func aTableDroppedInAnAbortedWriteIsStillThereAndUsable() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let generation = try table(env, "generation")
            try env.write { tx in try tx.put(generation, key: key(1), value: [1]) }
            #expect(throws: TestFailure("rebuild failed")) {
                try env.write { tx in
                    try tx.dropTable(generation)
                    throw TestFailure("rebuild failed")
                }
            }
            // LMDB closed the dropped handle even though the write aborted: the table is opened
            // again by name and holds its data.
            let reopened = try table(env, "generation")
            #expect(try env.read { try $0.get(reopened, key: key(1)) } == [1])
            try env.write { tx in try tx.put(reopened, key: key(2), value: [2]) }
            #expect(try env.read { try $0.statistics(reopened).entries } == 2)
        }
    }

    @Test func moreTablesThanAllowedIsDbsFull() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir, options: EnvironmentOptions(maxTables: 2))
            _ = try table(env, "one")
            _ = try table(env, "two")
            let error = #expect(throws: StorageError.self) { try env.openTable(named: "three", create: true) }
            #expect(error?.code == .dbsFull)
        }
    }
}
