import Foundation
import Logging

/// swift-log set-up for `bulkhead serve`.
public enum ServiceLogging {
    /// The level names `--log-level` accepts.
    public static let levels = Logger.Level.allCases.map(\.rawValue)

    /// Sends every logger's output to standard error (once per process) and returns the server's
    /// logger at `level` (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`).
    ///
    /// - Returns: `nil` when `level` is not a level name.
    public static func standardErrorLogger(level: String) -> Logger? {
        guard let level = Logger.Level(rawValue: level) else { return nil }
        bootstrapOnce
        var logger = Logger(label: "bulkhead.service")
        logger.logLevel = level
        return logger
    }

    private static let bootstrapOnce: Void = {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }()
}
