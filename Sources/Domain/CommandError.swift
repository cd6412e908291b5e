import BulkheadCore
import Foundation

/// Why a command was refused. Nothing is written on any of these.
public enum CommandError: Error, ClassifiedError, Equatable, CustomStringConvertible, Sendable {
    /// Bad input: the field and what is wrong with it (`invalid`: HTTP 400, CLI exit 1).
    case invalid(field: String, reason: String)
    /// An id that does not exist in this tenant, whether it never existed or belongs to another
    /// tenant (`notFound`: HTTP 404, CLI exit 2). Nothing about other tenants is revealed.
    case notFound(entity: String, id: String)
    /// The command conflicts with the tenant's state (`conflict`: HTTP 409, CLI exit 3).
    case refused(String)
    /// A configuration value the command needs was never set for the tenant (`conflict`: HTTP 409,
    /// CLI exit 3).
    case missingConfig(tenant: TenantID, key: ConfigKey)
    /// There is no command of this name (`notFound`: HTTP 404, CLI exit 2).
    case unknownCommand(String, known: [String])

    /// One line a person can act on.
    public var description: String {
        switch self {
        case .invalid(let field, let reason): return field == "(body)" ? "invalid input: \(reason)" : "invalid field '\(field)': \(reason)"
        case .notFound(let entity, let id): return "\(entity) \(id) not found"
        case .refused(let reason): return "refused: \(reason)"
        case .missingConfig(let tenant, let key):
            return "tenant \(tenant) has no configuration value '\(key.rawValue)'; set it with tenant.setConfig"
        case .unknownCommand(let name, let known):
            return "unknown command '\(name)'; known commands: \(known.joined(separator: ", "))"
        }
    }

    /// A short stable code for scripts: `invalid`, `not_found`, `refused`, `missing_config`, `unknown_command`.
    public var code: String {
        switch self {
        case .invalid: return "invalid"
        case .notFound: return "not_found"
        case .refused: return "refused"
        case .missingConfig: return "missing_config"
        case .unknownCommand: return "unknown_command"
        }
    }

    /// The classification of each case (the kinds named on the cases above).
    public var failure: Failure {
        switch self {
        case .invalid(let field, _): return Failure(.invalid, code: code, message: description, field: field)
        case .notFound, .unknownCommand: return Failure(.notFound, code: code, message: description)
        case .refused, .missingConfig: return Failure(.conflict, code: code, message: description)
        }
    }

    /// Wraps a decoding problem at the edge.
    public init(_ input: InputError) {
        self = .invalid(field: input.field, reason: input.reason)
    }
}

/// Checks of command fields; each failure names the field.
enum Check {
    /// Refuses a string that is empty or blank (when `allowEmpty` is false), longer than `max`
    /// UTF-8 bytes, or holding control characters other than newline and tab (when `multiline`).
    static func text(_ value: String, _ field: String, max: Int, allowEmpty: Bool = false, multiline: Bool = false) throws {
        if !allowEmpty && value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw CommandError.invalid(field: field, reason: "must not be empty")
        }
        if value.utf8.count > max {
            throw CommandError.invalid(field: field, reason: "is \(value.utf8.count) bytes; the limit is \(max)")
        }
        let forbidden = value.unicodeScalars.contains { scalar in
            scalar.properties.generalCategory == .control && !(multiline && (scalar == "\n" || scalar == "\t" || scalar == "\r"))
        }
        if forbidden {
            throw CommandError.invalid(field: field, reason: "contains control characters")
        }
    }

    static func integer(_ value: Int, _ field: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw CommandError.invalid(field: field, reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// A GitHub repository: `owner/name`, split on the byte `/`; each part 1 to 100 bytes of ASCII
    /// letters, digits, `-`, `_` and `.`, and neither `.` nor `..`.
    static func repository(_ value: String, _ field: String) throws {
        // owner (≤ 100) + "/" + name (≤ 100): anything longer is refused by its size, not echoed.
        try text(value, field, max: 201, allowEmpty: true)
        let parts = value.utf8.split(separator: Byte.slash, omittingEmptySubsequences: false)
        let valid = parts.count == 2 && parts.allSatisfy { part in
            (1...100).contains(part.count) && !Byte.isDotSegment(part) && part.allSatisfy(Byte.isRepositoryName)
        }
        guard valid else {
            let reason = "'\(value)' is not a GitHub repository of the form owner/name"
            throw CommandError.invalid(field: field, reason: reason)
        }
    }

    /// Normalises a path inside a repository: `""` is the root; no leading or trailing `/`,
    /// no empty segments, no `.` or `..`.
    ///
    /// Works on UTF-8 bytes: a `/` or `.` followed by a combining mark is still a `/` or `.`
    /// (a `Character` would fold the two into one cluster and hide a `..` segment).
    static func repositoryPath(_ value: String, _ field: String) throws -> String {
        try text(value, field, max: 1024, allowEmpty: true)
        let bytes = Array(value.utf8)
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, bytes[start] == Byte.slash { start += 1 }
        while end > start, bytes[end - 1] == Byte.slash { end -= 1 }
        let trimmed = bytes[start..<end]
        if trimmed.isEmpty { return "" }
        for segment in trimmed.split(separator: Byte.slash, omittingEmptySubsequences: false) {
            if segment.isEmpty { throw CommandError.invalid(field: field, reason: "'\(value)' has an empty segment") }
            if Byte.isDotSegment(segment) {
                throw CommandError.invalid(field: field, reason: "'\(value)' may not contain '.' or '..' segments")
            }
        }
        // No byte of a multi-byte UTF-8 sequence is '/', so cutting at one leaves valid UTF-8.
        return String(decoding: trimmed, as: UTF8.self)
    }

    /// An e-mail address by the contract's pattern `^[^@ ]+@[^@ ]*\.[^@ ]*$`, read (as the schema
    /// reads it) on Unicode scalars: exactly one `@` with something before it, a `.` somewhere
    /// after it, and no space (U+0020). ASCII scalars are single UTF-8 bytes, so bytes suffice.
    static func email(_ value: String, _ field: String) throws {
        try text(value, field, max: 320)
        let bytes = value.utf8
        let parts = bytes.split(separator: Byte.at, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(Byte.dot), !bytes.contains(Byte.space) else {
            throw CommandError.invalid(field: field, reason: "'\(value)' is not an e-mail address")
        }
    }
}

/// The ASCII bytes the checks look for, and tests on bytes. Checks compare UTF-8 bytes (or
/// Unicode scalars), never `Character`s: a grapheme cluster folds `.`, `/` or `@` with a
/// following combining mark into one `Character` that equals none of them.
enum Byte {
    static let slash = UInt8(ascii: "/")
    static let dot = UInt8(ascii: ".")
    static let at = UInt8(ascii: "@")
    static let space = UInt8(ascii: " ")

    /// Whether `segment` is exactly `.` or `..`.
    static func isDotSegment(_ segment: some Collection<UInt8>) -> Bool {
        (1...2).contains(segment.count) && segment.allSatisfy { $0 == dot }
    }

    /// Whether `byte` may appear in a GitHub owner or repository name: `A-Z a-z 0-9 - _ .`.
    static func isRepositoryName(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
