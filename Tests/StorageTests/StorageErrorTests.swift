import Foundation
import Storage
import Testing

/// Put flags and the errors they raise: a code callers can catch, LMDB's text, and what was being done.
@Suite struct StorageErrorTests {
    /// LMDB's `MDB_KEYEXIST`: part of its ABI, so a fixed number here.
    static let mdbKeyExist: Int32 = -30799

    @Test func noOverwriteOnAnExistingKeyIsKeyExistsAndKeepsTheOldValue() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx in try tx.put(things, key: key(1), value: Array("first".utf8), flags: .noOverwrite) }
            let error = #expect(throws: StorageError.self) {
                try env.write { tx in try tx.put(things, key: key(1), value: Array("second".utf8), flags: .noOverwrite) }
            }
            #expect(error?.code == .keyExists)
            #expect(try env.read { try $0.get(things, key: key(1)) } == Array("first".utf8))
        }
    }

    @Test func appendInKeyOrderWorksAndOutOfOrderIsKeyExists() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let log = try table(env, "log")
            try env.write { tx throws in
                for n in 1...3 { try tx.put(log, key: key(UInt64(n)), value: [UInt8(n)], flags: .append) }
            }
            for stale: UInt64 in [2, 3] {
                let error = #expect(throws: StorageError.self) {
                    try env.write { tx throws in
                        try tx.put(log, key: key(4), value: [4], flags: .append)
                        try tx.put(log, key: key(stale), value: [0], flags: .append)
                    }
                }
                #expect(error?.code == .keyExists, "appending key \(stale) after 4")
            }
            try env.read { tx throws in
                #expect(try tx.statistics(log).entries == 3)
                #expect(try tx.get(log, key: key(2)) == [2])
                #expect(try tx.get(log, key: key(4)) == nil)
            }
        }
    }

    @Test func anErrorCarriesTheLMDBCodeItsTextAndWhatWasBeingDone() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let ledger = try table(env, "ledger")
            try env.write { tx in try tx.put(ledger, key: key(1), value: [1]) }
            let error = try #require(#expect(throws: StorageError.self) {
                try env.write { tx in try tx.put(ledger, key: key(1), value: [2], flags: .noOverwrite) }
            })
            #expect(error.code.rawValue == Self.mdbKeyExist)
            #expect(error.message.contains("MDB_KEYEXIST"), "message: \(error.message)")
            #expect(error.context.contains("ledger"), "context: \(error.context)")
            #expect(error.context.contains(dir), "context: \(error.context)")
            #expect(error.description.contains(error.message))
            #expect(error.description.contains("\(Self.mdbKeyExist)"))
        }
    }

    @Test func callersCanCatchOneCodeAndLetOthersThrough() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            try env.write { tx in try tx.put(things, key: key(1), value: [1]) }
            var caught = false
            do {
                try env.write { tx in try tx.put(things, key: key(1), value: [2], flags: .noOverwrite) }
            } catch let error as StorageError where error.code == .keyExists {
                caught = true
            }
            #expect(caught)
        }
    }

    @Test func anEmptyKeyIsRefusedAsBadValueSize() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let things = try table(env, "things")
            let error = #expect(throws: StorageError.self) {
                try env.write { tx in try tx.put(things, key: [UInt8](), value: [1]) }
            }
            #expect(error?.code == .badValueSize)
            #expect(try env.read { try $0.statistics(things).entries } == 0)
        }
    }

    @Test
    func aCodeDescribesItselfByNameAndNumber() {
        #expect(StorageError.Code.keyExists.description == "MDB_KEYEXIST(-30799)")
    }
}
