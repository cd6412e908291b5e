import BulkheadCore
import Crypto
import Foundation
import Storage

/// The keys of a tenant partition's log tables. Only this layer builds them; a tenant's keys
/// live in the tenant's own environment, so none carries a tenant prefix.
enum PartitionKeys {
    /// `log`: the position, 8 bytes big-endian, so byte order is log order.
    ///
    /// Keys are ``InlineKey``s: built on the stack, so appends and lookups allocate nothing per key.
    static func position(_ p: UInt64) -> InlineKey {
        InlineKey(bigEndian: p)
    }

    static func readPosition(_ raw: UnsafeRawBufferPointer) -> UInt64? {
        guard raw.count >= 8 else { return nil }
        return UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self))
    }

    /// The first 16 bytes of SHA-256 of a stream id: fixed width whatever the id's length.
    static func streamHash(_ stream: String) -> InlineKey {
        var copy = stream
        let digest = copy.withUTF8 { utf8 in
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(utf8))
            return hasher.finalize()
        }
        var key = InlineKey()
        digest.withUnsafeBytes { key.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[..<16])) }
        return key
    }

    /// `streams`: stream-hash(16) | first version of a run(8) → first position(8) | count(4).
    ///
    /// One append writes its events to one stream at consecutive positions, so one entry per
    /// append ("run") indexes them all.
    static func streamRun(_ hash: InlineKey, firstVersion: UInt64) -> InlineKey {
        var key = hash
        key.append(bigEndian: firstVersion)
        return key
    }

    static func streamRunValue(firstPosition: UInt64, count: UInt32) -> InlineKey {
        var value = InlineKey(bigEndian: firstPosition)
        value.append(bigEndian: count)
        return value
    }

    /// `eventIDs`: the event id's 16 bytes → position.
    static func eventID(_ id: UUID) -> InlineKey {
        var key = InlineKey()
        key.append(bytesOf: id.uuid)
        return key
    }

    /// The hash that position 1 chains to: bound to the tenant, so a log copied into another
    /// tenant's environment fails verification at its first event.
    static func genesisHash(_ tenant: TenantID) -> ChainHash {
        var w = ByteWriter(capacity: 40)
        w.write(contentsOf: Array("bulkhead.genesis.v1".utf8))
        w.write(uuid: tenant.uuid)
        return ChainHash(SHA256.hash(data: w.bytes))
    }
}

/// `streamHeads` value: the stream's last version and its full id (to detect hash collisions).
struct StreamHead {
    var version: UInt64
    var streamID: String

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 16 + streamID.utf8.count)
        w.write(bigEndian: version)
        w.writeString(streamID)
        return w.bytes
    }

    static func decode(_ raw: UnsafeRawBufferPointer) throws(ByteFormatError) -> StreamHead {
        var r = ByteReader(raw)
        let version = try r.readUInt64("the stream version")
        let id = try r.readString("the stream id")
        return StreamHead(version: version, streamID: id)
    }
}
