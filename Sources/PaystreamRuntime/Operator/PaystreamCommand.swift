import ArgumentParser

/// The operator commands that need only the runtime. `paystream` itself (``OperatorCommand`` in PaystreamAPI)
/// adds the ones that need the API's wiring (channels, risk rules).
public enum RuntimeOperatorCommands {
    public static let all: [any ParsableCommand.Type] = [
        MigrateCommand.self, TopicsCommand.self, KafkaCommand.self, DemoCommand.self,
        LedgerCommand.self, KeysCommand.self, ClientsCommand.self, LoginsCommand.self, GrayCommand.self,
    ]
}
