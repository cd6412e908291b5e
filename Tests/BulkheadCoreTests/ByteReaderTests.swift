import BulkheadCore
import Foundation
import Testing

/// The reader under every stored format: lengths are checked, varints cannot overflow.
@Suite struct ByteReaderTests {
    private func readVarint(_ bytes: [UInt8]) throws -> (UInt64, consumed: Int) {
        try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            let value = try reader.readVarint()
            return (value, reader.offset)
        }
    }

    @Test(arguments: [UInt64(0), 1, 127, 128, 300, 1 << 35, UInt64(Int64.max), UInt64.max])
    func varintsRoundTrip(value: UInt64) throws {
        var writer = ByteWriter()
        writer.writeVarint(value)
        let (read, consumed) = try readVarint(writer.bytes)
        #expect(read == value)
        #expect(consumed == writer.bytes.count)
    }

    @Test(arguments: [Int64(0), 1, -1, 63, -64, Int64.max, Int64.min])
    func signedVarintsRoundTrip(value: Int64) throws {
        var writer = ByteWriter()
        writer.writeSignedVarint(value)
        let read = try writer.bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            return try reader.readSignedVarint()
        }
        #expect(read == value)
    }

    @Test func theLargestTenByteVarintIsUInt64Max() throws {
        #expect(try readVarint([UInt8](repeating: 0xFF, count: 9) + [0x01]).0 == UInt64.max)
    }

    @Test(arguments: [
        [UInt8](repeating: 0xFF, count: 9) + [0x02],
        [UInt8](repeating: 0xFF, count: 9) + [0x7F],
        [UInt8](repeating: 0x80, count: 10) + [0x01],
        [UInt8](repeating: 0xFF, count: 12),
    ])
    func aVarintBeyondSixtyFourBitsIsAnError(bytes: [UInt8]) {
        let error = #expect(throws: ByteFormatError.self) { try readVarint(bytes) }
        #expect(error?.offset == 9, "\(error?.description ?? "")")
    }

    @Test func aTruncatedVarintIsAnError() {
        #expect(throws: ByteFormatError.self) { try readVarint([0x80]) }
        #expect(throws: ByteFormatError.self) { try readVarint([]) }
    }

    @Test func fixedWidthIntegersAreBigEndianAndTruncationIsAnError() throws {
        var writer = ByteWriter()
        writer.write(bigEndian: UInt64(0x0102_0304_0506_0708))
        writer.write(bigEndian: UInt32(0x0A0B_0C0D))
        writer.write(bigEndian: UInt16(0xEEFF))
        #expect(writer.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B, 0x0C, 0x0D, 0xEE, 0xFF])
        try writer.bytes.withUnsafeBytes { raw throws in
            var reader = ByteReader(raw)
            #expect(try reader.readUInt64() == 0x0102_0304_0506_0708)
            #expect(try reader.readUInt32() == 0x0A0B_0C0D)
            #expect(try reader.readUInt16() == 0xEEFF)
            #expect(reader.isAtEnd)
            #expect(throws: ByteFormatError.self) { try reader.readByte() }
        }
        try [UInt8]([1, 2, 3]).withUnsafeBytes { raw throws in
            var reader = ByteReader(raw)
            #expect(throws: ByteFormatError.self) { try reader.readUInt32() }
        }
    }

    @Test func aLengthPrefixClaimingMoreThanIsLeftIsAnError() throws {
        try [UInt8]([5, 1, 2]).withUnsafeBytes { raw throws in
            var reader = ByteReader(raw)
            #expect(throws: ByteFormatError.self) { try reader.readLengthPrefixed() }
        }
        // A length near 2^64 must not wrap around into a small read.
        try ([UInt8](repeating: 0xFF, count: 9) + [0x01, 1, 2]).withUnsafeBytes { raw throws in
            var reader = ByteReader(raw)
            #expect(throws: ByteFormatError.self) { try reader.readLengthPrefixed() }
        }
    }
}

/// The UTF-8 check behind every stored string agrees with the standard library's, whichever
/// 8-byte chunk the first non-ASCII byte falls in.
@Suite struct UTF8ValidationTests {
    static let samples: [[UInt8]] = {
        var samples: [[UInt8]] = [
            [], Array("plain ascii".utf8), Array("sixteen bytes ok".utf8), Array("é".utf8), Array("Škoda ⚽️ 東京 🚀".utf8),
            [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xC3], [0xE2, 0x82], [0x80],
        ]
        // One bad or one good multi-byte sequence at every offset of a 17-byte ASCII run.
        for at in 0...16 {
            var bad = Array("abcdefghijklmnopq".utf8)
            bad[at] = 0xFF
            samples.append(bad)
            var good = Array("abcdefghijklmnopq".utf8)
            good.replaceSubrange(at...at, with: Array("é".utf8))
            samples.append(good)
            var cut = Array("abcdefghijklmnopq".utf8)
            cut[at] = 0xC3
            samples.append(cut)
        }
        return samples
    }()

    @Test func agreesWithTheStandardLibrary() throws {
        for sample in Self.samples {
            try sample.withUnsafeBytes { raw throws in
                let expected = String(validating: raw, as: UTF8.self) != nil
                #expect(ByteReader.isValidUTF8(raw) == expected, "\(sample)")
                var prefixed = ByteWriter()
                prefixed.writeLengthPrefixed(sample)
                try prefixed.bytes.withUnsafeBytes { stored throws in
                    var reader = ByteReader(stored)
                    if expected {
                        #expect(Array(try reader.readUTF8()) == sample)
                        #expect(reader.isAtEnd)
                    } else {
                        #expect(throws: ByteFormatError.self, "\(sample)") { try reader.readUTF8() }
                    }
                }
            }
        }
    }
}
