import ArgumentParser
import EventLog
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
                actor system:maintenance (off with --no-maintenance). With --signing-key FILE every \
                applied command's answer carries a signed receipt, and each tenant's head is checkpointed \
                every --checkpoint-every events (1000) and every --checkpoint-minutes minutes (5) when \
                its log moved; without it nothing is signed (and the log says so at start).

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
        @OptionGroup var signing: SigningOptions
        @Option(name: .customLong("checkpoint-every"),
                help: "Checkpoint a tenant's head once it is this many events past its last checkpoint.")
        var checkpointEvery: UInt64 = 1000
        @Option(name: .customLong("checkpoint-minutes"),
                help: "Minutes between two checkpoints of every tenant whose log moved.")
        var checkpointMinutes = 5

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not between 0 and 65535") }
            guard (1...86_400).contains(maintenanceInterval) else {
                throw ValidationError(
                    "--maintenance-interval \(maintenanceInterval) is not between 1 and 86400 seconds")
            }
            guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be 1 or more") }
            guard (1...1440).contains(checkpointMinutes) else {
                throw ValidationError("--checkpoint-minutes \(checkpointMinutes) is not between 1 and 1440")
            }
            guard ServiceLogging.levels.contains(logLevel) else {
                throw ValidationError("--log-level '\(logLevel)' is not one of \(ServiceLogging.levels.joined(separator: ", "))")
            }
        }

        func run() async throws {
            // An existing data directory only: every route needs a tenant's API key, so a service
            // on a new, empty directory (a mistyped --data, say) could answer nothing but 401.
            let key = try signing.load()
            let directory = try data.open()
            guard let logger = ServiceLogging.standardErrorLogger(level: logLevel) else { throw ValidationError("bad --log-level") }
            var configuration = ServiceConfiguration(host: host, port: port, dataPath: data.path, logger: logger)
            configuration.signingKey = key
            configuration.checkpointEvery = checkpointEvery
            configuration.checkpointInterval = .seconds(60 * checkpointMinutes)
            let service = BulkheadService(configuration, data: directory)
            logger.info("serving \(data.path) on http://\(host):\(port)")
            if let key {
                logger.info("signing receipts and checkpoints with key \(key.keyID.hexString)")
            } else {
                logger.notice(
                    "not signing: no --signing-key given, answers carry no receipts and no checkpoints are made")
            }
            var services: [any ServiceLifecycle.Service] = [buildApplication(service)]
            if !noMaintenance {
                services.append(MaintenanceScheduler(
                    stores: service.stores, interval: .seconds(maintenanceInterval), logger: logger))
            }
            if let signer = service.signer {
                services.append(CheckpointScheduler(
                    signer: signer, pool: service.stores.readPool, interval: configuration.checkpointInterval,
                    logger: logger))
            }
            let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
