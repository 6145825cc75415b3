import Logging
import Metrics
import Prometheus
import Synchronization

/// Process-wide logging and metrics set-up. Call ``bootstrap(_:)`` once, first thing in main.
public enum Observability {
    private static let registryStorage = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The Prometheus registry behind swift-metrics, once bootstrapped.
    public static var registry: PrometheusCollectorRegistry? { registryStorage.withLock { $0 } }

    /// Installs the log handler (JSON or text, at the configured level) and the Prometheus metrics factory.
    public static func bootstrap(_ configuration: PaystreamConfiguration) {
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let json = configuration.logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        registryStorage.withLock { $0 = registry }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }
}
