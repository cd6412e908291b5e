import BulkheadCore
import Foundation
import Testing

// Shapes a payload can take: every field kind the binary form stores.

enum Colour: String, Codable, Equatable { case orange, green, claret }

enum Trigger: Codable, Equatable {
    case manual(by: String)
    case projectSync(syncID: UUID, attempt: Int)
    case note(String)
    case expired
}

struct Player: Codable, Equatable {
    var name: String
    var goals: Int
}

struct EverythingPayload: Codable, Equatable {
    var name: String
    var count: Int
    var balance: Int
    var active: Bool
    var retired: Bool
    var id: UUID
    var recordedAt: Date
    var nickname: String?
    var formerNickname: String?
    var threshold: Int?
    var missingThreshold: Int?
    var confirmed: Bool?
    var closedAt: Date?
    var tags: [String]
    var scores: [Int]
    var noScores: [Int]
    var captain: Player
    var squad: [Player]
    var substitute: Player?
    var colour: Colour
    var kits: [Colour]
    var trigger: Trigger
    var history: [Trigger]
    var small: UInt8
    var wide: UInt64
    var ratio: Double
    var empty: String
    var unicode: String

    static let sample = EverythingPayload(
        name: "Berko TNF", count: 42, balance: -1_234_567, active: true, retired: false,
        id: UUID(uuidString: "0190f0c2-7d1e-7a3b-9c4d-5e6f708192a3")!,
        recordedAt: Date(timeIntervalSince1970: 1_717_171_717.123456),
        nickname: "The Berks", formerNickname: nil, threshold: -3, missingThreshold: nil,
        confirmed: false, closedAt: Date(timeIntervalSince1970: -86_400.000_001),
        tags: ["league", "", "cup"], scores: [0, -1, Int.max, Int.min], noScores: [],
        captain: Player(name: "Ada", goals: 7), squad: [Player(name: "Bo", goals: 0), Player(name: "Cy", goals: -2)],
        substitute: nil, colour: .claret, kits: [.orange, .green],
        trigger: .projectSync(syncID: UUID(uuidString: "00000000-0000-7000-8000-000000000001")!, attempt: 2),
        history: [.manual(by: "ada@example.test"), .note("rescheduled"), .expired],
        small: 255, wide: UInt64.max, ratio: -0.1, empty: "", unicode: "Škoda ⚽️ 東京")
}

struct Named: Codable, Equatable { var name: String }
struct Flag: Codable, Equatable { var on: Bool }
struct MaybeName: Codable, Equatable { var name: String? }
struct WideNumber: Codable, Equatable { var value: Int }
struct SmallNumber: Codable, Equatable { var value: UInt8 }
struct TinySigned: Codable, Equatable { var value: Int8 }
struct Tagged: Codable, Equatable { var tags: [String] }
struct Coloured: Codable, Equatable { var colour: Colour }
struct Triggered: Codable, Equatable { var trigger: Trigger }

// A payload and the later shapes it must not silently decode as.
struct NameOnly: Codable { var name: String }
struct NameAndCount: Codable { var name: String; var count: Int }
struct NameAndTags: Codable { var name: String; var tags: [String] }
struct NameAndNickname: Codable { var name: String; var nickname: String? }
struct NameAndActive: Codable { var name: String; var active: Bool }

/// The binary form round-trips every field kind, and refuses bytes it did not write.
@Suite struct BinaryCoderTests {
    @Test func aStructWithEveryFieldKindRoundTrips() throws {
        let bytes = try BinaryEncoder.encode(EverythingPayload.sample)
        let decoded = try BinaryDecoder.decode(EverythingPayload.self, from: bytes)
        #expect(decoded == EverythingPayload.sample)
    }

    @Test func optionalsKeepPresentAndAbsentApart() throws {
        let present = MaybeName(name: "")
        let absent = MaybeName(name: nil)
        let presentBytes = try BinaryEncoder.encode(present)
        let absentBytes = try BinaryEncoder.encode(absent)
        #expect(presentBytes != absentBytes)
        #expect(try BinaryDecoder.decode(MaybeName.self, from: presentBytes) == present)
        #expect(try BinaryDecoder.decode(MaybeName.self, from: absentBytes) == absent)
    }

    @Test func encodingIsDeterministic() throws {
        #expect(try BinaryEncoder.encode(EverythingPayload.sample) == BinaryEncoder.encode(EverythingPayload.sample))
    }

    @Test(arguments: [0, 1, -1, 63, -64, 64, -65, 1 << 40, -(1 << 40), Int.max, Int.min])
    func integersRoundTripAtTheirEdges(value: Int) throws {
        let bytes = try BinaryEncoder.encode(WideNumber(value: value))
        #expect(try BinaryDecoder.decode(WideNumber.self, from: bytes) == WideNumber(value: value))
    }

    @Test(arguments: [0.0, 0.000_001, -0.000_001, 1_717_171_717.123456, -86_400.000_001, 4_102_444_800.999999])
    func datesRoundTripToTheMicrosecond(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let bytes = try BinaryEncoder.encode([date])
        #expect(try BinaryDecoder.decode([Date].self, from: bytes) == [date])
    }

    @Test func appendingIntoAWriterKeepsWhatWasThere() throws {
        var writer = ByteWriter()
        writer.write(contentsOf: [0xAB, 0xCD])
        try BinaryEncoder.encode(Tagged(tags: ["a", "b"]), into: &writer)
        #expect(Array(writer.bytes.prefix(2)) == [0xAB, 0xCD])
        #expect(Array(writer.bytes.dropFirst(2)) == (try BinaryEncoder.encode(Tagged(tags: ["a", "b"]))))
    }

