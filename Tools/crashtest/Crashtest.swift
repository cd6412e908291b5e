import ArgumentParser
import BulkheadCore
import Foundation

/// `crashtest`: the driver (the default) and the child modes it and the reliability tests start.
@main
struct Crashtest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crashtest",
        abstract: "Kill writers and rebuilds with SIGKILL and check that nothing acknowledged is lost.",
        discussion: """
            Without a mode, runs the driver: each round starts a writer child, a rebuild child or both, \
            kills them after a random delay, then checks every acknowledged event, every hash chain and \
            every projection. The other modes are the children (and the reliability tests' helpers).

            Exit codes: 0 all rounds passed, 1 a round failed or a child failed, 64 usage.

            `crashtest drive --help` lists the driver's options, `crashtest MODE --help` a mode's.

            Example: crashtest --rounds 500 --seed 1 --data /tmp/crash
            """,
        subcommands: [Drive.self, Writer.self, Rebuild.self, Race.self, Open.self],
        defaultSubcommand: Drive.self)

    /// The driver: rounds of kills and checks.
    struct Drive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run rounds of kills and checks; prints one line per round and \"N passed, M failed\".")

        @OptionGroup var options: Options

        func run() throws {
            do {
                Foundation.exit(try Driver(options: options).run())
            } catch {
                fail("\(error)", code: 1)
            }
        }
    }

    /// A writer child: random domain commands until killed, each event acknowledged after its commit.
    struct Writer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run random commands until killed; print \"ack TENANT POSITION EVENT_ID\" per event.")

        @OptionGroup var options: Options

        func validate() throws { try options.require(data: true, tenants: true) }

        func run() throws { child { try runWriter(options) } }
    }

    /// A rebuild child: rebuilds the tenants' projections over and over until killed.
    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the tenants' projections until killed; print \"rebuilt TENANT EVENTS RUNS\".")

        @OptionGroup var options: Options

        func validate() throws { try options.require(data: true, tenants: true) }

        func run() throws { child { try runRebuilder(options) } }
    }

    /// Appends to one stream with an exact expected version, for the concurrency tests.
    struct Race: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append to one stream with the version read just before; print \"ok ...\" or \"conflict\".")

        @OptionGroup var options: Options

        func validate() throws { try options.require(data: true, tenants: true) }

        func run() throws { child { try runRace(options) } }
    }

    /// Opens one tenant as any tool would, for the corruption tests: an error, never a crash.
    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a tenant, verify its chain, check its projections; print \"ok EVENTS\" or \"error: ...\".")

        @OptionGroup var options: Options

        func validate() throws { try options.require(data: true, tenants: true) }

        func run() throws { runOpen(options) }
    }
}

/// Runs a child mode; an error it throws is one line on stderr and exit 1.
func child(_ body: () throws -> Never) -> Never {
    do {
        try body()
    } catch {
        fail("\(error)", code: 1)
    }
}

/// The options of every mode (each mode reads the ones its help names).
struct Options: ParsableArguments {
    @Option(help: "Driver: rounds to run.")
    var rounds = 100

    @Option(help: ArgumentHelp("Driver, writer, rebuild: the seed of the random choices (default: the time now).",
                               valueName: "seed"))
    var seed: UInt64?

    @Option(help: ArgumentHelp(
        "The data directory (driver: the root of its stores, a new temporary one by default).", valueName: "dir"))
    var data: String?

    @Option(
        name: .customLong("tenants"),
        help: ArgumentHelp("Writer, rebuild: the tenants to work on.", valueName: "uuid,uuid,..."),
        transform: Options.tenantList)
    var tenantList: [TenantID]?

    @Option(
        name: .customLong("tenant"),
        help: ArgumentHelp("Race, open: the tenant to work on.", valueName: "uuid"),
        transform: Options.tenantID)
    var tenant: TenantID?

    @Option(help: "Driver: tenants in each store.")
    var tenantCount = 3

    @Option(help: "Driver: start a fresh store every this many rounds (0: never).")
    var freshEvery = 100

    @Flag(help: "Driver: keep the data directory even when every round passed.")
    var keep = false

    @Option(help: ArgumentHelp("Driver, writer, rebuild: the manual clock's start, in seconds since 1970.",
                               valueName: "seconds"))
    var clock: Double = 1_790_000_000

    @Option(help: ArgumentHelp(
        "Rebuild: the rebuild's memory budget in bytes; a small one spills sorted runs (1: after every batch).",
        valueName: "bytes"))
    var memory = 1

    @Option(help: "Race: the stream to append to.")
    var stream = "race"

    @Option(help: "Race: appends to attempt.")
    var attempts = 100

    /// The tenants given: `--tenant`, else `--tenants`.
    var tenants: [TenantID] { tenant.map { [$0] } ?? tenantList ?? [] }

    func validate() throws {
        let counts = [("--rounds", rounds), ("--fresh-every", freshEvery), ("--attempts", attempts)]
        for (name, value) in counts where value < 0 {
            throw ValidationError("\(name) must not be negative (got \(value))")
        }
        for (name, value) in [("--tenant-count", tenantCount), ("--memory", memory)] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
        guard clock.isFinite else { throw ValidationError("--clock must be a finite number of seconds") }
    }

    /// Throws a usage error unless `--data` and (with `tenants`) a tenant were given.
    func require(data needsData: Bool, tenants needsTenants: Bool) throws {
        if needsData && (data ?? "").isEmpty { throw ValidationError("this mode needs --data DIR") }
        if needsTenants && tenants.isEmpty {
            throw ValidationError("this mode needs --tenants UUID,... or --tenant UUID")
        }
    }

    /// A seed from the time now, for runs without `--seed`.
    static func clockSeed() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

    static func tenantID(_ text: String) throws -> TenantID {
        guard let id = TenantID(text) else { throw ValidationError("'\(text)' is not a tenant UUID") }
        return id
    }

    static func tenantList(_ text: String) throws -> [TenantID] {
        try text.split(separator: ",").map { try tenantID(String($0)) }
    }
}
