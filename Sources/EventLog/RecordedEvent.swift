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
    /// The id of the API key that submitted the command over HTTP; `nil` for the CLI and for
    /// Bulkhead's own actors. An event with one is stored in record format 2.
    public var apiKeyID: UUID?

    /// Creates an event to append.
    public init(
        eventID: UUID, type: String, schemaVersion: UInt16, payload: [UInt8], actor: String, correlationID: UUID,
        causationID: UUID?, apiKeyID: UUID? = nil
    ) {
        self.eventID = eventID
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
        self.apiKeyID = apiKeyID
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
    /// The id of the API key that submitted the command (record format 2), or `nil`.
    public var apiKeyID: UUID? = nil

    /// Whether `new` carries the same content as this recorded event, for idempotent retries.
    func sameContent(as new: NewEvent, stream: String) -> Bool {
        streamID == stream && type == new.type && schemaVersion == new.schemaVersion
            && payload == new.payload && actor == new.actor && apiKeyID == new.apiKeyID
    }
}

/// A stored record read in place: fixed-width fields are loaded on access and the strings are
/// lent as UTF-8 bytes, so producing a view allocates nothing.
///
/// Projectors scan with views and skip events they do not handle by comparing bytes:
///
/// ```swift
/// try log.scan(from: 1) { event in
///     guard event.isType("project.created") else { return true }
///     let created = try BinaryDecoder.decode(ProjectCreated.self, from: event.payload)
///     ...
/// }
/// ```
///
/// Every buffer of a view points into the memory map and is valid only inside the read closure
/// that produced it. The `String` accessors (``type``, ``streamID``, ``actor``) decode on each
/// call: stream ids such as `project-<uuid>` are longer than Swift's 15-byte inline strings, so
/// each call allocates; compare with ``isType(_:)`` and ``isStream(_:)`` or read the byte views on
/// hot paths.
public struct EventView {
    /// The record's bytes (the stored value without its hash); fixed fields are read from here.
    @usableFromInline let record: UnsafeRawBufferPointer
    /// The event type's UTF-8 bytes (validated when the view was made).
    public let typeBytes: UnsafeRawBufferPointer
    /// The stream id's UTF-8 bytes (validated when the view was made).
    public let streamIDBytes: UnsafeRawBufferPointer
    /// The actor's UTF-8 bytes (validated when the view was made).
    public let actorBytes: UnsafeRawBufferPointer
    /// The payload bytes, valid only inside the read closure that produced this view.
    public let payload: UnsafeRawBufferPointer

    /// Per-tenant position.
    @inlinable public var position: UInt64 { load(EventRecord.positionOffset) }
    /// The stream's version.
    @inlinable public var streamVersion: UInt64 { load(EventRecord.streamVersionOffset) }
    /// The event's id.
    @inlinable public var eventID: UUID { uuid(EventRecord.eventIDOffset) }
    /// When it was recorded, in microseconds since 1970.
    @inlinable public var recordedAtMicros: Int64 { Int64(bitPattern: load(EventRecord.recordedAtOffset)) }
    /// The payload schema version.
    @inlinable public var schemaVersion: UInt16 {
        UInt16(bigEndian: record.loadUnaligned(fromByteOffset: EventRecord.schemaVersionOffset, as: UInt16.self))
    }
    /// The correlation id.
    @inlinable public var correlationID: UUID { uuid(EventRecord.correlationOffset) }
    /// The causation id.
    @inlinable public var causationID: UUID? {
        record[EventRecord.causationFlagOffset] == 1 ? uuid(EventRecord.causationOffset) : nil
    }
    /// The event type (decoded on each call; see ``typeBytes``).
    public var type: String { String(decoding: typeBytes, as: UTF8.self) }
    /// The stream id (decoded on each call; see ``streamIDBytes``).
    public var streamID: String { String(decoding: streamIDBytes, as: UTF8.self) }
    /// The record format: 1, or 2 for a record that ends with an API key id.
    @inlinable public var format: UInt8 { record[0] }
    /// The id of the API key that submitted the command: the last 16 bytes of a format-2 record,
    /// `nil` in format 1.
    @inlinable public var apiKeyID: UUID? {
        record[0] == EventRecord.formatWithAPIKey ? uuid(record.count - EventRecord.apiKeySize) : nil
    }
    /// The record's bytes exactly as stored (the stored value without its trailing hash): what the
    /// chain hash covers after the predecessor's hash. Valid as long as the view.
    public var recordBytes: UnsafeRawBufferPointer { record }
    /// The actor (decoded on each call; see ``actorBytes``).
    public var actor: String { String(decoding: actorBytes, as: UTF8.self) }
    /// When it was recorded.
    public var recordedAt: Date { Date(timeIntervalSince1970: Double(recordedAtMicros) / 1_000_000) }

