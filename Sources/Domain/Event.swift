import BulkheadCore
import Foundation

/// Every domain event, one case per type: projectors switch on it without dynamic casts.
public enum Event: Sendable, Equatable {
    /// See ``UserAdded``.
    case userAdded(UserAdded)
    /// See ``ConfigSet``.
    case configSet(ConfigSet)
    /// See ``APIKeyIssued``.
    case apiKeyIssued(APIKeyIssued)
    /// See ``APIKeyRevoked``.
    case apiKeyRevoked(APIKeyRevoked)
    /// See ``ModelPreferenceSet``.
    case modelPreferenceSet(ModelPreferenceSet)
    /// See ``ProjectCreated``.
    case projectCreated(ProjectCreated)
    /// See ``ProjectUpdated``.
    case projectUpdated(ProjectUpdated)
    /// See ``ProjectDeleted``.
    case projectDeleted(ProjectDeleted)
    /// See ``SourceImported``.
    case sourceImported(SourceImported)
    /// See ``NoteCreated``.
    case noteCreated(NoteCreated)
    /// See ``BlogPublished``.
    case blogPublished(BlogPublished)
    /// See ``BlogUpdated``.
    case blogUpdated(BlogUpdated)
    /// See ``BlogDeleted``.
    case blogDeleted(BlogDeleted)
    /// See ``KnowledgeRecorded``.
    case knowledgeRecorded(KnowledgeRecorded)
    /// See ``AnalysisStarted``.
    case analysisStarted(AnalysisStarted)
    /// See ``AnalysisCompleted``.
    case analysisCompleted(AnalysisCompleted)
    /// See ``AnalysisFailed``.
    case analysisFailed(AnalysisFailed)
    /// See ``AnalysisExpired``.
    case analysisExpired(AnalysisExpired)
    /// See ``SyncStarted``.
    case syncStarted(SyncStarted)
    /// See ``SyncCompleted``.
    case syncCompleted(SyncCompleted)
    /// See ``SyncFailed``.
    case syncFailed(SyncFailed)
    /// See ``SyncOrphaned``.
    case syncOrphaned(SyncOrphaned)
    /// See ``SeasonDefined``.
    case seasonDefined(SeasonDefined)
    /// See ``PlayerRegistered``.
    case playerRegistered(PlayerRegistered)
    /// See ``MatchRecorded``.
    case matchRecorded(MatchRecorded)
    /// See ``MatchCorrected``.
    case matchCorrected(MatchCorrected)
    /// See ``MatchDeleted``.
    case matchDeleted(MatchDeleted)

    /// The payload as its struct.
    public var payload: any EventPayload {
        switch self {
        case .userAdded(let e): return e
        case .configSet(let e): return e
        case .apiKeyIssued(let e): return e
        case .apiKeyRevoked(let e): return e
        case .modelPreferenceSet(let e): return e
        case .projectCreated(let e): return e
        case .projectUpdated(let e): return e
        case .projectDeleted(let e): return e
        case .sourceImported(let e): return e
        case .noteCreated(let e): return e
        case .blogPublished(let e): return e
        case .blogUpdated(let e): return e
        case .blogDeleted(let e): return e
        case .knowledgeRecorded(let e): return e
        case .analysisStarted(let e): return e
        case .analysisCompleted(let e): return e
        case .analysisFailed(let e): return e
        case .analysisExpired(let e): return e
        case .syncStarted(let e): return e
        case .syncCompleted(let e): return e
        case .syncFailed(let e): return e
        case .syncOrphaned(let e): return e
        case .seasonDefined(let e): return e
        case .playerRegistered(let e): return e
        case .matchRecorded(let e): return e
        case .matchCorrected(let e): return e
        case .matchDeleted(let e): return e
        }
    }

    /// The event's type name.
    public var type: String { Swift.type(of: payload).type }

    /// The payload's schema version.
    public var schemaVersion: UInt16 { Swift.type(of: payload).schemaVersion }

    /// The payload in its stored binary form.
    public func encodedPayload() throws -> [UInt8] {
        try BinaryEncoder.encode(payload)
    }

    /// The payload as JSON (sorted keys, ISO 8601 dates): what the CLI, HTTP and replay show.
    public func jsonPayload() throws -> Data {
        try EventCatalog.jsonEncoder.encode(payload)
    }
}

/// Error reading a stored event's payload.
public struct EventDecodingError: Error, CustomStringConvertible, Sendable {
    /// The event type.
    public let type: String
    /// The schema version found.
    public let schemaVersion: UInt16
    /// What was wrong.
    public let reason: String

    /// One line naming the type, version and reason.
    public var description: String { "cannot read \(type) v\(schemaVersion): \(reason)" }
}

