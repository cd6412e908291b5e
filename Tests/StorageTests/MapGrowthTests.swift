import Foundation
import Storage
import Testing

/// A full map never reaches callers: writes grow it up to the configured limit, and past that
/// fail with `.mapLimitReached` without harming what was there.
@Suite struct MapGrowthTests {
    @Test func aSmallMapGrowsThroughAFiveMegabyteWriteWithoutTheCallerNoticing() throws {
        try withTemporaryDirectory { dir in
            let chunk = 64 * 1024
            let chunks = 80  // 5 MiB in one transaction
            do {
                let env = try Environment(path: dir, options: EnvironmentOptions(initialMapSize: 64 * 1024))
                let blobs = try table(env, "blobs")
                try env.write { tx throws in
                    for n in 0..<chunks { try tx.put(blobs, key: key(UInt64(n)), value: bytes(chunk, seed: UInt8(n))) }
                }
                #expect(env.mapSize >= chunk * chunks)
                try env.read { tx throws in
                    #expect(try tx.statistics(blobs).entries == chunks)
                    for n in 0..<chunks { #expect(try tx.get(blobs, key: key(UInt64(n))) == bytes(chunk, seed: UInt8(n))) }
                }
            }
            // Reopened with the same small starting size, the environment still holds it all.
            let env = try Environment(path: dir, options: EnvironmentOptions(initialMapSize: 64 * 1024))
            let blobs = try #require(try env.openTable(named: "blobs", create: false))
            try env.read { tx throws in
                #expect(try tx.statistics(blobs).entries == chunks)
                #expect(try tx.get(blobs, key: key(UInt64(chunks - 1))) == bytes(chunk, seed: UInt8(chunks - 1)))
            }
        }
    }

    @Test func aCappedMapFailsWithMapLimitReachedKeepsEarlierDataAndAcceptsSmallWritesAfter() throws {
        try withTemporaryDirectory { dir in
            let limit = 512 * 1024
            let env = try Environment(path: dir, options: EnvironmentOptions(initialMapSize: 64 * 1024, maxMapSize: limit))
            let blobs = try table(env, "blobs")
            try env.write { tx throws in
                for n in 1...10 { try tx.put(blobs, key: key(UInt64(n)), value: bytes(100, seed: UInt8(n))) }
            }

            let error = #expect(throws: StorageError.self) {
                try env.write { tx throws in
                    for n in 100..<132 { try tx.put(blobs, key: key(UInt64(n)), value: bytes(64 * 1024, seed: UInt8(n))) }
                }
            }
            #expect(error?.code == .mapLimitReached)
            #expect(error?.message.contains("\(limit)") == true, "message: \(error?.message ?? "")")

            try env.read { tx throws in
                #expect(try tx.statistics(blobs).entries == 10)
                for n in 1...10 { #expect(try tx.get(blobs, key: key(UInt64(n))) == bytes(100, seed: UInt8(n))) }
                #expect(try tx.get(blobs, key: key(100)) == nil)
            }

            try env.write { tx in try tx.put(blobs, key: key(11), value: bytes(100, seed: 11)) }
            #expect(try env.read { try $0.get(blobs, key: key(11)) } == bytes(100, seed: 11))
            #expect(env.mapSize <= limit)
        }
    }

    @Test func writersOnSeveralThreadsGrowASmallMapTogether() throws {
        try withTemporaryDirectory { dir in
            let env = try Environment(path: dir, options: EnvironmentOptions(initialMapSize: 64 * 1024))
            let blobs = try table(env, "blobs")
            let threads = 4, writesPerThread = 16, size = 32 * 1024
            try runOnThreads(threads) { thread in
                for n in 0..<writesPerThread {
                    let k = UInt64(thread * 1000 + n)
                    try env.write { tx in try tx.put(blobs, key: key(k), value: bytes(size, seed: UInt8(truncatingIfNeeded: k))) }
                    // Readers run between the writes, so growth has to wait for them too.
                    #expect(try env.read { try $0.get(blobs, key: key(k)) }?.count == size)
                }
            }
            try env.read { tx throws in
                #expect(try tx.statistics(blobs).entries == threads * writesPerThread)
                for thread in 0..<threads {
                    for n in 0..<writesPerThread {
                        let k = UInt64(thread * 1000 + n)
                        #expect(try tx.get(blobs, key: key(k)) == bytes(size, seed: UInt8(truncatingIfNeeded: k)))
                    }
                }
            }
        }
    }
}
