import BulkheadCore
import Foundation

/// Every domain event, one case per type: projectors switch on it without dynamic casts.
public enum Event: Sendable, Equatable {
    /// See ``UserAdded``.
    case userAdded(UserAdded)
    /// See ``UserRemoved``.
    case userRemoved(UserRemoved)
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
        case .userRemoved(let e): return e
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

    /// The payload in its stored binary form (the bytes `BinaryEncoder` writes, written directly).
    public func encodedPayload() throws -> [UInt8] {
        payload.encodedBytes()
    }

    /// The payload as JSON (sorted keys, ISO 8601 dates): what the CLI, HTTP and replay show.
    public func jsonPayload() throws -> Data {
        try EventCatalog.jsonEncoder.encode(payload)
    }
}

/// Error reading a stored event's payload.
public struct EventDecodingError: Error, ClassifiedError, CustomStringConvertible, Sendable {
    /// The event type.
    public let type: String
    /// The schema version found.
    public let schemaVersion: UInt16
    /// What was wrong.
    public let reason: String

    /// One line naming the type, version and reason.
    public var description: String { "cannot read \(type) v\(schemaVersion): \(reason)" }

    /// A stored payload that cannot be read is an integrity failure.
    public var failure: Failure { Failure(.integrity, code: "integrity", message: description) }
}

/// An event type of the catalogue, found from its stored name by
/// ``EventCatalog/eventType(named:)-(UnsafeRawBufferPointer)``: what a scan dispatches on per
/// event without making a `String` of the type.
public struct EventType: Hashable, Sendable {
    /// The type's position in ``EventCatalog/payloadTypes``.
    public let index: Int

    /// The type's name, e.g. `project.created`.
    public var name: String { EventCatalog.payloadTypes[index].type }
}

/// The catalogue of event types: decoding by type and schema version, with upcasting of older
/// versions (a `project.created` v1 is read as v2).
public enum EventCatalog {
    /// Every payload type, in catalogue order.
    public static let payloadTypes: [any EventPayload.Type] = entries.map(\.payloadType)

    /// Every event type name.
    public static var typeNames: [String] { payloadTypes.map { $0.type } }

    /// How each type is decoded, in catalogue order: the one list of types the catalogue keeps.
    private static let entries: [Entry] = [
        entry(UserAdded.self, Event.userAdded),
        entry(UserRemoved.self, Event.userRemoved),
        entry(ConfigSet.self, Event.configSet),
        entry(APIKeyIssued.self, Event.apiKeyIssued),
        entry(APIKeyRevoked.self, Event.apiKeyRevoked),
        entry(ModelPreferenceSet.self, Event.modelPreferenceSet),
        Entry(payloadType: ProjectCreated.self) { version, bytes in
            // Version 1 had no scan path: it is read as version 2 with the repository root.
            version == 1
                ? .projectCreated(try decodeBytes(ProjectCreatedV1.self, ProjectCreated.type, version, bytes).upcast)
                : .projectCreated(try payload(ProjectCreated.self, version, bytes))
        },
        entry(ProjectUpdated.self, Event.projectUpdated),
        entry(ProjectDeleted.self, Event.projectDeleted),
        entry(SourceImported.self, Event.sourceImported),
        entry(NoteCreated.self, Event.noteCreated),
        entry(BlogPublished.self, Event.blogPublished),
        entry(BlogUpdated.self, Event.blogUpdated),
        entry(BlogDeleted.self, Event.blogDeleted),
        entry(KnowledgeRecorded.self, Event.knowledgeRecorded),
        entry(AnalysisStarted.self, Event.analysisStarted),
        entry(AnalysisCompleted.self, Event.analysisCompleted),
        entry(AnalysisFailed.self, Event.analysisFailed),
        entry(AnalysisExpired.self, Event.analysisExpired),
        entry(SyncStarted.self, Event.syncStarted),
        entry(SyncCompleted.self, Event.syncCompleted),
        entry(SyncFailed.self, Event.syncFailed),
        entry(SyncOrphaned.self, Event.syncOrphaned),
        entry(SeasonDefined.self, Event.seasonDefined),
        entry(PlayerRegistered.self, Event.playerRegistered),
        entry(MatchRecorded.self, Event.matchRecorded),
        entry(MatchCorrected.self, Event.matchCorrected),
        entry(MatchDeleted.self, Event.matchDeleted),
    ]

