import ArgumentParser
import EventLog
import Foundation
import Projections
import Domain

/// Options every subcommand that touches data shares.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory.", discussion: "Defaults to $BULKHEAD_DATA, then ./bulkhead-data.", valueName: "dir"))
    var data: String?

    /// The directory to use: --data, then BULKHEAD_DATA, then ./bulkhead-data.
    var path: String { data ?? ProcessInfo.processInfo.environment["BULKHEAD_DATA"] ?? "./bulkhead-data" }

    /// Opens the data directory; it must exist unless `create` is true.
    func open(create: Bool = false) throws -> DataDirectory {
        if !create && !FileManager.default.fileExists(atPath: path + "/catalog") {
            throw CLIFailure(
                .notFound, code: "not_found",
                message: "no Bulkhead data directory at \(path) "
                    + "(run `bulkhead demo` or `bulkhead tenant create` first, or pass --data DIR)")
        }
        return try CLIFailure.wrap { try DataDirectory(path: path) }
    }
}

/// The --tenant option: required wherever tenant data is touched. There is no default tenant.
struct TenantOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The tenant: its UUID or its slug (required; there is no default tenant).", valueName: "tenant"))
    var tenant: String?

    /// The tenant record, or a failure saying the tenant is missing or unknown (with close slugs).
    func resolve(_ data: DataDirectory) throws -> TenantRecord {
        guard let tenant, !tenant.isEmpty else {
            throw CLIFailure(
                .invalid, code: "missing_tenant",
                message: "no tenant given: pass --tenant with a tenant's UUID or slug (there is no default tenant)")
        }
        return try CLIFailure.wrap { try data.resolveTenant(tenant) }
    }
}

/// `--tenant T` or `--all-tenants`, exactly one of them: for commands that run per tenant.
struct TenantSelection: ParsableArguments {
    @OptionGroup var tenant: TenantOptions
    @Flag(name: .customLong("all-tenants"), help: "Every tenant of the data directory.") var allTenants = false

    func validate() throws {
        if allTenants && tenant.tenant != nil {
            throw ValidationError("give --tenant T or --all-tenants, not both")
        }
        if !allTenants && tenant.tenant == nil {
            throw ValidationError("give --tenant T or --all-tenants (there is no default tenant)")
        }
    }

    /// The selected tenants: the one named, or every registered tenant by slug.
    func resolve(_ data: DataDirectory) throws -> [TenantRecord] {
        allTenants ? try CLIFailure.wrap { try data.catalog.allTenants() } : [try tenant.resolve(data)]
    }
}

/// The --format option of commands whose output is data.
struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: table (for people), json, jsonl or csv (for scripts).")
    var format: OutputFormat = .table
}

/// Output formats.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

/// The engine over a data directory, with the system clock.
func engine(_ data: DataDirectory) -> TenantEngine {
    TenantEngine(data: data, clock: SystemClock())
}

/// The tenants' stores over a data directory, with the system clock: every read and write of a
/// tenant goes through its store, as in the HTTP service.
func stores(_ data: DataDirectory) -> Stores {
    Stores(engine: engine(data))
}
