import BulkheadCore
import Crypto
import Foundation

/// `tenant.addUser`: adds a user account (a tenant may have several, e.g. two e-mail aliases of one person).
public struct AddUser: Command {
    public static let name = "tenant.addUser"
    /// The new user's id; generated when omitted.
    public var userId: UUID?
    /// The account's e-mail address (unique within the tenant).
    public var email: String
    /// The name shown for the user (1 to 100 bytes).
    public var displayName: String

    /// Creates the command.
    public init(userId: UUID? = nil, email: String, displayName: String) {
        self.userId = userId
        self.email = email
        self.displayName = displayName
    }

    /// Checks the fields alone, without a tenant's state (before a tenant is created for them).
    ///
    /// - Throws: ``CommandError/invalid(field:reason:)``.
    public static func checkFields(email: String, displayName: String) throws {
        try Check.email(email, "email")
        try Check.text(displayName, "displayName", max: 100)
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Self.checkFields(email: email, displayName: displayName)
        if let existing = try state.user(email: email) {
            throw CommandError.refused("a user with e-mail '\(email)' already exists (\(existing.userId.lowercased))")
        }
        let id = context.id(userId)
        if try state.userIDUsed(id) { throw CommandError.refused("user id \(id.lowercased) is already used") }
        var decision = Decision()
        decision.ids["userId"] = id
        decision.append(Streams.tenant, .userAdded(UserAdded(userId: id, email: email, displayName: displayName)))
        return decision
    }
}

/// `tenant.removeUser`: removes a user account. From then on its address can no longer act for
/// the tenant (refused like any address that is no user) and `users` no longer lists it; the
/// events it recorded keep its address as their actor, and `tenant.userRemoved` records the
/// address too. Refused for an unknown id and for the tenant's last user (a tenant without users
/// could never act again).
public struct RemoveUser: Command {
    public static let name = "tenant.removeUser"
    /// The user's id.
    public var userId: UUID

    /// Creates the command.
    public init(userId: UUID) { self.userId = userId }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        guard let user = try state.user(userId) else {
            throw CommandError.notFound(entity: "user", id: userId.lowercased)
        }
        guard try state.hasUsers(besides: userId) else {
            throw CommandError.refused(
                "user \(userId.lowercased) ('\(user.email)') is the last user of tenant \(state.tenant); "
                    + "add another user before removing it")
        }
        var decision = Decision()
        decision.ids["userId"] = userId
        decision.append(Streams.tenant, .userRemoved(UserRemoved(userId: userId, email: user.email)))
        return decision
    }
}

/// A tenant's first user, added when the tenant is created (`bulkhead tenant create --owner`) or,
/// for a tenant created before owners existed, by `bulkhead tenant add-owner`. Recorded as a
/// `tenant.userAdded` event under ``SystemActor/tenantSetup``. Refused once the tenant has a
/// user: from then on users add users. Not in the ``CommandCatalog``: no caller can send it.
public struct AddOwner: Command {
    public static let name = "tenant.addOwner"
    /// The owner's e-mail address.
    public var email: String
    /// The name shown for the owner.
    public var displayName: String

    /// Creates the command.
    public init(email: String, displayName: String) {
        self.email = email
        self.displayName = displayName
    }

    /// Checks the owner's fields alone, before a tenant is created for them, naming them as the
    /// callers do: `owner` and `ownerName`.
    ///
    /// - Throws: ``CommandError/invalid(field:reason:)``.
    public static func checkFields(email: String, displayName: String) throws {
        do {
            try AddUser.checkFields(email: email, displayName: displayName)
        } catch CommandError.invalid(let field, let reason) {
            throw CommandError.invalid(field: field == "email" ? "owner" : "ownerName", reason: reason)
        }
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Self.checkFields(email: email, displayName: displayName)
        guard try !state.hasUsers() else {
            throw CommandError.refused("tenant \(state.tenant) already has users; a user adds more with tenant.addUser")
        }
        return try AddUser(email: email, displayName: displayName).decide(state, context)
    }
}

/// `tenant.setConfig`: sets a typed configuration value (`teamAName`, `teamBName`: text;
/// `heavyWinThreshold`: integer 1 to 99).
public struct SetConfig: Command {
    public static let name = "tenant.setConfig"
    /// The key.
    public var key: ConfigKey
    /// The value: `{"text": "..."}` or `{"integer": N}`, of the key's kind.
    public var value: ConfigValue

