using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OutlookOAuth.TestAuthority.Tenant;

namespace OutlookOAuth.TestAuthority;

/// <summary>Graph v1.0 applications (with addPassword/removePassword) and servicePrincipals (with appRoleAssignedTo).</summary>
public sealed partial class LabAuthority
{
    static readonly string[] SignInAudiences = ["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"];
    static readonly string[] AppReadOnly = ["id", "appId", "createdDateTime", "deletedDateTime", "publisherDomain", "passwordCredentials"];

    async Task Applications(GraphRequest r, string? parenKey)
    {
        var ctx = r.Ctx;
        var (id, appId) = Key(parenKey, r.Segments);
        if (id is null && appId is null)
        {
            if (r.Segments.Length > 1) throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{r.Segments[1]}'.");
            switch (r.Method)
            {
                case "GET":
                    Require(r, AppRead);
                    List<JsonObject> all;
                    lock (Tenant.Gate) all = Tenant.Applications.Select(GraphShapes.Application).ToList();
                    await GraphCollection(ctx, "applications", Filter(ctx, all, "Application", "displayName", "appId", "id", "signInAudience"), "application");
                    return;
                case "POST":
                    Require(r, AppWrite);
                    var body = await Body(ctx);
                    JsonObject created;
                    lock (Tenant.Gate)
                    {
                        var props = GraphShapes.NewApplication("");
                        ApplyApplication(props, body, creating: true);
                        var app = Tenant.AddApplication(props);
                        created = GraphShapes.Application(app);
                        ctx.Response.Headers.Location = $"{GraphRoot}v2/{TenantId}/directoryObjects/{app.Id}/Microsoft.DirectoryServices.Application";
                    }
                    await GraphEntity(ctx, 201, "applications", created, "application");
                    return;
                default: throw MethodNotAllowed();
            }
        }
        var action = r.Segments.Length > (parenKey is null ? 2 : 1) ? r.Segments[parenKey is null ? 2 : 1] : null;
        TenantApplication Find()
        {
            var a = appId is not null ? Tenant.Application(appId) : Tenant.ApplicationById(id!);
            return a ?? throw NotFound(appId ?? id!);
        }
        switch (action, r.Method)
        {
            case (null, "GET"):
                Require(r, AppRead);
                JsonObject one;
                lock (Tenant.Gate) one = GraphShapes.Application(Find());
                await GraphEntity(ctx, 200, "applications", one, "application");
                return;
            case (null, "PATCH"):
            {
                Require(r, AppWrite);
                var body = await Body(ctx);
                lock (Tenant.Gate)
                {
                    var app = Find();
                    var props = (JsonObject)app.Properties.DeepClone();
                    ApplyApplication(props, body, creating: false);
                    foreach (var (k, v) in props) app.Properties[k] = v?.DeepClone();
                }
                await NoContent(ctx);
                return;
            }
            case (null, "DELETE"):
                Require(r, AppWrite);
                lock (Tenant.Gate)
                {
                    var app = Find();
                    Tenant.RemoveApplication(app);
                    if (Tenant.ServicePrincipal(app.AppId) is { } sp) Tenant.RemoveServicePrincipal(sp);
                }
                await NoContent(ctx);
                return;
            case ("addPassword", "POST"):
            {
                Require(r, AppWrite);
                var body = await Body(ctx);
                var pc = body["passwordCredential"] as JsonObject ?? new JsonObject();
                var end = pc["endDateTime"] is { } e ? ParseTime(e, "endDateTime") : Now.AddYears(2);
                var start = pc["startDateTime"] is { } s ? ParseTime(s, "startDateTime") : Now;
                if (end <= start) throw new GraphFault(400, "Request_BadRequest", "Key credential end date is invalid.");
                PasswordSecret secret;
                lock (Tenant.Gate)
                {
                    var app = Find();
                    secret = new PasswordSecret(LabTenant.NewId(), NewClientSecret(), pc["displayName"]?.ToString(), start, end);
                    app.Secrets.Add(secret);
                }
                var result = GraphShapes.Password(secret, withSecretText: true);
                var withContext = new JsonObject { ["@odata.context"] = Context("microsoft.graph.passwordCredential") };
                foreach (var (k, v) in result) withContext[k] = v?.DeepClone();
                await GraphJsonAsync(ctx, 200, withContext);
                return;
            }
            case ("removePassword", "POST"):
            {
                Require(r, AppWrite);
                var body = await Body(ctx);
                var keyId = body["keyId"]?.ToString();
                if (!Guid.TryParse(keyId, out _)) throw BadValue("keyId", "PasswordCredential");
                lock (Tenant.Gate)
                {
                    var app = Find();
                    if (app.Secrets.RemoveAll(x => x.KeyId.Equals(keyId, StringComparison.OrdinalIgnoreCase)) == 0)
                        throw new GraphFault(400, "Request_BadRequest", $"No password credential found with keyId '{keyId}'.");
                }
                await NoContent(ctx);
                return;
            }
            case (null, _) or ("addPassword" or "removePassword", _): throw MethodNotAllowed();
            default: throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{action}'.");
        }
    }

