import BulkheadCore
import Foundation

/// Why a command was refused. Nothing is written on any of these.
public enum CommandError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Bad input: the field and what is wrong with it (HTTP 400, CLI exit 1).
    case invalid(field: String, reason: String)
    /// An id that does not exist in this tenant, whether it never existed or belongs to another
    /// tenant (HTTP 404, CLI exit 2). Nothing about other tenants is revealed.
    case notFound(entity: String, id: String)
    /// The command conflicts with the tenant's state (HTTP 409, CLI exit 3).
    case refused(String)
    /// A configuration value the command needs was never set for the tenant (HTTP 409, CLI exit 3).
    case missingConfig(tenant: TenantID, key: ConfigKey)
    /// There is no command of this name (HTTP 404, CLI exit 1).
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

    /// A GitHub repository: `owner/name`, each part of letters, digits, `-`, `_` and `.`.
    static func repository(_ value: String, _ field: String) throws {
        // owner (≤ 100) + "/" + name (≤ 100): anything longer is refused by its size, not echoed.
        try text(value, field, max: 201, allowEmpty: true)
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let valid = parts.count == 2 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 100 && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
        }
        guard valid else {
            throw CommandError.invalid(field: field, reason: "'\(value)' is not a GitHub repository of the form owner/name")
        }
    }

    /// Normalises a path inside a repository: `""` is the root; no leading or trailing `/`,
    /// no empty segments, no `.` or `..`.
    static func repositoryPath(_ value: String, _ field: String) throws -> String {
        try text(value, field, max: 1024, allowEmpty: true)
        var trimmed = Substring(value)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty { return "" }
        let segments = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            if segment.isEmpty { throw CommandError.invalid(field: field, reason: "'\(value)' has an empty segment") }
            if segment == ".." || segment == "." { throw CommandError.invalid(field: field, reason: "'\(value)' may not contain '.' or '..' segments") }
        }
        return segments.joined(separator: "/")
    }

    static func email(_ value: String, _ field: String) throws {
        try text(value, field, max: 320)
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !value.contains(" ") else {
            throw CommandError.invalid(field: field, reason: "'\(value)' is not an e-mail address")
        }
    }
}
