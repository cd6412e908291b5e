import ArgumentParser
import BulkheadCore
import Domain
import EventLog
import Foundation
import Projections
import Workflows

extension Bulkhead {
    /// `bulkhead import --tenant T --actor USER FILE.jsonl`.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one command per line of a JSON Lines file.",
            discussion: """
                Each line is {"command": NAME, "input": {...}}. Each line's result or refusal is reported with \
                its line number. Each command commits on its own: with --on-error stop, lines after a refusal \
                are not run; with continue, they are. The exit code is that of the first refusal, or 0.

                Example: bulkhead import --tenant capo-fc --actor organiser@capo-fc.example matches.jsonl --on-error continue
                """)

        enum OnError: String, ExpressibleByArgument { case stop, `continue` }

        @OptionGroup var data: DataOptions
        @OptionGroup var tenant: TenantOptions
        @Option(
            help: "The user recorded as the actor of the events (required): the e-mail address of a user of the tenant."
        )
        var actor: String?
        @Argument(help: "The JSON Lines file, or - for standard input.") var file: String
        @Option(name: .customLong("on-error"), help: "stop or continue after a refused line.") var onError: OnError = .stop
        @OptionGroup var output: FormatOptions
        @OptionGroup var signing: SigningOptions

        func run() throws {
            let key = try signing.load()
            let directory = try data.open()
            let record = try tenant.resolve(directory)
            guard let actor else {
                throw CLIFailure(
                    .invalid, code: "invalid",
                    message: "no actor given: pass --actor with the user who runs the commands")
            }
            let content: Data
            do {
                content = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw CLIFailure(.notFound, code: "not_found", message: "cannot read \(file): \(readFailure(error))")
            }
            // Split the bytes, not a decoded string: a line that is not valid UTF-8 is refused with
            // its number instead of being silently repaired.
            let lines = content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let store = try CLIFailure.wrap { try stores(directory).store(for: record.id) }
            let progress = Progress(label: "import")
            var firstFailure: CLIFailure?
            var applied = 0, refused = 0
            for (index, raw) in lines.enumerated() {
                let number = index + 1
                let decoded = String(validating: raw, as: UTF8.self)
                let text = decoded?.trimmingCharacters(in: .whitespaces) ?? "?"
                if text.isEmpty { continue }
                progress.update(UInt64(number), of: UInt64(lines.count))
                do {
                    guard decoded != nil else {
                        throw CLIFailure(.invalid, code: "invalid", message: "the line is not valid UTF-8")
                    }
                    let (name, input) = try parse(text, line: number)
                    let outcome = try CLIFailure.wrap {
                        try store.write(try CommandCatalog.decode(name: name, json: input), actor: actor)
                    }
                    applied += 1
                    var result = CommandResult(outcome)
                    if let key, outcome.positions != nil {
                        result.receipt = try CLIFailure.wrap {
                            let partition = try directory.partition(for: record.id)
                            try partition.register(key, at: Date())
                            return try outcome.receipt(signedWith: key, reusing: nil, partition: partition)
                        }?.json
                    }
                    report(number, result, nil)
                } catch {
                    let failure = CLIFailure.from(error)
                    refused += 1
                    firstFailure = firstFailure ?? failure
                    report(number, nil, failure)
                    if onError == .stop { break }
                }
            }
            progress.finish()
            if output.format == .table { Output.line("\(applied) applied, \(refused) refused") }
            if applied > 0 {
                let partition = try CLIFailure.wrap { try directory.partition(for: record.id) }
                try SigningKey.checkpointAfterCommand(key, partition, quiet: output.format != .table)
            }
            if let firstFailure { throw ExitCode(firstFailure.exitCode) }
        }

        /// A line's command name and its input's bytes, exactly as written (the command decoder
        /// then sees what the user wrote: its duplicate keys, its size).
        func parse(_ text: String, line: Int) throws -> (String, Data) {
            let data = Data(text.utf8)
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw CLIFailure(
                        .invalid, code: "invalid",
                        message: "expected a JSON object {\"command\": NAME, \"input\": {...}}")
                }
                object = parsed
            } catch let failure as CLIFailure {
                throw failure
            } catch {
                throw CLIFailure(
                    .invalid, code: "invalid",
                    message: "malformed JSON: \(StrictJSON.describe(error)) "
                        + "(expected {\"command\": NAME, \"input\": {...}})")
            }
            if let duplicate = StrictJSON.firstDuplicateKey(data) {
                throw CLIFailure(
                    .invalid, code: "invalid",
                    message: "field '\(duplicate)': appears twice in one object")
            }
            if let unknown = object.keys.sorted().first(where: { $0 != "command" && $0 != "input" }) {
                throw CLIFailure(
                    .invalid, code: "invalid",
                    message: "unknown field '\(unknown)' (a line has 'command' and 'input')")
            }
            guard let name = object["command"] as? String else {
                throw CLIFailure(.invalid, code: "invalid", message: "field 'command': missing or not a string")
            }
            guard object["input"] == nil || object["input"] is [String: Any] else {
                throw CLIFailure(.invalid, code: "invalid", message: "field 'input': expected a JSON object")
            }
            return (name, StrictJSON.rawMember("input", in: data) ?? Data("{}".utf8))
        }

        /// One line's JSON report: `{"line": N, "result": {...}}` or `{"line": N, "error": {...}}`.
        struct LineReport: Encodable {
            let line: Int
            let result: CommandResult?
            let error: CLIErrorBody.Detail?
        }

        func report(_ line: Int, _ outcome: CommandResult?, _ failure: CLIFailure?) {
            switch output.format {
            case .json, .jsonl, .csv:
                let report = LineReport(line: line, result: outcome, error: failure.map { CLIErrorBody($0).error })
                if let json = try? EventCatalog.jsonEncoder.encode(report) {
                    Output.line(String(decoding: json, as: UTF8.self))
                }
            case .table:
                if let outcome {
                    let where_ = outcome.positions.map { $0[0] == $0[1] ? "#\($0[0])" : "#\($0[0])-\($0[1])" } ?? "-"
                    Output.line("line \(line): \(outcome.command) \(outcome.status) \(where_)")
                } else if let failure {
                    Output.line("line \(line): error: \(failure.message)")
                }
            }
        }
    }
}
