import Foundation
import Hummingbird
import PaystreamCore

/// Groups envelopes are sent to (users only):
///
/// - `POST /v1/groups` `{"name","members"?}` → 201 the group, its id made by the platform, the caller its owner and a
///   member; `members` are user accounts (at most 1,000 per request).
/// - `GET /v1/groups/{groupId}` (a member) → the group: name, owner, member count and the first 1,000 members.
/// - `POST /v1/groups/{groupId}/members` `{"members"}` (the owner) → 200 the group; 409 `group.full` past
///   100,000 members.
/// - `DELETE /v1/groups/{groupId}/members/{accountId}` (the owner, or the member leaving) → 200 the group; the owner
///   stays (409 `group.owner_stays`). The member's open event streams are pushed `group.left` and hear the group no
///   more.
///
/// A group is 404 `group.not_found` to anyone not in it. An envelope sent to the group is announced to its members'
/// event streams (`GET /v1/events?groups=…`, members only) and grabbed by its members only (``GroupMembers``).
struct GroupRoutes: Sendable {
    let services: APIServices

    struct CreateBody: Decodable {
        var name: String?
        var members: [String]?
    }

    struct MembersBody: Decodable {
        var members: [String]?
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/groups") { request, _ in
            await handle(request, services) { _ in
                var request = request
                let owner = try user(request)
                let body = try await request.decode(CreateBody.self)
                let name = try InputText.required(body.name, field: "name", maxCharacters: 64)
                let members = try GroupMembers.users(body.members ?? [], field: "members")
                return .json(.created, try await services.groups.create(owner: owner, name: name, members: members))
            }
        }
        router.get("/v1/groups/:groupId") { request, context in
            await handle(request, services) { _ in
                let caller = try user(request)
                return .json(.ok, try await services.groups.group(context.parameters.get("groupId") ?? "", as: caller))
            }
        }
        router.post("/v1/groups/:groupId/members") { request, context in
            await handle(request, services) { _ in
                var request = request
                let caller = try user(request)
                let body = try await request.decode(MembersBody.self)
                guard let listed = body.members, !listed.isEmpty else {
                    throw APIError.badRequest("request.missing_field", "members is required (1...\(GroupMembers.maxMembersPerRequest) user accounts)")
                }
                let members = try GroupMembers.users(listed, field: "members")
                return .json(.ok, try await services.groups.add(members, to: context.parameters.get("groupId") ?? "", by: caller))
            }
        }
        router.delete("/v1/groups/:groupId/members/:accountId") { request, context in
            await handle(request, services) { _ in
                let caller = try user(request)
                let member = context.parameters.get("accountId") ?? ""
                let groupID = context.parameters.get("groupId") ?? ""
                let group = try await services.groups.remove(member, from: groupID, by: caller)
                // Its open event streams stop hearing the group, on every API process (a stream's groups were checked
                // when it opened).
                if AccountID(member) != nil {
                    do {
                        try await services.publisher.publish(push: PushMessage(audience: member, event: PushMessage.groupLeft, groupId: groupID))
                    } catch {
                        services.logger.error(
                            "group.left not published: the removed member's open streams hear the group until they reconnect",
                            metadata: ["group_id": "\(groupID)", "member": "\(member)", "error": "\(error)"])
                    }
                }
                return .json(.ok, group)
            }
        }
    }

    private func user(_ request: Request) throws -> AccountID {
        let caller = try Caller.account(of: request)
        guard caller.kind == .user else { throw APIError.forbidden("group.users_only", "groups are made of users") }
        return caller
    }
}
