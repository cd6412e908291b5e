import Crypto

/// A 32-byte SHA-256 value of the hash chain, held inline (no heap allocation per event).
struct ChainHash: Equatable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Copies 32 bytes; `nil` for any other length.
    init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count == 32 else { return nil }
        Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
    }

    init(_ digest: SHA256Digest) {
        digest.withUnsafeBytes { raw in
            Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
        }
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    static func == (a: ChainHash, b: ChainHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
}