    /// <summary>Merges a POST/PATCH body into application properties, checking what Graph checks.</summary>
    static void ApplyApplication(JsonObject props, JsonObject body, bool creating)
    {
        foreach (var (k, v) in body)
        {
            if (k.StartsWith("@odata.", StringComparison.Ordinal)) continue;
            if (AppReadOnly.Contains(k))
            {
                if (k == "passwordCredentials" && v is JsonArray { Count: 0 }) continue;
                throw new GraphFault(400, "Request_BadRequest", $"Property '{k}' is read-only and cannot be set.");
            }
            if (!props.ContainsKey(k))
                throw new GraphFault(400, "Request_BadRequest", $"Property '{k}' does not exist on type 'microsoft.graph.application'.");
            Merge(props, k, v, "Application");
        }
        if (creating && string.IsNullOrWhiteSpace(props["displayName"]?.ToString()))
            throw new GraphFault(400, "Request_BadRequest", "A value is required for property 'displayName' of resource 'Application'.");
        var audience = props["signInAudience"]?.ToString();
        if (!SignInAudiences.Contains(audience)) throw BadValue("signInAudience", "Application");
        var version = props["api"]?["requestedAccessTokenVersion"] is JsonValue jv && jv.TryGetValue<int>(out var n) ? n : (int?)null;
        if (audience is "AzureADandPersonalMicrosoftAccount" or "PersonalMicrosoftAccount" && version != 2)
            throw new GraphFault(400, "Request_BadRequest", "Property api.requestedAccessTokenVersion is invalid.");
        foreach (var (kind, httpsOnly) in new[] { ("web", true), ("spa", true), ("publicClient", false) })
            foreach (var u in props[kind]?["redirectUris"] as JsonArray ?? [])
            {
                var s = u?.ToString();
                if (s is null || !Uri.TryCreate(s, UriKind.Absolute, out var uri) || s.Contains('#')
                    || (httpsOnly && uri.Scheme != "https" && !(uri.Scheme == "http" && uri.IsLoopback)))
                    throw BadValue($"{kind}.redirectUris", "Application");
            }
        foreach (var rra in props["requiredResourceAccess"] as JsonArray ?? [])
        {
            if (rra is not JsonObject o || !Guid.TryParse(o["resourceAppId"]?.ToString(), out _) || o["resourceAccess"] is not JsonArray access)
                throw BadValue("requiredResourceAccess", "Application");
            foreach (var a in access)
                if (a is not JsonObject ra || !Guid.TryParse(ra["id"]?.ToString(), out _) || ra["type"]?.ToString() is not ("Scope" or "Role"))
                    throw BadValue("requiredResourceAccess.resourceAccess", "Application");
        }
    }

    /// <summary>Sets <paramref name="key"/>: complex values merge one level (as directory PATCH does), collections and scalars replace.</summary>
    static void Merge(JsonObject target, string key, JsonNode? value, string resource)
    {
        var current = target[key];
        if (current is JsonObject && value is not (JsonObject or null)) throw BadValue(key, resource);
        if (current is JsonArray && value is not (JsonArray or null)) throw BadValue(key, resource);
        if (current is JsonObject co && value is JsonObject vo)
        {
            foreach (var (k, v) in vo)
            {
                if (!co.ContainsKey(k)) throw new GraphFault(400, "Request_BadRequest", $"Property '{k}' does not exist on type '{key}'.");
                co[k] = v?.DeepClone();
            }
            return;
        }
        target[key] = value?.DeepClone();
    }

    DateTimeOffset ParseTime(JsonNode node, string property) =>
        DateTimeOffset.TryParse(node.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : throw BadValue(property, "PasswordCredential");

    /// <summary>A secret shaped like Entra's: 40 characters, the 4th to 6th "8Q~", from [A-Za-z0-9~._-].</summary>
    static string NewClientSecret() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 3) + "8Q~" +
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-", 34);

    // ---------------------------------------------------------------- service principals

    static readonly string[] SpReadOnly = ["id", "appId", "deletedDateTime", "appOwnerOrganizationId", "appDisplayName", "servicePrincipalType", "signInAudience", "passwordCredentials"];

