import BulkheadCore
import EventLog
import Foundation
import Testing

/// The checkpoint and receipt worked examples of `Schemas/storage-format.md` are what the code
/// signs: read from the document, so the two cannot drift.
@Suite struct CheckpointFormatExampleTests {
    static let tenant = TenantID(UUID(uuidString: "5c0e3f0a-2d1b-4c55-9f3e-1b2a9d0c7e11") ?? UUID())
    static let hash = [UInt8](hex: "15379ed60ea838e4aed6664a3ffa7e694ec9fb83094d0d35fa6aed190ff3e23d") ?? []

    @Test func theCheckpointExampleIsWhatTheCodeSigns() throws {
        let key = try SigningKey(rawPrivateKey: Array(0..<32))
        #expect(key.publicKey.hexString == (try StorageFormatExampleTests.documented("checkpoint-example-public-key")))
        #expect(key.keyID.hexString == (try StorageFormatExampleTests.documented("checkpoint-example-key-id")))
        let record = [UInt8](hex: try StorageFormatExampleTests.documented("worked-example-record")) ?? []
        let root = record.withUnsafeBytes { Merkle.leafHash($0) }
        #expect(root.hexString == (try StorageFormatExampleTests.documented("checkpoint-example-merkle-root")))
        let checkpoint = try Checkpoint(tenant: Self.tenant, position: 1, headHash: Self.hash,
                                        timeMicros: 1_796_320_860_000_000, merkleRoot: root, key: key)
        #expect(checkpoint.signedBytes.count == 150)
        #expect(checkpoint.signedBytes.hexString
            == (try StorageFormatExampleTests.documented("checkpoint-example-signed")))
        #expect(checkpoint.signature.hexString
            == (try StorageFormatExampleTests.documented("checkpoint-example-signature")))
        #expect(checkpoint.isSigned(by: key.publicKey))
    }

    @Test func theReceiptExampleIsWhatTheCodeSigns() throws {
        let key = try SigningKey(rawPrivateKey: Array(0..<32))
        let receipt = try Receipt(tenant: Self.tenant, positions: 1...1, headHash: Self.hash,
                                  recordedAtMicros: 1_796_320_800_123_456, key: key)
        #expect(receipt.signedBytes.count == 123)
        #expect(receipt.signature.hexString == (try StorageFormatExampleTests.documented("receipt-example-signature")))
    }
}