    private struct Entry: Sendable {
        let payloadType: any EventPayload.Type
        let decode: @Sendable (UInt16, UnsafeRawBufferPointer) throws -> Event
    }

    private static func entry<P: EventPayload>(_ type: P.Type, _ wrap: @escaping @Sendable (P) -> Event) -> Entry {
        Entry(payloadType: P.self) { version, bytes in wrap(try payload(P.self, version, bytes)) }
    }

    private static func payload<P: EventPayload>(_ type: P.Type, _ version: UInt16, _ bytes: UnsafeRawBufferPointer) throws -> P {
        guard version == P.schemaVersion else {
            throw EventDecodingError(type: P.type, schemaVersion: version, reason: "unknown schema version (this build reads v\(P.schemaVersion))")
        }
        return try decodeBytes(P.self, P.type, version, bytes)
    }

    private static func decodeBytes<T: BinaryCodable>(_ type: T.Type, _ name: String, _ version: UInt16, _ bytes: UnsafeRawBufferPointer) throws -> T {
        do {
            return try T.decode(from: bytes)
        } catch {
            throw EventDecodingError(type: name, schemaVersion: version, reason: "\(error)")
        }
    }

    /// Each type name's UTF-8 bytes, in catalogue order.
    private static let nameBytes: [[UInt8]] = entries.map { Array($0.payloadType.type.utf8) }

    /// The index of each type name.
    private static let indexByName: [String: Int] = Dictionary(
        uniqueKeysWithValues: entries.enumerated().map { ($1.payloadType.type, $0) })

    /// The catalogue's type whose name is spelled by `bytes` (a stored event's type, read in
    /// place), or `nil` for a type this build does not know. Compares bytes: no `String` is made.
    public static func eventType(named bytes: UnsafeRawBufferPointer) -> EventType? {
        for (index, name) in nameBytes.enumerated() where name.count == bytes.count {
            if name.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return EventType(index: index) }
        }
        return nil
    }

    /// The catalogue's type named `name`, or `nil`.
    public static func eventType(named name: String) -> EventType? {
        indexByName[name].map(EventType.init(index:))
    }

    /// Decodes a stored payload of `type` at `schemaVersion`.
    ///
    /// - Throws: ``EventDecodingError`` for an unknown type, an unknown version or bad bytes.
    public static func decode(type: String, schemaVersion: UInt16, payload bytes: UnsafeRawBufferPointer) throws -> Event {
        guard let known = eventType(named: type) else {
            throw EventDecodingError(type: type, schemaVersion: schemaVersion, reason: "unknown event type")
        }
        return try decode(known, schemaVersion: schemaVersion, payload: bytes)
    }

    /// Decodes a stored payload of `type` at `schemaVersion`.
    ///
    /// - Throws: ``EventDecodingError`` for an unknown version or bad bytes.
    public static func decode(_ type: EventType, schemaVersion: UInt16, payload bytes: UnsafeRawBufferPointer) throws -> Event {
        try entries[type.index].decode(schemaVersion, bytes)
    }

    /// The JSON encoder of the edges (CLI output, HTTP answers, replayed payloads): sorted keys,
    /// ISO 8601 dates with fractional seconds, and every UUID in lower case.
    public static let jsonEncoder: EdgeJSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return EdgeJSONEncoder(encoder)
    }()
}

/// Formats and parses the timestamps of the JSON edges: ISO 8601 in UTC with microseconds.
public enum Timestamp {
    /// `2026-11-22T19:37:01.123456Z`.
    public static func format(_ date: Date) -> String {
        // Clamped, and floor division without `micros - 999_999` or `seconds * 1_000_000`: a date
        // read from corrupt bytes can lie at the edges of Int64's microseconds.
        let micros = date.microsecondsSince1970
        let remainder = micros % 1_000_000
        let seconds = micros / 1_000_000 - (remainder < 0 ? 1 : 0)
        let fraction = remainder < 0 ? remainder + 1_000_000 : remainder
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
