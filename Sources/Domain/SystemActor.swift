/// The actors Bulkhead itself records on the events it appends without a person asking: the
/// scheduled maintenance and a new tenant's first user. Their names start with `system:`, which
/// no actor a caller names may (the CLI's `--actor` and the HTTP `X-Bulkhead-Actor` refuse it),
/// so an audit can always tell Bulkhead's own events from a person's.
public enum SystemActor: String, CaseIterable, Sendable {
    /// Expires stale analysis runs and orphans stale syncs (`bulkhead maintain`, `serve`'s schedule).
    case maintenance = "system:maintenance"
    /// Adds a tenant's first user, its owner (`bulkhead tenant create --owner`, `tenant add-owner`).
    case tenantSetup = "system:tenant-setup"

    /// The prefix reserved for system actors.
    public static let prefix = "system:"

    /// Whether `actor` is in the reserved `system:` namespace (compared on bytes, case-insensitively).
    public static func isReserved(_ actor: String) -> Bool {
        actor.utf8.count >= prefix.utf8.count
            && actor.utf8.prefix(prefix.utf8.count).map { $0 | 0x20 }.elementsEqual(prefix.utf8)
    }
}