    // MARK: - Refused bytes

    @Test func everyTruncationIsAnErrorNeverAShorterValue() throws {
        let bytes = try BinaryEncoder.encode(EverythingPayload.sample)
        for length in 0..<bytes.count {
            #expect(throws: DecodingError.self, "decoding the first \(length) of \(bytes.count) bytes") {
                try BinaryDecoder.decode(EverythingPayload.self, from: Array(bytes.prefix(length)))
            }
        }
    }

    @Test func trailingBytesAreAnError() throws {
        let bytes = try BinaryEncoder.encode(Named(name: "Ada"))
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Named.self, from: bytes + [0]) }
        let everything = try BinaryEncoder.encode(EverythingPayload.sample)
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(EverythingPayload.self, from: everything + [1, 2, 3]) }
    }

    @Test func invalidUTF8IsAnErrorWhereverTheStringSits() throws {
        // A length of 2, then a lead byte followed by something that is not a continuation byte.
        let broken: [UInt8] = [2, 0xC3, 0x28]
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Named.self, from: broken) }
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(String.self, from: broken) }
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(MaybeName.self, from: [1] + broken) }
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Tagged.self, from: [0, 0, 0, 1] + broken) }
        // The same bytes with a valid second byte decode, so it is the UTF-8 that is refused.
        #expect(try BinaryDecoder.decode(Named.self, from: [2, 0xC3, 0xA9]) == Named(name: "é"))
    }

    @Test(arguments: [UInt8(2), 3, 0x80, 0xFF])
    func aBoolByteOtherThanZeroOrOneIsAnError(byte: UInt8) throws {
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Flag.self, from: [byte]) }
        // An optional's presence byte is a bool too.
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(MaybeName.self, from: [byte, 1, 0x41]) }
        #expect(try BinaryDecoder.decode(Flag.self, from: [1]) == Flag(on: true))
        #expect(try BinaryDecoder.decode(Flag.self, from: [0]) == Flag(on: false))
    }

    @Test func aFieldMissingFromOlderBytesIsAnErrorNotAZeroOrEmptyValue() throws {
        let old = try BinaryEncoder.encode(NameOnly(name: "Berko"))
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(NameAndCount.self, from: old) }
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(NameAndTags.self, from: old) }
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(NameAndNickname.self, from: old) }
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(NameAndActive.self, from: old) }
    }

    @Test func anIntegerTooLargeForItsFieldIsAnError() throws {
        let bytes = try BinaryEncoder.encode(WideNumber(value: 256))
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(SmallNumber.self, from: bytes) }
        let tooNegative = try BinaryEncoder.encode(WideNumber(value: -129))
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(TinySigned.self, from: tooNegative) }
        #expect(try BinaryDecoder.decode(TinySigned.self, from: BinaryEncoder.encode(WideNumber(value: -128))) == TinySigned(value: -128))
    }

    @Test func anUnknownEnumValueIsAnError() throws {
        let unknownRaw = try BinaryEncoder.encode(Named(name: "purple"))
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Coloured.self, from: unknownRaw) }
        let unknownCase = try BinaryEncoder.encode(Named(name: "cancelled"))
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Triggered.self, from: unknownCase) }
    }

    @Test func aForgedElementCountIsAnErrorNotAHugeAllocation() throws {
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Tagged.self, from: [0xFF, 0xFF, 0xFF, 0xFF, 0]) }
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode([Int].self, from: [0, 0, 0, 3, 2, 4]) }
    }

    @Test func anOverlongVarintInAFieldIsAnError() throws {
        let overlong = [UInt8](repeating: 0xFF, count: 10) + [0x01]
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(WideNumber.self, from: overlong) }
    }

    // MARK: - Refused values

    @Test func aDictionaryIsRefusedWhenEncoding() throws {
        struct Table: Codable { var points: [String: Int] }
        struct ByNumber: Codable { var names: [Int: String] }
        #expect(throws: EncodingError.self) { try BinaryEncoder.encode(Table(points: ["berko": 3, "capo": 1])) }
        #expect(throws: EncodingError.self) { try BinaryEncoder.encode(["berko": 3]) }
        #expect(throws: EncodingError.self) { try BinaryEncoder.encode(ByNumber(names: [1: "Ada"])) }
    }

    @Test
    func anEmptyDictionaryIsRefusedToo() throws {
        struct Table: Codable { var points: [String: Int]; var name: String }
        #expect(throws: EncodingError.self) { try BinaryEncoder.encode(Table(points: [:], name: "points")) }
    }

    @Test
    func aDictionaryKeyedByUUIDIsRefused() throws {
        struct Owners: Codable { var byID: [UUID: String] }
        #expect(throws: EncodingError.self) { try BinaryEncoder.encode(Owners(byID: [UUID(): "Ada"])) }
    }

    @Test
    func anArrayOfEmptyStructsRoundTrips() throws {
        struct Marker: Codable, Equatable {}
        struct Markers: Codable, Equatable { var items: [Marker] }
        let value = Markers(items: [Marker(), Marker()])
        #expect(try BinaryDecoder.decode(Markers.self, from: BinaryEncoder.encode(value)) == value)
    }

    @Test func aNilOutsideAnOptionalFieldIsRefused() throws {
        #expect(throws: EncodingError.self) { try BinaryEncoder.encode([String?.none]) }
        #expect(throws: EncodingError.self) { try BinaryEncoder.encode(Int?.none) }
    }
}
