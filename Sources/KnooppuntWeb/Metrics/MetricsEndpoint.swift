import Metrics
import Prometheus

/// Prometheus metrics for a Knooppunt process: swift-metrics is bootstrapped once per process
/// with a Prometheus factory, so every `Counter`, `Gauge`, `Timer` and `Recorder` made anywhere
/// in the process (the node, a daemon, the desk, Hummingbird's own request metrics) appears
/// in ``render()``, the text `/metrics` serves.
///
/// Call ``bootstrap()`` early in `main` (before any metric is made); calling it again is
/// harmless. ``MetricsServer`` serves the text for processes without a web screen.
public enum MetricsEndpoint {
    /// The registry behind the process's metrics.
    public static let registry = PrometheusCollectorRegistry()

    private static let installed: Bool = {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Latencies of a crisis network: from a fraction of a millisecond (a local commit) to
        // tens of seconds (a node that was away).
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(15), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return true
    }()

    /// Installs the Prometheus factory as the process's metrics backend (once per process).
    public static func bootstrap() { _ = installed }

    /// The Prometheus text exposition of every metric of the process.
    public static func render() -> String {
        bootstrap()
        return registry.emitToString()
    }

    /// The content type of ``render()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
