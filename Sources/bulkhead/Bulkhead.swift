import ArgumentParser
import Foundation

/// The `bulkhead` command: audits, queries, rebuilds and a demo over a data directory.
@main
struct Bulkhead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "A multi-tenant, event-sourced data service on LMDB.",
        discussion: """
            Every mutation is an event in its tenant's own LMDB environment; projections are derived \
            from the events and rebuilt one tenant at a time.

            There is no default tenant: commands that work on one take --tenant (a UUID or a slug).
            The data directory is --data DIR, or $BULKHEAD_DATA, or ./bulkhead-data.

            Exit codes: 0 ok, 1 usage or invalid input, 2 not found, 3 refused or conflict, \
            4 integrity failure, 5 storage or internal failure, 75 unavailable (try again later).

            Example: bulkhead demo && bulkhead query --tenant capo-fc season-table 2025/26
            """,
        subcommands: [
            Demo.self, TenantCommand.self, Exec.self, Import.self, Replay.self, Query.self,
            Rebuild.self, Verify.self, Audit.self, Keys.self, Maintain.self, Stats.self, Backup.self, Restore.self,
            Serve.self,
        ]
    )

    /// Parses and runs, mapping every failure to one line on stderr and a documented exit code.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let wantsJSON = Output.formatArgument(in: arguments) == .json || Output.formatArgument(in: arguments) == .jsonl
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version: ArgumentParser's own output.
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if code != .validationFailure {
                let failure = CLIFailure.from(error)
                Output.reportError(failure, json: wantsJSON)
                Foundation.exit(failure.exitCode)
            }
            // Parsing and validation errors are usage errors: exit 1 with ArgumentParser's message.
            let message = fullMessage(for: error)
            if wantsJSON {
                Output.reportError(CLIFailure(.invalid, code: "usage", message: message), json: true)
            } else {
                FileHandle.standardError.write(Data((message + "\n").utf8))
            }
            Foundation.exit(1)
        }
    }
}
