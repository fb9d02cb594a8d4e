import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore
import Postgres
import Redis

/// `herald doctor`: checks that a deployment can work (configuration, PostgreSQL, migrations, clock, Redis and its
/// eviction policy, the data folder, and that artifact rows and files agree) and says what is wrong, without
/// changing anything but a probe file. Checks that need something an earlier check found broken are left out.
public struct Doctor {
    let environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    public func run() -> [DoctorResult] {
        let config: HeraldConfig
        do {
            config = try HeraldConfig(environment: environment)
            try config.validateRedisURL()
        } catch {
            return [DoctorResult("configuration", .failed, "\(error) (the other checks need a valid configuration)")]
        }
        var results = [DoctorResult("configuration", .ok, "every HERALD_* setting is valid")]

        let database = connectDatabase(config.databaseURL)
        results.append(database.result)
        if let connection = database.connection {
            results.append(migrationsCheck(connection))
            results.append(clockCheck(connection))
        }

        let redis = connectRedis(config.redisURL)
        results.append(redis.result)
        if let connection = redis.connection { results.append(evictionPolicyCheck(connection)) }

        let folder = dataFolderCheck(config.dataDirectory)
        results.append(folder)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: config.dataDirectory, isDirectory: &isDirectory), isDirectory.boolValue {
            results.append(freeSpaceCheck(config.dataDirectory))
            if let connection = database.connection {
                results.append(contentsOf: artifactChecks(connection, dataDirectory: config.dataDirectory))
            }
        }
        return results
    }
}
