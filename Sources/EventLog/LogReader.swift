import BulkheadCore
import Crypto
import Foundation
import Storage

/// Reads a tenant's log on one consistent snapshot, inside ``Partition/read(_:)`` (or a writer's
/// transaction, where it sees the writer's appends).
public struct LogReader {
    /// The partition read from.
    public let partition: Partition
    let transaction: any ReadableTransaction

    init(partition: Partition, transaction: any ReadableTransaction) {
        self.partition = partition
        self.transaction = transaction
    }

    private var tables: Partition.LogTables { partition.tables }

    /// The last position and its hash.
    public func head() throws -> LogHead {
        let (position, digest) = try headDigest()
        return LogHead(position: position, hash: digest.bytes)
    }

    func headDigest() throws -> (UInt64, ChainHash) {
        try transaction.withCursor(tables.log) { cursor in
            guard try cursor.last() else { return (0, partition.genesisDigest) }
            guard let position = PartitionKeys.readPosition(cursor.key) else {
                // Not a log key at all: the table was written by something other than the log.
                throw EventLogError.corruptRecord(tenant: partition.tenant, position: 0, reason: "the log's last key is \(cursor.key.count) bytes, not an 8-byte position")
            }
            let hash = try storedHash(cursor.value, position: position)
            return (position, try digest(hash, position: position))
        }
    }

    /// When the last event was recorded, or `nil` for an empty log.
    public func lastRecordedAt() throws -> Date? {
        try transaction.withCursor(tables.log) { cursor -> Date? in
            guard try cursor.last() else { return nil }
            let position = PartitionKeys.readPosition(cursor.key) ?? 0
            do {
                return try EventRecord.view(cursor.value).0.recordedAt
            } catch {
                throw EventLogError.corruptRecord(tenant: partition.tenant, position: position, reason: "\(error)")
            }
        }
    }

    /// The hash stored with `position`'s event; the genesis hash for position 0.
    public func hash(at position: UInt64) throws -> [UInt8]? {
        if position == 0 { return partition.genesisDigest.bytes }
        return try transaction.withValue(tables.log, key: PartitionKeys.position(position)) { raw in
            try raw.map { Array(try storedHash($0, position: position)) }
        }
    }

