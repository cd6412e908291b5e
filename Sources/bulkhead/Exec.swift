import ArgumentParser
import BulkheadCore
import Domain
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

                Example: bulkhead exec --tenant codemcp-labs --actor oliver@codemcp.example project.create '{"name":"CodeMCP","scanPath":""}'
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(help: "The user recorded as the actor of the events (required).") var actor: String?
        @Argument(help: "The command's name, e.g. project.create.") var command: String
        @Argument(help: "The command's JSON: inline, @FILE or -.") var input: String = "{}"
        @OptionGroup var output: FormatOptions

        func run() throws {
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            guard let actor else {
                throw CLIFailure(code: "invalid", message: "no actor given: pass --actor with the user who runs the command", exitCode: 1)
            }
            let json = try readInput(input)
            let outcome = try CLIFailure.wrap {
                try engine(directory).execute(name: command, json: json, tenant: record.id, actor: actor)
            }
            try CommandResult(outcome).print(output.format)
        }
    }
}

/// Reads a command's JSON: inline text, `@FILE`, or `-` for standard input.
func readInput(_ input: String) throws -> Data {
    if input == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    if input.hasPrefix("@") {
        let path = String(input.dropFirst())
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure(code: "not_found", message: "cannot read the input file \(path)", exitCode: 2)
        }
        return data
    }
    return Data(input.utf8)
}
