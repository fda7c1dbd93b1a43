using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OutlookOAuth.TestAuthority;

/// <summary>
/// The managed-identity endpoints MSAL.NET calls, on loopback: the App Service form an Azure Automation cloud job
/// exposes (<c>IDENTITY_ENDPOINT</c> = <c>{BaseUri}/msi/token</c>, header <c>X-IDENTITY-HEADER</c> =
/// <c>IDENTITY_HEADER</c>, <c>api-version=2019-08-01</c>) and the IMDS form of VMs and Arc-enabled hybrid workers
/// (<c>{BaseUri}/metadata/identity/oauth2/token</c>, header <c>Metadata: true</c>, <c>api-version=2018-02-01</c>),
/// which MSAL reaches through <c>AZURE_POD_IDENTITY_AUTHORITY_HOST={BaseUri}</c>. The machine has one system-assigned
/// identity and one user-assigned identity; tokens are app-only with the roles granted to that identity.
/// </summary>
public sealed partial class LabAuthority
{
    public const string SystemAssignedClientId = "5d3a1c7e-6f2b-4e8a-9b1c-2d3e4f5a6b70";
    public const string UserAssignedClientId = "8c2e4b6a-1d3f-4a5b-9c7d-0e1f2a3b4c6d";
    public const string UserAssignedResourceId =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/outlookoauth-lab/providers/Microsoft.ManagedIdentity/userAssignedIdentities/lab-runbook";

    /// <summary>A managed identity of the lab machine.</summary>
    public sealed class ManagedIdentity(bool systemAssigned, string clientId, string principalId, string? resourceId)
    {
        public bool SystemAssigned { get; } = systemAssigned;
        public string ClientId { get; } = clientId;
        public string PrincipalId { get; } = principalId;
        public string? ResourceId { get; } = resourceId;
        /// <summary>Application roles on Office 365 Exchange Online granted to the identity (changeable at run time).</summary>
        public List<string> Roles { get; } = ["SMTP.SendAsApp", "IMAP.AccessAsApp"];
    }

    ManagedIdentity[]? _managedIdentities;

    public IReadOnlyList<ManagedIdentity> ManagedIdentities => _managedIdentities ??=
    [
        new(true, SystemAssignedClientId, LabTokenIssuer.StableGuid($"mi|{TenantId}|{SystemAssignedClientId}"), null),
        new(false, UserAssignedClientId, LabTokenIssuer.StableGuid($"mi|{TenantId}|{UserAssignedClientId}"), UserAssignedResourceId),
    ];

