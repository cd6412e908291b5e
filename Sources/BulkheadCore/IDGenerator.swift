import Foundation
import Synchronization

/// Generates UUIDs of version 7: a 48-bit millisecond timestamp followed by 74 bits that are
/// random at the start of each millisecond and count up within it.
///
/// Ids of one generator are strictly increasing while the clock does not step back (RFC 9562,
/// section 6.2, method 2: within one millisecond the previous id's random bits are incremented
/// by a random amount of 1 to 2^32). The `eventIDs` index then takes every insert at its right
/// edge, where LMDB appends without a search and fills pages completely; random ids within a
/// millisecond scattered their inserts over the last pages. The random bits come from the system
/// generator in 64 KiB refills, not one system call per id (Foundation's `UUID()` costs one
/// `getrandom` call each: about 4.5 µs on this machine).
public final class IDGenerator: Sendable {
    private let state = Mutex(State())

    private struct State {
        var pool = [UInt8](repeating: 0, count: 65536)
        var used = 65536
        /// The millisecond of the last id, and its 74 counting bits: 12 in `high` (rand_a),
        /// 62 in `low` (rand_b).
        var millis: UInt64 = 0
        var high: UInt64 = 0
        var low: UInt64 = 0

        mutating func random(_ count: Int) -> UInt64 {
            if used + count > pool.count {
                pool.withUnsafeMutableBytes { fillRandom($0) }
                used = 0
            }
            var value: UInt64 = 0
            for i in 0..<count { value = value << 8 | UInt64(pool[used + i]) }
            used += count
            return value
        }
    }

    private static let lowMask: UInt64 = (1 << 62) - 1
    private static let highMask: UInt64 = (1 << 12) - 1

    /// The process-wide generator.
    public static let shared = IDGenerator()

    /// Creates a generator.
    public init() {}

    /// A new version-7 UUID for the time `date`.
    ///
    /// Within the millisecond of the previous id (or when `date` lies up to 10 seconds before it,
    /// as after a small clock correction), the id continues the previous one's millisecond and
    /// counts up from it; otherwise its first 48 bits are `date`'s milliseconds.
    public func next(at date: Date = Date()) -> UUID {
        let requested = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let (millis, high, low) = state.withLock { s -> (UInt64, UInt64, UInt64) in
            if requested <= s.millis && requested + 10_000 > s.millis {
                // Same millisecond, or the clock stepped back a little: count up.
                s.low &+= 1 &+ s.random(4)
                if s.low > Self.lowMask {
                    s.low &= Self.lowMask
                    s.high += 1
                    if s.high > Self.highMask {
                        // 2^74 ids in one millisecond cannot happen; borrow the next millisecond.
                        s.high = 0
                        s.millis += 1
                    }
                }
            } else {
                s.millis = requested
                let fresh = s.random(8)
                s.high = fresh & Self.highMask
                s.low = s.random(8) & Self.lowMask
                // Leave head room so that counting up within this millisecond rarely carries.
                s.high &= Self.highMask >> 1
            }
            return (s.millis, s.high, s.low)
        }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { out in
            for i in 0..<6 { out[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
            out[6] = 0x70 | UInt8(truncatingIfNeeded: high >> 8)  // version 7
            out[7] = UInt8(truncatingIfNeeded: high)
            out[8] = 0x80 | UInt8(truncatingIfNeeded: low >> 56)  // RFC 4122 variant
            for i in 9..<16 { out[i] = UInt8(truncatingIfNeeded: low >> (8 * (15 - i))) }
        }
        return UUID(uuid: bytes)
    }
}

/// Fills `buffer` from the operating system's generator in one read of `/dev/urandom`, falling
/// back to the standard library's generator (one system call per 8 bytes) where that fails.
func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
    if let base = buffer.baseAddress, let file = fopen("/dev/urandom", "rb") {
        let n = fread(base, 1, buffer.count, file)
        fclose(file)
        if n == buffer.count { return }
    }
    var rng = SystemRandomNumberGenerator()
    for i in 0..<buffer.count { buffer[i] = UInt8.random(in: .min ... .max, using: &rng) }
}
