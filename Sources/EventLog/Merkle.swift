import Crypto

/// The hashes of a tenant's Merkle tree over its events, as RFC 6962 (section 2.1) and RFC 9162
/// (section 2.1) define them: event `i` (position `i`, 1-based) is leaf `i - 1`, its entry is the
/// event's stored record (the bytes the chain hashes, without the 32-byte hash that follows them),
/// and
///
/// - a leaf's hash is SHA-256(`00` ‖ record),
/// - an inner node's hash is SHA-256(`01` ‖ left ‖ right),
/// - the root of `n` leaves splits at `k`, the largest power of two below `n`: the first `k`
///   leaves on the left, the rest on the right.
///
/// A checkpoint (format 2) signs the root of the tree of its first `position` events, so one
/// event can be proven to be in a checkpointed log with about log2(n) hashes
/// (``Partition/inclusionProof(position:treeSize:)``), without the rest of the log.
public enum Merkle {
    /// The hash of a leaf whose entry is `record`.
    public static func leafHash(_ record: UnsafeRawBufferPointer) -> [UInt8] {
        var sha = SHA256()
        sha.update(data: [0])
        sha.update(bufferPointer: record)
        return Array(sha.finalize())
    }

    /// The hash of an inner node.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var sha = SHA256()
        sha.update(data: [1])
        sha.update(data: left)
        sha.update(data: right)
        return Array(sha.finalize())
    }

    /// The largest power of two strictly below `n` (`n` > 1).
    static func split(_ n: UInt64) -> UInt64 {
        var k: UInt64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// The root that an inclusion proof leads to, by RFC 9162's verification algorithm
    /// (section 2.1.3.2), or `nil` when the proof cannot belong to a tree of `treeSize` leaves.
    ///
    /// - Parameters:
    ///   - leafIndex: The leaf's index (position − 1).
    ///   - treeSize: The number of leaves of the tree (the checkpoint's position).
    ///   - leafHash: ``leafHash(_:)`` of the event's record.
    ///   - path: The proof's hashes, from the leaf's sibling upwards.
    public static func root(leafIndex: UInt64, treeSize: UInt64, leafHash: [UInt8], path: [[UInt8]]) -> [UInt8]? {
        guard leafIndex < treeSize else { return nil }
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        for p in path {
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }
}

/// The right edge of a Merkle tree being grown leaf by leaf: the roots of its complete subtrees,
/// largest first. It gives the root of the leaves so far at any moment, in O(log n) memory.
///
/// ```swift
/// var frontier = MerkleFrontier()
/// frontier.append(leafHash: Merkle.leafHash(record))
/// let root = frontier.root
/// ```
public struct MerkleFrontier: Sendable {
    /// The complete subtrees, largest first: their height (0 for a leaf) and hash.
    private(set) var subtrees: [(height: Int, hash: [UInt8])] = []
    /// How many leaves it holds.
    public private(set) var count: UInt64 = 0

    /// An empty tree.
    public init() {}

    /// Adds the next leaf.
    public mutating func append(leafHash: [UInt8]) {
        append(leafHash: leafHash) { _, _, _ in }
    }

    /// Adds the next leaf; calls `completed` with the height, index (among the nodes of that
    /// height, from 0) and hash of each inner node that the leaf completes, lowest first.
    public mutating func append(
        leafHash: [UInt8], completed: (_ height: Int, _ index: UInt64, _ hash: [UInt8]) throws -> Void
    ) rethrows {
        count += 1
        subtrees.append((0, leafHash))
        while subtrees.count >= 2, subtrees[subtrees.count - 1].height == subtrees[subtrees.count - 2].height {
            let right = subtrees.removeLast()
            let left = subtrees.removeLast()
            let height = left.height + 1
            let hash = Merkle.nodeHash(left.hash, right.hash)
            subtrees.append((height, hash))
            try completed(height, (count >> UInt64(height)) - 1, hash)
        }
    }

    /// Restores the frontier of a tree of `count` leaves from the hashes of its complete
    /// subtrees, largest first (one for each bit set in `count`).
    init(count: UInt64, subtrees: [(height: Int, hash: [UInt8])]) {
        self.count = count
        self.subtrees = subtrees
    }

    /// The root of the leaves so far (`nil` for no leaves).
    public var root: [UInt8]? {
        guard var acc = subtrees.last?.hash else { return nil }
        for subtree in subtrees.dropLast().reversed() { acc = Merkle.nodeHash(subtree.hash, acc) }
        return acc
    }
}
