import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Storage

/// A failure the CLI reports: a stable code for scripts, one line for people, and the exit code
/// of its ``FailureKind`` (``FailureKind/exitCode``: the only mapping to exit codes).
struct CLIFailure: ClassifiedError {
    let failure: Failure

    /// A failure of the CLI's own (a missing option, an unreadable file, ...).
    init(_ kind: FailureKind, code: String, message: String, field: String? = nil) {
        failure = Failure(kind, code: code, message: message, field: field)
    }

    private init(_ failure: Failure) { self.failure = failure }

    var code: String { failure.code }
    var message: String { failure.message }
    var exitCode: Int32 { failure.kind.exitCode }

    /// Runs `body`, turning library errors into CLI failures with the documented exit codes.
    static func wrap<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch { throw from(error) }
    }

    /// The failure `error` carries (``Failure/of(_:)``).
    static func from(_ error: any Error) -> CLIFailure { CLIFailure(Failure.of(error)) }
}

/// The JSON form of a CLI error: `{"error": {"code", "exitCode", "field"?, "message"}}`.
struct CLIErrorBody: Encodable {
    /// What went wrong.
    struct Detail: Encodable {
        let code: String
        let exitCode: Int32
        let field: String?
        let message: String
    }

    let error: Detail

    init(_ failure: CLIFailure) {
        error = Detail(
            code: failure.code, exitCode: failure.exitCode, field: failure.failure.field, message: failure.message)
    }
}

/// Writing data and errors.
enum Output {
    /// The --format value in raw arguments, for reporting errors before parsing finishes.
    static func formatArgument(in arguments: [String]) -> OutputFormat? {
        for (i, arg) in arguments.enumerated() {
            if arg.utf8.starts(with: "--format=".utf8) {
                return OutputFormat(rawValue: String(decoding: arg.utf8.dropFirst(9), as: UTF8.self))
            }
            if arg == "--format", i + 1 < arguments.count { return OutputFormat(rawValue: arguments[i + 1]) }
        }
        return nil
    }

    /// One line on stderr: `error: message`, or the JSON object of ``CLIErrorBody``.
    static func reportError(_ failure: CLIFailure, json: Bool) {
        var line = "error: \(failure.message)"
        if json, let encoded = try? EventCatalog.jsonEncoder.encode(CLIErrorBody(failure)) {
            line = String(decoding: encoded, as: UTF8.self)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A line on stderr for people (what was or was not signed), so stdout stays the data.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A line on stdout.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes rows as an aligned table, CSV, or (for json/jsonl) the given Codable values, encoded
    /// like the HTTP answers (`EventCatalog.jsonEncoder`: UUIDs in lower case, as in every format).
    static func write<T: Encodable>(_ values: [T], format: OutputFormat, columns: [String], row: (T) -> [String]) throws {
        switch format {
        case .table: table(columns, values.map(row))
        case .csv:
            line(columns.map(csvField).joined(separator: ","))
            for value in values { line(row(value).map(csvField).joined(separator: ",")) }
        case .json:
            let encoder = EventCatalog.jsonEncoder
            line(String(decoding: try encoder.encode(values), as: UTF8.self))
        case .jsonl:
            for value in values { line(String(decoding: try EventCatalog.jsonEncoder.encode(value), as: UTF8.self)) }
        }
    }

    /// Writes one value: JSON for json/jsonl, else key-value lines.
    static func write<T: Encodable>(_ value: T, format: OutputFormat, pairs: [(String, String)]) throws {
        switch format {
        case .json, .jsonl: line(String(decoding: try EventCatalog.jsonEncoder.encode(value), as: UTF8.self))
        case .csv:
            line("field,value")
            for (k, v) in pairs { line("\(csvField(k)),\(csvField(v))") }
        case .table:
            let width = pairs.map(\.0.count).max() ?? 0
            for (k, v) in pairs { line(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
        }
    }

    static func table(_ columns: [String], _ rows: [[String]]) {
        var widths = columns.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        line(render(columns))
        line(render(widths.map { String(repeating: "-", count: $0) }))
        for row in rows { line(render(row)) }
        if rows.isEmpty { line("(none)") }
    }

    /// `s` as an RFC 4180 field: quoted, with `"` doubled, when it holds a comma, a quote, a line
    /// feed or a carriage return. Looked for as bytes: a `Character` would miss ",\u{301}" (one
    /// cluster) or "\r\n" (one cluster, equal to neither "\r" nor "\n").
    static func csvField(_ s: String) -> String {
        let special: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r")]
        guard s.utf8.contains(where: special.contains) else { return s }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in s.unicodeScalars {
            if scalar == "\"" { quoted.append("\"") }
            quoted.append(scalar)
        }
        quoted.append("\"")
        return String(quoted)
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Progress {
    let label: String
    let enabled = isatty(2) == 1

    func update(_ done: UInt64, of total: UInt64) {
        guard enabled, total > 0 else { return }
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * 30)
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(Int(fraction * 100))% \(done)/\(total)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