    async Task ServicePrincipals(GraphRequest r, string? parenKey)
    {
        var ctx = r.Ctx;
        var (id, appId) = Key(parenKey, r.Segments);
        if (id is null && appId is null)
        {
            if (r.Segments.Length > 1) throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{r.Segments[1]}'.");
            switch (r.Method)
            {
                case "GET":
                    Require(r, AppRead);
                    List<JsonObject> all;
                    lock (Tenant.Gate) all = Tenant.ServicePrincipals.Select(GraphShapes.ServicePrincipal).ToList();
                    await GraphCollection(ctx, "servicePrincipals", Filter(ctx, all, "ServicePrincipal", "displayName", "appId", "id"), "servicePrincipal");
                    return;
                case "POST":
                    Require(r, AppWrite);
                    var body = await Body(ctx);
                    JsonObject created;
                    lock (Tenant.Gate)
                    {
                        var newAppId = body["appId"]?.ToString();
                        var app = Tenant.Application(newAppId)
                                  ?? throw new GraphFault(400, "Request_BadRequest", $"The appId '{newAppId}' of the service principal does not reference a valid application object.");
                        if (Tenant.ServicePrincipal(app.AppId) is not null)
                            throw new GraphFault(409, "Request_MultipleObjectsWithSameKeyValue", "Another object with the same value for property servicePrincipalNames already exists.");
                        var sp = Tenant.AddServicePrincipal(app, TenantId);
                        try { ApplyServicePrincipal(sp.Properties, body); }
                        catch { Tenant.RemoveServicePrincipal(sp); throw; }
                        created = GraphShapes.ServicePrincipal(sp);
                    }
                    await GraphEntity(ctx, 201, "servicePrincipals", created, "servicePrincipal");
                    return;
                default: throw MethodNotAllowed();
            }
        }
        var rest = r.Segments.Skip(parenKey is null ? 2 : 1).ToArray();
        ServicePrincipal Find() =>
            (appId is not null ? Tenant.ServicePrincipal(appId) : Tenant.ServicePrincipalById(id)) ?? throw NotFound(appId ?? id!);
        if (rest.Length == 0)
        {
            switch (r.Method)
            {
                case "GET":
                    Require(r, AppRead);
                    JsonObject one;
                    lock (Tenant.Gate) one = GraphShapes.ServicePrincipal(Find());
                    await GraphEntity(ctx, 200, "servicePrincipals", one, "servicePrincipal");
                    return;
                case "PATCH":
                    Require(r, AppWrite);
                    var body = await Body(ctx);
                    lock (Tenant.Gate)
                    {
                        var sp = Find();
                        var props = (JsonObject)sp.Properties.DeepClone();
                        ApplyServicePrincipal(props, body);
                        foreach (var (k, v) in props) sp.Properties[k] = v?.DeepClone();
                    }
                    await NoContent(ctx);
                    return;
                case "DELETE":
                    Require(r, AppWrite);
                    lock (Tenant.Gate)
                    {
                        var sp = Find();
                        if (sp == Tenant.Graph || sp == Tenant.Exchange) throw new GraphFault(403, "Authorization_RequestDenied", Denied);
                        Tenant.RemoveServicePrincipal(sp);
                    }
                    await NoContent(ctx);
                    return;
                default: throw MethodNotAllowed();
            }
        }
        switch (rest[0])
        {
            case "appRoleAssignedTo": await AppRoleAssignedTo(r, Find, rest); return;
            case "appRoleAssignments":
                if (rest.Length > 1 || r.Method != "GET") throw MethodNotAllowed();
                Require(r, [.. AppRead, "AppRoleAssignment.ReadWrite.All"]);
                List<JsonObject> held;
                string spId;
                lock (Tenant.Gate)
                {
                    spId = Find().Id;
                    held = Tenant.Assignments.Where(a => a.PrincipalId == spId).Select(GraphShapes.Assignment).ToList();
                }
                await GraphCollection(ctx, $"servicePrincipals('{spId}')/appRoleAssignments", held, "appRoleAssignment");
                return;
            default: throw new GraphFault(400, "BadRequest", $"Resource not found for the segment '{rest[0]}'.");
        }
    }

    static void ApplyServicePrincipal(JsonObject props, JsonObject body)
    {
        foreach (var (k, v) in body)
        {
            if (k.StartsWith("@odata.", StringComparison.Ordinal) || (k == "appId")) continue;
            if (SpReadOnly.Contains(k)) throw new GraphFault(400, "Request_BadRequest", $"Property '{k}' is read-only and cannot be set.");
            if (!props.ContainsKey(k)) throw new GraphFault(400, "Request_BadRequest", $"Property '{k}' does not exist on type 'microsoft.graph.servicePrincipal'.");
            if (k is "appRoleAssignmentRequired" or "accountEnabled" && !(v is JsonValue jv && jv.TryGetValue<bool>(out _)))
                throw BadValue(k, "ServicePrincipal");
            Merge(props, k, v, "ServicePrincipal");
        }
    }

