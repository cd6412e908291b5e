import BulkheadCore
import Foundation
import Testing

// Hand-written conformances of the shapes in BinaryCoderTests, as the generator writes them for
// the domain's types: ByteReader/ByteWriter field helpers in declaration order.

extension Colour: BinaryCodable {
    init(reading reader: inout ByteReader) throws(ByteFormatError) {
        let start = reader.offset
        let raw = try reader.readUTF8("a Colour")
        if ByteReader.equal(raw, "orange") {
            self = .orange
        } else if ByteReader.equal(raw, "green") {
            self = .green
        } else if ByteReader.equal(raw, "claret") {
            self = .claret
        } else {
            throw ByteFormatError(reason: "unknown Colour '\(String(decoding: raw, as: UTF8.self))'", offset: start)
        }
    }
    func write(to writer: inout ByteWriter) { writer.writeString(rawValue) }
}

extension Player: BinaryCodable {
    init(reading reader: inout ByteReader) throws(ByteFormatError) {
        name = try reader.readString("name")
        goals = try reader.readInt("goals")
    }
    func write(to writer: inout ByteWriter) {
        writer.writeString(name)
        writer.writeInt(goals)
    }
}

/// Every helper at once: what a generated conformance is made of.
struct Fixture: Codable, Equatable, BinaryCodable {
    var id: UUID
    var name: String
    var count: Int
    var active: Bool
    var recordedAt: Date
    var closedAt: Date?
    var nickname: String?
    var wide: UInt64
    var small: UInt8
    var colour: Colour
    var captain: Player
    var squad: [Player]
    var tags: [String]

    init(id: UUID, name: String, count: Int, active: Bool, recordedAt: Date, closedAt: Date?, nickname: String?,
         wide: UInt64, small: UInt8, colour: Colour, captain: Player, squad: [Player], tags: [String]) {
        (self.id, self.name, self.count, self.active, self.recordedAt, self.closedAt, self.nickname) = (id, name, count, active, recordedAt, closedAt, nickname)
        (self.wide, self.small, self.colour, self.captain, self.squad, self.tags) = (wide, small, colour, captain, squad, tags)
    }

    init(reading reader: inout ByteReader) throws(ByteFormatError) {
        id = try reader.readUUID("id")
        name = try reader.readString("name")
        count = try reader.readInt("count")
        active = try reader.readBool("active")
        recordedAt = try reader.readDate("recordedAt")
        closedAt = try reader.readPresence("closedAt") ? reader.readDate("closedAt") : nil
        nickname = try reader.readPresence("nickname") ? reader.readString("nickname") : nil
        wide = try reader.readUnsigned(UInt64.self, "wide")
        small = try reader.readUnsigned(UInt8.self, "small")
        colour = try reader.read(Colour.self, "colour")
        captain = try reader.read(Player.self, "captain")
        let squadCount = try reader.readCount("squad")
        squad = []
        for i in 0..<squadCount { squad.append(try reader.read(Player.self, "squad[\(i)]")) }
        let tagCount = try reader.readCount("tags")
        tags = []
        for i in 0..<tagCount { tags.append(try reader.readString("tags[\(i)]")) }
    }

    func write(to writer: inout ByteWriter) {
        writer.write(uuid: id)
        writer.writeString(name)
        writer.writeInt(count)
        writer.writeBool(active)
        writer.writeDate(recordedAt)
        if let closedAt { writer.write(1); writer.writeDate(closedAt) } else { writer.write(0) }
        if let nickname { writer.write(1); writer.writeString(nickname) } else { writer.write(0) }
        writer.writeVarint(wide)
        writer.writeVarint(UInt64(small))
        colour.write(to: &writer)
        captain.write(to: &writer)
        writer.writeCount(squad.count)
        for player in squad { player.write(to: &writer) }
        writer.writeCount(tags.count)
        for tag in tags { writer.writeString(tag) }
    }

    static let present = Fixture(
        id: EverythingPayload.sample.id, name: "Berko TNF", count: Int.min, active: true,
        recordedAt: EverythingPayload.sample.recordedAt, closedAt: Date(timeIntervalSince1970: -86_400.000_001),
        nickname: "Škoda ⚽️ 東京", wide: UInt64.max, small: 255, colour: .claret, captain: Player(name: "Ada", goals: 7),
        squad: [Player(name: "Bo", goals: 0), Player(name: "Cy", goals: -2)], tags: ["league", "", "cup"])
    static let absent = Fixture(
        id: EverythingPayload.sample.id, name: "", count: 0, active: false, recordedAt: Date(timeIntervalSince1970: 0),
        closedAt: nil, nickname: nil, wide: 0, small: 0, colour: .orange, captain: Player(name: "", goals: 0), squad: [], tags: [])
}

/// `BinaryCodable` writes the bytes `BinaryEncoder` writes and reads them with the same checks.
@Suite struct BinaryCodableTests {
    @Test(arguments: [Fixture.present, Fixture.absent])
    func theSameBytesAsBinaryEncoderBothWays(value: Fixture) throws {
        let codable = try BinaryEncoder.encode(value)
        #expect(value.encodedBytes() == codable)
        #expect(try Fixture.decode(from: codable) == value)
        #expect(try BinaryDecoder.decode(Fixture.self, from: value.encodedBytes()) == value)
    }

