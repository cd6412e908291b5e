import Foundation
import Storage
import Testing

/// The single-search writes the event log's append path uses: put-if-absent, reserved values and
/// inline keys must store exactly what a plain put would.
@Suite struct FastPathTests {
    @Test(arguments: [false, true])
    func putIfAbsentStoresANewKeyAndHandsBackAPresentOneUntouched(appending: Bool) throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let ids = try table(env, "ids")
            try env.write { tx in
                for n: UInt64 in [10, 20, 30] { try tx.put(ids, key: key(n), value: Array("v\(n)".utf8)) }
            }
            // After the last key, before the first, between two, and each present key.
            let outcomes: [(UInt64, [UInt8]?)] = try env.write { tx in
                try [40, 5, 25, 10, 20, 30, 40].map { (n: UInt64) in
                    (n, try tx.putIfAbsent(ids, key: key(n), value: Array("new\(n)".utf8), appending: appending) { Array($0) })
                }
            }
            #expect(outcomes.map(\.0) == [40, 5, 25, 10, 20, 30, 40])
            #expect(outcomes.map(\.1) == [
                nil, nil, nil, Array("v10".utf8), Array("v20".utf8), Array("v30".utf8),
                // 40 was stored by its first put and is found by its second.
                Array("new40".utf8),
            ])
            try env.read { tx throws in
                #expect(try tx.statistics(ids).entries == 6)
                for n: UInt64 in [10, 20, 30] { #expect(try tx.get(ids, key: key(n)) == Array("v\(n)".utf8)) }
                for n: UInt64 in [5, 25, 40] { #expect(try tx.get(ids, key: key(n)) == Array("new\(n)".utf8)) }
            }
        }
    }

    @Test func aReservedValueHoldsWhatItsFillWrote() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let log = try table(env, "log")
            let sizes = [1, 100, 5000, 70_000]
            try env.write { tx in
                for (index, size) in sizes.enumerated() {
                    let value = bytes(size, seed: UInt8(index))
                    try tx.put(log, key: key(UInt64(index + 1)), reservingCount: size, flags: .append) { out in
                        // The source pointer is used only inside `withUnsafeBytes`: escaping it
                        // would read a freed temporary.
                        value.withUnsafeBytes { out.copyMemory(from: $0) }
                    }
                }
            }
            try env.read { tx throws in
                for (index, size) in sizes.enumerated() {
                    #expect(try tx.get(log, key: key(UInt64(index + 1))) == bytes(size, seed: UInt8(index)))
                }
            }
        }
    }

    @Test func aReservedAppendOutOfOrderIsKeyExistsAndNeverFills() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let log = try table(env, "log")
            try env.write { tx in try tx.put(log, key: key(5), value: [5]) }
            var filled = false
            let error = #expect(throws: StorageError.self) {
                try env.write { tx in
                    try tx.put(log, key: key(4), reservingCount: 8, flags: .append) { _ in filled = true }
                }
            }
            #expect(error?.code == .keyExists)
            #expect(!filled)
            #expect(try env.read { try $0.statistics(log).entries } == 1)
        }
    }

    @Test func anInlineKeyIsTheSameKeyAsItsBytes() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir)
            let runs = try table(env, "runs")
            var inline = InlineKey()
            inline.append(bigEndian: UInt64(0x0102_0304_0506_0708))
            inline.append(bigEndian: UInt32(0x0A0B_0C0D))
            #expect(inline.count == 12)
            #expect(inline.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D])
            #expect(InlineKey(bigEndian: 42).bytes == key(42))
            try env.write { tx in try tx.put(runs, key: inline, value: [1]) }
            #expect(try env.read { try $0.get(runs, key: inline.bytes) } == [1])
            #expect(try env.read { try $0.get(runs, key: InlineKey(bigEndian: 0x0102_0304_0506_0708)) } == nil)
        }
    }
}