    async Task AppRoleAssignedTo(GraphRequest r, Func<ServicePrincipal> find, string[] rest)
    {
        var ctx = r.Ctx;
        string[] read = [.. AppRead, "AppRoleAssignment.ReadWrite.All"];
        if (rest.Length == 1 && r.Method == "GET")
        {
            Require(r, read);
            List<JsonObject> list;
            string spId;
            lock (Tenant.Gate)
            {
                spId = find().Id;
                list = Tenant.Assignments.Where(a => a.ResourceId == spId).Select(GraphShapes.Assignment).ToList();
            }
            await GraphCollection(ctx, $"servicePrincipals('{spId}')/appRoleAssignedTo",
                Filter(ctx, list, "AppRoleAssignment", "principalId", "appRoleId", "principalType"), "appRoleAssignment");
            return;
        }
        if (rest.Length == 1 && r.Method == "POST")
        {
            Require(r, "AppRoleAssignment.ReadWrite.All");
            var body = await Body(ctx);
            JsonObject created;
            string resId;
            lock (Tenant.Gate)
            {
                var resource = find();
                resId = resource.Id;
                var principalId = body["principalId"]?.ToString();
                var appRoleId = body["appRoleId"]?.ToString();
                var resourceId = body["resourceId"]?.ToString();
                if (!Guid.TryParse(principalId, out _)) throw BadValue("principalId", "AppRoleAssignment");
                if (!Guid.TryParse(appRoleId, out _)) throw BadValue("appRoleId", "AppRoleAssignment");
                if (!string.Equals(resourceId, resource.Id, StringComparison.OrdinalIgnoreCase)) throw BadValue("resourceId", "AppRoleAssignment");
                (string Type, string Name)? principal = Tenant.User(principalId) is { } u ? ("User", u.DisplayName)
                    : Tenant.Group(principalId) is { } g ? ("Group", g.DisplayName)
                    : Tenant.ServicePrincipalById(principalId) is { } p ? ("ServicePrincipal", p.DisplayName) : null;
                if (principal is null) throw NotFound(principalId!);
                var known = appRoleId == WellKnown.DefaultAccessRoleId ? principal.Value.Type != "ServicePrincipal" : resource.AppRoles.Any(x => x.Id.Equals(appRoleId, StringComparison.OrdinalIgnoreCase));
                if (!known) throw new GraphFault(400, "Request_BadRequest", $"Permission being assigned was not found on application '{resource.AppId}'.");
                if (Tenant.Assignments.Any(a => a.ResourceId == resource.Id && a.PrincipalId.Equals(principalId, StringComparison.OrdinalIgnoreCase)
                                                && a.AppRoleId.Equals(appRoleId, StringComparison.OrdinalIgnoreCase)))
                    throw new GraphFault(400, "Request_BadRequest", "Permission being assigned already exists on the object");
                var assignment = new AppRoleAssignment(LabTenant.NewId(), appRoleId!.ToLowerInvariant(), principalId!.ToLowerInvariant(), principal.Value.Type,
                    principal.Value.Name, resource.Id, resource.DisplayName, Now);
                Tenant.AddAssignment(assignment);
                created = GraphShapes.Assignment(assignment);
            }
            await GraphEntity(ctx, 201, $"servicePrincipals('{resId}')/appRoleAssignedTo", created, "appRoleAssignment");
            return;
        }
        if (rest.Length == 2 && r.Method is "DELETE" or "GET")
        {
            Require(r, r.Method == "GET" ? read : ["AppRoleAssignment.ReadWrite.All"]);
            JsonObject? found;
            string resId;
            lock (Tenant.Gate)
            {
                resId = find().Id;
                var a = Tenant.Assignments.FirstOrDefault(x => x.ResourceId == resId && x.Id.Equals(rest[1], StringComparison.OrdinalIgnoreCase))
                        ?? throw NotFound(rest[1]);
                found = GraphShapes.Assignment(a);
                if (r.Method == "DELETE") Tenant.RemoveAssignment(a.Id);
            }
            if (r.Method == "DELETE") await NoContent(ctx);
            else await GraphEntity(ctx, 200, $"servicePrincipals('{resId}')/appRoleAssignedTo", found, "appRoleAssignment");
            return;
        }
        throw MethodNotAllowed();
    }
}
