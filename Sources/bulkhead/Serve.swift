import ArgumentParser
import Foundation
import Service

extension Bulkhead {
    /// `bulkhead serve [--host 127.0.0.1] [--port 8080] [--data DIR]`: the HTTP service.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP service: applications record mutations and read projections.",
            discussion: """
                Every /v1 route needs Authorization: Bearer <api key>; the key alone says which tenant \
                is served. Issue a key with: bulkhead exec --tenant T --actor YOU tenant.issueApiKey '{"label":"app"}'. \
                The contract is Schemas/openapi.yaml. Stops on SIGINT or SIGTERM.

                Example: bulkhead serve --port 8080 --data ./bulkhead-data
                """)

        @Option(help: "The address to listen on.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8080
        @OptionGroup var data: DataOptions
        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not between 0 and 65535") }
            guard ServiceLogging.levels.contains(logLevel) else {
                throw ValidationError("--log-level '\(logLevel)' is not one of \(ServiceLogging.levels.joined(separator: ", "))")
            }
        }

        func run() async throws {
            // An existing data directory only: every route needs a tenant's API key, so a service
            // on a new, empty directory (a mistyped --data, say) could answer nothing but 401.
            let directory = try data.open()
            guard let logger = ServiceLogging.standardErrorLogger(level: logLevel) else { throw ValidationError("bad --log-level") }
            let service = BulkheadService(ServiceConfiguration(host: host, port: port, dataPath: data.path, logger: logger), data: directory)
            logger.info("serving \(data.path) on http://\(host):\(port)")
            try await buildApplication(service).runService()
        }
    }
}
