using System.Text.Json.Nodes;
using static OutlookOAuth.Graph.GraphJson;

namespace OutlookOAuth.Graph;

/// <summary>Makes the Entra application of the module exist as <see cref="RegistrationRequest"/> asks, through Graph:
/// finds it (by the configured appId, else by display name) or creates it, and then adds only what is missing — redirect
/// URIs, permissions, the service principal, admin consent, the app-only roles, a client secret. Every step reads first,
/// so a re-run makes no change. The new secret's text is handed to <c>storeSecret</c> and kept nowhere else.</summary>
public sealed class ApplicationRegistrar
{
    const string AppSelect = "$select=id,appId,displayName,signInAudience,web,api,requiredResourceAccess,passwordCredentials";
    readonly IGraphTransport _graph;

    public ApplicationRegistrar(IGraphTransport graph) => _graph = graph;

    /// <summary>The requiredResourceAccess the app must have (Graph delegated, and Exchange application roles for app-only).</summary>
    public static Dictionary<string, HashSet<(string Id, string Type)>> RequiredAccess(bool appOnly)
    {
        var needed = new Dictionary<string, HashSet<(string, string)>>(StringComparer.OrdinalIgnoreCase)
        {
            [GraphIds.MicrosoftGraphAppId] = GraphIds.DelegatedPermissions.Select(p => (p.Id, "Scope")).ToHashSet(),
        };
        if (appOnly) needed[GraphIds.ExchangeOnlineAppId] = GraphIds.AppOnlyPermissions.Select(p => (p.Id, "Role")).ToHashSet();
        return needed;
    }

    /// <summary>The app's requiredResourceAccess with what is missing added, or null when nothing is missing. Pure.</summary>
    public static JsonArray? MergeAccess(JsonNode? existing, bool appOnly)
    {
        var have = new Dictionary<string, List<(string Id, string Type)>>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var r in (existing as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            var app = Str(r, "resourceAppId") ?? "";
            if (!have.ContainsKey(app)) { have[app] = new(); order.Add(app); }
            foreach (var a in Items(r, "resourceAccess"))
                if (Str(a, "id") is { } id) have[app].Add((id.ToLowerInvariant(), Str(a, "type") ?? "Scope"));
        }
        var changed = false;
        foreach (var (app, needed) in RequiredAccess(appOnly))
        {
            if (!have.ContainsKey(app)) { have[app] = new(); order.Add(app); }
            foreach (var n in needed)
                if (!have[app].Any(h => h.Id == n.Id.ToLowerInvariant() && string.Equals(h.Type, n.Type, StringComparison.OrdinalIgnoreCase)))
                { have[app].Add((n.Id, n.Type)); changed = true; }
        }
        if (!changed) return null;
        return new JsonArray(order.Select(app => (JsonNode)new JsonObject
        {
            ["resourceAppId"] = app,
            ["resourceAccess"] = new JsonArray(have[app].Select(a => (JsonNode)new JsonObject { ["id"] = a.Id, ["type"] = a.Type }).ToArray()),
        }).ToArray());
    }

