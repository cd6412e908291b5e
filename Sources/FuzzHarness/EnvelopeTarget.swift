import BulkheadCore
import Domain
import EventLog
import Foundation
import Workflows

/// A property of a decoder that an input broke: the fuzz entry points trap on it (so libFuzzer
/// keeps the input), the corpus tests report it.
public struct FuzzFailure: Error, CustomStringConvertible, Sendable {
    /// What was expected and what happened.
    public let description: String

    init(_ description: String) { self.description = description }
}

/// How far an input got through the stored-event path.
public enum EnvelopeOutcome: String, Sendable {
    /// `StoredRecord.view` refused the bytes with a `ByteFormatError`.
    case recordRefused
    /// The record was read; `EventCatalog.decode` refused the payload with an `EventDecodingError`.
    case payloadRefused
    /// Record and payload decoded, round-tripped and rendered as envelope JSON.
    case decoded
}

/// The fuzz targets' bodies: what `fuzz-envelope` and `fuzz-command` run per input under
/// libFuzzer, and what `Tests/FuzzTests` replays for every file of `Tests/Fixtures/fuzz/`.
///
/// Every input must end in a decoded value or a typed error: a trap (out of range, overflow,
/// force-unwrap, allocation failure), a hang or an untyped error is a bug, and so is a decoded
/// value that does not survive a round trip.
public enum FuzzTargets {
    /// The stored-event path: a value as the log stores it (record followed by a 32-byte hash) is
    /// read as an `EventView` (every accessor touched), decoded into a `RecordedEvent`, re-encoded
    /// (the same fields again, and the same bytes when the input's lengths were minimal), its
    /// payload decoded by `EventCatalog` (with upcasting), re-encoded and decoded again, and the
    /// envelope rendered as JSON (`EnvelopeJSON.render`), which must parse back.
    @discardableResult
    public static func envelope(_ input: UnsafeRawBufferPointer) throws(FuzzFailure) -> EnvelopeOutcome {
        let parsed: (view: EventView, record: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer)
        do {
            parsed = try StoredRecord.view(input)
        } catch {
            return .recordRefused  // typed: ByteFormatError
        }
        let view = parsed.view
        guard parsed.hash.count == StoredRecord.hashSize, parsed.record.count + parsed.hash.count == input.count else {
            throw FuzzFailure("record \(parsed.record.count) + hash \(parsed.hash.count) bytes, input \(input.count)")
        }
        let fields = Fields(view)
        // Format 2 is the format of a record with an API key id, and only of those.
        guard (view.format == 2) == (fields.apiKeyID != nil), view.format == 1 || view.format == 2 else {
            let key = String(describing: fields.apiKeyID)
            throw FuzzFailure("record format \(view.format) read with API key id \(key)")
        }

        // The owned decode reads the same event.
        let owned: RecordedEvent
        do {
            owned = try StoredRecord.decode(input, previousHash: [])
        } catch {
            throw FuzzFailure("the view was made but the owned decode refused: \(error)")
        }
        // `recordedAt` is a Date made from the microseconds: compared as a Date.
        let ownedFields = Fields(owned, recordedAtMicros: fields.recordedAtMicros)
        guard ownedFields == fields, owned.recordedAt == view.recordedAt, owned.hash == Array(parsed.hash) else {
            throw FuzzFailure("owned decode differs from the view: \(ownedFields) vs \(fields)")
        }

        // Writing the fields again gives a record with the same fields; the same bytes unless the
        // input spent more bytes on a length than needed (every other field has one spelling).
        let again = StoredRecord.encode(
            NewEvent(eventID: fields.eventID, type: fields.type, schemaVersion: fields.schemaVersion, payload: fields.payload,
                     actor: fields.actor, correlationID: fields.correlationID, causationID: fields.causationID,
                     apiKeyID: fields.apiKeyID),
            position: fields.position, streamID: fields.streamID, streamVersion: fields.streamVersion,
            recordedAtMicros: fields.recordedAtMicros, previousHash: [UInt8](repeating: 0, count: 32))
        let againRecord = Array(again.dropLast(StoredRecord.hashSize))
        if againRecord.count > parsed.record.count || (againRecord.count == parsed.record.count && !againRecord.elementsEqual(parsed.record)) {
            throw FuzzFailure("re-encoding gave \(againRecord.count) bytes that differ from the \(parsed.record.count) read")
        }
        let reread: Fields
        do {
            reread = try again.withUnsafeBytes { raw throws(ByteFormatError) in Fields(try StoredRecord.view(raw).view) }
        } catch {
            throw FuzzFailure("a re-encoded record does not read back: \(error)")
        }
        guard reread == fields else { throw FuzzFailure("re-encoded record reads back as \(reread), not \(fields)") }

        // The payload, as the projectors and the edges decode it.
        let byName = EventCatalog.eventType(named: view.typeBytes)
        guard byName == EventCatalog.eventType(named: fields.type) else {
            throw FuzzFailure("type lookup by bytes and by string disagree for '\(fields.type)'")
        }
        let event: Event
        do {
            event = try EventCatalog.decode(type: fields.type, schemaVersion: fields.schemaVersion, payload: view.payload)
        } catch is EventDecodingError {
            return .payloadRefused
        } catch {
            throw FuzzFailure("payload decode threw an untyped \(type(of: error)): \(error)")
        }
        if let byName {
            let viaType: Event
            do {
                viaType = try EventCatalog.decode(byName, schemaVersion: fields.schemaVersion, payload: view.payload)
            } catch {
                throw FuzzFailure("decode by EventType refused what decode by name accepted: \(error)")
            }
            guard viaType == event else { throw FuzzFailure("decode by EventType and by name differ") }
        }
        try payloadRoundTrip(event)

        // The envelope's JSON form, as audit replay, the CLI and the HTTP feed show it.
        let json: String
        do {
            json = try EnvelopeJSON.render(view, previousHash: UnsafeRawBufferPointer(start: nil, count: 0), hash: parsed.hash)
        } catch {
            throw FuzzFailure("rendering a decoded event failed: \(error)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw FuzzFailure("rendered envelope is not a JSON object: \(json)")
        }
        guard object["type"] as? String == fields.type, object["streamId"] as? String == fields.streamID,
              object["actor"] as? String == fields.actor, object["payload"] is [String: Any],
              object["apiKeyId"] as? String == fields.apiKeyID?.uuidString.lowercased()
        else {
            throw FuzzFailure("rendered envelope does not carry the event's strings: \(json)")
        }
        return .decoded
    }

    /// A decoded payload encodes to bytes that decode to the same event, and encode to the same
    /// bytes again.
    static func payloadRoundTrip(_ event: Event) throws(FuzzFailure) {
        let bytes: [UInt8]
        do { bytes = try event.encodedPayload() } catch { throw FuzzFailure("encoding a decoded payload threw: \(error)") }
        let again: Event
        do {
            again = try bytes.withUnsafeBytes { try EventCatalog.decode(type: event.type, schemaVersion: event.schemaVersion, payload: $0) }
        } catch {
            throw FuzzFailure("a re-encoded \(event.type) payload does not decode: \(error)")
        }
        if again == event {
            let bytesAgain: [UInt8]
            do { bytesAgain = try again.encodedPayload() } catch { throw FuzzFailure("encoding a decoded payload threw: \(error)") }
            guard bytesAgain == bytes else { throw FuzzFailure("\(event.type) payload bytes changed in a second round trip") }
        } else {
            // A `Date` is a Double: far from 1970 (beyond about 2^51 microseconds, some 70 years),
            // not every microsecond count survives count -> Date -> count, and one may move by a
            // microsecond. That is the only change allowed.
            let moved = dates(in: event.payload).filter { Date(timeIntervalSince1970: Double($0.microsecondsSince1970) / 1_000_000) != $0 }
            guard !moved.isEmpty, zip(dates(in: event.payload), dates(in: again.payload)).allSatisfy({
                let difference = $0.microsecondsSince1970.subtractingReportingOverflow($1.microsecondsSince1970)
                return !difference.overflow && difference.partialValue.magnitude <= 1
            }) else {
                throw FuzzFailure("\(event.type) payload changed in a round trip: \(event) vs \(again)")
            }
        }
        do {
            _ = try event.jsonPayload()
        } catch {
            throw FuzzFailure("a decoded \(event.type) payload has no JSON form: \(error)")
        }
    }

    /// The dates anywhere in a payload, in declaration order.
    static func dates(in value: Any) -> [Date] {
        if let date = value as? Date { return [date] }
        return Mirror(reflecting: value).children.flatMap { dates(in: $0.value) }
    }

    /// Every field of a stored event, owned, for comparisons.
    struct Fields: Equatable, CustomStringConvertible {
        var position: UInt64, streamVersion: UInt64, eventID: UUID, recordedAtMicros: Int64, schemaVersion: UInt16
        var correlationID: UUID, causationID: UUID?, type: String, streamID: String, actor: String, payload: [UInt8]
        /// The API key id of a format-2 record.
        var apiKeyID: UUID?

        init(_ v: EventView) {
            position = v.position
            streamVersion = v.streamVersion
            eventID = v.eventID
            recordedAtMicros = v.recordedAtMicros
            schemaVersion = v.schemaVersion
            correlationID = v.correlationID
            causationID = v.causationID
            type = v.type
            streamID = v.streamID
            actor = v.actor
            payload = Array(v.payload)
            apiKeyID = v.apiKeyID
            // The remaining accessors, for what they compute.
            _ = v.recordedAt
            _ = v.isType(type) && v.isStream(streamID)
        }

        init(_ e: RecordedEvent, recordedAtMicros: Int64) {
            position = e.position
            streamVersion = e.streamVersion
            eventID = e.eventID
            self.recordedAtMicros = recordedAtMicros
            schemaVersion = e.schemaVersion
            correlationID = e.correlationID
            causationID = e.causationID
            type = e.type
            streamID = e.streamID
            actor = e.actor
            payload = e.payload
            apiKeyID = e.apiKeyID
        }

        var description: String {
            "#\(position) \(streamID) v\(streamVersion) \(type) v\(schemaVersion) at \(recordedAtMicros) by \(actor)"
                + (apiKeyID.map { " with key \($0.uuidString.lowercased())" } ?? "")
                + ", \(payload.count) payload bytes"
        }
    }
}
