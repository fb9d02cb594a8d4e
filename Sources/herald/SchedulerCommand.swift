import ArgumentParser
import Dispatch
import Foundation
import HeraldScheduler

struct SchedulerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler", abstract: "Runs the scheduler process (timing and delivery); stops on SIGTERM.")

    func run() throws {
        let config = loadConfig(writesData: true)
        let logger = makeLogger("herald.scheduler", level: config.logLevel, format: config.logFormat)
        let process = SchedulerProcess(config: config, version: Herald.version, logger: logger)
        var listener: MetricsListener?
        if let port = config.metricsPort {
            do { listener = try MetricsListener(port: port) { process.metrics.registry.render() } } catch {
                fail("scheduler could not start: \(error) (HERALD_METRICS_PORT)")
            }
            listener?.start()
            logger.info("metrics listening", metadata: ["address": "127.0.0.1:\(port)"])
        }
        let signals = TerminationSignals { process.stop() }
        // Blocking I/O belongs on a dedicated thread, not on Swift's cooperative pool: the main thread is that thread.
        process.run()
        listener?.stop()
        withExtendedLifetime(signals) {}
    }
}

/// Turns SIGTERM and SIGINT into a callback on a private queue instead of killing the process.
final class TerminationSignals {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "herald.signals")
        unblockSignals([SIGTERM, SIGINT])
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }
}

/// A parent may have started us with signals blocked (a blocked SIGTERM would make us unstoppable but by SIGKILL).
func unblockSignals(_ numbers: [Int32]) {
    var set = sigset_t()
    sigemptyset(&set)
    for number in numbers { sigaddset(&set, number) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}
