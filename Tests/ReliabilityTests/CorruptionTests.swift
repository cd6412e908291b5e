import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Testing

/// A tenant's `data.mdb` truncated or overwritten with garbage is refused with one clear error,
/// through `DataDirectory` and through the CLI, and never crashes; other tenants go on working.
///
/// A flipped byte inside a stored event is covered elsewhere: `HashChainTests` (verify names the
/// tenant and position) and `CLITests.verifyExits4OnATamperedStoreNamingTheTenantAndPosition`.
///
/// The `DataDirectory` side runs in a child process (`crashtest open`), because LMDB reads a
/// damaged map through `mmap`: a bug there is a signal, which must fail this test, not end the run.
@Suite struct CorruptionTests {
    enum Damage: String, CaseIterable, CustomStringConvertible {
        case truncatedToZeroBytes, truncatedToOnePage, truncatedToTheMetaPages, truncatedToHalf
        case garbageWholeFile, garbageAfterTheMetaPages, zeroedMetaPages
        var description: String { rawValue }

        func apply(to file: String) throws {
            let url = URL(fileURLWithPath: file)
            var bytes = try Data(contentsOf: url)
            let page = 4096
            var random = SeededBytes(seed: UInt64(rawValue.utf8.count) &* 0x9E37_79B9)
            switch self {
            case .truncatedToZeroBytes: bytes = Data()
            case .truncatedToOnePage: bytes = bytes.prefix(page)
            case .truncatedToTheMetaPages: bytes = bytes.prefix(2 * page)
            case .truncatedToHalf: bytes = bytes.prefix((bytes.count / 2 / page) * page)
            case .garbageWholeFile: bytes = Data((0..<bytes.count).map { _ in random.next() })
            case .garbageAfterTheMetaPages:
                for i in (2 * page)..<bytes.count { bytes[i] = random.next() }
            case .zeroedMetaPages:
                for i in 0..<(2 * page) { bytes[i] = 0 }
            }
            try bytes.write(to: url)
        }
    }

    struct SeededBytes {
        var state: UInt64
        init(seed: UInt64) { state = seed | 1 }
        mutating func next() -> UInt8 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// Two tenants with a few hundred events each; returns alpha's id.
    static func seeded(_ path: String) throws -> (alpha: TenantID, beta: TenantID) {
        let data = try DataDirectory(path: path)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        let engine = TenantEngine(data: data, clock: clock)
        let alpha = try engine.createTenant(
            slug: "alpha", name: "Alpha", owner: "a@example.com", ownerName: "A", at: clock.now
        ).record.id
        let beta = try engine.createTenant(
            slug: "beta", name: "Beta", owner: "a@example.com", ownerName: "A", at: clock.now
        ).record.id
        for tenant in [alpha, beta] {
            let project = try #require(try engine.execute(CreateProject(name: "Damaged"), tenant: tenant, actor: "a@example.com").ids["projectId"])
            for n in 0..<150 {
                _ = try engine.execute(RecordKnowledge(projectId: project, kind: .memoryEntry, content: "entry \(n) " + String(repeating: "m", count: 300)), tenant: tenant, actor: "a@example.com")
            }
        }
        return (alpha, beta)
    }

    @Test(arguments: [Damage.truncatedToOnePage, .garbageWholeFile, .garbageAfterTheMetaPages, .zeroedMetaPages])
    func aDamagedTenantFileIsRefusedWithOneClearErrorAndOtherTenantsWork(_ damage: Damage) throws {
        try expectRefused(damage)
    }

    @Test(arguments: [Damage.truncatedToTheMetaPages, .truncatedToHalf])
    func aTruncatedTenantFileIsRefusedNotACrash(_ damage: Damage) throws {
        try expectRefused(damage)
    }

    @Test(arguments: [Damage.truncatedToZeroBytes])
    func anEmptiedTenantFileIsRefusedNotReinitialized(_ damage: Damage) throws {
        try expectRefused(damage)
    }

    func expectRefused(_ damage: Damage) throws {
        let scratch = try TemporaryDirectory("corrupt-\(damage)")
        let path = scratch.sub("data")
        let (alpha, beta) = try Self.seeded(path)
        let file = path + "/tenants/\(alpha)/data.mdb"
        try damage.apply(to: file)
        let damaged = try Data(contentsOf: URL(fileURLWithPath: file))

        // Through DataDirectory, in a process of its own.
        let opened = try Child.start(try Executables.find("crashtest"), ["open", "--data", path, "--tenant", alpha.description], outputIn: scratch.path).finish()
        #expect(!opened.signaled, "\(damage): opening the tenant through DataDirectory crashed with signal \(opened.status)")
        #expect(opened.status == 1 && opened.stdout.hasPrefix("error: "), "\(damage): expected an error, got exit \(opened.status): \(opened.stdout)\(opened.stderr)")

        // Through the CLI: exit 4 (integrity) or 5 (storage), one line on stderr.
        let query = try bulkhead(["query", "--tenant", "alpha", "projects"], data: path, in: scratch.path)
        #expect(!query.signaled, "\(damage): `bulkhead query` crashed with signal \(query.status)")
        #expect(query.status == 4 || query.status == 5, "\(damage): exit \(query.status); stdout: \(query.stdout) stderr: \(query.stderr)")
        #expect(query.errorLines.count == 1 && query.stderr.hasPrefix("error: "), "\(damage): \(query.stderr)")
        let verify = try bulkhead(["verify", "--tenant", "alpha"], data: path, in: scratch.path)
        #expect(!verify.signaled, "\(damage): `bulkhead verify` crashed with signal \(verify.status)")
        #expect(verify.status == 4 || verify.status == 5, "\(damage): verify exit \(verify.status): \(verify.stdout) \(verify.stderr)")

        // Refusing left the damaged file as it was found, and the other tenant is untouched.
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == damaged, "\(damage): opening the damaged file changed it")
        let other = try bulkhead(["verify", "--tenant", "beta"], data: path, in: scratch.path)
        #expect(other.status == 0, "\(damage): beta (\(beta)) fails beside a damaged alpha: \(other.stdout) \(other.stderr)")
    }
}
