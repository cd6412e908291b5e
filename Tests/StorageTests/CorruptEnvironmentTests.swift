import Foundation
import Storage
import Testing

/// Files that are not an LMDB environment are refused with an error, never a crash, and left as found.
@Suite struct CorruptEnvironmentTests {
    @Test(arguments: [100, 8 * 1024, 64 * 1024])
    func aDataFileOfRandomBytesIsRefusedWithAStorageError(size: Int) throws {
        try withTemporaryDirectory { dir in
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let file = (dir as NSString).appendingPathComponent("data.mdb")
            try Data(garbage).write(to: URL(fileURLWithPath: file))

            let error = #expect(throws: StorageError.self) { try Environment(path: dir) }
            #expect(error?.code == .invalid || error?.code == .corrupted, "code: \(error.map { "\($0.code.rawValue)" } ?? "none")")
            #expect(error?.context.contains(dir) == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(garbage))
        }
    }
}
