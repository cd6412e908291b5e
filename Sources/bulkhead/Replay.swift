import ArgumentParser
import BulkheadCore
import Domain
import EventLog
import Foundation
import Workflows

extension Bulkhead {
    /// `bulkhead replay --tenant T [filters]`: the audit trail.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay a tenant's events for an audit, streamed in constant memory.",
            discussion: """
                jsonl prints one envelope per line (Schemas/envelope.schema.json); json prints an array; \
                table shows position, time, type, stream and actor.

                Example: bulkhead replay --tenant capo-fc --type match.corrected --since 2026-01-01T00:00:00Z --format jsonl
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(help: "Only this stream.") var stream: String?
        @Option(help: "Only this event type.") var type: String?
        @Option(help: "From this position (inclusive).") var from: UInt64 = 1
        @Option(help: "Up to this position (inclusive).") var to: UInt64?
        @Option(help: "Recorded at or after this ISO 8601 time.") var since: String?
        @Option(help: "Recorded at or before this ISO 8601 time.") var until: String?
        @OptionGroup var output: FormatOptions

        func validate() throws {
            if let since, Timestamp.parse(since) == nil { throw ValidationError("--since '\(since)' is not an ISO 8601 time such as 2026-01-05T10:00:00Z") }
            if let until, Timestamp.parse(until) == nil { throw ValidationError("--until '\(until)' is not an ISO 8601 time such as 2026-01-05T10:00:00Z") }
            if let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
        }

        func run() throws {
            // A misspelt type would match nothing and look like an empty history.
            if let type, !EventCatalog.typeNames.contains(type) {
                throw CLIFailure(
                    .invalid, code: "invalid",
                    message: "--type '\(type)' is not an event type; "
                        + "known: \(EventCatalog.typeNames.joined(separator: ", "))")
            }
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            let partition = try CLIFailure.wrap { try directory.partition(for: record.id) }
            let sinceDate = since.flatMap(Timestamp.parse), untilDate = until.flatMap(Timestamp.parse)
            var first = true
            if output.format == .json { Output.line("[") }
            if output.format == .table { Output.line("position  recorded at                  type                       stream                                         actor") }
            if output.format == .csv { Output.line("position,recordedAt,type,stream,streamVersion,actor,eventId") }
            try CLIFailure.wrap {
                try partition.read { log in
                    try log.scanRecords(from: from) { view, previous, hash in
                        if let to, view.position > to { return false }
                        if let stream, view.streamID != stream { return true }
                        if let type, view.type != type { return true }
                        if let sinceDate, view.recordedAt < sinceDate { return true }
                        if let untilDate, view.recordedAt > untilDate { return true }
                        switch output.format {
                        case .jsonl: Output.line(try EnvelopeJSON.render(view, previousHash: previous, hash: hash))
                        case .json:
                            Output.line((first ? "" : ",") + (try EnvelopeJSON.render(view, previousHash: previous, hash: hash)))
                        case .csv:
                            Output.line([String(view.position), Timestamp.format(view.recordedAt), view.type, view.streamID, String(view.streamVersion), view.actor, view.eventID.lowercased]
                                .map(Output.csvField).joined(separator: ","))
                        case .table:
                            Output.line("\(String(view.position).padding(toLength: 8, withPad: " ", startingAt: 0))  \(Timestamp.format(view.recordedAt))  \(view.type.padding(toLength: 25, withPad: " ", startingAt: 0))  \(view.streamID.padding(toLength: 45, withPad: " ", startingAt: 0))  \(view.actor)")
                        }
                        first = false
                        return true
                    }
                }
            }
            if output.format == .json { Output.line("]") }
        }
    }
}