    /// The event at `position`, or `nil`.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        guard position > 0, let previous = try hash(at: position - 1) else { return nil }
        return try transaction.withValue(tables.log, key: PartitionKeys.position(position)) { raw -> RecordedEvent? in
            guard let raw else { return nil }
            do {
                return try EventRecord.decode(raw, previousHash: previous)
            } catch let error as ByteFormatError {
                throw EventLogError.corruptRecord(tenant: partition.tenant, position: position, reason: error.description)
            }
        }
    }

    /// The position of the event with id `id`, or `nil`.
    public func position(ofEvent id: UUID) throws -> UInt64? {
        try transaction.withValue(tables.eventIDs, key: PartitionKeys.eventID(id)) { raw in
            raw.flatMap(PartitionKeys.readPosition)
        }
    }

    /// The event with id `id`, or `nil`.
    public func event(id: UUID) throws -> RecordedEvent? {
        guard let position = try position(ofEvent: id) else { return nil }
        return try event(at: position)
    }

    /// The current version of `stream`, or `nil` when it has no events.
    public func streamVersion(_ stream: String) throws -> UInt64? {
        try transaction.withValue(tables.streamHeads, key: PartitionKeys.streamHash(stream)) { raw in
            guard let raw else { return nil }
            let head = try StreamHead.decode(raw)
            return head.streamID == stream ? head.version : nil
        }
    }

    /// Calls `body` with each event from `position` on, in order, up to `limit` events, without
    /// holding more than one in memory. `body` returns false to stop early.
    ///
    /// The view's payload is valid only during the call.
    /// - Returns: How many events were visited.
    @discardableResult
    public func scan(from position: UInt64, limit: Int = .max, _ body: (EventView) throws -> Bool) throws -> Int {
        try scanRecords(from: position, limit: limit) { view, _, _ in try body(view) }
    }

    /// Like ``scan(from:limit:_:)``, with each event's predecessor hash and own hash (valid only
    /// during the call).
    @discardableResult
    public func scanRecords(
        from position: UInt64, limit: Int = .max,
        _ body: (EventView, _ previousHash: UnsafeRawBufferPointer, _ hash: UnsafeRawBufferPointer) throws -> Bool
    ) throws -> Int {
        guard limit > 0 else { return 0 }
        let start = max(position, 1)
        let genesis = partition.genesisDigest.bytes
        return try genesis.withUnsafeBytes { genesisBytes in
            try transaction.withCursor(tables.log) { cursor in
                var count = 0
                var previous = genesisBytes
                if start > 1 {
                    guard try cursor.seek(atOrAfter: PartitionKeys.position(start - 1)),
                          PartitionKeys.readPosition(cursor.key) == start - 1 else { return 0 }
                    previous = try storedHash(cursor.value, position: start - 1)
                }
                var found = try cursor.seek(atOrAfter: PartitionKeys.position(start))
                while found {
                    let at = PartitionKeys.readPosition(cursor.key) ?? 0
                    let parsed: (EventView, record: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer)
                    do {
                        parsed = try EventRecord.view(cursor.value)
                    } catch let error as ByteFormatError {
                        throw EventLogError.corruptRecord(tenant: partition.tenant, position: at, reason: error.description)
                    }
                    count += 1
                    guard try body(parsed.0, previous, parsed.hash), count < limit else { break }
                    previous = parsed.hash
                    found = try cursor.next()
                }
                return count
            }
        }
    }

    /// Events from `position` on, decoded and owned, up to `limit`.
    public func events(from position: UInt64, limit: Int) throws -> [RecordedEvent] {
        var result: [RecordedEvent] = []
        try scanRecords(from: position, limit: limit) { view, previous, hash in
            result.append(RecordedEvent(view: view, previousHash: Array(previous), hash: Array(hash)))
            return true
        }
        return result
    }

    /// The events of `stream` from version `fromVersion` on, in order, up to `limit`.
    public func stream(_ stream: String, fromVersion: UInt64 = 1, limit: Int = .max) throws -> [RecordedEvent] {
        guard try streamVersion(stream) != nil else { return [] }
        let key = PartitionKeys.streamHash(stream)
        let hash = key.bytes
        var runs: [(firstVersion: UInt64, firstPosition: UInt64, count: UInt64)] = []
        try transaction.withCursor(tables.streams) { cursor in
            // The run holding `fromVersion` starts at or before it: seek past it, then step back.
            var found = try cursor.seek(atOrAfter: PartitionKeys.streamRun(key, firstVersion: max(fromVersion, 1)))
            let exact = found && cursor.key.count == 24 && cursor.key.prefix(16).elementsEqual(hash)
                && PartitionKeys.readPosition(UnsafeRawBufferPointer(rebasing: cursor.key[16...])) == max(fromVersion, 1)
            if !exact {
                found = found ? try cursor.previous() : try cursor.last()
                if !(found && cursor.key.count == 24 && cursor.key.prefix(16).elementsEqual(hash)) {
                    found = try cursor.seek(atOrAfter: PartitionKeys.streamRun(key, firstVersion: max(fromVersion, 1)))
                }
            }
            while found, cursor.key.count == 24, cursor.key.prefix(16).elementsEqual(hash), cursor.value.count == 12 {
                let firstVersion = PartitionKeys.readPosition(UnsafeRawBufferPointer(rebasing: cursor.key[16...])) ?? 0
                let firstPosition = PartitionKeys.readPosition(cursor.value) ?? 0
                let count = UInt64(UInt32(bigEndian: UnsafeRawBufferPointer(rebasing: cursor.value[8...]).loadUnaligned(as: UInt32.self)))
                runs.append((firstVersion, firstPosition, count))
                found = try cursor.next()
            }
        }
        var result: [RecordedEvent] = []
        for run in runs {
            for offset in 0..<run.count where run.firstVersion + offset >= fromVersion {
                guard result.count < limit else { return result }
                guard let event = try event(at: run.firstPosition + offset) else {
                    throw EventLogError.corruptRecord(tenant: partition.tenant, position: run.firstPosition + offset, reason: "indexed in stream '\(stream)' but missing from the log")
                }
                result.append(event)
            }
        }
        return result
    }

    /// Number of events and distinct streams.
    public func counts() throws -> (events: Int, streams: Int) {
        (try transaction.statistics(tables.log).entries, try transaction.statistics(tables.streamHeads).entries)
    }

    private func storedHash(_ value: UnsafeRawBufferPointer, position: UInt64) throws -> UnsafeRawBufferPointer {
        guard value.count > EventRecord.hashSize else {
            throw EventLogError.corruptRecord(tenant: partition.tenant, position: position, reason: "record shorter than its hash")
        }
        return UnsafeRawBufferPointer(rebasing: value[(value.count - EventRecord.hashSize)...])
    }

    private func digest(_ raw: UnsafeRawBufferPointer, position: UInt64) throws -> ChainHash {
        guard let digest = ChainHash(raw) else {
            throw EventLogError.corruptRecord(tenant: partition.tenant, position: position, reason: "hash is not 32 bytes")
        }
        return digest
    }
}
