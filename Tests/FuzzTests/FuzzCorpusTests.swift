import Foundation
import FuzzHarness
import Testing

/// Replays the fuzz corpus of `Tests/Fixtures/fuzz/` through the fuzz targets' bodies, without
/// libFuzzer: every seed must decode, every crash input libFuzzer ever found (`crash-*`,
/// `timeout-*`, `oom-*`) must now end in a decoded value or a typed error. See
/// `Tests/Fixtures/fuzz/README.md`.
@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    /// Every fixture, as `target/file`.
    static let fixtures: [String] = FuzzTarget.allCases.flatMap { target in
        FuzzReplay.files(root.appendingPathComponent(target.rawValue).path).map { "\(target.rawValue)/\(($0 as NSString).lastPathComponent)" }
    }

    static func load(_ fixture: String) throws -> (FuzzTarget, [UInt8]) {
        let parts = fixture.split(separator: "/", maxSplits: 1).map(String.init)
        let target = try #require(FuzzTarget(rawValue: parts[0]))
        return (target, Array(try Data(contentsOf: root.appendingPathComponent(fixture))))
    }

    /// Runs `target`'s body on `bytes`. (An untyped closure: a typed-throws closure returning
    /// `Void` to `withUnsafeBytes` crashes Swift 6.3.1's IRGen.)
    @discardableResult
    static func run(_ target: FuzzTarget, _ bytes: [UInt8]) throws -> String {
        try bytes.withUnsafeBytes { raw in try target.run(raw) }
    }

    static func seeds(_ target: FuzzTarget) throws -> [[UInt8]] {
        try fixtures.filter { $0.hasPrefix("\(target.rawValue)/seed-") }.map { try load($0).1 }
    }

    @Test func eachTargetHasSeeds() {
        for target in FuzzTarget.allCases {
            #expect(Self.fixtures.filter { $0.hasPrefix("\(target.rawValue)/seed-") }.count >= 5, "\(target)")
        }
    }

    @Test(arguments: fixtures)
    func fixtureReplays(_ fixture: String) throws {
        let (target, bytes) = try Self.load(fixture)
        let outcome = try Self.run(target, bytes)
        if (fixture as NSString).lastPathComponent.hasPrefix("seed-") {
            #expect(outcome == "decoded", "a seed must be a valid input")
        }
    }

    /// Every prefix and every single-byte change of each envelope seed: refused or decoded, never
    /// a trap (a deterministic slice of what the fuzzer does).
    @Test func envelopeSeedMutations() throws {
        for seed in try Self.seeds(.envelope) {
            for length in 0..<seed.count {
                try Self.run(.envelope, Array(seed[..<length]))
            }
            for index in seed.indices {
                for mask: UInt8 in [0x01, 0x80, 0xFF] {
                    var mutated = seed
                    mutated[index] ^= mask
                    try Self.run(.envelope, mutated)
                }
            }
        }
    }

    /// Every prefix of each command seed (truncated JSON): refused, never a trap.
    @Test func commandSeedPrefixes() throws {
        for seed in try Self.seeds(.command) {
            for length in 0..<seed.count {
                try Self.run(.command, Array(seed[..<length]))
            }
        }
    }

    /// The seed generator still runs, and what it makes decodes.
    @Test func seedGeneratorMakesValidSeeds() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-fuzz-seeds-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let counts = try FuzzSeeds.write(into: directory.path)
        #expect(counts.envelope >= 20 && counts.command >= 20)
        // Record format 2 (a command submitted with an API key) is in the corpus too.
        let envelopes = FuzzReplay.files(directory.appendingPathComponent("envelope").path)
        #expect(envelopes.contains { $0.hasSuffix("-api-key.bin") }, "no format-2 seed among \(envelopes)")
        for target in FuzzTarget.allCases {
            for path in FuzzReplay.files(directory.appendingPathComponent(target.rawValue).path) {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                #expect(try Self.run(target, bytes) == "decoded", "\(path)")
            }
        }
    }
}