/// The catalogue of event types: decoding by type and schema version, with upcasting of older
/// versions (a `project.created` v1 is read as v2).
public enum EventCatalog {
    /// Every payload type, in catalogue order.
    public static let payloadTypes: [any EventPayload.Type] = [
        UserAdded.self,
        ConfigSet.self,
        APIKeyIssued.self,
        APIKeyRevoked.self,
        ModelPreferenceSet.self,
        ProjectCreated.self,
        ProjectUpdated.self,
        ProjectDeleted.self,
        SourceImported.self,
        NoteCreated.self,
        BlogPublished.self,
        BlogUpdated.self,
        BlogDeleted.self,
        KnowledgeRecorded.self,
        AnalysisStarted.self,
        AnalysisCompleted.self,
        AnalysisFailed.self,
        AnalysisExpired.self,
        SyncStarted.self,
        SyncCompleted.self,
        SyncFailed.self,
        SyncOrphaned.self,
        SeasonDefined.self,
        PlayerRegistered.self,
        MatchRecorded.self,
        MatchCorrected.self,
        MatchDeleted.self,
    ]

    /// Every event type name.
    public static var typeNames: [String] { payloadTypes.map { $0.type } }

    /// Decodes a stored payload of `type` at `schemaVersion`.
    ///
    /// - Throws: ``EventDecodingError`` for an unknown type, an unknown version or bad bytes.
    public static func decode(type: String, schemaVersion: UInt16, payload bytes: UnsafeRawBufferPointer) throws -> Event {
        func payload<P: EventPayload>(_ p: P.Type) throws -> P {
            guard schemaVersion == P.schemaVersion else {
                throw EventDecodingError(type: type, schemaVersion: schemaVersion, reason: "unknown schema version (this build reads v\(P.schemaVersion))")
            }
            return try decodeBytes(P.self)
        }
        func decodeBytes<T: Decodable>(_ t: T.Type) throws -> T {
            do {
                return try BinaryDecoder.decode(T.self, from: bytes)
            } catch {
                throw EventDecodingError(type: type, schemaVersion: schemaVersion, reason: "\(error)")
            }
        }
        switch type {
        case ProjectCreated.type:
            switch schemaVersion {
            case 1: return .projectCreated(try decodeBytes(ProjectCreatedV1.self).upcast)
            default: return .projectCreated(try payload(ProjectCreated.self))
            }
        case UserAdded.type: return .userAdded(try payload(UserAdded.self))
        case ConfigSet.type: return .configSet(try payload(ConfigSet.self))
        case APIKeyIssued.type: return .apiKeyIssued(try payload(APIKeyIssued.self))
        case APIKeyRevoked.type: return .apiKeyRevoked(try payload(APIKeyRevoked.self))
        case ModelPreferenceSet.type: return .modelPreferenceSet(try payload(ModelPreferenceSet.self))
        case ProjectUpdated.type: return .projectUpdated(try payload(ProjectUpdated.self))
        case ProjectDeleted.type: return .projectDeleted(try payload(ProjectDeleted.self))
        case SourceImported.type: return .sourceImported(try payload(SourceImported.self))
        case NoteCreated.type: return .noteCreated(try payload(NoteCreated.self))
        case BlogPublished.type: return .blogPublished(try payload(BlogPublished.self))
        case BlogUpdated.type: return .blogUpdated(try payload(BlogUpdated.self))
        case BlogDeleted.type: return .blogDeleted(try payload(BlogDeleted.self))
        case KnowledgeRecorded.type: return .knowledgeRecorded(try payload(KnowledgeRecorded.self))
        case AnalysisStarted.type: return .analysisStarted(try payload(AnalysisStarted.self))
        case AnalysisCompleted.type: return .analysisCompleted(try payload(AnalysisCompleted.self))
        case AnalysisFailed.type: return .analysisFailed(try payload(AnalysisFailed.self))
        case AnalysisExpired.type: return .analysisExpired(try payload(AnalysisExpired.self))
        case SyncStarted.type: return .syncStarted(try payload(SyncStarted.self))
        case SyncCompleted.type: return .syncCompleted(try payload(SyncCompleted.self))
        case SyncFailed.type: return .syncFailed(try payload(SyncFailed.self))
        case SyncOrphaned.type: return .syncOrphaned(try payload(SyncOrphaned.self))
        case SeasonDefined.type: return .seasonDefined(try payload(SeasonDefined.self))
        case PlayerRegistered.type: return .playerRegistered(try payload(PlayerRegistered.self))
        case MatchRecorded.type: return .matchRecorded(try payload(MatchRecorded.self))
        case MatchCorrected.type: return .matchCorrected(try payload(MatchCorrected.self))
        case MatchDeleted.type: return .matchDeleted(try payload(MatchDeleted.self))
        default:
            throw EventDecodingError(type: type, schemaVersion: schemaVersion, reason: "unknown event type")
        }
    }

    /// The JSON encoder of the edges: sorted keys, ISO 8601 dates with fractional seconds.
    public static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }()
}

/// Formats and parses the timestamps of the JSON edges: ISO 8601 in UTC with microseconds.
public enum Timestamp {
    /// `2026-11-22T19:37:01.123456Z`.
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        let base = Date(timeIntervalSince1970: TimeInterval(seconds))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: base)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0, Int(fraction))
    }

    /// Parses ISO 8601 with or without fractional seconds (`Z` or an offset); `nil` otherwise.
    public static func parse(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withFraction.date(from: text) { return d }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }
}
