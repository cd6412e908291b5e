import Foundation
import Storage
import Testing

/// Cursors walk a table in key order; big-endian keys make that numeric order.
@Suite struct CursorTests {
    /// A table holding `keys` (inserted in the order given), each value naming its key.
    private func filled(_ dir: String, _ keys: [UInt64]) throws -> (Environment, Table) {
        let env = try Environment(path: dir)
        let numbers = try table(env, "numbers")
        try env.write { tx throws in
            for n in keys { try tx.put(numbers, key: key(n), value: Array("value-\(n)".utf8)) }
        }
        return (env, numbers)
    }

    private func position(_ cursor: borrowing Cursor) -> UInt64 {
        UInt64(bigEndian: cursor.key.loadUnaligned(as: UInt64.self))
    }

    @Test func firstAndNextVisitEveryKeyInNumericOrder() throws {
        try withTemporaryDirectory { dir in
            let (env, numbers) = try filled(dir, [300, 1, 65_536, 256, 2, 255])
            let visited = try env.read { tx throws in
                try tx.withCursor(numbers) { cursor in
                    var seen: [(UInt64, String)] = []
                    var found = try cursor.first()
                    while found {
                        seen.append((position(cursor), String(decoding: cursor.value, as: UTF8.self)))
                        found = try cursor.next()
                    }
                    return seen
                }
            }
            #expect(visited.map(\.0) == [1, 2, 255, 256, 300, 65_536])
            #expect(visited.map(\.1) == visited.map { "value-\($0.0)" })
        }
    }

    @Test func lastAndPreviousWalkBackwards() throws {
        try withTemporaryDirectory { dir in
            let (env, numbers) = try filled(dir, [10, 30, 20])
            let walked = try env.read { tx throws in
                try tx.withCursor(numbers) { cursor in
                    var seen: [UInt64] = []
                    var found = try cursor.last()
                    while found {
                        seen.append(position(cursor))
                        found = try cursor.previous()
                    }
                    return seen
                }
            }
            #expect(walked == [30, 20, 10])
        }
    }

    @Test(arguments: [
        (UInt64(0), UInt64?.some(10)),
        (10, 10),
        (11, 20),
        (20, 20),
        (29, 30),
        (30, 30),
        (31, nil),
    ])
    func seekLandsOnTheFirstKeyAtOrAfterTheTarget(target: UInt64, expected: UInt64?) throws {
        try withTemporaryDirectory { dir in
            let (env, numbers) = try filled(dir, [30, 10, 20])
            let landed: UInt64? = try env.read { tx throws in
                try tx.withCursor(numbers) { cursor in
                    try cursor.seek(atOrAfter: key(target)) ? position(cursor) : nil
                }
            }
            #expect(landed == expected)
        }
    }

    @Test
    func seekingAnEmptyKeyLandsOnTheFirstEntry() throws {
        try withTemporaryDirectory { dir in
            let (env, numbers) = try filled(dir, [3, 1, 2])
            let landed: UInt64? = try env.read { tx in
                try tx.withCursor(numbers) { cursor in try cursor.seek(atOrAfter: [UInt8]()) ? position(cursor) : nil }
            }
            #expect(landed == 1)
        }
    }

    @Test func nextAfterSeekContinuesFromTheKeyFound() throws {
        try withTemporaryDirectory { dir in
            let (env, numbers) = try filled(dir, [1, 2, 3, 4, 5])
            let rest = try env.read { tx throws in
                try tx.withCursor(numbers) { cursor in
                    var seen: [UInt64] = []
                    var found = try cursor.seek(atOrAfter: key(3))
                    while found {
                        seen.append(position(cursor))
                        found = try cursor.next()
                    }
                    return seen
                }
            }
            #expect(rest == [3, 4, 5])
        }
    }

    @Test func anEmptyTableHasNoFirstNoLastAndNothingToSeek() throws {
        try withTemporaryDirectory { dir in
            let (env, numbers) = try filled(dir, [])
            let moves = try env.read { tx throws in
                try tx.withCursor(numbers) { cursor in
                    [try cursor.first(), try cursor.last(), try cursor.seek(atOrAfter: key(0))]
                }
            }
            #expect(moves == [false, false, false])
        }
    }

    @Test func aCursorInAWriteTransactionSeesThatTransactionsPuts() throws {
        try withTemporaryDirectory { dir in
            let (env, numbers) = try filled(dir, [1])
            let last = try env.write { tx throws in
                try tx.put(numbers, key: key(99), value: [99])
                return try tx.withCursor(numbers) { cursor in try cursor.last() ? position(cursor) : nil }
            }
            #expect(last == 99)
        }
    }
}
