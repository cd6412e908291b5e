import BulkheadCore
import Foundation
import Projections
import Testing

/// Keys are held inline up to 48 bytes and in an array beyond: either way they must compare,
/// hash and order exactly as their bytes do, since the store's cache and LMDB both rely on it.
@Suite struct KeyTests {
    /// Keys of every length around the inline limit, built every way a key can be.
    static func samples() -> [Key] {
        var random = SplitMix64(seed: 11)
        var keys: [Key] = [Key("a"), Key(raw: [UInt8]()), Key(raw: [0]), Key(raw: [0, 0])]
        for length in [1, 2, 7, 8, 9, 16, 17, 33, 45, 47, 48, 49, 50, 64, 200] {
            for _ in 0..<4 {
                // Few distinct bytes, so that keys share long prefixes and differ late.
                let bytes = (0..<length).map { _ in UInt8(random.below(3)) }
                keys.append(Key(raw: bytes))
                keys.append(bytes.withUnsafeBytes { Key(copying: $0) })
            }
        }
        let id = UUID()
        keys += [
            Key("M", .uuid(id), .uint32(20_260_101), .uint64(7), .uuid(id)),
            Key("e", .text(String(repeating: "long-address", count: 8) + "@example.com")),
            Key("t", .uuid(id), .uuid(id)),
        ]
        return keys
    }

    @Test func keysCompareHashAndOrderAsTheirBytesDo() {
        let keys = Self.samples()
        for a in keys {
            #expect(Key(raw: a.bytes) == a)
            #expect(a.bytes.withUnsafeBytes { Key(copying: $0) } == a)
            #expect(a.withBytes { Array($0) } == a.bytes)
            for b in keys {
                #expect((a == b) == (a.bytes == b.bytes), "\(a.bytes) vs \(b.bytes)")
                #expect((a < b) == a.bytes.lexicographicallyPrecedes(b.bytes), "\(a.bytes) vs \(b.bytes)")
                #expect(a.hasPrefix(b) == a.bytes.starts(with: b.bytes), "\(a.bytes) vs \(b.bytes)")
            }
        }
        // Equal keys hash equally: a set of the keys has one member per distinct byte string.
        #expect(Set(keys).count == Set(keys.map(\.bytes)).count)
        #expect(keys.sorted().map(\.bytes) == keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func partsAreStoredBigEndianAfterTheKind() {
        let id = UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF")!
        let key = Key("M", .uuid(id), .uint32(0x0102_0304), .uint64(5), .byte(9))
        #expect(key.bytes == [UInt8(ascii: "M")] + Array(0x00...0xFF).filter { $0 % 0x11 == 0 }.map(UInt8.init)
            + [1, 2, 3, 4] + [0, 0, 0, 0, 0, 0, 0, 5] + [9])
        #expect(key.kind == UInt8(ascii: "M"))
        #expect(key.uuid(at: 1) == id)
        #expect(Key("x", .uuid(id)).trailingUUID == id)
        #expect(Key("x").trailingUUID == nil)
    }
}