    @Test func aUUIDRecordIsItsSixteenBytes() throws {
        let id = EverythingPayload.sample.id
        #expect(id.encodedBytes() == (try BinaryEncoder.encode(id)))
        #expect(try UUID.decode(from: BinaryEncoder.encode(id)) == id)
    }

    @Test(arguments: [0.0, 0.000_001, -0.000_001, 1_717_171_717.123456, -86_400.000_001, 4_102_444_800.999999])
    func datesMatchTheCodableFormToTheMicrosecond(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        var writer = ByteWriter()
        writer.writeDate(date)
        #expect(writer.bytes == (try BinaryEncoder.encode(date)))
        let read = try writer.bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            return try reader.readDate()
        }
        #expect(read == (try BinaryDecoder.decode(Date.self, from: writer.bytes)))
    }

    // MARK: - Refused bytes

    @Test func everyTruncationIsAnError() throws {
        let bytes = Fixture.present.encodedBytes()
        for length in 0..<bytes.count {
            #expect(throws: ByteFormatError.self, "the first \(length) of \(bytes.count) bytes") {
                try Fixture.decode(from: Array(bytes.prefix(length)))
            }
        }
    }

    @Test func trailingBytesAreAnError() throws {
        let error = #expect(throws: ByteFormatError.self) { try Fixture.decode(from: Fixture.absent.encodedBytes() + [0]) }
        #expect(error?.reason.contains("unexpected bytes") == true)
    }

    @Test(arguments: [UInt8(2), 0x80, 0xFF])
    func boolAndPresenceBytesMustBeZeroOrOne(byte: UInt8) throws {
        var bytes = Fixture.absent.encodedBytes()
        let active = 16 + 1 + 1  // id, empty name, count 0
        bytes[active] = byte
        let bool = #expect(throws: ByteFormatError.self) { try Fixture.decode(from: bytes) }
        #expect(bool?.reason.contains("active") == true, "\(String(describing: bool))")
        bytes[active] = 0
        bytes[active + 2] = byte  // closedAt's presence byte, after the one-byte date
        let presence = #expect(throws: ByteFormatError.self) { try Fixture.decode(from: bytes) }
        #expect(presence?.reason.contains("closedAt") == true, "\(String(describing: presence))")
    }

    @Test func anIntegerTooLargeForItsFieldIsAnError() throws {
        var writer = ByteWriter()
        writer.writeVarint(256)
        let error = #expect(throws: ByteFormatError.self) {
            try writer.bytes.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                return try reader.readUnsigned(UInt8.self, "small")
            }
        }
        #expect(error?.reason.contains("small") == true)
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(SmallNumber.self, from: writer.bytes) }
    }

    @Test func anUnknownEnumValueIsAnErrorNamingTheField() throws {
        let bytes = try BinaryEncoder.encode(Named(name: "purple"))
        #expect(throws: ByteFormatError.self) { try Colour.decode(from: bytes) }
        var fixture = Fixture.absent.encodedBytes()
        // "orange" sits after the fixed fields; make it "orangf".
        let at = try #require(fixture.firstRange(of: Array("orange".utf8)))
        fixture[at.upperBound - 1] = UInt8(ascii: "f")
        let error = #expect(throws: ByteFormatError.self) { try Fixture.decode(from: fixture) }
        #expect(error?.reason.hasPrefix("colour: ") == true, "\(String(describing: error))")
        #expect(throws: DecodingError.self) { try BinaryDecoder.decode(Fixture.self, from: fixture) }
    }

    @Test func invalidUTF8IsAnError() throws {
        let broken: [UInt8] = [2, 0xC3, 0x28]
        let error = #expect(throws: ByteFormatError.self) { try Player.decode(from: broken + [0]) }
        #expect(error?.reason.contains("name") == true)
        #expect(try Player.decode(from: [2, 0xC3, 0xA9, 0]) == Player(name: "é", goals: 0))
    }

    @Test func aForgedElementCountIsAnErrorNotAHugeAllocation() throws {
        var writer = ByteWriter()
        writer.write(bigEndian: UInt32.max)
        writer.write(0)
        let error = #expect(throws: ByteFormatError.self) {
            try writer.bytes.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                return try reader.readCount("squad")
            }
        }
        #expect(error?.reason.contains("squad") == true)
    }

    @Test func anErrorInsideANestedValueNamesItsField() throws {
        var bytes = Fixture.present.encodedBytes()
        let codable = try BinaryEncoder.encode(Fixture.present)
        #expect(bytes == codable)
        // Bo's name: make its one byte invalid UTF-8 on its own.
        let bo = try #require(bytes.firstRange(of: [2, UInt8(ascii: "B"), UInt8(ascii: "o")]))
        bytes[bo.lowerBound + 1] = 0xC3
        bytes[bo.lowerBound + 2] = 0x28
        let error = #expect(throws: ByteFormatError.self) { try Fixture.decode(from: bytes) }
        #expect(error?.reason.hasPrefix("squad[0]: ") == true, "\(String(describing: error))")
    }

    @Test func rawValuesAreComparedAsBytes() {
        let bytes = Array("claret".utf8)
        bytes.withUnsafeBytes { raw in
            #expect(ByteReader.equal(raw, "claret"))
            #expect(!ByteReader.equal(raw, "clare"))
            #expect(!ByteReader.equal(raw, "claret!"))
            #expect(!ByteReader.equal(UnsafeRawBufferPointer(rebasing: raw[0..<0]), "claret"))
        }
        [UInt8]().withUnsafeBytes { #expect(ByteReader.equal($0, "")) }
    }
}
