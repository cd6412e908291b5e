import BulkheadCore
import Foundation

/// Written by hand: `ConfigValue` codes itself as a keyed `{text?, integer?}`, which the binary
/// form stores as two optionals in that order (a presence byte and a string, a presence byte and
/// an integer), exactly one of them present.
extension ConfigValue: BinaryCodable {
    /// Reads the two optionals; both or neither present is an error.
    public init(reading reader: inout ByteReader) throws(ByteFormatError) {
        let start = reader.offset
        let text = try reader.readPresence("text") ? reader.readString("text") : nil
        let integer = try reader.readPresence("integer") ? reader.readInt("integer") : nil
        switch (text, integer) {
        case (let t?, nil): self = .text(t)
        case (nil, let i?): self = .integer(i)
        default: throw ByteFormatError(reason: "a ConfigValue needs exactly one of 'text' or 'integer'", offset: start)
        }
    }

    /// Writes the present value and the absent one's presence byte.
    public func write(to writer: inout ByteWriter) {
        switch self {
        case .text(let t):
            writer.write(1)
            writer.writeString(t)
            writer.write(0)
        case .integer(let i):
            writer.write(0)
            writer.write(1)
            writer.writeInt(i)
        }
    }
}
