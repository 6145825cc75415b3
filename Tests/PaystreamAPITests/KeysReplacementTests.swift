import Cryptography
import Foundation
import PaystreamRuntime
import Testing

@testable import PaystreamAPI

/// A running API takes a replaced keys file only if it is what a rotation makes of the keys in force
/// (`KeysReloadFlowTests` sees it through the API).
@Suite struct KeysReplacementTests {
    static func keys(_ fields: FieldKeyring, session: [UInt8]) throws -> SecurityKeys { try SecurityKeys(fields: fields, sessionKey: session) }

    @Test func aRotationsFilesAreTakenAndNothingElse() throws {
        let session = SecureRandom.bytes(count: 32)
        // A deployment whose keys bind rows from version 1, and one from before rows were bound.
        let bound = try FieldKeyring.generate()
        #expect(bound.rowsBoundFrom == 1)
        let legacy = try FieldKeyring(currentVersion: 1, keys: [1: SecureRandom.bytes(count: 32)], indexKey: SecureRandom.bytes(count: 32))
        for start in [bound, legacy] {
            let current = try Self.keys(start, session: session)
            // What `paystream keys rotate` writes: first the new version, then (once everything is re-sealed) every
            // version bound.
            let rotated = try start.addingGeneratedKey()
            let boundEverywhere = try rotated.bindingRowsUnderEveryVersion()
            #expect(APISecurity.refusal(of: try Self.keys(rotated, session: session), replacing: current) == nil, "\(start)")
            #expect(APISecurity.refusal(of: try Self.keys(boundEverywhere, session: session), replacing: try Self.keys(rotated, session: session)) == nil)
            #expect(APISecurity.refusal(of: current, replacing: current) == nil)

            // Refused: a version dropped, another deployment's keys, an older current version, a new session key.
            let refusals = [
                APISecurity.refusal(of: try Self.keys(try boundEverywhere.removingKey(version: 1), session: session), replacing: try Self.keys(boundEverywhere, session: session)),
                APISecurity.refusal(of: try Self.keys(try FieldKeyring.generate(), session: session), replacing: current),
                APISecurity.refusal(of: current, replacing: try Self.keys(rotated, session: session)),
                APISecurity.refusal(of: try Self.keys(rotated, session: SecureRandom.bytes(count: 32)), replacing: current),
            ]
            for (n, refusal) in refusals.enumerated() { #expect(refusal != nil, "case \(n) of \(start)") }
            #expect(refusals[3]?.description.contains("session key") == true)
        }
        // Fewer versions bound than the keys in force: an old backup, or the file a rotation writes before binding.
        let rotated = try legacy.addingGeneratedKey()
        let everywhere = try rotated.bindingRowsUnderEveryVersion()
        let weaker = APISecurity.refusal(of: try Self.keys(rotated, session: session), replacing: try Self.keys(everywhere, session: session))
        #expect(weaker?.description.contains("bind fewer versions") == true, "\(String(describing: weaker))")
        // The same keys with no `rowsBoundFrom` at all (a file from before rows were bound).
        var object = try #require(try JSONSerialization.jsonObject(with: Data(everywhere.jsonRepresentation().utf8)) as? [String: Any])
        object["rowsBoundFrom"] = nil
        let unboundFields = try FieldKeyring(json: Array(try JSONSerialization.data(withJSONObject: object)))
        #expect(unboundFields.rowsBoundFrom == nil && unboundFields.versions == everywhere.versions)
        let unbound = APISecurity.refusal(of: try Self.keys(unboundFields, session: session), replacing: try Self.keys(everywhere, session: session))
        #expect(unbound?.description.contains("bind fewer versions") == true, "\(String(describing: unbound))")
    }
}