    /// Whether the event's type is `type`, compared as bytes (no allocation).
    @inlinable public func isType(_ type: String) -> Bool { EventView.equal(typeBytes, type) }
    /// Whether the event belongs to `stream`, compared as bytes (no allocation).
    @inlinable public func isStream(_ stream: String) -> Bool { EventView.equal(streamIDBytes, stream) }

    @usableFromInline init(record: UnsafeRawBufferPointer, type: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, actor: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.record = record
        self.typeBytes = type
        self.streamIDBytes = stream
        self.actorBytes = actor
        self.payload = payload
    }

    @inlinable func load(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inlinable func uuid(_ offset: Int) -> UUID {
        var tuple: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &tuple) {
            $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: record[offset..<(offset + 16)]))
        }
        return UUID(uuid: tuple)
    }

    @inlinable static func equal(_ bytes: UnsafeRawBufferPointer, _ text: String) -> Bool {
        guard bytes.count == text.utf8.count else { return false }
        if let same = text.utf8.withContiguousStorageIfAvailable({ $0.elementsEqual(bytes) }) { return same }
        return text.utf8.elementsEqual(bytes)
    }
}

/// The stored byte form of an event (see `Schemas/storage-format.md`).
///
/// The stored value is the record followed by its hash, SHA-256 over the predecessor's hash and
/// the record. The predecessor's hash is not repeated inside the record: it is the hash stored
/// with the previous position, so an altered, removed or reordered event breaks every later link.
@usableFromInline
enum EventRecord {
    /// The format of a record without an API key id.
    static let format: UInt8 = 1
    /// The format of a record that ends with an API key id (written only when there is one, so
    /// every event has exactly one spelling and format-1 bytes never change).
    @usableFromInline static let formatWithAPIKey: UInt8 = 2
    /// The size of the API key id that ends a format-2 record.
    @usableFromInline static let apiKeySize = 16
    static let hashSize = 32

    // Offsets of the fixed-width fields; the causation id is present when its flag byte is 1.
    @usableFromInline static let positionOffset = 1
    @usableFromInline static let streamVersionOffset = 9
    @usableFromInline static let eventIDOffset = 17
    @usableFromInline static let recordedAtOffset = 33
    @usableFromInline static let schemaVersionOffset = 41
    @usableFromInline static let correlationOffset = 43
    @usableFromInline static let causationFlagOffset = 59
    @usableFromInline static let causationOffset = 60
    /// The fixed part's size without a causation id; 16 more with one.
    static let fixedSize = 60

    /// The record's size for `event` (without the hash that follows it).
    static func size(of event: NewEvent, streamBytes: Int) -> Int {
        let type = event.type.utf8.count, actor = event.actor.utf8.count, payload = event.payload.count
        return fixedSize + (event.causationID == nil ? 0 : 16) + (event.apiKeyID == nil ? 0 : apiKeySize)
            + varintSize(type) + type + varintSize(streamBytes) + streamBytes
            + varintSize(actor) + actor + varintSize(payload) + payload
    }

