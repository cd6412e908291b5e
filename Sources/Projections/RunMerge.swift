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
    ///
    /// The runs' heads are kept in a binary heap, smallest key first and, on a tie, newest run
    /// first: choosing each entry costs a logarithm of the number of runs, not a comparison with
    /// every run's head.
    mutating func write(_ tx: WriteTransaction, from spillTable: Table, to target: Table, maxBytes: Int) throws {
        let bufferBytes = max(64 << 10, maxBytes / max(1, runs.count) / 4)
        var written = 0
        var writer = ByteWriter(capacity: 4096)
        var heap = RunHeap()
        for i in runs.indices {
            try runs[i].refill(tx, spillTable, bytes: bufferBytes)
            if let head = runs[i].head { heap.push(head, i) }
        }
        while written < maxBytes {
            // The smallest key of any source; memory is newer than every run.
            var smallest = heap.top?.key
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
            var value: [UInt8]?
            var newestRun = true
            // Every run holding the key moves past it; the first popped is the newest.
            while let top = heap.top, top.key == key {
                heap.pop()
                let i = top.run
                if newestRun { value = runs[i].buffer[runs[i].index].1 }
                newestRun = false
                runs[i].index += 1
                if runs[i].head == nil { try runs[i].refill(tx, spillTable, bytes: bufferBytes) }
                if let head = runs[i].head { heap.push(head, i) }
            }
            if fromMemory {
                memoryIndex += 1
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

/// The runs' head keys, smallest first and, among equal keys, the newest run (the highest
/// number) first.
struct RunHeap {
    private var items: [(key: Key, run: Int)] = []

    var top: (key: Key, run: Int)? { items.first }

    private func before(_ a: Int, _ b: Int) -> Bool {
        let (x, y) = (items[a], items[b])
        if x.key == y.key { return x.run > y.run }
        return x.key < y.key
    }

    mutating func push(_ key: Key, _ run: Int) {
        items.append((key, run))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < items.count, before(left, first) { first = left }
            if right < items.count, before(right, first) { first = right }
            guard first != parent else { return }
            items.swapAt(parent, first)
            parent = first
        }
    }
}
