import BulkheadCore
import Foundation

/// The stored byte form of one event (`Schemas/storage-format.md`), opened to code outside the
/// log that must read or make it exactly as the log does: the fuzz harness (`Sources/FuzzHarness`)
/// and its seed generator. The log's own reads and appends call the same internal functions
/// directly; nothing in the log goes through this type.
///
/// ```swift
/// let (view, record, hash) = try StoredRecord.view(value)   // what every scan does
/// let owned = try StoredRecord.decode(value, previousHash: previous)
/// ```
public enum StoredRecord {
    /// The size of the SHA-256 hash that ends every stored value.
    public static var hashSize: Int { EventRecord.hashSize }

    /// Reads a stored value (the record followed by its hash) in place, as every scan and verify
    /// does. The view and both buffers point into `value` and are valid as long as it is.
    ///
    /// - Throws: ``ByteFormatError`` for anything but a well-formed record.
    public static func view(_ value: UnsafeRawBufferPointer) throws(ByteFormatError) -> (view: EventView, record: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) {
        let (view, record, hash) = try EventRecord.view(value)
        return (view, record, hash)
    }

    /// Decodes a stored value into an owned event, as ``LogReader/event(at:)`` does.
    ///
    /// - Throws: ``ByteFormatError`` for anything but a well-formed record.
    public static func decode(_ value: UnsafeRawBufferPointer, previousHash: [UInt8]) throws(ByteFormatError) -> RecordedEvent {
        try EventRecord.decode(value, previousHash: previousHash)
    }

    /// The stored value an append writes for `event` at `position`: the record followed by
    /// SHA-256 over `previousHash` and the record.
    public static func encode(
        _ event: NewEvent, position: UInt64, streamID: String, streamVersion: UInt64, recordedAtMicros: Int64,
        previousHash: [UInt8]
    ) -> [UInt8] {
        var stream = streamID
        return stream.withUTF8 { streamUTF8 in
            let streamBytes = UnsafeRawBufferPointer(streamUTF8)
            let size = EventRecord.size(of: event, streamBytes: streamBytes.count)
            var value = [UInt8](repeating: 0, count: size + EventRecord.hashSize)
            value.withUnsafeMutableBytes { out in
                let record = UnsafeMutableRawBufferPointer(rebasing: out[..<size])
                EventRecord.write(
                    event, position: position, stream: streamBytes, streamVersion: streamVersion,
                    recordedAtMicros: recordedAtMicros, into: record)
                let hash = previousHash.withUnsafeBytes {
                    EventRecord.chainHash(previous: $0, record: UnsafeRawBufferPointer(record))
                }
                hash.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[size...]).copyMemory(from: $0) }
            }
            return value
        }
    }

    /// Writes SHA-256 over `previous` and `record` to `out` (``hashSize`` bytes), exactly as an
    /// append hashes each event: for benchmarks that time the hash chain on its own.
    public static func chainHash(previous: UnsafeRawBufferPointer, record: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count == hashSize, "a chain hash is \(hashSize) bytes")
        EventRecord.chainHash(previous: previous, record: record).withUnsafeBytes { out.copyMemory(from: $0) }
    }
}
