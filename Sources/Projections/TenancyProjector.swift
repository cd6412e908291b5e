import BulkheadCore
import Domain
import Foundation

/// The tenant's users, configuration, API keys and model preferences.
///
/// Keys: `u`+user → ``UserRecord``; `e`+e-mail → user id; `c`+config key → ``ConfigValue``;
/// `k`+key id → ``APIKeyInfo``; `m`+feature → ``ModelPreference``; `r`+user → the
/// ``UserRecord`` of a removed user (its `u` and `e` keys are gone, so it neither acts nor is
/// listed, and its id is never given again).
public struct TenancyProjector: Projector {
    public let name = "tenancy"
    public let version = 1

    /// Creates the projector.
    public init() {}

    public func handles(_ type: String) -> Bool { type.hasPrefix("tenant.") }

    static func user(_ id: UUID) -> Key { Key("u", .uuid(id)) }
    static func removedUser(_ id: UUID) -> Key { Key("r", .uuid(id)) }
    static func email(_ email: String) -> Key { Key("e", .text(email.lowercased())) }
    static func config(_ key: ConfigKey) -> Key { Key("c", .text(key.rawValue)) }
    static func apiKey(_ id: UUID) -> Key { Key("k", .uuid(id)) }
    static func preference(_ feature: ModelFeature) -> Key { Key("m", .text(feature.rawValue)) }

    public func apply(_ event: Event, _ meta: EventMeta, _ store: ProjectionStore) throws {
        switch event {
        case .userAdded(let e):
            try store.setRecord(Self.user(e.userId), UserRecord(userId: e.userId, email: e.email, displayName: e.displayName, addedAt: meta.recordedAt))
            try store.setRecord(Self.email(e.email), e.userId)
        case .userRemoved(let e):
            let user = try store.record(Self.user(e.userId), as: UserRecord.self)
            try store.setRecord(Self.removedUser(e.userId), user)
            try store.setRecord(Self.user(e.userId), nil as UserRecord?)
            if try store.record(Self.email(e.email), as: UUID.self) == e.userId {
                try store.setRecord(Self.email(e.email), nil as UUID?)
            }
        case .configSet(let e):
            try store.setRecord(Self.config(e.key), e.value)
        case .apiKeyIssued(let e):
            try store.setRecord(Self.apiKey(e.keyId), APIKeyInfo(keyId: e.keyId, label: e.label, keyHash: e.keyHash, issuedAt: meta.recordedAt, revokedAt: nil))
        case .apiKeyRevoked(let e):
            try store.update(Self.apiKey(e.keyId), as: APIKeyInfo.self) { $0?.revokedAt = meta.recordedAt }
        case .modelPreferenceSet(let e):
            try store.setRecord(Self.preference(e.feature), ModelPreference(feature: e.feature, provider: e.provider, model: e.model))
        default:
            break
        }
    }

    public func describe(key: Key, value: [UInt8]) -> String {
        switch key.kind {
        case UInt8(ascii: "u"), UInt8(ascii: "r"): return describeRecord(UserRecord.self, value)
        case UInt8(ascii: "e"): return describeRecord(UUID.self, value)
        case UInt8(ascii: "c"): return describeRecord(ConfigValue.self, value)
        case UInt8(ascii: "k"): return describeRecord(APIKeyInfo.self, value)
        case UInt8(ascii: "m"): return describeRecord(ModelPreference.self, value)
        default: return value.hexString
        }
    }
}
