import Foundation
import Testing

@testable import PaystreamAPI
@testable import PaystreamRuntime

/// A withdrawal's destination is sealed by the API (``WithdrawalRecord/Destination/sealedFields``, key paths) and
/// re-sealed and checked by `paystream keys rotate` and the route (``SealedColumns/withdrawalSealedMembers``, member
/// names). The two lists must name the same members with the same labels, and every member must either be sealed or
/// be in the route, or a rotation and a payout would disagree about what was changed.
@Suite struct DestinationMembersTests {
    @Test func theSealedMembersAreTheSameInTheAPIAndInTheRotation() throws {
        var destination = WithdrawalRecord.Destination(type: "bankAccount")
        for field in WithdrawalRecord.Destination.sealedFields {
            destination[keyPath: field.key] = "value of \(field.label)"
        }
        let json = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(destination)) as? [String: Any])
        #expect(WithdrawalRecord.Destination.sealedFields.count == SealedColumns.withdrawalSealedMembers.count)
        for (member, label) in SealedColumns.withdrawalSealedMembers {
            #expect(json[member] as? String == "value of \(label)", "\(member) sealed as \(label) in the API too")
        }
    }

    @Test func everyMemberOfADestinationIsSealedOrInItsRoute() throws {
        // Every stored property (a new one too, nil or not), by its name, which is also its JSON member's name.
        let members = Mirror(reflecting: WithdrawalRecord.Destination(type: "bankAccount")).children.compactMap(\.label)
        let covered = Set(SealedColumns.withdrawalRouteMembers + SealedColumns.withdrawalSealedMembers.map(\.0) + ["route"])
        #expect(members.count == 14)
        #expect(Set(members) == covered, "a member neither sealed nor in the route could be changed without the keys")
    }
}
