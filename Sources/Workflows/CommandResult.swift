import BulkheadCore
import Domain
import EventLog
import Projections

/// What a command did, as the HTTP service answers it (`POST /v1/commands/{name}`, `CommandResult`
/// in `Schemas/openapi.yaml`) and `bulkhead exec --format json` prints it: one form for both.
public struct CommandResult: Encodable, Sendable {
    /// The command's name.
    public let command: String
    /// The tenant's id.
    public let tenant: String
    /// `applied`, `skipped` (an analysis request while a run is active or recent) or
    /// `nothing to do` (nothing needed changing, such as an expiry with no stale run).
    public let status: String
    /// The ids the command used or generated, by field name.
    public let ids: [String: String]
    /// The first and last positions appended, if any.
    public let positions: [UInt64]?
    /// The events appended.
    public let events: [EventLine]
    /// Why the command was skipped, if it was.
    public let skipped: SkipLine?
    /// A new API key, shown once (only its hash is stored).
    public let apiKey: String?
    /// The signed receipt of the applied events, when a signing key is configured
    /// (`Schemas/storage-format.md`, Receipts); absent when nothing was appended or nothing is signed.
    public var receipt: Receipt.JSON?

    /// One appended event.
    public struct EventLine: Encodable, Sendable {
        public let position: UInt64
        public let type: String
        public let stream: String
    }

    /// A skipped command's reason and the run that caused it.
    public struct SkipLine: Encodable, Sendable {
        public let reason: String
        public let runId: String
    }

    /// The result of `outcome`.
    public init(_ outcome: CommandOutcome) {
        command = outcome.command
        tenant = outcome.tenant.description
        status = outcome.skipped != nil ? "skipped" : (outcome.events.isEmpty ? "nothing to do" : "applied")
        ids = outcome.ids.mapValues(\.lowercased)
        positions = outcome.positions.map { [$0.lowerBound, $0.upperBound] }
        events = outcome.events.map { EventLine(position: $0.position, type: $0.type, stream: $0.stream) }
        skipped = outcome.skipped.map { SkipLine(reason: $0.reason, runId: $0.runId.lowercased) }
        apiKey = outcome.secret
    }
}
