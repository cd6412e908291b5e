import BulkheadCore
import Foundation

/// The result of walking a tenant's hash chain.
public enum VerifyReport: Equatable, Sendable, CustomStringConvertible {
    /// Every link holds: the count of events and the head hash.
    case ok(tenant: TenantID, events: UInt64, headHash: [UInt8])
    /// The first broken link: its position and what is wrong.
    case broken(tenant: TenantID, position: UInt64, reason: String)

    /// One line for people.
    public var description: String {
        switch self {
        case .ok(let t, let n, let h): return "tenant \(t): OK, \(n) events, head \(h.hexString)"
        case .broken(let t, let p, let r): return "tenant \(t): BROKEN at position \(p): \(r)"
        }
    }

    /// Whether the chain verified.
    public var isOK: Bool { if case .ok = self { return true } else { return false } }
}

extension Partition {
    /// Walks the whole chain: each record must decode, sit at its own position with no gap,
    /// and hash, with its predecessor's hash, to the value stored with it. The event-id index
    /// must hold exactly as many events as the chain, so that removing the newest events (which
    /// leaves a shorter but intact chain) is detected too. Then every signed checkpoint must verify
    /// with a key the tenant records and state the hash the chain has at its position: a log
    /// rewritten from some position on, with every later hash recomputed, fails there.
    ///
    /// - Parameter progress: Called every 65,536 events with the position reached.
    public func verify(progress: ((UInt64) -> Void)? = nil) throws -> VerifyReport {
        let genesis = genesisDigest
        return try environment.read { tx in
            try tx.withCursor(tables.log) { cursor in
                var expectedPosition: UInt64 = 1
                var previous = genesis
                var found = try cursor.first()
                while found {
                    let keyPosition = PartitionKeys.readPosition(cursor.key) ?? 0
                    guard cursor.key.count == 8, keyPosition == expectedPosition else {
                        return .broken(tenant: tenant, position: expectedPosition, reason: keyPosition > expectedPosition ? "event missing (next stored is \(keyPosition))" : "malformed key")
                    }
                    let parsed: (EventView, record: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer)
                    do {
                        parsed = try EventRecord.view(cursor.value)
                    } catch {
                        return .broken(tenant: tenant, position: keyPosition, reason: "record does not decode: \(error)")
                    }
                    guard parsed.0.position == keyPosition else {
                        return .broken(tenant: tenant, position: keyPosition, reason: "record says position \(parsed.0.position)")
                    }
                    let computed = previous.withUnsafeBytes { EventRecord.chainHash(previous: $0, record: parsed.record) }
                    guard let stored = ChainHash(parsed.hash), stored == computed else {
                        return .broken(tenant: tenant, position: keyPosition, reason: "stored hash does not match the predecessor's hash and the record's bytes")
                    }
                    previous = stored
                    if keyPosition & 0xFFFF == 0 { progress?(keyPosition) }
                    expectedPosition += 1
                    found = try cursor.next()
                }
                let count = expectedPosition - 1
                let indexed = UInt64(try tx.statistics(tables.eventIDs).entries)
                if indexed > count {
                    return .broken(tenant: tenant, position: count + 1,
                                   reason: "the log ends at position \(count) but \(indexed) events were appended: events from position \(count + 1) on are missing")
                }
                if indexed < count {
                    return .broken(tenant: tenant, position: count, reason: "the event-id index holds \(indexed) events but the log holds \(count)")
                }
                if let failure = try verifyCheckpoints(in: tx, count: count) { return failure }
                return .ok(tenant: tenant, events: count, headHash: previous.bytes)
            }
        }
    }
}