    /// <summary>The secret of <c>IDENTITY_HEADER</c> (App Service form). Random unless the process was given one.</summary>
    public string IdentityHeader { get; set; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public string IdentityEndpoint => $"{BaseUri}/msi/token";

    ManagedIdentity? ManagedIdentityByClientId(string clientId) =>
        ManagedIdentities.FirstOrDefault(m => string.Equals(m.ClientId, clientId, StringComparison.OrdinalIgnoreCase));

    ManagedIdentity? FindIdentity(string? clientId, string? resourceId, string? principalId)
    {
        if (!string.IsNullOrEmpty(clientId)) return ManagedIdentityByClientId(clientId);
        if (!string.IsNullOrEmpty(resourceId)) return ManagedIdentities.FirstOrDefault(m => string.Equals(m.ResourceId, resourceId, StringComparison.OrdinalIgnoreCase));
        if (!string.IsNullOrEmpty(principalId)) return ManagedIdentities.FirstOrDefault(m => string.Equals(m.PrincipalId, principalId, StringComparison.OrdinalIgnoreCase));
        return ManagedIdentities[0];
    }

    /// <summary>The app-only token of a managed identity: appid/azp its client id, oid/sub its principal id.</summary>
    string MintManagedIdentityToken(ManagedIdentity identity, string resource)
    {
        string[] roles;
        lock (identity.Roles) roles = [.. identity.Roles];
        return TokenIssuer.MintApp(roles, resource, AccessTokenLifetime, p =>
        {
            p["appid"] = identity.ClientId;
            p["azp"] = identity.ClientId;
            p["appidacr"] = "2";
            p["oid"] = identity.PrincipalId;
            p["sub"] = identity.PrincipalId;
            if (identity.ResourceId is not null) p["xms_mirid"] = identity.ResourceId;
        });
    }

    static string? OutlookResource(string? resource)
    {
        if (string.IsNullOrEmpty(resource)) return null;
        var r = resource.EndsWith("/.default", StringComparison.Ordinal) ? resource[..^"/.default".Length] : resource.TrimEnd('/');
        return LabTokenIssuer.OutlookResources.FirstOrDefault(o => string.Equals(o, r, StringComparison.OrdinalIgnoreCase));
    }

    void MapManagedIdentity(WebApplication app)
    {
        // App Service (2019-08-01): what Azure Automation exposes to a cloud job.
        app.MapGet("/msi/token", async ctx =>
        {
            var q = ctx.Request.Query;
            async Task Fail(int status, string message)
            {
                ctx.Items[ErrorItem] = message;
                await WriteJson(ctx, status, new JsonObject { ["statusCode"] = status, ["message"] = message, ["correlationId"] = Guid.NewGuid().ToString() });
            }
            if (!ctx.Request.Headers.TryGetValue("X-IDENTITY-HEADER", out var secret) || !SecretEquals(secret.ToString(), IdentityHeader))
            { await Fail(401, "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER."); return; }
            if (q.Value("api-version") != "2019-08-01") { await Fail(400, "api-version must be 2019-08-01."); return; }
            var resource = OutlookResource(q.Value("resource"));
            if (resource is null) { await Fail(400, $"The resource '{q.Value("resource")}' is not an Outlook resource of the lab."); return; }
            var identity = FindIdentity(q.Value("client_id"), q.Value("mi_res_id") ?? q.Value("msi_res_id"), q.Value("principal_id"));
            if (identity is null) { await Fail(400, "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId."); return; }
            var lifetime = (long)AccessTokenLifetime.TotalSeconds;
            await WriteJson(ctx, 200, new JsonObject
            {
                ["access_token"] = MintManagedIdentityToken(identity, resource),
                ["expires_on"] = (Now.ToUnixTimeSeconds() + lifetime).ToString(CultureInfo.InvariantCulture),
                ["resource"] = resource,
                ["token_type"] = "Bearer",
                ["client_id"] = identity.ClientId,
            });
        });

        // IMDS (2018-02-01): VMs and Arc-enabled hybrid workers, reached through AZURE_POD_IDENTITY_AUTHORITY_HOST.
        app.MapGet("/metadata/identity/oauth2/token", async ctx =>
        {
            var q = ctx.Request.Query;
            async Task Fail(int status, string error, string description)
            {
                ctx.Items[ErrorItem] = description;
                await WriteJson(ctx, status, new JsonObject { ["error"] = error, ["error_description"] = description });
            }
            if (ctx.Request.Headers["Metadata"].ToString() != "true") { await Fail(400, "invalid_request", "Required metadata header not specified"); return; }
            if (string.IsNullOrEmpty(q.Value("api-version"))) { await Fail(400, "invalid_request", "Required query variable 'api-version' is missing"); return; }
            var resource = OutlookResource(q.Value("resource"));
            if (resource is null) { await Fail(400, "invalid_resource", $"AADSTS500011: The resource principal named {q.Value("resource")} was not found in the tenant."); return; }
            var identity = FindIdentity(q.Value("client_id"), q.Value("msi_res_id") ?? q.Value("mi_res_id"), q.Value("object_id") ?? q.Value("principal_id"));
            if (identity is null) { await Fail(400, "invalid_request", "Identity not found"); return; }
            var now = Now.ToUnixTimeSeconds();
            var lifetime = (long)AccessTokenLifetime.TotalSeconds;
            await WriteJson(ctx, 200, new JsonObject
            {
                ["access_token"] = MintManagedIdentityToken(identity, resource),
                ["client_id"] = identity.ClientId,
                ["expires_in"] = lifetime.ToString(CultureInfo.InvariantCulture),
                ["expires_on"] = (now + lifetime).ToString(CultureInfo.InvariantCulture),
                ["ext_expires_in"] = lifetime.ToString(CultureInfo.InvariantCulture),
                ["not_before"] = now.ToString(CultureInfo.InvariantCulture),
                ["resource"] = resource,
                ["token_type"] = "Bearer",
            });
        });

        // Lab control: the roles an identity holds (e.g. roles= to take every role away).
        app.MapPost("/lab/managed-identity/roles", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            var identity = FindIdentity(f.Value("client_id"), f.Value("resource_id"), null);
            if (identity is null) { await LabBadRequest(ctx, "client_id or resource_id names no lab managed identity."); return; }
            var roles = (f.Value("roles") ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            lock (identity.Roles) { identity.Roles.Clear(); identity.Roles.AddRange(roles); }
            await WriteJson(ctx, 200, new JsonObject { ["client_id"] = identity.ClientId, ["roles"] = string.Join(' ', roles) });
        });
    }
}
