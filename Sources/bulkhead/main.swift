import ArgumentParser
import BulkheadCore
import EventLog
import Foundation

/// The `bulkhead` command: audits, queries, rebuilds and a demo over a data directory.
@main
struct Bulkhead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "A multi-tenant, event-sourced data service on LMDB.",
        discussion: """
            Exit codes: 0 ok, 1 usage, 2 not found, 3 refused or conflict, 4 integrity failure.
            There is no default tenant: commands that need one take --tenant (a UUID or a slug).
            """,
        subcommands: [Demo.self]
    )
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (or set BULKHEAD_DATA).")
    var data: String = ProcessInfo.processInfo.environment["BULKHEAD_DATA"] ?? "./bulkhead-data"
}

extension Bulkhead {
    /// Fills a fresh data directory with two tenants' events and reads them back.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a data directory with demo tenants and show what Bulkhead does.",
            discussion: "Example: bulkhead demo --data /tmp/bulkhead-demo")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let fm = FileManager.default
            if fm.fileExists(atPath: global.data) {
                let contents = try fm.contentsOfDirectory(atPath: global.data)
                guard contents.isEmpty else {
                    throw ValidationError("the data directory \(global.data) is not empty; the demo needs a fresh one (remove it or pass --data DIR)")
                }
            }
            let data = try DataDirectory(path: global.data)
            let now = Date()
            let ids = IDGenerator.shared
            let clubs = [("berko-tnf", "Berko TNF"), ("capo-fc", "Capo FC")]
            for (slug, name) in clubs {
                let tenant = try data.createTenant(slug: slug, name: name, id: .random(), at: now)
                let partition = try data.partition(for: tenant.id)
                for match in 1...5 {
                    let payload = Array("match \(match) of \(name)".utf8)
                    let event = NewEvent(eventID: ids.next(), type: "match.recorded", schemaVersion: 1, payload: payload,
                                         actor: "organiser@\(slug).example", correlationID: ids.next(), causationID: nil)
                    _ = try partition.append(stream: "match-\(match)", expected: .noStream, events: [event], recordedAt: now)
                }
                print("tenant \(tenant.slug) (\(tenant.id)) in \(data.directory(of: tenant.id))")
                try partition.read { log in
                    try log.scan(from: 1) { event in
                        print("  #\(event.position) \(event.type) \(event.streamID) v\(event.streamVersion) by \(event.actor)")
                        return true
                    }
                }
                print("  verify: \(try partition.verify())")
            }
        }
    }
}
