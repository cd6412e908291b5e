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
    /// The head as this transaction leaves it so far: its last position and that event's hash.
    public var head: LogHead { LogHead(position: headPosition, hash: headHash.bytes) }

    /// Appends `events` to `stream`; see ``Partition/append(stream:expected:events:recordedAt:)``.
    ///
    /// An append that throws has written nothing: the transaction can go on (or be aborted by
    /// throwing out of the write closure) as if it had not been called. The exception is a
    /// ``StorageError`` from LMDB itself, after which LMDB refuses to commit the transaction.
    public mutating func append(stream: String, expected: ExpectedVersion, events: [NewEvent], recordedAt: Date) throws -> AppendResult {
        try validate(stream: stream, events: events)
        let tables = partition.tables
        let tx = transaction

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
        default:
            // A retry of an append that succeeded finds the stream moved on: it is answered
            // with the original result before the version is held against it.
            if let retry = try duplicateOrRetry(stream: stream, events: events) { return retry }
            throw EventLogError.versionConflict(stream: stream, expected: expected, actual: current)
        }

        let micros = recordedAt.microsecondsSince1970
        let firstPosition = headPosition + 1
        let firstVersion = (current ?? 0) + 1
        var hashes: [ChainHash] = []
        hashes.reserveCapacity(events.count)
        var previous = headHash
        var streamCopy = stream
        let written: Int = try streamCopy.withUTF8 { streamUTF8 in try events.withUnsafeBufferPointer { events in
            let streamBytes = UnsafeRawBufferPointer(streamUTF8)
            // Each record is staged as previous hash | record | hash: SHA-256 then reads one
            // contiguous buffer, and the stored value (record | hash) is the buffer's tail.
            var staging = Staging(capacity: 1024)
            defer { staging.deallocate() }
            previous.withUnsafeBytes { staging.setPrevious($0) }
            // Indexing the buffer borrows each event in place: no copy, retain or release of its
            // strings and payload per event.
            for offset in events.indices {
                let position = firstPosition + UInt64(offset)
                let positionKey = PartitionKeys.position(position)
                // The event id is indexed first: one search both stores it and finds an earlier
                // use (a retry or a duplicate), before anything else of this event is written.
                // Time-ordered ids (IDGenerator) sort last, so LMDB appends them without a search.
                let clash = try tx.putIfAbsent(
                    tables.eventIDs, key: PartitionKeys.eventID(events[offset].eventID), value: positionKey, appending: true
                ) { _ in true }
                if clash != nil { return offset }
                let size = EventRecord.size(of: events[offset], streamBytes: streamBytes.count)
                staging.reserve(recordSize: size)
                EventRecord.write(
                    events[offset], position: position, stream: streamBytes, streamVersion: firstVersion + UInt64(offset),
                    recordedAtMicros: micros, into: staging.record(size))
                let hash = EventRecord.chainHash(previousAndRecord: staging.previousAndRecord(size))
                staging.finish(size, hash: hash)
                do {
                    try tx.put(tables.log, key: positionKey, value: staging.value(size), flags: .append)
                } catch {
                    try undo(events[..<(offset + 1)], firstPosition: firstPosition, logged: offset)
                    throw error
                }
                hashes.append(hash)
                previous = hash
            }
            return events.count
        } }
        if written < events.count {
            try undo(events[..<written], firstPosition: firstPosition, logged: written)
            if let retry = try duplicateOrRetry(stream: stream, events: events) { return retry }
            // Unreachable: the clash was with a stored id (found above) or one of this append's
            // own (refused above). Refuse rather than write if the index says otherwise.
            throw EventLogError.duplicateEventID(events[written].eventID, position: try reader.position(ofEvent: events[written].eventID) ?? 0)
        }
        let count = UInt64(events.count)
        let lastVersion = firstVersion + count - 1
        do {
            try tx.put(
                tables.streams, key: PartitionKeys.streamRun(streamHash, firstVersion: firstVersion),
                value: PartitionKeys.streamRunValue(firstPosition: firstPosition, count: UInt32(count)), flags: .noOverwrite)
        } catch {
            try undo(events[...], firstPosition: firstPosition, logged: events.count)
            throw error
        }
        try tx.put(tables.streamHeads, key: streamHash, value: StreamHead(version: lastVersion, streamID: stream).encoded())
        batches.append(AppendedBatch(
            stream: stream, firstPosition: firstPosition, firstVersion: firstVersion, recordedAtMicros: micros,
            events: events, previousHash: headHash, hashes: hashes))
        headPosition = firstPosition + count - 1
        headHash = previous
        return AppendResult(positions: firstPosition...headPosition, streamVersion: lastVersion, wasDuplicate: false)
    }

    /// Removes what an append wrote before it failed: the ids of `events` and the first `logged`
    /// of their log entries, so that a failed append leaves the transaction as it found it.
    private func undo(_ events: some Collection<NewEvent>, firstPosition: UInt64, logged: Int) throws {
        for (offset, event) in zip(0..., events) {
            if offset < logged { try transaction.delete(partition.tables.log, key: PartitionKeys.position(firstPosition + UInt64(offset))) }
            try transaction.delete(partition.tables.eventIDs, key: PartitionKeys.eventID(event.eventID))
        }
    }

    /// The slow path once an append's ids clash with stored ones or its expected version fails:
    /// an id twice in the append is refused; a complete retry returns the original result; a
    /// partial overlap or other content is ``EventLogError/duplicateEventID(_:position:)``; no
    /// stored id at all returns `nil`.
    private func duplicateOrRetry(stream: String, events: [NewEvent]) throws -> AppendResult? {
        if events.count > 1, Set(events.map(\.eventID)).count != events.count {
            throw EventLogError.invalidAppend("an event id appears twice in one append to '\(stream)'")
        }
        return try idempotentRetry(stream: stream, events: events)
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
        // An id twice in one append is found by the append itself, when the second use clashes
        // with the first: no set of ids is built on the fast path.
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
        // The same events in the same order occupy consecutive positions; anything else (a subset,
        // a reordering) is another append reusing their ids.
        let consecutive = zip(originals, originals.dropFirst()).allSatisfy { $1.position == $0.position + 1 }
        guard originals.count == events.count, consecutive else {
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
                previousHash: previous, hash: hash, apiKeyID: event.apiKeyID)
        }
    }
}

