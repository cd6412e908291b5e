import Foundation
import Storage
import Testing

/// Files that are not an LMDB environment are refused with an error, never a crash, and left as found.
@Suite struct CorruptEnvironmentTests {
    @Test(arguments: [100, 8 * 1024, 64 * 1024])
    func aDataFileOfRandomBytesIsRefusedWithAStorageError(size: Int) throws {
        try withTemporaryDirectory { dir in
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let file = (dir as NSString).appendingPathComponent("data.mdb")
            try Data(garbage).write(to: URL(fileURLWithPath: file))

            let error = #expect(throws: StorageError.self) { try Environment(path: dir) }
            #expect(error?.code == .invalid || error?.code == .corrupted, "code: \(error.map { "\($0.code.rawValue)" } ?? "none")")
            #expect(error?.context.contains(dir) == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(garbage))
        }
    }

    /// A sound file can end before the last page its meta page records: LMDB does not write a
    /// page that the transaction which allocated it freed again, and such pages are on the free
    /// list (seen on a rebuilt 1.2 GB tenant). Such a file opens; the missing free pages are
    /// added back as zeros. Made here by cutting free pages off the end of a file: a 40,000-byte
    /// value's ten overflow pages, the file's last, freed by deleting the value.
    @Test func aFileEndingBeforeItsLastPagesOpensWhenThosePagesAreFree() throws {
        try withTemporaryDirectory { dir in
            let file = (dir as NSString).appendingPathComponent("data.mdb")
            do {
                let env = try Environment(path: dir)
                let blobs = try table(env, "blobs")
                for k: UInt64 in 0..<5 { try env.write { tx in try tx.put(blobs, key: key(k), value: bytes(100, seed: UInt8(k))) } }
                try env.write { tx in try tx.put(blobs, key: key(100), value: bytes(40_000, seed: 9)) }
                for k: UInt64 in 5..<7 { try env.write { tx in try tx.put(blobs, key: key(k), value: bytes(100, seed: UInt8(k))) } }
                try env.write { tx in _ = try tx.delete(blobs, key: key(100)) }
            }
            let whole = try Data(contentsOf: URL(fileURLWithPath: file))
            try whole.prefix(whole.count - 10 * 4096).write(to: URL(fileURLWithPath: file))

            let env = try Environment(path: dir)
            let blobs = try table(env, "blobs")
            try env.read { tx throws in
                for k: UInt64 in 0..<7 { #expect(try tx.get(blobs, key: key(k)) == bytes(100, seed: UInt8(k))) }
                #expect(try tx.get(blobs, key: key(100)) == nil)
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)).count == whole.count)
            // Writing on reuses those pages.
            try env.write { tx in try tx.put(blobs, key: key(200), value: bytes(40_000, seed: 3)) }
            try env.read { tx throws in #expect(try tx.get(blobs, key: key(200)) == bytes(40_000, seed: 3)) }
        }
    }

    @Test func aFileCutShortOfPagesInUseIsRefusedAndLeftAsFound() throws {
        try withTemporaryDirectory { dir in
            let file = (dir as NSString).appendingPathComponent("data.mdb")
            do {
                let env = try Environment(path: dir)
                let blobs = try table(env, "blobs")
                try env.write { tx in
                    for k: UInt64 in 0..<200 { try tx.put(blobs, key: key(k), value: bytes(3000, seed: UInt8(truncatingIfNeeded: k))) }
                }
            }
            let whole = try Data(contentsOf: URL(fileURLWithPath: file))
            let cut = whole.prefix((whole.count / 2 / 4096) * 4096)
            try cut.write(to: URL(fileURLWithPath: file))
            let error = #expect(throws: StorageError.self) { try Environment(path: dir) }
            #expect(error?.code == .corrupted)
            #expect(error?.message.contains("truncated") == true, "\(String(describing: error))")
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == cut)
        }
    }
}
