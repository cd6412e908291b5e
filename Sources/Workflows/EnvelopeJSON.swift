import BulkheadCore
import Domain
import EventLog
import Foundation

/// The JSON form of an event envelope (`Schemas/envelope.schema.json`): what audit replays, the
/// CLI and the HTTP feed show.
///
/// An `Encodable` value, not concatenated text: `bench-projections --only envelope` measures it
/// at about 130% of the hand-written encoder it replaced (events per CPU-second).
public enum EnvelopeJSON {
    /// One envelope as the edges show it, encoded by `EventCatalog.jsonEncoder` (sorted keys).
    public struct Envelope: Encodable {
        /// The user or system actor that caused the event.
        public let actor: String
        /// The id of the API key that submitted the command over HTTP (lower-case UUID); only
        /// events that came over HTTP carry one (record format 2), the others omit the field.
        public let apiKeyId: String?
        /// The event that caused this one, if any (lower-case UUID).
        public let causationId: String?
        /// The request or workflow the event belongs to (lower-case UUID).
        public let correlationId: String
        /// The event's id (lower-case UUID).
        public let eventId: String
        /// The event's chain hash (hex).
        public let hash: String
        /// The payload, decoded (and upcast) by the event catalogue.
        public let payload: Payload
        /// The event's position in its tenant's log.
        public let position: UInt64
        /// The chain hash of the event before it (hex).
        public let previousHash: String
        /// When the event was recorded (``Timestamp/format(_:)``).
        public let recordedAt: String
        /// The stored schema version: an upcast payload shows the current shape, and this field
        /// still says which version was written.
        public let schemaVersion: UInt16
        /// The stream the event belongs to.
        public let streamId: String
        /// The event's version in its stream.
        public let streamVersion: UInt64
        /// The event type, e.g. `project.created`.
        public let type: String
    }

    /// An event payload of any type, encoded as itself.
    public struct Payload: Encodable {
        /// The payload.
        public let value: any EventPayload

        /// Encodes the payload's own fields.
        public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    /// The envelope of the event `view` of a log scan.
    ///
    /// - Throws: ``EventDecodingError`` when the payload cannot be read.
    public static func envelope(
        _ view: EventView, previousHash: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer
    ) throws -> Envelope {
        let event = try EventCatalog.decode(type: view.type, schemaVersion: view.schemaVersion, payload: view.payload)
        return Envelope(
            actor: view.actor, apiKeyId: view.apiKeyID?.lowercased, causationId: view.causationID?.lowercased,
            correlationId: view.correlationID.lowercased,
            eventId: view.eventID.lowercased, hash: Array(hash).hexString, payload: Payload(value: event.payload),
            position: view.position, previousHash: Array(previousHash).hexString,
            recordedAt: Timestamp.format(view.recordedAt), schemaVersion: view.schemaVersion, streamId: view.streamID,
            streamVersion: view.streamVersion, type: view.type)
    }

    /// One envelope as a JSON object with sorted keys; the payload is decoded (and upcast) by the
    /// event catalogue.
    ///
    /// - Throws: ``EventDecodingError`` when the payload cannot be read.
    public static func render(
        _ view: EventView, previousHash: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer
    ) throws -> String {
        let envelope = try envelope(view, previousHash: previousHash, hash: hash)
        return String(decoding: try EventCatalog.jsonEncoder.encode(envelope), as: UTF8.self)
    }
}
