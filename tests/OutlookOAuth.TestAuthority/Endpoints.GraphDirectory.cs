using System.Text.Json.Nodes;
using OutlookOAuth.TestAuthority.Tenant;

namespace OutlookOAuth.TestAuthority;

/// <summary>Graph v1.0 oauth2PermissionGrants, users, me, groups and the security-defaults policy.</summary>
public sealed partial class LabAuthority
{
    public const string SecurityDefaultsPolicyId = "00000000-0000-0000-0000-000000000005";

    async Task PermissionGrants(GraphRequest r, string? parenKey)
    {
        var ctx = r.Ctx;
        string[] read = ["DelegatedPermissionGrant.ReadWrite.All", "DelegatedPermissionGrant.Read.All", "Directory.Read.All"];
        var id = parenKey?.Trim('\'') ?? (r.Segments.Length > 1 ? r.Segments[1] : null);
        if (id is null)
        {
            switch (r.Method)
            {
                case "GET":
                    Require(r, read);
                    List<JsonObject> all;
                    lock (Tenant.Gate) all = Tenant.Grants.Select(GraphShapes.Grant).ToList();
                    await GraphCollection(ctx, "oauth2PermissionGrants",
                        Filter(ctx, all, "OAuth2PermissionGrant", "clientId", "resourceId", "consentType", "principalId"), "oAuth2PermissionGrant");
                    return;
                case "POST":
                    Require(r, "DelegatedPermissionGrant.ReadWrite.All");
                    var body = await Body(ctx);
                    JsonObject created;
                    lock (Tenant.Gate)
                    {
                        var client = Tenant.ServicePrincipalById(body["clientId"]?.ToString()) ?? throw BadValue("clientId", "OAuth2PermissionGrant");
                        var resource = Tenant.ServicePrincipalById(body["resourceId"]?.ToString()) ?? throw BadValue("resourceId", "OAuth2PermissionGrant");
                        var consentType = body["consentType"]?.ToString();
                        var principalId = body["principalId"]?.ToString();
                        if (consentType is not ("AllPrincipals" or "Principal")) throw BadValue("consentType", "OAuth2PermissionGrant");
                        if (consentType == "AllPrincipals" && principalId is not null) throw BadValue("principalId", "OAuth2PermissionGrant");
                        if (consentType == "Principal" && Tenant.User(principalId) is null) throw BadValue("principalId", "OAuth2PermissionGrant");
                        var scope = CheckScope(body["scope"]?.ToString(), resource);
                        if (Tenant.Grants.Any(g => g.ClientId == client.Id && g.ResourceId == resource.Id && g.ConsentType == consentType
                                                   && string.Equals(g.PrincipalId, principalId, StringComparison.OrdinalIgnoreCase)))
                            throw new GraphFault(409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.");
                        var grant = new PermissionGrant(NewGrantId(), client.Id, consentType, principalId?.ToLowerInvariant(), resource.Id, scope);
                        Tenant.AddGrant(grant);
                        created = GraphShapes.Grant(grant);
                    }
                    await GraphEntity(ctx, 201, "oauth2PermissionGrants", created, "oAuth2PermissionGrant");
                    return;
                default: throw MethodNotAllowed();
            }
        }
        PermissionGrant Find() => Tenant.Grants.FirstOrDefault(g => g.Id == id) ?? throw NotFound(id);
        switch (r.Method)
        {
            case "GET":
                Require(r, read);
                JsonObject one;
                lock (Tenant.Gate) one = GraphShapes.Grant(Find());
                await GraphEntity(ctx, 200, "oauth2PermissionGrants", one, "oAuth2PermissionGrant");
                return;
            case "PATCH":
                Require(r, "DelegatedPermissionGrant.ReadWrite.All");
                var body = await Body(ctx);
                lock (Tenant.Gate)
                {
                    var grant = Find();
                    foreach (var (k, _) in body)
                        if (k != "scope") throw new GraphFault(400, "Request_BadRequest", $"Property '{k}' is read-only and cannot be set.");
                    if (body.ContainsKey("scope")) grant.Scope = CheckScope(body["scope"]?.ToString(), Tenant.ServicePrincipalById(grant.ResourceId)!);
                }
                await NoContent(ctx);
                return;
            case "DELETE":
                Require(r, "DelegatedPermissionGrant.ReadWrite.All");
                lock (Tenant.Gate) Tenant.RemoveGrant(Find().Id);
                await NoContent(ctx);
                return;
            default: throw MethodNotAllowed();
        }
    }

    /// <summary>Space-separated scope values, each offered by the resource; returned as given (trimmed).</summary>
    static string CheckScope(string? scope, ServicePrincipal resource)
    {
        var names = (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var n in names)
            if (!resource.Scopes.Any(s => s.Value.Equals(n, StringComparison.OrdinalIgnoreCase)))
                throw new GraphFault(400, "Request_BadRequest", $"Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{n}' is not a delegated permission of '{resource.DisplayName}'.");
        return string.Join(' ', names);
    }

    /// <summary>oauth2PermissionGrant ids are not GUIDs in Entra: 43 base64url characters.</summary>
    static string NewGrantId() => LabTokenIssuer.B64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))[..43];

    // ---------------------------------------------------------------- users, me, groups

    static readonly string[] UserRead = ["User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All"];
    static readonly string[] GroupRead = ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"];

    async Task GraphUsers(GraphRequest r, string? parenKey)
    {
        if (r.Method != "GET") throw MethodNotAllowed();
        var key = parenKey?.Trim('\'') ?? (r.Segments.Length > 1 ? r.Segments[1] : null);
        if (r.Segments.Length > 2) throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{r.Segments[2]}'.");
        var self = key is not null && r.Caller.User is { } me && (me.Id.Equals(key, StringComparison.OrdinalIgnoreCase)
                                                                   || me.UserPrincipalName.Equals(key, StringComparison.OrdinalIgnoreCase));
        if (!(self && r.Caller.Scopes.Contains("User.Read"))) Require(r, UserRead);
        if (key is null)
        {
            List<JsonObject> all;
            lock (Tenant.Gate) all = Tenant.Users.Select(GraphShapes.User).ToList();
            await GraphCollection(r.Ctx, "users", Filter(r.Ctx, all, "User", "userPrincipalName", "mail", "displayName", "id"), "user");
            return;
        }
        JsonObject user;
        lock (Tenant.Gate) user = GraphShapes.User(Tenant.User(key) ?? throw NotFound(key));
        await GraphEntity(r.Ctx, 200, "users", user, "user");
    }

    async Task Me(GraphRequest r)
    {
        if (r.Method != "GET" || r.Segments.Length > 1) throw MethodNotAllowed();
        if (r.Caller.User is not { } me)
            throw new GraphFault(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
        if (!r.Caller.Scopes.Overlaps(["User.Read", .. UserRead])) throw new GraphFault(403, "Authorization_RequestDenied", Denied);
        JsonObject user;
        lock (Tenant.Gate) user = GraphShapes.User(me);
        await GraphEntity(r.Ctx, 200, "users", user, "user");
    }

    async Task Groups(GraphRequest r, string? parenKey)
    {
        if (r.Method != "GET") throw MethodNotAllowed();
        Require(r, GroupRead);
        var key = parenKey?.Trim('\'') ?? (r.Segments.Length > 1 ? r.Segments[1] : null);
        if (key is null)
        {
            List<JsonObject> all;
            lock (Tenant.Gate) all = Tenant.Groups.Select(GraphShapes.Group).ToList();
            await GraphCollection(r.Ctx, "groups", Filter(r.Ctx, all, "Group", "displayName", "mailNickname", "id"), "group");
            return;
        }
        DirectoryGroup group;
        List<JsonObject> members;
        lock (Tenant.Gate)
        {
            group = Tenant.Group(key) ?? throw NotFound(key);
            members = group.MemberIds.Select(Tenant.User).OfType<DirectoryUser>().Select(u =>
            {
                var o = new JsonObject { ["@odata.type"] = "#microsoft.graph.user" };
                foreach (var (k, v) in GraphShapes.User(u)) o[k] = v?.DeepClone();
                return o;
            }).ToList();
        }
        var rest = r.Segments.Length > (parenKey is null ? 2 : 1) ? r.Segments[parenKey is null ? 2 : 1] : null;
        if (rest is null) await GraphEntity(r.Ctx, 200, "groups", GraphShapes.Group(group), "group");
        else if (rest == "members") await GraphCollection(r.Ctx, "directoryObjects", members, "directoryObject");
        else throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{rest}'.");
    }

    // ---------------------------------------------------------------- policies

    async Task Policies(GraphRequest r)
    {
        if (r.Segments.Length != 2 || r.Segments[1] != "identitySecurityDefaultsEnforcementPolicy")
            throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{(r.Segments.Length > 1 ? r.Segments[1] : "policies")}'.");
        switch (r.Method)
        {
            case "GET":
                Require(r, "Policy.Read.All", "Policy.ReadWrite.SecurityDefaults");
                bool enabled;
                lock (Tenant.Gate) enabled = Tenant.SecurityDefaultsEnabled;
                await GraphEntity(r.Ctx, 200, "policies/identitySecurityDefaultsEnforcementPolicy", new JsonObject
                {
                    ["id"] = SecurityDefaultsPolicyId,
                    ["displayName"] = "Security Defaults",
                    ["description"] = "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.",
                    ["isEnabled"] = enabled,
                }, "identitySecurityDefaultsEnforcementPolicy");
                return;
            case "PATCH":
                Require(r, "Policy.ReadWrite.SecurityDefaults");
                var body = await Body(r.Ctx);
                if (body["isEnabled"] is not JsonValue v || !v.TryGetValue<bool>(out var on)) throw BadValue("isEnabled", "IdentitySecurityDefaultsEnforcementPolicy");
                lock (Tenant.Gate) Tenant.SecurityDefaultsEnabled = on;
                await NoContent(r.Ctx);
                return;
            default: throw MethodNotAllowed();
        }
    }
}
