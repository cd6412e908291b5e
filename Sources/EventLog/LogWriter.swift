import BulkheadCore
import Crypto
import Foundation
import Storage

/// Appends to a tenant's log inside the partition's write transaction.
///
/// Valid only inside ``Partition/write(_:)``'s closure. Everything appended through it commits
/// together, with whatever projections write in the same transaction.
public struct LogWriter {
    /// The partition written to.
    public let partition: Partition
    /// The underlying transaction, for projection stores of this partition.
    public let transaction: WriteTransaction
    /// The appends made so far in this transaction, in order.
    public private(set) var batches: [AppendedBatch] = []
    private var headPosition: UInt64
    private var headHash: ChainHash
    private var scratch = ByteWriter(capacity: 1024)

    /// Longest stream id, in UTF-8 bytes.
    public static let maxStreamIDBytes = 512
    /// Longest event type, in UTF-8 bytes.
    public static let maxTypeBytes = 128
    /// Longest actor, in UTF-8 bytes.
    public static let maxActorBytes = 320
    /// Largest payload, in bytes.
    public static let maxPayloadBytes = 1 << 20

    init(partition: Partition, transaction: WriteTransaction) throws {
        self.partition = partition
        self.transaction = transaction
        let reader = LogReader(partition: partition, transaction: transaction)
        (headPosition, headHash) = try reader.headDigest()
    }

    /// A reader over the same transaction: it sees this writer's appends.
    public var reader: LogReader { LogReader(partition: partition, transaction: transaction) }

    /// Every event appended so far in this transaction, as recorded.
    public var appended: [RecordedEvent] { batches.flatMap(\.recorded) }

    /// Appends `events` to `stream`; see ``Partition/append(stream:expected:events:recordedAt:)``.
    public mutating func append(stream: String, expected: ExpectedVersion, events: [NewEvent], recordedAt: Date) throws -> AppendResult {
        try validate(stream: stream, events: events)
        let tables = partition.tables
        let tx = transaction
        if let retry = try idempotentRetry(stream: stream, events: events) { return retry }

        let streamHash = PartitionKeys.streamHash(stream)
        let current: UInt64? = try tx.withValue(tables.streamHeads, key: streamHash) { raw in
            guard let raw else { return nil }
            let head = try StreamHead.decode(raw)
            guard head.streamID == stream else {
                throw EventLogError.invalidAppend("stream id '\(stream)' collides with '\(head.streamID)'; choose another id")
            }
            return head.version
        }
        switch expected {
        case .any: break
        case .noStream where current == nil: break
        case .exactly(let v) where current == v: break
        default: throw EventLogError.versionConflict(stream: stream, expected: expected, actual: current)
        }

        let micros = Int64((recordedAt.timeIntervalSince1970 * 1_000_000).rounded())
        let firstPosition = headPosition + 1
        let firstVersion = (current ?? 0) + 1
        var hashes: [ChainHash] = []
        hashes.reserveCapacity(events.count)
        var previous = headHash
        var positionKey = ByteWriter(capacity: 8)
        for (offset, event) in events.enumerated() {
            let position = firstPosition + UInt64(offset)
            let hash = EventRecord.encode(
                event, position: position, stream: stream, streamVersion: firstVersion + UInt64(offset),
                recordedAtMicros: micros, previousHash: previous, into: &scratch)
            positionKey.reset()
            positionKey.write(bigEndian: position)
            try tx.put(tables.log, key: positionKey.bytes, value: scratch.bytes, flags: .append)
            try tx.put(tables.eventIDs, key: PartitionKeys.eventID(event.eventID), value: positionKey.bytes, flags: .noOverwrite)
            hashes.append(hash)
            previous = hash
        }
        let count = UInt64(events.count)
        try tx.put(
            tables.streams, key: PartitionKeys.streamRun(streamHash, firstVersion: firstVersion),
            value: PartitionKeys.streamRunValue(firstPosition: firstPosition, count: UInt32(count)), flags: .noOverwrite)
        let lastVersion = firstVersion + count - 1
        try tx.put(tables.streamHeads, key: streamHash, value: StreamHead(version: lastVersion, streamID: stream).encoded())
        batches.append(AppendedBatch(
            stream: stream, firstPosition: firstPosition, firstVersion: firstVersion, recordedAtMicros: micros,
            events: events, previousHash: headHash, hashes: hashes))
        headPosition = firstPosition + count - 1
        headHash = previous
        return AppendResult(positions: firstPosition...headPosition, streamVersion: lastVersion, wasDuplicate: false)
    }

