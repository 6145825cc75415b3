/// The JSON form of a refund destination inside event payloads: `{"type":"channel","channel":"wechat"}` or
/// `{"type":"wallet","account":"user:42"}` (a wallet is always a user).
extension RefundDestination {
    private enum DestinationType: String {
        case channel, wallet
    }

    var jsonValue: JSONValue {
        switch self {
        case .channel(let channel): .object(["type": .string("channel"), "channel": .string(channel.rawValue)])
        case .wallet(let account): .object(["type": .string("wallet"), "account": .string(account.description)])
        }
    }

    /// Reads the `key` member of `reader` as a destination, refusing unknown members.
    static func read(_ key: String, from reader: inout EventFieldReader) throws(EventDecodingError) -> RefundDestination {
        var destinationReader = try reader.object(key)
        let destination: RefundDestination
        switch try destinationReader.choice("type", as: DestinationType.self) {
        case .channel: destination = .channel(try destinationReader.channel("channel"))
        case .wallet: destination = .wallet(try destinationReader.account("account", kinds: [.user]))
        }
        try destinationReader.finish()
        return destination
    }
}
