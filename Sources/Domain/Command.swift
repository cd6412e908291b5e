import BulkheadCore
import Foundation

/// A domain command: decoded strictly from JSON at the edges, checked against the tenant's
/// current state inside one write transaction, and either turned into events or refused with a
/// ``CommandError`` that names what was wrong. A refusal writes nothing.
public protocol Command: Codable, Sendable {
    /// The command's name, e.g. `project.create`: the contract the CLI and HTTP service expose.
    static var name: String { get }

    /// Checks the command's fields and the tenant's state and decides the events to append.
    ///
    /// - Throws: ``CommandError``.
    func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision
}

/// Every command, by name.
public enum CommandCatalog {
    /// The command types in catalogue order.
    public static let commandTypes: [any Command.Type] = [
        AddUser.self, RemoveUser.self, SetConfig.self, IssueAPIKey.self, RevokeAPIKey.self, SetModelPreference.self,
        CreateProject.self, UpdateProject.self, DeleteProject.self, ImportSource.self, CreateNote.self,
        PublishBlogPost.self, UpdateBlogPost.self, DeleteBlogPost.self, RecordKnowledge.self,
        RequestAnalysis.self, CompleteAnalysis.self, FailAnalysis.self, ExpireStaleAnalyses.self,
        StartSync.self, CompleteSync.self, FailSync.self, CleanupOrphanSyncs.self,
        DefineSeason.self, RegisterPlayer.self, RecordMatch.self, CorrectMatch.self, DeleteMatch.self,
    ]

    /// Every command name.
    public static var names: [String] { commandTypes.map { $0.name } }

    /// The largest JSON body a command may have.
    public static let maxBodyBytes = 256 * 1024

    /// Decodes the command `name` from its JSON body, strictly.
    ///
    /// - Throws: ``CommandError/unknownCommand(_:known:)`` or ``CommandError/invalid(field:reason:)``.
    public static func decode(name: String, json: Data) throws -> any Command {
        guard let type = commandTypes.first(where: { $0.name == name }) else {
            throw CommandError.unknownCommand(name, known: names)
        }
        guard json.count <= maxBodyBytes else {
            throw CommandError.invalid(field: "(body)", reason: "the body is \(json.count) bytes; the limit is \(maxBodyBytes)")
        }
        do {
            return try decodeStrictly(type, json)
        } catch let error as InputError {
            throw CommandError(error)
        }
    }

    private static func decodeStrictly<C: Command>(_ type: C.Type, _ json: Data) throws -> any Command {
        try StrictJSON.decode(C.self, from: json)
    }
}
