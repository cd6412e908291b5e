import BulkheadCore
import Foundation

/// An AI model that features may be configured to use.
public struct CatalogModel: Codable, Equatable, Sendable {
    /// The provider (`anthropic`, `openai`, `google`).
    public let provider: String
    /// The provider's model id.
    public let id: String
    /// The name people see.
    public let displayName: String
    /// Whether the model is one of the fast ones.
    public let fast: Bool
}

/// The catalog of models; the same data as `Schemas/model-catalog.json` (a test keeps them equal).
public struct ModelCatalog: Codable, Equatable, Sendable {
    /// The models.
    public let models: [CatalogModel]
    /// Each provider's default adapter model.
    public let defaultAdapters: [DefaultAdapter]
    /// Each feature's default model: the product's choice, the same for every tenant, used until a
    /// tenant sets a preference for the feature (`tenant.setModelPreference`).
    public let featureDefaults: [FeatureDefault]

    /// A provider's default model.
    public struct DefaultAdapter: Codable, Equatable, Sendable {
        /// The provider.
        public let provider: String
        /// Its default model id.
        public let model: String
    }

    /// A feature's default model.
    public struct FeatureDefault: Codable, Equatable, Sendable {
        /// The feature.
        public let feature: ModelFeature
        /// The provider.
        public let provider: String
        /// The provider's model id (listed in ``ModelCatalog/models``).
        public let model: String
    }

    /// The default of `feature`, or `nil` when the catalog has none (a test requires one for
    /// every feature).
    public func featureDefault(_ feature: ModelFeature) -> FeatureDefault? {
        featureDefaults.first { $0.feature == feature }
    }

    /// The model with this provider and id, or `nil`.
    public func model(provider: String, id: String) -> CatalogModel? {
        models.first { $0.provider == provider && $0.id == id }
    }

    /// The catalog this build ships.
    public static let current = ModelCatalog(
        models: [
            CatalogModel(provider: "anthropic", id: "claude-opus-4-6", displayName: "Claude Opus 4.6", fast: false),
            CatalogModel(provider: "anthropic", id: "claude-sonnet-4-6", displayName: "Claude Sonnet 4.6", fast: false),
            CatalogModel(provider: "anthropic", id: "claude-sonnet-4-5", displayName: "Claude Sonnet 4.5", fast: false),
            CatalogModel(provider: "openai", id: "gpt-5", displayName: "GPT-5", fast: false),
            CatalogModel(provider: "openai", id: "gpt-5-mini", displayName: "GPT-5 Mini", fast: true),
            CatalogModel(provider: "openai", id: "o3", displayName: "o3", fast: false),
            CatalogModel(provider: "openai", id: "o4-mini", displayName: "o4 Mini", fast: true),
            CatalogModel(provider: "openai", id: "gpt-4.1", displayName: "GPT-4.1", fast: false),
            CatalogModel(provider: "openai", id: "gpt-4.1-mini", displayName: "GPT-4.1 Mini", fast: true),
            CatalogModel(provider: "openai", id: "gpt-4.1-nano", displayName: "GPT-4.1 Nano", fast: true),
            CatalogModel(provider: "google", id: "gemini-2.5-flash-lite", displayName: "Gemini 2.5 Flash-Lite", fast: true),
        ],
        defaultAdapters: [
            DefaultAdapter(provider: "anthropic", model: "claude-sonnet-4-6"),
            DefaultAdapter(provider: "openai", model: "gpt-4.1-mini"),
        ],
        featureDefaults: [
            FeatureDefault(feature: .docsPipeline, provider: "anthropic", model: "claude-sonnet-4-6"),
            FeatureDefault(feature: .refactor, provider: "anthropic", model: "claude-opus-4-6"),
            FeatureDefault(feature: .discussions, provider: "openai", model: "gpt-4.1-mini"),
            FeatureDefault(feature: .enrichment, provider: "openai", model: "gpt-4.1-mini"),
        ])
}

/// The model catalog this build ships is inconsistent (a build error that tests rule out).
public struct ModelCatalogError: Error, ClassifiedError, CustomStringConvertible, Sendable {
    /// What is missing or wrong.
    public let message: String

    /// Creates the error.
    public init(message: String) { self.message = message }

    /// One line.
    public var description: String { message }

    /// A build that ships an inconsistent catalog is an internal failure.
    public var failure: Failure { Failure(.internal, code: "internal", message: message) }
}
