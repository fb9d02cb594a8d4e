import Foundation
import HeraldCore
import HeraldQueue
import Logging

/// Loads and validates the configuration, or stops the process naming the bad key (exit status 78, EX_CONFIG).
/// `writesData`: the process keeps artifacts, so `HERALD_DATA_DIR` must exist and be writable now, not at the first
/// run hours later.
func loadConfig(writesData: Bool = false) -> HeraldConfig {
    do {
        let config = try HeraldConfig(environment: ProcessInfo.processInfo.environment)
        try config.validateRedisURL()
        if writesData { try checkWritableDirectory(config.dataDirectory, key: "HERALD_DATA_DIR") }
        return config
    } catch {
        FileHandle.standardError.write(Data("herald: configuration error: \(error)\n".utf8))
        exit(78)
    }
}

private func checkWritableDirectory(_ path: String, key: String) throws(ConfigError) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ConfigError(key: key, reason: "names a folder that does not exist (\(path)); create it, owned by the herald user")
    }
    guard isDirectory.boolValue else { throw ConfigError(key: key, reason: "is not a folder (\(path))") }
    guard access(path, W_OK | X_OK) == 0 else {
        throw ConfigError(key: key, reason: "names a folder this process cannot write to (\(path))")
    }
}

/// One line per event on stderr: human text (journald adds the time and unit), or JSON with `HERALD_LOG_FORMAT=json`.
func makeLogger(_ label: String, level: HeraldConfig.LogLevel, format: HeraldConfig.LogFormat) -> Logger {
    switch format {
    case .text: LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
    }
    var logger = Logger(label: label)
    logger.logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
    return logger
}

/// Writes a message to stderr and exits with `status` (2 = bad usage or input, per the CLI convention).
func fail(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("herald: \(message)\n".utf8))
    exit(status)
}
