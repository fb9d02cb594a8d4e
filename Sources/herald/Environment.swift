import Foundation
import HeraldCore
import Logging

/// Loads and validates the configuration, or stops the process naming the bad key (exit status 78, EX_CONFIG).
func loadConfig() -> HeraldConfig {
    do {
        return try HeraldConfig(environment: ProcessInfo.processInfo.environment)
    } catch {
        FileHandle.standardError.write(Data("herald: configuration error: \(error)\n".utf8))
        exit(78)
    }
}

/// One line per event on stderr (journald adds the time and unit).
func makeLogger(_ label: String, level: HeraldConfig.LogLevel) -> Logger {
    LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    var logger = Logger(label: label)
    logger.logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
    return logger
}

/// Writes a message to stderr and exits with `status` (2 = bad usage or input, per the CLI convention).
func fail(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("herald: \(message)\n".utf8))
    exit(status)
}
