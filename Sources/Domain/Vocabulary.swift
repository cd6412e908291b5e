import Foundation

/// The typed configuration keys of a tenant. No key has a default: a command that needs one
/// that was never set is refused, naming the tenant and the key.
public enum ConfigKey: String, Codable, CaseIterable, Sendable {
    /// The first team's name, copied onto each match when it is recorded.
    case teamAName
    /// The second team's name, copied onto each match when it is recorded.
    case teamBName
    /// The goal difference from which a win counts as heavy.
    case heavyWinThreshold

    /// What kind of value the key takes.
    public var valueKind: ConfigValue.Kind {
        switch self {
        case .teamAName, .teamBName: return .text
        case .heavyWinThreshold: return .integer
        }
    }
}

/// A configuration value: text or an integer.
public enum ConfigValue: Codable, Equatable, Sendable, CustomStringConvertible {
    /// A text value (1 to 100 bytes of UTF-8).
    case text(String)
    /// An integer value.
    case integer(Int)

    /// The two kinds of value.
    public enum Kind: String, Sendable {
        /// Text.
        case text
        /// An integer.
        case integer
    }

    /// The value's kind.
    public var kind: Kind {
        switch self {
        case .text: return .text
        case .integer: return .integer
        }
    }

    /// The value as people read it.
    public var description: String {
        switch self {
        case .text(let s): return s
        case .integer(let i): return String(i)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case text, integer
    }

    /// Decodes `{"text": "..."}` or `{"integer": N}`: exactly one of the two.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decodeIfPresent(String.self, forKey: .text)
        let integer = try container.decodeIfPresent(Int.self, forKey: .integer)
        switch (text, integer) {
        case (let t?, nil): self = .text(t)
        case (nil, let i?): self = .integer(i)
        default:
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "give exactly one of 'text' or 'integer'"))
        }
    }

    /// Encodes `{"text": "..."}` or `{"integer": N}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text(let t):
            try container.encodeIfPresent(t, forKey: .text)
            try container.encodeIfPresent(Int?.none, forKey: .integer)
        case .integer(let i):
            try container.encodeIfPresent(String?.none, forKey: .text)
            try container.encodeIfPresent(i, forKey: .integer)
        }
    }
}

/// The four kinds of project knowledge; note enrichment draws on all of them.
public enum KnowledgeKind: String, Codable, CaseIterable, Sendable {
    /// A pattern found in the code.
    case codePattern
    /// An entry of the project's memory.
    case memoryEntry
    /// An insight into how the team works.
    case workflowInsight
    /// A pattern consolidated from several sources.
    case consolidationPattern
}

/// What started an analysis run.
public enum AnalysisTrigger: String, Codable, CaseIterable, Sendable {
    /// A person asked for it.
    case manual
    /// A project sync asked for it.
    case projectSync
}

/// Features that can be given their own AI provider and model.
public enum ModelFeature: String, Codable, CaseIterable, Sendable {
    /// The documentation pipeline.
    case docsPipeline
    /// Refactoring suggestions.
    case refactor
    /// Discussions.
    case discussions
    /// Note enrichment.
    case enrichment
}

/// Status of an analysis run.
public enum RunStatus: String, Codable, Sendable {
    /// Running.
    case active
    /// Finished successfully.
    case completed
    /// Finished with an error.
    case failed
    /// Was active for more than 10 minutes and was expired.
    case expired
}

/// Status of a project sync.
public enum SyncStatus: String, Codable, Sendable {
    /// Running.
    case running
    /// Finished successfully; the next sync links to the last of these.
    case completed
    /// Finished with an error.
    case failed
    /// Ran for more than 10 minutes and was detached from the chain.
    case orphaned
}

/// The time limits of the guards that keep duplicate and stuck work out.
public enum Guards {
    /// A new analysis run is skipped while one completed less than this long ago.
    public static let analysisCooldown: TimeInterval = 3 * 60
    /// An analysis run active for more than this is expired.
    public static let analysisExpiry: TimeInterval = 10 * 60
    /// A sync running for more than this is orphaned.
    public static let syncOrphanAfter: TimeInterval = 10 * 60
}
