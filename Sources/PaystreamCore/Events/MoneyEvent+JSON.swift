/// The wire form of ``MoneyEvent`` (layout documented on the type).
extension MoneyEvent {
    /// Canonical JSON bytes: sorted keys, no whitespace, `correlationId` omitted when nil. Stable: equal
    /// events always give identical bytes.
    public func encode() -> [UInt8] {
        var members: [String: JSONValue] = [
            "type": .string(type.rawValue),
            "version": .number(String(version)),
            "idempotencyKey": .string(idempotencyKey),
            "occurredAt": .string(ISO8601Timestamp.format(occurredAt)),
            "payload": .object(payloadMembers),
        ]
        if let correlationID { members["correlationId"] = .string(correlationID) }
        return JSONWriter.write(.object(members))
    }

    private var payloadMembers: [String: JSONValue] {
        switch payload {
        case .paymentSucceeded(let p): p.jsonMembers
        case .paymentFailed(let p): p.jsonMembers
        case .transferRequested(let p): p.jsonMembers
        case .envelopeGrabbed(let p): p.jsonMembers
        case .refundRequested(let p): p.jsonMembers
        case .refundReturned(let p): p.jsonMembers
        case .withdrawalRequested(let p): p.jsonMembers
        case .withdrawalApproved(let p): p.jsonMembers
        case .withdrawalPaidOut(let p): p.jsonMembers
        case .withdrawalRejected(let p): p.jsonMembers
        case .withdrawalFailed(let p): p.jsonMembers
        case .envelopeWalletFunded(let p): p.jsonMembers
        case .envelopeExpired(let p): p.jsonMembers
        case .envelopeRestReturned(let p): p.jsonMembers
        }
    }

    /// Decodes and validates one message; see ``EventDecodingError`` for the codes.
    ///
    /// Checks, in order: size and JSON syntax, `version`, `type`, the envelope fields, the payload's fields,
    /// unknown fields, and finally that `idempotencyKey` is the payload's canonical key.
    public static func decode(_ bytes: [UInt8]) throws(EventDecodingError) -> MoneyEvent {
        let root: JSONValue
        do throws(JSONParser.Failure) {
            root = try JSONParser.parse(bytes, maxBytes: maxEncodedBytes, maxDepth: 8)
        } catch {
            throw .malformedJSON("at byte \(error.offset): \(error.message)")
        }
        guard case .object = root else { throw .malformedJSON("the message is \(root.typeName), not an object") }
        var reader = try EventFieldReader(root, path: "")

        let versionValue = try reader.required("version")
        guard case .number(let versionToken) = versionValue,
            let version = JSONValue.integer(fromToken: versionToken, as: Int.self)
        else { throw .invalidField("version", "expected an integer, found \(versionValue.typeName)") }
        guard version == currentVersion else {
            throw .unsupportedVersion("version \(version) is not supported (only \(currentVersion))")
        }

        let typeValue = try reader.required("type")
        guard case .string(let typeName) = typeValue else {
            throw .invalidField("type", "expected a string, found \(typeValue.typeName)")
        }
        guard let type = EventType(rawValue: typeName) else { throw .unknownType("unknown event type \"\(typeName)\"") }

        let idempotencyKey = try reader.string("idempotencyKey")
        let occurredAtText = try reader.string("occurredAt")
        guard let occurredAt = ISO8601Timestamp.parse(occurredAtText) else {
            throw .invalidField("occurredAt", "\"\(occurredAtText)\" is not an ISO-8601 UTC timestamp")
        }
        let correlationID = try reader.optionalString("correlationId")

        var payloadReader = try reader.object("payload")
        let payload: Payload
        switch type {
        case .paymentSucceeded: payload = .paymentSucceeded(try PaymentSucceeded(reading: &payloadReader))
        case .paymentFailed: payload = .paymentFailed(try PaymentFailed(reading: &payloadReader))
        case .transferRequested: payload = .transferRequested(try TransferRequested(reading: &payloadReader))
        case .envelopeGrabbed: payload = .envelopeGrabbed(try EnvelopeGrabbed(reading: &payloadReader))
        case .refundRequested: payload = .refundRequested(try RefundRequested(reading: &payloadReader))
        case .refundReturned: payload = .refundReturned(try RefundReturned(reading: &payloadReader))
        case .withdrawalRequested: payload = .withdrawalRequested(try WithdrawalRequested(reading: &payloadReader))
        case .withdrawalApproved: payload = .withdrawalApproved(try WithdrawalApproved(reading: &payloadReader))
        case .withdrawalPaidOut: payload = .withdrawalPaidOut(try WithdrawalPaidOut(reading: &payloadReader))
        case .withdrawalRejected: payload = .withdrawalRejected(try WithdrawalRejected(reading: &payloadReader))
        case .withdrawalFailed: payload = .withdrawalFailed(try WithdrawalFailed(reading: &payloadReader))
        case .envelopeWalletFunded: payload = .envelopeWalletFunded(try EnvelopeWalletFunded(reading: &payloadReader))
        case .envelopeExpired: payload = .envelopeExpired(try EnvelopeExpired(reading: &payloadReader))
        case .envelopeRestReturned: payload = .envelopeRestReturned(try EnvelopeRestReturned(reading: &payloadReader))
        }
        try payloadReader.finish()
        try reader.finish()

        guard idempotencyKey == payload.canonicalIdempotencyKey else {
            throw .keyMismatch(
                "idempotencyKey \"\(idempotencyKey)\" is not the canonical \"\(payload.canonicalIdempotencyKey)\"")
        }
        return try MoneyEvent(payload: payload, occurredAt: occurredAt, correlationID: correlationID)
    }
}