/// The append path's one buffer, laid out as previous hash (32) | record | hash (32).
private struct Staging {
    private var buffer: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    func deallocate() { buffer.deallocate() }

    /// Makes room for a record of `recordSize` bytes, keeping the previous hash.
    mutating func reserve(recordSize: Int) {
        let needed = recordSize + 2 * EventRecord.hashSize
        guard needed > buffer.count else { return }
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(needed, 2 * buffer.count), alignment: 16)
        larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[..<EventRecord.hashSize]))
        buffer.deallocate()
        buffer = larger
    }

    func setPrevious(_ hash: UnsafeRawBufferPointer) {
        UnsafeMutableRawBufferPointer(rebasing: buffer[..<EventRecord.hashSize]).copyMemory(from: hash)
    }

    /// Where the record goes.
    func record(_ size: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: buffer[EventRecord.hashSize..<(EventRecord.hashSize + size)])
    }

    /// What the chain hash covers.
    func previousAndRecord(_ size: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[..<(EventRecord.hashSize + size)])
    }

    /// Writes `hash` after the record and as the next record's previous hash.
    func finish(_ size: Int, hash: ChainHash) {
        hash.withUnsafeBytes { raw in
            let end = EventRecord.hashSize + size
            UnsafeMutableRawBufferPointer(rebasing: buffer[end..<(end + EventRecord.hashSize)]).copyMemory(from: raw)
            UnsafeMutableRawBufferPointer(rebasing: buffer[..<EventRecord.hashSize]).copyMemory(from: raw)
        }
    }

    /// The stored value: the record and its hash.
    func value(_ size: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[EventRecord.hashSize..<(2 * EventRecord.hashSize + size)])
    }
}