    static func varintSize(_ n: Int) -> Int {
        var v = UInt64(n), size = 1
        while v >= 0x80 { v >>= 7; size += 1 }
        return size
    }

    /// Writes the record for `event` into `out`, which has exactly ``size(of:streamBytes:)`` bytes.
    static func write(
        _ event: NewEvent, position: UInt64, stream: UnsafeRawBufferPointer, streamVersion: UInt64,
        recordedAtMicros: Int64, into out: UnsafeMutableRawBufferPointer
    ) {
        var w = RecordWriter(out)
        w.byte(event.apiKeyID == nil ? format : formatWithAPIKey)
        w.uint64(position)
        w.uint64(streamVersion)
        w.uuid(event.eventID)
        w.uint64(UInt64(bitPattern: recordedAtMicros))
        w.uint16(event.schemaVersion)
        w.uuid(event.correlationID)
        if let causation = event.causationID {
            w.byte(1)
            w.uuid(causation)
        } else {
            w.byte(0)
        }
        w.string(event.type)
        w.lengthPrefixed(stream)
        w.string(event.actor)
        event.payload.withUnsafeBytes { w.lengthPrefixed($0) }
        if let apiKeyID = event.apiKeyID { w.uuid(apiKeyID) }
        precondition(w.offset == out.count, "a record's size was computed wrongly")
    }

    /// SHA-256 over bytes that already hold the predecessor's hash followed by the record: one
    /// update instead of two, which the append path arranges for.
    static func chainHash(previousAndRecord bytes: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return ChainHash(hasher.finalize())
    }

    /// SHA-256 over the predecessor's hash and the record's bytes.
    static func chainHash(previous: UnsafeRawBufferPointer, record: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        hasher.update(bufferPointer: previous)
        hasher.update(bufferPointer: record)
        return ChainHash(hasher.finalize())
    }

    /// Reads a stored value in place; returns the view, the record's bytes (what the hash covers
    /// with its predecessor) and the stored hash.
    static func view(_ value: UnsafeRawBufferPointer) throws(ByteFormatError) -> (EventView, record: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) {
        guard value.count >= fixedSize + hashSize else {
            throw ByteFormatError(reason: "record of \(value.count) bytes is shorter than its fixed fields and hash", offset: 0)
        }
        let record = UnsafeRawBufferPointer(rebasing: value[..<(value.count - hashSize)])
        let hash = UnsafeRawBufferPointer(rebasing: value[(value.count - hashSize)...])
        // The fields up to the payload end where the record does (format 1) or 16 bytes before,
        // where the API key id begins (format 2).
        let fieldsEnd: Int
        switch record[0] {
        case format: fieldsEnd = record.count
        case formatWithAPIKey:
            guard record.count >= fixedSize + apiKeySize else {
                throw ByteFormatError(
                    reason: "format-2 record of \(record.count) bytes has no room for its API key id", offset: 0)
            }
            fieldsEnd = record.count - apiKeySize
        case let other: throw ByteFormatError(reason: "unknown record format \(other)", offset: 0)
        }
        let fields = UnsafeRawBufferPointer(rebasing: record[..<fieldsEnd])
        var offset: Int
        switch record[causationFlagOffset] {
        case 0: offset = causationOffset
        case 1: offset = causationOffset + 16
        case let flag: throw ByteFormatError(reason: "causation flag must be 0 or 1, found \(flag)", offset: causationFlagOffset)
        }
        // Hand-rolled rather than ByteReader: this runs once per event of every scan, and the
        // four length-prefixed fields are all there is to find.
        let stringsStart = offset
        let type = try lengthPrefixed(fields, &offset, "the event type")
        let stream = try lengthPrefixed(fields, &offset, "the stream id")
        let actor = try lengthPrefixed(fields, &offset, "the actor")
        let stringsEnd = offset
        let payload = try lengthPrefixed(fields, &offset, "the payload")
        guard offset == fields.count else {
            throw ByteFormatError(reason: "\(fields.count - offset) trailing bytes", offset: offset)
        }
        // The three strings and their one-byte lengths lie side by side: when that whole span is
        // ASCII, all three are valid UTF-8 and one pass has checked them.
        if !ByteReader.isASCII(UnsafeRawBufferPointer(rebasing: record[stringsStart..<stringsEnd])) {
            for (field, name) in [(type, "the event type"), (stream, "the stream id"), (actor, "the actor")] where !ByteReader.isValidUTF8(field) {
                throw ByteFormatError(reason: "\(name) is not valid UTF-8", offset: stringsStart)
            }
        }
        return (EventView(record: record, type: type, stream: stream, actor: actor, payload: payload), record, hash)
    }