    /// Creates the command.
    public init(key: ConfigKey, value: ConfigValue) {
        self.key = key
        self.value = value
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        guard value.kind == key.valueKind else {
            throw CommandError.invalid(field: "value", reason: "\(key.rawValue) takes \(key.valueKind == .text ? "a text" : "an integer") value")
        }
        switch value {
        case .text(let text): try Check.text(text, "value.text", max: 100)
        case .integer(let number): try Check.integer(number, "value.integer", 1...99)
        }
        var decision = Decision()
        decision.append(Streams.tenant, .configSet(ConfigSet(key: key, value: value)))
        return decision
    }
}

/// `tenant.issueApiKey`: issues an API key for the HTTP service. The key is shown once in the
/// result; only its SHA-256 is stored.
public struct IssueAPIKey: Command {
    public static let name = "tenant.issueApiKey"
    /// The key's id; generated when omitted.
    public var keyId: UUID?
    /// What the key is for (1 to 100 bytes).
    public var label: String

    /// Creates the command.
    public init(keyId: UUID? = nil, label: String) {
        self.keyId = keyId
        self.label = label
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(label, "label", max: 100)
        let id = context.id(keyId)
        if try state.apiKey(id) != nil { throw CommandError.refused("API key id \(id.lowercased) is already used") }
        let secret = APIKeys.generate()
        var decision = Decision()
        decision.ids["keyId"] = id
        decision.secret = secret
        decision.append(Streams.tenant, .apiKeyIssued(APIKeyIssued(keyId: id, keyHash: APIKeys.hash(secret), label: label)))
        return decision
    }
}

/// `tenant.revokeApiKey`: revokes an API key; it no longer opens the tenant.
public struct RevokeAPIKey: Command {
    public static let name = "tenant.revokeApiKey"
    /// The key's id.
    public var keyId: UUID

    /// Creates the command.
    public init(keyId: UUID) { self.keyId = keyId }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        guard let key = try state.apiKey(keyId) else { throw CommandError.notFound(entity: "API key", id: keyId.lowercased) }
        if let revoked = key.revokedAt {
            throw CommandError.refused("API key \(keyId.lowercased) was already revoked at \(Timestamp.format(revoked))")
        }
        var decision = Decision()
        decision.ids["keyId"] = keyId
        decision.append(Streams.tenant, .apiKeyRevoked(APIKeyRevoked(keyId: keyId)))
        return decision
    }
}

/// `tenant.setModelPreference`: gives a feature a provider and model from the model catalog.
public struct SetModelPreference: Command {
    public static let name = "tenant.setModelPreference"
    /// The feature.
    public var feature: ModelFeature
    /// The provider.
    public var provider: String
    /// The model id; must be in the catalog for that provider.
    public var model: String

    /// Creates the command.
    public init(feature: ModelFeature, provider: String, model: String) {
        self.feature = feature
        self.provider = provider
        self.model = model
    }

    public func decide(_ state: any TenantState, _ context: DecisionContext) throws -> Decision {
        try Check.text(provider, "provider", max: 100)
        try Check.text(model, "model", max: 100)
        guard ModelCatalog.current.model(provider: provider, id: model) != nil else {
            let known = ModelCatalog.current.models.filter { $0.provider == provider }.map(\.id)
            let hint = known.isEmpty ? "unknown provider '\(provider)'" : "known \(provider) models: \(known.joined(separator: ", "))"
            throw CommandError.invalid(field: "model", reason: "'\(model)' is not in the model catalog (\(hint))")
        }
        var decision = Decision()
        decision.append(Streams.tenant, .modelPreferenceSet(ModelPreferenceSet(feature: feature, provider: provider, model: model)))
        return decision
    }
}

/// API keys: `bk_` followed by 64 hexadecimal digits of randomness; stored as SHA-256 only.
public enum APIKeys {
    /// A new random key.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return "bk_" + bytes.hexString
    }

    /// SHA-256 of the key as lowercase hex.
    public static func hash(_ key: String) -> String {
        Array(SHA256.hash(data: Array(key.utf8))).hexString
    }

    /// SHA-256 of the key as bytes (the catalog's lookup key).
    public static func hashBytes(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }
}
