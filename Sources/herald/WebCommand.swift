import ArgumentParser
import FastCGI
import Foundation
import HeraldDelivery
import HeraldMetrics
import HeraldStore
import HeraldWeb

struct WebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Runs the FastCGI web process behind nginx; drains in-flight requests on SIGTERM.")

    func run() throws {
        let config = loadConfig()
        let logger = makeLogger("herald.web", level: config.logLevel, format: config.logFormat)
        let application: WebApplication
        let server: FastCGIServer
        var configured = WebSettings(
            secretKey: config.secretKey, baseURL: config.baseURL, minimumInterval: config.minimumInterval,
            maxSchedulesPerUser: config.maxSchedulesPerUser, maxRowLimit: config.maxRowLimit, deliveryRoot: config.deliveryRoot, dataDirectory: config.dataDirectory,
            session: SessionService.Settings(idleSeconds: config.sessionIdleSeconds, absoluteSeconds: config.sessionAbsoluteSeconds),
            maxBackfill: config.maxBackfill)
        configured.previousSecretKey = config.previousSecretKey
        configured.channels = ChannelEnvironment(config: config)
        configured.alertEvery = config.alertEvery
        let settings = configured
        do {
            application = WebApplication(templates: try Templates.load(directory: config.templatesDirectory), settings: settings,
                                         logger: logger, metrics: WebMetrics(version: Herald.version), routes: WebRoutes.register)
            server = try FastCGIServer(socketPath: config.fastCGISocket, threadCount: config.webThreads,
                                       limits: FastCGILimits(maxBodyBytes: config.maxRequestBytes))
        } catch {
            fail("web could not start: \(error)")
        }
        server.stopOnTerminationSignals()
        logger.info("web listening", metadata: ["socket": "\(config.fastCGISocket ?? "fd 0")", "threads": "\(config.webThreads)"])
        // Each FastCGI thread gets its own checks and connections.
        let databaseURL = config.databaseURL, redisURL = config.redisURL
        let readinessLog = ReadinessLog(logger: logger)
        server.run {
            application.makeHandler(checks: [
                ConnectionReadinessCheck.postgres(url: databaseURL, log: readinessLog),
                ConnectionReadinessCheck.redis(url: redisURL, log: readinessLog),
                SchedulerHeartbeatCheck(url: redisURL, log: readinessLog),
            ], connections: WebConnections(databaseURL: databaseURL, redisURL: redisURL, statementTimeoutMs: settings.statementTimeoutMs))
        }
        logger.info("web stopped")
    }
}
