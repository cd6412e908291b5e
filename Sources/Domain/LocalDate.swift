import Foundation

/// A calendar date without a time or zone (`YYYY-MM-DD`), as clubs write match and season dates.
public struct LocalDate: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The year (1900 to 9999).
    public let year: Int
    /// The month (1 to 12).
    public let month: Int
    /// The day (1 to the month's length).
    public let day: Int

    /// Parses `YYYY-MM-DD`, checking that the day exists; `nil` otherwise.
    public init?(_ text: String) {
        // On UTF-8 bytes: exactly `DDDD-DD-DD` with ASCII digits, nothing else.
        let bytes = Array(text.utf8)
        let zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9"), dash = UInt8(ascii: "-")
        guard bytes.count == 10, bytes[4] == dash, bytes[7] == dash,
              [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ (zero...nine).contains(bytes[$0]) })
        else { return nil }
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - zero) } }
        self.init(year: number(0..<4), month: number(5..<7), day: number(8..<10))
    }

    /// Creates a date when it exists in the Gregorian calendar; `nil` otherwise.
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= LocalDate.days(inMonth: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// A number that orders dates: `YYYYMMDD`.
    public var ordinal: Int { year * 10_000 + month * 100 + day }

    /// Orders by calendar.
    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.ordinal < b.ordinal }

    /// Decodes from `YYYY-MM-DD`, refusing anything else.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a date of the form YYYY-MM-DD")
        }
        self = date
    }

    /// Encodes as `YYYY-MM-DD`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
