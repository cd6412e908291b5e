import BulkheadCore
import Foundation

/// Written by hand: `LocalDate` codes itself as its `YYYY-MM-DD` string.
extension LocalDate: BinaryCodable {
    /// Reads the `YYYY-MM-DD` string; a string that is not an existing date is an error.
    public init(reading reader: inout ByteReader) throws(ByteFormatError) {
        let start = reader.offset
        let raw = try reader.readUTF8("a date")
        // Ten ASCII bytes `dddd-dd-dd` are the only strings `LocalDate(_:)` accepts; reading the
        // digits in place saves the string and its splitting.
        if let date = LocalDate.parse(raw) {
            self = date
        } else if let date = LocalDate(String(decoding: raw, as: UTF8.self)) {
            self = date
        } else {
            throw ByteFormatError(reason: "'\(String(decoding: raw, as: UTF8.self))' is not a date of the form YYYY-MM-DD", offset: start)
        }
    }

    /// Writes the `YYYY-MM-DD` string (what `description` spells).
    public func write(to writer: inout ByteWriter) {
        writer.write(10)
        LocalDate.writeDigits(year, 4, &writer)
        writer.write(UInt8(ascii: "-"))
        LocalDate.writeDigits(month, 2, &writer)
        writer.write(UInt8(ascii: "-"))
        LocalDate.writeDigits(day, 2, &writer)
    }

    private static func writeDigits(_ value: Int, _ width: Int, _ writer: inout ByteWriter) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            writer.write(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func parse(_ raw: UnsafeRawBufferPointer) -> LocalDate? {
        guard raw.count == 10, raw[4] == UInt8(ascii: "-"), raw[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let digit = raw[i] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }
}
