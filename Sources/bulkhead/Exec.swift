import ArgumentParser
import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Workflows

extension CommandResult {
    /// Prints the result in `format`.
    func print(_ format: OutputFormat) throws {
        var pairs: [(String, String)] = [("command", command), ("status", status)]
        pairs += ids.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let positions { pairs.append(("positions", positions[0] == positions[1] ? "\(positions[0])" : "\(positions[0])-\(positions[1])")) }
        for e in events { pairs.append(("event", "#\(e.position) \(e.type) on \(e.stream)")) }
        if let skipped { pairs.append(("skipped", skipped.reason)) }
        if let apiKey { pairs.append(("apiKey", "\(apiKey)  (shown once: only its hash is stored)")) }
        if let receipt {
            pairs.append(("receipt", "positions \(receipt.firstPosition)-\(receipt.lastPosition), head "
                + "\(receipt.headHash.prefix(16)), key \(receipt.keyId.prefix(16)), signature \(receipt.signature)"))
        } else if positions != nil {
            pairs.append(("receipt", "none (no --signing-key: nothing signed)"))
        }
        try Output.write(self, format: format, pairs: pairs)
    }
}

extension Bulkhead {
    /// `bulkhead exec --tenant T --actor USER COMMAND [JSON | @FILE | -]`.
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a domain command for a tenant.",
            discussion: """
                The input is the command's JSON object: inline, @FILE, or - for standard input (default {}). \
                Commands: \(CommandCatalog.names.joined(separator: ", ")).

                Example: bulkhead exec --tenant codemcp-labs --actor oliver.baer@codemcp.example project.create '{"name":"CodeMCP","scanPath":""}'
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(
            help: "The user recorded as the actor of the events (required): the e-mail address of a user of the tenant."
        )
        var actor: String?
        @Argument(help: "The command's name, e.g. project.create.") var command: String
        @Argument(help: "The command's JSON: inline, @FILE or -.") var input: String = "{}"
        @OptionGroup var output: FormatOptions
        @OptionGroup var signing: SigningOptions

        func run() throws {
            let key = try signing.load()
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            guard let actor else {
                throw CLIFailure(
                    .invalid, code: "invalid",
                    message: "no actor given: pass --actor with the user who runs the command")
            }
            let json = try readInput(input)
            let outcome = try CLIFailure.wrap {
                try stores(directory).store(for: record.id).write(
                    try CommandCatalog.decode(name: command, json: json), actor: actor)
            }
            var result = CommandResult(outcome)
            let partition = try CLIFailure.wrap { try directory.partition(for: record.id) }
            if let key, outcome.positions != nil {
                result.receipt = try CLIFailure.wrap {
                    try partition.register(key, at: Date())
                    return try outcome.receipt(signedWith: key, reusing: nil, partition: partition)
                }?.json
            }
            try result.print(output.format)
            if outcome.positions != nil {
                try SigningKey.checkpointAfterCommand(key, partition, quiet: output.format != .table)
            }
        }
    }
}

/// Reads a command's JSON: inline text, `@FILE`, or `-` for standard input. A file or standard
/// input is read up to one byte past the largest body a command may have: more is refused by
/// its size without reading it all (`@/dev/zero` would never end).
func readInput(_ input: String) throws -> Data {
    let limit = CommandCatalog.maxBodyBytes
    func bounded(_ handle: FileHandle, _ source: String) throws -> Data {
        var data = Data()
        while data.count <= limit, let chunk = try handle.read(upToCount: limit + 1 - data.count), !chunk.isEmpty {
            data.append(chunk)
        }
        guard data.count <= limit else {
            throw CLIFailure(
                .invalid, code: "invalid",
                message: "\(source) is over \(limit) bytes, the largest command body")
        }
        return data
    }
    if input == "-" { return try bounded(FileHandle.standardInput, "standard input") }
    // The byte '@', not the Character: "@\u{301}x" names the file "\u{301}x".
    if input.utf8.first == UInt8(ascii: "@") {
        let path = String(decoding: input.utf8.dropFirst(), as: UTF8.self)
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw CLIFailure(
                .notFound, code: "not_found",
                message: "cannot read the input file \(path): \(readFailure(error))")
        }
        defer { try? handle.close() }  // read-only: nothing to lose on close
        do {
            return try bounded(handle, "the input file \(path)")
        } catch let failure as CLIFailure {
            throw failure
        } catch {
            throw CLIFailure(
                .notFound, code: "not_found",
                message: "cannot read the input file \(path): \(readFailure(error))")
        }
    }
    return Data(input.utf8)
}

/// Why a file could not be read, in the system's words (no such file, permission denied, ...).
func readFailure(_ error: any Error) -> String {
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    if let posix = underlying, posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
    return (error as NSError).localizedDescription
}
