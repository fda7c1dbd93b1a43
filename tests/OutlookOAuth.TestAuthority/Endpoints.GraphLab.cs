using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OutlookOAuth.TestAuthority.Tenant;

namespace OutlookOAuth.TestAuthority;

/// <summary>Test controls of the lab tenant (in-process and over <c>/_lab/graph/*</c>): throttling, expiring a secret, security defaults, a fresh tenant.</summary>
public sealed partial class LabAuthority
{
    /// <summary>A fresh tenant: users, the lab group, Graph, Exchange, Graph Command Line Tools and the lab's fixed app (consented, both app roles).</summary>
    public void ResetTenant()
    {
        var tenant = new LabTenant(TenantId, _clock, TokenIssuer.ObjectId, _users.Where(u => !u.Equals(LabTenant.AdminUser, StringComparison.OrdinalIgnoreCase)));
        tenant.AddLabDefaultApplication(ClientId, TokenIssuer.ServicePrincipalId, ClientSecret, _redirectUris, _delegatedScopes, _appRoles);
        Tenant = tenant;
        ThrottleGraph(0);
    }

    /// <summary>
    /// Moves the end of an app's secrets (one <paramref name="keyId"/>, or all) to <paramref name="end"/> (default: one
    /// second ago), so its next token request gets AADSTS7000222. Returns how many secrets changed.
    /// </summary>
    public int ExpireSecret(string appId, string? keyId = null, DateTimeOffset? end = null)
    {
        lock (Tenant.Gate)
        {
            var app = Tenant.Application(appId) ?? throw new ArgumentException($"No application with appId '{appId}' in the lab tenant.", nameof(appId));
            var secrets = app.Secrets.Where(s => keyId is null || s.KeyId.Equals(keyId, StringComparison.OrdinalIgnoreCase)).ToList();
            foreach (var s in secrets) s.EndDateTime = end ?? Now.AddSeconds(-1);
            return secrets.Count;
        }
    }

    void MapGraphLab(WebApplication app)
    {
        app.MapPost("/_lab/graph/throttle", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            try { ThrottleGraph(Int(f.Value("count")) ?? 1, Int(f.Value("status")) ?? 429, Int(f.Value("retry_after")) ?? 1); }
            catch (ArgumentException ex) { await LabBadRequest(ctx, ex.Message); return; }
            await WriteJson(ctx, 200, new JsonObject { ["throttled"] = Int(f.Value("count")) ?? 1 });
        });
        app.MapPost("/_lab/graph/expire-secret", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            DateTimeOffset? end = null;
            if (f.Value("end") is { Length: > 0 } e)
            {
                if (!DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) { await LabBadRequest(ctx, "end must be an ISO 8601 time."); return; }
                end = t;
            }
            int count;
            try { count = ExpireSecret(f.Value("app_id") ?? "", f.Value("key_id"), end); }
            catch (ArgumentException ex) { await LabBadRequest(ctx, ex.Message); return; }
            await WriteJson(ctx, 200, new JsonObject { ["app_id"] = f.Value("app_id"), ["changed"] = count });
        });
        app.MapPost("/_lab/graph/security-defaults", async ctx =>
        {
            var f = await ctx.FormOrEmpty();
            var on = f.Value("enabled") != "false";
            lock (Tenant.Gate) Tenant.SecurityDefaultsEnabled = on;
            await WriteJson(ctx, 200, new JsonObject { ["enabled"] = on });
        });
        app.MapPost("/_lab/graph/reset", async ctx =>
        {
            ResetTenant();
            await WriteJson(ctx, 200, new JsonObject { ["reset"] = true });
        });
        // Ids a test needs without a Graph token (no secrets).
        app.MapGet("/_lab/graph/tenant", ctx =>
        {
            lock (Tenant.Gate)
                return WriteJson(ctx, 200, new JsonObject
                {
                    ["tenant_id"] = TenantId,
                    ["graph_root"] = GraphRoot,
                    ["admin"] = LabTenant.AdminUser,
                    ["graph_command_line_tools"] = WellKnown.GraphCommandLineToolsAppId,
                    ["graph_sp_id"] = Tenant.Graph.Id,
                    ["exchange_sp_id"] = Tenant.Exchange.Id,
                    ["lab_group_id"] = Tenant.Groups.First().Id,
                    ["applications"] = new JsonArray(Tenant.Applications.Select(a => (JsonNode)new JsonObject
                    {
                        ["id"] = a.Id, ["appId"] = a.AppId, ["displayName"] = a.DisplayName,
                        ["servicePrincipalId"] = Tenant.ServicePrincipal(a.AppId)?.Id,
                    }).ToArray()),
                });
        });
    }
}
