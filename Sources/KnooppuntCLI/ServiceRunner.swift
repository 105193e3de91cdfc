import Foundation
import Logging
import ServiceLifecycle

/// A daemon process as a swift-service-lifecycle service: SIGTERM and SIGINT become a
/// graceful shutdown (sockets close with their linger, the context terminates), and the
/// process also stops when the `cluster` that started it is gone.
struct DaemonService: Service {
    let start: @Sendable () throws -> Void
    /// Before `stop` on a graceful shutdown: what waits is written (the node's audit rows and,
    /// on etcd, what etcd has yet to commit), within a bound of its own.
    var drain: (@Sendable () async -> Void)? = nil
    let stop: @Sendable () -> Void

    func run() async throws {
        try start()
        // Returns when the group shuts down gracefully (a signal, or the parent watch ending).
        try? await gracefulShutdown()
        await drain?()
        stop()
    }
}

/// Ends (and so shuts the group down) when the parent process is no longer `parentPID`:
/// a SIGKILLed `cluster` must not leave its daemons running.
struct ParentWatch: Service {
    let parentPID: Int32
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if getppid() != parentPID {
                logger.warning("the cluster that started this process is gone; stopping")
                return
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Runs a process's service until SIGTERM or SIGINT (graceful shutdown), or until the
/// `cluster` that started it (`parentPID`) is gone; `shutdownLimit` bounds the graceful part.
enum ServiceRunner {
    static func run(
        _ service: some Service, parentPID: Int32?, logger: Logger, shutdownLimit: Duration? = nil
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: service)]
        if let parentPID {
            services.append(
                .init(
                    service: ParentWatch(parentPID: parentPID, logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup))
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        if let shutdownLimit { configuration.maximumGracefulShutdownDuration = shutdownLimit }
        try await ServiceGroup(configuration: configuration).run()
    }
}
