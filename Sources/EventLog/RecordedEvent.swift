import BulkheadCore
import Crypto
import Foundation

/// An event to append: what the caller decides. Position, stream version, time and hashes are
/// assigned by the log.
public struct NewEvent: Sendable, Equatable {
    /// Unique id; appending the same id again with the same content is a no-op.
    public var eventID: UUID
    /// The event type, e.g. `project.created`.
    public var type: String
    /// The version of the payload's schema.
    public var schemaVersion: UInt16
    /// The payload in its stored binary form.
    public var payload: [UInt8]
    /// The user who caused the event (recorded, never an ownership filter).
    public var actor: String
    /// Groups the events of one request.
    public var correlationID: UUID
    /// The event or command that caused this one, if any.
    public var causationID: UUID?

    /// Creates an event to append.
    public init(eventID: UUID, type: String, schemaVersion: UInt16, payload: [UInt8], actor: String, correlationID: UUID, causationID: UUID?) {
        self.eventID = eventID
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
    }
}

/// An event as the log holds it: the envelope with its payload and hash-chain links.
public struct RecordedEvent: Sendable, Equatable {
    /// Per-tenant position, gap-free from 1.
    public var position: UInt64
    /// The stream the event belongs to.
    public var streamID: String
    /// The event's version within its stream, from 1.
    public var streamVersion: UInt64
    /// Unique id of the event.
    public var eventID: UUID
    /// The event type.
    public var type: String
    /// The payload schema's version.
    public var schemaVersion: UInt16
    /// When the log recorded it (microsecond precision).
    public var recordedAt: Date
    /// The user who caused it.
    public var actor: String
    /// Groups the events of one request.
    public var correlationID: UUID
    /// The event or command that caused it.
    public var causationID: UUID?
    /// The payload's stored binary bytes.
    public var payload: [UInt8]
    /// The hash of the previous event (the tenant's genesis hash for position 1).
    public var previousHash: [UInt8]
    /// SHA-256 of the stored record (which begins with `previousHash`).
    public var hash: [UInt8]

    /// Whether `new` carries the same content as this recorded event, for idempotent retries.
    func sameContent(as new: NewEvent, stream: String) -> Bool {
        streamID == stream && type == new.type && schemaVersion == new.schemaVersion
            && payload == new.payload && actor == new.actor
    }
}

/// A stored record's header, read without copying the payload: enough for projectors to skip
/// events they do not handle.
public struct EventView {
    /// Per-tenant position.
    public let position: UInt64
    /// The stream's version.
    public let streamVersion: UInt64
    /// The event's id.
    public let eventID: UUID
    /// When it was recorded, in microseconds since 1970.
    public let recordedAtMicros: Int64
    /// The payload schema version.
    public let schemaVersion: UInt16
    /// The event type.
    public let type: String
    /// The stream id.
    public let streamID: String
    /// The actor.
    public let actor: String
    /// The correlation id.
    public let correlationID: UUID
    /// The causation id.
    public let causationID: UUID?
    /// The payload bytes, valid only inside the read closure that produced this view.
    public let payload: UnsafeRawBufferPointer

    /// When it was recorded.
    public var recordedAt: Date { Date(timeIntervalSince1970: Double(recordedAtMicros) / 1_000_000) }
}

/// The stored byte form of an event (see `Schemas/storage-format.md`).
///
/// The stored value is the record followed by its hash, SHA-256 over the predecessor's hash and
/// the record. The predecessor's hash is not repeated inside the record: it is the hash stored
/// with the previous position, so an altered, removed or reordered event breaks every later link.
enum EventRecord {
    static let format: UInt8 = 1
    static let hashSize = 32