    private func validate(stream: String, events: [NewEvent]) throws {
        guard !events.isEmpty else { throw EventLogError.invalidAppend("no events to append to stream '\(stream)'") }
        guard events.count <= Int(UInt32.max) else { throw EventLogError.invalidAppend("too many events in one append") }
        guard !stream.isEmpty, stream.utf8.count <= Self.maxStreamIDBytes else {
            throw EventLogError.invalidAppend("stream id must be 1 to \(Self.maxStreamIDBytes) bytes, got \(stream.utf8.count)")
        }
        for event in events {
            guard !event.type.isEmpty, event.type.utf8.count <= Self.maxTypeBytes else {
                throw EventLogError.invalidAppend("event type must be 1 to \(Self.maxTypeBytes) bytes, got \(event.type.utf8.count)")
            }
            guard !event.actor.isEmpty, event.actor.utf8.count <= Self.maxActorBytes else {
                throw EventLogError.invalidAppend("actor must be 1 to \(Self.maxActorBytes) bytes, got \(event.actor.utf8.count)")
            }
            guard event.payload.count <= Self.maxPayloadBytes else {
                throw EventLogError.invalidAppend("payload of \(event.type) is \(event.payload.count) bytes; the limit is \(Self.maxPayloadBytes)")
            }
        }
        if events.count > 1, Set(events.map(\.eventID)).count != events.count {
            throw EventLogError.invalidAppend("an event id appears twice in one append to '\(stream)'")
        }
    }

    /// When every event id is already stored with the same content, the original result;
    /// when none is, `nil`; anything in between is an error.
    private func idempotentRetry(stream: String, events: [NewEvent]) throws -> AppendResult? {
        let reader = self.reader
        var originals: [RecordedEvent] = []
        for event in events {
            guard let position = try reader.position(ofEvent: event.eventID) else { continue }
            guard let stored = try reader.event(at: position), stored.sameContent(as: event, stream: stream) else {
                throw EventLogError.duplicateEventID(event.eventID, position: position)
            }
            originals.append(stored)
        }
        guard let first = originals.first, let last = originals.last else { return nil }
        guard originals.count == events.count, last.position - first.position == UInt64(events.count - 1) else {
            throw EventLogError.duplicateEventID(first.eventID, position: first.position)
        }
        return AppendResult(positions: first.position...last.position, streamVersion: last.streamVersion, wasDuplicate: true)
    }
}

/// One append of a transaction: its events as given and where the log put them.
public struct AppendedBatch: Sendable {
    /// The stream appended to.
    public let stream: String
    /// The position of the first event.
    public let firstPosition: UInt64
    /// The stream version of the first event.
    public let firstVersion: UInt64
    /// The recorded time, in microseconds since 1970.
    public let recordedAtMicros: Int64
    /// The events, in order.
    public let events: [NewEvent]
    let previousHash: ChainHash
    let hashes: [ChainHash]

    /// The events as the log recorded them.
    public var recorded: [RecordedEvent] {
        var previous = previousHash.bytes
        return events.enumerated().map { offset, event in
            let hash = hashes[offset].bytes
            defer { previous = hash }
            return RecordedEvent(
                position: firstPosition + UInt64(offset), streamID: stream, streamVersion: firstVersion + UInt64(offset),
                eventID: event.eventID, type: event.type, schemaVersion: event.schemaVersion,
                recordedAt: Date(timeIntervalSince1970: Double(recordedAtMicros) / 1_000_000), actor: event.actor,
                correlationID: event.correlationID, causationID: event.causationID, payload: event.payload,
                previousHash: previous, hash: hash)
        }
    }
}
