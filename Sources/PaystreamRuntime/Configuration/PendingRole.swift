/// The roles whose services later issues build. Their executables exist now so that packaging,
/// deployment manifests and scripts can name them; each states its role and that it does no work yet.
public enum PendingRole: String, CaseIterable, Sendable {
    case api = "paystream-api"
    case scheduler = "paystream-scheduler"
    case sim = "paystream-sim"

    public var summary: String {
        switch self {
        case .api: "the front HTTP API: clients, merchants, channel notifies; produces commands and events to Kafka"
        case .scheduler: "scheduled jobs: envelope expiry, grab compensation, reconciliation"
        case .sim: "the channel sandbox: WeChat Pay, Alipay and Bill99 in their real formats (SIMULATED)"
        }
    }

    /// Prints the role and exits with status 0.
    public func announce() {
        print("\(rawValue): \(summary). Not implemented yet: this build provides the foundation only.")
    }
}