    /// Writes the record for `event` into `w` (emptied first) followed by its hash; returns the hash.
    static func encode(
        _ event: NewEvent, position: UInt64, stream: String, streamVersion: UInt64,
        recordedAtMicros: Int64, previousHash: ChainHash, into w: inout ByteWriter
    ) -> ChainHash {
        w.reset()
        w.write(format)
        w.write(bigEndian: position)
        w.write(bigEndian: streamVersion)
        w.write(uuid: event.eventID)
        w.write(bigEndian: UInt64(bitPattern: recordedAtMicros))
        w.write(bigEndian: event.schemaVersion)
        w.write(uuid: event.correlationID)
        if let causation = event.causationID {
            w.write(1)
            w.write(uuid: causation)
        } else {
            w.write(0)
        }
        w.writeString(event.type)
        w.writeString(stream)
        w.writeString(event.actor)
        w.writeLengthPrefixed(event.payload)
        let digest = previousHash.withUnsafeBytes { prev in
            w.bytes.withUnsafeBytes { chainHash(previous: prev, record: $0) }
        }
        digest.withUnsafeBytes { w.write(contentsOf: $0) }
        return digest
    }

    /// SHA-256 over the predecessor's hash and the record's bytes.
    static func chainHash(previous: UnsafeRawBufferPointer, record: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        hasher.update(bufferPointer: previous)
        hasher.update(bufferPointer: record)
        return ChainHash(hasher.finalize())
    }

    /// Reads the header of a stored value without copying its payload; returns the view, the
    /// record's bytes (what the hash covers with its predecessor) and the stored hash.
    static func view(_ value: UnsafeRawBufferPointer) throws(ByteFormatError) -> (EventView, record: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) {
        guard value.count > hashSize else {
            throw ByteFormatError(reason: "record of \(value.count) bytes is shorter than its hash", offset: 0)
        }
        let record = UnsafeRawBufferPointer(rebasing: value[..<(value.count - hashSize)])
        let hash = UnsafeRawBufferPointer(rebasing: value[(value.count - hashSize)...])
        var r = ByteReader(record)
        let format = try r.readByte("the format byte")
        guard format == EventRecord.format else {
            throw ByteFormatError(reason: "unknown record format \(format)", offset: 0)
        }
        let position = try r.readUInt64("the position")
        let streamVersion = try r.readUInt64("the stream version")
        let eventID = try r.readUUID("the event id")
        let recorded = Int64(bitPattern: try r.readUInt64("the recorded-at time"))
        let schema = try r.readUInt16("the schema version")
        let correlation = try r.readUUID("the correlation id")
        let hasCausation = try r.readByte("the causation flag")
        let causation: UUID?
        switch hasCausation {
        case 0: causation = nil
        case 1: causation = try r.readUUID("the causation id")
        default: throw ByteFormatError(reason: "causation flag must be 0 or 1, found \(hasCausation)", offset: r.offset - 1)
        }
        let type = try r.readString("the event type")
        let stream = try r.readString("the stream id")
        let actor = try r.readString("the actor")
        let payload = try r.readLengthPrefixed("the payload")
        guard r.isAtEnd else { throw ByteFormatError(reason: "\(r.remaining) trailing bytes", offset: r.offset) }
        let view = EventView(
            position: position, streamVersion: streamVersion, eventID: eventID, recordedAtMicros: recorded,
            schemaVersion: schema, type: type, streamID: stream, actor: actor,
            correlationID: correlation, causationID: causation, payload: payload)
        return (view, record, hash)
    }

    /// Decodes a stored value into an owned ``RecordedEvent``, given its predecessor's hash.
    static func decode(_ value: UnsafeRawBufferPointer, previousHash: [UInt8]) throws(ByteFormatError) -> RecordedEvent {
        let (v, _, hash) = try view(value)
        return RecordedEvent(view: v, previousHash: previousHash, hash: Array(hash))
    }
}

extension RecordedEvent {
    /// Copies a view into an owned event.
    init(view v: EventView, previousHash: [UInt8], hash: [UInt8]) {
        self.init(
            position: v.position, streamID: v.streamID, streamVersion: v.streamVersion, eventID: v.eventID,
            type: v.type, schemaVersion: v.schemaVersion, recordedAt: v.recordedAt, actor: v.actor,
            correlationID: v.correlationID, causationID: v.causationID, payload: Array(v.payload),
            previousHash: previousHash, hash: hash)
    }
}

