import BulkheadCore
import Storage

/// Merges a ``FoldState``'s spilled runs and its memory into a new generation, in key order with
/// `MDB_APPEND`: for each key the newest source wins (memory, then the runs from the last), and
/// a removal writes nothing.
///
/// The merge goes on over several write transactions: each run is read through a buffer refilled
/// from where it stopped, and ``write(_:from:to:maxBytes:)`` works on a copy the caller keeps
/// only once the transaction committed (a transaction retried after the map grew starts again
/// from the same place).
struct RunMerge {
    /// A run's next entries, copied out of the spill table.
    private struct RunReader {
        let run: SpilledRun
        var buffer: [(Key, [UInt8]?)] = []
        var index = 0
        /// The last key read into the buffer.
        var lastKey: Key?
        var exhausted = false

        var head: Key? { index < buffer.count ? buffer[index].0 : nil }

        /// Refills an empty buffer with about `bytes` of the run's next entries.
        mutating func refill(_ tx: WriteTransaction, _ table: Table, bytes: Int) throws {
            guard index >= buffer.count, !exhausted else { return }
            buffer.removeAll(keepingCapacity: true)
            index = 0
            let prefix = withUnsafeBytes(of: run.number.bigEndian) { Array($0) }
            let start = lastKey.map { run.key($0) } ?? prefix
            var read = 0
            var entries: [(Key, [UInt8]?)] = []
            var last = lastKey
            var more = true
            try tx.withCursor(table) { cursor in
                var found = try cursor.seek(atOrAfter: start)
                if found, lastKey != nil, cursor.key.sameBytes(start) { found = try cursor.next() }
                while found, cursor.key.hasBytePrefix(prefix) {
                    let key = Key(copying: UnsafeRawBufferPointer(rebasing: cursor.key[4...]))
                    let value = FoldState.decodeSpilled(cursor.value)
                    entries.append((key, value))
                    last = key
                    read += key.count + (value?.count ?? 0) + 16
                    if read >= bytes { return }
                    found = try cursor.next()
                }
                more = false
            }
            buffer = entries
            lastKey = last
            exhausted = !more
        }
    }

    private var runs: [RunReader]
    private let memoryKeys: [Key]
    private var memoryIndex = 0
    private let state: FoldState
    /// Whether every entry was written.
    private(set) var done = false

    init(_ state: FoldState) {
        self.state = state
        runs = state.runs.map { RunReader(run: $0) }
        memoryKeys = state.sortedKeys()
    }

    /// Writes the next entries into `target` until about `maxBytes` were written or none is left.
    mutating func write(_ tx: WriteTransaction, from spillTable: Table, to target: Table, maxBytes: Int) throws {
        let bufferBytes = max(64 << 10, maxBytes / max(1, runs.count) / 4)
        var written = 0
        var writer = ByteWriter(capacity: 4096)
        // Each run's next key, kept apart so that choosing the smallest compares keys and nothing else.
        var heads: [Key?] = []
        for i in runs.indices {
            try runs[i].refill(tx, spillTable, bytes: bufferBytes)
            heads.append(runs[i].head)
        }
        while written < maxBytes {
            // The smallest key of any source; on a tie, the newest source's entry.
            var smallest: Key?
            var newest = -1
            for i in heads.indices {
                guard let head = heads[i] else { continue }
                if let current = smallest, current < head { continue }
                smallest = head
                newest = i
            }
            var value: [UInt8]?
            if newest >= 0 { value = runs[newest].buffer[runs[newest].index].1 }
            var fromMemory = false
            if memoryIndex < memoryKeys.count {
                let head = memoryKeys[memoryIndex]
                if smallest.map({ head <= $0 }) ?? true {
                    smallest = head
                    fromMemory = true
                }
            }
            guard let key = smallest else {
                done = true
                return
            }
            for i in heads.indices where heads[i] == key {
                runs[i].index += 1
                if runs[i].head == nil { try runs[i].refill(tx, spillTable, bytes: bufferBytes) }
                heads[i] = runs[i].head
            }
            if memoryIndex < memoryKeys.count, memoryKeys[memoryIndex] == key { memoryIndex += 1 }
            if fromMemory {
                // Memory's records are encoded here, once.
                writer.reset()
                if FoldState.encode(state.entries[key], into: &writer) {
                    try tx.put(target, key: key, value: writer.bytes, flags: .append)
                    written += key.count + writer.bytes.count + 16
                }
            } else if let value {
                try tx.put(target, key: key, value: value, flags: .append)
                written += key.count + value.count + 16
            }
        }
    }
}
