import ArgumentParser
import Foundation
import Service
import ServiceLifecycle

extension Bulkhead {
    /// `bulkhead serve [--host 127.0.0.1] [--port 8080] [--data DIR]`: the HTTP service.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP service: applications record mutations and read projections.",
            discussion: """
                Every /v1 route needs Authorization: Bearer <api key>; the key alone says which tenant \
                is served. Issue a key with: bulkhead exec --tenant T --actor YOU tenant.issueApiKey '{"label":"app"}'. \
                X-Bulkhead-Actor must be the e-mail address of a user of the key's tenant (409 otherwise). \
                The contract is Schemas/openapi.yaml. Stops on SIGINT or SIGTERM. Every \
                --maintenance-interval seconds (60) it expires analysis runs active for more than 10 \
                minutes and orphans syncs running for more than 10 minutes, in every tenant, as the \
                actor system:maintenance (off with --no-maintenance).

                Example: bulkhead serve --port 8080 --data ./bulkhead-data
                """)

        @Option(help: "The address to listen on.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8080
        @OptionGroup var data: DataOptions
        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
        @Option(name: .customLong("maintenance-interval"),
                help: "Seconds between two maintenance passes over every tenant (stale runs and syncs).")
        var maintenanceInterval = 60
        @Flag(name: .customLong("no-maintenance"),
              help: "Run no scheduled maintenance (run `bulkhead maintain` from cron instead).")
        var noMaintenance = false

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not between 0 and 65535") }
            guard (1...86_400).contains(maintenanceInterval) else {
                throw ValidationError(
                    "--maintenance-interval \(maintenanceInterval) is not between 1 and 86400 seconds")
            }
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
            var services: [any ServiceLifecycle.Service] = [buildApplication(service)]
            if !noMaintenance {
                services.append(MaintenanceScheduler(
                    stores: service.stores, interval: .seconds(maintenanceInterval), logger: logger))
            }
            let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