    /// <summary>The scope string of a grant with the needed delegated permissions added, or null when it has them all. Pure.</summary>
    public static string? MergeScope(string? existing)
    {
        var have = (existing ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var missing = GraphIds.DelegatedPermissions.Select(p => p.Name).Where(n => !have.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        return missing.Count == 0 ? null : string.Join(' ', have.Concat(missing));
    }

    /// <summary>Finds the app: by appId when one is configured (a deleted one is looked for by name), else by name.
    /// Two apps with the name is an error (which one is meant cannot be told).</summary>
    public async Task<JsonObject?> FindApplicationAsync(string? appId, string? displayName, CancellationToken ct)
    {
        if (appId is { Length: > 0 })
        {
            var byId = await _graph.SendAsync(HttpMethod.Get, $"applications?$filter=appId eq {Literal(appId)}&{AppSelect}", null, $"find application {appId}", ct).ConfigureAwait(false);
            if (Items(byId).FirstOrDefault() is { } found) return found;
        }
        if (displayName is null) return null;
        var byName = Items(await _graph.SendAsync(HttpMethod.Get, $"applications?$filter=displayName eq {Literal(displayName)}&{AppSelect}", null, $"find application '{displayName}'", ct).ConfigureAwait(false)).ToList();
        if (byName.Count > 1)
            throw new OutlookOAuthException("ApplicationAmbiguous", FailureKind.InvalidArgument,
                $"{byName.Count} applications are named '{displayName}' ({string.Join(", ", byName.Select(a => Str(a, "appId")))}), so the one to use cannot be told.",
                "Set-OutlookApplication -ClientId <the one to keep> first (it is then found by its id), or pass another -DisplayName.");
        return byName.FirstOrDefault();
    }

    public async Task<JsonObject?> FindServicePrincipalAsync(string appId, CancellationToken ct) =>
        Items(await _graph.SendAsync(HttpMethod.Get, $"servicePrincipals?$filter=appId eq {Literal(appId)}&$select=id,appId,displayName,accountEnabled,appRoleAssignmentRequired", null, $"find the enterprise application of {appId}", ct).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>The service principal of a Microsoft resource (Graph, Exchange Online), which every tenant has.</summary>
    public async Task<string> ResourceServicePrincipalIdAsync(string resourceAppId, string name, CancellationToken ct)
    {
        var sp = Items(await _graph.SendAsync(HttpMethod.Get, $"servicePrincipals?$filter=appId eq {Literal(resourceAppId)}&$select=id,appId,displayName", null, $"find {name}", ct).ConfigureAwait(false)).FirstOrDefault();
        return Str(sp, "id") ?? throw new OutlookOAuthException("ResourceServicePrincipalMissing", FailureKind.NotFound,
            $"The tenant has no service principal for {name} ({resourceAppId}), so its permissions cannot be consented.",
            $"Create it once: New-MgServicePrincipal -AppId {resourceAppId} (or POST /servicePrincipals {{\"appId\":\"{resourceAppId}\"}}), then run again.");
    }

    /// <param name="storeSecret">Stores a new secret (appId, keyId, endDateTime, secretText) exactly as Set-OutlookApplication does.</param>
    public async Task<RegistrationResult> RegisterAsync(RegistrationRequest request, Func<string, string, DateTimeOffset, string, Task> storeSecret, CancellationToken ct)
    {
        var result = new RegistrationResult { DisplayName = request.DisplayName, SignInAudience = request.SignInAudience };
        async Task<JsonObject?> Change(HttpMethod method, string path, JsonObject? body, string what)
        {
            result.Changes.Add($"{method.Method} /{path}");
            return await _graph.SendAsync(method, path, body, what, ct).ConfigureAwait(false);
        }

        // 1. The application.
        var app = await FindApplicationAsync(request.KnownAppId, request.DisplayName, ct).ConfigureAwait(false);
        if (app is null)
        {
            var body = new JsonObject
            {
                ["displayName"] = request.DisplayName,
                ["signInAudience"] = request.SignInAudience,
                ["web"] = new JsonObject { ["redirectUris"] = new JsonArray(request.RedirectUris.Select(u => (JsonNode)u).ToArray()) },
                ["requiredResourceAccess"] = MergeAccess(new JsonArray(), request.AppOnly),
            };
            if (!request.WorkOrSchoolOnly) body["api"] = new JsonObject { ["requestedAccessTokenVersion"] = 2 };
            app = await Change(HttpMethod.Post, "applications", body, $"create the application '{request.DisplayName}'").ConfigureAwait(false)
                  ?? throw new OutlookOAuthException("GraphEmptyAnswer", FailureKind.Protocol, "Graph created the application but returned no object.", "Run the command again: it finds the application by name.");
            result.Application = "Created";
            result.Permissions = "Created";
        }
        else
        {
            result.Application = "Found";
            var patch = new JsonObject();
            var uris = Strings(app["web"], "redirectUris").ToList();
            var missingUris = request.RedirectUris.Where(u => !uris.Contains(u, StringComparer.Ordinal)).ToList();
            if (missingUris.Count > 0) patch["web"] = new JsonObject { ["redirectUris"] = new JsonArray(uris.Concat(missingUris).Select(u => (JsonNode)u).ToArray()) };
            var personal = !string.Equals(Str(app, "signInAudience"), "AzureADMultipleOrgs", StringComparison.OrdinalIgnoreCase)
                           && !string.Equals(Str(app, "signInAudience"), "AzureADMyOrg", StringComparison.OrdinalIgnoreCase);
            if (personal && app["api"] is var api && (api?["requestedAccessTokenVersion"] is not JsonValue v || !v.TryGetValue<int>(out var ver) || ver != 2))
                patch["api"] = new JsonObject { ["requestedAccessTokenVersion"] = 2 };
            var access = MergeAccess(app["requiredResourceAccess"]?.DeepClone(), request.AppOnly);
            if (access is not null) patch["requiredResourceAccess"] = access;
            result.Permissions = access is null ? "Found" : "Updated";
            if (patch.Count > 0)
            {
                await Change(HttpMethod.Patch, $"applications/{Segment(Str(app, "id")!)}", patch, "add what the application lacks").ConfigureAwait(false);
                result.Application = "Updated";
            }
        }
        var appId = Str(app, "appId")!;
        var objectId = Str(app, "id")!;
        result.AppId = appId;
        result.ObjectId = objectId;
        result.SignInAudience = Str(app, "signInAudience") ?? request.SignInAudience;
        result.RedirectUri = request.RedirectUris.FirstOrDefault();

        // 2. The enterprise application.
        var sp = await FindServicePrincipalAsync(appId, ct).ConfigureAwait(false);
        if (sp is null)
        {
            sp = await Change(HttpMethod.Post, "servicePrincipals", new JsonObject { ["appId"] = appId }, "create the enterprise application").ConfigureAwait(false);
            result.ServicePrincipal = "Created";
        }
        else result.ServicePrincipal = "Found";
        var spId = Str(sp, "id")!;
        result.ServicePrincipalId = spId;

        // 3. Admin consent for the delegated permissions (AllPrincipals).
        if (request.GrantAdminConsent)
        {
            var graphSp = await ResourceServicePrincipalIdAsync(GraphIds.MicrosoftGraphAppId, "Microsoft Graph", ct).ConfigureAwait(false);
            var grants = Items(await _graph.SendAsync(HttpMethod.Get,
                $"oauth2PermissionGrants?$filter=clientId eq {Literal(spId)} and consentType eq 'AllPrincipals' and resourceId eq {Literal(graphSp)}", null, "read the admin consent", ct).ConfigureAwait(false)).ToList();
            if (grants.FirstOrDefault() is { } grant)
            {
                if (MergeScope(Str(grant, "scope")) is { } scope)
                {
                    await Change(HttpMethod.Patch, $"oauth2PermissionGrants/{Segment(Str(grant, "id")!)}", new JsonObject { ["scope"] = scope }, "add the missing scopes to the consent").ConfigureAwait(false);
                    result.AdminConsent = "Updated";
                }
                else result.AdminConsent = "Found";
            }
            else
            {
                await Change(HttpMethod.Post, "oauth2PermissionGrants", new JsonObject
                {
                    ["clientId"] = spId, ["consentType"] = "AllPrincipals", ["resourceId"] = graphSp, ["scope"] = MergeScope(null),
                }, "grant admin consent").ConfigureAwait(false);
                result.AdminConsent = "Created";
            }
        }

        // 4. App-only: Exchange Online application roles, consented by assigning them to our service principal.
        if (request.AppOnly)
        {
            var exchangeSp = await ResourceServicePrincipalIdAsync(GraphIds.ExchangeOnlineAppId, "Office 365 Exchange Online", ct).ConfigureAwait(false);
            var assigned = Items(await _graph.SendAsync(HttpMethod.Get, $"servicePrincipals/{Segment(spId)}/appRoleAssignments", null, "read the application's role assignments", ct).ConfigureAwait(false))
                .Where(a => string.Equals(Str(a, "resourceId"), exchangeSp, StringComparison.OrdinalIgnoreCase))
                .Select(a => Str(a, "appRoleId")?.ToLowerInvariant()).ToHashSet();
            result.AppOnlyRoles = "Found";
            foreach (var (name, id) in GraphIds.AppOnlyPermissions.Where(p => !assigned.Contains(p.Id)))
            {
                await Change(HttpMethod.Post, $"servicePrincipals/{Segment(exchangeSp)}/appRoleAssignedTo",
                    new JsonObject { ["principalId"] = spId, ["resourceId"] = exchangeSp, ["appRoleId"] = id }, $"consent {name}").ConfigureAwait(false);
                result.AppOnlyRoles = "Created";
            }
        }

        // 5. The client secret: a new one unless the configured one is this app's and still on it.
        var credentials = Items(app, "passwordCredentials").ToList();
        var known = request.KnownSecretKeyId is { } k && request.SecretStored && string.Equals(request.KnownAppId, appId, StringComparison.OrdinalIgnoreCase)
            ? credentials.FirstOrDefault(c => string.Equals(Str(c, "keyId"), k, StringComparison.OrdinalIgnoreCase)) : null;
        if (known is not null)
        {
            result.Secret = "Found";
            result.SecretKeyId = Str(known, "keyId");
            result.SecretExpires = Date(known, "endDateTime");
        }
        else
        {
            var added = await AddSecretAsync(objectId, request.SecretExpiresOn, Change, ct).ConfigureAwait(false);
            await storeSecret(appId, added.KeyId, added.EndDateTime, added.SecretText ?? "") /* empty only in a -WhatIf plan */.ConfigureAwait(false);
            result.Secret = "Created";
            result.SecretKeyId = added.KeyId;
            result.SecretExpires = added.EndDateTime;
        }
        return result;
    }

    /// <summary>A new password credential; its text lives only in the returned value until it is stored.</summary>
    internal async Task<NewSecret> AddSecretAsync(string objectId, DateTimeOffset endDateTime,
        Func<HttpMethod, string, JsonObject?, string, Task<JsonObject?>>? change, CancellationToken ct)
    {
        change ??= (m, p, b, w) => _graph.SendAsync(m, p, b, w, ct);
        var answer = await change(HttpMethod.Post, $"applications/{Segment(objectId)}/addPassword", new JsonObject
        {
            ["passwordCredential"] = new JsonObject
            {
                ["displayName"] = $"OutlookOAuth {DateTimeOffset.UtcNow:yyyy-MM-dd}",
                ["endDateTime"] = endDateTime.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            },
        }, "add a client secret").ConfigureAwait(false);
        var keyId = Str(answer, "keyId");
        if (keyId is null)
            throw new OutlookOAuthException("GraphEmptyAnswer", FailureKind.Protocol, "Graph added a client secret but its answer carries no keyId.", "Run the command again.");
        return new NewSecret(keyId, Date(answer, "endDateTime") ?? endDateTime, Str(answer, "secretText"));
    }

    public Task RemoveSecretAsync(string objectId, string keyId, CancellationToken ct) =>
        _graph.SendAsync(HttpMethod.Post, $"applications/{Segment(objectId)}/removePassword", new JsonObject { ["keyId"] = keyId }, "remove the old client secret", ct);
}

/// <summary>A secret just added: its text is never printed (<see cref="ToString"/> omits it).</summary>
internal sealed record NewSecret(string KeyId, DateTimeOffset EndDateTime, string? SecretText)
{
    public override string ToString() => $"NewSecret(keyId={KeyId}, ends={EndDateTime:u})";
}