    /// Reads a varint length at `offset` and that many bytes after it, advancing `offset`.
    @inline(__always)
    static func lengthPrefixed(_ record: UnsafeRawBufferPointer, _ offset: inout Int, _ what: StaticString) throws(ByteFormatError) -> UnsafeRawBufferPointer {
        var length = 0, shift = 0
        while true {
            guard offset < record.count, shift < 35 else {
                throw ByteFormatError(reason: "truncated or oversized length of \(what)", offset: offset)
            }
            let byte = record[offset]
            offset += 1
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard length <= record.count - offset else {
            throw ByteFormatError(reason: "truncated: \(what) claims \(length) bytes, \(record.count - offset) left", offset: offset)
        }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: record[offset..<(offset + length)])
    }

    /// Decodes a stored value into an owned ``RecordedEvent``, given its predecessor's hash.
    static func decode(_ value: UnsafeRawBufferPointer, previousHash: [UInt8]) throws(ByteFormatError) -> RecordedEvent {
        let (v, _, hash) = try view(value)
        return RecordedEvent(view: v, previousHash: previousHash, hash: Array(hash))
    }
}

/// Writes a record into memory sized for it beforehand (``EventRecord/size(of:streamBytes:)``):
/// plain stores, no capacity checks or reallocation per field.
struct RecordWriter {
    let out: UnsafeMutableRawBufferPointer
    var offset = 0

    init(_ out: UnsafeMutableRawBufferPointer) { self.out = out }

    mutating func byte(_ value: UInt8) {
        out[offset] = value
        offset += 1
    }

    mutating func uint16(_ value: UInt16) {
        out.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
        offset += 2
    }

    mutating func uint64(_ value: UInt64) {
        out.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
        offset += 8
    }

    mutating func uuid(_ value: UUID) {
        withUnsafeBytes(of: value.uuid) { bytes($0) }
    }

    mutating func bytes(_ raw: UnsafeRawBufferPointer) {
        UnsafeMutableRawBufferPointer(rebasing: out[offset..<(offset + raw.count)]).copyMemory(from: raw)
        offset += raw.count
    }

    mutating func varint(_ value: Int) {
        var v = UInt64(value)
        while v >= 0x80 {
            byte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        byte(UInt8(v))
    }

    mutating func lengthPrefixed(_ raw: UnsafeRawBufferPointer) {
        varint(raw.count)
        bytes(raw)
    }

    mutating func string(_ text: String) {
        if let done: Void = text.utf8.withContiguousStorageIfAvailable({ lengthPrefixed(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        Array(text.utf8).withUnsafeBytes { lengthPrefixed($0) }
    }
}

extension RecordedEvent {
    /// Copies a view into an owned event.
    init(view v: EventView, previousHash: [UInt8], hash: [UInt8]) {
        self.init(
            position: v.position, streamID: v.streamID, streamVersion: v.streamVersion, eventID: v.eventID,
            type: v.type, schemaVersion: v.schemaVersion, recordedAt: v.recordedAt, actor: v.actor,
            correlationID: v.correlationID, causationID: v.causationID, payload: Array(v.payload),
            previousHash: previousHash, hash: hash, apiKeyID: v.apiKeyID)
    }
}
