import ArgumentParser
import BulkheadCore
import EventLog
import Foundation

extension Bulkhead {
    /// `bulkhead keys init FILE`: the Ed25519 key that signs checkpoints and receipts.
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Signing keys for checkpoints and receipts (kept outside the data directory).",
            subcommands: [Init.self])
    }
}

extension Bulkhead.Keys {
    /// `bulkhead keys init FILE`.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new Ed25519 signing key in FILE (mode 0600; an existing file is never overwritten).",
            discussion: """
                Prints the key id: SHA-256 of the 32-byte public key, hexadecimal. Keep FILE outside the \
                data directory and pass it as --signing-key FILE to serve, exec, import, maintain and \
                audit checkpoint; without it nothing is signed.

                Example: bulkhead keys init /etc/bulkhead/signing.key
                """)

        @Argument(help: "The key file to create.") var file: String

        func run() throws {
            let key = try CLIFailure.wrap { try SigningKey.create(at: file) }
            Output.line("created signing key \(file) (mode 0600)")
            Output.line("key id \(key.keyID.hexString)")
            Output.line("public key \(key.publicKey.hexString)")
        }
    }
}

/// The --signing-key option: the key file made by `bulkhead keys init`. There is no default key.
struct SigningOptions: ParsableArguments {
    @Option(name: .customLong("signing-key"),
            help: ArgumentHelp("Sign checkpoints and receipts with this key file (from `bulkhead keys init`); "
                               + "without it nothing is signed.", valueName: "file"))
    var signingKey: String?

    /// The key, or `nil` when none was given.
    func load() throws -> SigningKey? {
        guard let signingKey else { return nil }
        return try CLIFailure.wrap { try SigningKey.load(from: signingKey) }
    }
}

extension SigningKey {
    /// Makes a checkpoint of `record`'s head after a CLI command, and says what it did.
    static func checkpointAfterCommand(_ key: SigningKey?, _ partition: Partition, quiet: Bool) throws {
        guard let key else {
            if !quiet { Output.note("not signed: no --signing-key given, no checkpoint made") }
            return
        }
        let made = try CLIFailure.wrap { try partition.checkpoint(with: key, at: Date()) }
        if !quiet, let made {
            Output.note("checkpoint of tenant \(made.tenant) at position \(made.position) signed by key "
                + "\(made.keyID.hexString.prefix(16))")
        }
    }
}
