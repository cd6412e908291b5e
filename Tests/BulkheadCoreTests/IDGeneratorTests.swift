import BulkheadCore
import Foundation
import Synchronization
import Testing

/// Version-7 ids: distinct, time-ordered by their first 48 bits, RFC 4122 variant.
@Suite struct IDGeneratorTests {
    private func bytes(_ id: UUID) -> [UInt8] { withUnsafeBytes(of: id.uuid) { Array($0) } }

    @Test func idsAreDistinctVersionSevenUUIDs() {
        let generator = IDGenerator()
        // More than one refill of the generator's random pool.
        let ids = (0..<20_000).map { _ in generator.next() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let b = bytes(id)
            #expect(b[6] >> 4 == 7, "version nibble of \(id)")
            #expect(b[8] & 0xC0 == 0x80, "variant bits of \(id)")
            #expect(Array(id.uuidString)[14] == "7")
        }
    }

    @Test func twoGeneratorsDoNotRepeatEachOther() {
        // Fresh generators each draw their own random bits: none starts from a fixed seed.
        let first = (0..<200).map { _ in IDGenerator().next() }
        let second = IDGenerator()
        let more = (0..<2_000).map { _ in second.next() }
        #expect(Set(first + more).count == 2_200)
    }

    @Test func theFirstFortyEightBitsAreTheMillisecondsOfTheTimeGiven() {
        // Half a millisecond past, so that binary rounding of the seconds cannot cross a millisecond.
        let at = Date(timeIntervalSince1970: 1_717_171_717.1235)
        let b = bytes(IDGenerator().next(at: at))
        let millis = b[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis == 1_717_171_717_123)
    }

    @Test func idsOfALaterMillisecondSortAfterEarlierOnes() {
        let generator = IDGenerator()
        // Each date half a millisecond into its millisecond, so every id gets a millisecond of its own.
        let ids = (0..<50).map { generator.next(at: Date(timeIntervalSince1970: 1_717_171_717.0005 + Double($0) / 1000)) }
        let ordered = ids.map(bytes)
        #expect(ordered == ordered.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func idsOfOneGeneratorIncreaseWithinOneMillisecond() {
        let generator = IDGenerator()
        let at = Date(timeIntervalSince1970: 1_717_171_717.0005)
        let ids = (0..<10_000).map { _ in bytes(generator.next(at: at)) }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
        #expect(ids.allSatisfy { $0[6] >> 4 == 7 && $0[8] & 0xC0 == 0x80 })
    }

    @Test func aSmallClockStepBackKeepsIdsIncreasing() {
        let generator = IDGenerator()
        let now = Date(timeIntervalSince1970: 1_717_171_717.0005)
        let before = bytes(generator.next(at: now))
        let after = bytes(generator.next(at: now.addingTimeInterval(-2)))
        #expect(before.lexicographicallyPrecedes(after))
    }

    @Test func idsFromManyThreadsAreDistinct() {
        let generator = IDGenerator()
        let collected = Mutex<[UUID]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let ids = (0..<2_000).map { _ in generator.next() }
            collected.withLock { $0.append(contentsOf: ids) }
        }
        let all = collected.withLock { $0 }
        #expect(all.count == 16_000)
        #expect(Set(all).count == 16_000)
    }
}

/// A tenant is a UUID: its text is the lowercase UUID, and it stores as 16 bytes.
@Suite struct TenantIDTests {
    @Test func textIsTheLowercaseUUIDAndParsesBack() throws {
        let uuid = UUID(uuidString: "0190F0C2-7D1E-7A3B-9C4D-5E6F708192A3")!
        let tenant = TenantID(uuid)
        #expect(tenant.description == "0190f0c2-7d1e-7a3b-9c4d-5e6f708192a3")
        #expect(TenantID(tenant.description) == tenant)
        #expect(TenantID("berko-tnf") == nil)
        #expect(TenantID("") == nil)
    }

    @Test func roundTripsThroughTheBinaryForm() throws {
        let tenant = TenantID.random()
        let bytes = try BinaryEncoder.encode(tenant)
        #expect(bytes.count == 16)
        #expect(try BinaryDecoder.decode(TenantID.self, from: bytes) == tenant)
    }
}
