import Domain
import Foundation

/// A tenant's configuration in the one form both edges show it: `GET /v1/config` and
/// `bulkhead query config --format json`. Every key is listed, an unset one with `null` (there
/// are no defaults), values keep their type (`{"integer": 4}`, `{"text": "Reds"}`), and model
/// preferences are objects.
///
/// ```json
/// {"modelPreferences":[{"feature":"refactor","model":"gpt-5","provider":"openai"}],
///  "values":[{"key":"teamAName","value":{"text":"Reds"}},{"key":"teamBName","value":null}, ...]}
/// ```
public struct ConfigDocument: Encodable, Equatable, Sendable {
    /// Every configuration key, in ``ConfigKey/allCases`` order, with its value if set.
    public let values: [ConfigEntry]
    /// The model preferences, one per feature that has one.
    public let modelPreferences: [ModelPreference]

    /// The document of these set values and preferences; keys missing from `configuration` are
    /// listed as unset.
    public init(configuration: [(key: ConfigKey, value: ConfigValue)], modelPreferences: [ModelPreference]) {
        values = ConfigKey.allCases.map { key in
            ConfigEntry(key: key, value: configuration.first { $0.key == key }?.value)
        }
        self.modelPreferences = modelPreferences
    }
}

/// One configuration key and its value, if set.
public struct ConfigEntry: Encodable, Equatable, Sendable {
    /// The key.
    public let key: ConfigKey
    /// The value, or `nil` when the key was never set (encoded as `null`, never as a default).
    public let value: ConfigValue?

    /// Creates the entry.
    public init(key: ConfigKey, value: ConfigValue?) {
        self.key = key
        self.value = value
    }

    /// Encodes `{"key": ..., "value": ...}`, with `"value": null` for an unset key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(value, forKey: .value)
    }

    private enum CodingKeys: String, CodingKey { case key, value }
}

extension TenantView {
    /// The tenant's configuration document (see ``ConfigDocument``).
    public func configDocument() throws -> ConfigDocument {
        ConfigDocument(configuration: try configuration(), modelPreferences: try modelPreferences())
    }
}
