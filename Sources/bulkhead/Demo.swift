import ArgumentParser
import Foundation
import Workflows

extension Bulkhead {
    /// `bulkhead demo`: the main job on a fresh machine.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill a data directory with demo tenants and tour what Bulkhead does.",
            discussion: """
                Creates a code-intelligence tenant and two football clubs with a few hundred matches, then \
                prints an audit replay, queries, a rebuild of one club's match reports with the other club's \
                file hashes before and after, and a verify. With --signing-key, it also signs a checkpoint of \
                every tenant and proves one event against it. Run it again to repeat the tour on the same data.

                Example: bulkhead keys init /tmp/demo.key && bulkhead demo --data /tmp/bulkhead-demo --signing-key /tmp/demo.key
                """)

        @OptionGroup var data: DataOptions
        @OptionGroup var signing: SigningOptions

        func run() throws {
            let key = try signing.load()
            let directory = try data.open(create: true)
            try CLIFailure.wrap { try DemoScenario(data: directory, signingKey: key, out: Output.line).run() }
        }
    }
}
